"""Reading intertemporal-choice data: registered datasets, native files, tidy files.

Formats accepted by :func:`read_intertemporal` (and the CLI's ``--data``):

* Ericson et al. (2015)'s native ``choices.csv`` (columns ``Subject``, ``Question``, ``X1``,
  ``T1``, ``X2``, ``T2``, ``LaterOptionChosen``, ...);
* the tidy ``intertemporal`` table of :mod:`cogalign.data.schemas` (one row per trial), as
  CSV/TSV or JSON lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cogalign.data.tables import header_columns
from cogalign.errors import CogalignError

__all__ = ["load_intertemporal", "read_intertemporal"]


def read_intertemporal(path: str | Path) -> pd.DataFrame:
    """Read an intertemporal-choice file: Ericson et al. (2015) native or tidy trials."""
    from cogalign.data import loaders, read_trials

    path = Path(path)
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    header = header_columns(path)
    if {"Subject", "LaterOptionChosen", "X1", "T1", "X2", "T2"} <= set(header):
        return loaders.load_ericson2015({"ericson2015/choices.csv": path})
    if header and not {"x1", "t1", "x2", "t2"} <= set(header):
        raise CogalignError(
            f"{path}: not an intertemporal-choice file (expected Ericson et al.'s choices.csv "
            f"or a tidy table with x1, t1, x2, t2, response); columns: {', '.join(header)}"
        )
    return read_trials(path, "intertemporal")


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
