"""Pointwise log-likelihood in plain NumPy: the reference the NumPyro model matches.

The tests check the stored ``log_likelihood`` group of an intertemporal fit against
:func:`intertemporal_log_likelihood`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cogalign.bayes.likelihoods import trials_log_likelihood
from cogalign.intertemporal.functions import intertemporal_logits

__all__ = ["intertemporal_log_likelihood"]


def intertemporal_log_likelihood(
    table: pd.DataFrame, model: str, params: Mapping[str, float], *, scale: str = "relative",
) -> np.ndarray:
    """Pointwise log-likelihood of the answered rows of an ``intertemporal`` table."""
    t = table.loc[table["response"].notna()]
    eta = intertemporal_logits(*(t[c].to_numpy(dtype=float) for c in ("x1", "t1", "x2", "t2")),
                               model, params, scale, np)
    return trials_log_likelihood(t["response"].to_numpy(dtype=float), eta)
