"""One way to state a Bayesian model and fit it: NumPyro by default, PyMC for parity.

A model is a plain NumPyro function (as in NumPyro's ``examples/``). :func:`fit` runs NUTS,
MAP with a Laplace approximation, or SVI, in NumPyro or through the model's PyMC version, and
returns ArviZ ``InferenceData`` with the pointwise log-likelihood, posterior predictive and
observed data stored at fit time; :func:`compare` ranks fits by PSIS-LOO; :func:`recover` runs
simulation-based parameter recovery; :class:`Param` states a prior once for both backends,
with non-centred hierarchical versions.

>>> from cogalign.bayes import fit, compare            # doctest: +SKIP
>>> idata = fit(model, data, method="nuts")            # doctest: +SKIP

Heavy dependencies (jax, numpyro, pymc, arviz, and scikit-learn for the estimator base) are
imported only when a function runs or the estimator base is first used.
"""


from cogalign.bayes.compare import compare, loo, summarize
from cogalign.bayes.diagnostics import ConvergenceWarning, check_convergence
from cogalign.bayes.inference import BACKENDS, METHODS, fit, simulate, split_data
from cogalign.bayes.params import Param, sample_numpyro, sample_pymc, update_params
from cogalign.bayes.recover import recover, recovery_summary
from cogalign.bayes.registry import get_pymc_builder, pymc_version, register_pymc
from cogalign.lazy import lazy_exports

__all__ = [
    "BACKENDS",
    "METHODS",
    "BayesianEstimator",
    "ConvergenceWarning",
    "NotFittedError",
    "Param",
    "check_convergence",
    "compare",
    "fit",
    "get_pymc_builder",
    "loo",
    "pymc_version",
    "recover",
    "recovery_summary",
    "register_pymc",
    "sample_numpyro",
    "sample_pymc",
    "simulate",
    "split_data",
    "summarize",
    "update_params",
]

_LAZY = {"BayesianEstimator": "cogalign.bayes.estimator", "NotFittedError": "cogalign.estimator"}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
