"""The headline analysis of intertemporal choice.

:func:`compare_discounting` - exponential, hyperbolic, quasi-hyperbolic discounting and ITCH on
Ericson et al. (2015), ranked by PSIS-LOO.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from cogalign.data.groups import subsample_groups

__all__ = ["compare_discounting"]


def compare_discounting(
    table: pd.DataFrame | None = None,
    *,
    models: Sequence[str] = ("exponential", "hyperbolic", "quasi-hyperbolic", "itch"),
    scale: str = "relative",
    hierarchical: bool = True,
    backend: str = "numpyro",
    method: str | None = "nuts",
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    seed: int = 0,
    n_participants: int | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rank intertemporal-choice models by PSIS-LOO (default data: Ericson et al. 2015).

    Rows with a missing response (369 in Ericson et al.'s data) are left out of every
    likelihood.

    Parameters
    ----------
    table
        An ``intertemporal`` table (default: ``load("ericson2015")``).
    models
        Models to compare.
    scale
        ``"relative"`` or ``"absolute"`` value differences for the discounting models.
    hierarchical
        Per-participant (non-centred) parameters or one pooled set.
    backend, method, draws, tune, chains, seed
        Passed to :func:`cogalign.bayes.fit` (``method=None``: NUTS for hierarchical fits,
        else MAP).
    n_participants
        Use a random subset of participants (fast runs).
    progress
        Progress bars.

    Returns
    -------
    table, fits
        :func:`cogalign.bayes.compare` table (best first) and ``{model: fitted
        IntertemporalChoiceModel}``.
    """
    from cogalign.bayes import compare
    from cogalign.intertemporal.estimators import IntertemporalChoiceModel

    if table is None:
        from cogalign.data import load

        table = load("ericson2015", progress=False)
    table = subsample_groups(table, n_participants, "participant_id", seed)
    fits = {}
    for name in models:
        fits[name] = IntertemporalChoiceModel(
            name, scale=scale, hierarchical=hierarchical, backend=backend, method=method,
            draws=draws, tune=tune, chains=chains, seed=seed, progress=progress,
        ).fit(table)
    ranking = compare({k: v.idata_ for k, v in fits.items()})
    first = next(iter(fits.values()))
    ranking.attrs.update(n_missing=first.n_missing_, n_obs=first.n_obs_, scale=scale,
                         hierarchical=hierarchical, backend=backend, method=first.method_,
                         n_participants=len(getattr(first, "participants_", [])) or None)
    return ranking, fits
