"""Value, weighting and discounting functions: reference values and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogalign.risky.functions import (
    certainty_equivalent,
    choice_logits,
    cpt_decision_weights,
    cpt_utility,
    expected_value,
    gamble_utility,
    power_utility,
    pt_utility,
    value_function,
    weight,
    weight_lio,
    weight_prelec,
    weight_tk,
)
from cogalign.risky.gambles import gamble_arrays

TK92 = {"alpha": 0.88, "beta": 0.88, "lam": 2.25, "gamma_gain": 0.61, "gamma_loss": 0.69}


def test_tk92_weighting_reference_values():
    # Tversky & Kahneman (1992), gamma = 0.61 for gains: w(.5) = .421, w(.01) = .055, w(.99) = .912
    w = weight_tk(np.array([0.0, 0.01, 0.1, 0.5, 0.99, 1.0]), 0.61)
    np.testing.assert_allclose(w, [0.0, 0.0553, 0.1863, 0.4206, 0.9116, 1.0], atol=1e-4)
    # gamma = 0.69 for losses
    assert weight_tk(0.5, 0.69) == pytest.approx(0.4540, abs=5e-4)
    # gamma = 1 is the identity
    p = np.linspace(0, 1, 11)
    np.testing.assert_allclose(weight_tk(p, 1.0), p, atol=1e-12)


def test_prelec_reference_values():
    # one-parameter Prelec: fixed point at 1/e for every gamma
    for g in (0.3, 0.65, 1.4):
        assert weight_prelec(1 / math.e, g) == pytest.approx(1 / math.e, abs=1e-12)
    assert weight_prelec(0.5, 0.65) == pytest.approx(math.exp(-(math.log(2) ** 0.65)), abs=1e-12)
    assert weight_prelec(0.1, 0.65, 1.2) == pytest.approx(
        math.exp(-1.2 * (-math.log(0.1)) ** 0.65), abs=1e-12)
    np.testing.assert_allclose(weight_prelec(np.array([0.0, 1.0]), 0.5), [0.0, 1.0])
    assert weight(0.3, "prelec1", 0.7) == pytest.approx(weight_prelec(0.3, 0.7))


def test_lio_reference_values():
    assert weight_lio(0.5, 0.6, 1.0) == pytest.approx(0.5)
    assert weight_lio(0.2, 1.0, 2.0) == pytest.approx(0.4 / 1.2)
    with pytest.raises(ValueError, match="weighting"):
        weight(0.3, "gold", 0.5)


def test_value_function_reference_values():
    # TK92 medians: v(100) = 100^.88 = 57.544, v(-100) = -2.25 * 57.544
    np.testing.assert_allclose(value_function(np.array([100.0, 0.0, -100.0]), 0.88, 0.88, 2.25),
                               [57.5440, 0.0, -129.4740], atol=1e-3)
    np.testing.assert_allclose(power_utility(np.array([-8.0, 0.0, 8.0]), 1 / 3), [-2, 0, 2])


def test_expected_value_of_a_known_gamble():
    x, p = gamble_arrays([[26.0, -1.0]], [[0.95, 0.05]])
    assert expected_value(x, p)[0] == pytest.approx(24.65)


def test_cpt_value_of_a_mixed_fifty_fifty_gamble():
    # (100, .5; -100, .5) under TK92: w+(.5) 100^.88 - 2.25 w-(.5) 100^.88
    x, p = gamble_arrays([[100.0, -100.0]], [[0.5, 0.5]])
    v = 100**0.88
    expected = weight_tk(0.5, 0.61) * v - 2.25 * weight_tk(0.5, 0.69) * v
    assert cpt_utility(x, p, **TK92)[0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(-34.58, abs=0.01)


def test_cpt_rank_dependent_weights_of_a_three_outcome_gain():
    # outcomes 0 < 10 < 20 with p = .2, .5, .3: pi(20) = w(.3), pi(10) = w(.8) - w(.3)
    x, p = gamble_arrays([[10.0, 20.0, 0.0]], [[0.5, 0.3, 0.2]])
    pi = cpt_decision_weights(x, p, 0.61, 0.69)[0]
    w = lambda q: weight_tk(q, 0.61)  # noqa: E731
    np.testing.assert_allclose(pi, [0.0, w(0.8) - w(0.3), w(0.3)], atol=1e-12)


@st.composite
def gambles(draw):
    k = draw(st.integers(1, 6))
    xs = draw(st.lists(st.integers(-50, 150), min_size=k, max_size=k))
    ws = draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k))
    p = np.asarray(ws) / np.sum(ws)
    return [float(x) for x in xs], list(p)


@settings(max_examples=60, deadline=None)
@given(g=gambles())
def test_linear_cpt_and_pt_reduce_to_expected_value(g):
    x, p = gamble_arrays([g[0]], [g[1]])
    ev = expected_value(x, p)[0]
    lin = dict(alpha=1.0, beta=1.0, lam=1.0, gamma_gain=1.0, gamma_loss=1.0)
    assert cpt_utility(x, p, **lin)[0] == pytest.approx(ev, abs=1e-9)
    assert pt_utility(x, p, **lin)[0] == pytest.approx(ev, abs=1e-9)
    assert gamble_utility("eu", x, p, {"alpha": 1.0})[0] == pytest.approx(ev, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(g=gambles(), split=st.floats(0.1, 0.9))
def test_cpt_is_invariant_to_splitting_an_outcome(g, split):
    xs, ps = g
    x1, p1 = gamble_arrays([xs], [ps])
    # split the first outcome into two identical outcomes
    x2, p2 = gamble_arrays([[xs[0], xs[0], *xs[1:]]], [[ps[0] * split, ps[0] * (1 - split),
                                                        *ps[1:]]])
    assert cpt_utility(x1, p1, **TK92)[0] == pytest.approx(cpt_utility(x2, p2, **TK92)[0],
                                                           rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(g=gambles())
def test_gains_only_decision_weights_sum_to_one(g):
    xs = [abs(x) + 1.0 for x in g[0]]
    x, p = gamble_arrays([xs], [g[1]])
    pi = cpt_decision_weights(x, p, 0.61, 0.69)
    assert pi.sum() == pytest.approx(1.0, abs=1e-9)
    assert np.all(pi >= -1e-12)


@settings(max_examples=40, deadline=None)
@given(u=st.floats(-300, 300), a=st.floats(0.2, 1.8), b=st.floats(0.2, 1.8),
       lam=st.floats(0.3, 4.0))
def test_certainty_equivalent_inverts_the_value_function(u, a, b, lam):
    ce = certainty_equivalent(np.float64(u), a, b, lam)
    assert value_function(ce, a, b, lam) == pytest.approx(u, rel=1e-8, abs=1e-8)


def test_choice_logits_ce_and_utility_rules():
    xa, pa = gamble_arrays([[10.0]], [[1.0]])
    xb, pb = gamble_arrays([[20.0, 0.0]], [[0.5, 0.5]])
    params = {**TK92, "phi": 0.2}
    eta_ce = choice_logits("cpt", xa, pa, xb, pb, params, choice="ce")[0]
    ub = weight_tk(0.5, 0.61) * 20**0.88
    ce_b = ub ** (1 / 0.88)
    assert eta_ce == pytest.approx(0.2 * (ce_b - 10.0), rel=1e-10)
    eta_u = choice_logits("cpt", xa, pa, xb, pb, params, choice="utility")[0]
    assert eta_u == pytest.approx(0.2 * (ub - 10**0.88), rel=1e-10)
    assert choice_logits("ev", xa, pa, xb, pb, {"phi": 1.0})[0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="choice"):
        choice_logits("cpt", xa, pa, xb, pb, params, choice="softmax")
    with pytest.raises(ValueError, match="theory"):
        choice_logits("rdu", xa, pa, xb, pb, params)


@pytest.mark.parametrize(("theory", "weighting"),
                         [("eu", "tk"), ("pt", "prelec"), ("cpt", "tk"), ("cpt", "lio")])
def test_numpy_jax_pytensor_agree(theory, weighting):
    jax = pytest.importorskip("jax")
    pytest.importorskip("pytensor")
    import jax.numpy as jnp
    import pytensor
    import pytensor.tensor as pt

    xa, pa = gamble_arrays([[26.0, -1.0], [10.0]], [[0.95, 0.05], [1.0]], width=3)
    xb, pb = gamble_arrays([[21.0, 23.0, -5.0], [0.0, 100.0]], [[0.5, 0.3, 0.2], [0.5, 0.5]])
    params = {**TK92, "delta_gain": 0.9, "delta_loss": 1.1, "phi": 0.1}
    ref = choice_logits(theory, xa, pa, xb, pb, params, weighting)
    def logits(p):
        return choice_logits(theory, xa, pa, xb, pb, p, weighting, xp=jnp)

    with jax.enable_x64(True):
        out, grads = jax.jit(lambda p: (logits(p), jax.grad(lambda q: logits(q).sum())(p)))(
            {k: jnp.asarray(v) for k, v in params.items()})
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-10)
    assert all(np.isfinite(float(g)) for g in grads.values())
    sym = {k: pt.dscalar(k) for k in params}
    f = pytensor.function(list(sym.values()), choice_logits(theory, xa, pa, xb, pb, sym,
                                                            weighting, xp=pt),
                          on_unused_input="ignore", mode="FAST_COMPILE")
    np.testing.assert_allclose(f(*params.values()), ref, rtol=1e-10)


def _textbook_cpt(x, p, params, weighting):
    """CPT value of one gamble, rank by rank, with the weighting function applied to every
    cumulative probability (TK92 eq. 6-7): the plain reference of the vectorised code."""
    w_gain = lambda q: float(weight(np.float64(q), weighting, params["gamma_gain"],  # noqa: E731
                                    params["delta_gain"]))
    w_loss = lambda q: float(weight(np.float64(q), weighting, params["gamma_loss"],  # noqa: E731
                                    params["delta_loss"]))
    x, p = list(x), list(p)
    total = 0.0
    for i, xi in enumerate(x):
        if xi > 0:
            pi = w_gain(sum(p[i:])) - w_gain(sum(p[i + 1:]))
        elif xi < 0:
            pi = w_loss(sum(p[: i + 1])) - w_loss(sum(p[:i]))
        else:
            continue
        v = xi ** params["alpha"] if xi > 0 else -params["lam"] * (-xi) ** params["beta"]
        total += pi * v
    return total


@pytest.mark.parametrize("weighting", ["tk", "prelec", "prelec1", "lio"])
def test_vectorised_cpt_matches_the_rank_by_rank_reference(weighting):
    """One weighting evaluation per outcome gives the textbook values (dyadic probabilities,
    so the cumulative sums are exact and both sides see the same arguments)."""
    rng = np.random.default_rng(4)
    outcomes, probs = [], []
    for _ in range(40):
        k = int(rng.integers(1, 7))
        outcomes.append([float(v) for v in rng.integers(-60, 150, size=k)])
        cuts = np.sort(rng.choice(np.arange(1, 16), size=k - 1, replace=False))
        probs.append(list(np.diff(np.concatenate([[0], cuts, [16]])) / 16.0))
    x, p = gamble_arrays(outcomes, probs)
    params = {"alpha": 0.8, "beta": 0.9, "lam": 2.0, "gamma_gain": 0.6, "gamma_loss": 0.75,
              "delta_gain": 0.8, "delta_loss": 1.3}
    expected = [_textbook_cpt(xi[pi > 0], pi[pi > 0], params, weighting)
                for xi, pi in zip(x, p, strict=True)]
    got = cpt_utility(x, p, **params, weighting=weighting)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_the_best_outcome_gets_the_weight_of_its_own_probability():
    # probabilities rounded as in choices13k: the cumulative sum above the best outcome is a
    # rounding error, and Prelec's w(1e-16) would be 1e-3, not 0
    x, p = gamble_arrays([[75.0, 81.0, 99.0, 101.0, 106.0, 114.0, 150.0]],
                         [[0.1203, 0.4918, 0.0256, 0.1089, 0.0226, 0.1156, 0.1152]], width=9)
    pi = cpt_decision_weights(x, p, 0.6, 0.7, 0.8, 1.3, "prelec")[0]
    assert pi[6] == pytest.approx(float(weight_prelec(p[0, 6], 0.6, 0.8)), rel=1e-12)
    assert pi.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("weighting", ["tk", "prelec", "lio"])
def test_padding_each_gamble_to_its_own_width_changes_nothing(weighting):
    from cogalign.risky.functions import THEORIES
    from cogalign.risky.gambles import problem_arrays
    from cogalign.risky.simulate import random_problems

    problems = random_problems(80, seed=3)
    shared = problem_arrays(problems)
    own = problem_arrays(problems, same_width=False)
    assert own["xa"].shape[1] == 2 < shared["xa"].shape[1] == own["xb"].shape[1]
    params = {**TK92, "delta_gain": 0.9, "delta_loss": 1.1, "phi": 0.1}
    for theory in THEORIES:
        a = choice_logits(theory, own["xa"], own["pa"], own["xb"], own["pb"], params, weighting)
        b = choice_logits(theory, shared["xa"], shared["pa"], shared["xb"], shared["pb"],
                          params, weighting)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
