r"""The math of the mental-rotation models, written once for NumPy, JAX and PyTensor.

Every function takes the array namespace ``xp`` (:mod:`numpy`, :mod:`jax.numpy` or
:mod:`pytensor.tensor`), so the NumPyro models, their PyMC twins, the simulators and the NumPy
reference log-likelihoods all run this very code.

Response time of a correct trial at angular disparity :math:`\theta` (degrees) is the sum of
an angle-independent part and a rotation part whose *location* grows with angle:

.. math::

    m(\theta) = a\,e^{\delta_a M} + \frac{b}{1000}\,e^{\delta_b M}\,g(\theta), \qquad
    g(\theta) = \theta \;\text{(linear)} \quad\text{or}\quad
    g(\theta) = \theta_\text{ref}\,(\theta / \theta_\text{ref})^{\gamma},\;
    0 < \gamma < 1 \;\text{(concave)},

with :math:`a` the intercept (s), :math:`b` the slope (ms per degree; rotation speed
:math:`1000 / b` degrees per second), :math:`M = 1` on mirror trials and :math:`e^{\delta}`
the mirror trials' multiplicative change of intercept and slope, :math:`\theta_\text{ref} =
180`. The concave curve's :math:`b` is its mean slope over 0-180 degrees.

Likelihoods of the response time :math:`y` (seconds), each mixed with a uniform contaminant
(guesses, lapses) on :math:`(0, y_\text{max})` with weight :math:`\pi`:

* ``"lognormal"``, shifted: :math:`y - s \sim \text{LogNormal}(\log m, \sigma)` (median
  :math:`s + m`);
* ``"wald"``, shifted: :math:`y - s \sim \text{InverseGaussian}(m, \lambda)` (mean
  :math:`s + m`; the first passage time of a diffusion to a bound);
* ``"exgaussian"``, the two-stage *search-then-rotate* model: :math:`y = R + S` with the
  rotation stage :math:`R \sim \mathcal N(m, \sigma^2)` and the search stage
  :math:`S \sim \text{Exponential}` of mean :math:`\tau(\theta) = \tau_0
  e^{\tau_1 \theta / 100}` (finding corresponding parts takes longer the more the views
  differ; Just & Carpenter 1976), so :math:`y` is ex-Gaussian.

The shift :math:`s` (non-decision time) is a fraction of the person's fastest response, so
every observed response has a positive density.

Accuracy: :math:`\operatorname{logit} P(\text{correct}) = \alpha + \beta\,\theta / 100 +
\gamma_a M + \gamma_b M \theta / 100`; in the joint model errors grow with the time spent
rotating, :math:`\operatorname{logit} P = \alpha + \gamma_a M - \kappa\, b\,\theta / 1000`.

References
----------
Shepard, R. N. & Metzler, J. (1971). Mental rotation of three-dimensional objects.
*Science*, 171(3972), 701-703.

Just, M. A. & Carpenter, P. A. (1976). Eye fixations and cognitive processes. *Cognitive
Psychology*, 8(4), 441-480.

Heathcote, A., Popiel, S. J. & Mewhort, D. J. (1991). Analysis of response time
distributions: an example using the Stroop task. *Psychological Bulletin*, 109(2), 340-347.

Matzke, D. & Wagenmakers, E.-J. (2009). Psychological interpretation of the ex-Gaussian and
shifted Wald parameters: a diffusion model analysis. *Psychonomic Bulletin & Review*, 16(5),
798-817.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "FAMILIES",
    "SHAPES",
    "THETA_REF",
    "accuracy_logit",
    "angle_term",
    "joint_accuracy_logit",
    "location",
    "rt_log_density",
    "sample_rt",
    "search_mean",
]

#: Shapes of the rotation curve.
SHAPES = ("linear", "concave")
#: Response-time likelihood families.
FAMILIES = ("lognormal", "wald", "exgaussian")
#: Reference angle of the concave curve (degrees).
THETA_REF = 180.0
_LOG_2PI = math.log(2.0 * math.pi)


def _name(xp: Any) -> str:
    return getattr(xp, "__name__", "")


def _where(xp: Any, cond: Any, a: Any, b: Any) -> Any:
    if _name(xp).startswith("pytensor"):
        return xp.switch(cond, a, b)
    return xp.where(cond, a, b)


def _log_ndtr(xp: Any, x: Any) -> Any:
    name = _name(xp)
    if name.startswith("jax"):
        from jax.scipy.special import log_ndtr

        return log_ndtr(x)
    if name.startswith("pytensor"):
        from pymc.distributions.dist_math import normal_lcdf

        return normal_lcdf(0.0, 1.0, x)
    from scipy.special import log_ndtr

    return log_ndtr(x)


def angle_term(angle: Any, shape: str, gamma: Any = None, xp: Any = np) -> Any:
    r""":math:`g(\theta)` in degrees: ``angle`` (linear) or ``180 (angle / 180) ** gamma``."""
    if shape == "linear":
        return angle
    if shape != "concave":
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    x = angle / THETA_REF
    positive = x > 0
    safe = _where(xp, positive, x, 1.0)
    return THETA_REF * _where(xp, positive, xp.exp(gamma * xp.log(safe)), 0.0)


def location(
    angle: Any, mirror: Any, params: Mapping[str, Any], shape: str = "linear", xp: Any = np,
) -> Any:
    r"""Angle-dependent location :math:`m(\theta)` in seconds (see the module docstring).

    ``params`` holds ``intercept`` (s), ``slope`` (ms/deg), and optionally
    ``mirror_intercept``, ``mirror_slope`` (log ratios) and ``gamma`` (concave), each a scalar
    or one value per trial.
    """
    a = params["intercept"]
    b = params["slope"] / 1000.0
    if "mirror_intercept" in params:
        a = a * xp.exp(params["mirror_intercept"] * mirror)
    if "mirror_slope" in params:
        b = b * xp.exp(params["mirror_slope"] * mirror)
    return a + b * angle_term(angle, shape, params.get("gamma"), xp)


def search_mean(angle: Any, params: Mapping[str, Any], xp: Any = np) -> Any:
    r"""Mean duration (s) of the search stage, :math:`\tau_0 e^{\tau_1 \theta / 100}`."""
    return params["search"] * xp.exp(params["search_slope"] * angle / 100.0)


def rt_log_density(
    y: Any,
    family: str,
    loc: Any,
    disp: Any,
    shift: Any = 0.0,
    p_contam: Any = 0.0,
    rt_max: float = 1.0,
    tau: Any = None,
    xp: Any = np,
) -> Any:
    r"""Log density of response times under a family mixed with a uniform contaminant.

    Parameters
    ----------
    y
        Response times (s).
    family
        ``"lognormal"`` (``loc`` = median of ``y - shift``, ``disp`` = log-scale sd),
        ``"wald"`` (``loc`` = mean of ``y - shift``, ``disp`` = shape :math:`\lambda`) or
        ``"exgaussian"`` (``loc``, ``disp`` = mean and sd of the Gaussian stage, ``tau`` =
        mean of the exponential stage; ``shift`` unused).
    shift
        Non-decision time (s) of the shifted families.
    p_contam, rt_max
        Weight of the uniform contaminant on ``(0, rt_max)``; 0 for none.
    xp
        Array namespace.
    """
    if family == "exgaussian":
        z = (y - loc) / disp - disp / tau
        main = (-xp.log(tau) + (loc - y) / tau + disp**2 / (2.0 * tau**2) + _log_ndtr(xp, z))
    elif family in ("lognormal", "wald"):
        d = y - shift
        ok = d > 0
        safe = _where(xp, ok, d, 1.0)
        if family == "lognormal":
            r = (xp.log(safe) - xp.log(loc)) / disp
            lp = -xp.log(safe) - xp.log(disp) - 0.5 * _LOG_2PI - 0.5 * r**2
        else:
            lp = (0.5 * (xp.log(disp) - _LOG_2PI - 3.0 * xp.log(safe))
                  - disp * (safe - loc) ** 2 / (2.0 * loc**2 * safe))
        main = _where(xp, ok, lp, -np.inf)
    else:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if isinstance(p_contam, int | float) and p_contam == 0:
        return main
    contam = xp.log(p_contam) - math.log(rt_max)
    inside = (y > 0) & (y < rt_max)
    contam = _where(xp, inside, contam, -np.inf)
    return xp.logaddexp(xp.log1p(-p_contam) + main, contam)


def sample_rt(
    rng: np.random.Generator,
    family: str,
    loc: Any,
    disp: Any,
    shift: Any = 0.0,
    p_contam: Any = 0.0,
    rt_max: float = 1.0,
    tau: Any = None,
    size: Any = None,
) -> np.ndarray:
    """Draw response times (NumPy) from the distribution :func:`rt_log_density` describes.

    The inverse Gaussian is drawn by Michael, Schucany & Haas's (1976) transformation.
    """
    loc, disp, shift, p_contam = (np.asarray(v, dtype=float) for v in (loc, disp, shift, p_contam))
    shape = np.broadcast_shapes(loc.shape, disp.shape, shift.shape, p_contam.shape,
                                () if tau is None else np.shape(tau)) if size is None else size
    if family == "lognormal":
        main = shift + loc * np.exp(disp * rng.standard_normal(shape))
    elif family == "wald":
        nu = rng.standard_normal(shape) ** 2
        mu, lam = np.broadcast_to(loc, shape), np.broadcast_to(disp, shape)
        x = mu + mu**2 * nu / (2 * lam) - mu / (2 * lam) * np.sqrt(4 * mu * lam * nu + mu**2 * nu**2)
        pick = rng.uniform(size=shape) <= mu / (mu + x)
        main = shift + np.where(pick, x, mu**2 / x)
    elif family == "exgaussian":
        tau = np.asarray(tau, dtype=float)
        main = loc + disp * rng.standard_normal(shape) + rng.exponential(1.0, shape) * tau
    else:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    contam = rng.uniform(size=shape) < p_contam
    return np.where(contam, rng.uniform(0.0, rt_max, shape), main)


def accuracy_logit(angle: Any, mirror: Any, params: Mapping[str, Any], xp: Any = np) -> Any:
    r"""Log-odds of a correct response.

    :math:`\alpha + \beta\theta/100 + \gamma_a M + \gamma_b M\theta/100`
    (``acc_intercept``, ``acc_slope``, ``mirror_acc``, ``mirror_acc_slope``).
    """
    x = angle / 100.0
    eta = params["acc_intercept"] + params["acc_slope"] * x
    if "mirror_acc" in params:
        eta = eta + params["mirror_acc"] * mirror
    if "mirror_acc_slope" in params:
        eta = eta + params["mirror_acc_slope"] * mirror * x
    return eta


def joint_accuracy_logit(angle: Any, mirror: Any, params: Mapping[str, Any], xp: Any = np) -> Any:
    r"""Joint model: errors grow with rotation time.

    :math:`\alpha + \gamma_a M - \kappa\, b\,e^{\delta_b M}\theta / 1000`
    (``acc_intercept``, ``mirror_acc``, ``kappa``, ``slope``, ``mirror_slope``).
    """
    b = params["slope"] / 1000.0
    if "mirror_slope" in params:
        b = b * xp.exp(params["mirror_slope"] * mirror)
    eta = params["acc_intercept"] - params["kappa"] * b * angle
    if "mirror_acc" in params:
        eta = eta + params["mirror_acc"] * mirror
    return eta
