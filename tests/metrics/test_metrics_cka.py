"""CKA (linear, RBF, debiased) against plain Gram-matrix formulas, and its invariances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist, squareform
from scipy.stats import ortho_group

from cogalign.metrics import (
    CKA,
    NotFittedError,
    cka,
    cka_from_kernels,
    linear_cka,
    median_bandwidth,
    rbf_cka,
)


def _hsic(k, l, debiased):  # noqa: E741 - the usual names in the CKA literature
    n = k.shape[0]
    if not debiased:
        h = np.eye(n) - 1.0 / n
        return np.trace(k @ h @ l @ h) / (n - 1) ** 2
    k, l = k.copy(), l.copy()  # noqa: E741
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    ones = np.ones(n)
    return (np.trace(k @ l) + ones @ k @ ones * (ones @ l @ ones) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * ones @ k @ l @ ones) / (n * (n - 3))


def _reference_cka(k, l, debiased=False):  # noqa: E741
    return _hsic(k, l, debiased) / np.sqrt(_hsic(k, k, debiased) * _hsic(l, l, debiased))


def _rbf(x, threshold=1.0):
    d = squareform(pdist(x, "sqeuclidean"))
    sigma2 = threshold**2 * np.median(pdist(x, "sqeuclidean"))
    return np.exp(-d / (2 * sigma2))


@pytest.fixture
def xy(rng):
    x = rng.normal(size=(40, 6))
    y = np.tanh(x @ rng.normal(size=(6, 9))) + 0.3 * rng.normal(size=(40, 9))
    return x, y


@pytest.mark.parametrize("debiased", [False, True])
def test_linear_cka_equals_gram_formula(xy, debiased):
    x, y = xy
    xc, yc = x - x.mean(0), y - y.mean(0)
    expected = _reference_cka(xc @ xc.T, yc @ yc.T, debiased)
    assert linear_cka(x, y, debiased=debiased) == pytest.approx(expected, abs=1e-12)
    # Gram path (more features than items) gives the same value
    wide_x = np.hstack([x, np.zeros((40, 50))])
    assert linear_cka(wide_x, y, debiased=debiased) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("debiased", [False, True])
@pytest.mark.parametrize("threshold", [0.5, 1.0])
def test_rbf_cka_equals_gram_formula(xy, debiased, threshold):
    x, y = xy
    expected = _reference_cka(_rbf(x, threshold), _rbf(y, threshold), debiased)
    got = rbf_cka(x, y, threshold=threshold, debiased=debiased)
    assert got == pytest.approx(expected, abs=1e-12)
    assert cka(x, y, "rbf", threshold=threshold, debiased=debiased) == got


def test_cka_from_kernels_and_self_similarity(xy):
    x, y = xy
    assert cka_from_kernels(x @ x.T, y @ y.T) == pytest.approx(linear_cka(x, y), abs=1e-12)
    for kernel in ("linear", "rbf"):
        assert cka(x, x, kernel) == pytest.approx(1.0, abs=1e-12)
        assert cka(x, x, kernel, debiased=True) == pytest.approx(1.0, abs=1e-12)
    assert 0 <= cka(x, y) <= 1
    with pytest.raises(ValueError, match="kernel"):
        cka(x, y, "poly")


def test_median_bandwidth(xy):
    x, _ = xy
    assert median_bandwidth(x, 0.5) == pytest.approx(0.5 * np.sqrt(np.median(pdist(x) ** 2)))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 10), shift=st.floats(-5, 5))
def test_invariant_to_rotation_scale_translation(seed, scale, shift):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(25, 5))
    y = x[:, :3] ** 2 + rng.normal(size=(25, 3))
    q = ortho_group.rvs(5, random_state=seed)
    moved = scale * x @ q + shift
    for kernel in ("linear", "rbf"):
        for debiased in (False, True):
            assert cka(moved, y, kernel, debiased=debiased) == pytest.approx(
                cka(x, y, kernel, debiased=debiased), abs=1e-9)


def test_linear_cka_not_invariant_to_anisotropic_scaling(xy):
    x, y = xy
    stretched = x * np.array([10, 1, 1, 1, 1, 1])
    assert abs(linear_cka(stretched, y) - linear_cka(x, y)) > 1e-3


def test_estimator(xy):
    x, y = xy
    est = CKA("rbf", threshold=0.8)
    with pytest.raises(NotFittedError):
        est.score(x, y)
    assert est.fit(x, y) is est
    assert est.sigma_x_ == pytest.approx(median_bandwidth(x, 0.8))
    assert est.score(x, y) == pytest.approx(rbf_cka(x, y, threshold=0.8), abs=1e-12)
    assert est.get_params() == {"kernel": "rbf", "debiased": False, "threshold": 0.8}
    assert CKA().fit(x, y).sigma_x_ is None
