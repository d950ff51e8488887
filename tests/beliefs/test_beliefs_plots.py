"""Every belief-embedding figure draws."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")


@pytest.fixture(autouse=True)
def _agg():
    import matplotlib

    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_belief_map_and_polarization(tuned_space, believers):
    from cogalign.beliefs.people import polarization, project_beliefs
    from cogalign.plots.beliefs import plot_belief_map, plot_polarization

    people = tuned_space.person_vectors(believers)
    party = believers.groupby("participant_id")["political_party"].first().reindex(people.index)
    statements, placed = project_beliefs(tuned_space.vectors_, people.to_numpy())
    ax = plot_belief_map(statements, tuned_space.issues_, people=placed, party=party.to_numpy())
    assert len(ax.collections) >= 4 and len(ax.texts) == 8
    polar = polarization(tuned_space.vectors_, tuned_space.issues_)
    gap = pd.DataFrame({"issue": tuned_space.issues_, "absolute_difference": np.linspace(0, 1, 10)})
    ax = plot_polarization(polar, gap)
    assert "Pearson r" in ax.get_title()


def test_accuracy_by_dissonance_and_methods():
    from cogalign.plots.beliefs import plot_accuracy_by_dissonance, plot_stance_methods

    bins = pd.DataFrame({"dissonance": [0.1, 0.5, 2.0], "accuracy": [0.5, 0.6, 0.8],
                         "ci_low": [0.45, 0.55, 0.75], "ci_high": [0.55, 0.65, 0.85]})
    tuned = bins + np.array([0.0, 0.05, 0.05, 0.05])
    ax = plot_accuracy_by_dissonance({"base": bins, "fine-tuned": tuned})
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 2
    summary = pd.DataFrame({"accuracy": [0.57, 0.78], "accuracy_low": [0.56, 0.77],
                            "accuracy_high": [0.58, 0.79]}, index=["always-pro", "cf-logistic"])
    ax = plot_stance_methods(summary)
    top = max(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert top.get_text() == "always-pro"  # methods read top to bottom in table order
    assert len(ax.patches) == 2
