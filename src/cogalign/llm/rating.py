"""Numeric ratings: the distribution of a model's answer over a scale's values.

For a numeric rating the probability of a value is the probability of its tokens *followed by
a non-digit*, so that "7" and "70" are different answers on a 0-100 scale, however the
tokenizer splits numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cogalign.llm.results import RatingResult, softmax
from cogalign.llm.scoring import ModelLike, _as_list, _is_chat, local_scores

__all__ = ["rating_distribution"]


def _scale_values(scale: Any) -> np.ndarray:
    if isinstance(scale, tuple) and len(scale) == 2 and all(isinstance(v, (int, np.integer)) for v in scale):
        low, high = int(scale[0]), int(scale[1])
        if low >= high:
            raise ValueError(f"scale {scale} must be (low, high) with low < high")
        return np.arange(low, high + 1)
    values = np.asarray(list(scale), dtype=np.int64)
    if values.ndim != 1 or len(values) < 2 or len(set(values.tolist())) != len(values):
        raise ValueError(f"scale must be (low, high) or a list of distinct integers, got {scale!r}")
    return values


def rating_distribution(
    prompts: str | Sequence[str],
    scale: tuple[int, int] | Sequence[int] = (1, 7),
    model: ModelLike = "smollm2-135m",
    *,
    system: str | None = None,
    answer_prefix: str = "Rating:",
    chat: bool | str = "auto",
    terminate: bool = True,
    batch_size: int = 128,
    device: str | None = "auto",
    dtype: Any = None,
    cache: bool = True,
    progress: bool = True,
) -> RatingResult:
    """Distribution of a numeric rating over the scale's values, and its expected value.

    Parameters
    ----------
    prompts
        One prompt or a list.
    scale
        ``(low, high)`` inclusive integers (``(1, 7)``, ``(0, 10)``, ``(0, 100)``) or an explicit
        list of integer values.
    model
        Local causal model or :class:`~cogalign.llm.chat.ChatClient`.
    system, answer_prefix, chat
        As in :func:`choice_logprobs`.
    terminate
        Score each value as its tokens followed by a non-digit token (so "1" excludes "10"
        and "100"). Turn off only to reproduce first-token-only scoring.
    batch_size, device, dtype, cache, progress
        As in :func:`choice_logprobs`.

    Returns
    -------
    RatingResult
        ``.prob`` (n, m), ``.expected`` (n,), ``.valid_mass`` (n,).
    """
    prompts = _as_list(prompts)
    values = _scale_values(scale)
    if _is_chat(model):
        return model.rating(prompts, values, system=system)
    answers = [[str(v) for v in values] for _ in prompts]
    logprob, _, log_end, model_id, meta = local_scores(
        prompts, answers, model, op="rating", system=system, answer_prefix=answer_prefix,
        chat=chat, numeric_end=True, batch_size=batch_size, device=device, dtype=dtype,
        cache=cache, progress=progress,
    )
    if terminate and log_end is not None:
        logprob = logprob + log_end
    meta["terminate"] = terminate
    with np.errstate(over="ignore"):
        valid = np.exp(np.logaddexp.reduce(logprob, axis=1))
    return RatingResult(
        prompts=prompts, values=values, logprob=logprob, prob=softmax(logprob, axis=1),
        valid_mass=valid, model_id=model_id, errors=meta.pop("errors"), meta=meta,
    )
