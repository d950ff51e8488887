"""Bootstrap (equal to rsatoolbox on the same draws), Mantel, paired and group comparisons."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cogalign.metrics import (
    RDMInputError,
    bootstrap_rsa,
    compare_groups,
    mantel_test,
    paired_bootstrap,
    rsa,
)
from cogalign.metrics._resample import item_weights, weighted_rsa
from cogalign.metrics.inference import _explicit_item_sample
from cogalign.metrics.rdm import to_square

rsatoolbox = pytest.importorskip("rsatoolbox")
NAMES = {"pearson": "corr"}


def _rsatoolbox_bootstrap(data, model, method, n_boot, seed):
    """rsatoolbox's item bootstrap and the draws it used (np.random global state)."""
    rmodel = rsatoolbox.model.ModelFixed("m", rsatoolbox.rdm.RDMs(model[None]))
    # rsatoolbox draws from numpy's legacy global generator; seed it to replay its draws
    np.random.seed(seed)  # noqa: NPY002
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = rsatoolbox.inference.eval_bootstrap_pattern(
            rmodel, rsatoolbox.rdm.RDMs(data), method=NAMES.get(method, method), N=n_boot,
            boot_noise_ceil=False)
    n = to_square(model).shape[0]
    np.random.seed(seed)  # noqa: NPY002
    draws = np.stack([np.random.randint(0, n, size=n) for _ in range(n_boot)])  # noqa: NPY002
    return res.evaluations[:, 0], draws


@pytest.mark.parametrize("method", ["spearman", "pearson", "cosine", "rho-a", "cosine_cov",
                                    "tau-a"])
def test_item_bootstrap_equals_rsatoolbox(rng, make_rdms, method):
    data = make_rdms(rng, 4, 12)
    model = make_rdms(rng, 1, 12, ties=True)[0]
    theirs, draws = _rsatoolbox_bootstrap(data, model, method, 15, seed=5)
    ours = bootstrap_rsa(data, model, method, item_samples=draws)
    np.testing.assert_allclose(ours.samples[:, 0], theirs, rtol=0, atol=1e-8)


@pytest.mark.parametrize("method", ["pearson", "cosine", "spearman", "rho-a"])
@pytest.mark.parametrize("n", [10, 92])
def test_weighted_path_equals_explicit_resampling(rng, make_rdms, method, n):
    data = make_rdms(rng, 5, n, ties=True)
    models = np.vstack([make_rdms(rng, 1, n), make_rdms(rng, 1, n, ties=True)])
    draws = rng.integers(0, n, size=(12, n))
    fast = weighted_rsa(data, models, item_weights(draws, n), method, batch=5)
    slow = np.stack([_explicit_item_sample(data, models, n, s, method) for s in draws])
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)


def test_participant_and_both_bootstrap(rng, make_rdms):
    data = make_rdms(rng, 6, 9)
    model = make_rdms(rng, 1, 9)[0]
    per = rsa(data, model, "spearman")
    draws = rng.integers(0, 6, size=(20, 6))
    res = bootstrap_rsa(data, model, over="participants", participant_samples=draws)
    np.testing.assert_allclose(res.samples[:, 0], per[draws].mean(axis=1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.estimate, per.mean())
    both = bootstrap_rsa(data, model, over="both", n_boot=50, seed=3)
    assert both.samples.shape == (50, 1) and np.all(np.isfinite(both.samples))
    with pytest.raises(ValueError, match="over"):
        bootstrap_rsa(data, model, over="pairs")


def test_bootstrap_seeded_and_interval(rng, make_rdms):
    data = make_rdms(rng, 5, 15)
    models = make_rdms(rng, 3, 15)
    a = bootstrap_rsa(data, models, n_boot=100, seed=11)
    b = bootstrap_rsa(data, models, n_boot=100, seed=np.random.default_rng(11))
    c = bootstrap_rsa(data, models, n_boot=100, seed=12)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)
    assert a.samples.shape == (100, 3)
    assert np.all(a.ci_low <= a.ci_high) and np.all(a.se > 0)
    assert np.all((a.ci_low < a.estimate) & (a.estimate < a.ci_high))


def test_mantel(rng, make_rdms):
    a, b = make_rdms(rng, 2, 12)
    unrelated = make_rdms(np.random.default_rng(99), 1, 12)[0]
    for method in ("spearman", "pearson", "rho-a"):
        res = mantel_test(a, b, method, n_perm=300, seed=0)
        assert res.statistic == pytest.approx(rsa(a, b, method))
        assert res.p_value < 0.05
    null_p = mantel_test(a, unrelated, "spearman", n_perm=300, seed=1,
                         alternative="two-sided").p_value
    assert null_p > 0.05
    slow = mantel_test(a, b, "kendall", n_perm=20, seed=0)
    assert slow.statistic == pytest.approx(rsa(a, b, "kendall"))
    assert slow.p_value == pytest.approx((1 + np.sum(slow.null >= slow.statistic)) / 21)
    assert slow.p_value < 0.2
    with pytest.raises(RDMInputError, match="single"):
        mantel_test(make_rdms(rng, 2, 5), b)


@pytest.mark.parametrize("method", ["spearman", "pearson", "cosine", "rho-a", "cosine_cov",
                                    "corr_cov", "tau-a"])
def test_mantel_null_equals_permuting_the_matrix(rng, make_rdms, method):
    a, b = make_rdms(rng, 2, 10)
    res = mantel_test(a, b, method, n_perm=5, seed=4, batch=2)
    perm_rng = np.random.default_rng(4)
    sq = to_square(b)
    if method == "tau-a":  # the loop path draws one permutation at a time
        perms = [perm_rng.permutation(10) for _ in range(5)]
    else:
        perms = [p for size in (2, 2, 1)
                 for p in np.argsort(perm_rng.random((size, 10)), axis=1)]
    expected = [rsa(a, sq[np.ix_(p, p)], method) for p in perms]
    np.testing.assert_allclose(res.null, expected, rtol=0, atol=1e-12)
    less = mantel_test(a, b, method, n_perm=5, seed=4, batch=2, alternative="less")
    assert less.p_value == pytest.approx((1 + np.sum(res.null <= res.statistic)) / 6)


def test_paired_bootstrap(rng):
    truth = rng.normal(size=(14, 3))
    from cogalign.metrics import rdm_from_embedding

    data = np.stack([rdm_from_embedding(truth + 0.5 * rng.normal(size=truth.shape))
                     for _ in range(6)])
    good = rdm_from_embedding(truth)
    bad = rdm_from_embedding(rng.normal(size=(14, 3)))
    res = paired_bootstrap(data, good, bad, n_boot=200, seed=0)
    assert res.difference > 0 and res.ci_low > 0 and res.p_value < 0.05
    assert res.difference == pytest.approx(res.estimate_a - res.estimate_b)
    same = paired_bootstrap(data, good, good, n_boot=50, seed=0)
    assert same.difference == 0 and same.p_value == 1.0


def test_compare_groups(rng):
    from cogalign.metrics import pool_rdms, rdm_from_embedding

    base_a = rng.normal(size=(12, 3))
    base_b = rng.normal(size=(12, 3))

    def group(base, m):
        return np.stack([rdm_from_embedding(base + 0.7 * rng.normal(size=base.shape))
                         for _ in range(m)])

    ga, ga2, gb = group(base_a, 6), group(base_a, 5), group(base_b, 5)
    diff = compare_groups(ga, gb, n_boot=100, n_perm=200, seed=0)
    assert diff.between == pytest.approx(rsa(pool_rdms(ga), pool_rdms(gb)))
    assert diff.p_same < 0.05
    assert diff.ci_low <= diff.between <= diff.ci_high
    assert diff.between_normalized == pytest.approx(
        diff.between / np.sqrt(diff.ceiling_a.upper * diff.ceiling_b.upper))
    same = compare_groups(ga, ga2, n_boot=100, n_perm=200, seed=0)
    assert same.p_same > 0.05 and same.between > diff.between
    items = compare_groups(ga, gb, over="items", n_boot=30, n_perm=0, seed=0)
    assert np.isnan(items.p_same) and items.samples.shape == (30,)


@pytest.mark.realdata
def test_rsa92_item_bootstrap_equals_rsatoolbox(rsa92):
    data = rsa92["behaviour"].rdms
    model = rsa92["model"].rdms[2]
    theirs, draws = _rsatoolbox_bootstrap(data, model, "spearman", 20, seed=0)
    ours = bootstrap_rsa(data, model, "spearman", item_samples=draws)
    np.testing.assert_allclose(ours.samples[:, 0], theirs, rtol=0, atol=1e-8)
