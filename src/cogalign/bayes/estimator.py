"""The base of cogalign's Bayesian estimators, and the posterior draws their predictions use.

:class:`BayesianEstimator` is :class:`cogalign.estimator.Estimator` (scikit-learn's
``BaseEstimator``) for models fitted with :func:`cogalign.bayes.fit`: it is fitted once
``idata_`` (the ArviZ fit with the pointwise log-likelihood) exists, and it holds what every
such estimator does with its settings ``backend``, ``method``, ``draws``, ``tune``,
``chains``, ``seed``, ``precision``, ``progress``, ``interval`` and ``fit_kwargs``: picking the inference
method, the per-participant (non-centred hierarchical) design, the summary table and LOO.
:func:`theta_for_rows` gives per-draw parameter values for new rows, new participants drawn
from the population.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.params import Param
from cogalign.data.groups import participant_index
from cogalign.errors import CogalignError
from cogalign.estimator import Estimator, NotFittedError

__all__ = ["FIT_SETTINGS", "BayesianEstimator", "NotFittedError", "posterior_draws",
           "theta_for_rows"]

#: The settings every Bayesian estimator takes, keyword-only, with their defaults: inference
#: backend and method (``None``: NUTS for hierarchical models, else MAP + Laplace), draws,
#: warm-up and chains of NUTS, the seed, prior overrides (``{parameter: {"loc": ..., "scale":
#: ...}}``), the width of the reported intervals, progress bars and any other keyword of
#: :func:`cogalign.bayes.fit`. ``precision="float32"`` runs NumPyro in single precision
#: (about 1.5-2x faster per gradient on the CPU; the benchmark checks its posterior against
#: double precision's); PyMC always runs in double precision.
FIT_SETTINGS: dict[str, Any] = {
    "backend": "numpyro",
    "method": None,
    "draws": 1000,
    "tune": 1000,
    "chains": 2,
    "seed": 0,
    "precision": "float64",
    "priors": None,
    "interval": 0.9,
    "progress": False,
    "fit_kwargs": None,
}


def posterior_draws(idata: Any, names: list[str], max_draws: int, seed: int
                    ) -> dict[str, np.ndarray]:
    """The same random subset of posterior draws of each variable, chains pooled.

    Parameters
    ----------
    idata
        ArviZ ``InferenceData`` with a posterior.
    names
        Variables to take.
    max_draws
        Draws to keep at most (all when there are fewer).
    seed
        Seed of the subset.

    Returns
    -------
    dict
        ``{name: array (draws, ...)}``, draw ``i`` of every variable from the same sample.
    """
    post = idata.posterior
    n_total = post.sizes["chain"] * post.sizes["draw"]
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(n_total, size=min(max_draws, n_total), replace=False))
    out = {}
    for name in names:
        arr = np.asarray(post[name].values)
        out[name] = arr.reshape((n_total,) + arr.shape[2:])[pick]
    return out


def theta_for_rows(
    idata: Any, specs: list[Param], hierarchical: bool, index: np.ndarray | None,
    max_draws: int, seed: int,
) -> dict[str, np.ndarray]:
    """Per-draw parameter values for each row: shape (S, 1) pooled, (S, n_rows) hierarchical.

    Parameters
    ----------
    idata
        The fit.
    specs
        The model's parameters.
    hierarchical
        Whether the fit has per-participant parameters (``{name}``, ``{name}_mu``,
        ``{name}_sigma``).
    index
        Participant index of each row (:func:`cogalign.data.groups.participant_index` with
        the fitted ids); rows of unknown participants (index -1) get a new participant drawn
        from the population.
    max_draws, seed
        As in :func:`posterior_draws`.

    Returns
    -------
    dict
        ``{parameter: array}`` broadcasting against the rows.
    """
    names = [p.name for p in specs]
    if not hierarchical:
        draws = posterior_draws(idata, names, max_draws, seed)
        return {k: v[:, None] for k, v in draws.items()}
    if index is None:
        raise CogalignError("a hierarchical fit needs the participant index of every row")
    wanted = names + [f"{n}_mu" for n in names] + [f"{n}_sigma" for n in names]
    draws = posterior_draws(idata, wanted, max_draws, seed)
    rng = np.random.default_rng(seed + 1)
    out = {}
    known = index >= 0
    for p in specs:
        per = draws[p.name]  # (S, P)
        vals = np.empty((per.shape[0], len(index)))
        vals[:, known] = per[:, index[known]]
        if (~known).any():
            z = rng.standard_normal((per.shape[0], int((~known).sum())))
            std = draws[f"{p.name}_mu"][:, None] + draws[f"{p.name}_sigma"][:, None] * z
            vals[:, ~known] = p.constrain(p.loc + p.scale * std)
        out[p.name] = vals
    return out


class BayesianEstimator(Estimator):
    """Base class of the estimators fitted with :func:`cogalign.bayes.fit`.

    Fitted once ``idata_`` exists. A subclass's ``__init__`` lists its model's own settings
    and ends in ``**settings``; the base adds :data:`FIT_SETTINGS` to its signature as
    keyword-only parameters (so :func:`sklearn.base.clone`, ``get_params`` and ``repr`` see
    them), and ``self._set_init_params(locals())`` stores them with their defaults::

        class Coin(BayesianEstimator):
            def __init__(self, prior_heads: float = 1.0, **settings: Any) -> None:
                self._set_init_params(locals())

        Coin(draws=500).draws          # 500; Coin().backend == "numpyro"

    The helpers below read those settings.
    """

    fitted_attribute = "idata_"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        signature = inspect.signature(init)
        own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        if len(own) == len(signature.parameters):
            return  # no **settings: the subclass spells out its signature itself
        names = {p.name for p in own}
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
                 for name, default in FIT_SETTINGS.items() if name not in names]
        init.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]

    def _set_init_params(self, values: Mapping[str, Any]) -> None:
        """Store the model's settings and :data:`FIT_SETTINGS` (given or default).

        Raises
        ------
        TypeError
            For a keyword that is neither a setting of the model nor a fit setting.
        """
        values = dict(values)
        given = values.pop("settings", None) or {}
        unknown = sorted(set(given) - set(FIT_SETTINGS))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword(s) {unknown}; its "
                            f"settings: {', '.join(self._get_param_names())}")
        for name, default in FIT_SETTINGS.items():
            values.setdefault(name, given.get(name, default))
        super()._set_init_params(values)

    def _method(self, hierarchical: bool) -> str:
        """``method``, or NUTS for a hierarchical model and MAP + Laplace otherwise."""
        if self.method is not None:
            if self.method == "map" and hierarchical:
                warnings.warn(
                    "MAP of a hierarchical model sits in the funnel of the population sd: its "
                    "estimates and intervals are biased; prefer method='nuts'", UserWarning,
                    stacklevel=4)
            return self.method
        return "nuts" if hierarchical else "map"

    def _fit_settings(self, hierarchical: bool = False) -> dict[str, Any]:
        """Keyword arguments of :func:`cogalign.bayes.fit`; sets ``method_``."""
        self.method_ = self._method(hierarchical)
        if self.precision not in ("float64", "float32"):
            raise CogalignError(f"precision must be 'float64' or 'float32', got {self.precision!r}")
        if self.precision == "float32" and self.backend != "numpyro":
            raise CogalignError("precision='float32' is a NumPyro setting; PyMC runs in float64")
        kw = dict(backend=self.backend, method=self.method_, draws=self.draws, tune=self.tune,
                  chains=self.chains, seed=self.seed, progress=self.progress)
        if self.backend == "numpyro":
            kw["x64"] = self.precision == "float64"
        if self.method_ == "nuts" and not hierarchical:
            # a pooled model has a few correlated parameters: a dense mass matrix is cheap and
            # shortens the trajectories (CPT on choices13k: 13.6 leapfrog steps per draw)
            kw["dense_mass"] = True
        kw.update(self.fit_kwargs or {})
        return kw

    def _participants(self, table: pd.DataFrame, specs: list[Param], data: dict[str, Any],
                      dims: dict[str, list[str]], coords: dict[str, Any]) -> None:
        """Add the per-participant design of a hierarchical fit; sets ``participants_``."""
        if "participant_id" not in table.columns:
            raise CogalignError("a hierarchical fit needs a participant_id column")
        idx, ids = participant_index(table["participant_id"])
        self.participants_ = ids
        data.update(participant=idx, n_participants=len(ids))
        coords["participant"] = ids
        for p in specs:
            dims[p.name] = ["participant"]
            dims[f"{p.name}_z"] = ["participant"]

    def _row_index(self, table: pd.DataFrame, hierarchical: bool) -> np.ndarray | None:
        """Participant index of each row for :func:`theta_for_rows` (``None`` when pooled)."""
        if not hierarchical:
            return None
        return participant_index(table["participant_id"], self.participants_)[0]

    def _summarise(self, specs: list[Param], hierarchical: bool) -> None:
        """Set ``summary_`` and ``params_`` (population medians and sds when hierarchical)."""
        from cogalign.bayes import summarize

        names = [p.name for p in specs]
        if hierarchical:
            names = [f"{n}_pop" for n in names] + [f"{n}_sigma" for n in names]
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
