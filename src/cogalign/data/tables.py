"""Reading a trial file and checking it against its paradigm's schema."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cogalign.data.schema import Schema, validate
from cogalign.data.schemas import get_schema
from cogalign.data.userfiles import (
    DELIMITERS,
    read_header,
    read_table_file,
    read_table_with_lines,
)

__all__ = ["header_columns", "read_csv_text", "read_trials", "to_csv_frame"]


def header_columns(path: str | Path) -> list[str]:
    """The column names of a CSV or TSV file, read without the rest; ``[]`` for JSON files.

    Used to tell file formats apart before reading a whole file; the header gets the checks of
    every user file (:func:`cogalign.data.userfiles.read_header`: encoding, delimiter hint,
    repeated or empty names), so an unreadable file is refused here with a clear reason.
    """
    return read_header(path)


def read_csv_text(path: str | Path, *, allow_empty: bool = True) -> pd.DataFrame:
    """Read a CSV or TSV file with every cell as text, so validation sees what was written.

    A thin name for :func:`cogalign.data.userfiles.read_table_file` on delimited text (a
    ``.json`` file is read as delimited text too): ragged rows, a wrong delimiter, text that
    is not UTF-8 and the rest are refused with the file, row and line.

    Raises
    ------
    ValidationError
        When the file is missing, empty or not valid delimited text.
    """
    path = Path(path)
    return read_table_file(path, delimiter=DELIMITERS.get(path.suffix.lower(), ","),
                           allow_empty=allow_empty)


def read_trials(
    path: str | Path, paradigm: str | Schema, *, n_items: int | None = None
) -> pd.DataFrame:
    """Read one trial file (CSV, TSV or JSON lines) and validate it.

    Parameters
    ----------
    path
        The file. ``.csv``/``.tsv`` are read as text; ``.json`` as a list of row objects;
        ``.jsonl`` as one object per line (see :func:`~cogalign.data.userfiles.read_table_file`).
    paradigm
        Paradigm name (see :data:`cogalign.data.schemas.SCHEMAS`) or a :class:`Schema`.
    n_items
        Number of items, to range-check item-index columns.

    Returns
    -------
    pandas.DataFrame
        The typed trial table, rows in file order.

    Raises
    ------
    ValidationError
        Naming the file, row (and line) and column of every problem; a file with a header
        but no trials is refused as empty.
    """
    schema = get_schema(paradigm) if isinstance(paradigm, str) else paradigm
    table, lines = read_table_with_lines(path)
    return validate(table, schema, source=str(path), n_items=n_items, lines=lines)


def _read_json_rows(path: Path) -> pd.DataFrame:
    """A ``.json`` list of row objects or ``.jsonl`` lines (see :func:`read_table_file`)."""
    return read_table_file(path, allow_empty=True)


def to_csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy ready to write as CSV: list cells become JSON text."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, list | tuple)).any():
            out[col] = out[col].map(
                lambda v: json.dumps(list(v)) if isinstance(v, list | tuple) else v
            )
    return out
