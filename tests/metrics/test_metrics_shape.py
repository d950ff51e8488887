"""Shape metrics (Williams et al. 2021): scipy reference, metric axioms, invariances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import procrustes
from scipy.stats import ortho_group

from cogalign.metrics import (
    LinearMetric,
    NotFittedError,
    RDMInputError,
    angular_shape_distance,
    partial_whitening,
    procrustes_distance,
)


def test_alpha_one_matches_scipy_procrustes(rng):
    x = rng.normal(size=(30, 4))
    y = x @ rng.normal(size=(4, 4)) + rng.normal(size=(30, 4))
    _, _, disparity = procrustes(x, y)
    d = angular_shape_distance(x, y, alpha=1.0)
    assert np.cos(d) == pytest.approx(np.sqrt(1 - disparity), abs=1e-10)
    assert procrustes_distance(x, y) == pytest.approx(np.sqrt(2 - 2 * np.cos(d)), abs=1e-10)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("score_method", ["angular", "euclidean"])
def test_triangle_inequality_and_symmetry(alpha, score_method):
    rng = np.random.default_rng(7)
    base = rng.normal(size=(20, 5))
    reps = [base @ rng.normal(size=(5, 5)) + s * rng.normal(size=(20, 5))
            for s in (0.1, 0.5, 1.0, 2.0, 4.0)]

    def d(a, b):
        return LinearMetric(alpha, score_method=score_method).fit_score(a, b)

    dist = np.array([[d(a, b) for b in reps] for a in reps])
    np.testing.assert_allclose(dist, dist.T, rtol=0, atol=1e-8)
    np.testing.assert_allclose(np.diag(dist), 0, rtol=0, atol=1e-6)
    for i in range(5):
        for j in range(5):
            for k in range(5):
                assert dist[i, k] <= dist[i, j] + dist[j, k] + 1e-8


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 10), shift=st.floats(-5, 5))
def test_invariances(seed, scale, shift):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(20, 4))
    y = np.tanh(x) + 0.5 * rng.normal(size=(20, 4))
    q = ortho_group.rvs(4, random_state=seed)
    moved = scale * x @ q + shift
    # rotation + isotropic scale + translation: alpha = 0 and 1
    for alpha in (0.0, 1.0):
        assert angular_shape_distance(moved, y, alpha) == pytest.approx(
            angular_shape_distance(x, y, alpha), abs=1e-7)
    # rotation + translation: every alpha
    assert angular_shape_distance(x @ q + shift, y, 0.5) == pytest.approx(
        angular_shape_distance(x, y, 0.5), abs=1e-7)
    # full whitening (alpha = 0): any invertible linear map
    a = rng.normal(size=(4, 4)) + 3 * np.eye(4)
    assert angular_shape_distance(x @ a, y, 0.0) == pytest.approx(
        angular_shape_distance(x, y, 0.0), abs=1e-7)


def test_rotation_only_metric_sees_stretching(rng):
    x = rng.normal(size=(20, 4))
    stretched = x * np.array([5.0, 1, 1, 1])
    assert angular_shape_distance(x, stretched, 1.0) > 0.1
    assert angular_shape_distance(x, stretched, 0.0) == pytest.approx(0.0, abs=1e-6)


def test_partial_whitening(rng):
    x = rng.normal(size=(50, 3)) * np.array([1.0, 4.0, 0.5])
    x = x - x.mean(0)
    z0 = partial_whitening(x, 0.0)
    cov = (x @ z0).T @ (x @ z0)
    np.testing.assert_allclose(cov / cov[0, 0], np.eye(3), rtol=0, atol=1e-8)
    np.testing.assert_allclose(partial_whitening(x, 1.0), np.eye(3))
    z = partial_whitening(x, 0.4)
    assert np.trace((x @ z).T @ (x @ z)) == pytest.approx(np.trace(x.T @ x))
    with pytest.raises(ValueError, match="alpha"):
        partial_whitening(x, 1.5)


def test_estimator_api(rng):
    x = rng.normal(size=(15, 3))
    y = rng.normal(size=(15, 5))
    metric = LinearMetric(alpha=0.5)
    with pytest.raises(NotFittedError):
        metric.score(x, y)
    assert metric.fit(x, y) is metric
    assert {"mx_", "my_", "wx_", "wy_"} <= set(vars(metric))
    tx, ty = metric.transform(x, y)
    assert tx.shape == ty.shape == (15, 5)
    assert metric.get_params()["alpha"] == 0.5
    assert "LinearMetric(alpha=0.5" in repr(metric)
    with pytest.raises(RDMInputError, match="zero_pad"):
        LinearMetric(zero_pad=False).fit(x, y)
    with pytest.raises(ValueError, match="alpha"):
        LinearMetric(alpha=-0.1).fit(x, y)
