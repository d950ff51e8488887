"""The mental-rotation click commands (mounted by the main CLI later), through click's runner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cogalign.rotation.cli import (
    anova_command,
    compare_rotation,
    fit_rotation_command,
    render_command,
)


@pytest.fixture(scope="module")
def study_file(tmp_path_factory, small_study):
    path = tmp_path_factory.mktemp("rotation") / "trials.csv"
    small_study.to_csv(path, index=False)
    return path


def test_render_writes_stimuli(tmp_path):
    out = tmp_path / "stim"
    result = CliRunner().invoke(render_command, ["--seed", "3", "--out", str(out), "--n-objects", "1",
                                                 "--angles", "0,90", "--size", "32", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["n_images"] == 4 and (out / "objects.txt").is_file()
    assert len(list(out.glob("*.png"))) == 4
    bad = CliRunner().invoke(render_command, ["--out", str(out), "--angles", "0,ninety"])
    assert bad.exit_code != 0 and "--angles must be numbers" in bad.output


def test_anova_and_fit_on_a_file(study_file):
    result = CliRunner().invoke(anova_command, ["--data", str(study_file), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["anova"]) == {"angle", "pair_type", "angle:pair_type"} and report["n"] == 8
    result = CliRunner().invoke(fit_rotation_command, ["--data", str(study_file), "--model",
                                                       "linear", "--pooled", "--draws", "100",
                                                       "--json"])
    assert result.exit_code == 0, result.output
    fit = json.loads(result.output)
    assert fit["method"] == "map" and fit["dataset"] == str(study_file)
    assert fit["speed_deg_per_s"]["same"]["lower"] > 0
    text = CliRunner().invoke(fit_rotation_command, ["--data", str(study_file), "--pooled",
                                                     "--draws", "100"])
    assert "speed" in text.output and "PSIS-LOO" in text.output


def test_compare_ranks_models(study_file):
    result = CliRunner().invoke(compare_rotation, ["--data", str(study_file), "--pooled",
                                                   "--models", "linear,linear-wald",
                                                   "--draws", "100", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert {r["model"] for r in payload["ranking"]} == {"linear", "linear-wald"}
    assert payload["ranking"][0]["rank"] == 0


def test_bad_trial_file_gives_file_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("participant_id,trial,angle,axis,pair_type,response,rt\n"
                    "p1,0,0,y,same,same,1.0\np1,1,500,y,same,same,1.0\n")
    result = CliRunner().invoke(fit_rotation_command, ["--data", str(path), "--pooled"])
    assert result.exit_code != 0
    assert f"{path}, row 2 (line 3), column 'angle'" in result.output
    missing = CliRunner().invoke(anova_command, ["--data", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0 and "no such file" in missing.output
