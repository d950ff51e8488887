r"""Posterior mode and Laplace approximation, the same for every backend.

A backend hands over one function of the unconstrained parameter vector :math:`u` that returns
the negative log posterior density (with the log-Jacobian of the transforms to the constrained
space) and its gradient, plus a starting point. :func:`map_laplace` finds the mode
:math:`\hat u` by L-BFGS from several starts and draws from :math:`\mathcal{N}(\hat u, H^{-1})`,
with :math:`H` the Hessian of the negative log posterior at the mode (central differences of
the exact gradient). Mapping the draws to the constrained space, and naming them, is the
backend's part (:func:`laplace_posterior` then builds the posterior group and the attributes
every MAP fit carries).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from cogalign.errors import CogalignError

__all__ = ["LaplaceFit", "NegLogDensity", "laplace_posterior", "map_laplace"]

#: ``u -> (-log p(u), -grad log p(u))`` on the unconstrained scale.
NegLogDensity = Callable[[np.ndarray], tuple[float, np.ndarray]]

#: Extra random starts tried when no requested start has converged.
_EXTRA_STARTS = 3


@dataclass(frozen=True)
class LaplaceFit:
    """Mode and Laplace draws on the unconstrained scale.

    Attributes
    ----------
    points : ndarray, shape (draws + 1, n_parameters)
        Row 0 is the mode; the other rows are draws from the Laplace approximation.
    logp : float
        Log posterior density at the mode (unconstrained scale, Jacobian included).
    converged : bool
        Whether L-BFGS reported success at the best start.
    min_eigenvalue : float
        Smallest eigenvalue of the Hessian used for the draws (raised to a small floor when
        the Hessian is not positive definite).
    problems : tuple of str
        What a user should be warned about (no convergence, indefinite Hessian).
    """

    points: np.ndarray
    logp: float
    converged: bool
    min_eigenvalue: float
    problems: tuple[str, ...] = ()


def map_laplace(
    neg_log_density: NegLogDensity,
    start: np.ndarray,
    *,
    draws: int,
    seed: int = 0,
    n_restarts: int = 1,
    maxiter: int = 2000,
) -> LaplaceFit:
    """Find the posterior mode by L-BFGS and draw from the Laplace approximation around it.

    Parameters
    ----------
    neg_log_density
        Negative log posterior and its gradient on the unconstrained scale.
    start
        The first starting point (the backend's default initial point).
    draws
        Number of Laplace draws.
    seed
        Seed of the random starts and of the draws.
    n_restarts
        Optimiser starts: the first at ``start``, the others uniform in (-2, 2) on the
        unconstrained scale (as in Stan); up to three more when none has converged.
    maxiter
        L-BFGS iterations per start.

    Returns
    -------
    LaplaceFit

    Raises
    ------
    CogalignError
        When no start has a finite log posterior, or the Hessian at the mode is not finite.
    """
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    x_start = np.asarray(start, dtype=float)
    best = None
    n_starts = max(1, n_restarts)
    tried = 0
    while tried < n_starts or (tried < n_starts + _EXTRA_STARTS and not _converged(best)):
        x0 = x_start if tried == 0 else rng.uniform(-2.0, 2.0, size=x_start.size)
        tried += 1
        if not np.isfinite(neg_log_density(x0)[0]):
            continue
        res = minimize(neg_log_density, x0, jac=True, method="L-BFGS-B",
                       options={"maxiter": maxiter, "maxfun": 4 * maxiter})
        if best is None or (np.isfinite(res.fun) and res.fun < best.fun):
            best = res
    if best is None or not np.isfinite(best.fun):
        raise CogalignError("MAP: no starting point with a finite log posterior was found")
    problems: list[str] = []
    if not _converged(best):
        grad_norm = float(np.max(np.abs(best.jac))) if best.jac is not None else np.nan
        problems.append(f"MAP optimisation stopped before converging ({best.message}); "
                        f"largest gradient {grad_norm:.2g}: raise maxiter or n_restarts")
    x_hat = best.x
    evals, evecs = np.linalg.eigh(_fd_hessian(lambda x: neg_log_density(x)[1], x_hat))
    if not np.all(np.isfinite(evals)):
        raise CogalignError("MAP: the Hessian at the mode is not finite")
    floor = 1e-8 * max(1.0, float(np.max(np.abs(evals))))
    if np.min(evals) <= floor:
        problems.append(
            f"Laplace approximation: the Hessian at the mode is not positive definite "
            f"(smallest eigenvalue {np.min(evals):.3g}); some parameters are not identified "
            "and their intervals are unreliable"
        )
        evals = np.maximum(evals, floor)
    scale = evecs / np.sqrt(evals)  # columns: cov = scale @ scale.T
    z = rng.standard_normal((draws, x_hat.size))
    points = np.concatenate([x_hat[None, :], x_hat[None, :] + z @ scale.T], axis=0)
    return LaplaceFit(points=points, logp=float(-best.fun), converged=bool(best.success),
                      min_eigenvalue=float(np.min(evals)), problems=tuple(problems))


def laplace_posterior(values: Mapping[str, Any], laplace: LaplaceFit) -> tuple[dict, dict]:
    """Posterior group and attributes of a MAP fit from its constrained values.

    Parameters
    ----------
    values
        Every variable's constrained value at each row of ``laplace.points`` (first axis: the
        mode, then the draws).
    laplace
        The fit the values come from.

    Returns
    -------
    groups, attrs
        ``{"posterior": {name: (1, draws, ...)}}`` and the attributes ``map_estimate`` (JSON of
        the mode of every variable), ``map_logp``, ``map_converged``,
        ``laplace_min_eigenvalue`` and ``_problems`` (warnings to raise).
    """
    arrays = {k: np.asarray(v) for k, v in values.items()}
    mode = {k: v[0] for k, v in arrays.items()}
    posterior = {k: v[1:][None] for k, v in arrays.items()}
    attrs = {
        "map_estimate": json.dumps({k: np.asarray(v).tolist() for k, v in mode.items()}),
        "map_logp": laplace.logp,
        "map_converged": int(laplace.converged),
        "laplace_min_eigenvalue": laplace.min_eigenvalue,
        "_problems": list(laplace.problems),
    }
    return {"posterior": posterior}, attrs


def _fd_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Hessian by central differences of an exact gradient (2d gradient calls).

    Cheaper than compiling forward-over-reverse differentiation of the model, and accurate to
    about 1e-7 relative in double precision.
    """
    d = x.size
    H = np.empty((d, d))
    for i in range(d):
        h = 1e-5 * max(1.0, abs(x[i]))
        e = np.zeros(d)
        e[i] = h
        H[:, i] = (grad(x + e) - grad(x - e)) / (2 * h)
    return 0.5 * (H + H.T)


def _converged(res: Any, gtol: float = 1e-3) -> bool:
    """An L-BFGS result counts as converged when scipy says so or the gradient is ~0."""
    if res is None or not np.isfinite(res.fun):
        return False
    return bool(res.success) or float(np.max(np.abs(res.jac))) < gtol
