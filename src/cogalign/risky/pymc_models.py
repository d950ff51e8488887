"""PyMC versions of the models in :mod:`cogalign.risky.models`.

Same keyword arguments, site names, priors and likelihoods; the value, weighting and
discounting functions are the very same code run on :mod:`pytensor.tensor`. The agreement of
the two backends is tested.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cogalign.risky.models import Priors, intertemporal_params, risky_params

__all__ = ["intertemporal_pymc", "risky_rates_pymc", "risky_trials_pymc"]


def _binomial_logit(name: str, eta: Any, n: Any, y: Any) -> Any:
    """``y ~ Binomial(n, sigmoid(eta))`` (Bernoulli for ``n = 1``), stable for any logit.

    The log-probability is written as NumPyro's ``Binomial(logits=...)`` /
    ``Bernoulli(logits=...)`` compute it,

    .. math:: \\log\\binom{n}{y} - y\\,\\mathrm{softplus}(-\\eta)
              - (n - y)\\,\\mathrm{softplus}(\\eta),

    so value and gradient stay finite wherever the logit goes. PyMC's own distributions do not
    (PyMC 5.28): ``Bernoulli(logit_p=...)`` has a NaN gradient for ``y = 0`` once
    :math:`\\eta > 37`, and ``Binomial(logit_p=...)`` a log-probability of -inf once the
    observed outcome is that improbable (``y = 0`` with :math:`\\eta > 37`, ``y = n`` with
    :math:`\\eta < -37`). A NUTS chain that wanders there (large sensitivities during
    warm-up) stays stuck, every transition divergent: one of two PyMC chains of the
    hierarchical hyperbolic model on 100 people of Ericson et al. (2015) did, r-hat 2.2.
    """
    import pymc as pm
    import pytensor.tensor as pt
    from scipy.special import expit

    n = np.asarray(n)

    def logp(value: Any, eta: Any, n: Any) -> Any:
        return (pt.gammaln(n + 1.0) - pt.gammaln(value + 1.0) - pt.gammaln(n - value + 1.0)
                - value * pt.softplus(-eta) - (n - value) * pt.softplus(eta))

    def random(eta: Any, n: Any, rng: Any = None, size: Any = None) -> Any:
        return rng.binomial(n, expit(eta), size=size)

    return pm.CustomDist(name, eta, n, logp=logp, random=random, observed=y, shape=n.shape,
                         dtype="int64")


def risky_rates_pymc(
    xa: Any, pa: Any, xb: Any, pb: Any, n_choices: Any, y: Any = None, *,
    theory: str = "cpt", weighting: str = "tk", choice: str = "utility",
    likelihood: str = "binomial", priors: Priors = None,
) -> Any:
    """PyMC twin of :func:`cogalign.risky.models.risky_rates_model`."""
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.bayes.params import sample_pymc
    from cogalign.risky.functions import choice_logits

    with pm.Model() as model:
        params = sample_pymc(risky_params(theory, weighting, likelihood, priors))
        eta = choice_logits(theory, np.asarray(xa), np.asarray(pa), np.asarray(xb),
                            np.asarray(pb), params, weighting, choice, pt)
        n = np.asarray(n_choices)
        if likelihood == "binomial":
            _binomial_logit("y", eta, n, y)
        else:
            mean = pt.clip(pt.sigmoid(eta), 1e-9, 1.0 - 1e-9)
            kappa = params["kappa"]
            pm.BetaBinomial("y", alpha=kappa * mean, beta=kappa * (1.0 - mean), n=n,
                            observed=y, shape=n.shape)
    return model


def risky_trials_pymc(
    xa: Any, pa: Any, xb: Any, pb: Any, participant: Any = None, y: Any = None, *,
    n_participants: int | None = None, theory: str = "cpt", weighting: str = "tk",
    choice: str = "utility", priors: Priors = None,
) -> Any:
    """PyMC twin of :func:`cogalign.risky.models.risky_trials_model`."""
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.bayes.params import sample_pymc
    from cogalign.risky.functions import choice_logits

    with pm.Model() as model:
        params = sample_pymc(risky_params(theory, weighting, "binomial", priors), n_participants)
        if n_participants is not None:
            idx = np.asarray(participant)
            params = {k: v[idx] for k, v in params.items()}
        eta = choice_logits(theory, np.asarray(xa), np.asarray(pa), np.asarray(xb),
                            np.asarray(pb), params, weighting, choice, pt)
        _binomial_logit("y", eta, np.ones(np.asarray(xa).shape[0], dtype=np.int64), y)
    return model


def intertemporal_pymc(
    x1: Any, t1: Any, x2: Any, t2: Any, participant: Any = None, y: Any = None, *,
    model: str = "hyperbolic", scale: str = "relative", n_participants: int | None = None,
    priors: Priors = None,
) -> Any:
    """PyMC twin of :func:`cogalign.risky.models.intertemporal_model`."""
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.bayes.params import sample_pymc
    from cogalign.risky.functions import intertemporal_logits

    with pm.Model() as pm_model:
        params = sample_pymc(intertemporal_params(model, scale, priors), n_participants)
        if n_participants is not None:
            idx = np.asarray(participant)
            params = {k: v[idx] for k, v in params.items()}
        eta = intertemporal_logits(np.asarray(x1, dtype=float), np.asarray(t1, dtype=float),
                                   np.asarray(x2, dtype=float), np.asarray(t2, dtype=float),
                                   model, params, scale, pt)
        _binomial_logit("y", eta, np.ones(np.asarray(x1).shape[0], dtype=np.int64), y)
    return pm_model
