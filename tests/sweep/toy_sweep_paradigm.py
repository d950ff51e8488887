"""A toy paradigm with an ``align`` entry written to the contract of cogalign.paradigms.

Its "model" is a seeded random score per layer, so a sweep over it costs nothing and gives the
same numbers in every process. Options make cells fail (``fail_on``: a template that raises),
kill their worker (``exit_on``: a template that ends the process), take time (``sleep``) and
leave a trace of every call (``calls``: a file that gets one line per call), for the tests of
failures, resume and progress.
"""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

import numpy as np

from cogalign.data import Column, Schema
from cogalign.errors import CogalignError
from cogalign.llm.layers import parse_layers
from cogalign.paradigms import Paradigm

SCHEMA = Schema("toysweep", (Column("participant_id", "str"), Column("response", "float")),
                description="A toy table (the sweep never reads it).")

N_LAYERS = 4
CEILING = 0.8


def align(model: str, *, dataset: str | None = None, layer: str | int | None = None,
          template: str | None = None, seed: int = 0, limit: int | None = None,
          progress: bool = False, fail_on: str | None = None, exit_on: str | None = None,
          sleep: float = 0.0, calls: str | None = None) -> list[dict]:
    """Seeded scores per layer; the template ``fail_on`` raises a CogalignError, the template
    ``exit_on`` ends the process."""
    template = template or "plain"
    if calls:
        with Path(calls).open("a") as fh:
            fh.write(f"{model} {layer} {template} {seed}\n")
    if sleep:
        time.sleep(sleep)
    if template == exit_on:
        os._exit(3)
    if template == fail_on:
        raise CogalignError(f"template {template!r} is broken")
    rows = []
    for lay in parse_layers("all" if layer is None else layer, N_LAYERS):
        key = f"{model}|{lay}|{template}|{seed}|{limit}".encode()
        rng = np.random.default_rng(zlib.crc32(key))
        base = float(rng.uniform(0.2, 0.7))
        for split, shift in (("all", 0.0), ("train", 0.01), ("test", -0.01)):
            value = base + shift
            rows.append({"metric": "score", "value": value, "ci_low": value - 0.05,
                         "ci_high": value + 0.05, "ceiling": CEILING, "layer": lay,
                         "template": template, "split": split, "primary": True,
                         "relative_depth": lay / (N_LAYERS - 1),
                         "dataset": dataset or "toy-data", "n": limit or 100})
        rows.append({"metric": "spread", "value": float(rng.uniform()), "ci_low": float("nan"),
                     "ci_high": float("nan"), "ceiling": float("nan"), "layer": lay,
                     "template": template, "split": "all", "primary": False,
                     "dataset": dataset or "toy-data"})
    return rows


PARADIGM = Paradigm(
    name="toysweep",
    title="A toy paradigm for sweep tests",
    schema=SCHEMA,
    align=align,
)
