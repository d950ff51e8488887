"""The intertemporal-choice figure draws without error and shows what it claims."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("numpyro")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from cogalign.intertemporal import IntertemporalChoiceModel, simulate_intertemporal  # noqa: E402
from cogalign.plots import intertemporal as iplots  # noqa: E402


def test_discounting_figure():
    table = simulate_intertemporal(20, 15, "hyperbolic", seed=3)
    est = IntertemporalChoiceModel("hyperbolic", hierarchical=False, draws=100,
                                   fit_kwargs={"posterior_predictive": False}).fit(table)
    from types import SimpleNamespace

    ax = iplots.plot_discounting({"hyperbolic": est, "itch": SimpleNamespace(model="itch")},
                                 n_draws=30)
    assert len(ax.get_lines()) == 1  # ITCH has no discount function: skipped
    ys = ax.get_lines()[0].get_data()[1]
    assert ys[0] == pytest.approx(1.0) and np.all(np.diff(ys) <= 0)
