"""The results folder of a sweep: one file per finished cell, and one tidy table.

::

    results/
      sweep.toml          the sweep file as run
      manifest.json       name, backend, cells (id and settings), package versions, times
      cells/<id>.json     one record per finished or failed cell (written atomically)
      results.parquet     the tidy table: one row per cell and metric (results.csv without
                          pyarrow, or with format="csv")

Cell records are written by the process that drives the sweep, one atomic file each, as the
cells finish; a killed run loses only the cells still running, and a rerun skips every cell
whose record says ``"ok"`` (:meth:`ResultStore.finished`). The table is rebuilt from the
records at the end of every run (:func:`results_table`), so it always matches them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.atomic import atomic_write_text
from cogalign.errors import CogalignError

__all__ = [
    "CELL_COLUMNS",
    "ResultStore",
    "load_results",
    "results_table",
]

#: Columns that describe the cell a row comes from; the metric columns follow
#: (:data:`cogalign.paradigms.ALIGN_KEYS` and whatever else the rows carry).
CELL_COLUMNS: tuple[str, ...] = ("cell_id", "paradigm", "model", "dataset", "layer_spec",
                                 "template_spec", "temperature", "seed", "limit", "options",
                                 "status", "error", "seconds")

_TABLE_NAMES = ("results.parquet", "results.csv")


def _dumps(obj: Any) -> str:
    from cogalign.cli_common import json_safe

    return json.dumps(json_safe(obj), indent=1, allow_nan=False, sort_keys=True)


class ResultStore:
    """The results folder of one sweep.

    Parameters
    ----------
    folder
        Where the results go (created when missing).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.cells_dir = self.folder / "cells"

    def prepare(self) -> None:
        """Create the folders; an error naming the folder when it cannot be."""
        try:
            self.cells_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CogalignError(f"{self.folder}: cannot create the results folder "
                                f"({exc.strerror or exc})") from None

    def write_record(self, cell: Mapping[str, Any], record: Mapping[str, Any]) -> Path:
        """Save one cell's record (atomically) and return its path."""
        path = self.cells_dir / f"{cell['cell_id']}.json"
        atomic_write_text(path, _dumps({"cell": dict(cell), **record}))
        return path

    def records(self) -> dict[str, dict[str, Any]]:
        """Every readable cell record by cell id (a damaged file is skipped: it reruns)."""
        out: dict[str, dict[str, Any]] = {}
        if not self.cells_dir.is_dir():
            return out
        for path in sorted(self.cells_dir.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(record, dict) and record.get("cell_id") == path.stem:
                out[path.stem] = record
        return out

    def finished(self, *, failed_too: bool = False) -> set[str]:
        """Ids of the cells a rerun skips: those that succeeded (and failed, if asked)."""
        keep = ("ok", "failed") if failed_too else ("ok",)
        return {k for k, r in self.records().items() if r.get("status") in keep}

    def write_text(self, name: str, text: str) -> Path:
        """Write a file of the folder (the sweep file, the manifest) atomically."""
        path = self.folder / name
        atomic_write_text(path, text)
        return path

    def write_manifest(self, manifest: Mapping[str, Any]) -> Path:
        """Write ``manifest.json``."""
        return self.write_text("manifest.json", _dumps(manifest))

    def write_table(self, cell_ids: Iterable[str], fmt: str = "parquet") -> Path:
        """Rebuild the tidy table from the records of ``cell_ids`` and write it.

        Parameters
        ----------
        cell_ids
            The cells of the sweep, in order (records of other cells in the folder, from an
            earlier sweep file, are left out).
        fmt
            ``"parquet"`` (falls back to CSV without pyarrow) or ``"csv"``.

        Returns
        -------
        pathlib.Path
            The table's path (the other format's file, if any, is removed so that
            :func:`load_results` never reads a stale table).
        """
        records = self.records()
        table = results_table([records[c] for c in cell_ids if c in records])
        if fmt == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                fmt = "csv"
        path = self.folder / ("results.parquet" if fmt == "parquet" else "results.csv")
        tmp = path.with_name(f".{path.name}.tmp")
        if fmt == "parquet":
            _arrow_safe(table).to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False)
        tmp.replace(path)
        for name in _TABLE_NAMES:
            other = self.folder / name
            if other != path:
                other.unlink(missing_ok=True)
        return path


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _layer_text(value: Any) -> Any:
    return None if _missing(value) else str(value)


def results_table(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The tidy table of cell records: one row per cell and metric.

    A row's own keys (``dataset``, ``temperature``, ``template``...) take precedence over the
    cell's; a failed cell gives one row with its ``error`` and no metric. ``layer`` is kept as
    text (``"3"``, ``"prompt"``), so that one column holds both.

    Parameters
    ----------
    records
        Cell records as :meth:`ResultStore.records` returns them.

    Returns
    -------
    pandas.DataFrame
        :data:`CELL_COLUMNS`, then ``metric``, ``value``, ``ci_low``, ``ci_high``,
        ``ceiling``, ``layer``, ``template``, ``split``, ``primary`` and any other keys of
        the rows.
    """
    from cogalign.paradigms import ALIGN_KEYS

    out: list[dict[str, Any]] = []
    for record in records:
        cell = record["cell"]
        base = {"cell_id": cell["cell_id"], "paradigm": cell["paradigm"],
                "model": cell["model"], "dataset": cell.get("dataset"),
                "layer_spec": _layer_text(cell.get("layer")),
                "template_spec": cell.get("template"), "temperature": cell.get("temperature"),
                "seed": cell.get("seed"), "limit": cell.get("limit"),
                "options": json.dumps(cell.get("options") or {}, sort_keys=True),
                "status": record.get("status"), "error": record.get("error"),
                "seconds": record.get("seconds")}
        rows = (record.get("rows") or [{}]) if record.get("status") == "ok" else [{}]
        for row in rows:
            merged = {**base, **{k: v for k, v in row.items() if k not in ("cell_id",)}}
            merged["layer"] = _layer_text(merged.get("layer"))
            out.append(merged)
    columns = list(CELL_COLUMNS) + [k for k in ALIGN_KEYS if k not in CELL_COLUMNS]
    frame = pd.DataFrame(out)
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    extra = [c for c in frame.columns if c not in columns]
    frame = frame[columns + extra]
    for column in ("value", "ci_low", "ci_high", "ceiling", "temperature", "seconds", "limit"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["primary"] = frame["primary"].map(lambda v: v is True)
    return frame


def _arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet can store: a column mixing text and numbers becomes text."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        kinds = {type(v) for v in frame[column] if not _missing(v)}
        if len(kinds) < 2:
            continue
        if kinds <= {int, float}:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        else:
            frame[column] = [None if _missing(v) else str(v) for v in frame[column]]
    return frame


def load_results(folder: str | Path) -> pd.DataFrame:
    """Read a sweep's tidy results table.

    Parameters
    ----------
    folder
        The results folder of :func:`cogalign.sweep.run_sweep`, or a results table file
        (``.parquet`` / ``.csv``).

    Returns
    -------
    pandas.DataFrame
        The table (rebuilt from the cell records when the folder has no table yet, e.g. a run
        killed before its end).

    Raises
    ------
    CogalignError
        When the folder holds neither a table nor cell records.
    """
    path = Path(folder)
    if path.is_file():
        return _read_table(path)
    for name in _TABLE_NAMES:
        if (path / name).is_file():
            return _read_table(path / name)
    records = ResultStore(path).records()
    if not records:
        raise CogalignError(f"{path}: no sweep results here (no results table, no cell "
                            "records); run cogalign sweep first")
    return results_table(records.values())


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype={"layer": str, "layer_spec": str})
    except (OSError, ValueError, ImportError) as exc:
        raise CogalignError(f"{path}: cannot read the results table ({exc})") from None
    missing = [c for c in ("paradigm", "model", "metric", "value", "split") if c not in
               frame.columns]
    if missing:
        raise CogalignError(f"{path}: not a sweep results table (no columns {missing})")
    if frame["primary"].dtype == object:
        frame["primary"] = frame["primary"].map(
            lambda v: str(v).lower() == "true" if v is not None else False)
    return frame
