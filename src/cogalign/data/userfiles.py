"""The one reader of the files users give cogalign: trial tables, stimulus lists, item lists.

Every command that reads a user's file goes through :func:`read_table_file` (CSV, TSV, JSON,
JSON lines) or :func:`read_items_file` (a list of items), so every file gets the same checks
and every error names the file, and the row, line and column where that applies:

- a row with more or fewer cells than the header is refused (a trailing delimiter would shift
  every cell of the row one column to the right; a short last row is a torn write);
- a ``;``- or tab-separated file that arrives as ``.csv`` is refused with a hint;
- text that is not UTF-8, NUL bytes, an unclosed quote, a repeated or empty column name, a
  repeated key in a JSON object and JSON nested too deeply are refused;
- cells are kept as the text written, so validation sees exactly what is in the file.

>>> from cogalign.data.userfiles import read_table_file, read_table_with_lines
>>> trials = read_table_file("mine.csv")                 # doctest: +SKIP
>>> trials, lines = read_table_with_lines("mine.csv")    # doctest: +SKIP
>>> lines[:3]                                            # doctest: +SKIP
array([2, 3, 4])
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.schema import Problem, ProblemLog, ValidationError, check_columns_unique

__all__ = [
    "DELIMITERS",
    "ITEM_COLUMNS",
    "read_header",
    "read_items_file",
    "read_table_file",
    "read_table_with_lines",
]

#: The delimiter of a delimited-text file, by file-name ending (other endings: comma).
DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
#: Column names tried, in order, for the items of a CSV/TSV items file.
ITEM_COLUMNS = ("item", "name", "word", "concept")


def _fail(path: Path, message: str, *, row: int | None = None, line: int | None = None,
          column: str | None = None) -> ValidationError:
    return ValidationError([Problem(str(path), row, column, message, line)])


def _read_text(path: Path) -> str:
    """The file's text (UTF-8, an initial byte-order mark dropped), or a clear refusal."""
    _check_regular_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(
            path,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start}); save the "
            "file as UTF-8 (spreadsheet programs offer 'CSV UTF-8')",
            line=line,
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _fail(path, "holds a NUL byte: not a text file", line=line)
    return text


def read_table_file(
    path: str | Path, *, delimiter: str | None = None, allow_empty: bool = False,
    trailing_delimiter: str = "refuse", columns: list[str] | None = None,
) -> pd.DataFrame:
    """Read a user's table: CSV, TSV, a JSON list of row objects, or JSON lines.

    Parameters
    ----------
    path, delimiter, allow_empty, trailing_delimiter, columns
        As in :func:`read_table_with_lines`.

    Returns
    -------
    pandas.DataFrame
        Delimited text as text cells, JSON values as parsed.

    Raises
    ------
    ValidationError
        As :func:`read_table_with_lines`.
    """
    return read_table_with_lines(path, delimiter=delimiter, allow_empty=allow_empty,
                                 trailing_delimiter=trailing_delimiter, columns=columns)[0]


def read_table_with_lines(
    path: str | Path, *, delimiter: str | None = None, allow_empty: bool = False,
    trailing_delimiter: str = "refuse", columns: list[str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Read a user's table and the line of the file each row starts on.

    Parameters
    ----------
    path
        The file. ``.csv`` is comma-separated, ``.tsv``/``.tab`` tab-separated (other endings:
        comma unless ``delimiter`` says otherwise); ``.json`` holds a list of objects, one per
        row; ``.jsonl``/``.ndjson`` one object per line.
    delimiter
        The delimiter of a delimited-text file, when its name does not tell.
    allow_empty
        Accept a file with a header but no rows (returning an empty table); by default such a
        file is refused as empty.
    trailing_delimiter
        Delimited text: ``"refuse"`` (the default) treats a delimiter at the end of a line as
        one more, empty cell, so such a row is refused as having too many cells;
        ``"drop"`` removes one delimiter at the very end of each line before reading, for
        files whose writer ended (some) lines with one (a published dataset, read as it
        was published).
    columns
        Delimited text without a header line: the column names (every line is a row, and
        lines are numbered from 1).

    Returns
    -------
    table : pandas.DataFrame
        Delimited text: every cell as the text written (``str``), columns as in the header.
        JSON: the values as parsed (numbers, text, lists). ``attrs["source"]`` is the path.
    lines : numpy.ndarray or None
        The line each row starts on (header on line 1), to pass to
        :func:`~cogalign.data.validate` (``None`` for a ``.json`` list).

    Raises
    ------
    ValidationError
        Naming the file (and row, line, column where that applies): missing file, empty
        file, not UTF-8, NUL bytes, a ``;``/tab file named ``.csv``, a repeated or empty
        column name, rows with more or fewer cells than the header, an unclosed quote, a
        cell over the CSV size limit, invalid or too deeply nested JSON, a JSON row that is
        not an object or repeats a key.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if trailing_delimiter not in ("refuse", "drop"):
        raise ValueError(f"trailing_delimiter must be 'refuse' or 'drop', got "
                         f"{trailing_delimiter!r}")
    if suffix in _JSON_SUFFIXES and delimiter is None:
        table, lines = _read_json_rows(path, lines=suffix != ".json")
    else:
        table, lines = _read_delimited(path, delimiter or DELIMITERS.get(suffix, ","),
                                       drop_trailing=trailing_delimiter == "drop",
                                       columns=columns)
    if len(table) == 0 and not allow_empty:
        what = "a header but no data rows" if len(table.columns) else "no rows"
        raise _fail(path, f"the file is empty: it has {what}")
    table.attrs["source"] = str(path)
    return table, lines


def _read_delimited(path: Path, sep: str, *, drop_trailing: bool = False,
                    columns: list[str] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    text = _read_text(path)
    if not text.strip():
        raise _fail(path, "the file is empty")
    if drop_trailing:
        text = re.sub(re.escape(sep) + r"(?=\r\n|\n|\r|\Z)", "", text)
    header, starts, ragged, end, ends = _scan(path, text, sep, columns)
    torn = not text.endswith(("\n", "\r"))
    log = ProblemLog()
    for k, (row, line, cells) in enumerate(ragged):
        last = k == len(ragged) - 1 and line == end
        log.add(Problem(str(path), row, None,
                        _ragged_text(cells, len(header), sep, last and torn), line))
    log.raise_if_any()
    table = _frame(path, text, sep, header, len(starts), ends, named=columns is None)
    return table, np.asarray(starts, dtype=np.int64)


def _records(path: Path, text: str, sep: str):
    """``(first line, last line, cells)`` of every non-blank record of delimited text."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    end = 0  # the line the previous record ended on
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if record:
                yield start, end, record
    except csv.Error as exc:  # named by the line the record starts on
        raise _fail(path, _csv_error_text(exc), line=end + 1) from None


def _scan(path: Path, text: str, sep: str, columns: list[str] | None = None):
    """Check the header and find ragged rows.

    Keeps where each row starts, and the first and last rows (to check the fast parse
    against). ``columns``: the names of a file without a header line.
    """
    header: list[str] | None = None if columns is None else list(columns)
    if header is not None:
        check_columns_unique(header, str(path))
    starts: list[int] = []
    ragged: list[tuple[int, int, int]] = []  # (row, line, cells)
    ends: list[list[str]] = []
    end = 0
    for start, stop, record in _records(path, text, sep):
        end = stop
        if header is None:
            header = record
            _check_header(path, header, sep, start)
        elif len(record) != len(header):
            ragged.append((len(starts) + len(ragged) + 1, start, len(record)))
        else:
            starts.append(start)
            ends = [ends[0] if ends else record, record]
    assert header is not None  # the text is not blank, so there is a first record
    return header, starts, ragged, end, ends


def _frame(path: Path, text: str, sep: str, header: list[str], n_rows: int,
           ends: list[list[str]], *, named: bool = True) -> pd.DataFrame:
    """The table of text cells: by pandas' C parser, checked against the scan, else by ours.

    ``named=False``: the file has no header line (``header`` holds the given names).
    """
    if n_rows:
        try:
            table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, na_filter=False,
                                engine="c", header=0 if named else None,
                                names=None if named else header)
        except (ValueError, pd.errors.ParserError):
            table = None
        if (table is not None and list(table.columns) == header and len(table) == n_rows
                and [table.iloc[0].tolist(), table.iloc[-1].tolist()] == ends):
            return table
    rows = [cells for _, _, cells in _records(path, text, sep)][1 if named else 0:]
    return pd.DataFrame(rows, columns=header, dtype=str)


def read_header(path: str | Path, *, delimiter: str | None = None) -> list[str]:
    """The column names of a delimited-text file, read without reading the rest of it.

    For telling file formats apart before reading a whole file. The header gets the checks of
    :func:`read_table_file` (encoding, delimiter hint, repeated or empty names).

    Parameters
    ----------
    path
        The file; a ``.json``/``.jsonl``/``.ndjson`` file has no header (``[]``).
    delimiter
        As in :func:`read_table_file`.

    Returns
    -------
    list of str
        The names in the header.

    Raises
    ------
    ValidationError
        Naming the file: missing, not UTF-8, empty, or a header :func:`read_table_file`
        refuses.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _JSON_SUFFIXES and delimiter is None:
        return []
    sep = delimiter or DELIMITERS.get(suffix, ",")
    _check_regular_file(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=sep, strict=True)
            for record in reader:
                if record:
                    _check_header(path, record, sep, reader.line_num)
                    return record
    except UnicodeDecodeError as exc:
        raise _fail(path, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); save the file "
                          "as UTF-8") from None
    except csv.Error as exc:
        raise _fail(path, _csv_error_text(exc), line=1) from None
    raise _fail(path, "the file is empty")


def _check_regular_file(path: Path) -> None:
    if not path.exists():
        raise _fail(path, "no such file")
    if path.is_dir():
        raise _fail(path, "is a folder, not a file")
    if not path.is_file():
        raise _fail(path, "is not a regular file (a device, pipe or socket)")


def _check_header(path: Path, header: list[str], sep: str, line: int) -> None:
    if len(header) == 1:
        others = [d for d in (",", ";", "\t", "|") if d != sep and d in header[0]]
        if others:
            found, expected = _NAMES[others[0]], _NAMES[sep]
            fix = ("name it .tsv" if others[0] == "\t" and sep == ","
                   else f"save it {expected}-separated")
            raise _fail(
                path,
                f"the header has a single column {header[0][:60]!r}: the file looks "
                f"{found}-separated, but {path.suffix or 'this file'} is read as "
                f"{expected}-separated; {fix}",
                line=line,
            )
    check_columns_unique(header, str(path))
    empty = [i + 1 for i, name in enumerate(header) if not name.strip()]
    if empty:
        trailing = " (a delimiter at the end of the header?)" if empty[-1] == len(header) else ""
        raise _fail(path, f"column {empty[0]} of the header has no name{trailing}", line=line)


def _ragged_text(cells: int, expected: int, sep: str, torn: bool) -> str:
    text = f"{cells} cells, but the header has {expected} columns"
    if torn and cells < expected:
        return text + ("; the last row is incomplete (the program writing the file may have "
                       "stopped in the middle of it)")
    if cells > expected:
        return text + f" (a {_NAMES.get(sep, repr(sep))} too many, or a value holding one " \
                      "without quotes?)"
    return text


def _csv_error_text(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {csv.field_size_limit()} characters"
    if "unexpected end of data" in text:
        return "a quoted cell in the row starting on this line is never closed (a missing '\"')"
    return f"not valid delimited text ({text})"


class _RepeatedKey(ValueError):
    pass


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_no_repeated_keys)


def _json_error(path: Path, exc: BaseException, line: int | None = None) -> ValidationError:
    if isinstance(exc, RecursionError):
        return _fail(path, "JSON nested too deeply", line=line)
    if isinstance(exc, _RepeatedKey):
        return _fail(path, f"an object repeats the key {str(exc)!r}", line=line)
    if isinstance(exc, json.JSONDecodeError):
        return _fail(path, f"not valid JSON ({exc.msg}, column {exc.colno})",
                     line=exc.lineno if line is None else line)
    return _fail(path, f"not valid JSON ({exc})", line=line)


def _read_json_rows(path: Path, *, lines: bool) -> tuple[pd.DataFrame, np.ndarray | None]:
    text = _read_text(path)
    log = ProblemLog()
    starts: list[int] | None
    if lines:
        rows, starts = [], []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(_loads(line))
            except (ValueError, RecursionError) as exc:
                raise _json_error(path, exc, number) from None
            starts.append(number)
    else:
        if not text.strip():
            raise _fail(path, "the file is empty")
        try:
            rows = _loads(text)
        except (ValueError, RecursionError) as exc:
            raise _json_error(path, exc) from None
        starts = None
        if not isinstance(rows, list):
            raise _fail(path, f"expected a JSON list of objects, one per row; got a "
                              f"{type(rows).__name__}")
    for i, row in enumerate(rows):
        line = None if starts is None else starts[i]
        if not isinstance(row, dict):
            log.add(Problem(str(path), i + 1, None,
                            f"expected an object (one row), got {_json_type(row)}", line))
            continue
        for key, value in row.items():
            if _has_lone_surrogate(value):
                log.add(Problem(str(path), i + 1, key, "text holds a lone surrogate escape "
                                "(such as \\ud800), which is not a character", line))
    log.raise_if_any()
    table = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    return table, None if starts is None else np.asarray(starts, dtype=np.int64)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a JSON value holds text with a lone surrogate (from a JSON escape)."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(v) for v in value.values())
    return False


def _json_type(value: Any) -> str:
    return {list: "a list", str: "text", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def read_items_file(path: str | Path, column: str | None = None) -> list[str]:
    """Read a list of items: one per line (``.txt``), a column of a CSV/TSV, or a JSON list.

    Parameters
    ----------
    path
        ``.csv``/``.tsv``/``.tab``: a table read by :func:`read_table_file`; ``.json``: a list
        of strings; anything else: text, one item per non-blank line.
    column
        Column of a CSV/TSV file; by default the first of ``item``, ``name``, ``word``,
        ``concept`` present, else the file's only column (a file with several columns and
        none of these names must say which).

    Returns
    -------
    list of str
        The items in file order.

    Raises
    ------
    ValidationError
        Naming the file (and row and column): anything :func:`read_table_file` refuses, a
        missing column, an empty item, a JSON entry that is not text, no items at all.
    """
    path = Path(path)
    if not path.exists():
        raise ValidationError([Problem(str(path), None, None, "items file not found")])
    suffix = path.suffix.lower()
    if suffix in DELIMITERS:
        table, lines = read_table_with_lines(path)
        if column is None:
            column = next((c for c in ITEM_COLUMNS if c in table.columns), None)
            if column is None:
                if len(table.columns) > 1:
                    raise _fail(path, f"which column holds the items? None is named "
                                      f"{' or '.join(ITEM_COLUMNS)}; the columns are "
                                      f"{list(table.columns)} (pass the column's name)")
                column = table.columns[0]
        if column not in table.columns:
            raise _fail(path, f"no column {column!r}; the columns are {list(table.columns)}",
                        column=column)
        items = table[column].tolist()
        empty = [i for i, item in enumerate(items) if not item.strip()]
        if empty:
            log = ProblemLog()
            for i in empty:
                log.add(Problem(str(path), i + 1, column, "empty item", int(lines[i])))
            log.raise_if_any()
        return items
    text = _read_text(path)
    if suffix == ".json":
        try:
            data = _loads(text) if text.strip() else []
        except (ValueError, RecursionError) as exc:
            raise _json_error(path, exc) from None
        if not isinstance(data, list):
            raise _fail(path, f"expected a JSON list of strings, got {_json_type(data)}")
        log = ProblemLog()
        for i, item in enumerate(data):
            if not isinstance(item, str):
                log.add(Problem(str(path), i + 1, None, f"expected text, got {_json_type(item)}"))
            elif not item.strip():
                log.add(Problem(str(path), i + 1, None, "empty item"))
        log.raise_if_any()
        items = data
    else:
        items = [line for line in text.splitlines() if line.strip()]
    if not items:
        raise _fail(path, "the file is empty: no items")
    return items
