"""Simulated participants: parameter values spread around a population value.

A simulator of a hierarchical model draws each participant's parameters the way the
non-centred model states them (:mod:`cogalign.bayes.params`): on the raw scale, the
population value plus ``sd`` times a standard Normal draw, mapped back to the parameter's
range. Fitting the hierarchical model to such data recovers the population values (tested per
paradigm).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cogalign.bayes.params import Param

__all__ = ["fill_params", "participant_params"]


def fill_params(defaults: Mapping[str, float], names: Sequence[str],
                params: Mapping[str, float] | None) -> dict[str, float]:
    """The values of a model's parameters: ``params`` where given, ``defaults`` elsewhere.

    Parameters
    ----------
    defaults
        A value for every parameter a simulator knows.
    names
        The model's parameters, in order.
    params
        The caller's values (a subset of ``names``).

    Raises
    ------
    ValueError
        For a value of a parameter the model does not have.
    """
    given = dict(params or {})
    unknown = set(given) - set(names)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}; the model has {list(names)}")
    return {k: float(given.get(k, defaults[k])) for k in names}


def participant_params(specs: Sequence[Param], values: Mapping[str, float],
                       sd: Mapping[str, float] | float, n: int, rng: np.random.Generator
                       ) -> pd.DataFrame:
    """Each participant's parameters around the population ``values``.

    Parameters
    ----------
    specs
        The model's parameters.
    values
        Population values (constrained scale).
    sd
        Spread on the raw scale: one number, or one per parameter (0.3 where not given).
    n
        Number of participants.
    rng
        Random generator.

    Returns
    -------
    pandas.DataFrame
        One row per participant, one column per parameter.
    """
    cols = {}
    for p in specs:
        s = sd if isinstance(sd, int | float) else sd.get(p.name, 0.3)
        raw = p.unconstrain(values[p.name]) + s * rng.standard_normal(n)
        cols[p.name] = np.asarray(p.constrain(raw))
    return pd.DataFrame(cols)
