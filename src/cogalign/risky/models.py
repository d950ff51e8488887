r"""NumPyro models of risky choice, with their parameters and priors.

Each model is a plain NumPyro function of keyword data with the observation ``y`` (``None``
to simulate); fit it with :func:`cogalign.bayes.fit`. Each has a PyMC twin in
:mod:`cogalign.risky.pymc_models` with identical site names and priors.

Likelihoods
-----------
Aggregate choice rates (choices13k): ``y`` B-choices out of ``n_choices`` per problem,

.. math:: y_i \sim \operatorname{Binomial}\left(n_i, \sigma(\eta_i)\right)

or, with ``likelihood="beta-binomial"``, a Beta-Binomial with mean :math:`\sigma(\eta_i)` (kept
within :math:`[10^{-9}, 1 - 10^{-9}]`) and
concentration :math:`\kappa` for choices that are not independent across people (repeated
trials of one person, heterogeneous people). Single trials:
:math:`y_t \sim \operatorname{Bernoulli}(\sigma(\eta_t))`, with per-participant parameters
in the hierarchical (non-centred) version. :math:`\eta` is the choice log-odds from
:func:`cogalign.risky.functions.choice_logits`.

References
----------
Peterson, J. C., Bourgin, D. D., Agrawal, M., Reichman, D. & Griffiths, T. L. (2021). Using
large-scale experiments and machine learning to discover theories of human decision-making.
*Science*, 372(6547), 1209-1214.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cogalign.bayes.params import Param, logit, update_params
from cogalign.bayes.registry import pymc_version
from cogalign.risky.functions import THEORIES, WEIGHTINGS

__all__ = [
    "LIKELIHOODS",
    "risky_rates_model",
    "per_trial_params",
    "risky_params",
    "risky_trials_model",
]

LIKELIHOODS = ("binomial", "beta-binomial")
Priors = Mapping[str, Mapping[str, float]] | None


def _curvature(name: str, what: str) -> Param:
    return Param(name, 0.1, 2.0, logit((0.85 - 0.1) / 1.9), 1.0,
                 description=f"value-function curvature for {what}")


def risky_params(
    theory: str = "cpt",
    weighting: str = "tk",
    likelihood: str = "binomial",
    priors: Priors = None,
) -> list[Param]:
    """The parameters of a risky-choice model, with their default priors.

    ================  ================  ==============================================
    parameter         range             default prior (median, 90% interval)
    ================  ================  ==============================================
    ``alpha``         (0.1, 2)          0.85 (0.23, 1.68); gains (EU: both domains)
    ``beta``          (0.1, 2)          as ``alpha``; losses
    ``lam``           > 0               1.5 (0.44, 5.2); loss aversion
    ``gamma_gain``    (0.28, 2) for TK  0.7 (0.35, 1.47); probability-weighting curvature
    ``gamma_loss``    as above          as above
    ``delta_gain``    > 0               1.0 (0.44, 2.3); elevation (Prelec, LIO)
    ``delta_loss``    > 0               as above
    ``phi``           > 0               0.1 (0.0085, 1.18) per unit of utility
    ``kappa``         > 0               20 (1.7, 236); Beta-Binomial concentration
    ================  ================  ==============================================

    Parameters
    ----------
    theory
        ``"ev"``, ``"eu"``, ``"pt"`` or ``"cpt"``.
    weighting
        ``"tk"``, ``"prelec"``, ``"prelec1"`` or ``"lio"`` (PT and CPT).
    likelihood
        ``"binomial"`` or ``"beta-binomial"`` (adds ``kappa``).
    priors
        Overrides, e.g. ``{"lam": {"loc": 0.8, "scale": 0.5}}`` (raw-scale Normal).
    """
    if theory not in THEORIES:
        raise ValueError(f"theory must be one of {THEORIES}, got {theory!r}")
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
    out: list[Param] = []
    if theory == "eu":
        out.append(_curvature("alpha", "gains and losses"))
    if theory in ("pt", "cpt"):
        out += [
            _curvature("alpha", "gains"),
            _curvature("beta", "losses"),
            Param("lam", 0.0, None, math.log(1.5), 0.75, description="loss aversion"),
        ]
        for domain in ("gain", "loss"):
            if weighting == "tk":
                out.append(Param(f"gamma_{domain}", 0.28, 2.0, logit((0.7 - 0.28) / 1.72), 1.0,
                                 description=f"weighting curvature ({domain}s)"))
            else:
                out.append(Param(f"gamma_{domain}", 0.0, 2.0, logit(0.35), 1.0,
                                 description=f"weighting curvature ({domain}s)"))
                if weighting in ("prelec", "lio"):
                    out.append(Param(f"delta_{domain}", 0.0, None, 0.0, 0.5,
                                     description=f"weighting elevation ({domain}s)"))
    out.append(Param("phi", 0.0, None, math.log(0.1), 1.5, description="choice sensitivity"))
    if likelihood == "beta-binomial":
        out.append(Param("kappa", 0.0, None, math.log(20.0), 1.5,
                         description="Beta-Binomial concentration"))
    return update_params(out, priors)


def per_trial_params(params: Mapping[str, Any], index: Any, xp: Any) -> dict[str, Any]:
    """Each trial's parameters from per-participant ones, by one row gather.

    The parameters are stacked into a ``(n_participants, n_params)`` matrix and its rows
    indexed once, so the gradient needs one scatter-add instead of one per parameter (in
    both backends).
    """
    names = list(params)
    rows = xp.stack([params[k] for k in names], axis=-1)[index]
    return {k: rows[:, i] for i, k in enumerate(names)}


# --------------------------------------------------------------------------- NumPyro models


@pymc_version("cogalign.risky.pymc_models:risky_rates_pymc")
def risky_rates_model(
    xa: Any, pa: Any, xb: Any, pb: Any, n_choices: Any, y: Any = None, *,
    theory: str = "cpt", weighting: str = "tk", choice: str = "utility",
    likelihood: str = "binomial", priors: Priors = None,
) -> None:
    """Aggregate choice rates: ``y`` choices of B out of ``n_choices`` per problem.

    Parameters
    ----------
    xa, pa, xb, pb
        ``(n_problems, K)`` sorted, padded gambles (:func:`~cogalign.risky.gambles.problem_arrays`).
    n_choices
        Choices behind each rate.
    y
        Choices of B (``None`` to simulate).
    theory, weighting, choice
        See :func:`cogalign.risky.functions.choice_logits`.
    likelihood
        ``"binomial"`` or ``"beta-binomial"``.
    priors
        Prior overrides (see :func:`risky_params`).
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from cogalign.bayes.params import sample_numpyro
    from cogalign.risky.functions import choice_logits

    params = sample_numpyro(risky_params(theory, weighting, likelihood, priors))
    eta = choice_logits(theory, xa, pa, xb, pb, params, weighting, choice, jnp)
    with numpyro.plate("problem", xa.shape[0]):
        if likelihood == "binomial":
            numpyro.sample("y", dist.Binomial(total_count=n_choices, logits=eta), obs=y)
        else:
            import jax

            mean = jnp.clip(jax.nn.sigmoid(eta), 1e-9, 1.0 - 1e-9)
            kappa = params["kappa"]
            numpyro.sample(
                "y",
                dist.BetaBinomial(kappa * mean, kappa * (1.0 - mean), total_count=n_choices),
                obs=y,
            )


@pymc_version("cogalign.risky.pymc_models:risky_trials_pymc")
def risky_trials_model(
    xa: Any, pa: Any, xb: Any, pb: Any, participant: Any = None, y: Any = None, *,
    n_participants: int | None = None, theory: str = "cpt", weighting: str = "tk",
    choice: str = "utility", priors: Priors = None,
) -> None:
    """Single risky choices (``y = 1`` for B), pooled or hierarchical over participants.

    Parameters
    ----------
    xa, pa, xb, pb
        ``(n_trials, K)`` gambles.
    participant
        0-based participant index of each trial (hierarchical version).
    y
        1 if B was chosen, 0 for A.
    n_participants
        ``None``: one set of parameters for everyone; an int: non-centred hierarchical
        parameters per participant (see :func:`cogalign.bayes.sample_numpyro`).
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from cogalign.bayes.params import sample_numpyro
    from cogalign.risky.functions import choice_logits

    params = sample_numpyro(risky_params(theory, weighting, "binomial", priors), n_participants)
    if n_participants is not None:
        params = per_trial_params(params, participant, jnp)
    eta = choice_logits(theory, xa, pa, xb, pb, params, weighting, choice, jnp)
    with numpyro.plate("trial", xa.shape[0]):
        numpyro.sample("y", dist.Bernoulli(logits=eta), obs=y)
