"""A scikit-learn style estimator for the mental-rotation models.

:class:`RotationModel` fits one of the models of :mod:`cogalign.rotation.models` to a
``rotation`` trial table through :func:`cogalign.bayes.fit` and reports what a researcher
reads off a mental-rotation study: the rotation slope (ms per degree) and speed (degrees per
second) of the population and of each person, with posterior intervals, for same and mirror
pairs.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from cogalign.bayes.estimator import BayesianEstimator
from cogalign.bayes.params import Param, expit
from cogalign.errors import CogalignError
from cogalign.rotation.data import model_data, trial_level
from cogalign.rotation.functions import (
    accuracy_logit,
    joint_accuracy_logit,
    location,
    rt_log_density,
    search_mean,
)
from cogalign.rotation.models import (
    MODELS,
    accuracy_model,
    accuracy_params,
    joint_model,
    joint_params,
    model_spec,
    rt_model,
    rt_params,
)

__all__ = ["RotationModel", "interval"]


def interval(draws: Any, mass: float = 0.9) -> dict[str, float]:
    """Mean, median and central interval of posterior draws, as a plain dict."""
    x = np.asarray(draws, dtype=float).ravel()
    lo, hi = np.quantile(x, [(1 - mass) / 2, 1 - (1 - mass) / 2])
    return {"mean": float(x.mean()), "median": float(np.median(x)), "lower": float(lo),
            "upper": float(hi)}


def _flat(idata: Any, name: str) -> np.ndarray:
    arr = np.asarray(idata.posterior[name].values)
    return arr.reshape((-1,) + arr.shape[2:])


class RotationModel(BayesianEstimator):
    """Hierarchical Bayesian model of mental-rotation response times and/or accuracy.

    Parameters
    ----------
    model
        ``"linear"`` (RT location linear in angle), ``"concave"`` (a power curve that
        flattens), ``"two-stage"`` (search-then-rotate, ex-Gaussian), ``"accuracy"``
        (hierarchical logistic regression) or ``"joint"`` (RT and accuracy sharing each
        person's rotation slope).
    family
        ``"lognormal"`` (shifted lognormal) or ``"wald"`` (shifted Wald) for the linear,
        concave and joint models.
    hierarchical
        Per-person parameters (non-centred) or one pooled set.
    mirror_effects, contaminant
        Same vs mirror effects; the uniform contaminant mixture.
    exclude
        A boolean column whose true rows are left out (e.g. ``"outlier"``).
    **settings
        The fit settings of every Bayesian estimator
        (:data:`cogalign.bayes.estimator.FIT_SETTINGS`); ``method=None`` is NUTS for
        hierarchical fits and MAP with a Laplace approximation for pooled ones; ``priors`` as
        in :func:`cogalign.rotation.models.rt_params`.

    Attributes
    ----------
    idata_
        ArviZ ``InferenceData`` with posterior, pointwise log-likelihood (``y``; the joint
        model also ``correct``) and posterior predictive.
    summary_
        :func:`cogalign.bayes.summarize` of the pooled and population parameters.
    slope_, speed_
        Population rotation slope (ms/deg) and speed (deg/s): ``{"same": {...}, "mirror":
        {...}}`` each with ``mean``, ``median``, ``lower``, ``upper`` (RT and joint models).
    participants_
        Participant ids in index order.
    n_obs_, method_
        Observations in the likelihood; inference method used.

    Examples
    --------
    >>> from cogalign.rotation import RotationModel, simulate_rotation
    >>> table = simulate_rotation(n_participants=10, seed=0)
    >>> fit = RotationModel("linear", draws=300, tune=300).fit(table)   # doctest: +SKIP
    >>> fit.speed_["same"]                                               # doctest: +SKIP
    """

    score_name: ClassVar[str] = "mean log predictive density per trial"
    fitted_attribute: ClassVar[str | None] = "idata_"

    def __init__(
        self,
        model: str = "linear",
        *,
        family: str = "lognormal",
        hierarchical: bool = True,
        mirror_effects: bool = True,
        contaminant: bool = True,
        exclude: str | None = None,
        **settings: Any,
    ) -> None:
        self._set_init_params(locals())

    # ------------------------------------------------------------------ model pieces
    def _function(self) -> Any:
        return {"accuracy": accuracy_model, "joint": joint_model}.get(self.model, rt_model)

    def _specs(self) -> tuple[list[Param], list[Param]]:
        if self.model == "accuracy":
            return accuracy_params(mirror_effects=self.mirror_effects, priors=self.priors)
        if self.model == "joint":
            person, pooled = joint_params(self.family, mirror_effects=self.mirror_effects,
                                          priors=self.priors)
            if not self.contaminant:
                pooled = [p for p in pooled if p.name != "p_contam"]
            return person, pooled
        shape, family = model_spec(self.model, self.family)
        return rt_params(shape, family, mirror_effects=self.mirror_effects,
                         contaminant=self.contaminant, priors=self.priors)

    def _data(self, table: pd.DataFrame) -> tuple[dict, list[str]]:
        data, ids = model_data(table, self.model, family=self.family,
                               hierarchical=self.hierarchical, exclude=self.exclude)
        data["mirror_effects"] = self.mirror_effects
        if self.model != "accuracy":
            data["contaminant"] = self.contaminant
        if self.priors:
            data["priors"] = {k: dict(v) for k, v in self.priors.items()}
        return data, ids

    # ------------------------------------------------------------------ fitting
    def fit(self, table: pd.DataFrame) -> RotationModel:
        """Fit the model to a ``rotation`` trial table; returns ``self``."""
        from cogalign.bayes import fit, summarize

        if self.model not in MODELS:
            raise CogalignError(f"model must be one of {MODELS}, got {self.model!r}")
        trial_level(table)
        data, ids = self._data(table)
        observed = ("y", "correct") if self.model == "joint" else "y"
        kwargs = {"observed": observed, **self._fit_settings(self.hierarchical)}
        self.idata_ = fit(self._function(), data, **kwargs)
        self.participants_ = ids
        self.rt_max_ = data.get("rt_max")
        self.min_rt_ = data.get("min_rt")
        self.n_obs_ = int(len(data["y"]))
        person, pooled = self._specs()
        names = [p.name for p in pooled]
        names += [f"{p.name}_pop" for p in person] if self.hierarchical else [p.name for p in person]
        names += [f"{p.name}_sigma" for p in person] if self.hierarchical else []
        self.summary_ = summarize(self.idata_, [n for n in names if n in self.idata_.posterior],
                                  interval=self.interval)
        if self.model != "accuracy":
            self.slope_, self.speed_ = self._rotation()
        return self

    def _population(self, name: str) -> np.ndarray:
        key = f"{name}_pop" if self.hierarchical else name
        return _flat(self.idata_, key)

    def _rotation(self) -> tuple[dict, dict]:
        slope = self._population("slope")
        kinds = {"same": slope}
        if self.mirror_effects:
            kinds["mirror"] = slope * np.exp(_flat(self.idata_, "mirror_slope"))
        slopes = {k: interval(v, self.interval) for k, v in kinds.items()}
        speeds = {k: interval(1000.0 / v, self.interval) for k, v in kinds.items()}
        return slopes, speeds

    def person_slopes(self) -> pd.DataFrame:
        """Each person's rotation slope (ms/deg, same pairs) and speed (deg/s), with intervals.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``participant_id``: ``slope_mean``, ``slope_lower``, ``slope_upper``,
            ``speed_mean``, ``speed_lower``, ``speed_upper``.
        """
        self._check_fitted()
        if self.model == "accuracy" or not self.hierarchical:
            raise CogalignError("per-person slopes need a hierarchical RT or joint model")
        draws = _flat(self.idata_, "slope")
        rows = []
        for j, pid in enumerate(self.participants_):
            s, v = interval(draws[:, j], self.interval), interval(1000.0 / draws[:, j], self.interval)
            rows.append({"participant_id": pid, "slope_mean": s["mean"], "slope_lower": s["lower"],
                         "slope_upper": s["upper"], "speed_mean": v["mean"],
                         "speed_lower": v["lower"], "speed_upper": v["upper"]})
        return pd.DataFrame(rows).set_index("participant_id")

    def loo(self, var_name: str = "y") -> Any:
        """PSIS-LOO of the fit (:func:`cogalign.bayes.loo`) on ``var_name``."""
        from cogalign.bayes import loo

        self._check_fitted()
        return loo(self.idata_, var_name=var_name)

    # ------------------------------------------------------------------ prediction
    def _theta(self, index: np.ndarray, max_draws: int) -> dict[str, np.ndarray]:
        """Per-draw parameter values for each row, ``(S, n_rows)``.

        Unknown people (index -1) are new people drawn from the population.
        """
        person, pooled = self._specs()
        post = self.idata_.posterior
        n_total = post.sizes["chain"] * post.sizes["draw"]
        rng = np.random.default_rng(self.seed)
        pick = np.sort(rng.choice(n_total, size=min(max_draws, n_total), replace=False))
        out = {}
        for p in pooled:
            out[p.name] = _flat(self.idata_, p.name)[pick][:, None]
        known = index >= 0
        for p in person:
            if not self.hierarchical:
                out[p.name] = _flat(self.idata_, p.name)[pick][:, None]
                continue
            per = _flat(self.idata_, p.name)[pick]
            vals = np.empty((len(pick), len(index)))
            vals[:, known] = per[:, index[known]]
            if (~known).any():
                mu = _flat(self.idata_, f"{p.name}_mu")[pick][:, None]
                sd = _flat(self.idata_, f"{p.name}_sigma")[pick][:, None]
                z = rng.standard_normal((len(pick), int((~known).sum())))
                vals[:, ~known] = p.constrain(p.loc + p.scale * (mu + sd * z))
            out[p.name] = vals
        return out

    def _rows(self, table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        trial_level(table)
        t = table
        if self.exclude is not None and self.exclude in t.columns:
            t = t.loc[~t[self.exclude].astype(bool).to_numpy()]
        lookup = {p: i for i, p in enumerate(self.participants_)}
        index = (t["participant_id"].astype(str).map(lookup).fillna(-1).to_numpy(dtype=np.int64)
                 if self.hierarchical else np.zeros(len(t), dtype=np.int64))
        return t, index

    def predict(self, table: pd.DataFrame, *, max_draws: int = 400) -> np.ndarray:
        """Posterior mean prediction per row.

        The expected response time (s) of a correct response from the rotation process (the
        contaminant left out; RT and joint models), or the probability of a correct response
        (accuracy).
        """
        self._check_fitted()
        t, index = self._rows(table)
        theta = self._theta(index, max_draws)
        angle = t["angle"].to_numpy(dtype=float)[None]
        mirror = (t["pair_type"] == "mirror").to_numpy(dtype=float)[None]
        if self.model == "accuracy":
            return expit(accuracy_logit(angle, mirror, theta)).mean(axis=0)
        shape, family = model_spec("linear" if self.model == "joint" else self.model, self.family)
        loc = location(angle, mirror, theta, shape)
        if family == "exgaussian":
            return (loc + search_mean(angle, theta)).mean(axis=0)
        shift = self._shift(theta, index)
        if family == "lognormal":
            return (shift + loc * np.exp(0.5 * theta["sigma"] ** 2)).mean(axis=0)
        return (shift + loc).mean(axis=0)

    def _shift(self, theta: dict[str, np.ndarray], index: np.ndarray) -> np.ndarray:
        min_rt = np.asarray(self.min_rt_, dtype=float)
        fastest = np.where(index >= 0, min_rt[np.maximum(index, 0)], float(np.median(min_rt)))
        return theta["shift_frac"] * fastest[None]

    def log_density(self, table: pd.DataFrame, *, max_draws: int = 400) -> np.ndarray:
        r"""Log pointwise predictive density of each used row.

        :math:`\log \frac1S \sum_s p(y_i \mid \theta_s)`: response time of correct trials
        (RT models), correctness (accuracy), or both summed (joint).
        """
        from scipy.special import log_expit, logsumexp

        self._check_fitted()
        t, index = self._rows(table)
        answered = t["response"].notna().to_numpy() if "response" in t.columns else np.ones(len(t), bool)
        t, index = t.loc[answered], index[answered]
        theta = self._theta(index, max_draws)
        angle = t["angle"].to_numpy(dtype=float)[None]
        mirror = (t["pair_type"] == "mirror").to_numpy(dtype=float)[None]
        correct = (t["correct"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                   if "correct" in t.columns else (t["response"] == t["pair_type"]).to_numpy())
        if self.model == "accuracy":
            eta = accuracy_logit(angle, mirror, theta)
            ll = np.where(correct[None], log_expit(eta), log_expit(-eta))
            return logsumexp(ll, axis=0) - np.log(ll.shape[0])
        rt = t["rt"].to_numpy(dtype=float)
        use = correct & np.isfinite(rt)
        shape, family = model_spec("linear" if self.model == "joint" else self.model, self.family)
        loc = location(angle, mirror, theta, shape)
        p = theta["p_contam"] if self.contaminant else 0.0
        if family == "exgaussian":
            ll = rt_log_density(rt[None], family, loc, theta["sigma"], 0.0, p, self.rt_max_,
                                search_mean(angle, theta))
        else:
            disp = theta["sigma"] if family == "lognormal" else theta["lam"]
            ll = rt_log_density(rt[None], family, loc, disp, self._shift(theta, index), p,
                                self.rt_max_)
        if self.model == "joint":
            eta = joint_accuracy_logit(angle, mirror, theta)
            ll_c = np.where(correct[None], log_expit(eta), log_expit(-eta))
            ll = np.where(use[None], ll, 0.0) + ll_c
            return logsumexp(ll, axis=0) - np.log(ll.shape[0])
        ll = ll[:, use]
        return logsumexp(ll, axis=0) - np.log(ll.shape[0])

    def score(self, table: pd.DataFrame) -> float:
        """Mean log predictive density per trial (higher is better) of ``table``'s rows.

        See :meth:`log_density`; people not in the fit are new people from the population.
        """
        return float(np.mean(self.log_density(table)))
