"""Every notebook in notebooks/ runs top to bottom in fast mode (COGALIGN_FAST=1)."""

import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.llm
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, load_dataset, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    needs = {"triplets": ["things-triplets-test", "things-concepts"],
             "risky": ["choices13k", "ericson2015"],
             "similarity": ["simlex999", "rsa92"],
             "moralgraph": ["moralgraph-mge-prolific", "moralgraph-mge-all"],
             "rotation": ["rotation-ganis-kievit-2015"],
             "beliefs": ["ddo-big-issues", "ddo-issue-party"]}.get(path.stem, [])
    for name in needs:
        load_dataset(name)  # skips with a reason when the data is absent
    monkeypatch.setenv("COGALIGN_FAST", "1")
    # the kernel runs in notebooks/, so relative search-path folders must be made absolute
    search = os.environ.get("COGALIGN_DATA_PATH", "")
    absolute = os.pathsep.join(str(Path(p).resolve()) for p in search.split(os.pathsep) if p)
    monkeypatch.setenv("COGALIGN_DATA_PATH", absolute)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
