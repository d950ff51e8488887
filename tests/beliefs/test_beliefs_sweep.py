"""The belief paradigm's align entry: stance correlations, the people's ceiling, sweep rows."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cogalign.beliefs.alignment import stance_correlations
from cogalign.beliefs.data import stance_matrix
from cogalign.beliefs.simulate import simulate_believers
from cogalign.beliefs.sweep import people_ceiling, sweep_alignment
from cogalign.errors import CogalignError
from cogalign.paradigms import check_align_rows, get_paradigm


def test_stance_correlations_are_pandas_pairwise_complete_correlations():
    rng = np.random.default_rng(0)
    matrix = rng.choice([-1, 0, 1], size=(300, 6), p=[0.35, 0.3, 0.35]).astype(np.int8)
    matrix[:, 5] = np.where(matrix[:, 0] != 0, matrix[:, 0], matrix[:, 5])  # one strong pair
    matrix[:40, 4] = 1  # ...and a column unanimous among its first people
    matrix[40:, 4] = 0
    frame = pd.DataFrame(np.where(matrix == 0, np.nan, matrix.astype(float)))
    expected = frame.corr(min_periods=10).to_numpy()
    got = stance_correlations(matrix, min_people=10)
    off = ~np.eye(6, dtype=bool)  # the diagonal is 1 by definition (pandas: NaN when unanimous)
    np.testing.assert_allclose(got[off], expected[off], atol=1e-12, equal_nan=True)
    assert (np.diag(got) == 1).all()
    assert got[0, 5] > 0.5 and np.isnan(got[4, 0])


def test_weights_count_people_as_often_as_repeated_rows():
    matrix = simulate_believers(80, 5, seed=2).pipe(stance_matrix)[0]
    counts = np.random.default_rng(1).integers(0, 3, size=len(matrix))
    repeated = np.repeat(matrix, counts, axis=0)
    np.testing.assert_allclose(stance_correlations(matrix, counts, min_people=5),
                               stance_correlations(repeated, min_people=5), atol=1e-12,
                               equal_nan=True)


def test_the_ceiling_is_high_for_structured_people_and_low_for_coin_flips():
    structured = stance_matrix(simulate_believers(600, 10, noise=0.2, seed=3))[0]
    coins = np.random.default_rng(3).choice([-1, 1], size=structured.shape).astype(np.int8)
    high = people_ceiling(structured, n_splits=20)
    low = people_ceiling(coins, n_splits=20)
    assert high["reliability"] > 0.8 and high["ceiling"] > 0.9
    assert low["reliability"] < 0.5 and low["ceiling"] < high["ceiling"]


def _fake_embed(table: pd.DataFrame, good: bool):
    """In place of cogalign.llm.embed: a 'good' model puts Pro along the true issue direction."""
    truth = table.attrs["truth"]
    texts = dict(zip(table["issue_text"], table["issue"], strict=False))
    directions = dict(zip(truth["issues"], truth["directions"], strict=True))
    rng = np.random.default_rng(5)
    noise = {issue: rng.normal(size=2) for issue in truth["issues"]}

    def embed(items, model, layers, pooling, progress):
        rows = []
        for text in items:
            issue = texts[re.search(r"proposition number \d+", text).group(0)]
            sign = 1.0 if "in favor of" in text else -1.0
            vector = directions[issue] if good else noise[issue]
            rows.append([sign * vector, sign * vector + 0.01])  # two layers
        return SimpleNamespace(array=np.asarray(rows), layers=[0, 1],
                               meta={"n_hidden_states": 2})

    return embed


@pytest.mark.parametrize("good", [True, False])
def test_a_model_along_the_true_directions_aligns_and_a_random_one_does_not(monkeypatch, good):
    import cogalign.llm

    table = simulate_believers(500, 10, dim=2, noise=0.2, seed=4)
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: table)
    monkeypatch.setattr(cogalign.llm, "embed", _fake_embed(table, good))
    monkeypatch.setattr("cogalign.llm.models.resolve_model",
                        lambda model: SimpleNamespace(kind="sentence"))
    rows = check_align_rows(sweep_alignment("any-model", n_boot=30, n_splits=10, seed=1))
    frame = pd.DataFrame(rows)
    assert set(frame["split"]) == {"all", "train", "test"} and set(frame["layer"]) == {0, 1}
    assert frame["primary"].all() and (frame["metric"] == "rsa").all()
    whole = frame[(frame["split"] == "all") & (frame["layer"] == 1)].iloc[0]
    assert whole["n"] == 10 and whole["n_pairs"] == 45 and whole["template"] == "favor-against"
    assert whole["ci_low"] < whole["ci_high"]
    if good:
        assert whole["value"] > 0.7 and whole["ci_low"] > 0.5
        assert whole["value"] <= whole["ceiling"] + 0.1
    else:
        assert abs(whole["value"]) < 0.5


def test_limits_below_four_issues_and_non_stance_tables_are_refused(monkeypatch):
    table = simulate_believers(50, 6, seed=1)
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: table)
    with pytest.raises(CogalignError, match="at least 4 issues"):
        sweep_alignment("minilm-l6", limit=3)
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: pd.DataFrame({"x": [1]}))
    with pytest.raises(CogalignError, match="not a stance table"):
        sweep_alignment("minilm-l6")


def test_the_paradigm_registers_the_align_entry():
    assert get_paradigm("beliefs").align == "cogalign.beliefs.sweep:sweep_alignment"


@pytest.mark.slow
def test_minilm_on_real_issues_gives_contract_rows(load_dataset):
    table = load_dataset("ddo-big-issues")
    rows = check_align_rows(sweep_alignment("minilm-l6", limit=8, n_boot=20, n_splits=10))
    assert {r["split"] for r in rows} == {"all", "train", "test"}
    assert all(np.isfinite(r["ceiling"]) for r in rows) and len(table) > 0
