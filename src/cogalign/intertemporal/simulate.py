"""Simulators: every intertemporal-choice model generates data in the tidy table.

The simulators use the same NumPy functions as the likelihood
(:mod:`cogalign.intertemporal.functions`), so simulate-then-fit recovers the parameters
(tested).

* :func:`intertemporal_design` - Ericson-style questions;
* :func:`simulate_intertemporal` - choices by participants with their own parameters
  (``intertemporal`` table), drawn by :func:`cogalign.bayes.population.participant_params`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cogalign.bayes.params import expit
from cogalign.bayes.population import fill_params, participant_params
from cogalign.intertemporal.functions import intertemporal_logits
from cogalign.intertemporal.models import intertemporal_params

__all__ = ["DEFAULT_INTERTEMPORAL", "intertemporal_design", "simulate_intertemporal"]

#: Parameter values of the simulated population (and each model's default).
DEFAULT_INTERTEMPORAL: dict[str, float] = {
    "delta": 0.85, "k": 0.25, "beta": 0.8, "phi": 8.0,
    "b_i": -0.5, "b_xa": 0.0005, "b_xr": 6.0, "b_ta": -0.2, "b_tr": -1.0,
}


def intertemporal_design(n_trials: int = 25, seed: int | np.random.Generator = 0) -> pd.DataFrame:
    """Questions in the style of Ericson et al. (2015): ``x1, t1, x2, t2``.

    Sooner amounts span five orders of magnitude (cents to thousands), the later amount is
    1-300% larger, sooner delays are 0-2 periods and the later delay 1-4 periods after it.
    """
    rng = np.random.default_rng(seed)
    magnitude = rng.choice([0.5, 5.0, 50.0, 500.0, 5000.0], size=n_trials)
    x1 = np.round(magnitude * rng.uniform(0.5, 2.0, size=n_trials), 2)
    r = rng.choice([0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0], size=n_trials)
    x2 = np.round(x1 * (1.0 + r), 2)
    x2 = np.where(x2 <= x1, x1 + 0.01, x2)
    t1 = rng.choice([0.0, 1.0, 2.0], size=n_trials)
    t2 = t1 + rng.choice([1.0, 2.0, 3.0, 4.0], size=n_trials)
    return pd.DataFrame({"x1": x1, "t1": t1, "x2": x2, "t2": t2})


def simulate_intertemporal(
    n_participants: int = 50,
    n_trials: int = 25,
    model: str = "hyperbolic",
    params: Mapping[str, float] | None = None,
    *,
    sd: Mapping[str, float] | float = 0.3,
    scale: str = "relative",
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """Intertemporal choices by participants with their own parameters.

    Every participant answers their own ``n_trials`` random questions
    (:func:`intertemporal_design`).

    Returns
    -------
    pandas.DataFrame
        An ``intertemporal`` table (``participant_id``, ``trial``, ``x1``, ``t1``, ``x2``,
        ``t2``, ``response`` 1 = later-larger); ``attrs["params"]`` per participant and
        ``attrs["population"]``.
    """
    rng = np.random.default_rng(seed)
    specs = intertemporal_params(model, scale)
    values = fill_params(DEFAULT_INTERTEMPORAL, [p.name for p in specs], params)
    per = participant_params(specs, values, sd, n_participants, rng)
    design = intertemporal_design(n_participants * n_trials, rng)
    who = np.repeat(np.arange(n_participants), n_trials)
    theta = {k: per[k].to_numpy()[who] for k in per.columns}
    eta = intertemporal_logits(design["x1"].to_numpy(), design["t1"].to_numpy(),
                               design["x2"].to_numpy(), design["t2"].to_numpy(), model, theta,
                               scale, np)
    y = (rng.random(len(eta)) < expit(eta)).astype(np.int64)
    out = pd.DataFrame({
        "participant_id": [f"p{j:03d}" for j in who],
        "trial": np.tile(np.arange(n_trials), n_participants),
        **{c: design[c].to_numpy() for c in ("x1", "t1", "x2", "t2")},
        "response": pd.array(y, dtype="Int64"),
    })
    per.index = [f"p{j:03d}" for j in range(n_participants)]
    out.attrs["params"] = per
    out.attrs["population"] = values
    return out
