"""A small real sweep: the two offline language models on three paradigms, ranked."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.report import leaderboard
from cogalign.sweep import load_results, run_sweep

pytestmark = [pytest.mark.slow, pytest.mark.llm, pytest.mark.realdata]

SWEEP = """
[sweep]
name = "offline-small"
models = ["minilm-l6", "smollm2-135m"]
layers = ["0,-1"]

[[paradigm]]
name = "triplets"
limit = 24
options = { n_boot = 50 }

[[paradigm]]
name = "similarity"
datasets = ["wordsim353-raters-set1"]
limit = 12
options = { n_boot = 50 }

[[paradigm]]
name = "risky"
limit = 8
options = { n_boot = 50, n_splits = 3 }
"""


def test_two_models_on_three_paradigms(write_sweep, tmp_path, load_dataset):
    for name in ("things-triplets-test", "things-concepts", "wordsim353-raters-set1",
                 "choices13k"):
        load_dataset(name)  # skips with the reason when the data are absent
    summary = run_sweep(write_sweep(SWEEP), tmp_path / "out", workers=0)
    assert summary["failed"] == [], summary["failed"]
    table = load_results(tmp_path / "out")
    primary = table[table["primary"]]
    assert set(primary["metric"]) == {"accuracy", "rsa", "r2"}
    assert set(primary["split"]) == {"all", "train", "test"}
    assert primary["ceiling"].notna().all()  # all three have a noise ceiling here
    # two layers per model (the first and the last), numbered as the model numbers them
    layers = primary[primary["split"] == "all"].groupby(["paradigm", "model"])["layer"]
    assert layers.apply(lambda s: sorted(set(s), key=int)).to_dict()[
        ("triplets", "smollm2-135m")] == ["0", "30"]
    turing = table[table["metric"] == "percentile"]
    assert len(turing) == 4 and turing["value"].between(0, 100).all()
    board = leaderboard(table)
    assert board.task_names == ["triplets / things-triplets-test",
                                "similarity / wordsim353-raters-set1", "risky / choices13k"]
    assert sorted(board.table["model"]) == ["minilm-l6", "smollm2-135m"]
    assert np.isfinite(board.table["mean_normalised"]).all()
    assert (board.tasks["selected_on"] == "train").all()


def test_workers_share_the_language_model_cache(write_sweep, tmp_path, load_dataset,
                                                monkeypatch):
    load_dataset("simlex999")
    # two cells that need the same embeddings, run at the same time by two workers
    block = "[[paradigm]]\nname = 'similarity'\nlimit = 12\nlayers = ['last']\n"
    spec = write_sweep("[sweep]\nmodels = ['minilm-l6']\n" + block + "options = { n_boot = 20 }\n"
                       + block + "options = { n_boot = 30 }\n")
    cache = tmp_path / "cache"
    monkeypatch.setenv("COGALIGN_CACHE", str(cache))
    summary = run_sweep(spec, tmp_path / "out", workers=2)
    assert summary["failed"] == [] and summary["ok"] == 2
    entries = list((cache / "llm" / "embed").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")  # one whole entry
    rows = load_results(tmp_path / "out")
    spearman = rows[rows["primary"] & (rows["split"] == "all")]["value"]
    assert spearman.nunique() == 1  # both cells read the same embeddings
