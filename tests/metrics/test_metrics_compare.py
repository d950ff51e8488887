"""RSA comparators: equal to rsatoolbox and scipy, vectorised, with the right invariances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from scipy.spatial.distance import squareform

from cogalign.metrics import METHODS, RDMInputError, rank_rows, rsa, rsa_paired

rsatoolbox = pytest.importorskip("rsatoolbox")

RSATOOLBOX_NAME = {
    "pearson": "corr", "spearman": "spearman", "kendall": "kendall", "tau-a": "tau-a",
    "rho-a": "rho-a", "cosine": "cosine", "cosine_cov": "cosine_cov", "corr_cov": "corr_cov",
}


def _theirs(a, b, method):
    return rsatoolbox.rdm.compare(rsatoolbox.rdm.RDMs(a), rsatoolbox.rdm.RDMs(b),
                                  RSATOOLBOX_NAME[method])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ties", [False, True])
def test_equals_rsatoolbox_on_random_rdms(rng, make_rdms, method, ties):
    a = make_rdms(rng, 4, 12, ties=ties)
    b = make_rdms(rng, 3, 12, ties=ties)
    np.testing.assert_allclose(rsa(a, b, method), _theirs(a, b, method), atol=1e-8, rtol=0)


@pytest.mark.parametrize("method", ["pearson", "spearman", "tau-a", "cosine_cov", "corr_cov"])
def test_equals_rsatoolbox_with_missing_pairs(rng, make_rdms, method):
    a = make_rdms(rng, 3, 10)
    b = make_rdms(rng, 2, 10)
    a[:, [2, 17, 30]] = np.nan
    b[:, [2, 17, 30]] = np.nan
    np.testing.assert_allclose(rsa(a, b, method), _theirs(a, b, method), atol=1e-8, rtol=0)


def test_matches_scipy_correlations(rng, make_rdms):
    a, b = make_rdms(rng, 2, 15, ties=True)
    assert rsa(a, b, "pearson") == pytest.approx(stats.pearsonr(a, b).statistic, abs=1e-12)
    assert rsa(a, b, "spearman") == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    assert rsa(a, b, "kendall") == pytest.approx(stats.kendalltau(a, b).statistic, abs=1e-12)


def test_tau_a_by_brute_force(rng):
    a = np.round(rng.random(21) * 4)
    b = np.round(rng.random(21) * 3)
    s = np.sign(a[:, None] - a[None, :]) * np.sign(b[:, None] - b[None, :])
    expected = s[np.triu_indices(21, 1)].sum() / (21 * 20 / 2)
    assert rsa(a, b, "tau-a") == pytest.approx(expected, abs=1e-12)


def test_output_shapes_and_paired(rng, make_rdms):
    a = make_rdms(rng, 5, 9)
    b = make_rdms(rng, 5, 9)
    assert isinstance(rsa(a[0], b[0]), float)
    assert rsa(a, b[0]).shape == (5,)
    assert rsa(a[0], b).shape == (5,)
    full = rsa(a, b, "cosine_cov")
    assert full.shape == (5, 5)
    np.testing.assert_allclose(rsa_paired(a, b, "cosine_cov"), np.diag(full), rtol=0, atol=1e-12)
    np.testing.assert_allclose(rsa_paired(a, b[0]), rsa(a, b[0]), rtol=0, atol=1e-12)
    # square and condensed inputs agree
    assert rsa(squareform(a[0]), b[0]) == pytest.approx(rsa(a[0], b[0]), abs=1e-15)
    with pytest.raises(RDMInputError, match="equal size"):
        rsa_paired(a[:3], b)


def test_errors(rng, make_rdms):
    a = make_rdms(rng, 1, 6)[0]
    with pytest.raises(ValueError, match="unknown RSA method"):
        rsa(a, a, "euclid")
    with pytest.raises(RDMInputError, match="same items"):
        rsa(a, make_rdms(rng, 1, 7)[0])
    with pytest.raises(RDMInputError, match="similarity"):
        rsa(np.corrcoef(rng.normal(size=(6, 4))), a)


def test_constant_rdm_gives_nan(rng, make_rdms):
    a = make_rdms(rng, 1, 6)[0]
    assert np.isnan(rsa(np.ones_like(a), a, "pearson"))


def test_vectorised_many_vs_many_equals_loop(rng, make_rdms):
    a = make_rdms(rng, 30, 10)
    b = make_rdms(rng, 20, 10)
    for method in ("spearman", "cosine_cov"):
        full = rsa(a, b, method)
        loop = np.array([[rsa(x, y, method) for y in b] for x in a])
        np.testing.assert_allclose(full, loop, rtol=0, atol=1e-12)


rdm_vectors = arrays(np.float64, 15, elements=st.integers(0, 50).map(lambda v: v / 5.0))


@settings(max_examples=40, deadline=None)
@given(rdm_vectors, rdm_vectors)
def test_invariances(a, b):
    if np.ptp(a) < 1e-3 or np.ptp(b) < 1e-3:
        return
    # symmetric
    for method in METHODS:
        assert rsa(a, b, method) == pytest.approx(rsa(b, a, method), abs=1e-9, nan_ok=True)
    # pearson: positive affine maps; spearman / kendall: strictly monotone maps
    assert rsa(3 * a + 2, b, "pearson") == pytest.approx(rsa(a, b, "pearson"), abs=1e-9)
    for method in ("spearman", "kendall", "tau-a", "rho-a"):
        assert rsa(np.exp(a / 5), b, method) == pytest.approx(rsa(a, b, method), abs=1e-9)
    # cosine and whitened comparators: positive scaling
    for method in ("cosine", "cosine_cov", "corr_cov"):
        assert rsa(4 * a, b, method) == pytest.approx(rsa(a, b, method), abs=1e-9,
                                                      nan_ok=True)
    assert rsa(a, a, "spearman") == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (3, 12), elements=st.integers(0, 4).map(float)))
def test_rank_rows_equals_scipy(x):
    np.testing.assert_array_equal(rank_rows(x), stats.rankdata(x, axis=1))


@pytest.mark.realdata
@pytest.mark.parametrize("method", METHODS)
def test_equals_rsatoolbox_on_rsa92(rsa92, method):
    behaviour = rsa92["behaviour"].rdms
    others = np.concatenate([rsa92["brain"].rdms, rsa92["model"].rdms])
    if method in ("kendall", "tau-a"):  # scipy loop: keep it short
        behaviour, others = behaviour[:3], others[::4]
    ours = rsa(behaviour, others, method)
    theirs = _theirs(behaviour, others, method)
    np.testing.assert_allclose(ours, theirs, atol=1e-8, rtol=0)
