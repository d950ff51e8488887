"""Gamble arrays, ambiguity policies, counts, simulators and file reading."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cogalign.data.tables import to_csv_frame
from cogalign.errors import CogalignError
from cogalign.intertemporal.data import read_intertemporal
from cogalign.intertemporal.simulate import simulate_intertemporal
from cogalign.risky.data import read_risky, table_kind
from cogalign.risky.gambles import (
    gamble_arrays,
    problem_arrays,
    rates_to_counts,
    select_ambiguous,
)
from cogalign.risky.simulate import random_problems, simulate_rates, simulate_risky_trials


def test_gamble_arrays_sort_merge_and_pad():
    x, p = gamble_arrays([[5.0, -1.0, 5.0, 3.0], [7.0]], [[0.2, 0.3, 0.1, 0.4], [1.0]])
    np.testing.assert_allclose(x, [[-1, 3, 5], [7, 0, 0]])
    np.testing.assert_allclose(p, [[0.3, 0.4, 0.3], [1, 0, 0]])
    x, p = gamble_arrays([[1.0, 2.0]], [[1.0, 0.0]], width=4)
    assert x.shape == (1, 4) and p[0].tolist() == [1, 0, 0, 0]
    with pytest.raises(CogalignError, match="width"):
        gamble_arrays([[1.0, 2.0, 3.0]], [[0.2, 0.3, 0.5]], width=2)
    with pytest.raises(CogalignError, match="as many"):
        gamble_arrays([[1.0, 2.0]], [[1.0]])


def test_ambiguity_policies():
    t = pd.DataFrame({
        "outcomes_b": [[1.0, 2.0, 3.0], [4.0, 5.0]],
        "probs_b": [[0.8, 0.1, 0.1], [0.5, 0.5]],
        "ambiguous": [True, False],
    })
    assert len(select_ambiguous(t, "exclude")) == 1
    u = select_ambiguous(t, "uniform")
    assert u["probs_b"].iloc[0] == pytest.approx([1 / 3] * 3)
    assert u["probs_b"].iloc[1] == [0.5, 0.5]
    assert select_ambiguous(t, "true") is t
    with pytest.raises(CogalignError, match="ambiguous must be"):
        select_ambiguous(t, "drop")


def test_rates_to_counts():
    t = pd.DataFrame({"b_rate": [0.5, 0.2], "n": [16, 15], "block": [1, 2]})
    k, total = rates_to_counts(t)
    assert total.tolist() == [80, 75] and k.tolist() == [40, 15]
    k, total = rates_to_counts(t.drop(columns="block"))
    assert total.tolist() == [16, 15] and k.tolist() == [8, 3]
    k, total = rates_to_counts(t.assign(n_choices=[10, 10]))
    assert total.tolist() == [10, 10]


def test_simulators_produce_valid_tables():
    from cogalign.data import validate
    from cogalign.data.schemas import INTERTEMPORAL, RISKY, RISKY_RATES

    probs = random_problems(30, seed=1)
    assert all(abs(sum(p) - 1) < 1e-6 for p in probs["probs_b"])
    rates = simulate_rates(probs, "cpt", seed=2)
    validate(rates, RISKY_RATES)
    assert rates.attrs["params"]["lam"] == 2.25
    assert rates["n_choices"].eq(80).all()
    a = simulate_rates(probs, "eu", {"alpha": 0.5, "phi": 0.2}, seed=3)
    b = simulate_rates(probs, "eu", {"alpha": 0.5, "phi": 0.2}, seed=3)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="unknown parameters"):
        simulate_rates(probs, "ev", {"alpha": 0.5})
    trials = simulate_risky_trials(4, 10, "pt", seed=4)
    validate(trials, RISKY)
    assert trials.attrs["params"].shape == (4, 6)
    it = simulate_intertemporal(5, 8, "itch", seed=5)
    validate(it, INTERTEMPORAL)
    assert set(it["response"].unique()) <= {0, 1}
    assert table_kind(rates) == "rates" and table_kind(trials) == "trials"
    with pytest.raises(CogalignError, match="neither"):
        table_kind(pd.DataFrame({"x": [1]}))


def test_problem_arrays_share_width():
    probs = random_problems(20, seed=0)
    arr = problem_arrays(probs)
    assert arr["xa"].shape == arr["xb"].shape
    np.testing.assert_allclose(arr["pa"].sum(1), 1.0)


def test_read_native_and_tidy_files(tmp_path):
    # choices13k native pair
    probs = random_problems(6, seed=0)
    rates = simulate_rates(probs, "ev", {"phi": 0.1}, seed=0)
    sel = pd.DataFrame({
        "Problem": rates["problem_id"] + 1, "Feedback": True, "n": 15, "Block": 1,
        "Ha": [max(x) for x in rates["outcomes_a"]], "bRate": rates["b_rate"],
        "bRate_std": 0.3, "Amb": False, "Corr": 0, "LotShapeB": 0, "LotNumB": 1,
    })
    sel.to_csv(tmp_path / "c13k_selections.csv", index=False)
    problems = {str(i): {"A": [[p, x] for x, p in zip(r.outcomes_a, r.probs_a, strict=True)],
                         "B": [[p, x] for x, p in zip(r.outcomes_b, r.probs_b, strict=True)]}
                for i, r in enumerate(rates.itertuples())}
    (tmp_path / "c13k_problems.json").write_text(json.dumps(problems))
    native = read_risky(tmp_path / "c13k_selections.csv")
    assert len(native) == 6 and table_kind(native) == "rates"
    assert len(read_risky(tmp_path)) == 6
    # tidy rates
    to_csv_frame(rates.drop(columns=["p_b"])).to_csv(tmp_path / "rates.csv", index=False)
    assert table_kind(read_risky(tmp_path / "rates.csv")) == "rates"
    # tidy trials
    trials = simulate_risky_trials(2, 5, "ev", seed=1)
    to_csv_frame(trials).to_csv(tmp_path / "trials.csv", index=False)
    assert table_kind(read_risky(tmp_path / "trials.csv")) == "trials"
    # missing JSON next to the native CSV
    (tmp_path / "other").mkdir()
    sel.to_csv(tmp_path / "other" / "c13k_selections.csv", index=False)
    with pytest.raises(CogalignError, match="c13k_problems.json"):
        read_risky(tmp_path / "other" / "c13k_selections.csv")
    with pytest.raises(CogalignError, match="no such file"):
        read_risky(tmp_path / "nope.csv")
    # Ericson native and tidy
    it = simulate_intertemporal(3, 4, seed=2)
    pd.DataFrame({
        "Subject": it["participant_id"].str[1:].astype(int), "Condition": 1,
        "Question": it["trial"] + 1, "X1": it["x1"], "T1": it["t1"], "X2": it["x2"],
        "T2": it["t2"], "LaterOptionChosen": it["response"], "G": 1.0, "R": 1.0, "D": 1,
    }).to_csv(tmp_path / "choices.csv", index=False)
    assert len(read_intertemporal(tmp_path / "choices.csv")) == 12
    it.to_csv(tmp_path / "it.csv", index=False)
    assert len(read_intertemporal(tmp_path / "it.csv")) == 12
