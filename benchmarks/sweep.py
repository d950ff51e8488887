"""Cost of a sweep cell by paradigm and model size, and the overhead of the local and Ray backends.

Prints, and writes as JSON (``--out``):

1. **model load**: seconds to load each offline model in a fresh process state;
2. **cells**: for each model (minilm-l6, 22 M parameters; smollm2-135m, 135 M) and each
   paradigm with an align entry, the wall time of one cell on a fixed number of units, with a
   cold language-model cache (the model's forward passes) and a warm one (everything but the
   forward passes: loading data, bootstrap intervals, probes), and the cold seconds per unit;
3. **backends**: 48 cells that do nothing, run in this process, in a local pool of 2 workers
   and on a local Ray instance with 2 CPUs: start-up and the overhead per cell.

``docs/scaling.md`` projects a 100-model sweep from these figures. Run
``python benchmarks/sweep.py`` (about 10 minutes on 2 busy cores) or ``--quick`` (fewer
units). The cache goes to a temporary folder; the user's is untouched. Set
``COGALIGN_DATA_PATH`` to the datasets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

MODELS = {"minilm-l6": 22.7e6, "smollm2-135m": 134.5e6}

#: Units per cell (full / --quick) and what a unit is, per paradigm.
UNITS = {"triplets": ((200, 40), "triplets"), "similarity": ((200, 40), "word pairs"),
         "risky": ((400, 80), "problems")}
OPTIONS = {"triplets": {"n_boot": 1000}, "similarity": {"n_boot": 1000},
           "risky": {"n_boot": 1000}}


def noop_align(model: str, *, seed: int = 0, limit: int | None = None,
               progress: bool = False) -> list[dict]:
    """An align function that does nothing: one row, for the backend overhead."""
    from cogalign.paradigms import align_row

    return [align_row("score", 0.5, split="all", primary=True)]


def bench_models(quick: bool) -> list[dict]:
    """Load time of each model, then one cell per paradigm, cold and warm."""
    import torch

    from cogalign.llm.models import clear_loaded, load_model
    from cogalign.paradigms import get_paradigm

    torch.set_num_threads(1)
    out = []
    for model, params in MODELS.items():
        clear_loaded()
        t0 = time.perf_counter()
        load_model(model)
        load = time.perf_counter() - t0
        print(f"{model}: loaded in {load:.1f} s", flush=True)
        out.append({"model": model, "parameters": params, "paradigm": "(load)",
                    "seconds_cold": load})
        for paradigm, ((full, small), unit) in UNITS.items():
            align = get_paradigm(paradigm).part("align")
            n = small if quick else full
            times = []
            for _ in ("cold", "warm"):
                t0 = time.perf_counter()
                rows = align(model, limit=n, seed=0, **OPTIONS[paradigm])
                times.append(time.perf_counter() - t0)
            layers = len({r["layer"] for r in rows if r["primary"]})
            row = {"model": model, "parameters": params, "paradigm": paradigm, "units": n,
                   "unit": unit, "layers": layers, "seconds_cold": times[0],
                   "seconds_warm": times[1], "seconds_per_unit_cold": times[0] / n,
                   "seconds_forward": times[0] - times[1]}
            out.append(row)
            print(f"  {paradigm:<10} {n:>4} {unit:<10} {layers:>2} layers: cold "
                  f"{times[0]:6.1f} s, warm {times[1]:5.1f} s, "
                  f"{1000 * times[0] / n:6.1f} ms per unit", flush=True)
    return out


def bench_backends(tmp: Path, n_cells: int = 48) -> list[dict]:
    """The same no-op cells in this process, a local pool of 2 and a local Ray with 2 CPUs."""
    from cogalign.paradigms import Paradigm, register_paradigm
    from cogalign.sweep import parse_spec, run_sweep

    register_paradigm(Paradigm(name="noop", title="does nothing", schema="triplets",
                               align=noop_align))
    spec = parse_spec({"sweep": {"models": ["m"], "seeds": list(range(n_cells))},
                       "paradigm": [{"name": "noop"}]})
    out = []
    for label, kwargs in (("in this process", {"workers": 0}),
                          ("local pool, 2 workers", {"workers": 2}),
                          ("ray, local, 2 CPUs", {"backend": "ray", "num_cpus": 2})):
        first: list[float] = []

        def note(line: str, first: list[float] = first) -> None:
            if line.startswith("[1/"):
                first.append(time.perf_counter())

        t0 = time.perf_counter()
        run_sweep(spec, tmp / label.replace(" ", "_").replace(",", ""), echo=note, **kwargs)
        total = time.perf_counter() - t0
        startup = first[0] - t0 if first else float("nan")
        per_cell = (total - startup) / (n_cells - 1)
        out.append({"backend": label, "cells": n_cells, "seconds_total": total,
                    "seconds_to_first_cell": startup, "seconds_per_cell": per_cell})
        print(f"{label:<24} {n_cells} no-op cells: {total:6.2f} s total, first cell after "
              f"{startup:5.2f} s, then {1000 * per_cell:6.1f} ms per cell", flush=True)
    return out


def main() -> None:
    """Measure the cost per cell and the backends' overhead, and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer units per cell")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--skip-models", action="store_true", help="backends only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COGALIGN_CACHE"] = str(Path(tmp) / "cache")
        result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                              "load_average": os.getloadavg()},
                  "quick": args.quick,
                  "cells": [] if args.skip_models else bench_models(args.quick),
                  "backends": bench_backends(Path(tmp))}
    result["machine"]["load_average_after"] = os.getloadavg()
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
