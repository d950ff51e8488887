"""``cogalign align similarity`` and ``cogalign turing-rsa`` (registered here on a test group)."""

from __future__ import annotations

import json

import click
import numpy as np
import pytest
from click.testing import CliRunner

from cogalign.cli_common import CogalignGroup as _Group
from cogalign.similarity import RaterPopulation
from cogalign.similarity.cli import align_similarity, turing_rsa

ITEMS = ["dog", "cat", "horse", "rabbit", "apple", "banana", "orange", "grape",
         "car", "bus", "bicycle", "train"]


@click.group(cls=_Group)
def cli() -> None:
    """Test entry point with the two commands as the lead registers them."""


@cli.group(cls=_Group)
def align() -> None:
    """align"""


align.add_command(align_similarity, "similarity")
cli.add_command(turing_rsa, "turing-rsa")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def ratings_file(tmp_path_factory):
    """Eight simulated raters of 12 concept words in three categories, as a trial file."""
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(3, 4))[np.arange(12) // 4] + 0.5 * rng.normal(size=(12, 4))
    table = RaterPopulation(latent, labels=ITEMS, weight_sd=0.4, position_sd=0.3,
                            noise_sd=0.08).simulate(8, seed=1)
    path = tmp_path_factory.mktemp("ratings") / "ratings.csv"
    table.to_csv(path, index=False)
    return path


def _error(result, text):
    assert result.exit_code == 1, result.output
    assert f"error: {text}" in result.output or f"error: {text}" in (result.stderr or "")


def test_errors_are_one_line_reasons(ratings_file, tmp_path):
    _error(run("align", "similarity", "--model", "minilm-l6", "--dataset", "rsa92"),
           "--dataset must be a word-pair dataset")
    _error(run("turing-rsa", "--data", str(ratings_file)), "with --data give at least one")
    _error(run("turing-rsa", "--dataset", "simlex999"), "--dataset 'simlex999' has no")
    _error(run("align", "similarity", "--model", "minilm-l6", "--data",
               str(tmp_path / "missing.csv")), "")
    _error(run("turing-rsa", "--data", str(ratings_file), "--model", "minilm-l6",
               "--rsa-method", "nope"), "unknown RSA method")
    _error(run("align", "similarity", "--model", "minilm-l6", "--data", str(ratings_file),
               "--n-pairs", "5"), "--n-pairs subsamples")


@pytest.mark.realdata
def test_turing_rsa_on_rsa92_writes_table_and_figures(load_dataset, tmp_path):
    load_dataset("rsa92")
    out = tmp_path / "rsa92"
    result = run("turing-rsa", "--dataset", "rsa92", "--n-boot", "20", "--out", str(out),
                 "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n_participants"] == 16 and payload["n_items"] == 92
    assert len(payload["candidates"]) == 16 and len(payload["humans"]) == 16
    row = payload["candidates"][0]
    for key in ("candidate", "kind", "score", "percentile", "percentile_low",
                "percentile_high", "inside_human_range", "verdict", "group_rsa"):
        assert key in row
    for name in ("turing_rsa.csv", "humans.csv", "turing_rsa.json", "turing_rsa.png",
                 "mds.png"):
        assert (out / name).stat().st_size > 0
    text = run("turing-rsa", "--dataset", "rsa92", "--candidates", "model", "--n-boot", "0")
    assert text.exit_code == 0 and "animacy" in text.output and "hIT" not in text.output


@pytest.mark.llm
def test_full_matrix_alignment_and_turing_rsa_with_a_model(ratings_file, tmp_path):
    result = run("align", "similarity", "--model", "minilm-l6", "--data", str(ratings_file),
                 "--layer", "last", "--n-boot", "50", "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["kind"] == "full-matrix" and payload["n_participants"] == 8
    assert payload["n_items"] == 12
    ceiling = payload["noise_ceiling"]
    assert 0 < ceiling["lower"] < ceiling["upper"] <= 1
    (layer,) = payload["layers"]
    assert layer["layer"] == 6 and layer["relative_depth"] == 1.0
    assert layer["ci_low"] <= layer["rsa"] <= layer["ci_high"]
    assert payload["reliability"]["split_half_reliability"] > 0.5
    turing = run("turing-rsa", "--data", str(ratings_file), "--model", "minilm-l6",
                 "--n-boot", "20", "--out", str(tmp_path / "t"), "--no-progress")
    assert turing.exit_code == 0, turing.output
    assert "minilm-l6 layer 6" in turing.output
    assert (tmp_path / "t" / "turing_rsa.png").exists()


@pytest.mark.realdata
@pytest.mark.llm
def test_align_word_pairs_embedding(load_dataset):
    load_dataset("simlex999")
    result = run("align", "similarity", "--model", "minilm-l6", "--dataset", "simlex999",
                 "--layer", "last", "--n-pairs", "40", "--n-boot", "100", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["kind"] == "word-pairs" and payload["n_pairs"] == 40
    (row,) = payload["layers"]
    assert row["layer"] == 6 and row["n_pairs"] == 40 and row["relative_depth"] == 1.0
    assert row["ci_low"] <= row["spearman"] <= row["ci_high"] and row["spearman"] > 0
    text = run("align", "similarity", "--model", "minilm-l6", "--dataset", "simlex999",
               "--layer", "last", "--n-pairs", "40", "--n-boot", "100", "--no-progress")
    assert "Spearman" in text.output and "layer      6" in text.output
    _error(run("align", "similarity", "--model", "minilm-l6", "--dataset", "simlex999",
               "--method", "prompt", "--n-pairs", "5"), "prompted ratings need a causal")


#: every pair of five words: the item set of the prompted tests (scored once per session)
WORDS = ["cat", "dog", "car", "truck", "apple"]


@pytest.mark.llm
@pytest.mark.slow
def test_prompt_method_on_word_pairs_and_full_matrix(monkeypatch, tmp_path):
    import itertools

    import pandas as pd

    import cogalign.data

    pairs = pd.DataFrame(list(itertools.combinations(WORDS, 2)), columns=["word_a", "word_b"])
    pairs["similarity"] = [7.0, 1.0, 1.0, 1.5, 1.0, 1.0, 1.5, 8.0, 0.5, 0.5]
    monkeypatch.setattr(cogalign.data, "load", lambda name, **kwargs: pairs)
    result = run("align", "similarity", "--model", "smollm2-135m", "--dataset", "wordsim353",
                 "--method", "prompt", "--orders", "one", "--n-boot", "50", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["prompt"] == "similarity-0-10" and payload["orders"] == "one"
    (row,) = payload["layers"]
    assert row["layer"] == "prompt" and row["n_pairs"] == 10
    assert 0 < row["valid_mass"] <= 1 and -1 <= row["spearman"] <= 1
    # full matrix: simulated people rate the same words on 0-10; the prompt is the built-in
    # task on that scale, so the same ten prompts are asked
    rng = np.random.default_rng(2)
    table = RaterPopulation(rng.normal(size=(5, 2)), labels=WORDS, scale=(0, 10),
                            noise_sd=0.05).simulate(4, seed=3)
    path = tmp_path / "words.csv"
    table.to_csv(path, index=False)
    full = run("align", "similarity", "--model", "smollm2-135m", "--data", str(path),
               "--method", "prompt", "--orders", "one", "--n-boot", "20", "--json")
    assert full.exit_code == 0, full.output
    out = json.loads(full.stdout)
    assert out["kind"] == "full-matrix" and out["layers"][0]["layer"] == "prompt"
    assert out["n_items"] == 5 and out["noise_ceiling"]["upper"] > 0
