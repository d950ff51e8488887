"""Task trials through a model in counterbalanced presentation orders.

A task's trial table is expanded into one prompt per trial and presentation order
(:func:`cogalign.llm.tasks.orders`: as given, all orders, the cyclic rotations or a seeded
random subset), every prompt is scored once, and the scores are mapped back to their trial, so
results can be averaged over orders in the alternatives' own terms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.llm.choice import choice_logprobs
from cogalign.llm.rating import rating_distribution
from cogalign.llm.scoring import _is_chat
from cogalign.llm.tasks import Task, orders

__all__ = ["expand_orders", "score_task", "trial_groups", "trial_means", "trials_frame"]


def trials_frame(trials: Any, task: Task) -> pd.DataFrame:
    """The trials as a fresh-indexed table, checked to hold every field the task needs."""
    frame = trials.reset_index(drop=True) if isinstance(trials, pd.DataFrame) else pd.DataFrame(list(trials))
    missing = [f for f in task.fields if f not in frame.columns]
    if missing:
        raise ValueError(
            f"task {task.name!r} needs columns {list(task.fields)}; missing {missing} "
            f"(have {list(frame.columns)})"
        )
    if frame.empty:
        raise ValueError("no trials given")
    return frame


def expand_orders(
    frame: pd.DataFrame, task: Task, permutations: Any, seed: int | None
) -> tuple[np.ndarray, list[tuple[int, ...]], list[str], list[list[str]]]:
    """One prompt per trial and presentation order.

    Returns
    -------
    rows, orders, prompts, answers
        The trial index, the order (``order[p]``: the alternative shown at position ``p``),
        the prompt text and the answer texts of every prompt.
    """
    k = task.n_alternatives
    per_row = orders(k, permutations, seed=seed, n_rows=len(frame))
    flat_rows, flat_orders, prompts, answers = [], [], [], []
    records = frame.to_dict("records")
    for i, row in enumerate(records):
        for order in per_row[i]:
            text, ans = task.render(row, order)
            flat_rows.append(i)
            flat_orders.append(tuple(order))
            prompts.append(text)
            answers.append(ans)
    return np.array(flat_rows), flat_orders, prompts, answers


def score_task(
    frame: pd.DataFrame, task: Task, model: Any, permutations: Any, seed: int | None,
    chat: bool | str, batch_size: int, device: str | None, dtype: Any, cache: bool,
    progress: bool,
) -> tuple[np.ndarray, list[tuple[int, ...]], list[str], Any]:
    """Score every trial in every presentation order (see :func:`cogalign.llm.judge`).

    Returns
    -------
    rows, orders, prompts, result
        As in :func:`expand_orders`, with the :class:`~cogalign.llm.ChoiceResult` or
        :class:`~cogalign.llm.RatingResult` of all prompts.
    """
    rows, flat_orders, prompts, answers = expand_orders(frame, task, permutations, seed)
    system = task.system or None
    if task.kind == "choice" and _is_chat(model):
        # a chat model may answer with the alternative itself instead of its label
        records = frame.to_dict("records")
        aliases = [
            [task.alternative_values(records[r])[a] for a in order]
            for r, order in zip(rows, flat_orders, strict=True)
        ]
        res = model.choice(prompts, answers, system=system, aliases=aliases if task.labels else None)
    elif task.kind == "choice":
        res = choice_logprobs(
            prompts, answers, model, system=system, answer_prefix=task.answer_prefix, chat=chat,
            batch_size=batch_size, device=device, dtype=dtype, cache=cache, progress=progress,
        )
    else:
        res = rating_distribution(
            prompts, tuple(task.scale), model, system=system, answer_prefix=task.answer_prefix,
            chat=chat, batch_size=batch_size, device=device, dtype=dtype, cache=cache,
            progress=progress,
        )
    return rows, flat_orders, prompts, res


def trial_groups(rows: np.ndarray, n: int) -> list[np.ndarray]:
    """Positions of each row's entries (rows holds the trial index of every scored prompt)."""
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


def trial_means(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Mean of each trial's rows of ``values`` over its orders (rows with a NaN left out)."""
    out = np.full((n, values.shape[1]), np.nan)
    for i, idx in enumerate(trial_groups(rows, n)):
        block = values[idx]
        ok = np.isfinite(block).all(axis=1)
        if ok.any():
            out[i] = block[ok].mean(axis=0)
    return out
