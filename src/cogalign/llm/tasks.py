"""Judgment tasks: prompt templates stored as data (TOML files in ``cogalign/llm/prompts``).

A task file states what a trial shows and what the model may answer::

    name = "odd-one-out"
    kind = "choice"                 # "choice" (k alternatives) or "rating" (numeric scale)
    fields = ["item1", "item2", "item3"]   # columns of the trial table
    alternatives = "fields"         # the alternatives are the fields' values ...
    # alternatives = ["same", "different"]   # ... or fixed answer words
    labels = ["1", "2", "3"]        # answer for the alternative shown at each position
                                    # (omit: the model answers with the alternative itself)
    scale = [1, 7]                  # rating tasks: inclusive integer range
    system = ""                     # optional system message (chat models)
    template = "... {option1} ... {option2} ... {item1} ..."
    answer_prefix = "Answer:"       # text the answer follows

``{option1}``, ``{option2}``, ... are the alternatives in the order shown; counterbalancing
permutes that order. ``{<field>}`` inserts a field's value as is. Literal braces are ``{{ }}``.
"""

from __future__ import annotations

import itertools
import math
import os
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Task", "list_tasks", "load_task", "orders"]

_KINDS = ("choice", "rating")


@dataclass(frozen=True)
class Task:
    """A judgment task loaded from a template file.

    Attributes
    ----------
    name, kind, description
        Identity; ``kind`` is ``"choice"`` or ``"rating"``.
    fields
        Trial-table columns the template needs.
    alternatives
        ``"fields"`` (the alternatives are the values of ``fields``) or a tuple of fixed words.
    labels
        Answer text per position (choice tasks); None means answering with the alternative.
    scale
        ``(low, high)`` inclusive for rating tasks.
    template, answer_prefix, system
        Prompt text.
    """

    name: str
    kind: str
    fields: tuple[str, ...]
    template: str
    alternatives: str | tuple[str, ...] = "fields"
    labels: tuple[str, ...] | None = None
    scale: tuple[int, int] | None = None
    answer_prefix: str = ""
    system: str = ""
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"task {self.name!r}: kind must be one of {_KINDS}, got {self.kind!r}")
        if self.kind == "rating":
            if self.scale is None or len(self.scale) != 2 or self.scale[0] >= self.scale[1]:
                raise ValueError(f"task {self.name!r}: rating tasks need scale = [low, high]")
        if self.kind == "choice" and self.n_alternatives < 2:
            raise ValueError(f"task {self.name!r}: a choice needs at least two alternatives")
        if self.labels is not None and len(self.labels) != self.n_alternatives:
            raise ValueError(
                f"task {self.name!r}: {len(self.labels)} labels for {self.n_alternatives} alternatives"
            )
        names = {f for _, f, _, _ in string.Formatter().parse(self.template) if f}
        allowed = set(self.fields) | {f"option{i + 1}" for i in range(self.n_alternatives)}
        unknown = names - allowed
        if unknown:
            raise ValueError(
                f"task {self.name!r}: template uses unknown placeholders {sorted(unknown)}; "
                f"allowed: {sorted(allowed)}"
            )

    @property
    def n_alternatives(self) -> int:
        """Number of alternatives whose order is counterbalanced (0 for a fixed-order rating)."""
        if self.alternatives == "fields":
            return len(self.fields)
        return len(self.alternatives)

    def alternative_names(self) -> list[str]:
        """Names of the alternatives, used in result columns (``p_<name>``)."""
        if self.alternatives == "fields":
            return list(self.fields)
        return list(self.alternatives)

    def alternative_values(self, row: Mapping[str, Any]) -> list[str]:
        """What each alternative shows for one trial."""
        if self.alternatives == "fields":
            return [str(row[f]) for f in self.fields]
        return list(self.alternatives)

    def render(self, row: Mapping[str, Any], order: Sequence[int] | None = None) -> tuple[str, list[str]]:
        """Fill the template for one trial.

        Parameters
        ----------
        row
            Mapping with every name in :attr:`fields`.
        order
            ``order[p]`` is the alternative shown at position ``p``; identity when None.

        Returns
        -------
        prompt, answers
            The prompt text and, for choice tasks, the answer text of each position (for rating
            tasks, the scale values as text).
        """
        missing = [f for f in self.fields if f not in row]
        if missing:
            raise KeyError(f"task {self.name!r} needs fields {missing}")
        k = self.n_alternatives
        order = list(range(k)) if order is None else list(order)
        if sorted(order) != list(range(k)):
            raise ValueError(f"order {order} is not a permutation of {k} alternatives")
        values = self.alternative_values(row)
        mapping = {f: str(row[f]) for f in self.fields}
        mapping.update({f"option{p + 1}": values[a] for p, a in enumerate(order)})
        prompt = self.template.format_map(mapping)
        if self.kind == "rating":
            low, high = self.scale  # type: ignore[misc]
            return prompt, [str(v) for v in range(low, high + 1)]
        if self.labels is not None:
            return prompt, list(self.labels)
        return prompt, [values[a] for a in order]

    def to_dict(self) -> dict[str, Any]:
        """Everything that defines the task (for cache keys and records)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "fields": list(self.fields),
            "template": self.template,
            "alternatives": self.alternatives if isinstance(self.alternatives, str) else list(self.alternatives),
            "labels": None if self.labels is None else list(self.labels),
            "scale": None if self.scale is None else list(self.scale),
            "answer_prefix": self.answer_prefix,
            "system": self.system,
        }


def _builtin_files() -> dict[str, Any]:
    folder = resources.files("cogalign.llm").joinpath("prompts")
    return {p.name[: -len(".toml")]: p for p in folder.iterdir() if p.name.endswith(".toml")}


def list_tasks() -> list[str]:
    """Names of the built-in tasks (e.g. ``"odd-one-out"``, ``"similarity-1-7"``)."""
    return sorted(load_task(name).name for name in _builtin_files())


def load_task(task: str | os.PathLike[str] | Task) -> Task:
    """Load a task by built-in name (``"odd-one-out"`` or ``"odd_one_out"``) or TOML path.

    Parameters
    ----------
    task
        Built-in name, path to a ``.toml`` file, or a :class:`Task` (returned unchanged).

    Returns
    -------
    Task
    """
    if isinstance(task, Task):
        return task
    text = str(task)
    builtins = _builtin_files()
    key = text.replace("-", "_")
    if key in builtins:
        raw = builtins[key].read_text(encoding="utf-8")
        source = f"builtin:{key}"
    else:
        path = Path(text).expanduser()
        if not path.is_file():
            names = ", ".join(sorted(k.replace("_", "-") for k in builtins))
            raise ValueError(f"unknown task {text!r}: not a built-in task ({names}) or a TOML file")
        raw = path.read_text(encoding="utf-8")
        source = str(path.resolve())
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"task file {source}: {exc}") from exc
    alternatives = data.get("alternatives", "fields")
    if not isinstance(alternatives, str):
        alternatives = tuple(str(a) for a in alternatives)
    elif alternatives != "fields":
        raise ValueError(f"task file {source}: alternatives must be 'fields' or a list of words")
    try:
        return Task(
            name=str(data.get("name", key)),
            kind=str(data["kind"]),
            fields=tuple(data["fields"]),
            template=str(data["template"]),
            alternatives=alternatives,
            labels=tuple(str(x) for x in data["labels"]) if data.get("labels") else None,
            scale=tuple(int(x) for x in data["scale"]) if data.get("scale") else None,  # type: ignore[arg-type]
            answer_prefix=str(data.get("answer_prefix", "")),
            system=str(data.get("system", "")),
            description=str(data.get("description", "")),
            source=source,
        )
    except KeyError as exc:
        raise ValueError(f"task file {source}: missing key {exc.args[0]!r}") from None


def orders(k: int, permutations: Any = None, *, seed: int | None = 0, n_rows: int = 1) -> list[list[tuple[int, ...]]]:
    """Alternative orders to present, per row.

    Parameters
    ----------
    k
        Number of alternatives.
    permutations
        None (only the given order), ``"all"`` (all ``k!`` orders), ``"cyclic"`` (the ``k``
        rotations: every alternative once at every position), or an int ``m`` (``m`` distinct
        orders per row drawn with ``seed``; all orders when ``m >= k!``).
    seed
        Seed of the draw for an int ``permutations``.
    n_rows
        Number of rows.

    Returns
    -------
    list of list of tuple
        ``result[row]`` is that row's list of orders.
    """
    identity = tuple(range(k))
    if permutations is None or k < 2:
        return [[identity] for _ in range(n_rows)]
    if permutations == "all":
        every = list(itertools.permutations(range(k)))
        return [every for _ in range(n_rows)]
    if permutations == "cyclic":
        rot = [tuple((i + s) % k for i in range(k)) for s in range(k)]
        return [rot for _ in range(n_rows)]
    try:
        m = int(permutations)
    except (TypeError, ValueError):
        raise ValueError(
            f"permutations must be None, 'all', 'cyclic' or a number, got {permutations!r}"
        ) from None
    if m < 1:
        raise ValueError("permutations must be at least 1")
    total = math.factorial(k)
    every = list(itertools.permutations(range(k)))
    if m >= total:
        return [every for _ in range(n_rows)]
    rng = np.random.default_rng(seed)
    return [[every[i] for i in sorted(rng.choice(total, size=m, replace=False))] for _ in range(n_rows)]
