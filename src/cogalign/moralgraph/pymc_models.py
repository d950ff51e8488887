"""PyMC versions of the NumPyro models in :mod:`cogalign.moralgraph.bradley_terry`.

Same keyword arguments, site names, priors and likelihood; their agreement is tested.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["bradley_terry_pymc"]


def bradley_terry_pymc(item_a: Any, item_b: Any, n_votes: Any, y: Any = None, *, n_items: int) -> Any:
    """PyMC twin of :func:`cogalign.moralgraph.bradley_terry.bradley_terry_model`."""
    import pymc as pm

    a = np.asarray(item_a)
    b = np.asarray(item_b)
    n = np.asarray(n_votes)
    with pm.Model() as model:
        tau = pm.HalfNormal("strength_sigma", sigma=1.0)
        z = pm.Normal("strength_z", 0.0, 1.0, shape=n_items)
        theta = pm.Deterministic("strength", tau * z)
        pm.Binomial("y", n=n, logit_p=theta[a] - theta[b], observed=y, shape=a.shape)
    return model
