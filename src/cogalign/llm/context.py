"""How a language model reads an item: the one rule every paradigm uses.

A causal language model that reads a bare item ("cat", "hammer") as the first and only token
of its input gives a poor representation of it: the first position of a causal model is an
attention sink whose hidden state has a huge norm and little meaning. So, by default,

* a **causal** model reads a bare item inside a short context, :data:`DEFAULT_CONTEXT`
  (``"The concept: {item}"``), and its hidden states are pooled over the item's own tokens
  only (``span="item"``);
* an **encoder** or **sentence** model reads the item as it is (it sees the whole input in both
  directions); sentence-transformers models pool as their recipe says (``"sentence"``), other
  models average the content tokens (``"mean"``);
* **sentences** (anything that is not a bare item, see :func:`is_bare`) are read as they are by
  every model, since they bring their own context.

:func:`reading` applies this rule; :func:`cogalign.llm.embed` applies it when its
``template``, ``span`` and ``pooling`` are ``"auto"`` (the defaults), so triplets,
similarity, beliefs and every later paradigm read items the same way. Measured with
smollm2-135m: THINGS odd-one-out, best layer 0.338 bare vs 0.413 in context; WordSim-353,
Spearman 0.06 bare (last layer) vs 0.53 in context.

Which context works best differs between models. :func:`choose_context` picks one from
:data:`CONTEXTS` on held-out data: it scores each candidate on a random half of the task's
units (word pairs, triplets) and reports the chosen template's score on the other half, so
the reported number is not tuned on the data it is measured on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cogalign.errors import CogalignError

__all__ = [
    "CONTEXTS",
    "DEFAULT_CONTEXT",
    "ContextChoice",
    "Reading",
    "choose_context",
    "is_bare",
    "reading",
]

#: The context a causal model reads a bare item in, unless told otherwise.
DEFAULT_CONTEXT = "The concept: {item}"

#: Candidate contexts for :func:`choose_context` (``"{item}"`` is the bare item).
CONTEXTS: tuple[str, ...] = (
    "{item}",
    "The concept: {item}",
    "The word: {item}",
    "Think of {item}.",
    "Here is something: {item}",
)

#: Longest bare item, in words.
MAX_BARE_WORDS = 4


def is_bare(items: Iterable[str]) -> bool:
    """Whether items are bare (words, names, short phrases) rather than sentences.

    An item is bare when it has at most :data:`MAX_BARE_WORDS` words and does not end in
    sentence punctuation (``.``, ``!``, ``?``); a list is bare when every item is.

    >>> is_bare(["cat", "New York", "ice cream maker"])
    True
    >>> is_bare(["cat", "I am in favour of the death penalty."])
    False
    """
    for item in items:
        text = item.strip()
        if len(text.split()) > MAX_BARE_WORDS or text.endswith((".", "!", "?")):
            return False
    return True


@dataclass(frozen=True)
class Reading:
    """How a model reads a list of items.

    Attributes
    ----------
    template
        Prompt template with one ``{item}``, or ``None`` for the item as it is.
    span
        ``"item"``: pool the hidden states over the item's own tokens; ``"text"``: over every
        content token of the input.
    pooling
        ``"mean"``, ``"last"`` or ``"sentence"`` (see :func:`cogalign.llm.embed`).
    """

    template: str | None
    span: str
    pooling: str


def reading(kind: str | None, items: Sequence[str], *, template: str | None = "auto",
            span: str = "auto", pooling: str = "auto") -> Reading:
    """Apply the rule of the module docstring; explicit settings win over ``"auto"``.

    Parameters
    ----------
    kind
        The model's kind: ``"causal"``, ``"encoder"`` or ``"sentence"`` (``None``: unknown,
        read as an encoder).
    items
        The items to be read.
    template, span, pooling
        ``"auto"`` for the rule, or an explicit choice (``template=None``: the bare item).

    Returns
    -------
    Reading

    >>> reading("causal", ["cat", "dog"])
    Reading(template='The concept: {item}', span='item', pooling='mean')
    >>> reading("sentence", ["cat", "dog"])
    Reading(template=None, span='text', pooling='sentence')
    """
    if template == "auto":
        template = DEFAULT_CONTEXT if kind == "causal" and is_bare(items) else None
    if span == "auto":
        span = "item" if template is not None and template != "{item}" else "text"
    if pooling == "auto":
        pooling = "sentence" if kind == "sentence" else "mean"
    return Reading(template, span, pooling)


@dataclass(frozen=True)
class ContextChoice:
    """The context chosen on held-out data, and how every candidate did.

    Attributes
    ----------
    template
        The chosen context (best score on the selection half).
    held_out
        Its score on the other half, the one to report.
    scores
        Score of every candidate on the selection half.
    bare_held_out
        The bare item's score on the held-out half, for comparison.
    n_select, n_held_out
        Units in each half.
    """

    template: str
    held_out: float
    scores: dict[str, float] = field(default_factory=dict)
    bare_held_out: float = float("nan")
    n_select: int = 0
    n_held_out: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON output)."""
        return {"template": self.template, "held_out": self.held_out, "scores": self.scores,
                "bare_held_out": self.bare_held_out, "n_select": self.n_select,
                "n_held_out": self.n_held_out}


def choose_context(
    score: Callable[[str, np.ndarray], float],
    n_units: int,
    *,
    candidates: Sequence[str] = CONTEXTS,
    held_out: float = 0.5,
    seed: int = 0,
) -> ContextChoice:
    """Choose a reading context on one part of the data and score it on the rest.

    Parameters
    ----------
    score
        ``score(template, units) -> float`` (higher is better): the paradigm's measure of the
        model reading items in ``template`` (``"{item}"``: bare), on the units (row indices of
        word pairs, triplets, ...) given.
    n_units
        How many units there are.
    candidates
        The contexts to try, each with one ``{item}``.
    held_out
        Share of the units kept for the reported score.
    seed
        Seed of the random split.

    Returns
    -------
    ContextChoice

    Raises
    ------
    CogalignError
        With fewer than 4 units, or no candidate.
    """
    if n_units < 4:
        raise CogalignError(f"choosing a context needs at least 4 units, got {n_units}")
    if not candidates:
        raise CogalignError("no candidate contexts")
    for template in candidates:
        if template.count("{item}") != 1:
            raise CogalignError(f"context {template!r} must hold {{item}} exactly once")
    order = np.random.default_rng(seed).permutation(n_units)
    n_test = min(n_units - 2, max(2, int(round(held_out * n_units))))
    test, select = np.sort(order[:n_test]), np.sort(order[n_test:])
    scores = {t: float(score(t, select)) for t in candidates}
    finite = {t: s for t, s in scores.items() if np.isfinite(s)}
    if not finite:
        raise CogalignError("no candidate context gave a finite score")
    best = max(finite, key=finite.get)
    bare = float(score("{item}", test)) if "{item}" in candidates else float("nan")
    chosen = bare if best == "{item}" else float(score(best, test))
    return ContextChoice(best, chosen, scores, bare, len(select), len(test))
