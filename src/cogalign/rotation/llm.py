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
group as well as one more person's would?). :func:`accuracy_ceiling` is the people's own
split-half ceiling of that RSA, and :func:`sweep_alignment` the paradigm's align entry
(the contract of :mod:`cogalign.paradigms`) that ``cogalign sweep`` calls.
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

__all__ = ["DEFAULT_DATASET", "TASK", "accuracy_ceiling", "align_with_people",
           "compare_accuracy", "judge_rotation", "rotation_trials", "sweep_alignment"]

#: The prompt template of the same/mirror task, by its name in the template registry of
#: :mod:`cogalign.llm.tasks` (the file is ``rotation/prompts/same_mirror.toml``).
TASK = "same-mirror"

#: The trial-level dataset a sweep compares with when it names none.
DEFAULT_DATASET = "rotation-ganis-kievit-2015"


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
    task: str = TASK,
    permutations: Any = "all",
    progress: bool = False,
    **judge_kwargs: Any,
) -> pd.DataFrame:
    """A language model's same/mirror judgments of :func:`rotation_trials`.

    ``task`` is the prompt template (a name in the template registry or a TOML file): a
    choice between the alternatives ``same`` and ``mirror`` with the fields ``item1`` and
    ``item2``; the default is :data:`TASK`.

    Returns
    -------
    pandas.DataFrame
        The trials with ``p_same``, ``p_mirror``, ``choice``, ``correct`` (choice equals
        the pair type) and ``p_correct`` (probability given to the right answer).
    """
    from cogalign.llm import judge

    out = judge(trials, task, model=model, permutations=permutations,
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
        accuracy), ``rsa_interval`` (``[low, high]``: the RSA with people's mean drawn again
        over the bootstrap samples of people; ``None`` without them), ``individual`` (the
        model's percentile among people and whether it is inside their range, see
        :func:`cogalign.metrics.individual_alignment`), ``conditions``.
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
    out["rsa_interval"] = None
    if n_boot and out["rsa"] is not None:
        draws = [float(rsa(rdm_from_embedding(b[:, None]), model_rdm, method="spearman"))
                 for b in boots if np.ptp(b) > 0]
        if draws:
            low, high = np.quantile(draws, [(1 - mass) / 2, 1 - (1 - mass) / 2])
            out["rsa_interval"] = [float(low), float(high)]
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


def accuracy_ceiling(
    human: pd.DataFrame,
    conditions: Sequence[tuple[float, str]] | None = None,
    *,
    n_splits: int = 100,
    seed: int = 0,
) -> dict[str, float]:
    """The people's split-half noise ceiling of the accuracy-profile RSA.

    People are split at random into two halves ``n_splits`` times; each half's mean accuracy
    per condition becomes a condition RDM (:func:`cogalign.metrics.rdm_from_embedding`), and
    the two are compared by Spearman RSA (:func:`cogalign.metrics.rsa`). The mean
    correlation ``r``, corrected to the whole group by Spearman-Brown
    (:func:`cogalign.metrics.spearman_brown`), is the reliability of the people's RDM; a
    model equal to the true profile correlates with that noisy RDM at about the square root
    of it, which is the ceiling.

    Parameters
    ----------
    human
        A ``rotation`` trial table.
    conditions
        ``(angle, pair_type)`` conditions to use (default all of the people's).
    n_splits
        Random half splits.
    seed
        Seed of the splits.

    Returns
    -------
    dict
        ``r`` (mean split-half RSA), ``reliability`` and ``ceiling``; NaN with fewer than 4
        people, fewer than 3 conditions, or halves whose profiles are flat.
    """
    from cogalign.metrics import rdm_from_embedding, rsa, spearman_brown

    people = _person_accuracy(human)
    if conditions is not None:
        people = people[[c for c in conditions if c in people.columns]]
    values = people.to_numpy(dtype=float)
    nan = {"r": float("nan"), "reliability": float("nan"), "ceiling": float("nan")}
    if len(values) < 4 or values.shape[1] < 3:
        return nan
    rng = np.random.default_rng(seed)
    half = len(values) // 2
    rs = []
    for _ in range(n_splits):
        order = rng.permutation(len(values))
        a = np.nanmean(values[order[:half]], axis=0)
        b = np.nanmean(values[order[half:]], axis=0)
        if np.isfinite(a).all() and np.isfinite(b).all() and np.ptp(a) > 0 and np.ptp(b) > 0:
            rs.append(float(rsa(rdm_from_embedding(a[:, None]), rdm_from_embedding(b[:, None]),
                                method="spearman")))
    if not rs:
        return nan
    r = float(np.mean(rs))
    reliability = float(spearman_brown(r))
    return {"r": r, "reliability": reliability, "ceiling": float(np.sqrt(max(reliability, 0.0)))}


def _condition_halves(judged: pd.DataFrame, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded half of every condition's trials (train) and the other half (test)."""
    from cogalign.crossval import holdout_split

    train, test = [], []
    for _, rows in sorted(judged.groupby(["angle", "pair_type"]).indices.items()):
        if len(rows) < 2:
            raise CogalignError("every angle and pair type needs at least 2 trials to be split "
                                "in halves")
        a, b = holdout_split(rows, 0.5, seed=seed)
        train.extend(rows[a])
        test.extend(rows[b])
    return np.sort(train), np.sort(test)


def sweep_alignment(
    model: Any,
    *,
    dataset: str | None = None,
    template: str | None = None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = False,
    n_per_condition: int = 8,
    n_boot: int = 1000,
    n_splits: int = 100,
    exclude_outliers: bool = False,
) -> list[dict[str, Any]]:
    """The rotation paradigm's align entry: a model's same/mirror accuracy profile vs people's.

    Follows the align contract of :mod:`cogalign.paradigms`. The model judges same/mirror
    trials written as arm codes (:func:`rotation_trials`, :func:`judge_rotation`) at the
    people's angles and axis; its probability of the right answer per angle and pair type
    is compared with the people's accuracy (:func:`compare_accuracy`). The units are the
    model's trials: ``train`` and ``test`` are seeded halves of every condition's trials
    (the same for every model and template), while the people are always all of them.

    Parameters
    ----------
    model
        A causal language model (preset, Hugging Face id, local path) or a
        :class:`cogalign.llm.ChatClient`.
    dataset
        A trial-level rotation dataset (default ``rotation-ganis-kievit-2015``; also
        ``rotation-jost-jansen-2020``).
    template
        The prompt template of the task (default :data:`TASK`; see :func:`judge_rotation`).
    seed
        Seed of the trials (objects and poses), the half split, the bootstrap and the
        ceiling's splits.
    limit
        At most this many model trials in all, spread evenly over the conditions (at least 2
        per condition); ``None``: ``n_per_condition`` each.
    progress
        Progress bars.
    n_per_condition
        Model trials per angle and pair type.
    n_boot
        Bootstrap samples over people (intervals).
    n_splits
        Half splits of the people for the ceiling (:func:`accuracy_ceiling`).
    exclude_outliers
        Leave out the trials the dataset flags in its ``outlier`` column (Jost & Jansen).

    Returns
    -------
    list of dict
        Per split: ``rsa`` (primary; Spearman RSA of the condition RDMs of the model's
        probability of the right answer and people's mean accuracy, interval over people,
        ceiling from :func:`accuracy_ceiling`), ``model_accuracy`` (share of trials the
        model's more probable answer was right) and ``accuracy_gap`` (mean absolute
        difference between model and people's accuracy over the conditions; lower is
        closer). On all trials also ``percentile`` (the model's profile among people's,
        :func:`cogalign.metrics.individual_alignment`) and ``inside_human_range``. Rows carry
        ``layer`` ``"prompt"``, ``dataset``, ``n`` (model trials), ``n_people``,
        ``n_conditions`` and ``method`` ``"prompt"``.
    """
    from cogalign.data import load
    from cogalign.paradigms import align_row
    from cogalign.rotation.data import trial_level

    name = dataset or DEFAULT_DATASET
    table = load(name, download=True, progress=progress)
    if not isinstance(table, pd.DataFrame) or "participant_id" not in table.columns:
        raise CogalignError(f"{name} is not a trial-level rotation dataset; the sweep compares "
                            f"with people's trials (e.g. {DEFAULT_DATASET})")
    table = trial_level(table)
    if exclude_outliers:
        if "outlier" not in table.columns:
            raise CogalignError(f"{name} has no 'outlier' column to exclude trials by")
        table = table.loc[~table["outlier"].astype(bool)]
    angles = sorted(float(a) for a in table["angle"].unique())
    axis = str(table["axis"].mode().iloc[0]) if "axis" in table.columns else "y"
    per = n_per_condition if limit is None else max(2, -(-int(limit) // (2 * len(angles))))
    trials = rotation_trials(angles=angles, axis=axis, n_per_condition=per, seed=seed)
    task = template or TASK
    judged = judge_rotation(trials, model, task=task, progress=progress)
    train, test = _condition_halves(judged, seed)
    parts = {"all": judged, "train": judged.iloc[train], "test": judged.iloc[test]}
    n_people = int(table["participant_id"].nunique())
    rows: list[dict[str, Any]] = []
    ceiling = None
    for split, part in parts.items():
        result = compare_accuracy(table, part.reset_index(drop=True), n_boot=n_boot, seed=seed)
        by = pd.DataFrame(result["by_condition"])
        if ceiling is None:
            conditions = list(zip(by["angle"], by["pair_type"], strict=True))
            ceiling = accuracy_ceiling(table, conditions, n_splits=n_splits, seed=seed)
        common = {"layer": "prompt", "template": task, "split": split, "dataset": name,
                  "n": len(part), "n_people": n_people, "n_conditions": len(by),
                  "method": "prompt"}
        interval = result["rsa_interval"] or (None, None)
        rows.append(align_row("rsa", result["rsa"], ci=tuple(interval),
                              ceiling=ceiling["ceiling"], primary=True,
                              reliability=ceiling["reliability"], **common))
        rows.append(align_row("model_accuracy", float(part["correct"].mean()), **common))
        gap = float(np.mean(np.abs(by["model_accuracy"] - by["human_accuracy"])))
        rows.append(align_row("accuracy_gap", gap, **common))
        if split == "all" and result["individual"] is not None:
            ind = result["individual"]
            rows.append(align_row("percentile", ind["percentile"],
                                  human_median=ind["human_median"], **common))
            rows.append(align_row("inside_human_range", float(ind["inside_human_range"]),
                                  **common))
    return rows
