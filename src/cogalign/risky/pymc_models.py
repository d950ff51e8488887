"""PyMC versions of the models in :mod:`cogalign.risky.models`.

Same keyword arguments, site names, priors and likelihoods; the value and weighting functions
are the very same code run on :mod:`pytensor.tensor`, and binomial choices use
:func:`cogalign.bayes.likelihoods.binomial_logit_pymc`. The agreement of
the two backends is tested.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cogalign.bayes.likelihoods import binomial_logit_pymc
from cogalign.risky.models import Priors, per_trial_params, risky_params

__all__ = ["risky_rates_pymc", "risky_trials_pymc"]


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
            binomial_logit_pymc("y", eta, n, y)
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
            params = per_trial_params(params, np.asarray(participant), pt)
        eta = choice_logits(theory, np.asarray(xa), np.asarray(pa), np.asarray(xb),
                            np.asarray(pb), params, weighting, choice, pt)
        binomial_logit_pymc("y", eta, np.ones(np.asarray(xa).shape[0], dtype=np.int64), y)
    return model
