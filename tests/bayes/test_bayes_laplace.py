"""The MAP + Laplace driver both backends share, on densities with known answers."""

import json

import numpy as np
import pytest

from cogalign.bayes.laplace import laplace_posterior, map_laplace
from cogalign.errors import CogalignError

MEAN = np.array([1.0, -2.0])
COV = np.array([[1.0, 0.6], [0.6, 2.0]])
PRECISION = np.linalg.inv(COV)


def gaussian(x):
    d = np.asarray(x) - MEAN
    return 0.5 * float(d @ PRECISION @ d), PRECISION @ d


def test_gaussian_mode_and_covariance_are_recovered():
    fit = map_laplace(gaussian, np.zeros(2), draws=20000, seed=1)
    np.testing.assert_allclose(fit.points[0], MEAN, atol=1e-4)
    draws = fit.points[1:]
    np.testing.assert_allclose(np.cov(draws.T), COV, atol=0.06)
    assert fit.converged and fit.logp == pytest.approx(0.0, abs=1e-8) and not fit.problems
    assert fit.min_eigenvalue == pytest.approx(np.linalg.eigvalsh(PRECISION).min(), rel=1e-5)
    again = map_laplace(gaussian, np.zeros(2), draws=20000, seed=1)
    np.testing.assert_array_equal(again.points, fit.points)


def test_flat_directions_and_bad_starts_are_reported():
    def ridge(x):  # only the first coordinate is identified
        return 0.5 * x[0] ** 2, np.array([x[0], 0.0])

    fit = map_laplace(ridge, np.array([1.0, 1.0]), draws=10, seed=0)
    assert any("not positive definite" in p for p in fit.problems)

    def nowhere(x):
        return np.inf, np.zeros_like(x)

    with pytest.raises(CogalignError, match="finite"):
        map_laplace(nowhere, np.zeros(2), draws=10, n_restarts=2)


def test_posterior_and_attributes_from_constrained_values():
    fit = map_laplace(gaussian, np.zeros(2), draws=5, seed=0)
    values = {"mu": fit.points, "sigma": np.exp(fit.points[:, 0])}
    groups, attrs = laplace_posterior(values, fit)
    assert groups["posterior"]["mu"].shape == (1, 5, 2)
    assert groups["posterior"]["sigma"].shape == (1, 5)
    estimate = json.loads(attrs["map_estimate"])
    np.testing.assert_allclose(estimate["mu"], MEAN, atol=1e-4)
    assert estimate["sigma"] == pytest.approx(np.exp(MEAN[0]), rel=1e-4)
    assert attrs["map_converged"] == 1 and attrs["_problems"] == []
