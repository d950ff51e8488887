"""Belief statements: each (issue, side) as text, from prompt templates or users' own words.

A statement template is a TOML file in ``cogalign/beliefs/prompts`` written like the judgment
tasks of :mod:`cogalign.llm.tasks` (``name``, ``kind``, ``description``, ``fields``,
``alternatives``), with ``kind = "statement"`` and one template per side::

    name = "favor-against"
    kind = "statement"
    fields = ["issue"]
    alternatives = ["pro", "con"]
    [templates]
    pro = "I am in favor of {issue}."
    con = "I am against {issue}."

``{issue}`` receives the issue's phrase: for the 48 debate.org big issues a noun phrase from
``ddo_issue_phrases.toml`` ("the death penalty"), for other issues their ``issue_text`` (e.g. a
debate title) or their name. Built-in templates: ``favor-against`` (default),
``support-oppose``, ``agree-following`` (the template of Lee et al. 2024) and
``pro-con-side``; any TOML file in the same format works too.

Users' own statements replace the templates for the issues they cover: a table with columns
``issue``, ``side`` (Pro/Con or +1/-1) and ``text``.
"""

from __future__ import annotations

import os
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = [
    "DEFAULT_TEMPLATES",
    "StatementTemplate",
    "belief_statements",
    "issue_phrases",
    "list_templates",
    "load_template",
]

#: Templates used when none are named.
DEFAULT_TEMPLATES: tuple[str, ...] = ("favor-against",)

_SIDES = {"pro": 1, "con": -1, "+1": 1, "1": 1, "-1": -1}


@dataclass(frozen=True)
class StatementTemplate:
    """How a stance on an issue becomes a sentence.

    Attributes
    ----------
    name, description
        Identity.
    pro, con
        The statement of each side, with one ``{issue}`` placeholder.
    source
        Where it was loaded from (``builtin:<name>`` or a path).
    """

    name: str
    pro: str
    con: str
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        for side, text in (("pro", self.pro), ("con", self.con)):
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            if names != {"issue"}:
                raise CogalignError(
                    f"statement template {self.name!r}: the {side} text must use the placeholder "
                    f"{{issue}} and no other; it uses {sorted(names) or 'none'}"
                )

    def render(self, phrase: str, side: int) -> str:
        """The statement taking ``side`` (+1 Pro, -1 Con) on an issue given by its phrase."""
        return (self.pro if side > 0 else self.con).format(issue=phrase)


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CogalignError(f"template file {source}: {exc}") from None


def list_templates() -> list[str]:
    """Names of the registered statement templates.

    Those of ``kind = "statement"`` in the one template registry of :mod:`cogalign.llm.tasks`.
    """
    from cogalign.llm.tasks import list_templates as registered

    return sorted(registered("statement"))


def load_template(template: str | os.PathLike[str] | StatementTemplate) -> StatementTemplate:
    """Load a statement template by built-in name or TOML path.

    Parameters
    ----------
    template
        ``"favor-against"`` (or ``"favor_against"``), a path to a ``.toml`` file, or a
        :class:`StatementTemplate` (returned unchanged).

    Returns
    -------
    StatementTemplate

    Raises
    ------
    CogalignError
        For an unknown name, a file of another kind, or a template without ``{issue}``.
    """
    if isinstance(template, StatementTemplate):
        return template
    from cogalign.llm.tasks import list_templates as registered
    from cogalign.llm.tasks import load_template as load_registered

    text = str(template)
    key = text.replace("_", "-")
    if key in registered():
        loaded = load_registered(key)
        data, source = getattr(loaded, "data", {}), loaded.source
    else:
        path = Path(text).expanduser()
        if not path.is_file():
            raise CogalignError(
                f"unknown statement template {text!r}: not a registered template "
                f"({', '.join(list_templates())}) or a TOML file"
            )
        data, source = _read_toml(path.read_text(encoding="utf-8"), str(path)), str(path.resolve())
    if data.get("kind") != "statement":
        raise CogalignError(f"template file {source}: kind must be 'statement', got {data.get('kind')!r}")
    sides = data.get("templates") or {}
    if not {"pro", "con"} <= set(sides):
        raise CogalignError(f"template file {source}: [templates] needs both 'pro' and 'con'")
    return StatementTemplate(str(data.get("name", key)), str(sides["pro"]), str(sides["con"]),
                             str(data.get("description", "")), source)


def issue_phrases(issues: Iterable[str], texts: Mapping[str, str] | None = None) -> dict[str, str]:
    """The phrase each issue puts into a template.

    Parameters
    ----------
    issues
        Issue names.
    texts
        Issue texts (``issue_text`` of the stance table) that take precedence for issues
        whose text differs from their name (e.g. debate titles).

    Returns
    -------
    dict
        Issue to phrase: a debate.org big issue's noun phrase, else its text, else its name.
    """
    from cogalign.llm.tasks import load_template as load_registered

    known = load_registered("ddo-issue-phrases").data.get("phrases", {})
    texts = dict(texts or {})
    out = {}
    for issue in issues:
        text = texts.get(issue)
        out[issue] = text if text and text != issue else known.get(issue, issue)
    return out


def _user_statements(statements: pd.DataFrame | Mapping) -> pd.DataFrame:
    frame = pd.DataFrame(statements) if not isinstance(statements, pd.DataFrame) else statements
    missing = [c for c in ("issue", "side", "text") if c not in frame.columns]
    if missing:
        raise CogalignError(f"user statements need columns issue, side, text; missing {missing}")
    sides = frame["side"].map(lambda v: _SIDES.get(str(v).strip().lower()))
    bad = np.flatnonzero(sides.isna().to_numpy())
    if len(bad):
        raise CogalignError(
            f"user statements, row {bad[0] + 1}: side {frame['side'].iloc[bad[0]]!r} is not Pro/Con or +1/-1"
        )
    out = pd.DataFrame({"issue": frame["issue"].astype(str), "side": sides.astype(int),
                        "template": "user", "text": frame["text"].astype(str)})
    dup = out.duplicated(["issue", "side"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise CogalignError(f"user statements, row {i + 1}: a second statement for "
                            f"({out['issue'].iloc[i]!r}, {out['side'].iloc[i]:+d})")
    counts = out.groupby("issue")["side"].nunique()
    one_sided = counts[counts < 2].index.tolist()
    if one_sided:
        raise CogalignError(f"user statements give only one side of {one_sided[:5]}; give both")
    return out


def belief_statements(
    issues: Sequence[str],
    templates: Sequence[str | os.PathLike[str] | StatementTemplate] = DEFAULT_TEMPLATES,
    *,
    texts: Mapping[str, str] | None = None,
    statements: pd.DataFrame | Mapping | None = None,
) -> pd.DataFrame:
    """Every statement of both sides of every issue.

    Parameters
    ----------
    issues
        The issues.
    templates
        Statement templates (names or files); each gives one statement per (issue, side).
    texts
        Issue texts (see :func:`issue_phrases`).
    statements
        Users' own statements (columns ``issue``, ``side``, ``text``); they replace the
        templates for the issues they cover.

    Returns
    -------
    pandas.DataFrame
        ``issue``, ``side`` (+1 Pro, -1 Con), ``template`` and ``text``; issues in the order
        given, Pro before Con.
    """
    if not templates:
        raise CogalignError("give at least one statement template")
    loaded = [load_template(t) for t in templates]
    own = _user_statements(statements) if statements is not None else None
    covered = set(own["issue"]) if own is not None else set()
    phrases = issue_phrases(issues, texts)
    rows = []
    for issue in issues:
        if issue in covered:
            part = own[own["issue"] == issue].sort_values("side", ascending=False)
            rows.extend(part.to_dict("records"))
            continue
        for side in (1, -1):
            for template in loaded:
                rows.append({"issue": issue, "side": side, "template": template.name,
                             "text": template.render(phrases[issue], side)})
    return pd.DataFrame(rows, columns=["issue", "side", "template", "text"])
