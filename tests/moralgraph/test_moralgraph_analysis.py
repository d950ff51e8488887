"""The headline functions: rank_graph, load_graph, the demo section, the paradigm declaration."""

from __future__ import annotations

import json

import pytest

from cogalign.errors import CogalignError
from cogalign.moralgraph import demo_section, load_graph, rank_graph
from cogalign.moralgraph.analysis import json_ready


def test_rank_graph_is_plain_data(study):
    graph, _ = study
    out = json_ready(rank_graph(graph, "mge", n_boot=10, seed=0, top_k=3))
    text = json.dumps(out, allow_nan=False)
    assert out["bootstrap"] == {"resample": "participants", "n_boot": 10, "ci": 0.95, "top_k": 3}
    assert out["n_values"] == 15 and "strong_components" in out["structure"]
    assert json.loads(text)["values"][0]["rank"] == 1
    fixed = rank_graph(graph, "pagerank", dangling="self")
    assert sum(v["score"] or 0 for v in fixed["values"]) == pytest.approx(1.0)


def test_load_graph_needs_one_source(tmp_path):
    with pytest.raises(CogalignError, match="exactly one"):
        load_graph()
    with pytest.raises(CogalignError, match="cannot read"):
        load_graph(path=tmp_path / "missing.json")


@pytest.mark.realdata
def test_demo_section_ranks_both_graphs(load_dataset):
    load_dataset("moralgraph-mge-all")
    lines: list[str] = []
    report = demo_section(lines.append, n_boot=20, top=3)
    json.dumps(report, allow_nan=False)
    assert [r["dataset"] for r in report["results"]] == ["moralgraph-mge-prolific", "moralgraph-mge-all"]
    first = report["results"][0]
    assert first["top"][0]["title"] == "Information Empowerment" and first["same_order_pagerank"] is True
    assert first["n_cyclic_triads"] == 1
    assert any("Information Empowerment" in line for line in lines)
    skipped = demo_section(None, datasets=("no-such-dataset",))
    assert skipped["results"] == [] and skipped["skipped"][0]["what"] == "no-such-dataset"


def test_paradigm_is_registered():
    from cogalign.moralgraph.paradigm import PARADIGM
    from cogalign.paradigms import get_paradigm

    assert get_paradigm("moralgraph") is PARADIGM
    assert PARADIGM.get_schema().name == "moralgraph"
    model = PARADIGM.estimator()
    assert type(model).__name__ == "BradleyTerry"
    assert PARADIGM.command("group").name == "moralgraph"
    assert PARADIGM.part("demo") is demo_section
