"""Intertemporal choice: discounting models, the ITCH heuristic, hierarchical Bayesian fits.

Models of choices between a sooner-smaller and a later-larger amount - exponential,
hyperbolic and quasi-hyperbolic discounting with a logit choice rule, and the ITCH heuristic
(Ericson et al. 2015). Each has a simulator, a NumPyro model (plus its PyMC twin) for single
trials, pooled or hierarchical non-centred, and a scikit-learn style estimator;
:mod:`cogalign.intertemporal.analysis` ranks them by PSIS-LOO.

>>> from cogalign.intertemporal import IntertemporalChoiceModel, simulate_intertemporal
>>> table = simulate_intertemporal(n_participants=20, seed=0)
>>> IntertemporalChoiceModel("hyperbolic").fit(table).summary_      # doctest: +SKIP

Importing this package is light: jax, numpyro, pymc, arviz and scikit-learn load on first use.
"""

from __future__ import annotations

from cogalign.lazy import lazy_exports

_EXPORTS = {
    "DISCOUNTING": "functions", "discount": "functions", "intertemporal_logits": "functions",
    "itch_logits": "functions",
    "intertemporal_params": "models", "itch_autoscale_priors": "models",
    "intertemporal_model": "models",
    "intertemporal_pymc": "pymc_models",
    "intertemporal_log_likelihood": "likelihoods",
    "IntertemporalChoiceModel": "estimators",
    "DEFAULT_INTERTEMPORAL": "simulate", "intertemporal_design": "simulate",
    "simulate_intertemporal": "simulate",
    "read_intertemporal": "data", "load_intertemporal": "data",
    "compare_discounting": "analysis",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
