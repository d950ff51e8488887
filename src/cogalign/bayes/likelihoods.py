"""Likelihoods of binary and counted choices under a logit, shared by the choice models.

:func:`trials_log_likelihood` is the plain NumPy Bernoulli reference that NumPyro models'
stored ``log_likelihood`` is checked against; :func:`binomial_logit_pymc` is the PyMC
observation that matches NumPyro's ``Binomial(logits=...)`` / ``Bernoulli(logits=...)``
where PyMC's own distributions break down.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import log_expit

__all__ = ["binomial_logit_pymc", "trials_log_likelihood"]


def trials_log_likelihood(y: np.ndarray, logits: np.ndarray) -> np.ndarray:
    r"""Bernoulli log-probability :math:`y\log\sigma(\eta) + (1-y)\log\sigma(-\eta)`.

    Parameters
    ----------
    y
        Observed choices, 0 or 1.
    logits
        Log-odds :math:`\eta` of choosing 1.

    Returns
    -------
    numpy.ndarray
        Pointwise log-likelihood.
    """
    y = np.asarray(y, dtype=float)
    eta = np.asarray(logits, dtype=float)
    return y * log_expit(eta) + (1 - y) * log_expit(-eta)


def binomial_logit_pymc(name: str, eta: Any, n: Any, y: Any) -> Any:
    r"""``y ~ Binomial(n, sigmoid(eta))`` (Bernoulli for ``n = 1``) in PyMC, stable for any logit.

    The log-probability is written as NumPyro's ``Binomial(logits=...)`` /
    ``Bernoulli(logits=...)`` compute it,

    .. math:: \log\binom{n}{y} - y\,\mathrm{softplus}(-\eta)
              - (n - y)\,\mathrm{softplus}(\eta),

    so value and gradient stay finite wherever the logit goes. PyMC's own distributions do not
    (PyMC 5.28): ``Bernoulli(logit_p=...)`` has a NaN gradient for ``y = 0`` once
    :math:`\eta > 37`, and ``Binomial(logit_p=...)`` a log-probability of -inf once the
    observed outcome is that improbable (``y = 0`` with :math:`\eta > 37`, ``y = n`` with
    :math:`\eta < -37`). A NUTS chain that wanders there (large sensitivities during
    warm-up) stays stuck, every transition divergent: one of two PyMC chains of the
    hierarchical hyperbolic model on 100 people of Ericson et al. (2015) did, r-hat 2.2.

    Parameters
    ----------
    name
        Site name of the observation (``"y"``).
    eta
        Log-odds, a PyTensor expression.
    n
        Number of choices per observation.
    y
        Observed counts (``None`` to simulate).

    Returns
    -------
    pymc.CustomDist
        The observed variable, created inside the current ``pm.Model``.
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
