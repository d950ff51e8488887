"""Mental rotation: Shepard-Metzler stimuli, a renderer, real data and Bayesian RT models.

Modules
-------
:mod:`~cogalign.rotation.objects`
    Shepard-Metzler cube chains: seeded generator, validity (no overlap, unbroken chain,
    chirality, distinct shapes), mirror images, rotations, world-frame and object-centred
    arm codes. :mod:`~cogalign.rotation.objectfile` reads and writes them as text.
:mod:`~cogalign.rotation.renderer`
    An offline NumPy renderer: batches of objects in any poses to ``(N, H, W)`` or
    ``(N, H, W, 3)`` arrays. :mod:`~cogalign.rotation.stimuli` draws a trial's two views
    side by side to a PNG file.
:mod:`~cogalign.rotation.data`
    Reading trial files and building the models' data (datasets are registered in
    :mod:`cogalign.data.registry`: ``rotation-ganis-kievit-2015``,
    ``rotation-jost-jansen-2020``, ``rotation-hamrick-griffiths-2014``).
:mod:`~cogalign.rotation.functions`, :mod:`~cogalign.rotation.models`, :mod:`~cogalign.rotation.pymc_models`
    The models' math, NumPyro models and PyMC twins; :class:`RotationModel` in
    :mod:`~cogalign.rotation.estimators` fits them.
:mod:`~cogalign.rotation.simulate`
    Simulated participants and trial tables.
:mod:`~cogalign.rotation.classical`
    Repeated-measures ANOVA with Greenhouse-Geisser correction, RT-on-angle regressions.
:mod:`~cogalign.rotation.analysis`
    One function per headline analysis, and the demo section.
:mod:`~cogalign.rotation.llm`
    A language model judges same/mirror from arm codes; its accuracy by angle next to
    people's.
:mod:`~cogalign.rotation.neural`
    The three-stage neural model (equivariant encoder, neuro-symbolic object code,
    recurrent decision agent), its ablations, training, and its fit to people's RT.

Figures are in :mod:`cogalign.plots.rotation`; the commands in :mod:`cogalign.rotation.cli`.
Importing this package is light: jax, numpyro, pymc, arviz and torch load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "CubeObject": "objects", "InvalidObjectError": "objects", "ROTATIONS_24": "objects",
    "cubes_from_code": "objects", "distinct_shapes": "objects", "generate_object": "objects",
    "generate_objects": "objects", "rotation_matrix": "objects", "view_code": "objects",
    "ObjectFileError": "objectfile", "read_objects": "objectfile", "write_objects": "objectfile",
    "parse_objects": "objectfile", "format_objects": "objectfile",
    "DEFAULT_POSE": "renderer", "render": "renderer", "render_one": "renderer",
    "pair_image": "stimuli", "pair_poses": "stimuli", "save_pair": "stimuli",
    "DATASETS": "data", "model_data": "data", "read_rotation": "data",
    "MODELS": "models", "rt_model": "models", "accuracy_model": "models",
    "joint_model": "models", "rt_params": "models", "accuracy_params": "models",
    "joint_params": "models",
    "RotationModel": "estimators",
    "SimulatedParticipant": "simulate", "simulate_rotation": "simulate",
    "draw_participants": "simulate",
    "rm_anova": "classical", "rt_regression": "classical", "person_slopes": "classical",
    "condition_means": "classical",
    "fit_rotation": "analysis", "compare_rotation_models": "analysis",
    "classical_report": "analysis", "ppc_by_condition": "analysis", "demo_section": "analysis",
    "rotation_trials": "llm", "judge_rotation": "llm", "compare_accuracy": "llm",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f"cogalign.rotation.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cogalign.rotation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
