"""The risky-choice figures draw without error and show what they claim."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("numpyro")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from cogalign.plots import risky as rplots  # noqa: E402


@pytest.fixture(scope="module")
def cpt(cpt_fit, cpt_rates):
    return cpt_fit, cpt_rates


def test_rate_figures(cpt):
    est, table = cpt
    ax = rplots.plot_rates(table["b_rate"], est.predict(table))
    assert "R^2" in ax.get_legend().get_texts()[0].get_text()
    ax = rplots.plot_ppc_rates(est, n_draws=10)
    assert ax.get_xlabel() == "choice rate of B"


def test_function_figures(cpt):
    est, _ = cpt
    ax = rplots.plot_weighting(est, n_draws=50)
    xs, ys = ax.get_lines()[0].get_data()
    assert ys[0] == 0 and ys[-1] == 1 and len(ax.collections) == 2
    ax = rplots.plot_value(est, n_draws=50, x_max=10)
    xs, ys = ax.get_lines()[0].get_data()
    assert np.all(np.diff(ys) >= 0)


