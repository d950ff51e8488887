"""Running one cell, in whatever process a backend gives it.

:func:`run_cell` is what a local pool worker or a Ray task executes: it calls the paradigm's
``align`` function with the cell's arguments, checks the rows against the contract
(:func:`cogalign.paradigms.check_align_rows`) and returns a record. It never raises: an error
becomes a ``"failed"`` record with the error's type, message and the end of its traceback,
so one failing cell never stops a sweep.

A worker keeps the language model it last used loaded (cells are ordered by model) and drops
it when a cell asks for another, so a long-lived worker holds one model at a time. The
language-model cache on disk is shared by every worker: its entries are written atomically
(:mod:`cogalign.llm.cache`), so two workers computing the same entry never corrupt it.
"""

from __future__ import annotations

import os
import platform
import socket
import time
import traceback
from collections.abc import Mapping
from typing import Any

__all__ = ["WORKER_ENV", "run_cell", "worker_environment"]

#: Environment variables a backend passes on to its workers (prefixes end in ``_``).
WORKER_ENV: tuple[str, ...] = ("COGALIGN_", "HF_", "TRANSFORMERS_", "OMP_NUM_THREADS",
                               "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TOKENIZERS_PARALLELISM")

_LAST_MODEL: list[str] = []


def worker_environment() -> dict[str, str]:
    """The variables of this process that workers need (cache, data path, offline, threads)."""
    return {k: v for k, v in os.environ.items()
            if any(k == name or (name.endswith("_") and k.startswith(name))
                   for name in WORKER_ENV)}


def _one_model_at_a_time(model: str) -> None:
    """Drop the models loaded for earlier cells when this cell uses another one."""
    if _LAST_MODEL and _LAST_MODEL[0] != model:
        import sys

        models = sys.modules.get("cogalign.llm.models")
        if models is not None:
            models.clear_loaded()
            import gc

            gc.collect()
    _LAST_MODEL[:] = [model]


def run_cell(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Run one cell and return its record (never raises).

    Parameters
    ----------
    payload
        ``{"cell": Cell.to_dict(), "kwargs": Cell.kwargs(), "align": "module:function" or
        the function, "env": {name: value}}``. The variables in ``env`` are set before the
        call (those the process already has are kept).

    Returns
    -------
    dict
        ``cell_id``, ``status`` (``"ok"`` or ``"failed"``), ``rows`` (the metric rows),
        ``error`` (``None`` or ``"Type: message"``), ``traceback`` (its last lines),
        ``seconds``, ``host``, ``pid``, ``started`` (Unix time).
    """
    from cogalign.paradigms import check_align_rows, resolve

    for key, value in dict(payload.get("env") or {}).items():
        os.environ.setdefault(key, value)
    cell = dict(payload["cell"])
    started = time.time()
    t0 = time.perf_counter()
    record: dict[str, Any] = {"cell_id": cell["cell_id"], "status": "ok", "rows": [],
                              "error": None, "traceback": None, "host": socket.gethostname(),
                              "pid": os.getpid(), "python": platform.python_version(),
                              "started": started}
    try:
        _one_model_at_a_time(cell["model"])
        align = resolve(payload["align"])
        rows = align(cell["model"], progress=False, **payload["kwargs"])
        check_align_rows(rows, where=f"{cell['paradigm']} align")
        record["rows"] = [dict(row) for row in rows]
    except Exception as exc:  # a failing cell is recorded, never raised
        record["status"] = "failed"
        message = " ".join(str(exc).split()) or type(exc).__name__
        record["error"] = f"{type(exc).__name__}: {message}"
        record["traceback"] = "".join(traceback.format_exception(exc)[-6:])
    record["seconds"] = time.perf_counter() - t0
    return record
