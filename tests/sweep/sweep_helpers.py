"""Helpers of the sweep tests: running the command line in a subprocess, comparing tables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
PYTHON = sys.executable

#: Columns that differ between runs of the same cells (timing, where they ran).
VOLATILE = ("seconds",)

TOY_SWEEP = """
[sweep]
name = "toy"
models = ["m1", "m2"]
seeds = [0, 1]

[[paradigm]]
name = "toysweep"
layers = ["all", "last"]
templates = ["plain", "fancy", "boom"]
options = {{ fail_on = "boom"{extra} }}
"""


def toy_sweep(extra: str = "") -> str:
    """The toy sweep file: 2 models x 2 layer specs x 3 templates x 2 seeds = 24 cells, the
    8 with template 'boom' failing; ``extra`` adds options (', calls = "..."')."""
    return TOY_SWEEP.format(extra=extra)


def cli_env(**extra: str) -> dict[str, str]:
    """Environment of a ``python -m cogalign.cli`` subprocess that knows the toy paradigm."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(HERE), env.get("PYTHONPATH", "")])
    env["COGALIGN_PARADIGMS"] = "toy_sweep_paradigm"
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", RAY_USAGE_STATS_ENABLED="0", **extra)
    return env


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """A results table without the columns that change from run to run, in a fixed order."""
    out = table.drop(columns=[c for c in VOLATILE if c in table.columns])
    keys = ["cell_id", "metric", "split", "layer"]
    return out.sort_values(keys, na_position="first").reset_index(drop=True)
