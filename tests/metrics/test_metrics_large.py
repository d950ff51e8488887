"""Chunked large-N RSA equals the in-memory comparators."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cogalign.metrics import RDMInputError, rdm_from_embedding, rsa, rsa_embeddings, rsa_large
from cogalign.metrics import large as large_mod


@pytest.mark.parametrize("method", ["pearson", "cosine", "spearman"])
def test_rsa_large_equals_rsa(rng, method):
    a = rng.normal(size=4950).astype(np.float32)  # negative values too
    b = (np.round(rng.random(4950) * 20) / 4).astype(np.float32)  # many ties
    expected = rsa(a.astype(np.float64), b.astype(np.float64), method)
    for chunk in (97, 4950, 1 << 20):
        assert rsa_large(a, b, method, chunk_size=chunk) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("bucket", [1 << 24, 300, 60])
def test_bucketed_exact_ranks(rng, monkeypatch, bucket):
    # small buckets force many sorted buckets, heavy prefixes and single-value tie buckets
    monkeypatch.setattr(large_mod, "_BUCKET", bucket)
    n = 2016
    cases = [
        (rng.normal(size=n), rng.random(n)),
        (np.round(rng.normal(size=n) * 2), np.round(rng.random(n) * 3)),  # heavy ties
        (np.where(rng.random(n) < 0.5, 0.0, 1.0), rng.random(n)),  # a categorical model
        (1 + 0.007 * rng.random(n), rng.random(n)),  # one 16-bit key prefix, split finer
    ]
    a_zero = np.round(rng.normal(size=n))
    a_zero[::5] = -0.0  # -0.0 and +0.0 are one value
    cases.append((a_zero, rng.random(n)))
    for a, b in cases:
        a32, b32 = a.astype(np.float32), b.astype(np.float32)
        for x, y in ((a32, b32), (b32, a32)):
            expected = stats.spearmanr(x.astype(np.float64), y.astype(np.float64)).statistic
            assert rsa_large(x, y, "spearman", chunk_size=333) == pytest.approx(expected,
                                                                               abs=1e-12)
            destroyed = x.copy()
            got = rsa_large(destroyed, y, "spearman", chunk_size=333, overwrite_a=True)
            assert got == pytest.approx(expected, abs=1e-12)
            assert not np.array_equal(destroyed, x)  # the ranks replaced the values


def test_many_buckets_use_wide_ids(rng, monkeypatch):
    monkeypatch.setattr(large_mod, "_BUCKET", 4)  # > 255 buckets: 16-bit bucket ids
    a = rng.normal(size=1225).astype(np.float32)
    b = np.round(rng.random(1225) * 40).astype(np.float32)
    plan = large_mod._plan(a, 333, 4)
    assert len(plan.buckets) > 255
    assert large_mod._bucket_ids(a, plan, 333).dtype == np.uint16
    expected = stats.spearmanr(a.astype(np.float64), b.astype(np.float64)).statistic
    assert rsa_large(a, b, "spearman", chunk_size=333) == pytest.approx(expected, abs=1e-12)


def test_rsa_large_errors(rng):
    a = rng.random(10)
    with pytest.raises(RDMInputError, match="NaN"):
        rsa_large(np.r_[a[:-1], np.nan], a)
    with pytest.raises(RDMInputError, match="differ in length"):
        rsa_large(a, a[:6])
    with pytest.raises(RDMInputError, match="n\\*\\(n-1\\)/2"):
        rsa_large(a[:8], a[:8])
    with pytest.raises(ValueError, match="supports"):
        rsa_large(a, a, "kendall")


@pytest.mark.parametrize("method", ["pearson", "cosine", "spearman"])
def test_rsa_embeddings_equals_stored_rdms(rng, method):
    x = rng.normal(size=(60, 7))
    y = x @ rng.normal(size=(7, 4)) + rng.normal(size=(60, 4))
    if method == "spearman":  # ranks of the float32 dissimilarities
        a = rdm_from_embedding(x, "euclidean", dtype=np.float32).astype(np.float64)
        b = rdm_from_embedding(y, "cosine", dtype=np.float32).astype(np.float64)
    else:
        a, b = rdm_from_embedding(x, "euclidean"), rdm_from_embedding(y, "cosine")
    expected = rsa(a, b, method)
    got = rsa_embeddings(x, y, "euclidean", method, metric_y="cosine", rows_per_chunk=9)
    assert got == pytest.approx(expected, abs=1e-10)
