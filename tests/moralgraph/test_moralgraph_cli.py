"""The ``cogalign moralgraph`` commands (not mounted yet: invoked as a click group)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cogalign.moralgraph.cli import moralgraph_group
from cogalign.moralgraph.io import from_mge_dict, write_mge_json


@pytest.fixture()
def export_file(small_export, tmp_path):
    return write_mge_json(from_mge_dict(small_export), tmp_path / "small.json")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(moralgraph_group, list(args))
    return result.exit_code, result.output


def test_rank_json_with_bootstrap(export_file):
    code, out = run("rank", "--file", str(export_file), "--method", "pagerank", "--bootstrap", "30", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["method"] == "pagerank" and data["bootstrap"]["resample"] == "votes"
    assert data["values"][0]["value_id"] == 3 and data["values"][0]["rank_low"] >= 1
    assert data["values"][-1]["score"] is None  # value 4 is not ranked: null, not NaN
    assert data["structure"]["acyclic"] is True
    code, out = run("rank", "--file", str(export_file), "--method", "bradley-terry")
    assert code == 0 and "Shared Wisdom" in out.splitlines()[1]


def test_rank_a_vote_table(export_file, tmp_path):
    votes = tmp_path / "votes.csv"
    votes.write_text("participant_id,context,source_value_id,wiser_value_id,vote\n"
                     "p1,X,1,2,wiser\np2,X,1,2,wiser\np3,X,2,1,not_wiser\n")
    code, out = run("rank", "--file", str(export_file), "--votes", str(votes), "--bootstrap", "10", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["bootstrap"]["resample"] == "participants" and data["values"][0]["value_id"] == 2


def test_bad_input_is_one_line(export_file, tmp_path):
    bad = json.loads(export_file.read_text())
    bad["edges"][0]["wiserValueId"] = 99
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    code, out = run("rank", "--file", str(path))
    assert code == 1
    assert "invalid data:" in out and "bad.json [edges], row 1, column 'wiserValueId'" in out
    assert len(out.strip().splitlines()) == 1
    votes = tmp_path / "votes.csv"
    votes.write_text("participant_id,context,source_value_id,wiser_value_id,vote\np1,X,1,7,wiser\n")
    code, out = run("rank", "--file", str(export_file), "--votes", str(votes))
    assert code == 1 and "row 1, column 'wiser_value_id': value id 7 is not among the values" in out
    code, out = run("rank", "--file", str(export_file), "--bootstrap", "-1")
    assert code == 1 and "--bootstrap" in out


@pytest.mark.realdata
def test_rank_a_registered_dataset(load_dataset):
    load_dataset("moralgraph-mge-prolific")
    code, out = run("rank", "--dataset", "moralgraph-mge-prolific", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["n_values"] == 59 and data["values"][0]["title"] == "Information Empowerment"


def test_llm_votes_on_a_chat_server(export_file, fake_server):
    fake_server.default = {"content": "yes"}
    code, out = run("llm-votes", "--file", str(export_file), "--model", "fake-model", "--backend", "chat",
                    "--base-url", fake_server.base_url, "--participants", "2", "--n-boot", "5", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["votes"]["n_edges"] == 4 and data["votes"]["accuracy_decisive"] == 1.0
    assert data["model"].startswith("chat:fake-model") and data["llm_graph"]["n_votes"] == 10


def test_plot_writes_both_figures(export_file, tmp_path):
    code, out = run("plot", "--file", str(export_file), "--bootstrap", "5", "--out", str(tmp_path / "fig"), "--json")
    assert code == 0, out
    files = json.loads(out)
    for path in files.values():
        assert (tmp_path / "fig" / path.split("/")[-1]).stat().st_size > 1000
