"""A language model does the same/mirror task from arm codes; its accuracy next to people's.

Each trial gives the model two cube chains as arm codes in one world frame
(:func:`cogalign.rotation.objects.view_code`): the first object in a random lattice
orientation, the second the same object - or its mirror image - turned a further ``angle``
degrees about ``axis``. Arms that no longer lie along a world axis are written as direction
vectors. The model's answer is scored by the log-probabilities of "same" and "mirror"
through :func:`cogalign.llm.judge` (both answer orders), with the prompt in
``prompts/same_mirror.toml``.

:func:`compare_accuracy` sets the model's accuracy per angle and pair type beside people's
(mean over people with a bootstrap interval over people), and compares the two *profiles*
of accuracy across conditions with the shared metrics: each profile becomes a
representational dissimilarity matrix over the conditions (:math:`|a_i - a_j|`,
:func:`cogalign.metrics.rdm_from_embedding`), compared by Spearman RSA
(:func:`cogalign.metrics.rsa`) and, person by person, by individual-level alignment
(:func:`cogalign.metrics.individual_alignment`: does the model's profile agree with the
group as well as one more person's would?).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError
from cogalign.rotation.objects import (
    ROTATIONS_24,
    CubeObject,
    generate_objects,
    rotation_matrix,
    view_code,
)

__all__ = ["TASK", "align_with_people", "compare_accuracy", "judge_rotation",
           "rotation_trials"]

#: The prompt template of the same/mirror task, by its name in the template registry of
#: :mod:`cogalign.llm.tasks` (the file is ``rotation/prompts/same_mirror.toml``).
TASK = "same-mirror"


def rotation_trials(
    objects: Sequence[CubeObject] | None = None,
    *,
    angles: Sequence[float] = (0.0, 50.0, 100.0, 150.0),
    axis: str = "y",
    n_per_condition: int = 8,
    seed: int = 0,
    decimals: int = 2,
) -> pd.DataFrame:
    """Same/mirror trials as text: ``item1`` and ``item2`` are arm codes in the world frame.

    Parameters
    ----------
    objects
        The objects (default: ``n_per_condition`` generated ones, 10 cubes in 4 arms).
    angles, axis
        Angular disparities (degrees) and the axis the second object is turned about.
    n_per_condition
        Trials per angle and pair type; objects are used in turn.
    seed
        Seed of the objects and of each trial's start orientation.
    decimals
        Decimals of direction vectors.

    Returns
    -------
    pandas.DataFrame
        ``trial``, ``object_id``, ``angle``, ``axis``, ``pair_type``, ``item1``, ``item2``.
    """
    rng = np.random.default_rng(seed)
    if objects is None:
        objects = generate_objects(max(1, n_per_condition), seed=rng)
    objects = list(objects)
    if not objects:
        raise CogalignError("rotation_trials needs at least one object")
    rows = []
    for angle in angles:
        for pair in ("same", "mirror"):
            for k in range(n_per_condition):
                obj = objects[k % len(objects)]
                start = ROTATIONS_24[rng.integers(len(ROTATIONS_24))].astype(float)
                second = obj.mirror() if pair == "mirror" else obj
                turn = rotation_matrix(axis, float(angle)) @ start
                rows.append({"object_id": obj.name, "angle": float(angle), "axis": axis,
                             "pair_type": pair, "item1": view_code(obj, start, decimals=decimals),
                             "item2": view_code(second, turn, decimals=decimals)})
    out = pd.DataFrame(rows)
    out.insert(0, "trial", np.arange(len(out)))
    return out


def judge_rotation(
    trials: pd.DataFrame,
    model: Any = "smollm2-135m",
    *,
    permutations: Any = "all",
    progress: bool = False,
    **judge_kwargs: Any,
) -> pd.DataFrame:
    """A language model's same/mirror judgments of :func:`rotation_trials`.

    Returns
    -------
    pandas.DataFrame
        The trials with ``p_same``, ``p_mirror``, ``choice``, ``correct`` (choice equals
        the pair type) and ``p_correct`` (probability given to the right answer).
    """
    from cogalign.llm import judge

    out = judge(trials, TASK, model=model, permutations=permutations,
                progress=progress, **judge_kwargs)
    out["correct"] = out["choice"] == out["pair_type"]
    out["p_correct"] = np.where(out["pair_type"] == "same", out["p_same"], out["p_mirror"])
    return out


def _person_accuracy(table: pd.DataFrame) -> pd.DataFrame:
    t = table.loc[table["response"].notna()]
    correct = t["correct"].astype(float) if "correct" in t.columns else (t["response"] == t["pair_type"]).astype(float)
    return (t.assign(c=correct.to_numpy())
             .groupby(["participant_id", "angle", "pair_type"], observed=True)["c"].mean()
             .unstack(["angle", "pair_type"]))


def compare_accuracy(
    human: pd.DataFrame,
    model_results: pd.DataFrame,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    mass: float = 0.95,
) -> dict[str, Any]:
    """Accuracy by angle and pair type: a language model next to people.

    Parameters
    ----------
    human
        A ``rotation`` trial table.
    model_results
        :func:`judge_rotation` output on the same angles.
    n_boot
        Bootstrap samples over people (intervals of people's accuracy and of the
        individual-level alignment).
    seed
        Seed of the bootstrap.
    mass
        Mass of the intervals.

    Returns
    -------
    dict
        ``by_condition`` (``angle``, ``pair_type``, ``human_accuracy``, ``human_lower``,
        ``human_upper``, ``model_accuracy``, ``model_p_correct``, ``n_model_trials``),
        ``rsa`` (Spearman between the condition RDMs of people's mean and the model's
        accuracy), ``individual`` (the model's percentile among people and whether it is
        inside their range, see :func:`cogalign.metrics.individual_alignment`), ``conditions``.
    """
    from cogalign.metrics import individual_alignment, rdm_from_embedding, rsa

    people = _person_accuracy(human)
    model = model_results.assign(c=model_results["correct"].astype(float))
    model_acc = model.groupby(["angle", "pair_type"])["c"].mean()
    model_p = model.groupby(["angle", "pair_type"])["p_correct"].mean()
    counts = model.groupby(["angle", "pair_type"]).size()
    conditions = [c for c in people.columns if c in model_acc.index]
    if len(conditions) < 3:
        raise CogalignError(
            f"only {len(conditions)} angle x pair-type conditions are shared by people and the "
            "model; generate the model's trials at the people's angles")
    people = people[conditions]
    rng = np.random.default_rng(seed)
    values = people.to_numpy(dtype=float)
    if n_boot:
        boots = np.stack([np.nanmean(values[rng.integers(0, len(values), len(values))], axis=0)
                          for _ in range(n_boot)])
        lo, hi = np.nanquantile(boots, [(1 - mass) / 2, 1 - (1 - mass) / 2], axis=0)
    else:
        lo = hi = np.full(len(conditions), np.nan)
    mean = np.nanmean(values, axis=0)
    rows = []
    for j, (angle, pair) in enumerate(conditions):
        rows.append({"angle": float(angle), "pair_type": pair, "human_accuracy": float(mean[j]),
                     "human_lower": float(lo[j]), "human_upper": float(hi[j]),
                     "model_accuracy": float(model_acc[(angle, pair)]),
                     "model_p_correct": float(model_p[(angle, pair)]),
                     "n_model_trials": int(counts[(angle, pair)])})
    model_profile = np.array([model_p[c] for c in conditions])[:, None]
    human_rdm = rdm_from_embedding(mean[:, None])
    model_rdm = rdm_from_embedding(model_profile)
    out: dict[str, Any] = {"by_condition": rows, "conditions": [list(map(str, c)) for c in conditions]}
    out["rsa"] = float(rsa(human_rdm, model_rdm, method="spearman")) if np.ptp(model_profile) > 0 else None
    complete = ~np.isnan(values).any(axis=1)
    if complete.sum() >= 3 and np.ptp(model_profile) > 0:
        person_rdms = np.stack([rdm_from_embedding(v[:, None]) for v in values[complete]])
        ind = individual_alignment(person_rdms, model_rdm[None], method="spearman",
                                   n_boot=min(n_boot, 200), seed=seed)
        frame = ind.to_frame().iloc[0]
        out["individual"] = {"score": float(frame["score"]), "percentile": float(frame["percentile"]),
                             "inside_human_range": bool(frame["inside_human_range"]),
                             "human_median": float(frame["human_median"])}
    else:
        out["individual"] = None
    return out


def align_with_people(
    table: pd.DataFrame,
    model: Any = "smollm2-135m",
    *,
    n_per_condition: int = 8,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:
    """Trials at the people's angles and axis, the model's judgments, and the comparison.

    Returns
    -------
    dict
        :func:`compare_accuracy`'s result with ``model`` and ``axis`` added.
    """
    angles = sorted(table["angle"].unique().tolist())
    axis = str(table["axis"].mode().iloc[0]) if "axis" in table.columns else "y"
    trials = rotation_trials(angles=angles, axis=axis, n_per_condition=n_per_condition, seed=seed)
    judged = judge_rotation(trials, model, progress=progress)
    result = compare_accuracy(table, judged, seed=seed)
    result["model"] = str(model)
    result["axis"] = axis
    return result
