"""Relative dissonance and the accuracy-by-dissonance analysis."""

import numpy as np
import pandas as pd
import pytest

from cogalign.beliefs.dissonance import (
    accuracy_by_dissonance,
    relative_dissonance,
    signed_dissonance,
    wilson_interval,
)


def test_the_paper_measure():
    d_pro, d_con = np.array([1.0, 2.0, 3.0]), np.array([2.0, 1.0, 3.0])
    assert relative_dissonance(d_pro, d_con).tolist() == [1.0, 1.0, 0.0]
    assert signed_dissonance(d_pro, d_con).tolist() == [1.0, -1.0, 0.0]
    assert relative_dissonance(np.array([0.5]), np.array([1.5]))[0] == pytest.approx(2.0)


def test_wilson_interval_reference():
    low, high = wilson_interval(np.array([8]), np.array([10]))
    assert low[0] == pytest.approx(0.4902, abs=1e-4) and high[0] == pytest.approx(0.9433, abs=1e-4)


def test_accuracy_rises_when_choices_follow_dissonance():
    rng = np.random.default_rng(0)
    n = 4000
    d_pro = rng.uniform(0.5, 2.0, n)
    d_con = rng.uniform(0.5, 2.0, n)
    rel = relative_dissonance(d_pro, d_con)
    nearer = np.where(d_pro < d_con, 1, -1)
    follows = rng.random(n) < 0.5 + 0.45 * rel / (1 + rel)
    frame = pd.DataFrame({"stance": np.where(follows, nearer, -nearer), "d_pro": d_pro, "d_con": d_con})
    bins = accuracy_by_dissonance(frame, n_bins=5)
    assert len(bins) == 5 and bins["n"].sum() == n
    assert bins["accuracy"].iloc[-1] > bins["accuracy"].iloc[0] + 0.15
    assert (bins["ci_low"] <= bins["accuracy"]).all() and (bins["accuracy"] <= bins["ci_high"]).all()
    trend = bins.attrs["trend"]
    assert trend["slope"] > 0 and trend["p_value"] < 1e-6
    flat = frame.assign(stance=np.where(rng.random(n) < 0.5, nearer, -nearer))
    assert accuracy_by_dissonance(flat, n_bins=5).attrs["trend"]["p_value"] > 1e-3
