"""Pointwise log-likelihoods in plain NumPy/SciPy: the reference the NumPyro models match.

:func:`rates_log_likelihood` is the aggregate (choice-rate) likelihood;
:func:`risky_rates_log_likelihood` evaluates a model at given parameter values on a table.
The tests check the NumPyro models' stored ``log_likelihood`` group against these.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import log_expit

from cogalign.bayes.params import expit
from cogalign.risky.functions import choice_logits
from cogalign.risky.gambles import problem_arrays, rates_to_counts

__all__ = ["rates_log_likelihood", "risky_rates_log_likelihood"]


def rates_log_likelihood(
    k: np.ndarray, n: np.ndarray, logits: np.ndarray, likelihood: str = "binomial",
    kappa: float | None = None,
) -> np.ndarray:
    r"""Log-probability of ``k`` choices of B out of ``n`` per problem.

    .. math::

        \log \binom{n}{k} + k \log \sigma(\eta) + (n - k) \log \sigma(-\eta)

    or the Beta-Binomial with :math:`a = \kappa\sigma(\eta)`, :math:`b = \kappa\sigma(-\eta)`.
    """
    k = np.asarray(k)
    n = np.asarray(n)
    eta = np.asarray(logits, dtype=float)
    if likelihood == "binomial":
        from scipy.special import gammaln

        return (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
                + k * log_expit(eta) + (n - k) * log_expit(-eta))
    if likelihood == "beta-binomial":
        if kappa is None:
            raise ValueError("the Beta-Binomial needs kappa")
        p = np.clip(expit(eta), 1e-9, 1 - 1e-9)
        return stats.betabinom.logpmf(k, n, kappa * p, kappa * (1 - p))
    raise ValueError(f"unknown likelihood {likelihood!r}")


def risky_rates_log_likelihood(
    table: pd.DataFrame, theory: str, params: Mapping[str, float], *, weighting: str = "tk",
    choice: str = "utility", likelihood: str = "binomial", trials_per_person: int | None = None,
) -> np.ndarray:
    """Pointwise log-likelihood of a ``risky-rates`` table under a model at ``params``."""
    arr = problem_arrays(table)
    k, n = rates_to_counts(table, trials_per_person)
    eta = choice_logits(theory, arr["xa"], arr["pa"], arr["xb"], arr["pb"], params, weighting,
                        choice, np)
    return rates_log_likelihood(k, n, eta, likelihood, params.get("kappa"))
