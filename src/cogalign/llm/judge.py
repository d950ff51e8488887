"""Prompted judgments of a task's trials, averaged over presentation orders, with position bias.

Each trial is shown in one or more presentation orders (:mod:`cogalign.llm.counterbalance`),
scored by log-probabilities (:mod:`cogalign.llm.choice`, :mod:`cogalign.llm.rating`) or through
a chat API, and averaged over orders in the alternatives' own terms; the mean probability given
to each *position* is reported next to chance, so a model that prefers the first option shows
it. Synthetic participants who answer the same trials are drawn by
:func:`cogalign.llm.sampling.sample_answers`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cogalign.llm.counterbalance import score_task, trial_groups, trial_means, trials_frame
from cogalign.llm.scoring import ModelLike
from cogalign.llm.tasks import Task, load_task

__all__ = ["judge"]


def judge(
    trials: pd.DataFrame | Sequence[Mapping[str, Any]],
    task: str | os.PathLike[str] | Task,
    model: ModelLike = "smollm2-135m",
    *,
    permutations: Any = None,
    seed: int | None = 0,
    per_order: bool = False,
    chat: bool | str = "auto",
    batch_size: int = 64,
    device: str | None = "auto",
    dtype: Any = None,
    cache: bool = True,
    progress: bool = True,
) -> pd.DataFrame:
    """Put a model through a task's trials and return its judgments.

    Parameters
    ----------
    trials
        Trial table with the task's fields as columns (e.g. ``item_1, item_2, item_3`` for
        ``"odd-one-out"``); other columns are kept.
    task
        Built-in task name (see :func:`cogalign.llm.list_tasks`), TOML path, or :class:`Task`.
    model
        Local causal model or :class:`~cogalign.llm.chat.ChatClient`.
    permutations
        Counterbalancing of the order the alternatives are shown in: None (as given), ``"all"``,
        ``"cyclic"`` or an int (that many orders per trial, drawn with ``seed``). Results are
        averaged over orders in the alternatives' own terms, so with ``"all"`` or ``"cyclic"``
        they do not depend on the order of the input columns.
    seed
        Seed for a random subset of orders.
    per_order
        Return one row per trial and order (with the position probabilities and the prompt)
        instead of one row per trial.
    chat, batch_size, device, dtype, cache, progress
        As in :func:`choice_logprobs`.

    Returns
    -------
    pandas.DataFrame
        Choice tasks: the trial columns, ``p_<alternative>`` for each alternative (e.g.
        ``p_item_1``, or ``p_same``), ``choice`` (the most probable alternative), ``n_orders``,
        ``n_errors``, ``error``. Rating tasks: ``expected``, ``sd``, ``mode``, ``valid_mass``,
        ``p_<value>`` for each scale value, ``n_orders``, ``n_errors``, ``error``.
        ``.attrs["position_bias"]`` (choice) holds the mean probability given to each position
        across all trials and orders, next to chance (``1/k``); ``.attrs["order_means"]``
        (rating) the mean expected rating per presentation order.
    """
    task = load_task(task)
    frame = trials_frame(trials, task)
    rows, flat_orders, prompts, res = score_task(
        frame, task, model, permutations, seed, chat, batch_size, device, dtype, cache, progress
    )
    scored = _Scored(frame, rows, flat_orders, prompts, res)
    out = _choice_table(scored, task, per_order) if task.kind == "choice" else \
        _rating_table(scored, per_order)
    if not per_order:
        out.attrs["model_id"] = res.model_id
        out.attrs["task"] = task.name
    return out


@dataclass(frozen=True)
class _Scored:
    """Every prompt of a judge run: its trial (``rows``), order, text and the model's result."""

    frame: pd.DataFrame
    rows: np.ndarray
    orders: list[tuple[int, ...]]
    prompts: list[str]
    result: Any

    def per_order(self, columns: Mapping[str, Any]) -> pd.DataFrame:
        """One row per trial and order: the trial, ``order``, ``prompt``, ``columns``, errors."""
        detail = self.frame.iloc[self.rows].reset_index(names="trial")
        detail["order"] = [_order_text(o) for o in self.orders]
        detail["prompt"] = self.prompts
        for name, values in columns.items():
            detail[name] = values
        detail["error"] = self.result.errors
        if self.result.answers is not None:
            detail["answer"] = self.result.answers
        return detail

    def per_trial(self, out: pd.DataFrame) -> pd.DataFrame:
        """Add ``n_orders``, ``n_errors`` and the joined ``error`` messages of each trial."""
        n = len(self.frame)
        messages = self.result.errors
        errors = np.array([e is not None for e in messages], dtype=float)
        out["n_orders"] = np.bincount(self.rows, minlength=n)
        out["n_errors"] = np.bincount(self.rows, weights=errors, minlength=n).astype(int)
        joined = []
        for idx in trial_groups(self.rows, n):
            msgs = sorted({messages[q] for q in idx if messages[q]})
            joined.append("; ".join(msgs) if msgs else None)
        out["error"] = joined
        return out


def _order_text(order: Sequence[int]) -> str:
    return ",".join(str(a + 1) for a in order)


def _choice_table(scored: _Scored, task: Task, per_order: bool) -> pd.DataFrame:
    """Choice tasks: probabilities per alternative (averaged over orders) and per position."""
    res, frame, rows = scored.result, scored.frame, scored.rows
    names = task.alternative_names()
    k = len(names)
    pos_prob = res.prob
    alt_prob = np.full_like(pos_prob, np.nan)
    for q, order in enumerate(scored.orders):
        alt_prob[q, list(order)] = pos_prob[q]
    bias = {
        "position": list(range(1, k + 1)),
        "mean_prob": np.nanmean(pos_prob, axis=0).tolist() if np.isfinite(pos_prob).any() else [np.nan] * k,
        "chance": 1.0 / k,
        "n": int(sum(e is None for e in res.errors)),
    }
    if per_order:
        columns = {f"p_position{p + 1}": pos_prob[:, p] for p in range(k)}
        columns.update({f"p_{name}": alt_prob[:, a] for a, name in enumerate(names)})
        detail = scored.per_order(columns)
        detail.attrs["position_bias"] = bias
        return detail
    out = frame.copy()
    agg = trial_means(alt_prob, rows, len(frame))
    for a, name in enumerate(names):
        out[f"p_{name}"] = agg[:, a]
    best = np.argmax(np.nan_to_num(agg, nan=-1.0), axis=1)
    out["choice"] = [names[b] if np.isfinite(agg[i]).any() else None for i, b in enumerate(best)]
    if task.alternatives == "fields":
        out["choice_item"] = [
            frame.iloc[i][names[b]] if np.isfinite(agg[i]).any() else None for i, b in enumerate(best)
        ]
    out = scored.per_trial(out)
    out.attrs["position_bias"] = bias
    return out


def _rating_table(scored: _Scored, per_order: bool) -> pd.DataFrame:
    """Rating tasks: the rating distribution averaged over orders, and the mean per order."""
    res, frame, rows = scored.result, scored.frame, scored.rows
    values = res.values
    expected = res.expected
    order_means = {}
    for order in sorted(set(scored.orders)):
        sel = np.array([o == order for o in scored.orders])
        order_means[_order_text(order)] = float(np.nanmean(expected[sel])) if sel.any() else np.nan
    if per_order:
        columns = {"expected": expected, "sd": res.sd, "valid_mass": res.valid_mass}
        columns.update({f"p_{v}": res.prob[:, j] for j, v in enumerate(values)})
        detail = scored.per_order(columns)
        detail.attrs["order_means"] = order_means
        return detail
    out = frame.copy()
    prob = trial_means(res.prob, rows, len(frame))
    out["expected"] = prob @ values.astype(np.float64)
    var = prob @ (values.astype(np.float64) ** 2) - out["expected"].to_numpy() ** 2
    out["sd"] = np.sqrt(np.clip(var, 0, None))
    out["mode"] = [float(values[np.argmax(p)]) if np.isfinite(p).any() else np.nan for p in prob]
    out["valid_mass"] = trial_means(res.valid_mass[:, None], rows, len(frame))[:, 0]
    probs = pd.DataFrame(prob, columns=[f"p_{v}" for v in values], index=out.index)
    out = scored.per_trial(pd.concat([out, probs], axis=1))
    out.attrs["order_means"] = order_means
    return out
