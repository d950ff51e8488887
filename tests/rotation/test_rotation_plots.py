"""Figures of mental rotation draw from a fit and a table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cogalign.plots import rotation as rplots  # noqa: E402
from cogalign.rotation import generate_objects  # noqa: E402
from cogalign.rotation.analysis import ppc_by_condition  # noqa: E402


def test_rt_by_angle_with_posterior_predictive_band(linear_fit, small_study):
    band = ppc_by_condition(linear_fit)
    assert len(band) == 8 and set(band["pair_type"]) == {"same", "mirror"}
    assert (band["lower"] <= band["predicted"]).all() and (band["predicted"] <= band["upper"]).all()
    # the fitted model reproduces the condition means it was fitted to
    inside = (band["observed"] >= band["lower"] - 0.1) & (band["observed"] <= band["upper"] + 0.1)
    assert inside.mean() >= 0.75
    ax = rplots.plot_by_angle(small_study, linear_fit, n_boot=100)
    assert len(ax.collections) >= 2 and ax.get_xlabel().startswith("angular")
    ax = rplots.plot_by_angle(small_study, measure="accuracy", n_boot=100)
    assert ax.get_ylabel() == "accuracy"
    with pytest.raises(ValueError, match="measure"):
        rplots.plot_by_angle(small_study, measure="speed")
    plt.close("all")


def test_person_slopes_and_stimuli(linear_fit, small_study):
    ax = rplots.plot_person_slopes(linear_fit, small_study)
    assert len(ax.get_yticklabels()) == 8
    fig = rplots.plot_stimuli(generate_objects(1, seed=0), angles=(0, 90), size=32)
    assert len(fig.axes) == 4
    comparison = {"by_condition": [
        {"angle": a, "pair_type": p, "human_accuracy": 0.9, "human_lower": 0.85,
         "human_upper": 0.95, "model_p_correct": 0.5} for a in (0.0, 90.0) for p in ("same", "mirror")]}
    ax = rplots.plot_llm_accuracy(comparison)
    assert np.allclose(ax.get_ylim(), (0, 1.02))
    plt.close("all")
