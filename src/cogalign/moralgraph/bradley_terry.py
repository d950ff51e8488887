r"""Bradley-Terry rankings of values from wisdom-upgrade votes: penalised ML and NumPyro.

Each value :math:`v` has a log-strength :math:`\theta_v`; a vote comparing values ``a``
and ``b`` favours ``a`` with probability :math:`\sigma(\theta_a - \theta_b)` (Bradley &
Terry 1952). The votes of one edge ``s -> w`` become decisive comparisons
(:func:`comparisons`): "wiser" favours ``w``; "not wiser" favours ``s`` (``not_wiser="loss"``,
the default) or is left out (``"ignore"``); "less wise" (an upgrade vote on ``w -> s``)
favours ``s`` unless the graph also has the edge ``w -> s``, whose "wiser" count holds the
same votes; "unsure" is left out.

:class:`BradleyTerry` maximises the likelihood with an L2 penalty (the MAP under a Normal
prior on every :math:`\theta`), which keeps values that only ever won finite.
:class:`BayesianBradleyTerry` samples the posterior of the non-centred hierarchical model
:func:`bradley_terry_model` (:math:`\theta = \tau z`, :math:`z \sim \mathcal N(0, 1)`,
:math:`\tau \sim \text{Half-}\mathcal N(1)`) with NUTS through :func:`cogalign.bayes.fit`;
its PyMC twin is :func:`cogalign.moralgraph.pymc_models.bradley_terry_pymc`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import log_expit

from cogalign.bayes.registry import pymc_version
from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError
from cogalign.estimator import Estimator

__all__ = [
    "BayesianBradleyTerry",
    "BradleyTerry",
    "bradley_terry_model",
    "comparisons",
    "simulate_comparisons",
]

_NOT_WISER = ("loss", "ignore")


def _edges_of(data: MoralGraph | pd.DataFrame) -> pd.DataFrame:
    """The edge table of a graph, an edge table, or a tidy vote table (counted by the app's rule)."""
    if isinstance(data, MoralGraph):
        return data.edges
    if "vote" in data.columns and "participant_id" in data.columns:
        from cogalign.moralgraph.io import graph_from_votes

        ids = np.unique(np.concatenate([data["source_value_id"].to_numpy(), data["wiser_value_id"].to_numpy()]))
        values = pd.DataFrame({"id": ids.astype(np.int64), "title": [f"value {v}" for v in ids]})
        return graph_from_votes(data, values).edges
    return data


def comparisons(graph: MoralGraph | pd.DataFrame, *, not_wiser: str = "loss") -> pd.DataFrame:
    """Decisive comparisons of the votes on each edge (see the module docstring).

    Parameters
    ----------
    graph
        A moral graph, its edge table, or a tidy vote table (``MORAL_VOTES``).
    not_wiser
        ``"loss"``: a "not wiser" vote favours the source value; ``"ignore"``: left out.

    Returns
    -------
    pandas.DataFrame
        One row per edge with at least one decisive vote: ``item_a`` (the proposed wiser
        value), ``item_b`` (the source value), ``n_votes`` (decisive votes), ``y`` (votes
        favouring ``item_a``).
    """
    if not_wiser not in _NOT_WISER:
        raise CogalignError(f"not_wiser must be one of {_NOT_WISER}, got {not_wiser!r}")
    edges = _edges_of(graph)
    pairs = set(zip(edges["source_value_id"].astype(int), edges["wiser_value_id"].astype(int), strict=True))
    rows = []
    for e in edges.itertuples(index=False):
        s, w = int(e.source_value_id), int(e.wiser_value_id)
        losses = int(e.marked_not_wiser) if not_wiser == "loss" else 0
        if (w, s) not in pairs:
            losses += int(e.marked_less_wise)
        n = int(e.marked_wiser) + losses
        if n > 0:
            rows.append({"item_a": w, "item_b": s, "n_votes": n, "y": int(e.marked_wiser)})
    return pd.DataFrame(rows, columns=["item_a", "item_b", "n_votes", "y"]).astype(np.int64)


def _indexed(comp: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    items = np.unique(np.concatenate([comp["item_a"].to_numpy(), comp["item_b"].to_numpy()]))
    a = np.searchsorted(items, comp["item_a"].to_numpy())
    b = np.searchsorted(items, comp["item_b"].to_numpy())
    return items, a, b, comp["n_votes"].to_numpy(np.float64), comp["y"].to_numpy(np.float64)


def _loglik(theta: np.ndarray, a: np.ndarray, b: np.ndarray, n: np.ndarray, y: np.ndarray) -> np.ndarray:
    eta = theta[a] - theta[b]
    return y * log_expit(eta) + (n - y) * log_expit(-eta)


class BradleyTerry(Estimator):
    r"""Bradley-Terry log-strengths by L2-penalised maximum likelihood.

    Parameters
    ----------
    l2
        Penalty :math:`\tfrac{\lambda}{2}\sum_v \theta_v^2` (the MAP under
        :math:`\theta_v \sim \mathcal N(0, 1/\lambda)`); keeps values that only won (or only
        lost) finite. Must be positive.
    not_wiser
        How "not wiser" votes count (see :func:`comparisons`).

    Attributes
    ----------
    scores_
        Log-strength by value id (sums to 0), for the values with a decisive vote.
    comparisons_
        The comparisons fitted.

    Notes
    -----
    ``score`` is the mean log-likelihood per decisive vote (higher is better); values never
    seen in fitting get log-strength 0.
    """

    score_name: ClassVar[str] = "mean log-likelihood per decisive vote"

    def __init__(self, l2: float = 1.0, not_wiser: str = "loss"):
        self.l2 = l2
        self.not_wiser = not_wiser

    def fit(self, graph: MoralGraph | pd.DataFrame) -> BradleyTerry:
        """Fit to a graph, an edge table, a vote table or a :func:`comparisons` table; returns ``self``."""
        if not self.l2 > 0:
            raise CogalignError(f"l2 must be positive, got {self.l2}")
        comp = self._comparisons(graph)
        if comp.empty:
            raise CogalignError("no decisive votes to fit a Bradley-Terry model to")
        items, a, b, n, y = _indexed(comp)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            eta = theta[a] - theta[b]
            value = -_loglik(theta, a, b, n, y).sum() + 0.5 * self.l2 * theta @ theta
            resid = y - n / (1.0 + np.exp(-eta))  # d loglik / d eta
            grad = self.l2 * theta
            grad -= np.bincount(a, weights=resid, minlength=len(items))
            grad += np.bincount(b, weights=resid, minlength=len(items))
            return float(value), grad

        res = minimize(objective, np.zeros(len(items)), jac=True, method="L-BFGS-B",
                       options={"maxiter": 10_000, "gtol": 1e-10})
        if not res.success:
            raise CogalignError(f"Bradley-Terry fit did not converge: {res.message}")
        theta = res.x - res.x.mean()
        self.scores_ = pd.Series(theta, index=pd.Index(items, name="value_id"), name="score")
        self.comparisons_ = comp
        return self

    def _comparisons(self, data: MoralGraph | pd.DataFrame) -> pd.DataFrame:
        if isinstance(data, pd.DataFrame) and {"item_a", "item_b", "n_votes", "y"} <= set(data.columns):
            return data
        return comparisons(data, not_wiser=self.not_wiser)

    def predict_proba(self, item_a: Any, item_b: Any) -> np.ndarray:
        """Probability that a vote favours ``item_a`` over ``item_b`` (value ids)."""
        self._check_fitted()
        ta = pd.Series(np.atleast_1d(item_a)).map(self.scores_).fillna(0.0).to_numpy()
        tb = pd.Series(np.atleast_1d(item_b)).map(self.scores_).fillna(0.0).to_numpy()
        return 1.0 / (1.0 + np.exp(-(ta - tb)))

    def score(self, graph: MoralGraph | pd.DataFrame) -> float:
        """Mean log-likelihood per decisive vote of the graph's comparisons (higher is better)."""
        self._check_fitted()
        comp = self._comparisons(graph)
        p = self.predict_proba(comp["item_a"], comp["item_b"])
        y, n = comp["y"].to_numpy(float), comp["n_votes"].to_numpy(float)
        with np.errstate(divide="ignore"):
            ll = y * np.log(p) + (n - y) * np.log1p(-p)
        return float(ll.sum() / n.sum())


@pymc_version("cogalign.moralgraph.pymc_models:bradley_terry_pymc")
def bradley_terry_model(item_a: Any, item_b: Any, n_votes: Any, y: Any = None, *, n_items: int) -> None:
    r"""Hierarchical Bradley-Terry model (NumPyro), non-centred.

    .. math::

        \tau \sim \text{Half-}\mathcal N(1), \quad z_v \sim \mathcal N(0, 1), \quad
        \theta_v = \tau z_v, \quad
        y_e \sim \text{Binomial}(n_e, \sigma(\theta_{a_e} - \theta_{b_e}))

    Parameters
    ----------
    item_a, item_b
        0-based value index of the two sides of each comparison.
    n_votes
        Decisive votes per comparison.
    y
        Votes favouring ``item_a`` (None to simulate).
    n_items
        Number of values.
    """
    import numpyro
    import numpyro.distributions as dist

    tau = numpyro.sample("strength_sigma", dist.HalfNormal(1.0))
    with numpyro.plate("value", n_items):
        z = numpyro.sample("strength_z", dist.Normal(0.0, 1.0))
    theta = numpyro.deterministic("strength", tau * z)
    with numpyro.plate("edge", item_a.shape[0]):
        numpyro.sample("y", dist.Binomial(total_count=n_votes, logits=theta[item_a] - theta[item_b]), obs=y)


class BayesianBradleyTerry(Estimator):
    """Bayesian Bradley-Terry ranking (:func:`bradley_terry_model`) sampled with NUTS.

    Parameters
    ----------
    draws, tune, chains
        NUTS settings (:func:`cogalign.bayes.fit`).
    seed
        Random seed.
    backend
        ``"numpyro"`` (default) or ``"pymc"``.
    not_wiser
        How "not wiser" votes count (see :func:`comparisons`).
    interval
        Mass of the central posterior intervals in :attr:`intervals_`.

    Attributes
    ----------
    idata_
        ArviZ ``InferenceData`` with the pointwise log-likelihood.
    scores_
        Posterior mean log-strength by value id.
    intervals_
        Per value: ``value_id``, ``score_low``, ``score_high`` (posterior interval of the
        log-strength), ``rank_low``, ``rank_high`` (interval of its rank, 1 = wisest, over the
        draws), ``p_top`` (posterior probability of being the wisest).
    comparisons_
        The comparisons fitted.

    Notes
    -----
    ``score`` is the mean log pointwise predictive density per decisive vote (higher is
    better).
    """

    score_name: ClassVar[str] = "mean log predictive density per decisive vote"

    def __init__(self, draws: int = 500, tune: int = 500, chains: int = 2, seed: int = 0,
                 backend: str = "numpyro", not_wiser: str = "loss", interval: float = 0.95):
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.seed = seed
        self.backend = backend
        self.not_wiser = not_wiser
        self.interval = interval

    def fit(self, graph: MoralGraph | pd.DataFrame) -> BayesianBradleyTerry:
        """Sample the posterior for a graph, an edge, vote or comparison table; returns ``self``."""
        from cogalign.bayes import fit

        comp = BradleyTerry(not_wiser=self.not_wiser)._comparisons(graph)
        if comp.empty:
            raise CogalignError("no decisive votes to fit a Bradley-Terry model to")
        items, a, b, n, y = _indexed(comp)
        data = {"item_a": a, "item_b": b, "n_votes": n.astype(np.int64), "y": y.astype(np.int64),
                "n_items": len(items)}
        idata = fit(bradley_terry_model, data, backend=self.backend, method="nuts", draws=self.draws,
                    tune=self.tune, chains=self.chains, seed=self.seed,
                    dims={"strength": ["value"], "strength_z": ["value"], "y": ["edge"]},
                    coords={"value": items.tolist(), "edge": list(range(len(comp)))})
        draws = idata.posterior["strength"].values.reshape(-1, len(items))
        self.idata_ = idata
        self.comparisons_ = comp
        self.scores_ = pd.Series(draws.mean(axis=0), index=pd.Index(items, name="value_id"), name="score")
        lo, hi = 50 * (1 - self.interval), 50 * (1 + self.interval)
        ranks = (-draws).argsort(axis=1).argsort(axis=1) + 1
        self.intervals_ = pd.DataFrame({
            "value_id": items,
            "score_low": np.percentile(draws, lo, axis=0),
            "score_high": np.percentile(draws, hi, axis=0),
            "rank_low": np.percentile(ranks, lo, axis=0, method="lower").astype(np.int64),
            "rank_high": np.percentile(ranks, hi, axis=0, method="higher").astype(np.int64),
            "p_top": (ranks == 1).mean(axis=0),
        })
        return self

    def score(self, graph: MoralGraph | pd.DataFrame) -> float:
        """Mean log pointwise predictive density per decisive vote (higher is better)."""
        from scipy.special import logsumexp

        self._check_fitted()
        comp = BradleyTerry(not_wiser=self.not_wiser)._comparisons(graph)
        draws = self.idata_.posterior["strength"].values.reshape(-1, len(self.scores_))
        index = {v: i for i, v in enumerate(self.scores_.index)}
        a = comp["item_a"].map(index).to_numpy()
        b = comp["item_b"].map(index).to_numpy()
        known = ~(pd.isna(a) | pd.isna(b))
        theta = np.column_stack([draws, np.zeros(len(draws))])  # unseen values: strength 0
        a = np.where(known, a, theta.shape[1] - 1).astype(np.int64)
        b = np.where(known, b, theta.shape[1] - 1).astype(np.int64)
        n, y = comp["n_votes"].to_numpy(float), comp["y"].to_numpy(float)
        eta = theta[:, a] - theta[:, b]
        ll = y * log_expit(eta) + (n - y) * log_expit(-eta)
        lppd = logsumexp(ll, axis=0) - np.log(len(theta))
        return float(lppd.sum() / n.sum())


def simulate_comparisons(
    strengths: Any,
    n_pairs: int,
    votes_per_pair: int | tuple[int, int] = 10,
    *,
    seed: int = 0,
) -> pd.DataFrame:
    """Comparisons between random pairs of values with known log-strengths.

    Parameters
    ----------
    strengths
        Log-strength of each value (value ids are the positions, from 0).
    n_pairs
        Number of distinct random pairs compared.
    votes_per_pair
        Votes per pair, or an inclusive ``(low, high)`` range drawn per pair.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        A :func:`comparisons` table.
    """
    rng = np.random.default_rng(seed)
    theta = np.asarray(strengths, dtype=np.float64)
    k = len(theta)
    all_pairs = np.array([(i, j) for i in range(k) for j in range(i + 1, k)])
    if n_pairs > len(all_pairs):
        raise CogalignError(f"{n_pairs} pairs asked for, but {k} values have only {len(all_pairs)}")
    pick = all_pairs[rng.choice(len(all_pairs), size=n_pairs, replace=False)]
    flip = rng.random(n_pairs) < 0.5
    a = np.where(flip, pick[:, 1], pick[:, 0])
    b = np.where(flip, pick[:, 0], pick[:, 1])
    if isinstance(votes_per_pair, tuple):
        n = rng.integers(votes_per_pair[0], votes_per_pair[1] + 1, size=n_pairs)
    else:
        n = np.full(n_pairs, int(votes_per_pair))
    y = rng.binomial(n, 1.0 / (1.0 + np.exp(-(theta[a] - theta[b]))))
    return pd.DataFrame({"item_a": a, "item_b": b, "n_votes": n, "y": y}).astype(np.int64)
