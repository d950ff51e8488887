"""Fast RSA under item resampling (internal).

Resampling items with replacement turns an RDM into a multiset of its original entries:
the pair of items ``(a, b)`` appears ``c_a * c_b`` times, where ``c`` counts how often each
item was drawn, and pairs of an item with its own copy are dropped (rsatoolbox sets them to
NaN). So comparing resampled RDMs equals comparing the original condensed vectors with
weights ``w_ab = c_a c_b``: weighted Pearson / cosine for ``pearson`` / ``cosine`` and,
with weighted average ranks, for ``spearman`` / ``rho-a``. This avoids building any
resampled RDM and gives the same numbers as resampling explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cogalign.metrics.compare import compare_vectors

WEIGHTED_METHODS = ("pearson", "cosine", "spearman", "rho-a")


def item_weights(samples: NDArray, n_items: int) -> NDArray[np.float64]:
    """Pair weights ``c_a c_b`` (condensed order) for each bootstrap sample, ``(B, p)``."""
    b = samples.shape[0]
    counts = np.zeros((b, n_items))
    np.add.at(counts, (np.repeat(np.arange(b), samples.shape[1]), samples.ravel()), 1.0)
    iu, ju = np.triu_indices(n_items, k=1)
    return counts[:, iu] * counts[:, ju]


@dataclass(frozen=True, eq=False)
class _SortedRows:
    """Sort order and tie groups of each row, precomputed once."""

    order: NDArray  # (r, p) argsort
    start: NDArray  # (r, p) first sorted position of the tie group (sorted order)
    end: NDArray  # (r, p) last sorted position of the tie group
    has_ties: NDArray  # (r,)


def _sorted_rows(v: NDArray) -> _SortedRows:
    r, p = v.shape
    order = np.argsort(v, axis=1)
    srt = np.take_along_axis(v, order, axis=1)
    new = np.ones((r, p), dtype=bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    idx = np.broadcast_to(np.arange(p), (r, p))
    start = np.maximum.accumulate(np.where(new, idx, 0), axis=1)
    last = np.ones((r, p), dtype=bool)
    last[:, :-1] = new[:, 1:]
    end = np.minimum.accumulate(np.where(last, idx, p - 1)[:, ::-1], axis=1)[:, ::-1]
    return _SortedRows(order, start, np.ascontiguousarray(end), ~new.all(axis=1))


def _doubled_ranks(ws: NDArray, rows: _SortedRows, n: NDArray) -> NDArray:
    """``2 * rank - (N + 1)`` in each row's sorted order, for sorted weights ``ws`` (B, r, p).

    Weighted average rank of an entry: (weight of all smaller entries) + (weight of its tie
    group + 1) / 2, with ``N`` the total weight, so the centred doubled rank is
    ``2 * before + group - N``; without ties ``before = cumsum - w`` and ``group = w``.
    """
    cs = np.cumsum(ws, axis=2)
    ties = bool(rows.has_ties.any())
    out = cs * 2.0 if ties else np.multiply(cs, 2.0, out=cs)
    out -= ws
    out -= n[:, None, None]
    if ties:
        b = ws.shape[0]
        pad = np.concatenate([np.zeros((b, ws.shape[1], 1), dtype=cs.dtype), cs], axis=2)
        for i in np.flatnonzero(rows.has_ties):
            before = pad[:, i, rows.start[i]]
            group = pad[:, i, rows.end[i] + 1] - before
            out[:, i] = 2.0 * before + group - n[:, None]
    return out


def weighted_rsa(
    data: NDArray,
    models: NDArray,
    weights: NDArray,
    method: str,
    *,
    batch: int = 16,
) -> NDArray[np.float64]:
    """RSA of every model with every data RDM under pair weights: ``(B, k, m)``.

    ``data`` (m, p) and ``models`` (k, p) are NaN-free condensed vectors, ``weights`` (B, p)
    non-negative pair weights (integer multiplicities from :func:`item_weights`).
    """
    n_boot = weights.shape[0]
    m, k = data.shape[0], models.shape[0]
    out = np.empty((n_boot, k, m))
    if method in ("pearson", "cosine"):
        x = data - data.mean(axis=1, keepdims=True) if method == "pearson" else data
        y = models - models.mean(axis=1, keepdims=True) if method == "pearson" else models
        n = weights.sum(axis=1)[:, None]
        sx, sxx = weights @ x.T, weights @ (x * x).T
        sy, syy = weights @ y.T, weights @ (y * y).T
        for j in range(k):
            sxy = weights @ (x * y[j]).T
            if method == "pearson":
                cov = sxy - sx * sy[:, j:j + 1] / n
                vx = sxx - sx * sx / n
                vy = syy[:, j:j + 1] - sy[:, j:j + 1] ** 2 / n
            else:
                cov, vx, vy = sxy, sxx, syy[:, j:j + 1]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, j, :] = np.clip(cov / np.sqrt(vx * vy), -1.0, 1.0)
        return out
    if method not in ("spearman", "rho-a"):
        raise ValueError(f"weighted RSA does not support {method!r}")
    drows, mrows = _sorted_rows(data), _sorted_rows(models)
    inv_m = np.argsort(mrows.order, axis=1)
    # Multiplicities, cumulative sums and doubled ranks are integers below 2**24 for up to
    # ~4,000 items, so float32 holds them exactly (half the memory traffic); products are
    # summed in float64, also exactly.
    exact32 = float(weights.sum(axis=1).max(initial=0)) * 2 + 2 < 2**24
    ftype = np.float32 if exact32 else np.float64
    weights32 = weights.astype(ftype)
    for s in range(0, n_boot, batch):
        w = weights32[s:s + batch]
        nb = w.shape[0]
        n = w.sum(axis=1, dtype=np.float64).astype(ftype)
        # model: centred doubled ranks in original order, (nb, k, p)
        um = np.take_along_axis(_doubled_ranks(np.take(w, mrows.order, axis=1), mrows, n),
                                np.broadcast_to(inv_m, (nb, k, w.shape[1])), axis=2)
        # data: centred doubled ranks in each data row's sorted order, (nb, m, p)
        wd = np.take(w, drows.order, axis=1)
        ud = _doubled_ranks(wd, drows, n)
        wd *= ud
        vx = np.einsum("bip,bip->bi", wd, ud, dtype=np.float64)
        n64 = n.astype(np.float64)
        for j in range(k):
            umj = np.take(um[:, j, :], drows.order, axis=1)
            sxy = np.einsum("bip,bip->bi", wd, umj, dtype=np.float64)
            if method == "spearman":
                umj_orig = um[:, j, :]
                vy = np.einsum("bp,bp,bp->b", w, umj_orig, umj_orig, dtype=np.float64)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[s:s + nb, j, :] = np.clip(sxy / np.sqrt(vx * vy[:, None]), -1.0, 1.0)
            else:
                # centred ranks are half the doubled ones: sum w r r' = sxy / 4
                out[s:s + nb, j, :] = 3.0 * sxy / (n64**3 - n64)[:, None]
    return out


def resampled_rsa_explicit(
    data: NDArray, models: NDArray, n_items: int, sample: NDArray, method: str
) -> NDArray[np.float64]:
    """RSA after resampling items explicitly (any comparator): ``(k, m)`` for one sample.

    Builds the condensed vectors over the drawn items (copies as separate items), drops
    the pairs of an item with its own copy (rsatoolbox's NaN) and compares.
    """
    sample = np.sort(np.asarray(sample))
    ns = sample.size
    iu, ju = np.triu_indices(ns, k=1)
    a, b = sample[iu], sample[ju]
    keep = a != b
    a, b = a[keep], b[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    idx = n_items * lo - lo * (lo + 1) // 2 + (hi - lo - 1)
    mask = None if keep.all() else keep
    return compare_vectors(models[:, idx], data[:, idx], method, ns, mask=mask)
