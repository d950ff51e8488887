"""Discount functions and the choice rule of intertemporal choice.

Every function is written once for three array namespaces, passed as ``xp``: :mod:`numpy`
(simulation, prediction, reference values), :mod:`jax.numpy` (NumPyro models) and
:mod:`pytensor.tensor` (PyMC models). A choice is between a sooner-smaller amount ``x1`` at
delay ``t1`` and a later-larger amount ``x2`` at delay ``t2``; parameters may be scalars or
arrays that broadcast against the trials.

References
----------
Samuelson, P. A. (1937). A note on measurement of utility. *Review of Economic Studies*, 4(2),
155-161.

Laibson, D. (1997). Golden eggs and hyperbolic discounting. *Quarterly Journal of Economics*,
112(2), 443-478.

Mazur, J. E. (1987). An adjusting procedure for studying delayed reinforcement. In *Quantitative
Analyses of Behavior*, vol. 5, 55-73.

Ericson, K. M., White, J. M., Laibson, D. & Cohen, J. D. (2015). Money earlier or later? Simple
heuristics explain intertemporal choices better than delay discounting does. *Psychological
Science*, 26(6), 826-833.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["DISCOUNTING", "discount", "intertemporal_logits", "itch_logits"]

#: The models: three discount functions and the ITCH heuristic.
DISCOUNTING = ("exponential", "hyperbolic", "quasi-hyperbolic", "itch")


def discount(t: Any, model: str, params: Mapping[str, Any], xp: Any = np) -> Any:
    r"""Discount factor :math:`D(t)` of a delay ``t``.

    * ``"exponential"``: :math:`D(t) = \delta^{t}` (Samuelson 1937);
    * ``"hyperbolic"``: :math:`D(t) = 1 / (1 + k t)` (Mazur 1987);
    * ``"quasi-hyperbolic"``: :math:`D(0) = 1`, :math:`D(t) = \beta\,\delta^{t}` for
      :math:`t > 0` (Laibson 1997).
    """
    if model == "exponential":
        return params["delta"] ** t
    if model == "hyperbolic":
        return 1.0 / (1.0 + params["k"] * t)
    if model == "quasi-hyperbolic":
        return xp.where(t > 0, params["beta"] * params["delta"] ** t, 1.0)
    raise ValueError(f"unknown discounting model {model!r}")


def itch_logits(x1: Any, t1: Any, x2: Any, t2: Any, params: Mapping[str, Any],
                xp: Any = np) -> Any:
    r"""ITCH, the intertemporal choice heuristic (Ericson et al. 2015, eq. 1).

    .. math::

        \operatorname{logit} P(LL) = \beta_I + \beta_{xA}(x_2 - x_1)
            + \beta_{xR}\frac{x_2 - x_1}{x^*} + \beta_{tA}(t_2 - t_1)
            + \beta_{tR}\frac{t_2 - t_1}{t^*}

    with :math:`x^* = (x_1 + x_2)/2` and :math:`t^* = (t_1 + t_2)/2`; parameters ``b_i``,
    ``b_xa``, ``b_xr``, ``b_ta``, ``b_tr`` (the time coefficients are negative for impatience).
    """
    xs = (x1 + x2) / 2.0
    ts = (t1 + t2) / 2.0
    return (params["b_i"] + params["b_xa"] * (x2 - x1) + params["b_xr"] * (x2 - x1) / xs
            + params["b_ta"] * (t2 - t1) + params["b_tr"] * (t2 - t1) / ts)


def intertemporal_logits(x1: Any, t1: Any, x2: Any, t2: Any, model: str,
                         params: Mapping[str, Any], scale: str = "relative",
                         xp: Any = np) -> Any:
    r"""Log-odds of choosing the later-larger option.

    For the discounting models,

    .. math:: \operatorname{logit} P(LL) = \varphi\,\frac{x_2 D(t_2) - x_1 D(t_1)}{s}

    with :math:`s = 1` (``scale="absolute"``, Ericson et al. 2015's specification) or
    :math:`s = x^* = (x_1 + x_2)/2` (``scale="relative"``, the default: Ericson's amounts span
    five orders of magnitude, and an absolute difference makes choices between cents
    random and between thousands deterministic). For ``"itch"`` see :func:`itch_logits`.
    """
    if model == "itch":
        return itch_logits(x1, t1, x2, t2, params, xp)
    diff = x2 * discount(t2, model, params, xp) - x1 * discount(t1, model, params, xp)
    if scale == "relative":
        diff = diff / ((x1 + x2) / 2.0)
    elif scale != "absolute":
        raise ValueError(f"scale must be 'relative' or 'absolute', got {scale!r}")
    return params["phi"] * diff
