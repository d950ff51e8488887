"""Discount functions and the ITCH and discounting logits: reference values."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.intertemporal.functions import discount, intertemporal_logits, itch_logits


def test_discount_functions():
    t = np.array([0.0, 1.0, 4.0])
    np.testing.assert_allclose(discount(t, "exponential", {"delta": 0.9}), [1, 0.9, 0.9**4])
    np.testing.assert_allclose(discount(t, "hyperbolic", {"k": 0.5}), [1, 1 / 1.5, 1 / 3])
    np.testing.assert_allclose(discount(t, "quasi-hyperbolic", {"beta": 0.7, "delta": 0.9}),
                               [1, 0.63, 0.7 * 0.9**4])
    with pytest.raises(ValueError, match="unknown"):
        discount(t, "geometric", {})


def test_itch_and_discounting_logits():
    p = {"b_i": 0.1, "b_xa": 0.01, "b_xr": 2.0, "b_ta": -0.3, "b_tr": -0.5}
    # x1=10 at t1=0 vs x2=15 at t2=2: x*=12.5, t*=1
    expected = 0.1 + 0.01 * 5 + 2.0 * 5 / 12.5 - 0.3 * 2 - 0.5 * 2 / 1
    assert itch_logits(10.0, 0.0, 15.0, 2.0, p) == pytest.approx(expected)
    rel = intertemporal_logits(10.0, 0.0, 15.0, 2.0, "hyperbolic", {"k": 0.25, "phi": 4.0})
    assert rel == pytest.approx(4.0 * (15 / 1.5 - 10) / 12.5)
    ab = intertemporal_logits(10.0, 0.0, 15.0, 2.0, "hyperbolic", {"k": 0.25, "phi": 4.0},
                              scale="absolute")
    assert ab == pytest.approx(0.0)
