"""Result containers of prompted judgments: :class:`ChoiceResult` and :class:`RatingResult`."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ChoiceResult", "RatingResult", "softmax"]


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax; rows that are all ``-inf`` or NaN give NaN."""
    logits = np.asarray(logits, dtype=np.float64)
    finite = np.where(np.isfinite(logits), logits, -np.inf)
    top = np.max(finite, axis=axis, keepdims=True) if finite.size else finite
    top = np.where(np.isfinite(top), top, np.nan)  # a row without a finite logit: NaN
    with np.errstate(invalid="ignore", over="ignore"):
        weights = np.exp(logits - top)
        return weights / np.nansum(weights, axis=axis, keepdims=True)


@dataclass
class _Judgments:
    """What every prompted judgment holds: the prompts and, per prompt, how it was answered.

    Attributes
    ----------
    prompts
        The prompt texts (without chat formatting).
    answers
        Raw answer texts (chat backend), else None.
    errors
        Per prompt: None, or why no answer could be used (refusal, unparseable output, HTTP
        error after retries). Errors are never dropped silently.
    source
        Per prompt: ``"logprobs"`` (from log-probabilities) or ``"text"`` (parsed answer).
    model_id
        Model identity.
    meta
        Settings (chat formatting, answer prefix, cache key, ...).
    """

    prompts: list[str]
    _: KW_ONLY
    model_id: str = ""
    answers: list[str | None] | None = None
    errors: list[str | None] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.prompts)
        if not self.errors:
            self.errors = [None] * n
        if not self.source:
            self.source = ["logprobs"] * n

    def __len__(self) -> int:
        return len(self.prompts)


@dataclass
class ChoiceResult(_Judgments):
    """Forced choice among ``k`` options for ``n`` prompts.

    Attributes
    ----------
    prompts
        The prompt texts (without chat formatting).
    options
        ``options[i]`` are the answer texts scored for prompt ``i``.
    logprob
        ``(n, k)`` summed log-probability of each option's continuation (NaN when unknown,
        e.g. a chat server that returned no log-probabilities).
    n_tokens
        ``(n, k)`` number of tokens of each continuation.
    prob
        ``(n, k)`` probabilities over the options; each row sums to 1 (NaN rows: errors).
    answers, errors, source, model_id, meta
        Per prompt answer texts, errors and sources, and the model's identity and settings
        (keyword-only; see :class:`_Judgments`).
    """

    options: list[list[str]]
    logprob: np.ndarray
    n_tokens: np.ndarray
    prob: np.ndarray

    @property
    def choice(self) -> np.ndarray:
        """Index of the most probable option per prompt (-1 where the row is an error)."""
        prob = np.where(np.isnan(self.prob), -np.inf, self.prob)
        out = np.argmax(prob, axis=1)
        out[np.all(np.isnan(self.prob), axis=1)] = -1
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per prompt and option.

        Columns ``prompt_index, option_index, option, logprob, n_tokens, prob`` plus ``error``.
        """
        rows = []
        for i, opts in enumerate(self.options):
            for j, opt in enumerate(opts):
                rows.append(
                    {
                        "prompt_index": i,
                        "option_index": j,
                        "option": opt,
                        "logprob": self.logprob[i, j],
                        "n_tokens": self.n_tokens[i, j],
                        "prob": self.prob[i, j],
                        "error": self.errors[i],
                    }
                )
        return pd.DataFrame(rows)


@dataclass
class RatingResult(_Judgments):
    """Distribution over the values of a numeric rating scale for ``n`` prompts.

    Attributes
    ----------
    prompts
        The prompt texts.
    values
        ``(m,)`` the scale values.
    logprob
        ``(n, m)`` log-probability that the answer is exactly each value (for local models:
        the value's tokens followed by a non-digit), NaN when unknown.
    prob
        ``(n, m)`` distribution over the scale (rows sum to 1; NaN rows: errors).
    valid_mass
        ``(n,)`` total probability the model put on valid scale values before renormalising
        (low values mean the model mostly wanted to say something else). NaN for parsed answers.
    answers, errors, source, model_id, meta
        As in :class:`ChoiceResult` (keyword-only).
    """

    values: np.ndarray
    logprob: np.ndarray
    prob: np.ndarray
    valid_mass: np.ndarray

    @property
    def expected(self) -> np.ndarray:
        """``(n,)`` expected rating under the distribution."""
        return self.prob @ self.values.astype(np.float64)

    @property
    def sd(self) -> np.ndarray:
        """``(n,)`` standard deviation of the rating distribution."""
        mean = self.expected
        var = self.prob @ (self.values.astype(np.float64) ** 2) - mean**2
        return np.sqrt(np.clip(var, 0, None))

    @property
    def mode(self) -> np.ndarray:
        """``(n,)`` most probable value (NaN where the row is an error)."""
        out = self.values[np.argmax(np.nan_to_num(self.prob, nan=-1.0), axis=1)].astype(np.float64)
        out[np.all(np.isnan(self.prob), axis=1)] = np.nan
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per prompt: ``prompt, expected, sd, mode, valid_mass, error, p_<value>...``."""
        frame = pd.DataFrame(
            {
                "prompt": self.prompts,
                "expected": self.expected,
                "sd": self.sd,
                "mode": self.mode,
                "valid_mass": self.valid_mass,
                "error": self.errors,
            }
        )
        probs = pd.DataFrame(self.prob, columns=[f"p_{v}" for v in self.values])
        return pd.concat([frame, probs], axis=1)
