"""Judgment tasks: prompt templates stored as data, in one registry.

A task file (TOML) states what a trial shows and what the model may answer::

    name = "odd-one-out"
    kind = "choice"                 # "choice" (k alternatives) or "rating" (numeric scale)
    fields = ["item_1", "item_2", "item_3"]   # columns of the trial table
    alternatives = "fields"         # the alternatives are the fields' values ...
    # alternatives = ["same", "different"]   # ... or fixed answer words
    labels = ["1", "2", "3"]        # answer for the alternative shown at each position
                                    # (omit: the model answers with the alternative itself)
    scale = [1, 7]                  # rating tasks: inclusive integer range
    system = ""                     # optional system message (chat models)
    template = "... {option1} ... {option2} ... {item_1} ..."
    answer_prefix = "Answer:"       # text the answer follows

``{option1}``, ``{option2}``, ... are the alternatives in the order shown; counterbalancing
permutes that order. ``{<field>}`` inserts a field's value as is. Literal braces are ``{{ }}``.
A task may also name ``constants = ["context"]``: placeholders that are the same for every
trial of a run and are filled once with :meth:`Task.fill` before the task is used.

Besides judgment tasks, the registry holds **text templates** (``kind = "text"``, a file
with neither ``kind`` nor ``template``, or a kind a paradigm defines, such as the belief
paradigm's ``"statement"`` pairs and ``"phrases"`` lists): named texts
with placeholders for conversations (e.g. an interviewer's system message and opening), loaded
with :func:`load_text_template`.

Naming: the items of a trial are the columns ``item_1``, ``item_2``, ... (the trial tables'
naming, e.g. :data:`cogalign.data.schemas.TRIPLETS`); a template that shows one item calls it
``{item}``, as the item templates of :func:`cogalign.llm.embed` do.

The registry: the tasks that ship with cogalign are the files in ``cogalign/llm/prompts``
(general tasks and the variants the paradigms sweep over, e.g. ``similarity-0-10-meaning``);
every registered paradigm whose package (:mod:`cogalign.paradigms`) has a ``prompts/``
folder adds it, and a user adds files or folders with
:func:`register_templates`. :func:`list_tasks` lists every registered task and
:func:`load_task` loads one by name (or from any TOML path); :func:`list_templates` lists every
template of either kind.
"""

from __future__ import annotations

import itertools
import math
import os
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "Task",
    "TextTemplate",
    "list_tasks",
    "list_templates",
    "load_task",
    "load_template",
    "load_text_template",
    "orders",
    "register_templates",
]

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
    constants
        Placeholders filled once per run with :meth:`fill` (e.g. ``("context",)``); a task
        with unfilled constants cannot render a trial.
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
    constants: tuple[str, ...] = ()

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
        allowed = (set(self.fields) | set(self.constants)
                   | {f"option{i + 1}" for i in range(self.n_alternatives)})
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

    def fill(self, **values: Any) -> Task:
        """The task with some :attr:`constants` filled in (braces in the values are kept).

        Raises
        ------
        ValueError
            For a name that is not one of the task's constants.
        """
        unknown = sorted(set(values) - set(self.constants))
        if unknown:
            raise ValueError(f"task {self.name!r} has no constants {unknown}; "
                             f"its constants: {list(self.constants)}")
        template = self.template
        for key, value in values.items():
            escaped = str(value).replace("{", "{{").replace("}", "}}")
            template = template.replace("{" + key + "}", escaped)
        return replace(self, template=template,
                       constants=tuple(c for c in self.constants if c not in values))

    def with_system(self, system: str | None) -> Task:
        """The task with another system message (``None``: unchanged), e.g. a persona."""
        return self if system is None else replace(self, system=system)

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
        if self.constants:
            raise ValueError(f"task {self.name!r} needs {list(self.constants)} filled first "
                             f"(task.fill({self.constants[0]}=...))")
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
            "constants": list(self.constants),
        }


@dataclass(frozen=True)
class TextTemplate:
    """Named texts with ``{placeholders}``, for conversations.

    A TOML file with ``kind = "text"``; every other top-level string is one text.

    Attributes
    ----------
    name
        The template's name.
    texts
        Text by key (e.g. ``"system"``, ``"opening"``): the file's top-level strings.
    description, source
        What it is, and where it was loaded from.
    kind
        ``"text"``, or the kind a paradigm gives its templates (e.g. ``"statement"``).
    data
        Everything the file holds (for kinds with tables, e.g. ``[templates]``).
    """

    name: str
    texts: dict[str, str] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    kind: str = "text"
    data: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        try:
            return self.texts[key]
        except KeyError:
            raise KeyError(f"text template {self.name!r} has no text {key!r}; "
                           f"it has {sorted(self.texts)}") from None

    def format(self, key: str, **values: Any) -> str:
        """One text with its placeholders filled."""
        return self[key].format(**values)


#: Registered template files by key (file name without ``.toml``; ``-`` and ``_`` alike), with
#: the source recorded on the tasks loaded from them.
_TEMPLATES: dict[str, tuple[Traversable, str]] = {}


def _key(name: str) -> str:
    return name.replace("-", "_")


def _template_files(source: Traversable) -> list[Traversable]:
    if source.is_file():
        if not source.name.endswith(".toml"):
            raise ValueError(f"template file {source} is not a .toml file")
        return [source]
    if not source.is_dir():
        raise ValueError(f"no template folder or TOML file at {source}")
    return sorted((p for p in source.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)


def _locate(source: str | os.PathLike[str] | ModuleType | Traversable) -> Traversable:
    if isinstance(source, ModuleType):
        return resources.files(source).joinpath("prompts")
    if isinstance(source, str) and not Path(source).exists() and all(
        part.isidentifier() for part in source.split(".")
    ):
        try:
            return resources.files(source).joinpath("prompts")
        except ModuleNotFoundError:
            raise ValueError(f"no package {source!r} and no file or folder of that name") from None
    if isinstance(source, str | os.PathLike):
        return Path(source).expanduser().resolve()
    return source


def _add(where: Traversable, registry: dict[str, tuple[Traversable, str]], builtin: bool) -> list[str]:
    files = _template_files(where)
    if not files:
        raise ValueError(f"no .toml task files in {where}")
    names = []
    for file in files:
        key = _key(file.name[: -len(".toml")])
        known = registry.get(key)
        if known is not None and str(known[0]) != str(file):
            raise ValueError(f"task file {file}: a task file named {file.name} is already "
                             f"registered from {known[0]}")
        entry = known or (file, f"builtin:{key}" if builtin else str(file))
        names.append(_parse_any(file.read_text(encoding="utf-8"), key, entry[1]).name)
        registry[key] = entry
    return names


def _registry() -> dict[str, tuple[Traversable, str]]:
    """The registry: cogalign's own files first, then every registered paradigm's prompts."""
    if not _TEMPLATES:
        _add(resources.files("cogalign.llm").joinpath("prompts"), _TEMPLATES, builtin=True)
        from cogalign.paradigms import all_paradigms

        for paradigm in all_paradigms().values():
            folder = _locate(paradigm.package) if paradigm.package else None
            if folder is not None and folder.is_dir():
                _add(folder, _TEMPLATES, builtin=False)
    return _TEMPLATES


def register_templates(source: str | os.PathLike[str] | ModuleType | Traversable) -> list[str]:
    """Add task templates to the registry, so :func:`load_task` and :func:`list_tasks` know them.

    A paradigm package calls this once for its own prompt templates, e.g.
    ``register_templates("cogalign.beliefs")`` for ``cogalign/beliefs/prompts/*.toml``.

    Parameters
    ----------
    source
        A folder of ``.toml`` task files, one ``.toml`` file, or a package (module object or
        dotted name) whose ``prompts/`` folder holds them. Registering the same files again
        changes nothing.

    Returns
    -------
    list of str
        Names of the tasks the source holds.

    Raises
    ------
    ValueError
        When the source holds no task file, a file does not load as a task, or a file's name
        is already registered from another file.
    """
    return _add(_locate(source), _registry(), builtin=False)


def list_tasks() -> list[str]:
    """Names of every registered judgment task (e.g. ``"odd-one-out"``, ``"similarity-1-7"``)."""
    return sorted(t.name for t in map(_load_registered, _registry()) if isinstance(t, Task))


def list_templates(kind: str | None = None) -> dict[str, str]:
    """Every registered template's name and kind (``"choice"``, ``"rating"``, ``"text"``, ...).

    Parameters
    ----------
    kind
        Only templates of this kind.
    """
    out = {}
    for key in _registry():
        template = _load_registered(key)
        if kind is None or template.kind == kind:
            out[template.name] = template.kind
    return dict(sorted(out.items()))


def _load_registered(key: str) -> Task | TextTemplate:
    file, label = _registry()[key]
    return _parse_any(file.read_text(encoding="utf-8"), key, label)


def load_template(template: str | os.PathLike[str]) -> Task | TextTemplate:
    """Load a template of either kind (judgment task or text template) by name or TOML path."""
    return _load_any(template)


def load_text_template(template: str | os.PathLike[str] | TextTemplate) -> TextTemplate:
    """Load a text template by registered name or TOML path.

    Raises
    ------
    ValueError
        For an unknown name, a missing file, or a file that is not a text template.
    """
    if isinstance(template, TextTemplate):
        return template
    loaded = _load_any(template)
    if not isinstance(loaded, TextTemplate):
        raise ValueError(f"{template!r} is a {loaded.kind} task, not a text template")
    return loaded


def load_task(task: str | os.PathLike[str] | Task) -> Task:
    """Load a task by registered name (``"odd-one-out"`` or ``"odd_one_out"``) or TOML path.

    Parameters
    ----------
    task
        Registered name (see :func:`list_tasks`), path to a ``.toml`` file, or a :class:`Task`
        (returned unchanged).

    Returns
    -------
    Task
    """
    if isinstance(task, Task):
        return task
    loaded = _load_any(task)
    if not isinstance(loaded, Task):
        raise ValueError(f"{task!r} is a text template, not a judgment task")
    return loaded


def _load_any(name: str | os.PathLike[str]) -> Task | TextTemplate:
    text = str(name)
    registry = _registry()
    key = _key(text)
    if key in registry:
        return _load_registered(key)
    path = Path(text).expanduser()
    if not path.is_file():
        names = ", ".join(sorted(k.replace("_", "-") for k in registry))
        raise ValueError(f"unknown task {text!r}: not a registered task ({names}) or a TOML file")
    return _parse_any(path.read_text(encoding="utf-8"), key, str(path.resolve()))


def _parse_any(raw: str, key: str, source: str) -> Task | TextTemplate:
    """A task or a text template from the text of its TOML file."""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"task file {source}: {exc}") from exc
    kind = data.get("kind")
    if kind not in _KINDS and (kind is not None or "template" not in data):
        texts = {k: v for k, v in data.items()
                 if isinstance(v, str) and k not in ("name", "kind", "description")}
        if not texts and not any(isinstance(v, dict) for v in data.values()):
            raise ValueError(f"text template {source}: no texts")
        return TextTemplate(str(data.get("name", key)), texts,
                            str(data.get("description", "")), source, str(kind or "text"), data)
    return _parse(raw, key, source)


def _parse(raw: str, key: str, source: str) -> Task:
    """A task from the text of its TOML file (``key``: its name when the file gives none)."""
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
            constants=tuple(str(c) for c in data.get("constants", ())),
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
