"""Synthetic participants: answers sampled from a model's answer distribution, as a trial table.

For a local model the answer distribution of each trial is computed exactly and answers are
drawn from it at a temperature; a chat client is asked once per participant and trial.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.llm.counterbalance import score_task, trial_groups, trials_frame
from cogalign.llm.results import softmax
from cogalign.llm.scoring import ModelLike, _is_chat
from cogalign.llm.tasks import Task, load_task

__all__ = ["sample_answers"]


def sample_answers(
    trials: pd.DataFrame | Sequence[Mapping[str, Any]],
    task: str | os.PathLike[str] | Task,
    model: ModelLike = "smollm2-135m",
    *,
    n_participants: int = 20,
    temperature: float = 1.0,
    seed: int = 0,
    permutations: Any = None,
    chat: bool | str = "auto",
    batch_size: int = 64,
    device: str | None = "auto",
    dtype: Any = None,
    cache: bool = True,
    progress: bool = True,
) -> pd.DataFrame:
    """Synthetic participants: sampled answers to every trial, as a tidy trial table.

    For a local model the answer distribution of each trial is computed exactly (as in
    :func:`judge`) and answers are drawn from it with ``p ∝ exp(log p(answer) / temperature)``
    (``temperature=0``: always the most probable answer). Each participant sees each trial in
    one of its presentation orders, drawn at random when ``permutations`` gives several. For a
    :class:`~cogalign.llm.chat.ChatClient` each participant's answer is a separate request at
    the temperature (seeded per participant), parsed, with failures kept in ``error``.

    Parameters
    ----------
    trials, task, model
        As in :func:`judge`.
    n_participants
        Number of synthetic participants.
    temperature
        Sampling temperature (>= 0).
    seed
        Seed: the same seed gives the same answers.
    permutations
        Presentation orders to draw from per participant and trial (see :func:`judge`).
    chat, batch_size, device, dtype, cache, progress
        As in :func:`choice_logprobs`.

    Returns
    -------
    pandas.DataFrame
        One row per participant and trial: ``participant_id``, ``trial``, the trial columns,
        ``order``, ``response`` (the chosen alternative's name, or the rating), plus
        ``response_item`` (choice tasks whose alternatives are fields) and ``error``.
    """
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if n_participants < 1:
        raise ValueError("n_participants must be at least 1")
    task = load_task(task)
    frame = trials_frame(trials, task)
    names = task.alternative_names()
    if _is_chat(model):
        return model.sample_task(
            frame, task, n_participants=n_participants, temperature=temperature, seed=seed,
            permutations=permutations,
        )
    rows, flat_orders, _, res = score_task(
        frame, task, model, permutations, seed, chat, batch_size, device, dtype, cache, progress
    )
    rng = np.random.default_rng(seed)
    by_row = trial_groups(rows, len(frame))
    records = frame.to_dict("records")
    out = []
    for p in range(n_participants):
        for i, row in enumerate(records):
            q = by_row[i][rng.integers(len(by_row[i]))]
            weights = _tempered(res.logprob[q], temperature)
            pick = int(rng.choice(len(weights), p=weights))
            order = flat_orders[q]
            rec = {"participant_id": f"llm-{p + 1:03d}", "trial": i, **row}
            rec["order"] = ",".join(str(a + 1) for a in order)
            if task.kind == "choice":
                alt = order[pick]
                rec["response"] = names[alt]
                if task.alternatives == "fields":
                    rec["response_item"] = row[names[alt]]
            else:
                rec["response"] = int(res.values[pick])
            rec["error"] = None
            out.append(rec)
    result = pd.DataFrame(out)
    result.attrs.update(model_id=res.model_id, task=task.name, temperature=temperature, seed=seed)
    return result


def _tempered(logprob: np.ndarray, temperature: float) -> np.ndarray:
    logprob = np.asarray(logprob, dtype=np.float64)
    if temperature == 0:
        weights = (logprob == np.max(logprob)).astype(np.float64)
        return weights / weights.sum()
    return softmax(logprob / temperature)
