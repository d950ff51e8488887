"""Reading a chat model's answers: parsed texts and log-probabilities of the first answer token.

A hosted model answers in text, and, where the server returns ``top_logprobs``, with the top
alternatives of each generated token. :func:`option_mass` and :func:`number_mass` read the
probability of each option or scale value from the first answer token's alternatives;
:func:`parse_choice` and :func:`parse_rating` read the answer text; :func:`answer_distributions`
combines them per response (log-probabilities first, the parsed answer otherwise, and the
reason when neither works).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "answer_distributions",
    "answer_position",
    "number_mass",
    "option_mass",
    "parse_choice",
    "parse_rating",
]


def _norm(text: str) -> str:
    return text.strip().strip("\"'`*_.,:;!?()[]{}<>").strip().lower()


def parse_choice(text: str | None, options: Sequence[str]) -> int | None:
    """Index of the option an answer text names, or None when it names none or several.

    Exact match (ignoring case, spaces, quotes and punctuation) first; then an answer that
    starts with exactly one option as a word; then exactly one option mentioned as a word.
    """
    if not text:
        return None
    answer = _norm(text)
    normed = [_norm(o) for o in options]
    if answer in normed and normed.count(answer) == 1:
        return normed.index(answer)
    starts = [i for i, o in enumerate(normed) if o and re.match(rf"{re.escape(o)}\b", answer)]
    if len(starts) == 1:
        return starts[0]
    mentioned = [i for i, o in enumerate(normed) if o and re.search(rf"(?<!\w){re.escape(o)}(?!\w)", answer)]
    if len(mentioned) == 1:
        return mentioned[0]
    return None


def parse_rating(text: str | None, values: Sequence[int]) -> int | None:
    """The first number in an answer, when it is one of the scale's values; else None."""
    if not text:
        return None
    match = re.search(r"-?\d+(?:\.\d+)?", text)
    if not match:
        return None
    number = float(match.group())
    if not number.is_integer() or int(number) not in set(int(v) for v in values):
        return None
    return int(number)



def answer_position(tokens: Sequence[str] | None) -> int | None:
    """Index of the first generated token that is not just whitespace or punctuation."""
    if not tokens:
        return None
    for i, tok in enumerate(tokens):
        if _norm(tok):
            return i
    return None


def option_mass(tokens: Sequence[str] | None, top_logprobs: Sequence[dict[str, float]] | None,
                options: Sequence[str]) -> np.ndarray | None:
    """Probability the first answer token's alternatives give each option (None: not readable).

    An alternative counts for the one option it equals or, failing that, the one option it
    starts (after normalising case and punctuation); ambiguous alternatives count for none.
    """
    pos = answer_position(tokens)
    if pos is None or top_logprobs is None:
        return None
    opts = [_norm(o) for o in options]
    mass = np.zeros(len(opts))
    for token, lp in top_logprobs[pos].items():
        t = _norm(token)
        if not t:
            continue
        hits = [j for j, o in enumerate(opts) if o == t] or [j for j, o in enumerate(opts) if o.startswith(t)]
        if len(hits) == 1:
            mass[hits[0]] += float(np.exp(lp))
    return mass


def number_mass(tokens: Sequence[str] | None, top_logprobs: Sequence[dict[str, float]] | None,
                index: dict[int, int], largest: int) -> np.ndarray | None:
    """Probability of each scale value from the first number token's alternatives.

    Only when the whole scale can be read from one token: single-digit scales (``largest <
    10``), or a server whose tokens hold whole numbers (multi-digit alternatives); else None.
    ``index`` maps each value to its position on the scale.
    """
    if top_logprobs is None or tokens is None:
        return None
    pos = next((i for i, t in enumerate(tokens) if re.fullmatch(r"\s*-?\d+\s*", t)), None)
    if pos is None:
        return None
    alts: dict[int, float] = {}
    for token, lp in top_logprobs[pos].items():
        t = token.strip()
        if re.fullmatch(r"-?\d+", t):
            alts[int(t)] = alts.get(int(t), 0.0) + float(np.exp(lp))
    whole_numbers = largest < 10 or any(abs(v) >= 10 for v in alts)
    if not whole_numbers:
        return None
    mass = np.zeros(len(index))
    for v, p in alts.items():
        if v in index:
            mass[index[v]] += p
    return mass


def answer_distributions(
    responses: Sequence[Any],
    size: int,
    mass: Callable[[int, Any], np.ndarray | None],
    parsed: Callable[[int, Any], int | None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str | None], list[str]]:
    """Distribution over ``size`` answers per response.

    Parameters
    ----------
    responses
        :class:`~cogalign.llm.chat.ChatResponse` objects.
    size
        Number of possible answers.
    mass
        ``(i, response) ->`` probability mass per answer from log-probabilities, or None.
    parsed
        ``(i, response) ->`` index of the answer the text gives, or None.

    Returns
    -------
    prob, logprob, valid_mass, errors, source
        ``(n, size)`` probabilities (renormalised mass, else one-hot on the parsed answer, NaN
        rows for errors), log of the mass, the mass before renormalising (NaN unless read from
        log-probabilities), and per response the error (None when usable) and ``source``
        (``"logprobs"``, ``"text"`` or ``"none"``).
    """
    n = len(responses)
    prob = np.full((n, size), np.nan)
    logprob = np.full((n, size), np.nan)
    valid = np.full(n, np.nan)
    errors: list[str | None] = []
    source: list[str] = []
    for i, resp in enumerate(responses):
        if resp.error:
            errors.append(resp.error)
            source.append("none")
            continue
        found = mass(i, resp)
        pick = parsed(i, resp)
        if found is not None and found.sum() > 0:
            prob[i] = found / found.sum()
            with np.errstate(divide="ignore"):
                logprob[i] = np.log(found)
            valid[i] = found.sum()
            source.append("logprobs")
            errors.append(None)
        elif pick is not None:
            prob[i] = np.eye(size)[pick]
            source.append("text")
            errors.append(None)
        else:
            errors.append(f"unparseable answer: {resp.text!r:.120}")
            source.append("none")
    return prob, logprob, valid, errors, source
