"""The similarity figures draw without error and show what they claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogalign.similarity import participant_rdms, turing_rsa

plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_rdm_heatmap_has_item_labels(ratings):
    from cogalign.plots.similarity import plot_rdm

    group = participant_rdms(ratings).mean()
    ax = plot_rdm(group, title="group")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == list(group.labels) and ax.get_title() == "group"
    image = ax.images[0].get_array()
    data = np.ma.filled(image.astype(float), np.nan)
    assert np.isnan(data[0, 0]) and np.nanmax(data) <= 6
    ranked = plot_rdm(group.vectors[0], rank=True)
    assert np.nanmax(np.ma.filled(ranked.images[0].get_array().astype(float), np.nan)) <= 100


def test_mds_and_turing_figures(ratings, population):
    from cogalign.metrics import rdm_from_embedding
    from cogalign.plots.similarity import plot_mds, plot_turing_rsa

    people = participant_rdms(ratings).rdms
    cands = np.stack([rdm_from_embedding(population.latent),
                      rdm_from_embedding(np.random.default_rng(0).normal(size=(20, 3)))])
    ax = plot_mds(np.vstack([people.vectors, cands]), names=[*people.names, "latent", "noise"],
                  groups=["human"] * 15 + ["model", "llm"])
    assert {t.get_text() for t in ax.texts} == {"latent", "noise"}
    res = turing_rsa(people, cands, names=["latent", "noise"], kinds=["model", "llm"],
                     n_boot=20)
    axes = plot_turing_rsa(res)
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels[-1] == "humans" and "noise (llm)" in labels


def test_sweep_and_word_pair_plots():
    from cogalign.plots.similarity import plot_sweep, plot_word_pairs

    table = pd.DataFrame({
        "template": ["t1"] * 3 + ["t2"] * 3,
        "rater": ["expected", "synthetic", "synthetic"] * 2,
        "temperature": [np.nan, 0.0, 1.0] * 2,
        "group_spearman": [0.5, 0.4, 0.3, 0.2, 0.25, 0.1],
    })
    ax = plot_sweep(table)
    assert len(ax.lines) == 4
    values = pd.DataFrame({"human": [1.0, 2.0, 3.0, 4.0], "layer 6": [0.1, 0.3, 0.2, 0.5]})
    ax = plot_word_pairs(values, "layer 6")
    assert ax.get_title() == "Spearman 0.800"
