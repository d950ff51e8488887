"""Trial-table schemas and their validation.

A :class:`Schema` lists the columns of one paradigm's tidy trial table (one row per trial):
name, type, whether it is required, whether missing values are allowed, allowed values and
ranges. :func:`validate` checks a table against a schema and reports *every* problem with the
file, row and column it sits in. It never drops or silently coerces rows: text that spells a
number exactly (``"3"`` for an integer column) is parsed, anything else is an error.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = [
    "MAX_KEPT",
    "MAX_REPORTED",
    "MISSING_TEXT",
    "Column",
    "DType",
    "Problem",
    "ProblemLog",
    "Schema",
    "ValidationError",
    "check_columns_unique",
    "duplicate_rows",
    "validate",
]

DType = Literal["int", "float", "str", "bool", "list"]

#: Cell texts read as missing values.
MISSING_TEXT = frozenset({"", "na", "nan", "n/a", "none", "null"})
_TRUE_TEXT = frozenset({"true", "1", "yes"})
_FALSE_TEXT = frozenset({"false", "0", "no"})
#: Problems written out in a :class:`ValidationError`'s message.
MAX_REPORTED = 50
#: Problems kept in full by a :class:`ValidationError`; beyond this only counts are kept.
MAX_KEPT = 1000


@dataclass(frozen=True)
class Column:
    """One column of a trial table.

    Parameters
    ----------
    name
        Column name.
    dtype
        ``"int"``, ``"float"``, ``"str"``, ``"bool"`` or ``"list"`` (a list of numbers, written
        in a CSV cell as JSON text such as ``[10, -5]``).
    required
        The column must be present.
    nullable
        Missing values (NaN, empty cell) are allowed.
    allowed
        If given, every non-missing value must be one of these.
    minimum, maximum
        Inclusive bounds for numeric columns.
    description
        What the column holds (written to Psych-DS ``variableMeasured``).
    unit
        Unit of measurement, e.g. ``"s"``.
    """

    name: str
    dtype: DType
    required: bool = True
    nullable: bool = False
    allowed: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""
    unit: str | None = None


@dataclass(frozen=True)
class Schema:
    """The tidy trial table of one paradigm.

    Parameters
    ----------
    name
        Paradigm name, e.g. ``"triplets"``.
    columns
        The known columns; columns not listed are kept and not checked.
    key
        Columns that identify a trial; two rows with the same key are duplicates.
    item_columns
        Integer item-index columns, checked against ``n_items`` when it is given.
    response_among
        If given, ``response`` must equal the value of one of these columns in the same row
        (e.g. the odd-one-out must be one of the three items shown).
    checks
        Row-level checks run once every column parsed: functions of the typed table returning
        ``(row_index, column, message)`` triples for the rows that fail.
    description
        One line on what a row is.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("participant_id", "session", "trial")
    item_columns: tuple[str, ...] = ()
    response_among: tuple[str, ...] = ()
    checks: tuple[Callable[[pd.DataFrame], Iterable[tuple[int, str, str]]], ...] = ()
    description: str = ""
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    def __getitem__(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def required(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]

    def variable_measured(self) -> list[dict]:
        """Psych-DS / schema.org ``variableMeasured`` entries for the columns."""
        out = []
        for c in self.columns:
            entry: dict = {"@type": "PropertyValue", "name": c.name, "description": c.description}
            if c.unit:
                entry["unitText"] = c.unit
            if c.allowed is not None:
                entry["valueReference"] = [str(v) for v in c.allowed]
            if c.minimum is not None:
                entry["minValue"] = c.minimum
            if c.maximum is not None:
                entry["maxValue"] = c.maximum
            out.append(entry)
        return out


@dataclass(frozen=True)
class Problem:
    """One validation problem, located by file, row and column.

    ``row`` is the 1-based data row (the header is not counted); ``line`` is the line in a
    CSV file (header on line 1), or ``None`` when the source is not a CSV file.
    """

    source: str
    row: int | None
    column: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return ", ".join(where) + f": {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """``{"file", "row", "line", "column", "message"}`` (what ``--json`` prints)."""
        return {"file": self.source, "row": self.row, "line": self.line, "column": self.column,
                "message": self.message}


class ValidationError(CogalignError, ValueError):
    """A trial table or file does not match its schema.

    ``problems`` lists the problems found, in full up to :data:`MAX_KEPT` of them;
    ``n_problems`` counts them all and ``counts`` counts them by file and column, so a file
    where every row is bad gives a short report, not one line per row.
    """

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        total: int | None = None,
        counts: Mapping[tuple[str, str | None], int] | None = None,
    ):
        self.problems = list(problems)
        self.n_problems = len(self.problems) if total is None else int(total)
        if counts is None:
            counts = Counter((p.source, p.column) for p in self.problems)
        self.counts: dict[tuple[str, str | None], int] = dict(counts)
        shown = [str(p) for p in self.problems[:MAX_REPORTED]]
        more = self.n_problems - len(shown)
        text = f"{self.n_problems} problem(s):\n  " + "\n  ".join(shown)
        if more > 0:
            text += f"\n  ... and {more} more"
        super().__init__(text)

    def report(self) -> dict[str, Any]:
        """The problems as plain data for ``--json``: bounded in size however many there are.

        Returns
        -------
        dict
            ``{"valid": False, "n_problems": int, "problems": [Problem.to_dict(), ...]`` (the
            first :data:`MAX_KEPT`), ``"truncated": bool, "counts": [{"file", "column",
            "problems"}, ...]}``.
        """
        return {
            "valid": False,
            "n_problems": self.n_problems,
            "problems": [p.to_dict() for p in self.problems],
            "truncated": self.n_problems > len(self.problems),
            "counts": [{"file": f, "column": c, "problems": n}
                       for (f, c), n in self.counts.items()],
        }


class ProblemLog:
    """Problems as they are found: the first ``limit`` kept in full, every one counted.

    Parameters
    ----------
    limit
        How many problems to keep in full (:data:`MAX_KEPT` by default).
    """

    def __init__(self, limit: int = MAX_KEPT):
        self.limit = limit
        self.kept: list[Problem] = []
        self.total = 0
        self.counts: Counter[tuple[str, str | None]] = Counter()

    def __len__(self) -> int:
        return self.total

    def add(self, problem: Problem) -> None:
        """Record one problem."""
        self.total += 1
        self.counts[(problem.source, problem.column)] += 1
        if len(self.kept) < self.limit:
            self.kept.append(problem)

    def add_rows(
        self,
        source: str,
        column: str | None,
        rows: np.ndarray,
        message: Callable[[int], str],
        where: Callable[[int], dict],
    ) -> None:
        """Record one problem per row index in ``rows``, building messages only for those kept.

        ``message(i)`` and ``where(i)`` give the text and the ``row``/``line`` of row ``i``.
        """
        n = len(rows)
        if not n:
            return
        self.total += n
        self.counts[(source, column)] += n
        for i in rows[: max(self.limit - len(self.kept), 0)]:
            self.kept.append(Problem(source, column=column, message=message(int(i)), **where(int(i))))

    def extend(self, error: ValidationError) -> None:
        """Record the problems of a :class:`ValidationError` (its counts included)."""
        self.total += error.n_problems
        self.counts.update(error.counts)
        self.kept += error.problems[: max(self.limit - len(self.kept), 0)]

    def raise_if_any(self) -> None:
        """Raise a :class:`ValidationError` holding the problems, if there are any."""
        if self.total:
            raise ValidationError(self.kept, total=self.total, counts=self.counts)


class _Unparseable(ValueError):
    """A cell that does not hold a value of its column's type; ``str(self)`` says why."""


def _is_missing(values: pd.Series) -> np.ndarray:
    miss = values.isna().to_numpy()
    if isinstance(values.dtype, pd.StringDtype):
        lowered = values.str.strip().str.lower()
        return miss | lowered.isin(MISSING_TEXT).to_numpy(dtype=bool, na_value=False)
    if values.dtype.kind not in "iufbmM":
        text = values.map(lambda v: isinstance(v, str) and v.strip().lower() in MISSING_TEXT)
        miss = miss | text.to_numpy(dtype=bool)
    return miss


def _parse(values: pd.Series, dtype: DType) -> tuple[pd.Series, np.ndarray, dict[int, str]]:
    """Parse a column to ``dtype``.

    Returns the parsed column, a mask of unparseable cells, and the reason for those cells
    where there is more to say than "expected <type>".
    """
    missing = _is_missing(values)
    bad = np.zeros(len(values), dtype=bool)
    reasons: dict[int, str] = {}
    if dtype == "str" and (values.dtype.kind not in "O" or isinstance(values.dtype, pd.StringDtype)
                           or values.map(lambda v: isinstance(v, str) or v is None or v is pd.NA
                                         or (isinstance(v, float) and np.isnan(v))).all()):
        out = values.map(lambda v: v if isinstance(v, str) else str(v)).astype(object)
        out[missing] = None
        return out, bad, reasons
    fast = _parse_fast(values, dtype)
    if fast is None:
        fast = _parse_number_text(values, dtype, missing)
    if fast is not None:
        return fast, bad, reasons
    parsed = np.empty(len(values), dtype=object)
    for i, (v, m) in enumerate(zip(values.to_numpy(dtype=object), missing, strict=True)):
        if m:
            parsed[i] = None
            continue
        try:
            parsed[i] = _parse_one(v, dtype)
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            bad[i] = True
            parsed[i] = None
            if isinstance(exc, _Unparseable) and str(exc):
                reasons[i] = str(exc)
    if dtype in ("list", "str"):
        return pd.Series(parsed, index=values.index, dtype=object), bad, reasons
    if dtype == "int":
        out = pd.Series(parsed, index=values.index).astype("Int64")
    elif dtype == "float":
        out = pd.Series(
            [np.nan if p is None else p for p in parsed], index=values.index, dtype="float64"
        )
    else:
        out = pd.Series(parsed, index=values.index).astype("boolean")
    return out, bad, reasons


def _parse_fast(values: pd.Series, dtype: DType) -> pd.Series | None:
    """Vectorised parse for columns that already hold finite numbers of a compatible kind."""
    kind = values.dtype.kind
    if kind in "iuf":
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        if np.isinf(arr).any():
            return None  # the slow path names each infinite cell
    if dtype == "float" and kind in "iuf":
        if kind == "u" and len(values) and values.max() > _INT64_MAX:
            return None
        return values.astype("float64")
    if dtype == "int" and kind in "iu":
        if kind == "u" and len(values) and values.max() > _INT64_MAX:
            return None
        return values.astype("Int64")
    if dtype == "int" and kind == "f":
        arr = values.to_numpy()
        finite = arr[~np.isnan(arr)]
        if np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2.0**63):
            return values.astype("Int64")
    if dtype == "bool" and kind == "b":
        return values.astype("boolean")
    return None


def _parse_number_text(values: pd.Series, dtype: DType, missing: np.ndarray) -> pd.Series | None:
    """Vectorised parse of a text column whose every cell spells a finite number exactly.

    Returns ``None`` as soon as any cell needs a closer look, so that the cell-by-cell parse
    can say what is wrong with it.
    """
    if dtype not in ("int", "float") or not isinstance(values.dtype, pd.StringDtype):
        return None
    present = ~missing
    text = values[present].str.strip()
    pattern = _INT_TEXT if dtype == "int" else _FLOAT_TEXT
    if not text.str.fullmatch(pattern.pattern).all():
        return None
    if dtype == "int":
        text = text.str.replace(r"\.0*$", "", regex=True)
    try:
        numbers = np.asarray(text.to_numpy(dtype=object), dtype=str).astype(
            np.int64 if dtype == "int" else np.float64)
    except (OverflowError, ValueError):
        return None
    if dtype == "float":
        if not np.isfinite(numbers).all():
            return None
        out = np.full(len(values), np.nan)
        out[present] = numbers
        return pd.Series(out, index=values.index, dtype="float64")
    full = pd.array(np.zeros(len(values), dtype=np.int64), dtype="Int64")
    full[present] = numbers
    full[missing] = pd.NA
    return pd.Series(full, index=values.index)


_INT_TEXT = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INFINITE_TEXT = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_INT64_MAX = 2**63 - 1


def _number_text_reason(text: str) -> str:
    if text.lower() in _INFINITE_TEXT:
        return "not a finite number"
    if "_" in text or "," in text or " " in text:
        return "write numbers without separators"
    return ""


def _finite(x: float) -> float:
    if not np.isfinite(x):
        raise _Unparseable("not a finite number")
    return x


def _list_number(x: object) -> float:
    if isinstance(x, bool | np.bool_):
        raise _Unparseable("a list entry is true/false, not a number")
    if isinstance(x, str):
        raise _Unparseable("a list entry is text, not a number")
    if not isinstance(x, int | float | np.integer | np.floating):
        raise _Unparseable("a list entry is not a number")
    try:
        return _finite(float(x))
    except OverflowError:
        raise _Unparseable("a list entry is too large") from None


def _parse_one(v: object, dtype: DType) -> object:
    if dtype == "list":
        if isinstance(v, str):
            try:
                v = json.loads(v)
            except RecursionError:
                raise _Unparseable("nested too deeply") from None
            except ValueError:
                raise _Unparseable("not a JSON list such as [1, 2]") from None
        if not isinstance(v, list | tuple | np.ndarray):
            raise _Unparseable("not a list")
        numbers = [_list_number(x) for x in v]
        if not numbers:
            raise _Unparseable("an empty list")
        return numbers
    if dtype == "str":
        if isinstance(v, str):
            return v
        if isinstance(v, bool | np.bool_ | list | tuple | dict | np.ndarray):
            raise _Unparseable("not text")
        return str(v.item() if isinstance(v, np.generic) else v)
    if dtype == "bool":
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | np.integer) and v in (0, 1):
            return bool(v)
        if isinstance(v, str):
            t = v.strip().lower()
            if t in _TRUE_TEXT:
                return True
            if t in _FALSE_TEXT:
                return False
        raise ValueError(v)
    if isinstance(v, bool | np.bool_):
        raise TypeError(v)
    if dtype == "float":
        if isinstance(v, str):
            t = v.strip()
            if not _FLOAT_TEXT.fullmatch(t):
                raise _Unparseable(_number_text_reason(t))
            return _finite(float(t))
        if isinstance(v, int | np.integer):
            try:
                return _finite(float(v))
            except OverflowError:
                raise _Unparseable("too large") from None
        if isinstance(v, float | np.floating):
            return _finite(float(v))
        raise TypeError(v)
    # int: accept integers and integral floats (pandas stores an int column with NaN as float)
    if isinstance(v, str):
        t = v.strip()
        if not _INT_TEXT.fullmatch(t):
            raise _Unparseable(_number_text_reason(t))
        number = int(t.split(".")[0])
    elif isinstance(v, int | np.integer):
        number = int(v)
    elif isinstance(v, float | np.floating):
        if not np.isfinite(v):
            raise _Unparseable("not a finite number")
        if not float(v).is_integer():
            raise ValueError(v)
        number = int(v)
    else:
        raise TypeError(v)
    if abs(number) > _INT64_MAX:
        raise _Unparseable(f"too large: integers must lie within +-{_INT64_MAX}")
    return number


def _describe(v: object) -> str:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, int) and abs(v) > 10**30:
        return f"an integer of about {int(v.bit_length() * 0.30103) + 1} digits"
    text = repr(v) if not isinstance(v, list | dict | tuple) else _short_repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _short_repr(v: object) -> str:
    """A bounded repr of a container (``repr`` of a deeply nested one would recurse)."""
    try:
        return reprlib.repr(v)
    except RecursionError:
        return f"a deeply nested {type(v).__name__}"


def validate(
    table: pd.DataFrame,
    schema: Schema,
    *,
    source: str = "<table>",
    n_items: int | None = None,
    csv_lines: bool = False,
    file_rows: Sequence[int] | None = None,
    lines: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Check a trial table against a schema and return it with typed columns.

    Parameters
    ----------
    table
        The trial table, one row per trial. Not modified.
    schema
        The paradigm's schema, e.g. ``cogalign.data.schemas.TRIPLETS``.
    source
        Name used in error messages (normally the file path).
    n_items
        Number of items (a positive integer); item-index columns must lie in ``[0, n_items)``.
    csv_lines
        Report CSV line numbers too (header on line 1, first data row on line 2).
    file_rows
        For a table selected from a larger file: the 0-based position in the file of each row,
        so that messages name the row as it is in the file.
    lines
        The line of the file each row starts on (overrides the arithmetic of ``csv_lines``,
        for files with blank lines or cells spanning lines), as
        :func:`~cogalign.data.userfiles.read_table_with_lines` returns them.

    Returns
    -------
    pandas.DataFrame
        A copy with the schema's columns parsed to their types: ``int64`` / ``bool``, or
        pandas' nullable ``Int64`` / ``boolean`` where a column has missing values, ``float64``,
        ``object`` for strings and lists. Row order and count are unchanged.

    Raises
    ------
    ValidationError
        Listing every problem: missing column, wrong type (text that is not a number as
        written, such as ``1_000``; infinite numbers; integers beyond 64 bits; lists holding
        anything but finite numbers), missing value where not allowed, value not allowed or out
        of range, duplicate trial, item index out of range, response not among the options,
        and the schema's row checks. The first :data:`MAX_KEPT` problems are kept in full.
    CogalignError
        When ``n_items`` is not a positive integer.
    """
    if n_items is not None and (isinstance(n_items, bool) or not isinstance(n_items, int | np.integer)
                                or n_items < 1):
        raise CogalignError(f"{source}: the number of items must be a positive integer, "
                            f"got {n_items!r}")
    log = ProblemLog()
    table = table.reset_index(drop=True)
    out = table.copy()

    positions = np.arange(len(table)) if file_rows is None else np.asarray(file_rows)
    if lines is not None:
        line_of: np.ndarray | None = np.asarray(lines)
    else:
        line_of = positions + 2 if csv_lines else None

    def loc(i: int) -> dict:
        return {"row": int(positions[i]) + 1,
                "line": None if line_of is None else int(line_of[i])}

    for col in schema.columns:
        if col.name not in table.columns:
            if col.required:
                log.add(Problem(source, None, col.name, "required column is missing"))
            continue
        raw = table[col.name]
        parsed, bad, reasons = _parse(raw, col.dtype)

        def wrong_type(i: int, col: Column = col, raw: pd.Series = raw,
                       reasons: dict = reasons) -> str:
            why = reasons.get(i)
            return f"expected {col.dtype}, got {_describe(raw.iloc[i])}" + (f" ({why})" if why else "")

        log.add_rows(source, col.name, np.flatnonzero(bad), wrong_type, loc)
        missing = parsed.isna().to_numpy() & ~bad
        if not col.nullable:
            log.add_rows(source, col.name, np.flatnonzero(missing),
                         lambda i: "missing value not allowed", loc)
        ok = ~missing & ~bad
        if col.allowed is not None:
            allowed = set(col.allowed)
            values = parsed.to_numpy(dtype=object)
            inside = np.fromiter((bool(m) and v in allowed for v, m in zip(values, ok, strict=True)),
                                 dtype=bool, count=len(values))
            shown = sorted(map(str, allowed))
            log.add_rows(source, col.name, np.flatnonzero(ok & ~inside),
                         lambda i, v=values, shown=shown: f"{_describe(v[i])} is not one of {shown}",
                         loc)
        if col.dtype in ("int", "float") and (col.minimum is not None or col.maximum is not None):
            vals = parsed.to_numpy(dtype="float64", na_value=np.nan)
            lo = -np.inf if col.minimum is None else col.minimum
            hi = np.inf if col.maximum is None else col.maximum
            log.add_rows(source, col.name, np.flatnonzero(ok & ((vals < lo) | (vals > hi))),
                         lambda i, p=parsed, lo=lo, hi=hi: f"{_describe(p.iloc[i])} is outside "
                         f"[{lo}, {hi}]", loc)
        if col.dtype in ("int", "bool") and not bad.any() and not missing.any():
            parsed = parsed.astype("int64" if col.dtype == "int" else bool)
        out[col.name] = parsed

    if n_items is not None:
        for name in schema.item_columns:
            if name not in out.columns:
                continue
            vals = out[name].to_numpy(dtype="float64", na_value=np.nan)
            log.add_rows(source, name, np.flatnonzero((vals < 0) | (vals >= n_items)),
                         lambda i, v=vals: f"item index {int(v[i])} out of range [0, {n_items})",
                         loc)

    if schema.response_among and "response" in out.columns:
        present = [c for c in schema.response_among if c in out.columns]
        if len(present) == len(schema.response_among):
            resp = out["response"].astype(object).to_numpy()
            options = out[present].astype(object).to_numpy()
            known = np.flatnonzero(~pd.isna(resp) & ~pd.isna(options).any(axis=1))
            among = (options[known] == resp[known, None]).astype(bool).any(axis=1)
            log.add_rows(
                source, "response", known[~among],
                lambda i: f"response {_describe(resp[i])} is not among the options "
                f"({', '.join(str(o) for o in options[i])})",
                loc,
            )

    if not log:
        for check in schema.checks:
            for i, column, message in check(out):
                log.add(Problem(source, column=column, message=message, **loc(int(i))))

    key = [k for k in schema.key if k in out.columns]
    if key and all(k in out.columns for k in schema.required if k in schema.key):
        dup, first = duplicate_rows(out, key)
        log.add_rows(
            source, ",".join(key), dup,
            lambda i: f"duplicate trial {_key_text(out, key, i)}, first seen on row "
            f"{int(positions[first[i]]) + 1}",
            loc,
        )

    log.raise_if_any()
    return out


def duplicate_rows(table: pd.DataFrame, key: Sequence[str]) -> tuple[np.ndarray, dict[int, int]]:
    """Rows that repeat an earlier row's ``key`` values.

    Returns
    -------
    tuple
        ``(rows, first)``: the 0-based positions of the repeats, and for each of them the
        position of the row it repeats.
    """
    dup = table.duplicated(subset=list(key), keep="first").to_numpy()
    rows = np.flatnonzero(dup)
    if not len(rows):
        return rows, {}
    codes = table.groupby(list(key), dropna=False, sort=False).ngroup().to_numpy()
    _, first_of_code = np.unique(codes, return_index=True)
    return rows, {int(i): int(first_of_code[codes[i]]) for i in rows}


def _key_text(table: pd.DataFrame, key: Sequence[str], i: int) -> str:
    values = []
    for k in key:
        v = table[k].iloc[i]
        values.append(f"{k}={'missing' if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v)}")
    return "(" + ", ".join(values) + ")"


def check_columns_unique(columns: Iterable[str], source: str) -> None:
    """Raise if a header names the same column twice (pandas would rename it silently)."""
    seen: set[str] = set()
    dups = [c for c in columns if c in seen or seen.add(c)]
    if dups:
        raise ValidationError(
            [Problem(source, None, c, "column appears more than once in the header") for c in dups]
        )
