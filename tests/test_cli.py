import json
import shutil

import pytest
from click.testing import CliRunner

from cogalign.cli import main
from cogalign.data import REGISTRY


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def test_datasets_list_json_has_all_ten_names():
    result = run("datasets", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == list(REGISTRY)
    assert all(r["available"] in ("local", "missing", "corrupt") for r in rows)
    assert all(r["citation"] and r["licence"] and r["source"] for r in rows)


def test_unknown_dataset_is_one_line_and_non_zero():
    result = run("datasets", "info", "nope")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[0].startswith("error: unknown dataset 'nope'")


def test_path_of_a_missing_dataset_fails_without_downloading(tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_DATA_PATH", str(tmp_path))
    monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path / "cache"))
    result = run("datasets", "path", "simlex999")
    assert result.exit_code == 1
    assert "not available locally" in result.output


def test_validate_reports_problems_as_json(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("participant_id,trial,item_1,item_2,item_3,response\np1,0,0,1,2,5\n")
    result = run("validate", str(path), "--paradigm", "triplets", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["problems"][0] == {
        "file": str(path), "row": 1, "line": 2, "column": "response",
        "message": "response 5 is not among the options (0, 1, 2)",
    }
    text = run("validate", str(path), "--paradigm", "triplets")
    assert text.exit_code == 1 and "row 1 (line 2), column 'response'" in text.output


def test_validate_ok(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("participant_id,trial,item_1,item_2,item_3,response\np1,0,0,1,2,2\n")
    result = run("validate", str(path), "-p", "triplets", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows"] == 1


@pytest.mark.realdata
def test_datasets_info_and_path_with_data(load_dataset):
    load_dataset("simlex999")
    info = json.loads(run("datasets", "info", "simlex999", "--json").output)
    assert info["available"] == "local" and info["files"][0]["local"].endswith("simlex999.txt")
    result = run("datasets", "path", "simlex999", "--json")
    assert json.loads(result.stdout)["files"]["wordsim/simlex999.txt"].endswith("simlex999.txt")


@pytest.mark.realdata
def test_fetch_finds_a_search_path_file_without_network(load_dataset):
    load_dataset("wordsim353")
    result = run("datasets", "fetch", "wordsim353", "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.realdata
def test_corrupt_copy_on_search_path_is_reported(load_dataset, tmp_path, monkeypatch):
    load_dataset("wordsim353")
    from cogalign.data import get_dataset

    original = get_dataset("wordsim353").paths(download=False)["wordsim/wordsim353.tsv"]
    (tmp_path / "wordsim").mkdir()
    shutil.copy(original, tmp_path / "wordsim" / "wordsim353.tsv")
    with open(tmp_path / "wordsim" / "wordsim353.tsv", "a") as fh:
        fh.write("extra\tline\t1.0\n")
    monkeypatch.setenv("COGALIGN_DATA_PATH", str(tmp_path))
    rows = json.loads(run("datasets", "list", "--json").output)
    assert next(r for r in rows if r["name"] == "wordsim353")["available"] == "corrupt"
    result = run("datasets", "path", "wordsim353")
    assert result.exit_code == 1 and "does not match" in result.output


def test_demo_says_what_it_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_DATA_PATH", str(tmp_path))
    monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path / "cache"))
    result = run("demo", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    skipped = {s["name"] for s in report["datasets"]["skipped"]}
    assert skipped == set(REGISTRY)
    assert report["triplets"]["skipped"][0]["what"] == "triplet alignment"


@pytest.mark.realdata
@pytest.mark.llm
@pytest.mark.slow
def test_demo_runs_the_main_job_on_the_local_data(load_dataset):
    load_dataset("choices13k")
    result = run("demo", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    loaded = {r["name"]: r for r in report["datasets"]["loaded"]}
    assert loaded["choices13k"]["rows"] == 14_568
    assert loaded["things-triplets-test"]["participants"] == 325
    triplets = report["triplets"]
    assert triplets["noise_ceiling"] == pytest.approx(0.6722, abs=1e-4)
    models = {m["model"]: m for m in triplets["models"]}
    assert set(models) == {"minilm-l6", "smollm2-135m"}
    assert models["minilm-l6"]["layers"] == 7 and models["smollm2-135m"]["layers"] == 31
    assert all(1 / 3 < m["best_accuracy"] < triplets["noise_ceiling"] for m in models.values())
    # causal models read words in context: well above chance (0.06 bare at the last layer)
    words = {(r["model"], r["dataset"]): r for r in report["similarity"]["results"]}
    assert words[("smollm2-135m", "wordsim353")]["spearman"] > 0.2
    chosen = report["similarity"]["context"][0]
    assert chosen["model"] == "smollm2-135m" and chosen["held_out"] > chosen["bare_held_out"]
