"""The mental-rotation paradigm's entry in the paradigm registry."""

from __future__ import annotations

from cogalign.paradigms import Paradigm, factory

__all__ = ["PARADIGM"]

PARADIGM = Paradigm(
    name="rotation",
    package="cogalign.rotation",
    title="Mental rotation (Shepard-Metzler figures; hierarchical Bayesian RT models)",
    schema="rotation",
    datasets=("rotation-ganis-kievit-2015", "rotation-jost-jansen-2020",
              "rotation-hamrick-griffiths-2014"),
    simulator="cogalign.rotation.simulate:simulate_rotation",
    estimators={
        **{m: factory("cogalign.rotation.estimators:RotationModel", m)
           for m in ("linear", "concave", "two-stage", "accuracy", "joint")},
        # the neural model ("neural" is the full model; one entry per ablation)
        **{("neural" if v == "full" else f"neural-{v}"):
           factory("cogalign.rotation.neural.estimators:NeuralRotationModel", v)
           for v in ("full", "search", "plain-encoder", "no-symbolic", "no-recurrent")},
    },
    default_estimator="linear",
    cv_groups="participant_id",
    study_design="cogalign.rotation.study:RotationDesign",
    commands={
        "fit": "cogalign.rotation.cli:fit_rotation_command",
        "fit:rotation-model": "cogalign.rotation.cli:fit_model_command",
        "compare": "cogalign.rotation.cli:compare_rotation",
        "align": "cogalign.rotation.cli:align_rotation",
        "group": "cogalign.rotation.cli:rotation_group",
    },
    demo="cogalign.rotation.analysis:demo_section",
    align="cogalign.rotation.llm:sweep_alignment",
    reader="cogalign.rotation.data:read_rotation",
)
