"""Values cards, questions and contexts: the things a moral graph is made of.

A **values card** (Klingefjord, Lowe & Edelman 2024) names one way of choosing well: a short
``title``, a one-sentence ``description`` and the **attention policies**, the things someone
attends to when they choose by this value. In the MGE export the description is
``instructionsShort`` and the attention policies are ``evaluationCriteria``.

A **question** is the contentious prompt participants are interviewed about (e.g. a user asking
a chatbot for advice on an abortion); a **context** is the situation a value applies in
(``"When parenting"``), the unit the wisdom-upgrade votes are cast in.

:func:`parse_card` turns a language model's answer into a validated :class:`ValuesCard` or
raises :class:`CardParseError` saying what is wrong and where.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cogalign.errors import CogalignError

__all__ = [
    "CardParseError",
    "Question",
    "ValuesCard",
    "cards_frame",
    "parse_card",
    "pseudonymize",
    "render_card",
]

#: Longest title accepted from a model (in words); the study's titles have 1 to 6 words.
MAX_TITLE_WORDS = 10
#: Most attention policies accepted on one card.
MAX_POLICIES = 12


class CardParseError(CogalignError):
    """A values card could not be read from a model's answer (or a card is invalid)."""


@dataclass(frozen=True)
class ValuesCard:
    """One values card.

    Attributes
    ----------
    title
        A few words naming the value.
    description
        One sentence saying what choosing by this value looks like.
    attention_policies
        What someone attends to when choosing by this value (at least one).
    id
        Value id in a graph (None for a card not yet stored).
    instructions_detailed
        Longer instructions, where the source has them.
    extra
        Other fields of the source, kept as they are.
    """

    title: str
    description: str
    attention_policies: tuple[str, ...]
    id: int | None = None
    instructions_detailed: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = _card_problems(
            {"title": self.title, "description": self.description,
             "attention_policies": list(self.attention_policies)}
        )
        if problems:
            raise CardParseError("invalid values card: " + "; ".join(problems))
        object.__setattr__(self, "attention_policies", tuple(self.attention_policies))

    def to_dict(self) -> dict[str, Any]:
        """The card as plain JSON-able data (``title``, ``description``, ...)."""
        return {"id": self.id, "title": self.title, "description": self.description,
                "attention_policies": list(self.attention_policies),
                "instructions_detailed": self.instructions_detailed, "extra": dict(self.extra)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValuesCard:
        """Inverse of :meth:`to_dict`."""
        return cls(title=data["title"], description=data["description"],
                   attention_policies=tuple(data["attention_policies"]), id=data.get("id"),
                   instructions_detailed=data.get("instructions_detailed", ""),
                   extra=dict(data.get("extra") or {}))

    def to_row(self) -> dict[str, Any]:
        """One row of :attr:`cogalign.data.MoralGraph.values`."""
        return {"id": self.id, "title": self.title, "instructions_short": self.description,
                "instructions_detailed": self.instructions_detailed,
                "evaluation_criteria": list(self.attention_policies), "extra": dict(self.extra)}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ValuesCard:
        """A card from one row of :attr:`cogalign.data.MoralGraph.values`."""
        return cls(title=str(row["title"]), description=str(row.get("instructions_short", "")),
                   attention_policies=tuple(row.get("evaluation_criteria") or ()),
                   id=int(row["id"]), instructions_detailed=str(row.get("instructions_detailed", "")),
                   extra=dict(row.get("extra") or {}))


@dataclass(frozen=True)
class Question:
    """A contentious prompt participants are interviewed about.

    Attributes
    ----------
    id
        Short identifier (``"abortion"``).
    text
        The prompt as shown to participants.
    contexts
        The choice contexts values about this question are voted on in.
    """

    id: str
    text: str
    contexts: tuple[str, ...] = ()


def cards_frame(cards: Sequence[ValuesCard], *, first_id: int = 1) -> pd.DataFrame:
    """A :attr:`~cogalign.data.MoralGraph.values` table from cards (ids assigned where None)."""
    rows, next_id = [], first_id
    used = {c.id for c in cards if c.id is not None}
    for card in cards:
        row = card.to_row()
        if row["id"] is None:
            while next_id in used:
                next_id += 1
            row["id"] = next_id
            used.add(next_id)
        rows.append(row)
    return pd.DataFrame(rows, columns=["id", "title", "instructions_short", "instructions_detailed",
                                       "evaluation_criteria", "extra"])


def render_card(card: ValuesCard | Mapping[str, Any], *, detailed: bool = False) -> str:
    """A card as plain text for prompts: title, description, then one line per policy.

    Parameters
    ----------
    card
        A :class:`ValuesCard` or a row of :attr:`~cogalign.data.MoralGraph.values`.
    detailed
        Add the detailed instructions where the card has them.
    """
    if not isinstance(card, ValuesCard):
        card = ValuesCard.from_row(card)
    lines = [card.title, card.description, "Things to attend to:"]
    lines += [f"- {p}" for p in card.attention_policies]
    if detailed and card.instructions_detailed:
        lines.append(card.instructions_detailed)
    return "\n".join(lines)


def _card_problems(data: Mapping[str, Any]) -> list[str]:
    problems = []
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append("'title' must be a non-empty string")
    elif len(title.split()) > MAX_TITLE_WORDS:
        problems.append(f"'title' has {len(title.split())} words (at most {MAX_TITLE_WORDS})")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append("'description' must be a non-empty string")
    policies = data.get("attention_policies")
    if not isinstance(policies, list | tuple) or not policies:
        problems.append("'attention_policies' must be a non-empty list of strings")
    else:
        bad = [i for i, p in enumerate(policies) if not isinstance(p, str) or not p.strip()]
        if bad:
            problems.append(f"'attention_policies' items {bad} are not non-empty strings")
        if len(policies) > MAX_POLICIES:
            problems.append(f"'attention_policies' has {len(policies)} items (at most {MAX_POLICIES})")
    return problems


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def _json_object(text: str) -> Any:
    """The JSON object of a card in a text (inside a code fence or bare).

    Objects that name a ``title`` come first; an object nested inside a card that does not
    decode is never taken for the card: then the decoding error of the outermost object is
    reported.
    """
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    first_error = None
    found = []
    for chunk in candidates:
        for start in [m.start() for m in re.finditer(r"\{", chunk)]:
            try:
                obj, _ = decoder.raw_decode(chunk[start:])
            except json.JSONDecodeError as exc:
                if first_error is None:
                    first_error = f"invalid JSON ({exc.msg} at character {start + exc.pos})"
                continue
            if isinstance(obj, dict):
                if "title" in obj:
                    return obj
                found.append(obj)
    if first_error is not None:
        raise CardParseError(f"no JSON object in the answer: {first_error}")
    if found:
        return found[0]
    raise CardParseError("no JSON object in the answer: no '{' found")


def parse_card(text: str | None, *, where: str = "answer") -> ValuesCard:
    """Read a values card from a model's answer.

    The answer must hold a JSON object (bare or in a code fence) with ``title`` (a few
    words), ``description`` (a sentence) and ``attention_policies`` (a non-empty list of
    strings); ``attentionPolicies`` and ``evaluationCriteria`` are accepted as names of the
    last.

    Parameters
    ----------
    text
        The answer text.
    where
        Names the answer in error messages (e.g. ``"interview p-01, attempt 2"``).

    Raises
    ------
    CardParseError
        Naming ``where`` and every problem found.
    """
    if not text or not text.strip():
        raise CardParseError(f"{where}: empty answer, no values card")
    try:
        data = _json_object(text)
    except CardParseError as exc:
        raise CardParseError(f"{where}: {exc}") from None
    for alias in ("attentionPolicies", "evaluationCriteria", "attention policies"):
        if "attention_policies" not in data and alias in data:
            data["attention_policies"] = data.pop(alias)
    problems = _card_problems(data)
    if problems:
        raise CardParseError(f"{where}: " + "; ".join(problems))
    return ValuesCard(title=data["title"].strip(), description=data["description"].strip(),
                      attention_policies=tuple(p.strip() for p in data["attention_policies"]))


def pseudonymize(identifier: str, secret: str | bytes, *, prefix: str = "p-", length: int = 12) -> str:
    """A stable pseudonym for a participant identifier (HMAC-SHA256 with a secret key).

    The same identifier and secret always give the same pseudonym, and without the secret
    the identifier cannot be recovered, so recruitment-platform ids never enter a vote table.

    Parameters
    ----------
    identifier
        The real identifier (e.g. a Prolific id).
    secret
        The study's secret key (keep it out of the data).
    prefix, length
        Pseudonym prefix and number of hex characters.
    """
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not key:
        raise CogalignError("pseudonymize needs a non-empty secret")
    digest = hmac.new(key, str(identifier).encode(), "sha256").hexdigest()
    return prefix + digest[:length]
