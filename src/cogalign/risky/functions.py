"""Value, probability-weighting and choice functions of risky choice.

Every function is written once for three array namespaces, passed as ``xp``: :mod:`numpy`
(simulation, prediction, reference values), :mod:`jax.numpy` (NumPyro models) and
:mod:`pytensor.tensor` (PyMC models). Outcomes and probabilities are data; parameters may be
scalars or arrays that broadcast against them. Powers of zero are guarded so gradients stay
finite (``0 ** a`` has an infinite derivative in ``a``).

Every power with a parameter in the exponent is ``exp(a * log(x))`` in JAX: the logarithm is
of data alone (folded into a constant when the data are), and XLA evaluates ``x ** a``
element by element, several times more slowly. Cumulative prospect theory evaluates one
weighting function per outcome (at the cumulative probability that outcome's rank needs)
rather than four, and one power per outcome in the value function rather than two.

Gambles are arrays of outcomes ``x`` and probabilities ``p`` with the outcomes along the last
axis, sorted in ascending order and padded with zero-probability entries (see
:func:`cogalign.risky.gambles.gamble_arrays`).

References
----------
Kahneman, D. & Tversky, A. (1979). Prospect theory: an analysis of decision under risk.
*Econometrica*, 47(2), 263-291.

Tversky, A. & Kahneman, D. (1992). Advances in prospect theory: cumulative representation of
uncertainty. *Journal of Risk and Uncertainty*, 5, 297-323.

Prelec, D. (1998). The probability weighting function. *Econometrica*, 66(3), 497-527.

Goldstein, W. M. & Einhorn, H. J. (1987). Expression theory and the preference reversal
phenomena. *Psychological Review*, 94(2), 236-254.

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from cogalign.bayes.params import expit

__all__ = [
    "THEORIES",
    "WEIGHTINGS",
    "certainty_equivalent",
    "choice_logits",
    "choice_probability",
    "cpt_decision_weights",
    "cpt_utility",
    "eu_utility",
    "expected_value",
    "gamble_utility",
    "power_utility",
    "pt_utility",
    "value_function",
    "weight",
    "weight_lio",
    "weight_prelec",
    "weight_tk",
]

THEORIES = ("ev", "eu", "pt", "cpt")
WEIGHTINGS = ("tk", "prelec", "prelec1", "lio")


# --------------------------------------------------------------------------- building blocks


def _power(x: Any, a: Any, xp: Any) -> Any:
    """:math:`x^a` for :math:`x > 0`: ``exp(a * log(x))`` in JAX, ``x ** a`` elsewhere.

    XLA evaluates ``x ** a`` element by element, several times more slowly than ``exp`` and
    ``log`` (and ``log(x)`` of data folds into a constant); NumPy and PyTensor call the C
    library's ``pow``, as fast as the two and exact to the last bit.
    """
    if getattr(xp, "__name__", "").startswith("jax"):
        return xp.exp(a * xp.log(x))
    return x**a


def _pow_pos(x: Any, a: Any, xp: Any = np) -> Any:
    r""":math:`x^a` for :math:`x \ge 0`, exactly 0 at 0, with finite gradients in ``a``."""
    pos = x > 0
    safe = xp.where(pos, x, 1.0)
    return xp.where(pos, _power(safe, a, xp), 0.0)


def power_utility(x: Any, alpha: Any, xp: Any = np) -> Any:
    r"""Symmetric power utility :math:`u(x) = \operatorname{sign}(x)\,|x|^{\alpha}`.

    Used by expected utility: risk aversion for gains (and risk seeking for losses) when
    :math:`\alpha < 1`, no loss aversion.
    """
    return xp.where(x >= 0, 1.0, -1.0) * _pow_pos(xp.abs(x), alpha, xp)


def value_function(x: Any, alpha: Any, beta: Any, lam: Any, xp: Any = np) -> Any:
    r"""Prospect-theory value function (Tversky & Kahneman 1992, eq. 5).

    .. math::

        v(x) = \begin{cases} x^{\alpha} & x \ge 0 \\
                              -\lambda (-x)^{\beta} & x < 0 \end{cases}

    Parameters
    ----------
    x
        Outcomes.
    alpha, beta
        Curvature for gains and losses (TK92 medians: 0.88 and 0.88).
    lam
        Loss aversion :math:`\lambda` (TK92 median: 2.25).
    xp
        Array namespace.
    """
    gain = x >= 0
    return xp.where(gain, 1.0, -lam) * _pow_pos(xp.abs(x), xp.where(gain, alpha, beta), xp)


def _softplus(z: Any, xp: Any) -> Any:
    r""":math:`\log(1 + e^z)` without overflow, with gradients that reuse :math:`e^{-|z|}`."""
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def _inside(p: Any, xp: Any) -> tuple[Any, Any]:
    inner = (p > 0) & (p < 1)
    return inner, xp.where(inner, p, 0.5)


def weight_tk(p: Any, gamma: Any, xp: Any = np) -> Any:
    r"""Tversky-Kahneman (1992) probability weighting function.

    .. math:: w(p) = \frac{p^{\gamma}}{\left(p^{\gamma} + (1-p)^{\gamma}\right)^{1/\gamma}}

    Inverse-S shaped for :math:`\gamma < 1` (TK92 medians: 0.61 for gains, 0.69 for losses);
    increasing in :math:`p` only for :math:`\gamma > 0.279` (Ingersoll 2008). :math:`w(0)=0`,
    :math:`w(1)=1`.
    """
    inner, ps = _inside(p, xp)
    # log w = gamma log p - log(p^gamma + (1-p)^gamma) / gamma
    #       = (gamma - 1) log p - softplus(gamma log((1-p)/p)) / gamma
    log_p = xp.log(ps)
    w = xp.exp((gamma - 1.0) * log_p - _softplus(gamma * (xp.log1p(-ps) - log_p), xp) / gamma)
    return xp.where(inner, w, xp.where(p >= 1, 1.0, 0.0))


def weight_prelec(p: Any, gamma: Any, delta: Any = 1.0, xp: Any = np) -> Any:
    r"""Prelec (1998) probability weighting function.

    .. math:: w(p) = \exp\!\left(-\delta\,(-\ln p)^{\gamma}\right)

    With :math:`\delta = 1` (one-parameter form) the fixed point is :math:`w(1/e) = 1/e`.
    """
    inner, ps = _inside(p, xp)
    w = xp.exp(-delta * _power(-xp.log(ps), gamma, xp))
    return xp.where(inner, w, xp.where(p >= 1, 1.0, 0.0))


def weight_lio(p: Any, gamma: Any, delta: Any = 1.0, xp: Any = np) -> Any:
    r"""Linear-in-log-odds weighting (Goldstein & Einhorn 1987; Gonzalez & Wu 1999).

    .. math:: w(p) = \frac{\delta p^{\gamma}}{\delta p^{\gamma} + (1-p)^{\gamma}}

    :math:`\gamma` is curvature, :math:`\delta` elevation.
    """
    inner, ps = _inside(p, xp)
    a = delta * _power(ps, gamma, xp)
    w = a / (a + _power(1.0 - ps, gamma, xp))
    return xp.where(inner, w, xp.where(p >= 1, 1.0, 0.0))


def weight(p: Any, weighting: str, gamma: Any, delta: Any = 1.0, xp: Any = np) -> Any:
    r"""Probability weighting by name.

    ``"tk"`` (:func:`weight_tk`), ``"prelec"`` (two-parameter :func:`weight_prelec`),
    ``"prelec1"`` (one-parameter Prelec, :math:`\delta = 1`) or ``"lio"``
    (:func:`weight_lio`).
    """
    if weighting == "tk":
        return weight_tk(p, gamma, xp)
    if weighting == "prelec":
        return weight_prelec(p, gamma, delta, xp)
    if weighting == "prelec1":
        return weight_prelec(p, gamma, 1.0, xp)
    if weighting == "lio":
        return weight_lio(p, gamma, delta, xp)
    raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")


# --------------------------------------------------------------------------- gamble utilities


def expected_value(x: Any, p: Any, xp: Any = np) -> Any:
    r"""Expected value :math:`\sum_i p_i x_i` over the last axis."""
    return xp.sum(p * x, axis=-1)


def eu_utility(x: Any, p: Any, alpha: Any, xp: Any = np) -> Any:
    r"""Expected utility :math:`\sum_i p_i\,u(x_i)` with :func:`power_utility`."""
    return xp.sum(p * power_utility(x, alpha, xp), axis=-1)


def pt_utility(
    x: Any, p: Any, alpha: Any, beta: Any, lam: Any, gamma_gain: Any, gamma_loss: Any,
    delta_gain: Any = 1.0, delta_loss: Any = 1.0, weighting: str = "tk", xp: Any = np,
) -> Any:
    r"""Original prospect theory (Kahneman & Tversky 1979): separable decision weights.

    .. math:: U = \sum_i w(p_i)\, v(x_i)

    with :func:`value_function` and the weighting function applied to each outcome's own
    probability (gains with :math:`w^+`, losses with :math:`w^-`). Identical outcomes should be
    merged first (the "combination" editing step); :func:`~cogalign.risky.gambles.gamble_arrays`
    does this.
    """
    gain = x >= 0
    w = weight(p, weighting, xp.where(gain, gamma_gain, gamma_loss),
               xp.where(gain, delta_gain, delta_loss), xp)
    return xp.sum(w * value_function(x, alpha, beta, lam, xp), axis=-1)


def cpt_decision_weights(
    x: Any, p: Any, gamma_gain: Any, gamma_loss: Any, delta_gain: Any = 1.0,
    delta_loss: Any = 1.0, weighting: str = "tk", xp: Any = np,
) -> Any:
    r"""Rank-dependent decision weights of cumulative prospect theory (TK92, eq. 6-7).

    Outcomes must be sorted ascending along the last axis (padding, ``x = 0, p = 0``, may
    follow them). For a gain :math:`x_i > 0`,

    .. math:: \pi_i = w^+(G_i) - w^+(G_{i+1}), \qquad G_i = \textstyle\sum_{j \ge i} p_j,

    the weight of getting at least :math:`x_i` minus that of getting more; for a loss
    :math:`x_i < 0`, :math:`\pi_i = w^-(L_i) - w^-(L_{i-1})` with
    :math:`L_i = \sum_{j \le i} p_j`. Outcome zero has value zero, so its weight does not
    matter (it is set to 0). Ties are split by position, which telescopes to the weight of the
    merged outcome.

    Each outcome's weighting function is evaluated once, at the one cumulative probability its
    rank needs (:math:`G_i` for a gain, :math:`L_i` for a loss): :math:`w^+(G_{i+1})` is the
    next outcome's weight (0 past the best outcome) and :math:`w^-(L_{i-1})` the previous
    one's (0 before the worst), so the weight of "nothing better" is exactly 0 rather than the
    weight of a rounding error.
    """
    gain = x > 0
    loss = x < 0
    at_most = xp.cumsum(p, axis=-1)  # L_i = P(X <= x_i) by position
    at_least = xp.sum(p, axis=-1, keepdims=True) - at_most + p  # G_i = P(X >= x_i)
    q = xp.where(gain, xp.clip(at_least, 0.0, 1.0), xp.clip(at_most, 0.0, 1.0))
    w = weight(q, weighting, xp.where(gain, gamma_gain, gamma_loss),
               xp.where(gain, delta_gain, delta_loss), xp)
    w = xp.where(gain | loss, w, 0.0)
    zero = xp.zeros_like(w[..., :1])
    after = xp.concatenate([w[..., 1:], zero], axis=-1)  # w+(G_{i+1}) next to a gain
    before = xp.concatenate([zero, w[..., :-1]], axis=-1)  # w-(L_{i-1}) next to a loss
    return xp.where(gain, w - after, xp.where(loss, w - before, 0.0))


def cpt_utility(
    x: Any, p: Any, alpha: Any, beta: Any, lam: Any, gamma_gain: Any, gamma_loss: Any,
    delta_gain: Any = 1.0, delta_loss: Any = 1.0, weighting: str = "tk", xp: Any = np,
) -> Any:
    r"""Cumulative prospect theory value :math:`V = \sum_i \pi_i\, v(x_i)` (TK92).

    See :func:`cpt_decision_weights` and :func:`value_function`.
    """
    pi = cpt_decision_weights(x, p, gamma_gain, gamma_loss, delta_gain, delta_loss, weighting, xp)
    return xp.sum(pi * value_function(x, alpha, beta, lam, xp), axis=-1)


def certainty_equivalent(u: Any, alpha: Any, beta: Any = None, lam: Any = 1.0,
                         xp: Any = np) -> Any:
    r"""Invert the value function: the sure amount with value ``u``.

    .. math::

        CE(U) = \begin{cases} U^{1/\alpha} & U \ge 0 \\
                               -(-U/\lambda)^{1/\beta} & U < 0 \end{cases}

    With ``beta=None`` and ``lam=1`` this inverts :func:`power_utility`.
    """
    beta = alpha if beta is None else beta
    return _pow_pos(u, 1.0 / alpha, xp) - _pow_pos(-u / lam, 1.0 / beta, xp)


def _p(params: Mapping[str, Any], name: str, default: Any = None) -> Any:
    if name in params:
        return params[name]
    if default is None:
        raise KeyError(f"missing parameter {name!r}")
    return default


def gamble_utility(theory: str, x: Any, p: Any, params: Mapping[str, Any],
                   weighting: str = "tk", xp: Any = np) -> Any:
    """Subjective value of gambles under ``theory`` (``"ev"``, ``"eu"``, ``"pt"``, ``"cpt"``).

    ``params`` holds ``alpha`` (EU, PT, CPT), ``beta``, ``lam``, ``gamma_gain``, ``gamma_loss``
    and, for Prelec / linear-in-log-odds weighting, ``delta_gain``, ``delta_loss`` (PT, CPT).
    Parameter arrays must broadcast against ``x`` without its last axis (add ``[..., None]``
    before calling for per-trial parameters).
    """
    if theory == "ev":
        return expected_value(x, p, xp)
    if theory == "eu":
        return eu_utility(x, p, _p(params, "alpha"), xp)
    if theory in ("pt", "cpt"):
        args = (
            x, p, _p(params, "alpha"), _p(params, "beta", params.get("alpha")),
            _p(params, "lam", 1.0), _p(params, "gamma_gain"),
            _p(params, "gamma_loss", params.get("gamma_gain")),
            _p(params, "delta_gain", 1.0), _p(params, "delta_loss", params.get("delta_gain", 1.0)),
            weighting, xp,
        )
        return pt_utility(*args) if theory == "pt" else cpt_utility(*args)
    raise ValueError(f"theory must be one of {THEORIES}, got {theory!r}")


def _expand(params: Mapping[str, Any]) -> dict[str, Any]:
    """Give per-trial parameter arrays a trailing axis to broadcast over outcomes."""
    out = {}
    for k, v in params.items():
        out[k] = v[..., None] if getattr(v, "ndim", 0) >= 1 else v
    return out


def choice_logits(
    theory: str, xa: Any, pa: Any, xb: Any, pb: Any, params: Mapping[str, Any],
    weighting: str = "tk", choice: str = "utility", xp: Any = np,
) -> Any:
    r"""Log-odds of choosing gamble B over A under a logit (softmax) choice rule.

    .. math:: \operatorname{logit} P(B) = \varphi\,\left(s(U_B) - s(U_A)\right)

    with sensitivity :math:`\varphi` (``params["phi"]``) and :math:`s` the identity
    (``choice="utility"``, the default and the usual specification) or the certainty
    equivalent (``choice="ce"``: the difference is then in money, so :math:`\varphi` keeps its
    meaning whatever the value function's curvature; Stewart, Scheibehenne & Pachur 2018). For
    EV the two coincide. On choices13k the utility rule predicts held-out choice rates better
    (cross-validated :math:`R^2` of CPT 0.58 vs 0.56).
    """
    phi = params["phi"]
    expanded = _expand({k: v for k, v in params.items() if k != "phi"})
    ua = gamble_utility(theory, xa, pa, expanded, weighting, xp)
    ub = gamble_utility(theory, xb, pb, expanded, weighting, xp)
    if choice == "ce" and theory in ("eu", "pt", "cpt"):
        alpha = params["alpha"]
        beta = params.get("beta", alpha) if theory != "eu" else alpha
        lam = params.get("lam", 1.0) if theory != "eu" else 1.0
        ua = certainty_equivalent(ua, alpha, beta, lam, xp)
        ub = certainty_equivalent(ub, alpha, beta, lam, xp)
    elif choice not in ("ce", "utility"):
        raise ValueError(f"choice must be 'ce' or 'utility', got {choice!r}")
    return phi * (ub - ua)


def choice_probability(*args: Any, **kwargs: Any) -> Any:
    """:math:`P(B)`: the logistic function of :func:`choice_logits` (NumPy)."""
    return expit(choice_logits(*args, **kwargs))
