"""Sweeps: many language models x paradigms x datasets x layers x templates x seeds.

A sweep file (:mod:`cogalign.sweep.spec`) names the axes; :func:`expand_cells` turns it into
independent cells, each one call of a paradigm's ``align`` function (the contract of
:mod:`cogalign.paradigms`); :func:`run_sweep` runs them on a local process pool or a Ray
cluster (:mod:`cogalign.sweep.backends`), records each cell as it ends, skips finished cells
on a rerun, and writes one tidy table (:mod:`cogalign.sweep.results`) for the leaderboard
and the report (:mod:`cogalign.report`).

Modules
-------
:mod:`~cogalign.sweep.spec`
    The sweep file: parsing, checks that name the file and the field.
:mod:`~cogalign.sweep.cells`
    Cells and their ids.
:mod:`~cogalign.sweep.execute`
    One cell in a worker: the ``align`` call, the contract check, errors as records.
:mod:`~cogalign.sweep.backends`
    The local process pool and Ray.
:mod:`~cogalign.sweep.results`
    The results folder, resume, the tidy table.
:mod:`~cogalign.sweep.progress`
    Cells done, failed, remaining, time left.
:mod:`~cogalign.sweep.runner`
    :func:`run_sweep`.
:mod:`~cogalign.sweep.cli`
    ``cogalign sweep``.
"""

from cogalign.sweep.cells import Cell, expand_cells
from cogalign.sweep.results import ResultStore, load_results, results_table
from cogalign.sweep.runner import run_sweep
from cogalign.sweep.spec import SweepFileError, SweepSpec, load_spec, parse_spec

__all__ = [
    "Cell",
    "ResultStore",
    "SweepFileError",
    "SweepSpec",
    "expand_cells",
    "load_results",
    "load_spec",
    "parse_spec",
    "results_table",
    "run_sweep",
]
