"""RDM noise ceilings (equal to rsatoolbox) and split-half reliability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cogalign.metrics import (
    METHODS,
    RDMInputError,
    pool_rdms,
    rdm_noise_ceiling,
    rsa,
    spearman_brown,
    split_half_reliability,
)

rsatoolbox = pytest.importorskip("rsatoolbox")
from rsatoolbox.inference.noise_ceiling import boot_noise_ceiling  # noqa: E402

NAMES = {"pearson": "corr"}


def _theirs(rdms, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return boot_noise_ceiling(rsatoolbox.rdm.RDMs(rdms), method=NAMES.get(method, method))


@pytest.mark.parametrize("method", [m for m in METHODS if m != "kendall"])
def test_equals_rsatoolbox(rng, make_rdms, method):
    rdms = make_rdms(rng, 6, 10)
    nc = rdm_noise_ceiling(rdms, method)
    lower, upper = _theirs(rdms, method)
    assert nc.lower == pytest.approx(lower, abs=1e-10)
    assert nc.upper == pytest.approx(upper, abs=1e-10)
    assert nc.lower <= nc.upper


def test_definition_by_hand(rng, make_rdms):
    rdms = make_rdms(rng, 5, 8)
    nc = rdm_noise_ceiling(rdms, "pearson")
    z = (rdms - rdms.mean(1, keepdims=True)) / rdms.std(1, keepdims=True)
    lower = [rsa(np.delete(z, i, 0).mean(0), rdms[i], "pearson") for i in range(5)]
    np.testing.assert_allclose(nc.lower_each, lower, rtol=0, atol=1e-12)
    np.testing.assert_allclose(pool_rdms(rdms, "pearson"), z.mean(0), rtol=0, atol=1e-12)


def test_missing_pairs(rng, make_rdms):
    rdms = make_rdms(rng, 5, 9)
    rdms[0, :4] = np.nan
    nc = rdm_noise_ceiling(rdms, "spearman")
    assert np.all(np.isfinite(nc.lower_each)) and nc.lower < nc.upper
    with pytest.raises(RDMInputError, match="at least 2"):
        rdm_noise_ceiling(rdms[:1])


def test_spearman_brown():
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    assert spearman_brown(0.5, factor=3) == pytest.approx(0.75)
    np.testing.assert_allclose(spearman_brown(np.array([0.0, 1.0])), [0.0, 1.0])


def test_split_half(rng, make_rdms):
    same = np.tile(make_rdms(rng, 1, 8), (6, 1))
    assert split_half_reliability(same, n_splits=5, seed=0).reliability == pytest.approx(1.0)
    noisy = make_rdms(rng, 10, 8)
    a = split_half_reliability(noisy, "spearman", n_splits=50, seed=1)
    b = split_half_reliability(noisy, "spearman", n_splits=50, seed=1)
    np.testing.assert_array_equal(a.r_each, b.r_each)
    assert a.reliability == pytest.approx(2 * a.r / (1 + a.r))
    assert 0 < a.r < a.reliability < 1
    # ratings with missing pairs per participant
    noisy[np.arange(10), np.arange(10)] = np.nan
    c = split_half_reliability(noisy, n_splits=20, seed=2)
    assert np.isfinite(c.reliability)


@pytest.mark.realdata
@pytest.mark.parametrize("method", ["spearman", "pearson", "cosine_cov", "tau-a"])
def test_rsa92_equals_rsatoolbox(rsa92, method):
    rdms = rsa92["behaviour"].rdms
    nc = rdm_noise_ceiling(rdms, method)
    lower, upper = _theirs(rdms, method)
    assert (nc.lower, nc.upper) == (pytest.approx(lower, abs=1e-8), pytest.approx(upper, abs=1e-8))
