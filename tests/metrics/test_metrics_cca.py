"""CCA, SVCCA and PWCCA against the eigenvalue definition and their invariances."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from cogalign.metrics import CCA, cca, pwcca, svcca


def _eig_cca(x, y):
    xc, yc = x - x.mean(0), y - y.mean(0)
    sxx, syy, sxy = xc.T @ xc, yc.T @ yc, xc.T @ yc
    m = linalg.solve(sxx, sxy) @ linalg.solve(syy, sxy.T)
    ev = np.sort(np.real(linalg.eigvals(m)))[::-1]
    return np.sqrt(np.clip(ev[: min(x.shape[1], y.shape[1])], 0, 1))


@pytest.fixture
def xy(rng):
    x = rng.normal(size=(80, 5))
    y = x[:, :3] @ rng.normal(size=(3, 4)) + 0.7 * rng.normal(size=(80, 4))
    return x, y


def test_matches_eigenvalue_definition(xy):
    x, y = xy
    np.testing.assert_allclose(cca(x, y), _eig_cca(x, y), rtol=0, atol=1e-10)


def test_invariant_to_invertible_maps(xy, rng):
    x, y = xy
    a = rng.normal(size=(5, 5)) + 2 * np.eye(5)
    np.testing.assert_allclose(cca(x @ a + 3, y), cca(x, y), rtol=0, atol=1e-10)
    np.testing.assert_allclose(cca(x, x @ a), np.ones(5), rtol=0, atol=1e-10)


def test_svcca_and_pwcca(xy):
    x, y = xy
    assert svcca(x, y, keep=1.0) == pytest.approx(np.mean(cca(x, y)), abs=1e-12)
    assert svcca(x, y, keep=2) == pytest.approx(np.mean(cca(
        np.linalg.svd(x - x.mean(0), full_matrices=False)[0][:, :2],
        np.linalg.svd(y - y.mean(0), full_matrices=False)[0][:, :2])), abs=1e-12)
    assert 0 < svcca(x, y, keep=0.9) <= 1
    p = pwcca(x, y)
    assert 0 < p <= 1
    assert pwcca(x, x) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="keep"):
        svcca(x, y, keep=1.5)


def test_estimator(xy):
    x, y = xy
    est = CCA(n_components=3)
    assert est.fit(x, y) is est
    np.testing.assert_allclose(est.correlations_, cca(x, y)[:3], rtol=0, atol=1e-10)
    u, v = est.transform(x, y)
    np.testing.assert_allclose(np.var(u, axis=0, ddof=1), 1.0, rtol=0, atol=1e-10)
    np.testing.assert_allclose(u.T @ u / 79, np.eye(3), rtol=0, atol=1e-10)
    assert est.score(x, y) == pytest.approx(np.mean(est.correlations_), abs=1e-10)
