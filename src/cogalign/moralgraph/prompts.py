"""The prompt templates of the moral-graph paradigm (TOML files in ``moralgraph/prompts/``).

Two kinds of template live here, in the format of :mod:`cogalign.llm.tasks`:

* **judgment tasks** (``upgrade-vote``, ``wiser-of-two``, ``same-value``): a ``kind``,
  ``fields``, ``alternatives``, ``template``... as every task file of ``cogalign.llm``. The
  vote tasks also use ``{context}``, which :func:`vote_task` fills in before building the
  :class:`~cogalign.llm.Task` (the context is the same for every alternative, so it is not a
  field);
* **conversation templates** (``interview``, ``participant``): named texts with
  placeholders, read by :func:`load_prompts`.

A template can also be given as a path to a TOML file of the same shape.
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["TEMPLATES", "load_prompts", "task_from_prompts", "vote_task"]

#: The templates shipped with the package.
TEMPLATES: tuple[str, ...] = ("interview", "participant", "same-value", "upgrade-vote", "wiser-of-two")


def load_prompts(name: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a template by name (see :data:`TEMPLATES`) or from a TOML file.

    Raises
    ------
    CogalignError
        For an unknown name, a missing file or invalid TOML (naming the file).
    """
    text = str(name)
    key = text.replace("-", "_")
    if text.replace("_", "-") in TEMPLATES:
        raw = resources.files("cogalign.moralgraph").joinpath("prompts", key + ".toml").read_text(encoding="utf-8")
        source = f"builtin:{key}"
    else:
        path = Path(text).expanduser()
        if not path.is_file():
            raise CogalignError(f"unknown template {text!r}: not one of {', '.join(TEMPLATES)} "
                                "and not a TOML file")
        raw, source = path.read_text(encoding="utf-8"), str(path)
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise CogalignError(f"template file {source}: {exc}") from None
    data.setdefault("name", key.replace("_", "-"))
    data["source"] = source
    return data


def task_from_prompts(data: dict[str, Any], *, fill: dict[str, str] | None = None, system: str | None = None) -> Any:
    """Build a :class:`cogalign.llm.Task` from a judgment template.

    Parameters
    ----------
    data
        What :func:`load_prompts` returned for a judgment task.
    fill
        Placeholders to fill in the template first (e.g. ``{"context": ...}``); braces in
        the values are escaped.
    system
        A system message to use instead of the template's (e.g. a persona).
    """
    from cogalign.llm import Task

    template = str(data["template"])
    for key, value in (fill or {}).items():
        template = template.replace("{" + key + "}", str(value).replace("{", "{{").replace("}", "}}"))
    alternatives = data.get("alternatives", "fields")
    if not isinstance(alternatives, str):
        alternatives = tuple(str(a) for a in alternatives)
    try:
        return Task(
            name=str(data["name"]), kind=str(data["kind"]), fields=tuple(data["fields"]),
            template=template, alternatives=alternatives,
            labels=tuple(str(x) for x in data["labels"]) if data.get("labels") else None,
            scale=tuple(int(x) for x in data["scale"]) if data.get("scale") else None,
            answer_prefix=str(data.get("answer_prefix", "")),
            system=str(data.get("system", "")) if system is None else system,
            description=str(data.get("description", "")), source=str(data.get("source", "")),
        )
    except KeyError as exc:
        raise CogalignError(f"template {data.get('source', '?')}: missing key {exc.args[0]!r}") from None
    except ValueError as exc:
        raise CogalignError(f"template {data.get('source', '?')}: {exc}") from None


def vote_task(name: str | os.PathLike[str], context: str, *, system: str | None = None) -> Any:
    """The :class:`cogalign.llm.Task` of a vote template for one context.

    Parameters
    ----------
    name
        ``"upgrade-vote"``, ``"wiser-of-two"`` or a TOML file of the same shape.
    context
        The choice context, put where the template says ``{context}``.
    system
        Optional system message (a persona).
    """
    return task_from_prompts(load_prompts(name), fill={"context": context}, system=system)
