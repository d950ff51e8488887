r"""NumPyro model of intertemporal choice, with its parameters and priors.

:func:`intertemporal_model` is a plain NumPyro function of keyword data with the observation
``y`` (``None`` to simulate); fit it with :func:`cogalign.bayes.fit`. Its PyMC twin in
:mod:`cogalign.intertemporal.pymc_models` has identical site names and priors.

Single trials: :math:`y_t \sim \operatorname{Bernoulli}(\sigma(\eta_t))` (``y = 1`` for the
later-larger option), with per-participant parameters in the hierarchical (non-centred)
version; :math:`\eta` is the log-odds from
:func:`cogalign.intertemporal.functions.intertemporal_logits`.

References
----------
Ericson, K. M., White, J. M., Laibson, D. & Cohen, J. D. (2015). Money earlier or later? Simple
heuristics explain intertemporal choices better than delay discounting does. *Psychological
Science*, 26(6), 826-833.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cogalign.bayes.params import Param, logit, update_params
from cogalign.bayes.registry import pymc_version
from cogalign.intertemporal.functions import DISCOUNTING

__all__ = ["itch_autoscale_priors", "intertemporal_model", "intertemporal_params"]

Priors = Mapping[str, Mapping[str, float]] | None


def intertemporal_params(model: str = "hyperbolic", scale: str = "relative",
                         priors: Priors = None) -> list[Param]:
    """The parameters of an intertemporal-choice model, with their default priors.

    ``delta`` (per-period discount factor, in (0, 1), prior median 0.9), ``k`` (hyperbolic
    rate, > 0, median 0.1), ``beta`` (present bias, in (0, 1), median 0.9), ``phi``
    (sensitivity; median 5 for relative differences, 0.1 for absolute), and for ITCH the
    coefficients ``b_i``, ``b_xa``, ``b_xr``, ``b_ta``, ``b_tr`` (Normal(0, 2.5); ``b_xa`` and
    ``b_ta`` Normal(0, 1); :func:`itch_autoscale_priors` gives data-scaled ones, which
    :class:`~cogalign.intertemporal.IntertemporalChoiceModel` uses by default).
    """
    if model not in DISCOUNTING:
        raise ValueError(f"model must be one of {DISCOUNTING}, got {model!r}")
    if scale not in ("relative", "absolute"):
        raise ValueError(f"scale must be 'relative' or 'absolute', got {scale!r}")
    if model == "itch":
        out = [
            Param("b_i", None, None, 0.0, 2.5, description="intercept"),
            Param("b_xa", None, None, 0.0, 1.0, description="absolute amount difference"),
            Param("b_xr", None, None, 0.0, 2.5, description="relative amount difference"),
            Param("b_ta", None, None, 0.0, 1.0, description="absolute delay difference"),
            Param("b_tr", None, None, 0.0, 2.5, description="relative delay difference"),
        ]
        return update_params(out, priors)
    out = []
    if model in ("exponential", "quasi-hyperbolic"):
        out.append(Param("delta", 0.0, 1.0, logit(0.9), 1.5, description="discount factor per period"))
    if model == "quasi-hyperbolic":
        out.insert(0, Param("beta", 0.0, 1.0, logit(0.9), 1.5, description="present bias"))
    if model == "hyperbolic":
        out.append(Param("k", 0.0, None, math.log(0.1), 1.5, description="hyperbolic discount rate"))
    loc = math.log(5.0) if scale == "relative" else math.log(0.1)
    out.append(Param("phi", 0.0, None, loc, 1.5, description="choice sensitivity"))
    return update_params(out, priors)


def itch_autoscale_priors(x1: Any, t1: Any, x2: Any, t2: Any,
                          scale: float = 2.5) -> dict[str, dict[str, float]]:
    """Data-scaled priors for ITCH's coefficients: Normal(0, (2.5 / sd(feature))^2).

    ITCH's features live on very different scales (Ericson et al.'s amount differences run
    from cents to thousands), so a fixed prior is either far too wide for one coefficient or
    too narrow for another, and the posterior is badly conditioned for an optimiser or NUTS.
    Scaling each prior by its feature's standard deviation (Gelman, Jakulin, Pittau & Su 2008;
    rstanarm's ``autoscale``) puts every standardised coefficient on the same footing.
    The intercept keeps Normal(0, 2.5^2).
    """
    import numpy as np

    x1, t1, x2, t2 = (np.asarray(v, dtype=float) for v in (x1, t1, x2, t2))
    feats = {
        "b_xa": x2 - x1,
        "b_xr": (x2 - x1) / ((x1 + x2) / 2.0),
        "b_ta": t2 - t1,
        "b_tr": (t2 - t1) / ((t1 + t2) / 2.0),
    }
    out = {"b_i": {"scale": scale}}
    for name, f in feats.items():
        sd = float(np.std(f))
        out[name] = {"scale": scale / sd if sd > 0 else scale}
    return out


# --------------------------------------------------------------------------- NumPyro model


@pymc_version("cogalign.intertemporal.pymc_models:intertemporal_pymc")
def intertemporal_model(
    x1: Any, t1: Any, x2: Any, t2: Any, participant: Any = None, y: Any = None, *,
    model: str = "hyperbolic", scale: str = "relative", n_participants: int | None = None,
    priors: Priors = None,
) -> None:
    """Intertemporal choices (``y = 1`` for the later-larger option).

    Parameters
    ----------
    x1, t1, x2, t2
        Sooner-smaller and later-larger amounts and delays per trial.
    participant
        0-based participant index (hierarchical version).
    y
        1 if the later-larger option was chosen.
    model
        ``"exponential"``, ``"hyperbolic"``, ``"quasi-hyperbolic"`` or ``"itch"``.
    scale
        ``"relative"`` or ``"absolute"`` value difference (discounting models; see
        :func:`cogalign.intertemporal.functions.intertemporal_logits`).
    n_participants
        ``None`` for a pooled model; an int for non-centred hierarchical parameters.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from cogalign.bayes.params import sample_numpyro
    from cogalign.intertemporal.functions import intertemporal_logits

    params = sample_numpyro(intertemporal_params(model, scale, priors), n_participants)
    if n_participants is not None:
        params = {k: v[participant] for k, v in params.items()}
    eta = intertemporal_logits(x1, t1, x2, t2, model, params, scale, jnp)
    with numpyro.plate("trial", x1.shape[0]):
        numpyro.sample("y", dist.Bernoulli(logits=eta), obs=y)
