"""Param: transforms, prior statements, overrides; the estimator base class."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogalign.bayes import BayesianEstimator, NotFittedError, Param, update_params
from cogalign.bayes.params import expit


@settings(max_examples=50, deadline=None)
@given(raw=st.floats(-8, 8), low=st.floats(-5, 5), width=st.floats(0.1, 10))
def test_constrain_roundtrip(raw, low, width):
    for p in (Param("a", low, low + width), Param("b", low), Param("c")):
        value = p.constrain(np.float64(raw))
        back = p.unconstrain(value)
        assert back == pytest.approx(raw, abs=1e-6 * max(1.0, abs(raw)) + 1e-6)


def test_ranges_and_prior_statements():
    p = Param("alpha", 0.1, 2.0, 0.0, 1.0)
    assert p.kind == "interval"
    assert p.prior_median == pytest.approx(1.05)
    lo, hi = p.prior_interval(0.9)
    assert 0.1 < lo < p.prior_median < hi < 2.0
    assert "alpha in (0.1, 2)" in p.describe()
    assert Param("lam", 0.0).prior_median == pytest.approx(1.0)
    with pytest.raises(ValueError, match="outside"):
        p.unconstrain(3.0)
    with pytest.raises(ValueError, match="upper bound"):
        Param("x", None, 1.0)
    with pytest.raises(ValueError, match="below"):
        Param("x", 1.0, 0.5)


def test_update_params():
    params = [Param("a", 0.0, 1.0), Param("b", 0.0)]
    out = update_params(params, {"b": {"loc": 2.0, "scale": 0.5}})
    assert out[1].loc == 2.0 and out[1].scale == 0.5 and out[0] == params[0]
    with pytest.raises(ValueError, match="unknown parameters"):
        update_params(params, {"c": {"loc": 1.0}})
    with pytest.raises(ValueError, match="unknown prior fields"):
        update_params(params, {"a": {"mean": 1.0}})


def test_expit_namespaces():
    x = np.linspace(-30, 30, 7)
    np.testing.assert_allclose(expit(x), 1 / (1 + np.exp(-x)))
    jnp = pytest.importorskip("jax.numpy")
    np.testing.assert_allclose(np.asarray(expit(jnp.asarray(x), jnp)), expit(x), rtol=1e-6)


class Toy(BayesianEstimator):
    def __init__(self, a: int = 1, *, b: str = "x") -> None:
        self.a = a
        self.b = b


def test_estimator_protocol():
    t = Toy(2)
    assert t.get_params() == {"a": 2, "b": "x"}
    assert repr(t) == "Toy(a=2)"
    assert t.set_params(b="y") is t and t.b == "y"
    with pytest.raises(ValueError, match="invalid parameter"):
        t.set_params(c=1)
    with pytest.raises(NotFittedError, match="not fitted"):
        t._check_fitted()
