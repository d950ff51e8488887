"""Scikit-learn style estimators for risky and intertemporal choice.

:class:`RiskyChoiceModel` fits EV, EU, PT or CPT to aggregate choice rates (choices13k-style
``risky-rates`` tables) or to single trials (``risky`` tables, hierarchical over participants);
:class:`IntertemporalChoiceModel` fits exponential, hyperbolic, quasi-hyperbolic discounting or
ITCH to ``intertemporal`` trials. Both follow the scikit-learn protocol: ``__init__`` stores
settings, ``fit(table)`` returns ``self``, fitted attributes end in ``_`` (``idata_`` is the
ArviZ fit with the pointwise log-likelihood), ``predict_proba`` / ``predict`` / ``score``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.estimator import BayesianEstimator
from cogalign.bayes.params import Param, expit
from cogalign.errors import CogalignError
from cogalign.risky.data import participant_index, table_kind
from cogalign.risky.functions import choice_logits, intertemporal_logits
from cogalign.risky.gambles import problem_arrays, rates_to_counts, select_ambiguous
from cogalign.risky.models import (
    intertemporal_model,
    intertemporal_params,
    itch_autoscale_priors,
    risky_params,
    risky_rates_model,
    risky_trials_model,
)

__all__ = ["IntertemporalChoiceModel", "RiskyChoiceModel", "r2_score"]


def r2_score(observed: Any, predicted: Any) -> float:
    """Coefficient of determination :math:`1 - \\sum (y - \\hat y)^2 / \\sum (y - \\bar y)^2`."""
    y = np.asarray(observed, dtype=float)
    f = np.asarray(predicted, dtype=float)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return float(1.0 - np.sum((y - f) ** 2) / ss_tot) if ss_tot > 0 else float("nan")


def _posterior_draws(idata: Any, names: list[str], max_draws: int, seed: int) -> dict[str, np.ndarray]:
    post = idata.posterior
    out = {}
    n_total = post.sizes["chain"] * post.sizes["draw"]
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(n_total, size=min(max_draws, n_total), replace=False))
    for name in names:
        arr = np.asarray(post[name].values)
        out[name] = arr.reshape((n_total,) + arr.shape[2:])[pick]
    return out


def _theta_for_rows(
    idata: Any, specs: list[Param], hierarchical: bool, index: np.ndarray | None,
    max_draws: int, seed: int,
) -> dict[str, np.ndarray]:
    """Per-draw parameter values for each row: shape (S, 1) pooled, (S, n_rows) hierarchical.

    Rows of unknown participants (index -1) get a new participant drawn from the population.
    """
    names = [p.name for p in specs]
    if not hierarchical:
        draws = _posterior_draws(idata, names, max_draws, seed)
        return {k: v[:, None] for k, v in draws.items()}
    wanted = names + [f"{n}_mu" for n in names] + [f"{n}_sigma" for n in names]
    draws = _posterior_draws(idata, wanted, max_draws, seed)
    rng = np.random.default_rng(seed + 1)
    out = {}
    assert index is not None
    known = index >= 0
    for p in specs:
        per = draws[p.name]  # (S, P)
        vals = np.empty((per.shape[0], len(index)))
        vals[:, known] = per[:, index[known]]
        if (~known).any():
            z = rng.standard_normal((per.shape[0], int((~known).sum())))
            std = draws[f"{p.name}_mu"][:, None] + draws[f"{p.name}_sigma"][:, None] * z
            raw = p.loc + p.scale * std
            vals[:, ~known] = p.constrain(raw)
        out[p.name] = vals
    return out


class _ChoiceEstimator(BayesianEstimator):
    def _method(self, hierarchical: bool) -> str:
        if self.method is not None:
            if self.method == "map" and hierarchical:
                import warnings

                warnings.warn(
                    "MAP of a hierarchical model sits in the funnel of the population sd: its "
                    "estimates and intervals are biased; prefer method='nuts'", UserWarning,
                    stacklevel=3)
            return self.method
        return "nuts" if hierarchical else "map"

    def _fit_settings(self, hierarchical: bool = False) -> dict[str, Any]:
        self.method_ = self._method(hierarchical)
        kw = dict(backend=self.backend, method=self.method_, draws=self.draws, tune=self.tune,
                  chains=self.chains, seed=self.seed, progress=self.progress)
        kw.update(self.fit_kwargs or {})
        return kw

    def _summarise(self, names: list[str]) -> None:
        from cogalign.bayes import summarize

        keep = [n for n in names if n in self.idata_.posterior]
        self.summary_ = summarize(self.idata_, keep, interval=self.interval)
        post = self.idata_.posterior
        self.params_ = {}
        for n in keep:
            arr = np.asarray(post[n].values)
            if arr.ndim == 2:
                self.params_[n] = float(arr.mean())

    def loo(self) -> Any:
        """PSIS-LOO of the fit (:func:`cogalign.bayes.loo`)."""
        from cogalign.bayes import loo

        self._check_fitted()
        return loo(self.idata_)


class RiskyChoiceModel(_ChoiceEstimator):
    """Expected value, expected utility, prospect theory or cumulative prospect theory.

    Parameters
    ----------
    theory
        ``"ev"``, ``"eu"``, ``"pt"`` or ``"cpt"``.
    weighting
        Probability weighting for PT/CPT: ``"tk"`` (Tversky & Kahneman 1992), ``"prelec"``
        (two-parameter Prelec 1998), ``"prelec1"`` or ``"lio"`` (linear in log-odds).
    choice
        ``"utility"`` (logit of the utility difference) or ``"ce"`` (of the
        certainty-equivalent difference); see :func:`cogalign.risky.functions.choice_logits`.
    likelihood
        Aggregate tables: ``"binomial"`` or ``"beta-binomial"``.
    hierarchical
        Trial tables: per-participant parameters (non-centred) or one pooled set.
    ambiguous
        Ambiguous choices13k problems: ``"exclude"``, ``"uniform"`` or ``"true"`` (see
        :mod:`cogalign.risky.gambles`).
    trials_per_person
        Choices per person behind a rate (default 5 for choices13k, else 1).
    pad_to
        Aggregate tables only: append problems with zero choices (log-likelihood exactly 0)
        up to this many rows, so fits to subsets of different sizes (cross-validation folds)
        reuse one compiled model. Needs ``fit_kwargs`` with ``log_likelihood=False`` and
        ``posterior_predictive=False``.
    backend, method, draws, tune, chains, seed, progress
        Passed to :func:`cogalign.bayes.fit`. ``method=None`` picks ``"map"`` (mode + Laplace:
        fast and, with thousands of problems, close to the NUTS posterior) for aggregate and
        pooled fits and ``"nuts"`` for hierarchical ones (a hierarchical posterior's mode is
        degenerate).
    priors
        Prior overrides (see :func:`cogalign.risky.models.risky_params`).
    interval
        Mass of the reported central intervals.
    fit_kwargs
        More keyword arguments for :func:`cogalign.bayes.fit`.

    Attributes
    ----------
    idata_
        ArviZ ``InferenceData`` with posterior, pointwise log-likelihood, posterior predictive.
    params_
        Posterior means of the pooled (or population-median) parameters.
    summary_
        :func:`cogalign.bayes.summarize` table.
    kind_
        ``"rates"`` or ``"trials"``.
    n_obs_, n_excluded_
        Observations in the likelihood; rows left out (ambiguous problems).
    method_
        The inference method used.
    participants_
        Participant ids in index order (trial tables).

    Examples
    --------
    >>> from cogalign.risky import RiskyChoiceModel, simulate_rates
    >>> table = simulate_rates(n_problems=300, seed=1)
    >>> model = RiskyChoiceModel("cpt").fit(table)            # doctest: +SKIP
    >>> model.summary_.loc["lam", ["mean", "lower", "upper"]]  # doctest: +SKIP
    """

    def __init__(
        self,
        theory: str = "cpt",
        *,
        weighting: str = "tk",
        choice: str = "utility",
        likelihood: str = "binomial",
        hierarchical: bool = True,
        ambiguous: str = "exclude",
        trials_per_person: int | None = None,
        pad_to: int | None = None,
        backend: str = "numpyro",
        method: str | None = None,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        seed: int = 0,
        priors: Mapping[str, Mapping[str, float]] | None = None,
        interval: float = 0.9,
        progress: bool = False,
        fit_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.theory = theory
        self.weighting = weighting
        self.choice = choice
        self.likelihood = likelihood
        self.hierarchical = hierarchical
        self.ambiguous = ambiguous
        self.trials_per_person = trials_per_person
        self.pad_to = pad_to
        self.backend = backend
        self.method = method
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.seed = seed
        self.priors = priors
        self.interval = interval
        self.progress = progress
        self.fit_kwargs = fit_kwargs

    # ------------------------------------------------------------------ design
    def _specs(self) -> list[Param]:
        lik = self.likelihood if getattr(self, "kind_", "rates") == "rates" else "binomial"
        return risky_params(self.theory, self.weighting, lik, self.priors)

    def _config(self) -> dict[str, Any]:
        return dict(theory=self.theory, weighting=self.weighting, choice=self.choice,
                    priors=dict(self.priors) if self.priors else None)

    def _prepare(self, table: pd.DataFrame, fitting: bool) -> tuple[pd.DataFrame, dict]:
        kind = table_kind(table)
        if fitting:
            self.kind_ = kind
        elif kind != self.kind_:
            raise CogalignError(f"the model was fitted to {self.kind_} data, not {kind}")
        if kind == "rates":
            policy = self.ambiguous if fitting or self.ambiguous == "uniform" else "true"
            table = select_ambiguous(table, policy)
        else:
            table = table.loc[table["response"].notna()]
        if len(table) == 0:
            raise CogalignError("no rows left to model")
        return table, problem_arrays(table)

    def fit(self, table: pd.DataFrame) -> RiskyChoiceModel:
        """Fit to a ``risky-rates`` (aggregate) or ``risky`` (trial) table; returns ``self``."""
        from cogalign.bayes import fit

        n_in = len(table)
        table, arrays = self._prepare(table, fitting=True)
        self.n_excluded_ = n_in - len(table)
        config = self._config()
        dims: dict[str, list[str]] = {"y": ["obs"]}
        coords: dict[str, Any] = {}
        if self.kind_ == "rates":
            k, total = rates_to_counts(table, self.trials_per_person)
            if self.pad_to is not None and self.pad_to > len(table):
                kw = self.fit_kwargs or {}
                if kw.get("log_likelihood", True) or kw.get("posterior_predictive", True):
                    raise CogalignError("pad_to needs log_likelihood=False and "
                                        "posterior_predictive=False in fit_kwargs")
                extra = self.pad_to - len(table)
                arrays = {key: np.concatenate([v, np.repeat(v[:1], extra, axis=0)])
                          for key, v in arrays.items()}
                k = np.concatenate([k, np.zeros(extra, dtype=k.dtype)])
                total = np.concatenate([total, np.zeros(extra, dtype=total.dtype)])
            data = {**arrays, "n_choices": total, "y": k, **config, "likelihood": self.likelihood}
            model = risky_rates_model
            if "problem_id" in table.columns and len(k) == len(table):
                coords["obs"] = [str(v) for v in table["problem_id"]]
                if len(set(coords["obs"])) != len(coords["obs"]):
                    coords["obs"] = list(range(len(table)))
        else:
            resp = table["response"].astype(str).str.upper()
            bad = ~resp.isin(["A", "B"])
            if bad.any():
                raise CogalignError(f"response must be 'A' or 'B'; found {resp[bad].iloc[0]!r}")
            y = (resp == "B").to_numpy(dtype=np.int64)
            data = {**arrays, "y": y, **config}
            model = risky_trials_model
            if self.hierarchical:
                if "participant_id" not in table.columns:
                    raise CogalignError("a hierarchical fit needs a participant_id column")
                idx, ids = participant_index(table["participant_id"])
                self.participants_ = ids
                data.update(participant=idx, n_participants=len(ids))
                coords["participant"] = ids
                for p in self._specs():
                    dims[p.name] = ["participant"]
                    dims[f"{p.name}_z"] = ["participant"]
        self.n_obs_ = len(table)
        hier = self.kind_ == "trials" and self.hierarchical
        self.idata_ = fit(model, data, dims=dims, coords=coords, **self._fit_settings(hier))
        names = [p.name for p in self._specs()]
        if self.kind_ == "trials" and self.hierarchical:
            names = [f"{n}_pop" for n in names] + [f"{n}_sigma" for n in names]
        self._summarise(names)
        return self

    def predict_proba(self, table: pd.DataFrame, *, max_draws: int = 200) -> np.ndarray:
        """Posterior-mean probability of choosing B for each row.

        Ambiguous problems are predicted with the probabilities the ``ambiguous`` policy
        assigns (``"uniform"``), else with the table's own probabilities. Trials of participants
        not seen in ``fit`` are predicted for a new participant drawn from the population.
        """
        self._check_fitted()
        table, arrays = self._prepare(table, fitting=False)
        specs = self._specs()
        index = None
        hier = self.kind_ == "trials" and self.hierarchical
        if hier:
            index, _ = participant_index(table["participant_id"], self.participants_)
        theta = _theta_for_rows(self.idata_, specs, hier, index, max_draws, self.seed)
        theta = {k: v for k, v in theta.items() if k != "kappa"}
        n_draws = next(iter(theta.values())).shape[0]
        total = np.zeros(len(table))
        chunk = max(1, int(2e6 // max(1, arrays["xa"].size)))
        for start in range(0, n_draws, chunk):
            sl = slice(start, start + chunk)
            th = {k: v[sl] for k, v in theta.items()}
            eta = choice_logits(self.theory, arrays["xa"], arrays["pa"], arrays["xb"],
                                arrays["pb"], th, self.weighting, self.choice, np)
            total += expit(eta).sum(axis=0)
        return total / n_draws

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Predicted choice rate of B (rates tables) or the likelier choice ``"A"``/``"B"``."""
        p = self.predict_proba(table)
        if self.kind_ == "rates":
            return p
        return np.where(p > 0.5, "B", "A")

    def score(self, table: pd.DataFrame) -> float:
        """:math:`R^2` of the predicted choice rates (rates), or accuracy (trials)."""
        p = self.predict_proba(table)
        kept, _ = self._prepare(table, fitting=False)
        if self.kind_ == "rates":
            return r2_score(kept["b_rate"], p)
        y = kept["response"].astype(str).str.upper().eq("B").to_numpy()
        return float(np.mean((p > 0.5) == y))


class IntertemporalChoiceModel(_ChoiceEstimator):
    """Exponential, hyperbolic, quasi-hyperbolic discounting, or ITCH (Ericson et al. 2015).

    Parameters
    ----------
    model
        ``"exponential"``, ``"hyperbolic"``, ``"quasi-hyperbolic"`` or ``"itch"``.
    scale
        ``"relative"`` (value difference over the mean amount; default) or ``"absolute"``
        (see :func:`cogalign.risky.functions.intertemporal_logits`).
    hierarchical
        Per-participant parameters (non-centred) or one pooled set.
    backend, method, draws, tune, chains, seed, progress, priors, interval, fit_kwargs
        As for :class:`RiskyChoiceModel` (``method=None``: NUTS when hierarchical, else MAP).

    Attributes
    ----------
    idata_, params_, summary_, n_obs_, participants_
        As for :class:`RiskyChoiceModel`.
    n_missing_
        Rows without a response, left out of the likelihood (Ericson et al.'s data has 369).
    priors_
        The priors used: ``priors`` plus, for ITCH, data-scaled coefficient priors
        (:func:`cogalign.risky.models.itch_autoscale_priors`) where ``priors`` says nothing.
    """

    def __init__(
        self,
        model: str = "hyperbolic",
        *,
        scale: str = "relative",
        hierarchical: bool = True,
        backend: str = "numpyro",
        method: str | None = None,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        seed: int = 0,
        priors: Mapping[str, Mapping[str, float]] | None = None,
        interval: float = 0.9,
        progress: bool = False,
        fit_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.scale = scale
        self.hierarchical = hierarchical
        self.backend = backend
        self.method = method
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.seed = seed
        self.priors = priors
        self.interval = interval
        self.progress = progress
        self.fit_kwargs = fit_kwargs

    def _specs(self) -> list[Param]:
        return intertemporal_params(self.model, self.scale, getattr(self, "priors_", self.priors))

    def _effective_priors(self, table: pd.DataFrame) -> dict | None:
        priors = {k: dict(v) for k, v in (self.priors or {}).items()}
        if self.model == "itch":
            auto = itch_autoscale_priors(*(table[c] for c in ("x1", "t1", "x2", "t2")))
            for name, fields in auto.items():
                priors[name] = {**fields, **priors.get(name, {})}
        return priors or None

    @staticmethod
    def _arrays(table: pd.DataFrame) -> dict[str, np.ndarray]:
        missing = [c for c in ("x1", "t1", "x2", "t2") if c not in table.columns]
        if missing:
            raise CogalignError(f"the table has no column(s) {missing}")
        return {c: table[c].to_numpy(dtype=float) for c in ("x1", "t1", "x2", "t2")}

    def fit(self, table: pd.DataFrame) -> IntertemporalChoiceModel:
        """Fit to an ``intertemporal`` table; rows with a missing response are left out."""
        from cogalign.bayes import fit

        if "response" not in table.columns:
            raise CogalignError("the table has no response column")
        keep = table["response"].notna().to_numpy()
        self.n_missing_ = int((~keep).sum())
        table = table.loc[keep]
        y = table["response"].to_numpy(dtype=np.int64)
        if not np.isin(y, [0, 1]).all():
            raise CogalignError("response must be 0 (sooner-smaller) or 1 (later-larger)")
        self.priors_ = self._effective_priors(table)
        data: dict[str, Any] = {**self._arrays(table), "y": y, "model": self.model,
                                "scale": self.scale, "priors": self.priors_}
        dims: dict[str, list[str]] = {"y": ["obs"]}
        coords: dict[str, Any] = {}
        if self.hierarchical:
            if "participant_id" not in table.columns:
                raise CogalignError("a hierarchical fit needs a participant_id column")
            idx, ids = participant_index(table["participant_id"])
            self.participants_ = ids
            data.update(participant=idx, n_participants=len(ids))
            coords["participant"] = ids
            for p in self._specs():
                dims[p.name] = ["participant"]
                dims[f"{p.name}_z"] = ["participant"]
        self.n_obs_ = len(table)
        self.idata_ = fit(intertemporal_model, data, dims=dims, coords=coords,
                          **self._fit_settings(self.hierarchical))
        names = [p.name for p in self._specs()]
        if self.hierarchical:
            names = [f"{n}_pop" for n in names] + [f"{n}_sigma" for n in names]
        self._summarise(names)
        return self

    def predict_proba(self, table: pd.DataFrame, *, max_draws: int = 200) -> np.ndarray:
        """Posterior-mean probability of choosing the later-larger option for each row."""
        self._check_fitted()
        arrays = self._arrays(table)
        index = None
        if self.hierarchical:
            index, _ = participant_index(table["participant_id"], self.participants_)
        theta = _theta_for_rows(self.idata_, self._specs(), self.hierarchical, index,
                                max_draws, self.seed)
        eta = intertemporal_logits(arrays["x1"], arrays["t1"], arrays["x2"], arrays["t2"],
                                   self.model, theta, self.scale, np)
        return expit(eta).mean(axis=0)

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """1 where the later-larger option is the likelier choice, else 0."""
        return (self.predict_proba(table) > 0.5).astype(np.int64)

    def score(self, table: pd.DataFrame) -> float:
        """Accuracy of :meth:`predict` on the rows with a response."""
        keep = table["response"].notna().to_numpy()
        y = table.loc[keep, "response"].to_numpy(dtype=np.int64)
        return float(np.mean(self.predict(table.loc[keep]) == y))
