r"""RSA for very large item sets, in chunks (condensed float32, bounded memory).

For 26,107 items (the THINGS images) an RDM has 340,768,171 pairs: 1.36 GB in float32,
2.7 GB in float64. The functions here never make a float64 copy of a whole RDM:

* :func:`rsa_large` compares two condensed dissimilarity vectors (any float dtype, e.g.
  from :func:`cogalign.metrics.rdm_from_embedding` with ``dtype=np.float32``, or a
  ``numpy.memmap``) chunk by chunk.
* :func:`rsa_embeddings` compares the RDMs of two embeddings: Pearson and cosine stream the
  dissimilarities block by block without storing either RDM; Spearman stores the two RDMs
  in float32 and ranks one of them in place.

Pearson and cosine accumulate co-moments in float64 with the pairwise update of Chan et
al. (1979). Spearman is exact (average ranks for ties, as :func:`scipy.stats.rankdata`)
without an argsort of the whole vector: values are mapped to order-preserving 32-bit keys, a
histogram of the top 16 key bits splits the value range into buckets of at most
:math:`2^{23}` values, and each bucket is sorted on its own (a packed ``key << 32 | position``
sort) while a running count gives the ranks below it. Values tied more often than a bucket
holds form their own bucket and need no sort. Memory for Spearman: the two inputs, one byte
per pair for the bucket index, the 32-bit ranks of the first input (written over it when
``overwrite_a=True``) and one bucket.

References
----------
Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise
algorithm for computing sample variances. Stanford CS report STAN-CS-79-773.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.metrics._checks import RDMInputError, as_2d_float, n_items_from_pairs
from cogalign.metrics.rdm import (
    _block_distances,
    _prepare_embedding,
    _upper_rows,
    rdm_from_embedding,
)

__all__ = ["rsa_embeddings", "rsa_large"]

LargeMethod = Literal["pearson", "cosine", "spearman"]
_DEFAULT_CHUNK = 1 << 21
_BUCKET = 1 << 23  # values sorted at once when ranking


class _Moments:
    """Streaming co-moments (Chan et al. parallel update), float64."""

    def __init__(self, centre: bool) -> None:
        self.centre = centre
        self.n = 0
        self.ma = self.mb = 0.0
        self.saa = self.sbb = self.sab = 0.0

    def add(self, a: NDArray, b: NDArray) -> None:
        a = a.astype(np.float64, copy=False)
        b = b.astype(np.float64, copy=False)
        k = a.size
        if k == 0:
            return
        if not self.centre:
            self.saa += float(np.dot(a, a))
            self.sbb += float(np.dot(b, b))
            self.sab += float(np.dot(a, b))
            self.n += k
            return
        ma, mb = float(a.mean()), float(b.mean())
        da, db = a - ma, b - mb
        saa, sbb, sab = float(np.dot(da, da)), float(np.dot(db, db)), float(np.dot(da, db))
        n = self.n + k
        dma, dmb = ma - self.ma, mb - self.mb
        f = self.n * k / n
        self.saa += saa + dma * dma * f
        self.sbb += sbb + dmb * dmb * f
        self.sab += sab + dma * dmb * f
        self.ma += dma * k / n
        self.mb += dmb * k / n
        self.n = n

    def corr(self) -> float:
        denom = math.sqrt(self.saa * self.sbb)
        if denom == 0:
            return float("nan")
        return max(-1.0, min(1.0, self.sab / denom))


# --------------------------------------------------------------------------------------------
# exact ranks of a large float32 vector
# --------------------------------------------------------------------------------------------


def _keys(x: NDArray) -> NDArray[np.uint32]:
    """Order-preserving uint32 keys of float32 values (-0.0 and +0.0 share a key)."""
    u = (np.asarray(x, dtype=np.float32) + np.float32(0.0)).view(np.uint32)
    neg = (u >> np.uint32(31)).astype(bool)
    return np.where(neg, ~u, u | np.uint32(1 << 31))


@dataclass(frozen=True)
class _Bucket:
    lo: int  # first key (inclusive)
    below: int  # number of values with a smaller key
    count: int
    tie: bool  # every value in the bucket is equal


@dataclass(frozen=True, eq=False)
class _Plan:
    """Buckets and the lookup tables that give every key its bucket."""

    buckets: list[_Bucket]
    by_prefix: NDArray  # (65536,) bucket of each 16-bit key prefix; -1 for split prefixes
    split_prefixes: NDArray  # prefixes whose keys are bucketed one by one
    by_key: NDArray  # (n_split, 65536) bucket of each key of a split prefix


def _chunks(size: int, chunk: int) -> Iterator[slice]:
    for s in range(0, size, chunk):
        yield slice(s, min(size, s + chunk))


def _plan(x: NDArray, chunk: int, bucket: int) -> _Plan:
    """Split the key range into buckets of at most ``bucket`` values (or single-value ties).

    A histogram of the top 16 key bits decides; a prefix holding more than ``bucket`` values
    is split further by a histogram of its full keys.
    """
    hist = np.zeros(1 << 16, dtype=np.int64)
    for sl in _chunks(x.size, chunk):
        hist += np.bincount(_keys(x[sl]) >> np.uint32(16), minlength=1 << 16)
    heavy = np.flatnonzero(hist > bucket)
    fine_hist = np.zeros((heavy.size, 1 << 16), dtype=np.int64)
    if heavy.size:
        for sl in _chunks(x.size, chunk):
            k = _keys(x[sl])
            idx = np.minimum(np.searchsorted(heavy, k >> np.uint32(16)), heavy.size - 1)
            hit = heavy[idx] == (k >> np.uint32(16))
            flat = idx[hit].astype(np.int64) * (1 << 16) + (k[hit] & np.uint32(0xFFFF))
            fine_hist += np.bincount(flat, minlength=fine_hist.size).reshape(fine_hist.shape)
    heavy_row = {int(p): i for i, p in enumerate(heavy)}

    by_prefix = np.full(1 << 16, -1, dtype=np.int64)
    by_key = np.full((heavy.size, 1 << 16), -1, dtype=np.int64)
    out: list[_Bucket] = []
    state = {"lo": None, "count": 0, "below": 0}

    def close() -> None:
        if state["lo"] is not None and state["count"] > 0:
            out.append(_Bucket(state["lo"], state["below"], state["count"], False))
            state["below"] += state["count"]
        state["lo"], state["count"] = None, 0

    def add(key: int, count: int) -> int:
        """Put ``count`` values starting at ``key`` in the open bucket; its index."""
        if state["count"] + count > bucket:
            close()
        if state["lo"] is None:
            state["lo"] = key
        state["count"] += count
        return len(out)

    for p in np.flatnonzero(hist):
        p = int(p)
        if p not in heavy_row:
            by_prefix[p] = add(p << 16, int(hist[p]))
            continue
        row = heavy_row[p]
        close()
        for low in np.flatnonzero(fine_hist[row]):
            key, kc = (p << 16) | int(low), int(fine_hist[row, low])
            if kc > bucket:  # one value repeated more often than a bucket holds
                close()
                by_key[row, low] = len(out)
                out.append(_Bucket(key, state["below"], kc, True))
                state["below"] += kc
            else:
                by_key[row, low] = add(key, kc)
        close()
    close()
    return _Plan(out, by_prefix, heavy, by_key)


def _bucket_ids(x: NDArray, plan: _Plan, chunk: int) -> NDArray:
    """Bucket index of every value (uint8 or uint16), from the lookup tables."""
    dtype = np.uint8 if len(plan.buckets) < 255 else np.uint16
    if len(plan.buckets) >= 65535:
        raise RDMInputError("too many rank buckets; raise the bucket size")
    ids = np.empty(x.size, dtype=dtype)
    for sl in _chunks(x.size, chunk):
        k = _keys(x[sl])
        pre = k >> np.uint32(16)
        b = plan.by_prefix[pre]
        split = b < 0
        if split.any():
            row = np.searchsorted(plan.split_prefixes, pre[split])
            b[split] = plan.by_key[row, k[split] & np.uint32(0xFFFF)]
        ids[sl] = b
    return ids


def _bucket_ranks(x: NDArray, plan: _Plan, j: int, ids: NDArray, chunk: int
                  ) -> tuple[NDArray, NDArray]:
    """Positions (ascending by key) and doubled average ranks (uint32) of bucket ``j``.

    Sorts one uint64 per value, ``(key - lo) << 32 | position``; the positions and keys are
    then read through uint32 views of that array, without copies.
    """
    b = plan.buckets[j]
    packed = np.empty(b.count, dtype=np.uint64)
    fill = 0
    for sl in _chunks(x.size, chunk):
        idx = np.flatnonzero(ids[sl] == j)
        if idx.size:
            part = packed[fill:fill + idx.size]
            np.left_shift((_keys(x[sl][idx]) - np.uint32(b.lo)).astype(np.uint64),
                          np.uint64(32), out=part)
            part |= (idx + sl.start).astype(np.uint64)
            fill += idx.size
    packed.sort()
    words = packed.view(np.uint32)
    low, high = (0, 1) if np.little_endian else (1, 0)
    pos, skeys = words[low::2], words[high::2]
    m = b.count
    new = np.empty(m, dtype=bool)
    new[0] = True
    np.not_equal(skeys[1:], skeys[:-1], out=new[1:])
    if new.all():  # no ties: ranks below + 1, below + 2, ...
        r2 = np.arange(m, dtype=np.uint32)
        r2 += np.uint32(b.below + 1)
        r2 *= np.uint32(2)
        return pos, r2
    starts = np.flatnonzero(new)
    del new
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    ends[-1] = m - 1
    # 1-based ranks below + start + 1 ... below + end + 1; doubled average, per tie group:
    group = (2 * b.below + 2 + starts + ends).astype(np.uint32)
    return pos, np.repeat(group, ends - starts + 1)


def _centred_dot(r2: NDArray, centre: int, other: NDArray | None = None) -> float:
    """Sum of (r2 - centre) * (other - centre) (or squared) in float64, in slices."""
    total = []
    step = 1 << 22
    for s in range(0, r2.size, step):
        d = r2[s:s + step].astype(np.float64) - centre
        o = d if other is None else other[s:s + step].astype(np.float64) - centre
        total.append(float(np.dot(d, o)))
    return math.fsum(total)


def _rank_into(x: NDArray, store: NDArray, chunk: int) -> float:
    """Write doubled average ranks of ``x`` into ``store`` (uint32); return sum of centred^2.

    ``store`` may be ``x``'s own buffer viewed as uint32: every value is read (for its
    bucket id and, in its bucket's turn, its key) before its rank overwrites it.
    """
    n = x.size
    plan = _plan(x, chunk, _BUCKET)
    ids = _bucket_ids(x, plan, chunk)
    centre = n + 1
    total = []
    for j, b in enumerate(plan.buckets):
        if b.tie:
            r2 = 2 * b.below + b.count + 1
            for sl in _chunks(n, chunk):
                store[sl][ids[sl] == j] = r2
            total.append(b.count * float(r2 - centre) ** 2)
            continue
        pos, r2 = _bucket_ranks(x, plan, j, ids, chunk)
        store[pos] = r2
        total.append(_centred_dot(r2, centre))
    return math.fsum(total)


def _cross_with_ranks(y: NDArray, store: NDArray, chunk: int) -> tuple[float, float]:
    """Sum over pairs of centred doubled ranks of ``y`` times those in ``store``; and of y^2."""
    n = y.size
    centre = n + 1
    plan = _plan(y, chunk, _BUCKET)
    ids = _bucket_ids(y, plan, chunk)
    cross, sq = [], []
    for j, b in enumerate(plan.buckets):
        if b.tie:
            r2 = 2 * b.below + b.count + 1
            s = 0.0
            for sl in _chunks(n, chunk):
                s += float(np.sum(store[sl][ids[sl] == j], dtype=np.float64)) - centre * int(
                    np.count_nonzero(ids[sl] == j))
            cross.append(s * (r2 - centre))
            sq.append(b.count * float(r2 - centre) ** 2)
            continue
        pos, r2 = _bucket_ranks(y, plan, j, ids, chunk)
        cross.append(_centred_dot(r2, centre, store[pos]))
        sq.append(_centred_dot(r2, centre))
    return math.fsum(cross), math.fsum(sq)


def _spearman_large(a: NDArray, b: NDArray, chunk: int, overwrite_a: bool) -> float:
    a32 = np.asarray(a, dtype=np.float32)
    b32 = np.asarray(b, dtype=np.float32)
    in_place = overwrite_a and np.shares_memory(a32, a)
    store = a32.view(np.uint32) if in_place else np.empty(a32.size, dtype=np.uint32)
    saa = _rank_into(a32, store, chunk)
    sab, sbb = _cross_with_ranks(b32, store, chunk)
    denom = math.sqrt(saa * sbb)
    return float("nan") if denom == 0 else max(-1.0, min(1.0, sab / denom))


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------


def _check_vec(x: Any, name: str) -> NDArray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise RDMInputError(f"{name} must be a condensed (1-D) dissimilarity vector")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def rsa_large(
    a: ArrayLike,
    b: ArrayLike,
    method: LargeMethod = "pearson",
    *,
    chunk_size: int = _DEFAULT_CHUNK,
    overwrite_a: bool = False,
) -> float:
    r"""Compare two large condensed RDMs (dissimilarities) chunk by chunk.

    Parameters
    ----------
    a, b : array_like, shape (n_pairs,)
        Condensed dissimilarities (:func:`scipy.spatial.distance.squareform` order) of the
        same items, any float dtype (float32 recommended), possibly ``numpy.memmap``. No
        NaN or infinity.
    method : {"pearson", "cosine", "spearman"}
        Comparator, as in :func:`cogalign.metrics.rsa`. Spearman ranks the values as float32
        (values equal in float32 are ties).
    chunk_size : int
        Entries per chunk.
    overwrite_a : bool
        Spearman only: let the ranks of ``a`` replace its values in place (``a`` must be a
        float32 array; its contents are destroyed). Saves one 4-byte-per-pair array.

    Returns
    -------
    float
        The comparison value; equals :func:`cogalign.metrics.rsa` on the same values.

    Notes
    -----
    Memory beyond the inputs: a few chunks for Pearson and cosine; for Spearman one byte
    per pair (bucket index), one uint32 rank array (none with ``overwrite_a``) and one
    bucket of at most :math:`2^{23}` values. See the module docstring for the algorithm.
    """
    va, vb = _check_vec(a, "a"), _check_vec(b, "b")
    if va.shape != vb.shape:
        raise RDMInputError(f"a and b differ in length: {va.size} vs {vb.size}")
    n_items_from_pairs(va.size)
    size = va.size
    for sl in _chunks(size, chunk_size):
        if not (np.isfinite(va[sl]).all() and np.isfinite(vb[sl]).all()):
            raise RDMInputError("rsa_large does not take NaN (missing) or infinite values")
    if method == "spearman":
        return _spearman_large(va, vb, chunk_size, overwrite_a)
    if method in ("pearson", "corr"):
        mom = _Moments(centre=True)
    elif method == "cosine":
        mom = _Moments(centre=False)
    else:
        raise ValueError("rsa_large supports method 'pearson', 'cosine' or 'spearman'")
    for sl in _chunks(size, chunk_size):
        mom.add(va[sl], vb[sl])
    return mom.corr()


def rsa_embeddings(
    x: ArrayLike,
    y: ArrayLike,
    metric: str = "euclidean",
    method: LargeMethod = "spearman",
    *,
    metric_y: str | None = None,
    rows_per_chunk: int | None = None,
) -> float:
    """Compare the RDMs of two embeddings of the same items, with bounded memory.

    Pearson and cosine compute the dissimilarities of
    :func:`cogalign.metrics.rdm_from_embedding` block by block (float64) and never store an
    RDM. Spearman stores both RDMs as condensed float32 and ranks the first in place, so its
    peak memory is about ``9 * n_pairs`` bytes plus one bucket (3.4 GB for 26,107 items).

    Parameters
    ----------
    x, y : array_like, shape (n_items, n_features_x) and (n_items, n_features_y)
        Embeddings, one row per item, rows in the same item order.
    metric : str
        Dissimilarity for ``x``: euclidean, sqeuclidean, correlation or cosine.
    method : {"pearson", "cosine", "spearman"}
        RDM comparator.
    metric_y : str, optional
        Dissimilarity for ``y`` (default: ``metric``).
    rows_per_chunk : int, optional
        Rows per block (default: about 2 million pairs per block).

    Returns
    -------
    float
        Equal to ``rsa(rdm_from_embedding(x, metric), rdm_from_embedding(y, metric_y),
        method)`` (Spearman: on the float32-rounded dissimilarities).
    """
    metric_y = metric if metric_y is None else metric_y
    for m in (metric, metric_y):
        if m not in ("euclidean", "sqeuclidean", "correlation", "cosine"):
            raise ValueError(f"unknown metric {m!r}")
    nx, ny = np.shape(x)[0], np.shape(y)[0]
    if nx != ny:
        raise RDMInputError(f"x and y must have the same items (rows): {nx} vs {ny}")
    n = nx
    chunk = rows_per_chunk or max(1, min(n, 2_000_000 // max(n, 1)))
    if method == "spearman":
        a = rdm_from_embedding(x, metric, dtype=np.float32, chunk_size=chunk)
        b = rdm_from_embedding(y, metric_y, dtype=np.float32, chunk_size=chunk)
        return _spearman_large(a, b, _DEFAULT_CHUNK, overwrite_a=True)
    if method not in ("pearson", "corr", "cosine"):
        raise ValueError("rsa_embeddings supports method 'pearson', 'cosine' or 'spearman'")
    xa, ya = as_2d_float(x, "x"), as_2d_float(y, "y")
    xa, ya = _prepare_embedding(xa, metric), _prepare_embedding(ya, metric_y)
    sqx = np.einsum("ij,ij->i", xa, xa)
    sqy = np.einsum("ij,ij->i", ya, ya)
    mom = _Moments(centre=method != "cosine")
    for s in range(0, n - 1, chunk):
        e = min(n - 1, s + chunk)
        size = (e - s) * (n - s) - (e - s) * (e - s + 1) // 2
        bx, by = np.empty(size), np.empty(size)
        _upper_rows(_block_distances(xa[s:e], xa[s:], sqx[s:e], sqx[s:], metric), bx, 0)
        _upper_rows(_block_distances(ya[s:e], ya[s:], sqy[s:e], sqy[s:], metric_y), by, 0)
        mom.add(bx, by)
    return mom.corr()
