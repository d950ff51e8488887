"""Figures of the moral-graph paradigm draw without error and show what they say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cogalign.moralgraph import bootstrap_ranks, rank_values, vote_agreement  # noqa: E402
from cogalign.plots.moralgraph import (  # noqa: E402
    graph_layout,
    plot_moral_graph,
    plot_rank_intervals,
    plot_vote_calibration,
)


def test_layout_is_seeded_and_in_the_unit_square():
    nodes, edges = [1, 2, 3, 4, 5, 6], [(1, 2), (2, 3), (3, 4), (5, 6)]
    a = graph_layout(nodes, edges, seed=1)
    b = graph_layout(nodes, edges, seed=1)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    xy = np.array(list(a.values()))
    assert xy.min() >= 0 and xy.max() <= 1
    # joined nodes end up closer than the two ends of the chain
    assert np.linalg.norm(a[1] - a[2]) < np.linalg.norm(a[1] - a[4])
    # the second component sits in its own cell, not on top of the first
    chain = np.array([a[v] for v in (1, 2, 3, 4)])
    inside = (chain.min(axis=0) <= a[5]) & (a[5] <= chain.max(axis=0))
    assert not inside.all()
    assert graph_layout([], []) == {}


def test_graph_figure_labels_the_top_values(study):
    graph, _ = study
    ax = plot_moral_graph(graph, top=3)
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    best = rank_values(graph)["title"].head(3).tolist()
    assert texts[:3] == ["1", "2", "3"]  # numbers at the nodes ...
    assert texts[3].splitlines() == [f"{i + 1}. {t}" for i, t in enumerate(best)]  # ... titles beside
    plt.close(ax.figure)


def test_interval_and_calibration_figures(study, small_graph):
    graph, _ = study
    table = bootstrap_ranks(graph, n_boot=10, seed=0)
    ax = plot_rank_intervals(table, top=5, what="rank")
    assert len(ax.get_yticklabels()) == 5 and ax.xaxis_inverted()
    plt.close(ax.figure)
    with pytest.raises(ValueError):
        plot_rank_intervals(table, what="votes")
    import pandas as pd

    votes = pd.DataFrame({"source_value_id": [1, 1, 2, 4], "wiser_value_id": [2, 3, 3, 1],
                          "p_wiser": [0.9, 0.6, 0.2, 0.7], "p_not_wiser": [0.1, 0.2, 0.7, 0.2]})
    ax = plot_vote_calibration(vote_agreement(votes, small_graph))
    assert "accuracy 0.75" in ax.get_title()
    plt.close(ax.figure)
