"""The estimator of risky choice, on :class:`cogalign.bayes.estimator.BayesianEstimator`.

:class:`RiskyChoiceModel` fits EV, EU, PT or CPT to aggregate choice rates (choices13k-style
``risky-rates`` tables) or to single trials (``risky`` tables, hierarchical over participants).
It follows the scikit-learn protocol: ``__init__`` stores settings, ``fit(table)`` returns
``self``, fitted attributes end in ``_`` (``idata_`` is the ArviZ fit with the pointwise
log-likelihood), ``predict_proba`` / ``predict`` / ``score``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.estimator import BayesianEstimator, theta_for_rows
from cogalign.bayes.params import Param, expit
from cogalign.errors import CogalignError
from cogalign.risky.data import table_kind
from cogalign.risky.functions import choice_logits
from cogalign.risky.gambles import problem_arrays, rates_to_counts, select_ambiguous
from cogalign.risky.models import risky_params, risky_rates_model, risky_trials_model

__all__ = ["MIN_PROBLEMS", "MIN_TRIALS", "RiskyChoiceModel", "r2_score"]

#: Fewest problems (choice-rate rows, after ambiguous ones are left out) a fit accepts: the
#: richest theory (CPT) has six parameters, and R2 needs rates that differ.
MIN_PROBLEMS = 10
#: Fewest answered trials a trial-table fit accepts (with both gambles chosen at least once).
MIN_TRIALS = 10


def r2_score(observed: Any, predicted: Any) -> float:
    r"""Coefficient of determination :math:`1 - \sum (y - \hat y)^2 / \sum (y - \bar y)^2`."""
    y = np.asarray(observed, dtype=float)
    f = np.asarray(predicted, dtype=float)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return float(1.0 - np.sum((y - f) ** 2) / ss_tot) if ss_tot > 0 else float("nan")


class RiskyChoiceModel(BayesianEstimator):
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
    **settings
        The fit settings of every Bayesian estimator
        (:data:`cogalign.bayes.estimator.FIT_SETTINGS`). ``method=None`` picks ``"map"``
        (mode + Laplace: fast and, with thousands of problems, close to the NUTS posterior)
        for aggregate and pooled fits and ``"nuts"`` for hierarchical ones (a hierarchical
        posterior's mode is degenerate); ``priors`` as in
        :func:`cogalign.risky.models.risky_params`.

    Notes
    -----
    ``fit`` refuses data that cannot give a meaningful fit: fewer than :data:`MIN_PROBLEMS`
    choice rates, or rates that are all the same; fewer than :data:`MIN_TRIALS` answered
    trials, or trials in which only one gamble was ever chosen (the parameters would be the
    prior's); a hierarchical trial fit with fewer than 2 participants.

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

    score_name = "r2 (choice rates) or accuracy (trials)"

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
        **settings: Any,
    ) -> None:
        self._set_init_params(locals())

    # ------------------------------------------------------------------ design
    def _hierarchical(self) -> bool:
        return self.kind_ == "trials" and self.hierarchical

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
        return table, problem_arrays(table, same_width=False)

    def _check_enough(self, table: pd.DataFrame) -> None:
        """Refuse data too small or too uniform for a meaningful fit (see the Notes)."""
        if self.kind_ == "rates":
            if len(table) < MIN_PROBLEMS:
                raise CogalignError(f"{len(table)} choice-rate problems to model; a fit needs at "
                                    f"least {MIN_PROBLEMS}")
            if table["b_rate"].nunique() < 2:
                raise CogalignError("every problem has the same choice rate; nothing to explain")
            return
        if len(table) < MIN_TRIALS:
            raise CogalignError(f"{len(table)} answered trials; a fit needs at least {MIN_TRIALS}")
        chosen = sorted(set(table["response"].astype(str).str.upper()))
        if len(chosen) < 2:
            raise CogalignError(f"every trial chose gamble {chosen[0]}; a choice model needs both "
                                "choices in the data (its parameters would be the prior's)")
        if (self.hierarchical and "participant_id" in table
                and table["participant_id"].nunique() < 2):
            raise CogalignError("a hierarchical fit needs at least 2 participants; fit one "
                                "participant pooled (hierarchical=False, --pooled)")

    def fit(self, table: pd.DataFrame) -> RiskyChoiceModel:
        """Fit to a ``risky-rates`` (aggregate) or ``risky`` (trial) table; returns ``self``."""
        from cogalign.bayes import fit

        n_in = len(table)
        table, arrays = self._prepare(table, fitting=True)
        self._check_enough(table)
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
                self._participants(table, self._specs(), data, dims, coords)
        self.n_obs_ = len(table)
        hier = self._hierarchical()
        self.idata_ = fit(model, data, dims=dims, coords=coords, **self._fit_settings(hier))
        self._summarise(self._specs(), hier)
        return self

    def predict_proba(self, table: pd.DataFrame, *, max_draws: int = 200) -> np.ndarray:
        """Posterior-mean probability of choosing B for each row.

        Ambiguous problems are predicted with the probabilities the ``ambiguous`` policy
        assigns (``"uniform"``), else with the table's own probabilities. Trials of participants
        not seen in ``fit`` are predicted for a new participant drawn from the population.
        """
        self._check_fitted()
        table, arrays = self._prepare(table, fitting=False)
        hier = self._hierarchical()
        theta = theta_for_rows(self.idata_, self._specs(), hier, self._row_index(table, hier),
                               max_draws, self.seed)
        theta = {k: v for k, v in theta.items() if k != "kappa"}
        n_draws = next(iter(theta.values())).shape[0]
        total = np.zeros(len(table))
        chunk = max(1, int(2e6 // max(1, arrays["xa"].size + arrays["xb"].size)))
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
        """:math:`R^2` of the predicted choice rates (rates tables), or **accuracy** (trials).

        Higher is better either way; :attr:`score_name` says both. A rates table is scored by
        the coefficient of determination of ``b_rate`` (:func:`r2_score`), a trial table by
        the share of choices that :meth:`predict` gets right.
        """
        p = self.predict_proba(table)
        kept, _ = self._prepare(table, fitting=False)
        if self.kind_ == "rates":
            return r2_score(kept["b_rate"], p)
        y = kept["response"].astype(str).str.upper().eq("B").to_numpy()
        return float(np.mean((p > 0.5) == y))
