"""PyMC twin of :func:`cogalign.beliefs.models.dissonance_choice_model`.

Same keyword arguments, site names, priors and likelihood; the agreement of the two backends
is tested.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cogalign.beliefs.models import Priors, dissonance_params

__all__ = ["dissonance_choice_pymc"]


def _bernoulli_logit(name: str, eta: Any, y: Any, n: int) -> Any:
    r"""``y ~ Bernoulli(sigmoid(eta))`` written with softplus, finite for any logit.

    :math:`\log p(y) = -y\,\mathrm{softplus}(-\eta) - (1 - y)\,\mathrm{softplus}(\eta)`, as
    NumPyro's ``Bernoulli(logits=...)`` computes it.
    """
    import pymc as pm
    import pytensor.tensor as pt
    from scipy.special import expit

    def logp(value: Any, eta: Any) -> Any:
        return -value * pt.softplus(-eta) - (1 - value) * pt.softplus(eta)

    def random(eta: Any, rng: Any = None, size: Any = None) -> Any:
        return rng.binomial(1, expit(eta), size=size)

    return pm.CustomDist(name, eta, logp=logp, random=random, observed=y, shape=(n,),
                         dtype="int64")


def dissonance_choice_pymc(delta: Any, participant: Any = None, y: Any = None, *,
                           n_participants: int | None = None, distance: bool = True,
                           priors: Priors = None) -> Any:
    """PyMC twin of :func:`cogalign.beliefs.models.dissonance_choice_model`."""
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.bayes.params import sample_pymc

    delta = np.asarray(delta, dtype=float)
    with pm.Model() as model:
        params = sample_pymc(dissonance_params(distance, priors), n_participants)
        if n_participants is not None:
            idx = np.asarray(participant)
            params = {k: v[idx] for k, v in params.items()}
        eta = pt.zeros(delta.shape[0]) + params["bias"]  # one logit per choice
        if distance:
            eta = eta + params["sensitivity"] * delta
        _bernoulli_logit("y", eta, y, delta.shape[0])
    return model
