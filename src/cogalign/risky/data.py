"""Reading risky and intertemporal choice data: registered datasets, native files, tidy files.

Formats accepted by :func:`read_risky` and :func:`read_intertemporal` (and the CLI's
``--data``):

* choices13k's native pair ``c13k_selections.csv`` + ``c13k_problems.json`` (give the CSV,
  the JSON is looked up next to it, or the folder holding both);
* Ericson et al. (2015)'s native ``choices.csv`` (columns ``Subject``, ``Question``, ``X1``,
  ``T1``, ``X2``, ``T2``, ``LaterOptionChosen``, ...);
* the tidy tables of :mod:`cogalign.data.schemas`: ``risky-rates`` (one row per problem with
  ``b_rate`` and ``n``), ``risky`` (one row per trial with ``response`` ``"A"``/``"B"``) and
  ``intertemporal`` (one row per trial), as CSV/TSV (list cells as JSON text) or JSON lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = [
    "load_intertemporal",
    "load_risky",
    "read_intertemporal",
    "read_risky",
    "table_kind",
]

C13K_CSV = "c13k_selections.csv"
C13K_JSON = "c13k_problems.json"


def _header(path: Path) -> list[str]:
    if path.suffix.lower() in (".json", ".jsonl"):
        return []
    with path.open(encoding="utf-8-sig") as fh:
        line = fh.readline().rstrip("\r\n")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    return [h.strip().strip('"') for h in line.split(sep)]


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
    header = _header(path)
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


def read_intertemporal(path: str | Path) -> pd.DataFrame:
    """Read an intertemporal-choice file: Ericson et al. (2015) native or tidy trials."""
    from cogalign.data import loaders, read_trials

    path = Path(path)
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    header = _header(path)
    if {"Subject", "LaterOptionChosen", "X1", "T1", "X2", "T2"} <= set(header):
        return loaders.load_ericson2015({"ericson2015/choices.csv": path})
    if header and not {"x1", "t1", "x2", "t2"} <= set(header):
        raise CogalignError(
            f"{path}: not an intertemporal-choice file (expected Ericson et al.'s choices.csv "
            f"or a tidy table with x1, t1, x2, t2, response); columns: {', '.join(header)}"
        )
    return read_trials(path, "intertemporal")


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


def load_intertemporal(dataset: str | None = "ericson2015", data: str | Path | None = None, *,
                       download: bool = True) -> pd.DataFrame:
    """The intertemporal-choice table of a file (``data``) or of a registered dataset."""
    if data is not None:
        return read_intertemporal(data)
    if dataset is None:
        raise CogalignError("give a dataset name or a data file")
    from cogalign.data import get_dataset

    ds = get_dataset(dataset)
    if ds.paradigm != "intertemporal":
        raise CogalignError(f"dataset '{dataset}' is not intertemporal-choice data ({ds.paradigm})")
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


def participant_index(ids: pd.Series, known: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """0-based participant indices (and the id list); unknown ids get -1 when ``known`` is
    given."""
    ids = ids.astype(str)
    if known is None:
        known = sorted(ids.unique(), key=lambda s: (len(s), s))
    pos = {p: i for i, p in enumerate(known)}
    return np.array([pos.get(p, -1) for p in ids], dtype=np.int64), list(known)
