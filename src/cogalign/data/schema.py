"""Trial-table schemas and their validation.

A :class:`Schema` lists the columns of one paradigm's tidy trial table (one row per trial):
name, type, whether it is required, whether missing values are allowed, allowed values and
ranges. :func:`validate` checks a table against a schema and reports *every* problem with the
file, row and column it sits in. It never drops or silently coerces rows: text that spells a
number exactly (``"3"`` for an integer column) is parsed, anything else is an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

DType = Literal["int", "float", "str", "bool", "list"]

#: Cell texts read as missing values.
MISSING_TEXT = frozenset({"", "na", "nan", "n/a", "none", "null"})
_TRUE_TEXT = frozenset({"true", "1", "yes"})
_FALSE_TEXT = frozenset({"false", "0", "no"})
MAX_REPORTED = 50


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
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return ", ".join(where) + f": {self.message}"


class ValidationError(CogalignError):
    """A trial table does not match its schema. ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:MAX_REPORTED]]
        more = len(self.problems) - len(shown)
        text = f"{len(self.problems)} problem(s):\n  " + "\n  ".join(shown)
        if more > 0:
            text += f"\n  ... and {more} more"
        super().__init__(text)


def _is_missing(values: pd.Series) -> np.ndarray:
    miss = values.isna().to_numpy()
    if values.dtype.kind not in "iufbmM":
        text = values.map(lambda v: isinstance(v, str) and v.strip().lower() in MISSING_TEXT)
        miss = miss | text.to_numpy(dtype=bool)
    return miss


def _parse(values: pd.Series, dtype: DType) -> tuple[pd.Series, np.ndarray]:
    """Parse a column to ``dtype``; return the parsed column and a mask of unparseable cells."""
    missing = _is_missing(values)
    bad = np.zeros(len(values), dtype=bool)
    if dtype == "str":
        out = values.map(lambda v: v if isinstance(v, str) else str(v)).astype(object)
        out[missing] = None
        return out, bad
    fast = _parse_fast(values, dtype)
    if fast is not None:
        return fast, bad
    parsed = np.empty(len(values), dtype=object)
    for i, (v, m) in enumerate(zip(values.to_numpy(dtype=object), missing, strict=True)):
        if m:
            parsed[i] = None
            continue
        try:
            parsed[i] = _parse_one(v, dtype)
        except (TypeError, ValueError):
            bad[i] = True
            parsed[i] = None
    if dtype == "list":
        return pd.Series(parsed, index=values.index, dtype=object), bad
    if dtype == "int":
        out = pd.Series(parsed, index=values.index).astype("Int64")
    elif dtype == "float":
        out = pd.Series(
            [np.nan if p is None else p for p in parsed], index=values.index, dtype="float64"
        )
    else:
        out = pd.Series(parsed, index=values.index).astype("boolean")
    return out, bad


def _parse_fast(values: pd.Series, dtype: DType) -> pd.Series | None:
    """Vectorised parse for columns that already hold numbers of a compatible kind."""
    kind = values.dtype.kind
    if dtype == "float" and kind in "iuf":
        return values.astype("float64")
    if dtype == "int" and kind in "iu":
        return values.astype("Int64")
    if dtype == "int" and kind == "f":
        arr = values.to_numpy()
        finite = arr[~np.isnan(arr)]
        if np.all(finite == np.round(finite)):
            return values.astype("Int64")
    if dtype == "bool" and kind == "b":
        return values.astype("boolean")
    return None


def _parse_one(v: object, dtype: DType) -> object:
    if dtype == "list":
        if isinstance(v, str):
            v = json.loads(v)
        if not isinstance(v, list | tuple | np.ndarray):
            raise TypeError(v)
        numbers = [float(x) for x in v]
        if not numbers or not all(np.isfinite(numbers)):
            raise ValueError(v)
        return numbers
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
        return float(v.strip()) if isinstance(v, str) else float(v)
    # int: accept integers and integral floats (pandas stores an int column with NaN as float)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        if float(v).is_integer():
            return int(v)
        raise ValueError(v)
    if isinstance(v, str):
        t = v.strip()
        try:
            return int(t)
        except ValueError:
            f = float(t)
            if f.is_integer() and "." in t and t.split(".")[1].strip("0") == "":
                return int(f)
            raise
    raise TypeError(v)


def _describe(v: object) -> str:
    if isinstance(v, np.generic):
        v = v.item()
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def validate(
    table: pd.DataFrame,
    schema: Schema,
    *,
    source: str = "<table>",
    n_items: int | None = None,
    csv_lines: bool = False,
    file_rows: Sequence[int] | None = None,
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
        Number of items; item-index columns must lie in ``[0, n_items)``.
    csv_lines
        Report CSV line numbers too (header on line 1, first data row on line 2).
    file_rows
        For a table selected from a larger file: the 0-based position in the file of each row,
        so that messages name the row as it is in the file.

    Returns
    -------
    pandas.DataFrame
        A copy with the schema's columns parsed to their types: ``int64`` / ``bool``, or
        pandas' nullable ``Int64`` / ``boolean`` where a column has missing values, ``float64``,
        ``object`` for strings and lists. Row order and count are unchanged.

    Raises
    ------
    ValidationError
        Listing every problem: missing column, wrong type, missing value where not allowed,
        value not allowed or out of range, duplicate trial, item index out of range, response
        not among the options.
    """
    problems: list[Problem] = []
    table = table.reset_index(drop=True)
    out = table.copy()

    positions = np.arange(len(table)) if file_rows is None else np.asarray(file_rows)

    def loc(i: int) -> dict:
        pos = int(positions[i])
        return {"row": pos + 1, "line": pos + 2 if csv_lines else None}

    for col in schema.columns:
        if col.name not in table.columns:
            if col.required:
                problems.append(Problem(source, None, col.name, "required column is missing"))
            continue
        parsed, bad = _parse(table[col.name], col.dtype)
        for i in np.flatnonzero(bad):
            problems.append(
                Problem(
                    source,
                    column=col.name,
                    message=f"expected {col.dtype}, got {_describe(table[col.name].iloc[i])}",
                    **loc(i),
                )
            )
        missing = parsed.isna().to_numpy() & ~bad
        if not col.nullable:
            for i in np.flatnonzero(missing):
                problems.append(
                    Problem(source, column=col.name, message="missing value not allowed", **loc(i))
                )
        ok = ~missing & ~bad
        if col.allowed is not None:
            allowed = set(col.allowed)
            for i in np.flatnonzero(ok):
                if parsed.iloc[i] not in allowed:
                    problems.append(
                        Problem(
                            source,
                            column=col.name,
                            message=f"{_describe(parsed.iloc[i])} is not one of {sorted(map(str, allowed))}",
                            **loc(i),
                        )
                    )
        if col.dtype in ("int", "float") and (col.minimum is not None or col.maximum is not None):
            vals = parsed.to_numpy(dtype="float64", na_value=np.nan)
            lo = -np.inf if col.minimum is None else col.minimum
            hi = np.inf if col.maximum is None else col.maximum
            for i in np.flatnonzero(ok & ((vals < lo) | (vals > hi))):
                problems.append(
                    Problem(
                        source,
                        column=col.name,
                        message=f"{_describe(parsed.iloc[i])} is outside [{lo}, {hi}]",
                        **loc(i),
                    )
                )
        if col.dtype in ("int", "bool") and not bad.any() and not missing.any():
            parsed = parsed.astype("int64" if col.dtype == "int" else bool)
        out[col.name] = parsed

    if n_items is not None:
        for name in schema.item_columns:
            if name not in out.columns:
                continue
            vals = out[name].to_numpy(dtype="float64", na_value=np.nan)
            for i in np.flatnonzero((vals < 0) | (vals >= n_items)):
                problems.append(
                    Problem(
                        source,
                        column=name,
                        message=f"item index {int(vals[i])} out of range [0, {n_items})",
                        **loc(i),
                    )
                )

    if schema.response_among and "response" in out.columns:
        present = [c for c in schema.response_among if c in out.columns]
        if len(present) == len(schema.response_among):
            resp = out["response"].astype(object).to_numpy()
            options = out[present].astype(object).to_numpy()
            known = ~pd.isna(resp) & ~pd.isna(options).any(axis=1)
            for i in np.flatnonzero(known):
                if not any(o == resp[i] for o in options[i]):
                    shown = ", ".join(str(o) for o in options[i])
                    problems.append(
                        Problem(
                            source,
                            column="response",
                            message=f"response {_describe(resp[i])} is not among the options ({shown})",
                            **loc(i),
                        )
                    )

    if not problems:
        for check in schema.checks:
            for i, column, message in check(out):
                problems.append(Problem(source, column=column, message=message, **loc(int(i))))

    key = [k for k in schema.key if k in out.columns]
    if key and all(k in out.columns for k in schema.required if k in schema.key):
        dup = out.duplicated(subset=key, keep="first").to_numpy()
        first_seen: dict = {}
        keys = list(out[key].itertuples(index=False, name=None))
        for i, k in enumerate(keys):
            if dup[i]:
                problems.append(
                    Problem(
                        source,
                        column=",".join(key),
                        message=f"duplicate trial {dict(zip(key, k, strict=True))}, "
                        f"first seen on row {int(positions[first_seen[k]]) + 1}",
                        **loc(i),
                    )
                )
            else:
                first_seen.setdefault(k, i)

    if problems:
        raise ValidationError(problems)
    return out


def check_columns_unique(columns: Iterable[str], source: str) -> None:
    """Raise if a header names the same column twice (pandas would rename it silently)."""
    seen: set[str] = set()
    dups = [c for c in columns if c in seen or seen.add(c)]
    if dups:
        raise ValidationError(
            [Problem(source, None, c, "column appears more than once in the header") for c in dups]
        )
