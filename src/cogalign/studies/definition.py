"""Study definition files: load, check and hash a study's TOML definition.

A study is one TOML file. Every study has these tables:

``[study]``
    ``name`` (letters and digits; the ``study-`` key of the data file names), ``paradigm``
    (a registered paradigm with a study design: ``cogalign study list`` shows them),
    ``title``, ``description``, ``version``, ``seed`` (the base of every random step),
    ``participant_pattern`` (a regular expression every participant id must match in full) and
    ``output`` (data folder, relative to the definition file).
``[trials]``
    ``n`` main trials, ``practice`` trials, ``attention_checks``, ``break_every``.
``[response]``, ``[timing]``, ``[text]``, ``[display]``
    Keys and mouse, durations in seconds, the texts participants read, the window.

Each paradigm's study design (:class:`cogalign.studies.design.Design`, declared in the
paradigm registry) adds its own tables and fields, e.g. ``[items]`` for triplets and
similarity, ``[scale]`` for similarity, ``[gambles]`` for risky choice and ``[delays]`` for
intertemporal choice; see the paradigm's ``study`` module.

Every field has a type and a default; unknown tables or fields, wrong types and out-of-range
values are errors that name the file, the table and the field. Overrides (``--set
trials.n=4`` on the command line) are applied before checking.

The definition hash (:attr:`StudyDefinition.hash`) is a SHA-256 over the checked definition
(every field, defaults filled in, ``study.output`` left out); the study's materials (resolved
item list, gambles) are added to it by :mod:`cogalign.studies.design`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import string
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError

__all__ = [
    "CORE_SPEC",
    "SCALE_TABLE",
    "DefinitionError",
    "Field",
    "StudyDefinition",
    "at_least",
    "canonical_hash",
    "load_definition",
    "non_empty",
    "one_of",
    "parse_override",
    "placeholder_problems",
    "positive_list",
    "study_paradigms",
]

DEFAULT_PARTICIPANT_PATTERN = "[A-Za-z]{1,4}[0-9]{1,6}"


class DefinitionError(CogalignError):
    """A study definition file is missing, unreadable or has a bad field."""


# --------------------------------------------------------------------------- field table


@dataclass(frozen=True)
class Field:
    """One field of a definition table: its type, default and an optional extra check.

    Attributes
    ----------
    kind
        ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"list[str]"``, ``"list[float]"`` or
        ``"list[int]"``.
    default
        The value when the file does not give one; ``None`` makes the field required.
    check
        Function of the typed value returning a problem (text) or ``None``.
    """

    kind: str
    default: Any
    check: Callable[[Any], str | None] | None = None


def at_least(lo: float) -> Callable[[Any], str | None]:
    """A check: the value is at least ``lo``."""

    def check(v: Any) -> str | None:
        return None if v >= lo else f"must be >= {lo:g}, got {v!r}"

    return check


def one_of(*choices: str) -> Callable[[Any], str | None]:
    """A check: the value is one of ``choices``."""

    def check(v: Any) -> str | None:
        return None if v in choices else f"must be one of {', '.join(map(repr, choices))}, got {v!r}"

    return check


def _alnum(v: Any) -> str | None:
    if re.fullmatch(r"[A-Za-z0-9]+", v):
        return None
    return f"must be letters and digits only (it names the data files), got {v!r}"


def _regex(v: Any) -> str | None:
    try:
        re.compile(v)
    except re.error as exc:
        return f"is not a valid regular expression ({exc})"
    return None


def non_empty(v: Any) -> str | None:
    """A check: the value (text or list) is not empty."""
    return None if len(v) > 0 else "must not be empty"


def positive_list(v: Any) -> str | None:
    """A check: a non-empty list of values that are all >= 0."""
    if not v:
        return "must not be empty"
    bad = [x for x in v if x < 0]
    return f"values must be >= 0, got {bad}" if bad else None


def _window_size(v: Any) -> str | None:
    if len(v) != 2 or min(v) < 100:
        return f"must be [width, height] in pixels, each >= 100, got {v!r}"
    return None


#: The tables and fields every study has, whatever its paradigm.
CORE_SPEC: dict[str, dict[str, Field]] = {
    "study": {
        "name": Field("str", None, _alnum),
        "paradigm": Field("str", None),
        "title": Field("str", ""),
        "description": Field("str", ""),
        "version": Field("str", "1"),
        "seed": Field("int", 0, at_least(0)),
        "participant_pattern": Field("str", DEFAULT_PARTICIPANT_PATTERN, _regex),
        "output": Field("str", "data", non_empty),
    },
    "trials": {
        "n": Field("int", 20, at_least(0)),
        "practice": Field("int", 2, at_least(0)),
        "attention_checks": Field("int", 0, at_least(0)),
        "break_every": Field("int", 0, at_least(0)),
    },
    "response": {
        "keys": Field("list[str]", []),
        "mouse": Field("bool", True),
        "continue_key": Field("str", "space", non_empty),
        "quit_key": Field("str", "escape", non_empty),
    },
    "timing": {
        "fixation": Field("float", 0.5, at_least(0)),
        "iti": Field("float", 0.3, at_least(0)),
        "confirm": Field("float", 0.2, at_least(0)),
        "feedback": Field("float", 1.0, at_least(0)),
    },
    "text": {
        "instructions": Field("str", ""),
        "practice_start": Field(
            "str", "First, a few practice trials.\n\nPress SPACE to start the practice."
        ),
        "practice_end": Field(
            "str", "That was the practice.\n\nPress SPACE to start the main part."
        ),
        "break": Field(
            "str",
            "Time for a short break ({done} of {total} done).\n\nPress SPACE when you are ready.",
        ),
        "resume": Field(
            "str", "Welcome back. The study continues where it stopped.\n\nPress SPACE."
        ),
        "end": Field("str", "Thank you, you are done!\n\nPlease tell the experimenter."),
    },
    "display": {
        "size": Field("list[int]", [1280, 800], _window_size),
        "background": Field("str", "#7f7f7f", non_empty),
        "text_color": Field("str", "white", non_empty),
        "highlight_color": Field("str", "#ffd21f", non_empty),
        "text_height": Field("float", 0.04, at_least(0.005)),
        "font": Field("str", ""),
        "screen": Field("int", 0, at_least(0)),
        "check_timing": Field("bool", True),
    },
}


#: The ``[scale]`` table of rating designs (``n_options = 0``): the rating screen reads it.
SCALE_TABLE: dict[str, Field] = {
    "min": Field("float", 1.0),
    "max": Field("float", 7.0),
    "step": Field("float", 1.0, at_least(1e-9)),
    "input": Field("str", "keys", one_of("keys", "slider")),
    "labels": Field("list[str]", ["very dissimilar", "very similar"]),
    "prompt": Field("str", "How similar are these two?"),
    "check_text": Field("str", "Attention check: please answer {value} on this trial."),
}


def study_paradigms() -> dict[str, Any]:
    """The paradigms that can run as a study: name to study-design class.

    Read from the paradigm registry (:mod:`cogalign.paradigms`): every paradigm that declares
    a ``study_design``.
    """
    from cogalign.paradigms import with_part

    return {p.name: p.part("study_design") for p in with_part("study_design")}


def _spec(design: Any) -> dict[str, dict[str, Field]]:
    """The core tables with a design's tables and fields merged in, and its defaults."""
    spec = {table: dict(fields) for table, fields in CORE_SPEC.items()}
    for table, fields in design.tables.items():
        spec.setdefault(table, {}).update(fields)
    for table, values in design.defaults.items():
        for name, value in values.items():
            spec[table][name] = replace(spec[table][name], default=value)
    return spec


def _elsewhere(paradigm: str, table: str, name: str | None = None) -> str | None:
    """The other paradigm whose study design has this table (or field), if any."""
    for other, design in study_paradigms().items():
        if other == paradigm or table not in design.tables:
            continue
        if name is None or name in design.tables[table]:
            return other
    return None


# --------------------------------------------------------------------------- the definition


@dataclass(frozen=True)
class StudyDefinition:
    """A checked study definition.

    Attributes
    ----------
    path
        The TOML file it was read from.
    data
        Every table and field, defaults filled in (``data["trials"]["n"]``).
    overrides
        The ``table.field=value`` overrides that were applied, in order.
    """

    path: Path
    data: dict[str, dict[str, Any]]
    overrides: tuple[str, ...] = field(default=())

    def __getitem__(self, table: str) -> dict[str, Any]:
        return self.data[table]

    @property
    def name(self) -> str:
        """The study's name (the ``study-`` key of its data files)."""
        return self.data["study"]["name"]

    @property
    def paradigm(self) -> str:
        """The paradigm's registry name (e.g. ``"triplets"``)."""
        return self.data["study"]["paradigm"]

    @property
    def folder(self) -> Path:
        """The folder holding the definition file (relative paths start here)."""
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        """A path named in the definition, relative to the definition's folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.folder / p

    @property
    def output(self) -> Path:
        """The data folder (``study.output``, relative to the definition's folder)."""
        return self.resolve(self.data["study"]["output"])

    def hashed_content(self) -> dict[str, Any]:
        """What the hash covers: every field except ``study.output``."""
        content = copy.deepcopy(self.data)
        content["study"].pop("output", None)
        return content

    @property
    def hash(self) -> str:
        """SHA-256 (first 16 hex digits) of :meth:`hashed_content`."""
        return canonical_hash(self.hashed_content())


def canonical_hash(obj: Any, length: int = 16) -> str:
    """SHA-256 of an object's canonical JSON (sorted keys, no spaces), as hex.

    Parameters
    ----------
    obj
        JSON-serialisable data.
    length
        Number of hex digits kept.

    Returns
    -------
    str
        The hash prefix.
    """
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def parse_override(text: str) -> tuple[str, str, Any]:
    """Parse one ``table.field=value`` override.

    The value is read as a TOML value (``4``, ``0.1``, ``true``, ``["a", "b"]``, ``"text"``);
    anything that is not valid TOML is taken as a plain string.

    Returns
    -------
    tuple
        ``(table, field, value)``.

    Raises
    ------
    DefinitionError
        When the text is not of the form ``table.field=value``.
    """
    key, sep, raw = text.partition("=")
    table, dot, name = key.strip().partition(".")
    if not sep or not dot or not table or not name:
        raise DefinitionError(f"override {text!r}: expected TABLE.FIELD=VALUE, e.g. trials.n=4")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return table, name, value


def load_definition(
    path: str | Path, overrides: Iterable[str] = ()
) -> StudyDefinition:
    """Read and check a study definition file.

    Parameters
    ----------
    path
        The TOML file (or a folder holding exactly one ``*.toml`` file).
    overrides
        ``table.field=value`` strings applied on top of the file, e.g. ``["trials.n=4"]``.

    Returns
    -------
    StudyDefinition
        The checked definition with defaults filled in.

    Raises
    ------
    DefinitionError
        Naming the file, table and field of every problem found.
    """
    path = Path(path)
    if path.is_dir():
        tomls = sorted(path.glob("*.toml"))
        if len(tomls) != 1:
            raise DefinitionError(
                f"{path}: expected one *.toml definition in the folder, found {len(tomls)}"
            )
        path = tomls[0]
    if not path.is_file():
        raise DefinitionError(f"{path}: no such definition file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise DefinitionError(f"{path}: not UTF-8 text ({exc})") from None
    overrides = tuple(overrides)
    parsed = [(text, *parse_override(text)) for text in overrides]
    # an override of the paradigm itself decides which design's fields apply
    for _text, table, name, value in parsed:
        if (table, name) == ("study", "paradigm") and isinstance(raw.get("study"), dict):
            raw["study"]["paradigm"] = value
    paradigm, design = _design_of(raw, path)
    spec = _spec(design)
    problems: list[str] = []
    for text, table, name, value in parsed:
        if table not in spec:
            problems.append(f"--set {text}: unknown table [{table}]{_suggest(table, spec)}")
            continue
        if name not in spec[table]:
            problems.append(
                f"--set {text}: unknown field '{name}' in [{table}]{_suggest(name, spec[table])}"
            )
            continue
        section = raw.setdefault(table, {})
        if not isinstance(section, dict):
            problems.append(f"--set {text}: [{table}] is not a table in the file")
            continue
        section[name] = value
    if problems:
        raise DefinitionError(f"{path}: " + "; ".join(problems))
    data = _check(raw, path, paradigm, design, spec)
    return StudyDefinition(path=path.resolve(), data=data, overrides=overrides)


def _design_of(raw: Mapping[str, Any], path: Path) -> tuple[str, Any]:
    """The paradigm named in ``[study]`` and its study-design class."""
    study = raw.get("study")
    if not isinstance(study, dict):
        raise DefinitionError(f"{path}: the [study] table is missing")
    paradigm = study.get("paradigm")
    designs = study_paradigms()
    if paradigm not in designs:
        raise DefinitionError(
            f"{path}: [study] paradigm: must be one of {', '.join(map(repr, designs))}, "
            f"got {paradigm!r}{_suggest(str(paradigm), designs)}"
        )
    return paradigm, designs[paradigm]


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check(raw: Mapping[str, Any], path: Path, paradigm: str, design: Any,
           spec: dict[str, dict[str, Field]]) -> dict[str, dict[str, Any]]:
    problems: list[str] = []
    for table in raw:
        if table not in spec:
            other = _elsewhere(paradigm, table)
            if other is not None:
                problems.append(f"table [{table}] does not apply to the {paradigm} paradigm")
            else:
                problems.append(f"unknown table [{table}]{_suggest(table, spec)}")
        elif not isinstance(raw[table], dict):
            problems.append(f"[{table}] must be a table")
    out: dict[str, dict[str, Any]] = {}
    for table, fields in spec.items():
        given = raw.get(table, {})
        if not isinstance(given, dict):
            continue
        section: dict[str, Any] = {}
        for name in given:
            if name in fields:
                continue
            if _elsewhere(paradigm, table, name) is not None:
                problems.append(f"[{table}] {name}: does not apply to the {paradigm} paradigm")
            else:
                problems.append(f"[{table}] {name}: unknown field{_suggest(name, fields)}")
        for name, field_spec in fields.items():
            if name in given:
                value, error = _coerce(given[name], field_spec.kind)
                if error is None and field_spec.check is not None:
                    error = field_spec.check(value)
                if error is not None:
                    problems.append(f"[{table}] {name}: {error}")
                    continue
            elif field_spec.default is None:
                problems.append(f"[{table}] {name}: required field is missing")
                continue
            else:
                value = copy.deepcopy(field_spec.default)
            section[name] = value
        out[table] = section
    if not problems:
        problems.extend(_cross_checks(out, paradigm, design))
    if problems:
        raise DefinitionError(f"{path}: " + "; ".join(problems))
    return out


def _coerce(value: Any, kind: str) -> tuple[Any, str | None]:
    """Check a TOML value against a field kind; integers are accepted for floats."""

    def describe(v: Any) -> str:
        return f"{type(v).__name__} {v!r}"

    if kind == "str":
        return (value, None) if isinstance(value, str) else (None, f"expected text, got {describe(value)}")
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, f"expected true or false, got {describe(value)}")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, f"expected an integer, got {describe(value)}"
    if kind == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), None
        return None, f"expected a number, got {describe(value)}"
    if kind.startswith("list["):
        inner = kind[5:-1]
        if not isinstance(value, list):
            return None, f"expected a list, got {describe(value)}"
        out = []
        for i, v in enumerate(value):
            item, error = _coerce(v, inner)
            if error is not None:
                return None, f"item {i}: {error}"
            out.append(item)
        return out, None
    raise AssertionError(kind)  # pragma: no cover


def placeholder_problems(d: Mapping[str, Mapping[str, Any]], table: str, name: str,
                         allowed: set[str]) -> list[str]:
    """Problems with the ``{placeholders}`` of a text field: bad braces or unknown names.

    Parameters
    ----------
    d
        The checked definition tables.
    table, name
        Which field.
    allowed
        The placeholder names the field may use.
    """
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(d[table][name]) if f is not None}
    except ValueError as exc:
        return [f"[{table}] {name}: bad braces ({exc}); write {{{{ and }}}} for braces"]
    unknown = sorted(used - allowed)
    if unknown:
        return [f"[{table}] {name}: unknown placeholder(s) {unknown}; "
                f"allowed: {', '.join('{' + a + '}' for a in sorted(allowed))}"]
    return []


def _cross_checks(d: dict[str, dict[str, Any]], paradigm: str, design: Any) -> list[str]:
    """Checks that involve more than one field: the core's, then the design's own."""
    problems = []
    keys = d["response"].get("keys", [])
    n_options = design.n_options
    if n_options:
        if len(keys) != n_options:
            problems.append(
                f"[response] keys: the {paradigm} paradigm needs {n_options} keys "
                f"(one per screen position, left to right), got {len(keys)}"
            )
        if not keys and not d["response"]["mouse"]:
            problems.append("[response]: no keys and mouse = false leaves no way to answer")
    reserved = {d["response"]["continue_key"], d["response"]["quit_key"]}
    clash = sorted(reserved & set(keys))
    if clash:
        problems.append(f"[response] keys: {clash} is also the continue or quit key")
    if len(set(keys)) != len(keys):
        problems.append(f"[response] keys: a key appears twice in {keys}")
    problems += placeholder_problems(d, "text", "break", {"done", "total"})
    problems += design.check_definition(d)
    return problems
