"""Bootstrap rank intervals (over participants and over votes) and ranking agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogalign.errors import CogalignError
from cogalign.moralgraph import (
    bootstrap_ranks,
    rank_agreement,
    rank_agreement_interval,
    rank_values,
    resampled_graphs,
)
from cogalign.moralgraph.bootstrap import resample_edge_votes, resample_participants


def test_vote_resampling_keeps_impressions_and_shares(small_graph):
    rng = np.random.default_rng(0)
    draws = [resample_edge_votes(small_graph.edges, rng) for _ in range(200)]
    assert all((d["impressions"] == small_graph.edges["impressions"]).all() for d in draws)
    unsure = np.mean([d.loc[1, "marked_unsure"] for d in draws])
    assert unsure == pytest.approx(2.0, abs=0.2)  # 2 of 4 impressions, on average
    assert all(d["marked_wiser"].le(d["impressions"]).all() for d in draws)
    bad = small_graph.edges.assign(impressions=0)
    with pytest.raises(CogalignError, match="fewer impressions than votes"):
        resample_edge_votes(bad, rng)


def test_participant_resampling_keeps_each_persons_votes(study):
    graph, _ = study
    votes = resample_participants(graph.votes, np.random.default_rng(1), replicate=0)
    assert len(votes) == len(graph.votes)  # everyone voted 10 times
    assert votes["participant_id"].nunique() == graph.votes["participant_id"].nunique()
    origin = votes["participant_id"].str.split("#").str[0]
    first = origin.iloc[0]
    mine = votes[origin == first].iloc[:10][["source_value_id", "wiser_value_id", "vote"]].to_numpy()
    theirs = graph.votes[graph.votes.participant_id == first][["source_value_id", "wiser_value_id", "vote"]]
    assert (mine == theirs.to_numpy()).all()


def test_bootstrap_over_participants(study):
    graph, wisdom = study
    table = bootstrap_ranks(graph, "mge", n_boot=25, seed=5, top_k=3)
    assert table.attrs["resample"] == "participants" and table.attrs["n_boot"] == 25
    ranked = table.dropna(subset=["score"])
    assert (ranked["score_low"] <= ranked["score"] + 1e-12).all()
    assert (ranked["score"] <= ranked["score_high"] + 1e-12).all()
    assert (ranked["rank_low"] <= ranked["rank"].astype(int)).all()
    assert (ranked["rank"].astype(int) <= ranked["rank_high"]).all()
    assert table["p_top_k"].sum() >= 3.0 - 1e-9  # ties at the cut can add more
    again = bootstrap_ranks(graph, "mge", n_boot=25, seed=5, top_k=3)
    pd.testing.assert_frame_equal(table, again)
    other = bootstrap_ranks(graph, "mge", n_boot=25, seed=6, top_k=3)
    assert not table["score_low"].equals(other["score_low"])
    wide = (table["rank_high"] - table["rank_low"]).mean()
    assert wide > 0  # 60 people voting leaves the ranks uncertain
    bt = bootstrap_ranks(graph, "bradley-terry", n_boot=20, seed=0)
    best = int(bt["value_id"].iloc[0])
    assert bt["rank_low"].iloc[0] == 1 and wisdom.rank(ascending=False)[best] <= 3


def test_bootstrap_over_votes_of_an_export(small_graph):
    with pytest.raises(CogalignError, match="holds vote counts, not votes per participant"):
        bootstrap_ranks(small_graph, n_boot=5, resample="participants")
    table = bootstrap_ranks(small_graph, "pagerank", n_boot=100, seed=0)
    assert table.attrs["resample"] == "votes"
    top = table.iloc[0]
    assert top["value_id"] == 3 and top["p_ranked"] == 1.0
    # value 4's only edge has one vote: it never passes the filter
    assert table.set_index("value_id").loc[4, "p_ranked"] == 0.0
    with pytest.raises(CogalignError, match="posterior intervals"):
        bootstrap_ranks(small_graph, "bayes-bradley-terry", n_boot=5)
    assert len(list(resampled_graphs(small_graph, 3, seed=0))) == 3


@pytest.mark.realdata
def test_bootstrap_on_the_prolific_graph(load_dataset):
    graph = load_dataset("moralgraph-mge-prolific")
    table = bootstrap_ranks(graph, "mge", n_boot=100, seed=0)
    top = table.iloc[0]
    assert top["title"] == "Information Empowerment"
    assert top["rank_low"] == 1 and top["rank_high"] > 3  # the published top value is not a sure winner
    assert table["p_ranked"].min() > 0.5


def test_rank_agreement_by_hand():
    a = pd.Series([4.0, 3.0, 2.0, 1.0], index=[1, 2, 3, 4])
    b = pd.Series([3.0, 4.0, 1.0, 2.0, 9.0], index=[1, 2, 3, 4, 5])
    out = rank_agreement(a, b, top_k=2, missing="drop")
    assert out["n_common"] == 4 and out["n_values"] == 4
    assert out["spearman"] == pytest.approx(0.6)
    assert out["kendall"] == pytest.approx(1 / 3)
    assert out["top_k_overlap"] == 0.5  # {1, 2} vs {5, 2}
    # value 5 has no score in a: as score 0, a = (4, 3, 2, 1, 0) against b = (3, 4, 1, 2, 9)
    zero = rank_agreement(a, b, top_k=2)
    assert zero["n_values"] == 5 and zero["spearman"] == pytest.approx(-0.2)
    assert rank_agreement(a, a)["spearman"] == pytest.approx(1.0)
    assert np.isnan(rank_agreement(a.iloc[:2], b, missing="drop")["spearman"])
    # the top-k share is over k even when a ranking scores fewer values
    assert rank_agreement(a.iloc[:1], b, top_k=4)["top_k_overlap"] == 0.25
    with pytest.raises(CogalignError):
        rank_agreement(a, b, missing="mean")


def test_rank_agreement_interval_of_two_studies(study):
    from cogalign.moralgraph import simulate_study

    graph, _ = study
    same_people, _ = simulate_study(n_values=15, n_edges=40, n_participants=60, votes_per_participant=10, seed=3)
    out = rank_agreement_interval(graph, same_people, n_boot=20, seed=0, top_k=5)
    assert out["spearman"] == pytest.approx(1.0) and out["top_k_overlap"] == 1.0
    # the two graphs are redrawn independently, so even identical studies disagree a little
    assert 0.5 < out["spearman_low"] <= out["spearman_high"] <= 1.0
    point = rank_agreement(rank_values(graph), rank_values(same_people), top_k=5)
    assert point["spearman"] == out["spearman"]
