"""The published ranking rule (by hand and against a literal re-implementation), PageRank
variants, cycles, and the Bradley-Terry rankings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cogalign.errors import CogalignError
from cogalign.estimator import clone
from cogalign.moralgraph import (
    BradleyTerry,
    comparisons,
    edge_statistics,
    filter_edges,
    graph_structure,
    mge_pagerank,
    pagerank,
    rank_values,
)
from cogalign.moralgraph.bradley_terry import simulate_comparisons
from cogalign.moralgraph.ranking import vote_entropy, wiser_likelihood


def published_rule(edges: list[dict]) -> dict[int, float]:
    """The app's summarizeGraph filter and calculatePageRank, written out loop by loop."""
    cooked = []
    for e in edges:
        c = e["counts"]
        total = c["markedWiser"] + c["markedNotWiser"] + c["markedUnsure"] + c["markedLessWise"]
        wl = 0 if total == 0 else (c["markedWiser"] - c["markedLessWise"]) / total
        everything = sum(c.values())
        h = 0.0
        for count in c.values():
            p = count / everything
            if p > 0:
                h -= p * math.log2(p)
        cooked.append({**e, "summary": {"wiserLikelihood": wl, "entropy": h}})
    kept = [e for e in cooked if e["counts"]["markedWiser"] and e["summary"]["wiserLikelihood"] >= 0.33
            and e["summary"]["entropy"] <= 1.69 and e["counts"]["markedWiser"] >= 2]
    nodes = list(dict.fromkeys(v for e in kept for v in (e["sourceValueId"], e["wiserValueId"])))
    rank = {v: 1 / len(nodes) for v in nodes}
    for _ in range(100):
        new = {v: 0.15 / len(nodes) for v in nodes}
        for e in kept:
            out = [o for o in kept if o["sourceValueId"] == e["sourceValueId"]]
            total = sum(o["summary"]["wiserLikelihood"] for o in out)
            if total > 0:
                new[e["wiserValueId"]] += 0.85 * rank[e["sourceValueId"]] * e["summary"]["wiserLikelihood"] / total
        rank = new
    return rank


def test_edge_statistics_by_hand(small_graph):
    assert float(wiser_likelihood(3, 0, 0, 1)) == 0.75
    assert float(wiser_likelihood(0, 0, 0, 0)) == 0.0
    assert float(wiser_likelihood(2, 0, 1, 0)) == pytest.approx(1 / 3)
    # the impressions are a fifth category: (3, 0, 0, 1, 4) / 8
    assert float(vote_entropy([3, 0, 0, 1, 4])) == pytest.approx(-(3 / 8 * math.log2(3 / 8) + 1 / 8 * math.log2(1 / 8)
                                                                  + 0.5 * math.log2(0.5)))
    stats = edge_statistics(small_graph.edges)
    np.testing.assert_allclose(stats["wiser_likelihood"], [1.0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(stats["entropy"], [1.0, 1.5, 1.0, 1.0])
    assert filter_edges(small_graph.edges)["source_value_id"].tolist() == [1, 1, 2]  # 4 -> 1 has one vote
    assert len(filter_edges(small_graph.edges, min_likelihood=0.6)) == 2
    assert len(filter_edges(small_graph.edges, max_entropy=1.2)) == 2
    with pytest.raises(CogalignError, match="edge row 1: negative count in 'marked_wiser'"):
        edge_statistics(small_graph.edges.assign(marked_wiser=-1))


def test_mge_pagerank_by_hand(small_graph):
    # A -> B (w 1), A -> C (w 0.5), B -> C (w 1); C has no wiser successor. d = 0.85, N = 3.
    scores = mge_pagerank(filter_edges(small_graph.edges))
    a = 0.05
    b = 0.05 + 0.85 * a * (1 / 1.5)
    c = 0.05 + 0.85 * (a * 0.5 / 1.5 + b)
    assert scores.index.tolist() == [1, 2, 3]
    np.testing.assert_allclose(scores.to_numpy(), [a, b, c], rtol=1e-12)
    assert scores.sum() == pytest.approx(a + b + c) and scores.sum() < 1  # the leak
    fixed = pagerank(filter_edges(small_graph.edges))
    assert fixed.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(fixed.to_numpy(), scores.to_numpy() / scores.sum(), rtol=1e-9)
    # a value that keeps its rank: C = ((1 - d)/N + d * inflow) / (1 - d)
    kept = pagerank(filter_edges(small_graph.edges), dangling="self")
    assert kept.sum() == pytest.approx(1.0)
    assert kept[3] == pytest.approx((0.05 + 0.85 * (a * 0.5 / 1.5 + b)) / 0.15)
    table = rank_values(small_graph, "mge")
    assert table["value_id"].tolist() == [3, 2, 1, 4]
    assert table["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(table["rank"].iloc[3])
    assert table[["n_in", "n_out"]].to_numpy().tolist()[:3] == [[2, 0], [1, 1], [0, 2]]
    with pytest.raises(CogalignError, match="unknown ranking method"):
        rank_values(small_graph, "elo")


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["moralgraph-mge-prolific", "moralgraph-mge-all"])
def test_published_numbers_on_the_real_graphs(load_dataset, name):
    import json

    graph = load_dataset(name)
    raw = json.loads(open(graph.source, encoding="utf-8").read())
    stats = edge_statistics(graph.edges)  # recomputed from the counts ...
    published = pd.DataFrame([e["summary"] for e in raw["edges"]])  # ... equal the published summary
    np.testing.assert_allclose(stats["wiser_likelihood"], published["wiserLikelihood"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(stats["entropy"], published["entropy"], rtol=0, atol=1e-12)
    assert len(filter_edges(graph.edges)) == graph.n_edges  # the export holds the filtered edges
    reference = published_rule(raw["edges"])
    ours = mge_pagerank(filter_edges(graph.edges))
    assert list(ours.index) == list(reference)
    np.testing.assert_allclose(ours.to_numpy(), list(reference.values()), rtol=1e-12)
    assert 0.40 < ours.sum() < 0.45  # more than half the rank leaks away
    nx = pytest.importorskip("networkx")
    kept = filter_edges(graph.edges)
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(kept.source_value_id, kept.wiser_value_id, kept.wiser_likelihood, strict=True))
    ref = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-13, max_iter=10_000)
    fixed = pagerank(kept)
    np.testing.assert_allclose(fixed.to_numpy(), [ref[v] for v in fixed.index], atol=1e-10)
    # the leak changes the scale of the published scores, not their order
    np.testing.assert_allclose(fixed.to_numpy(), ours.to_numpy() / ours.sum(), rtol=1e-9)
    assert rank_values(graph, "mge")["value_id"].tolist() == rank_values(graph, "pagerank")["value_id"].tolist()


def test_structure_finds_cycles_and_intransitive_triads():
    rows = [(1, 2), (2, 3), (3, 1), (3, 4), (4, 5), (3, 5), (6, 7), (7, 6)]
    edges = pd.DataFrame({"source_value_id": [a for a, _ in rows], "wiser_value_id": [b for _, b in rows],
                          "contexts": [("c",)] * len(rows), "marked_wiser": 3, "marked_not_wiser": 0,
                          "marked_less_wise": 0, "marked_unsure": 0, "impressions": 3})
    from cogalign.data import MoralGraph

    values = pd.DataFrame({"id": range(1, 8), "title": list("ABCDEFG")})
    s = graph_structure(MoralGraph(values, edges))
    assert s["strong_components"] == [[1, 2, 3], [6, 7]]
    assert s["two_way_pairs"] == [[6, 7]]
    assert s["cyclic_triads"] == [[1, 2, 3]] and s["n_transitive_triads"] == 1  # 3 -> 4 -> 5, 3 -> 5
    assert not s["acyclic"]


def test_comparisons_count_reverse_votes_once(small_graph):
    edges = small_graph.edges.copy()
    edges.loc[0, ["marked_not_wiser", "marked_less_wise"]] = [1, 2]
    comp = comparisons(edges)
    first = comp.iloc[0].tolist()
    assert first == [2, 1, 5, 2]  # 2 beat 1 twice; 1 beat 2 once (not wiser) + twice (less wise)
    assert comparisons(edges, not_wiser="ignore").iloc[0].tolist() == [2, 1, 4, 2]
    reverse = pd.concat([edges, edges.iloc[[0]].assign(source_value_id=2, wiser_value_id=1, marked_wiser=2,
                                                        marked_less_wise=2)], ignore_index=True)
    # with the edge 2 -> 1 present its "wiser" count holds the less-wise votes of 1 -> 2
    assert comparisons(reverse).iloc[0].tolist() == [2, 1, 3, 2]
    with pytest.raises(CogalignError):
        comparisons(edges, not_wiser="half")


def test_bradley_terry_recovers_strengths_and_clones():
    truth = np.random.default_rng(0).normal(0, 1.2, size=25)
    comp = simulate_comparisons(truth, 150, (8, 20), seed=1)
    model = BradleyTerry(l2=0.1).fit(comp)
    est = model.scores_.reindex(range(25)).to_numpy()
    assert np.corrcoef(est, truth - truth.mean())[0, 1] > 0.9
    assert abs(model.scores_.sum()) < 1e-8
    copy = clone(model)
    assert copy.get_params() == {"l2": 0.1, "not_wiser": "loss"} and not hasattr(copy, "scores_")
    assert model.score(comp) > BradleyTerry(l2=100.0).fit(comp).score(comp)
    p = model.predict_proba([0], [1])[0]
    assert p == pytest.approx(1 / (1 + math.exp(-(model.scores_[0] - model.scores_[1]))))
    with pytest.raises(CogalignError, match="not fitted"):
        BradleyTerry().score(comp)
    with pytest.raises(CogalignError, match="no decisive votes"):
        BradleyTerry().fit(comp.iloc[:0])


def test_bradley_terry_fits_vote_tables_and_graphs(study):
    graph, wisdom = study
    by_table = BradleyTerry().fit(graph.votes).scores_
    by_graph = BradleyTerry().fit(graph).scores_
    pd.testing.assert_series_equal(by_table, by_graph)
    rho = pd.Series(by_graph).corr(wisdom.reindex(by_graph.index), method="spearman")
    assert rho > 0.8
    table = rank_values(graph, "bradley-terry")
    assert table["score"].iloc[0] == by_graph.max()


@pytest.mark.slow
def test_numpyro_and_pymc_bradley_terry_agree():
    pytest.importorskip("pymc")
    import functools

    import jax
    from numpyro.infer.util import log_density

    from cogalign.bayes import get_pymc_builder, split_data
    from cogalign.moralgraph.bradley_terry import bradley_terry_model

    comp = simulate_comparisons([0.0, 0.5, -1.0, 1.5], 5, 6, seed=2)
    data = {"item_a": comp["item_a"].to_numpy(), "item_b": comp["item_b"].to_numpy(),
            "n_votes": comp["n_votes"].to_numpy(), "y": comp["y"].to_numpy(), "n_items": 4}
    arrays, static = split_data(data)
    point = {"strength_sigma": 0.8, "strength_z": np.array([0.3, -0.2, 1.1, -0.7])}
    with jax.enable_x64(True):
        lp_numpyro = float(log_density(functools.partial(bradley_terry_model, **static), (), arrays, point)[0])
    pm_model = get_pymc_builder(bradley_terry_model)(**data)
    values = {"strength_sigma_log__": np.log(0.8), "strength_z": point["strength_z"]}
    lp_pymc = float(pm_model.compile_logp(jacobian=False, mode="FAST_COMPILE")(values))
    assert lp_pymc == pytest.approx(lp_numpyro, rel=1e-9)


@pytest.fixture(scope="module")
def bayes_fit(study):
    """One NUTS fit on the simulated study (compiling dominates the cost, so tests share it)."""
    pytest.importorskip("numpyro")
    from cogalign.moralgraph import BayesianBradleyTerry

    return BayesianBradleyTerry(draws=200, tune=200, chains=1, seed=0).fit(study[0])


@pytest.mark.slow
def test_bayesian_bradley_terry_recovers_strengths(study, bayes_fit):
    graph, wisdom = study
    est = bayes_fit.scores_
    assert est.corr(wisdom.reindex(est.index), method="spearman") > 0.8
    iv = bayes_fit.intervals_.set_index("value_id")
    truth = wisdom.reindex(iv.index) - wisdom.reindex(iv.index).mean()
    inside = ((iv["score_low"] <= truth) & (truth <= iv["score_high"])).mean()
    assert inside >= 0.8  # 95% intervals on the centred truth
    assert (iv["rank_low"] <= iv["rank_high"]).all()
    assert iv["p_top"].idxmax() == int(wisdom.reindex(iv.index).idxmax())
    assert bayes_fit.idata_.log_likelihood["y"].shape[-1] == len(bayes_fit.comparisons_)
    assert bayes_fit.score(graph) > BradleyTerry(l2=1e3).fit(graph).score(graph)
    assert clone(bayes_fit).get_params()["draws"] == 200


@pytest.mark.slow
def test_rank_values_reports_posterior_intervals(study, bayes_fit, monkeypatch):
    from cogalign.moralgraph import BayesianBradleyTerry

    def fitted(self, graph):  # the fit above stands in for a second NUTS run
        self.__dict__.update({k: v for k, v in vars(bayes_fit).items() if k.endswith("_")})
        return self

    monkeypatch.setattr(BayesianBradleyTerry, "fit", fitted)
    table = rank_values(study[0], "bayes-bradley-terry")
    top = table.iloc[0]
    assert top["score"] == bayes_fit.scores_.max()
    assert top["score_low"] <= top["score"] <= top["score_high"] and top["rank_low"] == 1
