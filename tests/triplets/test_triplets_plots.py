"""The triplet figures draw what they claim."""

import pandas as pd
import pytest

from cogalign.plots.triplets import plot_layer_curves

plt = pytest.importorskip("matplotlib.pyplot")


def test_layer_curves_one_line_per_model_with_ceiling_chance_and_reference():
    results = pd.DataFrame({
        "model": ["a", "a", "a", "b", "b"],
        "relative_depth": [1.0, 0.0, 0.5, 0.0, 1.0],
        "accuracy": [0.45, 0.38, 0.42, 0.40, 0.41],
        "ci_low": [0.43, 0.36, 0.40, 0.38, 0.39],
        "ci_high": [0.47, 0.40, 0.44, 0.42, 0.43],
        "noise_ceiling": 0.67,
    })
    ax = plot_layer_curves(results, reference={"accuracy": 0.6, "label": "SPoSE"})
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["a", "b"] and {"noise ceiling", "chance", "SPoSE"} <= set(labels)
    a_line = ax.get_lines()[0]
    assert list(a_line.get_xdata()) == [0.0, 0.5, 1.0]  # sorted by depth
    assert list(a_line.get_ydata()) == [0.38, 0.42, 0.45]
    assert ax.get_ylim() == (0.3, 0.75)
    assert ax.get_xlabel() == "relative layer depth"
    plt.close("all")
