"""The word-similarity section of ``cogalign demo``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import cogalign.data
from cogalign.errors import DatasetNotFoundError
from cogalign.similarity.demo import demo_section

PAIRS = pd.DataFrame({
    "word_a": ["cat", "car", "apple", "cup", "king", "happy", "big", "river", "dog", "bread"],
    "word_b": ["dog", "truck", "banana", "mug", "queen", "glad", "large", "car", "table", "idea"],
    "similarity": [7.0, 6.5, 6.0, 8.5, 6.0, 9.0, 9.3, 0.8, 1.0, 0.2],
})


def test_missing_data_is_skipped_with_the_reason(monkeypatch):
    def absent(name, **kwargs):
        raise DatasetNotFoundError(f"{name}: not on the search path")

    monkeypatch.setattr(cogalign.data, "load", absent)
    lines = []
    report = demo_section(lines.append)
    assert report["results"] == []
    assert [s["what"] for s in report["skipped"]] == ["simlex999", "wordsim353"]
    assert "not on the search path" in report["skipped"][0]["reason"]
    assert any("skipped simlex999" in line for line in lines)
    json.dumps(report)


@pytest.mark.llm
def test_reports_last_layer_spearman_per_model_and_dataset(monkeypatch):
    monkeypatch.setattr(cogalign.data, "load", lambda name, **kwargs: PAIRS)
    lines = []
    report = demo_section(lines.append, models=("minilm-l6", "no-such-model-xyz"),
                          n_boot=50)
    assert [(r["model"], r["dataset"]) for r in report["results"]] == [
        ("minilm-l6", "simlex999"), ("minilm-l6", "wordsim353")]
    row = report["results"][0]
    assert row["layer"] == 6 and row["n_pairs"] == 10
    assert row["ci_low"] <= row["spearman"] <= row["ci_high"] and row["spearman"] > 0.3
    assert report["skipped"][0]["what"].startswith("no-such-model-xyz")
    assert any("minilm-l6" in line and "Spearman" in line for line in lines)
    json.dumps(report)
    assert demo_section(None, models=("minilm-l6",), datasets=("simlex999",),
                        n_boot=50)["results"][0] == row
