"""Study definition files: load, check and hash a study's TOML definition.

A study is one TOML file. Its tables are:

``[study]``
    ``name`` (letters and digits; the ``study-`` key of the data file names), ``paradigm``
    (``"triplets"``, ``"similarity"``, ``"risky"`` or ``"intertemporal"``), ``title``,
    ``description``, ``version``, ``seed`` (the base of every random step),
    ``participant_pattern`` (a regular expression every participant id must match in full) and
    ``output`` (data folder, relative to the definition file).
``[items]`` (triplets, similarity)
    Where the items come from: ``source = "things-concepts"`` (the THINGS concept names, when the
    dataset is available locally) or ``"file"`` (a CSV with a ``name`` column and optionally
    ``category``, ``label`` and ``image``); ``file``, ``fallback``, ``n``, ``names``, ``image``,
    ``check_categories``.
``[trials]``
    ``n`` main trials, ``practice`` trials, ``attention_checks``, ``break_every``, ``repeats``
    (similarity: pairs shown a second time).
``[scale]`` (similarity), ``[gambles]`` (risky), ``[delays]`` (intertemporal)
    The paradigm's stimulus design.
``[response]``, ``[timing]``, ``[text]``, ``[display]``
    Keys and mouse, durations in seconds, the texts participants read, the window.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError

__all__ = [
    "PARADIGMS",
    "DefinitionError",
    "StudyDefinition",
    "canonical_hash",
    "load_definition",
    "parse_override",
]

#: The paradigms a study can run, mapped to the data schema each writes.
PARADIGMS: dict[str, str] = {
    "triplets": "triplets",
    "similarity": "similarity",
    "risky": "risky",
    "intertemporal": "intertemporal",
}

DEFAULT_PARTICIPANT_PATTERN = "[A-Za-z]{1,4}[0-9]{1,6}"


class DefinitionError(CogalignError):
    """A study definition file is missing, unreadable or has a bad field."""


# --------------------------------------------------------------------------- field table


@dataclass(frozen=True)
class _Field:
    """One field of a definition table: its type, default and an optional extra check."""

    kind: str  # "str", "int", "float", "bool", "list[str]", "list[float]", "list[int]"
    default: Any
    check: Callable[[Any], str | None] | None = None
    paradigms: tuple[str, ...] = ()  # empty: every paradigm


def _at_least(lo: float) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        return None if v >= lo else f"must be >= {lo:g}, got {v!r}"

    return check


def _one_of(*choices: str) -> Callable[[Any], str | None]:
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


def _non_empty(v: Any) -> str | None:
    return None if len(v) > 0 else "must not be empty"


def _positive_list(v: Any) -> str | None:
    if not v:
        return "must not be empty"
    bad = [x for x in v if x < 0]
    return f"values must be >= 0, got {bad}" if bad else None


def _window_size(v: Any) -> str | None:
    if len(v) != 2 or min(v) < 100:
        return f"must be [width, height] in pixels, each >= 100, got {v!r}"
    return None


def _probability_step(v: Any) -> str | None:
    if not 0 < v <= 0.5:
        return f"must be in (0, 0.5], got {v!r}"
    if abs(round(1 / v) * v - 1) > 1e-9:
        return f"must divide 1 into whole steps (e.g. 0.05, 0.1, 0.25), got {v!r}"
    return None


_TRIPLET = ("triplets",)
_PAIR = ("similarity",)
_ITEMS = ("triplets", "similarity")
_RISKY = ("risky",)
_ITC = ("intertemporal",)
_CHOICE = ("triplets", "risky", "intertemporal")

SPEC: dict[str, dict[str, _Field]] = {
    "study": {
        "name": _Field("str", None, _alnum),
        "paradigm": _Field("str", None, _one_of(*PARADIGMS)),
        "title": _Field("str", ""),
        "description": _Field("str", ""),
        "version": _Field("str", "1"),
        "seed": _Field("int", 0, _at_least(0)),
        "participant_pattern": _Field("str", DEFAULT_PARTICIPANT_PATTERN, _regex),
        "output": _Field("str", "data", _non_empty),
    },
    "items": {
        "source": _Field("str", "file", _one_of("things-concepts", "file"), _ITEMS),
        "file": _Field("str", "", None, _ITEMS),
        "fallback": _Field("bool", True, None, _ITEMS),
        "n": _Field("int", 0, _at_least(0), _ITEMS),
        "names": _Field("list[str]", [], None, _ITEMS),
        "image": _Field("str", "", None, _ITEMS),
        "check_categories": _Field("list[str]", [], None, _TRIPLET),
    },
    "trials": {
        "n": _Field("int", 20, _at_least(0)),
        "practice": _Field("int", 2, _at_least(0)),
        "attention_checks": _Field("int", 0, _at_least(0)),
        "break_every": _Field("int", 0, _at_least(0)),
        "repeats": _Field("int", 0, _at_least(0), _PAIR),
    },
    "scale": {
        "min": _Field("float", 1.0, None, _PAIR),
        "max": _Field("float", 7.0, None, _PAIR),
        "step": _Field("float", 1.0, _at_least(1e-9), _PAIR),
        "input": _Field("str", "keys", _one_of("keys", "slider"), _PAIR),
        "labels": _Field("list[str]", ["very dissimilar", "very similar"], None, _PAIR),
        "prompt": _Field("str", "How similar are these two?", None, _PAIR),
        "check_text": _Field(
            "str", "Attention check: please answer {value} on this trial.", None, _PAIR
        ),
    },
    "gambles": {
        "source": _Field("str", "generate", _one_of("generate", "file"), _RISKY),
        "file": _Field("str", "", None, _RISKY),
        "max_outcomes": _Field("int", 3, _at_least(1), _RISKY),
        "min_value": _Field("int", -50, None, _RISKY),
        "max_value": _Field("int", 100, None, _RISKY),
        "probability_step": _Field("float", 0.05, _probability_step, _RISKY),
        "feedback": _Field("bool", False, None, _RISKY),
        "currency": _Field("str", "$", None, _RISKY),
        "prompt": _Field("str", "Which gamble do you choose?", None, _RISKY),
    },
    "delays": {
        "sooner_amounts": _Field("list[float]", [5.0, 10.0, 20.0, 50.0], _positive_list, _ITC),
        "increases": _Field(
            "list[float]", [0.01, 0.05, 0.1, 0.25, 0.5], _positive_list, _ITC
        ),
        "sooner_delays": _Field("list[float]", [0.0, 2.0, 4.0], _positive_list, _ITC),
        "extra_delays": _Field("list[float]", [1.0, 2.0, 4.0, 8.0], _positive_list, _ITC),
        "unit": _Field("str", "weeks", _one_of("days", "weeks", "months"), _ITC),
        "currency": _Field("str", "$", None, _ITC),
        "prompt": _Field("str", "Which would you prefer?", None, _ITC),
    },
    "response": {
        "keys": _Field("list[str]", [], None, _CHOICE + _PAIR),
        "mouse": _Field("bool", True),
        "continue_key": _Field("str", "space", _non_empty),
        "quit_key": _Field("str", "escape", _non_empty),
    },
    "timing": {
        "fixation": _Field("float", 0.5, _at_least(0)),
        "iti": _Field("float", 0.3, _at_least(0)),
        "confirm": _Field("float", 0.2, _at_least(0)),
        "feedback": _Field("float", 1.0, _at_least(0)),
    },
    "text": {
        "instructions": _Field("str", "", None),
        "practice_start": _Field(
            "str", "First, a few practice trials.\n\nPress SPACE to start the practice.", None
        ),
        "practice_end": _Field(
            "str", "That was the practice.\n\nPress SPACE to start the main part.", None
        ),
        "break": _Field(
            "str",
            "Time for a short break ({done} of {total} done).\n\nPress SPACE when you are ready.",
            None,
        ),
        "resume": _Field(
            "str", "Welcome back. The study continues where it stopped.\n\nPress SPACE.", None
        ),
        "end": _Field("str", "Thank you, you are done!\n\nPlease tell the experimenter.", None),
    },
    "display": {
        "size": _Field("list[int]", [1280, 800], _window_size),
        "background": _Field("str", "#7f7f7f", _non_empty),
        "text_color": _Field("str", "white", _non_empty),
        "highlight_color": _Field("str", "#ffd21f", _non_empty),
        "text_height": _Field("float", 0.04, _at_least(0.005)),
        "font": _Field("str", "", None),
        "screen": _Field("int", 0, _at_least(0)),
        "check_timing": _Field("bool", True),
    },
}

#: Paradigm-specific defaults that differ from the generic ones.
PARADIGM_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "triplets": {
        "items": {"source": "things-concepts"},
        "response": {"keys": ["left", "down", "right"]},
    },
    "similarity": {"response": {"keys": []}},
    "risky": {"response": {"keys": ["left", "right"]}},
    "intertemporal": {"response": {"keys": ["left", "right"]}},
}

_PARADIGM_TABLES = {"items": _ITEMS, "scale": _PAIR, "gambles": _RISKY, "delays": _ITC}


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
        """The paradigm: ``"triplets"``, ``"similarity"``, ``"risky"`` or ``"intertemporal"``."""
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
    problems: list[str] = []
    for text in overrides:
        table, name, value = parse_override(text)
        if table not in SPEC:
            problems.append(f"--set {text}: unknown table [{table}]{_suggest(table, SPEC)}")
            continue
        if name not in SPEC[table]:
            problems.append(
                f"--set {text}: unknown field '{name}' in [{table}]{_suggest(name, SPEC[table])}"
            )
            continue
        section = raw.setdefault(table, {})
        if not isinstance(section, dict):
            problems.append(f"--set {text}: [{table}] is not a table in the file")
            continue
        section[name] = value
    if problems:
        raise DefinitionError(f"{path}: " + "; ".join(problems))
    data = _check(raw, path)
    return StudyDefinition(path=path.resolve(), data=data, overrides=overrides)


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check(raw: Mapping[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    problems: list[str] = []
    study = raw.get("study")
    if not isinstance(study, dict):
        raise DefinitionError(f"{path}: the [study] table is missing")
    paradigm = study.get("paradigm")
    if paradigm not in PARADIGMS:
        raise DefinitionError(
            f"{path}: [study] paradigm: must be one of {', '.join(map(repr, PARADIGMS))}, "
            f"got {paradigm!r}"
        )
    for table in raw:
        if table not in SPEC:
            problems.append(f"unknown table [{table}]{_suggest(table, SPEC)}")
        elif table in _PARADIGM_TABLES and paradigm not in _PARADIGM_TABLES[table]:
            problems.append(f"table [{table}] does not apply to the {paradigm} paradigm")
        elif not isinstance(raw[table], dict):
            problems.append(f"[{table}] must be a table")
    out: dict[str, dict[str, Any]] = {}
    defaults = PARADIGM_DEFAULTS.get(paradigm, {})
    for table, fields in SPEC.items():
        given = raw.get(table, {})
        if not isinstance(given, dict):
            continue
        section: dict[str, Any] = {}
        for name in given:
            if name not in fields:
                problems.append(
                    f"[{table}] {name}: unknown field{_suggest(name, fields)}"
                )
        for name, spec in fields.items():
            if spec.paradigms and paradigm not in spec.paradigms:
                table_applies = table not in _PARADIGM_TABLES or paradigm in _PARADIGM_TABLES[table]
                if name in given and table_applies:
                    problems.append(f"[{table}] {name}: does not apply to the {paradigm} paradigm")
                continue
            if name in given:
                value, error = _coerce(given[name], spec.kind)
                if error is None and spec.check is not None:
                    error = spec.check(value)
                if error is not None:
                    problems.append(f"[{table}] {name}: {error}")
                    continue
            elif spec.default is None:
                problems.append(f"[{table}] {name}: required field is missing")
                continue
            else:
                value = copy.deepcopy(defaults.get(table, {}).get(name, spec.default))
            section[name] = value
        if section or table in ("study",):
            out[table] = section
    if not problems:
        problems.extend(_cross_checks(out, paradigm))
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


def _cross_checks(d: dict[str, dict[str, Any]], paradigm: str) -> list[str]:
    """Checks that involve more than one field."""
    problems = []
    keys = d["response"].get("keys", [])
    n_options = {"triplets": 3, "risky": 2, "intertemporal": 2}.get(paradigm)
    if n_options is not None:
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
    if paradigm == "similarity":
        s = d["scale"]
        if s["max"] <= s["min"]:
            problems.append(f"[scale] max: {s['max']:g} is not above min {s['min']:g}")
        else:
            steps = (s["max"] - s["min"]) / s["step"]
            if abs(steps - round(steps)) > 1e-9:
                problems.append(
                    f"[scale] step: {s['step']:g} does not divide the range "
                    f"[{s['min']:g}, {s['max']:g}] into whole steps"
                )
            elif s["input"] == "keys":
                n = int(round(steps)) + 1
                if keys and len(keys) != n:
                    problems.append(
                        f"[response] keys: a {n}-point scale needs {n} keys, got {len(keys)}"
                    )
                if not keys and n > 9:
                    problems.append(
                        f"[scale] input: a {n}-point scale cannot use the number keys; "
                        "use input = \"slider\" or list the keys in [response] keys"
                    )
        if len(s["labels"]) != 2:
            problems.append(
                f"[scale] labels: expected two labels (low end, high end), got {len(s['labels'])}"
            )
    if paradigm == "risky":
        g = d["gambles"]
        if g["max_value"] <= g["min_value"]:
            problems.append(
                f"[gambles] max_value: {g['max_value']} is not above min_value {g['min_value']}"
            )
        elif g["max_value"] - g["min_value"] + 1 < 2 * g["max_outcomes"]:
            problems.append("[gambles]: the value range is too small for max_outcomes")
        if g["max_outcomes"] > round(1 / g["probability_step"]):
            problems.append(
                f"[gambles] max_outcomes: {g['max_outcomes']} outcomes cannot each get a "
                f"probability of at least {g['probability_step']:g}"
            )
        if g["source"] == "file" and not g["file"]:
            problems.append("[gambles] file: source = \"file\" needs a file")
    placeholders = [("text", "break", {"done", "total"})]
    if paradigm == "similarity":
        placeholders.append(("scale", "check_text", {"value"}))
    if paradigm in ("triplets", "similarity"):
        placeholders.append(("items", "image", {"name", "index"}))
    for table, name, allowed in placeholders:
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(d[table][name]) if f is not None}
        except ValueError as exc:
            problems.append(f"[{table}] {name}: bad braces ({exc}); write {{{{ and }}}} for braces")
            continue
        unknown = sorted(used - allowed)
        if unknown:
            problems.append(
                f"[{table}] {name}: unknown placeholder(s) {unknown}; "
                f"allowed: {', '.join('{' + a + '}' for a in sorted(allowed))}"
            )
    if paradigm in ("triplets", "similarity"):
        it = d["items"]
        if (it["source"] == "file" or it["fallback"]) and not it["file"]:
            problems.append(
                "[items] file: needed when source = \"file\" or fallback = true"
            )
    return problems
