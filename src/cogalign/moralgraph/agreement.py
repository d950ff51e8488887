"""Agreement between rankings, and between language-model votes and people's votes.

:func:`rank_agreement` compares two rankings of values: Spearman and Kendall correlation
over the values both rank, and the overlap of their top ``k``. :func:`rank_agreement_interval`
adds bootstrap intervals by redrawing both graphs (:mod:`cogalign.moralgraph.bootstrap`).

:func:`vote_agreement` compares a model's votes on a graph's edges with the human votes per
edge:

* the human **majority** per edge among "wiser", "not wiser" (``marked_not_wiser`` plus
  ``marked_less_wise``: both say the proposed value is not the wiser one) and "unsure"; edges
  with a tied majority are left out of the label metrics;
* **accuracy** and **Cohen's kappa** of the model's vote against the majority, three-way and
  decisive (wiser vs not wiser, edges whose human decisive votes tie left out). The edges of
  a published graph passed a filter that favours "wiser", so the majority class is reported
  with them, and so is ``kappa_oriented``: the kappa of "which of the two values is wiser"
  with every pair written lower id first, whose two classes are about equally common;
* **calibration** of the model's probability that the proposed value is wiser (among the
  decisive answers) against the human share of "wiser" among decisive votes: Brier score
  against the decisive majority, binned reliability (expected calibration error), and the
  correlation of the two.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError

__all__ = ["human_edge_votes", "rank_agreement", "rank_agreement_interval", "vote_agreement"]

LABELS = ("wiser", "not_wiser", "unsure")


def _scores(ranking: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(ranking, pd.DataFrame):
        ranking = pd.Series(ranking["score"].to_numpy(), index=ranking["value_id"].to_numpy())
    return ranking.astype(np.float64)


def _top(scores: pd.Series, k: int) -> set:
    ordered = scores.dropna().reset_index()
    ordered.columns = ["value_id", "score"]
    ordered = ordered.sort_values(["score", "value_id"], ascending=[False, True])
    return set(ordered["value_id"].head(k))


def rank_agreement(
    a: pd.Series | pd.DataFrame,
    b: pd.Series | pd.DataFrame,
    *,
    top_k: int = 10,
    missing: str = "zero",
) -> dict[str, float]:
    """Agreement of two rankings of values.

    Parameters
    ----------
    a, b
        Scores by value id (higher is wiser), or tables with ``value_id`` and ``score`` (as
        :func:`~cogalign.moralgraph.ranking.rank_values` returns; values it could not rank
        have score NaN).
    top_k
        Size of the top sets compared.
    missing
        Values without a score in one ranking: ``"zero"`` counts them as score 0 (no rank
        mass, the PageRank reading; for Bradley-Terry the prior mean) over every value either
        ranking lists, so the compared set does not depend on which edges passed the filter;
        ``"drop"`` compares only the values scored in both.

    Returns
    -------
    dict
        ``spearman`` and ``kendall`` (tau-b; NaN with fewer than 3 values or a constant
        ranking), ``n_values`` (values compared), ``n_common`` (values scored in both),
        ``top_k``, ``top_k_overlap`` (share of the ``top_k`` best-scored values of one ranking
        among the other's ``top_k``, over ``top_k`` whatever the number of scored values;
        ties at the cut broken by value id).
    """
    if missing not in ("zero", "drop"):
        raise CogalignError(f"missing must be 'zero' or 'drop', got {missing!r}")
    sa, sb = _scores(a), _scores(b)
    scored = sa.dropna().index.intersection(sb.dropna().index)
    if missing == "zero":
        ids = sa.index.union(sb.index)
        x, y = sa.reindex(ids).fillna(0.0).to_numpy(), sb.reindex(ids).fillna(0.0).to_numpy()
    else:
        ids = scored
        x, y = sa[ids].to_numpy(), sb[ids].to_numpy()
    rho = tau = np.nan
    if len(ids) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
        rho = float(stats.spearmanr(x, y).statistic)
        tau = float(stats.kendalltau(x, y).statistic)
    overlap = len(_top(sa, top_k) & _top(sb, top_k)) / top_k if top_k > 0 else np.nan
    return {"spearman": rho, "kendall": tau, "n_values": int(len(ids)), "n_common": int(len(scored)),
            "top_k": int(top_k), "top_k_overlap": float(overlap)}


def rank_agreement_interval(
    graph_a: MoralGraph,
    graph_b: MoralGraph,
    method: str = "mge",
    *,
    n_boot: int = 200,
    seed: int = 0,
    top_k: int = 10,
    ci: float = 0.95,
    resample: str = "auto",
    missing: str = "zero",
) -> dict[str, Any]:
    """:func:`rank_agreement` of two graphs' rankings with bootstrap intervals.

    Both graphs are redrawn independently in every replicate
    (:func:`~cogalign.moralgraph.bootstrap.resampled_graphs`, ``resample`` as there) and
    ranked with ``method``; ``missing`` as in :func:`rank_agreement`.

    Returns
    -------
    dict
        The point values of :func:`rank_agreement` and ``<name>_low`` / ``<name>_high`` for
        ``spearman``, ``kendall`` and ``top_k_overlap``; ``n_boot``, ``ci``.
    """
    from cogalign.metrics import percentile_interval
    from cogalign.moralgraph.bootstrap import resampled_graphs
    from cogalign.moralgraph.ranking import rank_values

    point = rank_agreement(rank_values(graph_a, method), rank_values(graph_b, method), top_k=top_k,
                           missing=missing)
    rows = []
    draws_a = resampled_graphs(graph_a, n_boot, seed=seed, resample=resample)
    draws_b = resampled_graphs(graph_b, n_boot, seed=seed + 1, resample=resample)
    for ga, gb in zip(draws_a, draws_b, strict=True):
        rows.append(rank_agreement(rank_values(ga, method), rank_values(gb, method), top_k=top_k,
                                   missing=missing))
    table = pd.DataFrame(rows)
    out: dict[str, Any] = dict(point)
    for name in ("spearman", "kendall", "top_k_overlap"):
        values = table[name].to_numpy(dtype=float)
        lo, hi = percentile_interval(values, ci) if np.isfinite(values).any() else (np.nan, np.nan)
        out[f"{name}_low"], out[f"{name}_high"] = float(lo), float(hi)
    out.update(n_boot=n_boot, ci=ci, method=method)
    return out


def human_edge_votes(graph: MoralGraph) -> pd.DataFrame:
    """People's votes per edge: counts, majority and share of "wiser".

    Returns
    -------
    pandas.DataFrame
        ``source_value_id``, ``wiser_value_id``, ``n_wiser``, ``n_not_wiser`` (not wiser plus
        less wise), ``n_unsure``, ``human_majority`` (None on a tie), ``human_decisive``
        (``"wiser"``/``"not_wiser"``, None on a tie), ``human_p_wiser`` (share of all votes),
        ``human_p_wiser_decisive`` (share among decisive votes).
    """
    e = graph.edges
    out = pd.DataFrame({
        "source_value_id": e["source_value_id"].astype(np.int64).to_numpy(),
        "wiser_value_id": e["wiser_value_id"].astype(np.int64).to_numpy(),
        "n_wiser": e["marked_wiser"].to_numpy(np.int64),
        "n_not_wiser": (e["marked_not_wiser"] + e["marked_less_wise"]).to_numpy(np.int64),
        "n_unsure": e["marked_unsure"].to_numpy(np.int64),
    })
    counts = out[["n_wiser", "n_not_wiser", "n_unsure"]].to_numpy()
    top = counts.max(axis=1)
    unique = (counts == top[:, None]).sum(axis=1) == 1
    out["human_majority"] = pd.Series([LABELS[int(np.argmax(c))] if u and t > 0 else None
                                       for c, u, t in zip(counts, unique, top, strict=True)], dtype=object)
    w, n = out["n_wiser"].to_numpy(), out["n_not_wiser"].to_numpy()
    out["human_decisive"] = pd.Series(np.where(w > n, "wiser", np.where(n > w, "not_wiser", None)), dtype=object)
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["human_p_wiser"] = np.where(total > 0, w / np.maximum(total, 1), np.nan)
        out["human_p_wiser_decisive"] = np.where(w + n > 0, w / np.maximum(w + n, 1), np.nan)
    return out


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa :math:`(p_o - p_e) / (1 - p_e)`; NaN when undefined (``p_e = 1``)."""
    if len(a) == 0:
        return float("nan")
    a, b = np.asarray(a), np.asarray(b)
    labels = np.unique(np.concatenate([a, b]))
    p_o = float(np.mean(a == b))
    p_e = float(sum(np.mean(a == k) * np.mean(b == k) for k in labels))
    return float("nan") if p_e >= 1.0 else (p_o - p_e) / (1.0 - p_e)


def _interval(stat: Any, n: int, n_boot: int, rng: np.random.Generator, ci: float) -> tuple[float, float]:
    """Percentile interval of ``stat(index)`` over bootstrap draws of ``n`` edges."""
    if n_boot < 1 or n < 2:
        return float("nan"), float("nan")
    draws = np.array([stat(rng.integers(0, n, size=n)) for _ in range(n_boot)], dtype=float)
    if not np.isfinite(draws).any():
        return float("nan"), float("nan")
    lo, hi = np.nanpercentile(draws, [100 * (1 - ci) / 2, 100 * (1 + ci) / 2])
    return float(lo), float(hi)


def _calibration(p: np.ndarray, observed: np.ndarray, n_bins: int) -> tuple[float, pd.DataFrame]:
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)
    rows, ece = [], 0.0
    for k in range(n_bins):
        sel = which == k
        if not sel.any():
            continue
        mean_p, mean_o = float(p[sel].mean()), float(observed[sel].mean())
        ece += sel.mean() * abs(mean_p - mean_o)
        rows.append({"bin_low": edges[k], "bin_high": edges[k + 1], "n": int(sel.sum()),
                     "mean_predicted": mean_p, "observed": mean_o})
    return float(ece), pd.DataFrame(rows, columns=["bin_low", "bin_high", "n", "mean_predicted", "observed"])


def vote_agreement(model_votes: pd.DataFrame, graph: MoralGraph, *, n_bins: int = 5, n_boot: int = 1000,
                   ci: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """Agreement of a model's votes with the human votes on the same edges.

    Parameters
    ----------
    model_votes
        One row per edge (and context): ``source_value_id``, ``wiser_value_id``,
        ``p_wiser``, ``p_not_wiser`` and optionally ``p_unsure`` (the model's answer
        probabilities; rows with NaN probabilities, i.e. errors, are left out and counted).
        Rows of the same edge in several contexts are averaged.
    graph
        The human graph whose edges were voted on.
    n_bins
        Bins of the reliability table.
    n_boot, ci, seed
        Bootstrap over edges for the intervals of the accuracies and kappas (0: none).

    Returns
    -------
    dict
        ``n_edges``, ``n_errors``, ``accuracy`` / ``kappa`` (three-way), ``accuracy_decisive``
        / ``kappa_decisive`` / ``kappa_oriented``, each with ``<name>_low`` / ``<name>_high``
        (bootstrap over edges), ``majority_baseline`` (accuracy of always answering the
        commonest human majority), ``brier``, ``ece``, ``correlation`` (Pearson, model vs
        human share of "wiser" among decisive votes), ``reliability`` (list of bin records)
        and ``per_edge`` (DataFrame, not JSON).

    Raises
    ------
    CogalignError
        When a model vote names an edge that is not in the graph.
    """
    need = {"source_value_id", "wiser_value_id", "p_wiser", "p_not_wiser"}
    missing = need - set(model_votes.columns)
    if missing:
        raise CogalignError(f"model votes lack the columns {sorted(missing)}")
    votes = model_votes.copy()
    if "p_unsure" not in votes.columns:
        votes["p_unsure"] = 0.0
    cols = ["p_wiser", "p_not_wiser", "p_unsure"]
    bad = votes[cols].isna().any(axis=1).to_numpy()
    n_errors = int(bad.sum())
    votes = votes[~bad]
    human = human_edge_votes(graph)
    known = set(zip(human["source_value_id"], human["wiser_value_id"], strict=True))
    for i, (s, w) in enumerate(zip(votes["source_value_id"], votes["wiser_value_id"], strict=True)):
        if (int(s), int(w)) not in known:
            raise CogalignError(f"model vote row {i + 1}: no edge {s} -> {w} in {graph.source or 'the graph'}")
    model = votes.groupby(["source_value_id", "wiser_value_id"], as_index=False)[cols].mean()
    per_edge = human.merge(model, on=["source_value_id", "wiser_value_id"], how="inner")
    probs = per_edge[cols].to_numpy(dtype=float)
    per_edge["model_vote"] = [LABELS[int(np.argmax(p))] for p in probs]
    decisive_p = probs[:, 0] / np.where(probs[:, :2].sum(axis=1) > 0, probs[:, :2].sum(axis=1), np.nan)
    per_edge["model_p_wiser_decisive"] = decisive_p
    per_edge["model_decisive"] = np.where(decisive_p >= 0.5, "wiser", "not_wiser")

    lab = per_edge["human_majority"].notna().to_numpy()
    h3, m3 = per_edge.loc[lab, "human_majority"].to_numpy(), per_edge.loc[lab, "model_vote"].to_numpy()
    dec = per_edge["human_decisive"].notna().to_numpy() & np.isfinite(decisive_p)
    h2 = per_edge.loc[dec, "human_decisive"].to_numpy()
    m2 = per_edge.loc[dec, "model_decisive"].to_numpy()
    lower_first = (per_edge["wiser_value_id"] > per_edge["source_value_id"]).to_numpy()[dec]
    orient = np.where(lower_first, 1, 0)
    h2o = np.where(h2 == "wiser", orient, 1 - orient)
    m2o = np.where(m2 == "wiser", orient, 1 - orient)
    majority = pd.Series(h3).value_counts()
    human_share = per_edge.loc[dec, "human_p_wiser_decisive"].to_numpy(dtype=float)
    target = (h2 == "wiser").astype(float)
    p = decisive_p[dec]
    ece, reliability = _calibration(p, target, n_bins) if len(p) else (np.nan, pd.DataFrame())
    corr = np.nan
    if len(p) >= 3 and np.ptp(p) > 0 and np.ptp(human_share) > 0:
        corr = float(stats.pearsonr(p, human_share).statistic)
    rng = np.random.default_rng(seed)
    intervals = {}
    for name, (x, y) in {"accuracy": (h3, m3), "kappa": (h3, m3), "accuracy_decisive": (h2, m2),
                         "kappa_decisive": (h2, m2), "kappa_oriented": (h2o, m2o)}.items():
        fn = _kappa if name.startswith("kappa") else (lambda u, v: float(np.mean(u == v)))
        lo, hi = _interval(lambda i, x=x, y=y, fn=fn: fn(x[i], y[i]), len(x), n_boot, rng, ci)
        intervals[f"{name}_low"], intervals[f"{name}_high"] = lo, hi
    return {
        **intervals,
        "n_edges": int(len(per_edge)),
        "n_errors": n_errors,
        "n_labelled": int(lab.sum()),
        "accuracy": float(np.mean(h3 == m3)) if len(h3) else np.nan,
        "kappa": _kappa(h3, m3),
        "majority_baseline": float(majority.iloc[0] / majority.sum()) if len(majority) else np.nan,
        "majority_label": str(majority.index[0]) if len(majority) else None,
        "n_decisive": int(dec.sum()),
        "accuracy_decisive": float(np.mean(h2 == m2)) if len(h2) else np.nan,
        "kappa_decisive": _kappa(h2, m2),
        "kappa_oriented": _kappa(h2o, m2o),
        "brier": float(np.mean((p - target) ** 2)) if len(p) else np.nan,
        "ece": ece,
        "correlation": corr,
        "model_vote_counts": {k: int(v) for k, v in per_edge["model_vote"].value_counts().items()},
        "reliability": reliability.to_dict("records"),
        "per_edge": per_edge,
    }
