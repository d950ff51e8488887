"""Reading a trial file and checking it against its paradigm's schema."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cogalign.data.schema import Schema, check_columns_unique, validate
from cogalign.data.schemas import get_schema
from cogalign.errors import CogalignError

__all__ = ["header_columns", "read_csv_text", "read_trials", "to_csv_frame"]


def header_columns(path: str | Path) -> list[str]:
    """The column names on the first line of a CSV or TSV file; ``[]`` for JSON files.

    Used to tell file formats apart before reading a whole file.
    """
    path = Path(path)
    if path.suffix.lower() in (".json", ".jsonl"):
        return []
    with path.open(encoding="utf-8-sig") as fh:
        line = fh.readline().rstrip("\r\n")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    return [h.strip().strip('"') for h in line.split(sep)]


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """Read a CSV or TSV file with every cell as text, so validation sees what was written.

    Raises
    ------
    CogalignError
        When the file is missing, empty or not parseable as delimited text.
    """
    path = Path(path)
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = fh.readline().rstrip("\r\n").split(sep)
        check_columns_unique([h.strip('"') for h in header], str(path))
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise CogalignError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise CogalignError(f"{path}: not a valid delimited text file ({exc})") from None
    except UnicodeDecodeError as exc:
        raise CogalignError(f"{path}: not UTF-8 text ({exc})") from None


def read_trials(
    path: str | Path, paradigm: str | Schema, *, n_items: int | None = None
) -> pd.DataFrame:
    """Read one trial file (CSV, TSV or JSON lines) and validate it.

    Parameters
    ----------
    path
        The file. ``.csv``/``.tsv`` are read as text; ``.json`` as a list of row objects;
        ``.jsonl`` as one object per line.
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
        Naming the file, row (and CSV line) and column of every problem.
    """
    schema = get_schema(paradigm) if isinstance(paradigm, str) else paradigm
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        table = _read_json_rows(path)
        return validate(table, schema, source=str(path), n_items=n_items)
    table = read_csv_text(path)
    return validate(table, schema, source=str(path), n_items=n_items, csv_lines=True)


def _read_json_rows(path: Path) -> pd.DataFrame:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            rows = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise CogalignError(f"{path}: cannot read JSON ({exc})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise CogalignError(f"{path}: expected a list of objects, one per trial")
    return pd.DataFrame(rows)


def to_csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy ready to write as CSV: list cells become JSON text."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, list | tuple)).any():
            out[col] = out[col].map(
                lambda v: json.dumps(list(v)) if isinstance(v, list | tuple) else v
            )
    return out
