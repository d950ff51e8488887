r"""The neural model against people: regenerated trials, a step-to-seconds map, held-out scores.

For a human trial table (``rotation-ganis-kievit-2015``, ``rotation-jost-jansen-2020`` or a
user's file) the model runs the same conditions - each angle, axis and pair type - on
regenerated Shepard-Metzler stimuli: shapes held out of its training, start poses and
rotations laid out as :mod:`cogalign.rotation.stimuli` does. Its response time is

.. math::

    \text{RT} = \tau \cdot \text{steps} + t_0,

with the time per step :math:`\tau \ge 0` and the non-decision time :math:`t_0` fitted by
least squares to the condition means (mean over people of each person's mean correct RT) of
*half* of the participants; the predictions are scored on the condition means of the other
half: :math:`R^2`, the slope and intercept of RT on angle next to people's, the mirror-minus-
same difference per angle, and accuracy by condition. The ceiling is the split-half
reliability of the human condition means: the :math:`R^2` obtained by predicting one half's
means with the other half's, and their Spearman-Brown corrected correlation. All of it is
averaged over ``n_splits`` random halvings; every variant sees the same regenerated trials
and the same halvings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError
from cogalign.rotation.classical import condition_means
from cogalign.rotation.neural.config import VARIANTS
from cogalign.rotation.neural.evaluation import run_trials, trial_objects
from cogalign.rotation.neural.network import RotationNet
from cogalign.rotation.neural.training import training_shapes
from cogalign.rotation.neural.views import trial_pairs

__all__ = [
    "accuracy_by_angle",
    "compare_with_people",
    "comparison_rows",
    "condition_keys",
    "fit_step_time",
    "human_means",
    "model_means",
    "model_trials",
    "predict_rt",
    "r_squared",
]


def condition_keys(table: pd.DataFrame) -> list[str]:
    """Columns that define a condition: angle and pair type, and axis when it varies."""
    keys = ["angle", "pair_type"]
    if "axis" in table.columns and table["axis"].nunique() > 1:
        keys.insert(1, "axis")
    return keys


def human_means(table: pd.DataFrame, keys: Sequence[str], exclude: str | None = None) -> pd.DataFrame:
    """People's condition means: ``rt`` (s, correct trials) and ``accuracy``, per condition."""
    means = condition_means(table, by=tuple(keys), exclude=exclude)
    return pd.DataFrame({"rt": means["rt_ms"] / 1000.0, "accuracy": means["accuracy"]})


def model_trials(
    net: RotationNet,
    variant: str,
    conditions: pd.DataFrame,
    *,
    n_per_condition: int = 64,
    seed: int = 0,
    temperature: float = 0.0,
) -> pd.DataFrame:
    """The model's answers on regenerated trials of the given conditions.

    Parameters
    ----------
    net
        Trained model.
    variant
        Which variant answers.
    conditions
        One row per condition: ``angle``, ``pair_type`` and optionally ``axis`` (default
        ``"y"``).
    n_per_condition
        Trials per condition.
    seed
        Seed of the objects and start poses (the same seed gives every variant the same
        trials).
    temperature
        Decision noise of the agent.

    Returns
    -------
    pandas.DataFrame
        One row per trial: the condition columns, ``axis``, ``object_id``, ``response``,
        ``correct``, ``steps``, ``gave_up``.
    """
    if n_per_condition < 1:
        raise CogalignError(f"n_per_condition must be at least 1, got {n_per_condition}")
    conds = conditions.reset_index(drop=True)
    axes = conds["axis"].astype(str) if "axis" in conds.columns else pd.Series(["y"] * len(conds))
    rng = np.random.default_rng(seed)
    held_out = training_shapes(net.config)[1]
    reps = np.repeat(np.arange(len(conds)), n_per_condition)
    objects = trial_objects(held_out, len(reps), rng)
    seeds = rng.integers(0, 2**31 - 1, size=len(reps))
    angle = conds["angle"].to_numpy(dtype=float)[reps]
    axis = axes.to_numpy()[reps]
    pair = conds["pair_type"].astype(str).to_numpy()[reps]
    batch = trial_pairs(objects, angle, axis, pair == "mirror", seeds, size=net.config.size)
    dec = run_trials(net, variant, batch, temperature=temperature, seed=seed)
    return pd.DataFrame({"angle": angle, "axis": axis, "pair_type": pair,
                         "object_id": [o.name for o in objects], "response": dec.answer,
                         "correct": dec.answer == pair, "steps": dec.steps, "gave_up": dec.gave_up})


def model_means(trials: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per condition: mean ``steps`` of correct trials (of all where none is correct), ``accuracy``."""
    rows = {}
    for key, g in trials.groupby(list(keys), sort=True):
        ok = g["correct"].to_numpy(dtype=bool)
        steps = g.loc[ok, "steps"] if ok.any() else g["steps"]
        rows[key] = {"steps": float(steps.mean()), "accuracy": float(ok.mean()),
                     "gave_up": float(g["gave_up"].mean())}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = pd.MultiIndex.from_tuples(out.index, names=list(keys)) if len(keys) > 1 else \
        pd.Index([k[0] if isinstance(k, tuple) else k for k in out.index], name=keys[0])
    return out


def fit_step_time(steps: np.ndarray, rt: np.ndarray) -> tuple[float, float]:
    """Least-squares time per step (>= 0) and non-decision time mapping steps to RT (s).

    >>> fit_step_time(np.array([1.0, 2.0, 3.0]), np.array([1.2, 1.4, 1.6]))
    (0.2, 1.0)
    """
    steps, rt = np.asarray(steps, dtype=float), np.asarray(rt, dtype=float)
    ok = np.isfinite(steps) & np.isfinite(rt)
    steps, rt = steps[ok], rt[ok]
    if len(rt) == 0:
        raise CogalignError("no condition with both a model and a human mean response time")
    if np.ptp(steps) == 0 if len(steps) else True:
        return 0.0, float(rt.mean())
    slope, intercept = np.polyfit(steps, rt, 1)
    if slope < 0:
        return 0.0, float(rt.mean())
    return round(float(slope), 12), round(float(intercept), 12)


def predict_rt(steps: np.ndarray, time_per_step: float, non_decision: float) -> np.ndarray:
    """Response times (s) of step counts."""
    return non_decision + time_per_step * np.asarray(steps, dtype=float)


def r_squared(observed: np.ndarray, predicted: np.ndarray) -> float:
    """:math:`1 - SS_{res} / SS_{tot}` (NaN with fewer than two observations)."""
    obs, pred = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    ok = np.isfinite(obs) & np.isfinite(pred)
    obs, pred = obs[ok], pred[ok]
    if len(obs) < 2 or np.ptp(obs) == 0:
        return float("nan")
    return float(1.0 - np.sum((obs - pred) ** 2) / np.sum((obs - obs.mean()) ** 2))


def _line(angle: np.ndarray, rt: np.ndarray) -> tuple[float, float]:
    """Slope (ms/deg) and intercept (ms) of RT (s) on angle."""
    ok = np.isfinite(rt)
    if np.unique(angle[ok]).size < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(angle[ok], rt[ok] * 1000.0, 1)
    return float(slope), float(intercept)


def _scores(angle: np.ndarray, pair: np.ndarray, pred: np.ndarray, obs: np.ndarray,
            model_acc: np.ndarray, human_acc: np.ndarray) -> dict[str, float]:
    out = {"r2": r_squared(obs, pred)}
    for label, sel in (("", np.ones(len(angle), bool)), ("same_", pair == "same"),
                       ("mirror_", pair == "mirror")):
        ms, mi = _line(angle[sel], pred[sel])
        hs, hi = _line(angle[sel], obs[sel])
        out.update({f"{label}slope_model": ms, f"{label}slope_people": hs,
                    f"{label}intercept_model": mi, f"{label}intercept_people": hi})
    out["accuracy_rmse"] = float(np.sqrt(np.nanmean((model_acc - human_acc) ** 2)))
    ok = np.isfinite(model_acc) & np.isfinite(human_acc)
    out["accuracy_r"] = (float(np.corrcoef(model_acc[ok], human_acc[ok])[0, 1])
                         if ok.sum() > 2 and np.ptp(model_acc[ok]) > 0 and np.ptp(human_acc[ok]) > 0
                         else float("nan"))
    return out


def _mirror_cost(frame: pd.DataFrame, column: str) -> dict[str, float]:
    """Mirror minus same, in ms, per angle (averaged over axes)."""
    wide = frame.groupby(["angle", "pair_type"])[column].mean().unstack("pair_type")
    if not {"same", "mirror"} <= set(wide.columns):
        return {}
    return {f"{a:g}": float((wide.loc[a, "mirror"] - wide.loc[a, "same"]) * 1000.0) for a in wide.index}


def compare_with_people(
    net: RotationNet,
    table: pd.DataFrame,
    *,
    variants: Sequence[str] | None = None,
    n_per_condition: int = 64,
    n_splits: int = 10,
    seed: int = 0,
    exclude: str | None = None,
    temperature: float = 0.0,
    progress: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """Fit every variant's step-to-seconds map on half the people, score on the other half.

    Parameters
    ----------
    net
        Trained model.
    table
        Human trial table (``rotation`` schema).
    variants
        Variants to score (default: every variant the model holds).
    n_per_condition
        Regenerated trials per condition.
    n_splits
        Random halvings of the participants to average over.
    seed
        Seed of the trials and of the halvings.
    exclude
        A boolean column of trials to leave out (e.g. ``"outlier"``).
    temperature
        Decision noise of the agents.
    progress
        Called with a line per variant.

    Returns
    -------
    dict
        ``keys`` (condition columns), ``n_people``, ``n_splits``, ``ceiling`` (``r2`` and
        ``split_half_r``, mean and sd over splits), ``people`` (condition means of everyone,
        with ``mirror_cost_ms`` per angle), and ``variants``: per variant ``scores`` (mean
        and sd over splits of ``r2``, ``slope_model``/``slope_people`` (ms/deg),
        ``intercept_model``/``intercept_people`` (ms), their ``same_``/``mirror_`` versions,
        ``accuracy_rmse``, ``accuracy_r``), ``time_per_step_s`` and ``non_decision_s``
        (mean over splits), ``by_condition`` (steps, accuracy, predicted RT with the map
        fitted on everyone), ``mirror_cost_ms`` per angle and ``steps_slope_per_100deg``.
    """
    from cogalign.crossval import holdout_split

    if n_splits < 1:
        raise CogalignError(f"n_splits must be at least 1, got {n_splits}")
    table = table.loc[table["response"].notna()] if "response" in table.columns else table
    if exclude is not None:
        table = table.loc[~table[exclude].astype(bool).to_numpy()]
    table = table.reset_index(drop=True)
    if table["participant_id"].nunique() < 2:
        raise CogalignError("comparing with people needs at least 2 participants (one per half)")
    keys = condition_keys(table)
    everyone = human_means(table, keys)
    conditions = everyone.index.to_frame(index=False)
    names = list(variants) if variants is not None else list(net.config.variants)
    for v in names:
        if v not in VARIANTS:
            raise CogalignError(f"unknown variant {v!r}; use one of {', '.join(VARIANTS)}")
    halves = []
    for s in range(n_splits):
        train, test = holdout_split(table, 0.5, groups="participant_id", seed=seed + s)
        halves.append((human_means(table.iloc[train], keys).reindex(everyone.index),
                       human_means(table.iloc[test], keys).reindex(everyone.index)))
    ceil_r2 = [r_squared(te["rt"].to_numpy(), tr["rt"].to_numpy()) for tr, te in halves]
    ceil_r = []
    for tr, te in halves:
        ok = tr["rt"].notna() & te["rt"].notna()
        r = float(np.corrcoef(tr["rt"][ok], te["rt"][ok])[0, 1])
        ceil_r.append(2 * r / (1 + r))
    angle = conditions["angle"].to_numpy(dtype=float)
    pair = conditions["pair_type"].astype(str).to_numpy()
    people = conditions.assign(rt=everyone["rt"].to_numpy(), accuracy=everyone["accuracy"].to_numpy())
    result: dict[str, Any] = {
        "keys": keys, "n_people": int(table["participant_id"].nunique()), "n_splits": n_splits,
        "n_per_condition": n_per_condition,
        "ceiling": {"r2": float(np.mean(ceil_r2)), "r2_sd": float(np.std(ceil_r2)),
                    "split_half_r": float(np.mean(ceil_r)), "split_half_r_sd": float(np.std(ceil_r))},
        "people": {"by_condition": people.to_dict(orient="records"),
                   "mirror_cost_ms": _mirror_cost(people, "rt")},
        "variants": {},
    }
    for name in names:
        trials = model_trials(net, name, conditions, n_per_condition=n_per_condition, seed=seed,
                              temperature=temperature)
        means = model_means(trials, keys).reindex(everyone.index)
        steps = means["steps"].to_numpy()
        split_scores, maps = [], []
        for tr, te in halves:
            tau, t0 = fit_step_time(steps, tr["rt"].to_numpy())
            maps.append((tau, t0))
            split_scores.append(_scores(angle, pair, predict_rt(steps, tau, t0), te["rt"].to_numpy(),
                                        means["accuracy"].to_numpy(), te["accuracy"].to_numpy()))
        frame = pd.DataFrame(split_scores)
        tau_all, t0_all = fit_step_time(steps, everyone["rt"].to_numpy())
        by_cond = conditions.assign(steps=steps, accuracy=means["accuracy"].to_numpy(),
                                    gave_up=means["gave_up"].to_numpy(),
                                    rt=predict_rt(steps, tau_all, t0_all))
        slope = np.polyfit(angle, steps, 1)[0] * 100.0 if np.unique(angle).size > 1 else float("nan")
        result["variants"][name] = {
            "scores": {c: {"mean": float(frame[c].mean()), "sd": float(frame[c].std(ddof=0))}
                       for c in frame.columns},
            "time_per_step_s": float(np.mean([m[0] for m in maps])),
            "non_decision_s": float(np.mean([m[1] for m in maps])),
            "by_condition": by_cond.to_dict(orient="records"),
            "mirror_cost_ms": _mirror_cost(by_cond, "rt"),
            "steps_slope_per_100deg": float(slope),
            "accuracy": float(trials["correct"].mean()),
        }
        if progress is not None:
            sc = result["variants"][name]["scores"]
            progress(f"{name}: R2 {sc['r2']['mean']:.3f}, slope {sc['slope_model']['mean']:.2f} ms/deg "
                     f"(people {sc['slope_people']['mean']:.2f}), accuracy {trials['correct'].mean():.3f}")
    return result


def comparison_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per variant of a :func:`compare_with_people` result (means over splits).

    Returns
    -------
    list of dict
        ``variant``, ``r2``, ``r2_ceiling``, ``slope_model``, ``slope_people`` (ms/deg),
        ``intercept_model``, ``intercept_people`` (ms), ``same_slope_model``,
        ``mirror_slope_model``, ``accuracy`` (model, all trials), ``accuracy_rmse`` and
        ``accuracy_r`` (model vs held-out people by condition), ``time_per_step_s``,
        ``non_decision_s``, ``steps_slope_per_100deg``, ``mirror_cost_ms_smallest_angle``.
    """
    rows = []
    for name, block in result["variants"].items():
        sc = {k: v["mean"] for k, v in block["scores"].items()}
        cost = block["mirror_cost_ms"]
        rows.append({
            "variant": name, "r2": sc["r2"], "r2_ceiling": result["ceiling"]["r2"],
            "slope_model": sc["slope_model"], "slope_people": sc["slope_people"],
            "intercept_model": sc["intercept_model"], "intercept_people": sc["intercept_people"],
            "same_slope_model": sc["same_slope_model"], "mirror_slope_model": sc["mirror_slope_model"],
            "accuracy": block["accuracy"], "accuracy_rmse": sc["accuracy_rmse"],
            "accuracy_r": sc["accuracy_r"], "time_per_step_s": block["time_per_step_s"],
            "non_decision_s": block["non_decision_s"],
            "steps_slope_per_100deg": block["steps_slope_per_100deg"],
            "mirror_cost_ms_smallest_angle": cost[min(cost, key=float)] if cost else float("nan"),
        })
    return rows


def accuracy_by_angle(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Accuracy by angle (mean over pair types and axes) of people and of every variant.

    Parameters
    ----------
    result
        From :func:`compare_with_people`.

    Returns
    -------
    dict
        ``{"people": {"0": ..., "50": ...}, "<variant>": {...}, ...}`` (angles as text).
    """
    def by_angle(records: list[dict[str, Any]]) -> dict[str, float]:
        frame = pd.DataFrame(records).groupby("angle")["accuracy"].mean()
        return {f"{a:g}": float(v) for a, v in frame.items()}

    out = {"people": by_angle(result["people"]["by_condition"])}
    for name, block in result["variants"].items():
        out[name] = by_angle(block["by_condition"])
    return out
