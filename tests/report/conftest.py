"""A sweep's results folder written from known numbers, and Debian's Chromium."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.paradigms import align_row
from cogalign.sweep.cells import Cell
from cogalign.sweep.results import ResultStore

SWEEP_TEXT = """[sweep]
name = "known numbers"
models = ["alpha", "beta"]

[[paradigm]]
name = "triplets"

[[paradigm]]
name = "similarity"
datasets = ["wordsim353-raters-set1"]
"""


def _triplet_rows(model: str) -> list[dict]:
    rows = []
    for layer in range(4):
        for split in ("all", "train", "test"):
            value = 0.35 + 0.05 * layer + (0.03 if model == "beta" else 0.0)
            rows.append(align_row("accuracy", value, ci=(value - 0.02, value + 0.02),
                                  ceiling=0.67, layer=layer, template="{item}", split=split,
                                  primary=True, relative_depth=layer / 3, method="embedding",
                                  dataset="things-triplets-test", sources="things-concepts"))
    return rows


def _similarity_rows(model: str) -> list[dict]:
    rows = []
    for layer, value in ((0, 0.4), (1, 0.5), ("prompt", 0.45)):
        value += 0.1 if model == "alpha" else 0.0
        for split in ("all", "train", "test"):
            rows.append(align_row("rsa", value, ci=(value - 0.05, value + 0.05), ceiling=0.8,
                                  layer=layer, template="{item}", split=split, primary=True,
                                  ceiling_upper=0.85, dataset="wordsim353-raters-set1"))
        rows.append(align_row("percentile", 30.0 + 10 * (layer == 1), ci=(10.0, 60.0),
                              layer=layer, template="{item}", dataset="wordsim353-raters-set1"))
    for temperature in (0.5, 1.0):
        rows.append(align_row("synthetic_agreement", 0.9 - 0.3 * temperature, layer="synthetic",
                              template="similarity-0-10", temperature=temperature,
                              dataset="wordsim353-raters-set1"))
        rows.append(align_row("human_agreement", 0.6, layer="synthetic",
                              template="similarity-0-10", temperature=temperature,
                              dataset="wordsim353-raters-set1"))
    return rows


@pytest.fixture
def results_folder(tmp_path):
    """Results of 'alpha' and 'beta' on two tasks (beta better on triplets, alpha on
    similarity), and one failed cell."""
    store = ResultStore(tmp_path / "results")
    store.prepare()
    cells = []
    for model in ("alpha", "beta"):
        for paradigm, rows in (("triplets", _triplet_rows(model)),
                               ("similarity", _similarity_rows(model))):
            cell = Cell(paradigm=paradigm, model=model)
            cells.append(cell)
            store.write_record(cell.to_dict(), {"cell_id": cell.cell_id, "status": "ok",
                                                "rows": rows, "error": None, "seconds": 1.0})
    broken = Cell(paradigm="risky", model="beta")
    cells.append(broken)
    store.write_record(broken.to_dict(), {"cell_id": broken.cell_id, "status": "failed",
                                          "rows": [], "error": "CogalignError: <b>no</b> data",
                                          "seconds": 0.5})
    store.write_text("sweep.toml", SWEEP_TEXT)
    store.write_manifest({"name": "known numbers", "backend": "local",
                          "versions": {"cogalign": "0.1.0", "numpy": np.__version__},
                          "cells": [c.to_dict() for c in cells],
                          "started": "2026-01-01T00:00:00+00:00",
                          "finished": "2026-01-01T00:10:00+00:00"})
    store.write_table([c.cell_id for c in cells])
    return store.folder



