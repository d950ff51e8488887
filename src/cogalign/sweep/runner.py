"""Run a sweep: expand the cells, skip those finished before, run the rest, write the table.

>>> from cogalign.sweep import run_sweep
>>> summary = run_sweep("sweep.toml", "results/", backend="local", workers=2)  # doctest: +SKIP
>>> summary["table"]                                                          # doctest: +SKIP
'results/results.parquet'
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from cogalign.sweep.backends import LocalBackend, RayBackend, make_backend
from cogalign.sweep.cells import Cell, expand_cells
from cogalign.sweep.execute import worker_environment
from cogalign.sweep.progress import Progress
from cogalign.sweep.results import ResultStore
from cogalign.sweep.spec import SweepSpec, load_spec

__all__ = ["VERSIONED", "package_versions", "run_sweep"]

#: Distributions whose versions the manifest (and the report) records.
VERSIONED: tuple[str, ...] = ("cogalign", "numpy", "scipy", "pandas", "scikit-learn", "torch",
                              "transformers", "sentence-transformers", "gguf", "ray", "pyarrow",
                              "matplotlib")


def package_versions(names: tuple[str, ...] = VERSIONED) -> dict[str, str | None]:
    """Installed version of each distribution (``None`` when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def run_sweep(
    spec: SweepSpec | str | Path,
    out: str | Path,
    *,
    backend: str | LocalBackend | RayBackend = "local",
    workers: int | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    retry_failed: bool = True,
    fmt: str = "parquet",
    echo: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every cell of a sweep that has not finished yet, and write the results table.

    Parameters
    ----------
    spec
        A sweep file or a parsed :class:`~cogalign.sweep.spec.SweepSpec`.
    out
        The results folder (see :mod:`cogalign.sweep.results`); a rerun into the same folder
        skips the cells that finished.
    backend
        ``"local"`` (a process pool), ``"ray"``, or a backend object.
    workers
        Local backend: worker processes (default 1; ``0`` runs in this process).
    address
        Ray backend: cluster address (``"auto"``, ``"ray://host:10001"``; default: start a
        local instance).
    num_cpus
        Ray backend: CPUs of a local instance.
    retry_failed
        Run the cells that failed in an earlier run again (default); ``False`` keeps their
        failure.
    fmt
        Table format: ``"parquet"`` or ``"csv"``.
    echo
        Called with one progress line per finished cell (and the skipped paradigms).

    Returns
    -------
    dict
        ``name``, ``folder``, ``table`` (path), ``cells``, ``ran``, ``skipped`` (finished
        before), ``ok``, ``failed`` (cell ids and errors of this sweep's failed cells),
        ``skipped_paradigms``, ``seconds``, ``backend``.
    """
    if fmt not in ("parquet", "csv"):
        from cogalign.errors import CogalignError

        raise CogalignError(f"format must be 'parquet' or 'csv', got {fmt!r}")
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    runner = backend if not isinstance(backend, str) else make_backend(
        backend, workers=workers, address=address, num_cpus=num_cpus)
    say = echo or (lambda text: None)
    for name, reason in spec.skipped:
        say(f"skipping paradigm {name}: it {reason}")
    cells = expand_cells(spec)
    store = ResultStore(out)
    store.prepare()
    store.write_text("sweep.toml", spec.text)
    before = store.records()
    keep = ("ok", "failed") if not retry_failed else ("ok",)
    finished = {c.cell_id for c in cells if before.get(c.cell_id, {}).get("status") in keep}
    todo = [c for c in cells if c.cell_id not in finished]
    manifest: dict[str, Any] = {
        "name": spec.name, "source": spec.source, "started": _now(), "finished": None,
        **runner.describe(), "versions": package_versions(),
        "skipped_paradigms": dict(spec.skipped),
        "cells": [c.to_dict() for c in cells],
    }
    store.write_manifest(manifest)
    progress = Progress(total=len(cells), skipped=len(finished),
                        failed=sum(before[c]["status"] == "failed" for c in finished))
    from cogalign.paradigms import get_paradigm

    env = worker_environment()
    payloads = [{"cell": c.to_dict(), "kwargs": c.kwargs(),
                 "align": get_paradigm(c.paradigm).align, "env": env} for c in todo]
    by_id: dict[str, Cell] = {c.cell_id: c for c in todo}

    def on_record(payload: Mapping[str, Any], record: dict[str, Any]) -> None:
        store.write_record(payload["cell"], record)
        progress.add(record["status"] == "ok")
        cell = by_id[record["cell_id"]]
        status = "" if record["status"] == "ok" else f" FAILED ({record['error']})"
        say(progress.line(f"{cell.label()}{status}"))

    t0 = time.perf_counter()
    if payloads:
        say(f"{spec.name}: {len(cells)} cells, {len(todo)} to run, {len(finished)} finished "
            f"before; backend {runner.name}")
        runner.run(payloads, on_record)
    table = store.write_table([c.cell_id for c in cells], fmt)
    manifest["finished"] = _now()
    store.write_manifest(manifest)
    records = store.records()
    failed = [{"cell_id": c.cell_id, "cell": c.label(), "error": records[c.cell_id]["error"]}
              for c in cells if records.get(c.cell_id, {}).get("status") == "failed"]
    return {"name": spec.name, "folder": str(store.folder), "table": str(table),
            "cells": len(cells), "ran": len(todo), "skipped": len(finished),
            "ok": len(cells) - len(failed), "failed": failed,
            "skipped_paradigms": dict(spec.skipped), "seconds": time.perf_counter() - t0,
            "backend": runner.describe()}
