"""PyMC version of the model in :mod:`cogalign.intertemporal.models`.

Same keyword arguments, site names, priors and likelihood; the discount functions are the very
same code run on :mod:`pytensor.tensor`, and the choices use
:func:`cogalign.bayes.likelihoods.binomial_logit_pymc`. The agreement of the two backends is
tested.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cogalign.bayes.likelihoods import binomial_logit_pymc
from cogalign.intertemporal.models import Priors, intertemporal_params

__all__ = ["intertemporal_pymc"]


def intertemporal_pymc(
    x1: Any, t1: Any, x2: Any, t2: Any, participant: Any = None, y: Any = None, *,
    model: str = "hyperbolic", scale: str = "relative", n_participants: int | None = None,
    priors: Priors = None,
) -> Any:
    """PyMC twin of :func:`cogalign.intertemporal.models.intertemporal_model`."""
    import pymc as pm
    import pytensor.tensor as pt

    from cogalign.bayes.params import sample_pymc
    from cogalign.intertemporal.functions import intertemporal_logits

    with pm.Model() as pm_model:
        params = sample_pymc(intertemporal_params(model, scale, priors), n_participants)
        if n_participants is not None:
            idx = np.asarray(participant)
            params = {k: v[idx] for k, v in params.items()}
        eta = intertemporal_logits(np.asarray(x1, dtype=float), np.asarray(t1, dtype=float),
                                   np.asarray(x2, dtype=float), np.asarray(t2, dtype=float),
                                   model, params, scale, pt)
        binomial_logit_pymc("y", eta, np.ones(np.asarray(x1).shape[0], dtype=np.int64), y)
    return pm_model
