"""Reading risky-choice data: registered datasets, native files, tidy files.

Formats accepted by :func:`read_risky` (and the CLI's ``--data``):

* choices13k's native pair ``c13k_selections.csv`` + ``c13k_problems.json`` (give the CSV,
  the JSON is looked up next to it, or the folder holding both);
* the tidy tables of :mod:`cogalign.data.schemas`: ``risky-rates`` (one row per problem with
  ``b_rate`` and ``n``) and ``risky`` (one row per trial with ``response`` ``"A"``/``"B"``), as
  CSV/TSV (list cells as JSON text) or JSON lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cogalign.data.tables import header_columns
from cogalign.errors import CogalignError

__all__ = ["load_risky", "read_risky", "table_kind"]

C13K_CSV = "c13k_selections.csv"
C13K_JSON = "c13k_problems.json"


def read_risky(path: str | Path) -> pd.DataFrame:
    """Read a risky-choice file: choices13k native, tidy rates or tidy trials.

    Returns
    -------
    pandas.DataFrame
        A validated ``risky-rates`` table (aggregate) or ``risky`` table (trials).

    Raises
    ------
    CogalignError
        For a missing file, a choices13k CSV without its JSON, or a table that fits no format.
    """
    from cogalign.data import loaders, read_trials

    path = Path(path)
    if path.is_dir():
        path = path / C13K_CSV
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    header = header_columns(path)
    if {"bRate", "Problem", "n"} <= set(header):
        problems = path.with_name(C13K_JSON)
        if not problems.is_file():
            raise CogalignError(
                f"{path} is choices13k's selections file; put {C13K_JSON} next to it"
            )
        return loaders.load_choices13k(
            {"choices13k/c13k_selections.csv": path, "choices13k/c13k_problems.json": problems}
        )
    if path.suffix.lower() == ".json" and path.name == C13K_JSON:
        return read_risky(path.with_name(C13K_CSV))
    if "b_rate" in header or (not header and _json_has(path, "b_rate")):
        return read_trials(path, "risky-rates")
    if "response" in header or not header:
        return read_trials(path, "risky")
    raise CogalignError(
        f"{path}: not a risky-choice file (expected choices13k's CSV, a tidy rates table with "
        f"b_rate and n, or a tidy trial table with response); columns: {', '.join(header)}"
    )


def _json_has(path: Path, column: str) -> bool:
    text = path.read_text(encoding="utf-8")[:4000]
    return f'"{column}"' in text


def load_risky(dataset: str | None = "choices13k", data: str | Path | None = None, *,
               download: bool = True) -> pd.DataFrame:
    """The risky-choice table of a file (``data``) or of a registered dataset."""
    if data is not None:
        return read_risky(data)
    if dataset is None:
        raise CogalignError("give a dataset name or a data file")
    from cogalign.data import get_dataset

    ds = get_dataset(dataset)
    if ds.paradigm not in ("risky", "risky-rates"):
        raise CogalignError(f"dataset '{dataset}' is not risky-choice data ({ds.paradigm})")
    return ds.load(download=download, progress=False)


def table_kind(table: pd.DataFrame) -> str:
    """``"rates"`` for an aggregate table (``b_rate``), ``"trials"`` for single choices."""
    cols = set(table.columns)
    if {"b_rate", "n"} <= cols:
        return "rates"
    if "response" in cols:
        return "trials"
    raise CogalignError(
        "the table is neither choice rates (b_rate, n) nor single trials (response); "
        f"columns: {', '.join(map(str, table.columns))}"
    )
