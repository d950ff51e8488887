"""The estimator of intertemporal choice, on :class:`cogalign.bayes.estimator.BayesianEstimator`.

:class:`IntertemporalChoiceModel` fits exponential, hyperbolic, quasi-hyperbolic discounting or
ITCH to ``intertemporal`` trials, pooled or hierarchical over participants. It follows the
scikit-learn protocol: ``__init__`` stores settings, ``fit(table)`` returns ``self``, fitted
attributes end in ``_`` (``idata_`` is the ArviZ fit with the pointwise log-likelihood),
``predict_proba`` / ``predict`` / ``score``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.estimator import BayesianEstimator, theta_for_rows
from cogalign.bayes.params import Param, expit
from cogalign.errors import CogalignError
from cogalign.intertemporal.functions import intertemporal_logits
from cogalign.intertemporal.models import (
    intertemporal_model,
    intertemporal_params,
    itch_autoscale_priors,
)

__all__ = ["MIN_TRIALS", "IntertemporalChoiceModel"]

#: Fewest answered trials a fit accepts (with both options chosen at least once).
MIN_TRIALS = 10


class IntertemporalChoiceModel(BayesianEstimator):
    """Exponential, hyperbolic, quasi-hyperbolic discounting, or ITCH (Ericson et al. 2015).

    Parameters
    ----------
    model
        ``"exponential"``, ``"hyperbolic"``, ``"quasi-hyperbolic"`` or ``"itch"``.
    scale
        ``"relative"`` (value difference over the mean amount; default) or ``"absolute"``
        (see :func:`cogalign.intertemporal.functions.intertemporal_logits`).
    hierarchical
        Per-participant parameters (non-centred) or one pooled set.
    **settings
        The fit settings of every Bayesian estimator
        (:data:`cogalign.bayes.estimator.FIT_SETTINGS`: ``backend``, ``method``, ``draws``,
        ``tune``, ``chains``, ``seed``, ``priors``, ``interval``, ``progress``,
        ``fit_kwargs``); ``method=None`` is NUTS when hierarchical, else MAP + Laplace;
        ``priors`` as in :func:`cogalign.intertemporal.models.intertemporal_params`.

    Notes
    -----
    ``fit`` refuses data that cannot give a meaningful fit: fewer than :data:`MIN_TRIALS`
    answered trials (rows without a response do not count), trials in which only one option
    was ever chosen (the discount rate would be the prior's), and a hierarchical fit with
    fewer than 2 participants.

    Attributes
    ----------
    idata_
        ArviZ ``InferenceData`` with posterior, pointwise log-likelihood, posterior predictive.
    params_, summary_
        Posterior means of the pooled (or population-median) parameters; the
        :func:`cogalign.bayes.summarize` table.
    n_obs_, participants_, method_
        Rows in the likelihood; participant ids in index order (hierarchical fits); the
        inference method used.
    n_missing_
        Rows without a response, left out of the likelihood (Ericson et al.'s data has 369).
    priors_
        The priors used: ``priors`` plus, for ITCH, data-scaled coefficient priors
        (:func:`cogalign.intertemporal.models.itch_autoscale_priors`) where ``priors`` says
        nothing.
    """

    score_name = "accuracy"

    def __init__(
        self,
        model: str = "hyperbolic",
        *,
        scale: str = "relative",
        hierarchical: bool = True,
        **settings: Any,
    ) -> None:
        self._set_init_params(locals())

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

    def _check_enough(self, table: pd.DataFrame, y: np.ndarray) -> None:
        """Refuse data too small or too uniform for a meaningful fit (see the Notes)."""
        missing = f" ({self.n_missing_} without a response left out)" if self.n_missing_ else ""
        if len(y) < MIN_TRIALS:
            raise CogalignError(f"{len(y)} answered trials{missing}; a fit needs at least "
                                f"{MIN_TRIALS}")
        if len(np.unique(y)) < 2:
            option = "later-larger" if y[0] == 1 else "sooner-smaller"
            raise CogalignError(f"every answered trial chose the {option} option; a choice model "
                                "needs both choices in the data (its parameters would be the "
                                "prior's)")
        if (self.hierarchical and "participant_id" in table
                and table["participant_id"].nunique() < 2):
            raise CogalignError("a hierarchical fit needs at least 2 participants; fit one "
                                "participant pooled (hierarchical=False, --pooled)")

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
        self._check_enough(table, y)
        self.priors_ = self._effective_priors(table)
        data: dict[str, Any] = {**self._arrays(table), "y": y, "model": self.model,
                                "scale": self.scale, "priors": self.priors_}
        dims: dict[str, list[str]] = {"y": ["obs"]}
        coords: dict[str, Any] = {}
        if self.hierarchical:
            self._participants(table, self._specs(), data, dims, coords)
        self.n_obs_ = len(table)
        self.idata_ = fit(intertemporal_model, data, dims=dims, coords=coords,
                          **self._fit_settings(self.hierarchical))
        self._summarise(self._specs(), self.hierarchical)
        return self

    def predict_proba(self, table: pd.DataFrame, *, max_draws: int = 200) -> np.ndarray:
        """Posterior-mean probability of choosing the later-larger option for each row."""
        self._check_fitted()
        arrays = self._arrays(table)
        theta = theta_for_rows(self.idata_, self._specs(), self.hierarchical,
                               self._row_index(table, self.hierarchical), max_draws, self.seed)
        eta = intertemporal_logits(arrays["x1"], arrays["t1"], arrays["x2"], arrays["t2"],
                                   self.model, theta, self.scale, np)
        return expit(eta).mean(axis=0)

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """1 where the later-larger option is the likelier choice, else 0."""
        return (self.predict_proba(table) > 0.5).astype(np.int64)

    def score(self, table: pd.DataFrame) -> float:
        """**Accuracy** of :meth:`predict` on the rows with a response (higher is better)."""
        self._check_fitted()
        keep = table["response"].notna().to_numpy()
        y = table.loc[keep, "response"].to_numpy(dtype=np.int64)
        return float(np.mean(self.predict(table.loc[keep]) == y))
