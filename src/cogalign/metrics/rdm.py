"""Representational dissimilarity matrices (RDMs): container, conversions and construction.

Convention used everywhere in :mod:`cogalign.metrics`
-----------------------------------------------------
An RDM holds **dissimilarities**: ``d_ii = 0`` and a larger ``d_ij`` means items ``i`` and
``j`` are more different. Every function that takes an RDM takes dissimilarities, accepts a
square matrix ``(n, n)``, a condensed vector ``(n*(n-1)/2,)`` in
:func:`scipy.spatial.distance.squareform` order (row-major upper triangle), or stacks of
either, and checks its input (square, symmetric, zero diagonal; non-negative where a
function needs it). Similarities (ratings of "how similar", correlation matrices,
choice-probability similarities) are converted *explicitly* with
:func:`similarity_to_dissimilarity`, which needs the top of the similarity scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.metrics._checks import RDMInputError, as_2d_float, n_items_from_pairs, parse_rdms

__all__ = [
    "RDMs",
    "RatingsRDMs",
    "condensed_index",
    "dissimilarity_to_similarity",
    "rank_transform",
    "rdm_from_embedding",
    "rdm_from_ratings",
    "similarity_to_dissimilarity",
    "to_condensed",
    "to_square",
]

EmbeddingMetric = Literal["euclidean", "sqeuclidean", "correlation", "cosine"]


@dataclass(frozen=True, eq=False)
class RDMs:
    """One or more RDMs over the same items, stored condensed, with item labels.

    Holds **dissimilarities** (see the module docstring). ``vectors`` has shape
    ``(n_rdms, n_items * (n_items - 1) / 2)`` in :func:`scipy.spatial.distance.squareform`
    order; NaN marks a missing dissimilarity.

    Parameters
    ----------
    vectors : ndarray
        Condensed dissimilarities, one row per RDM (a 1-D vector is one RDM).
    labels : sequence of str, optional
        One label per item (row/column of the square form).
    names : sequence of str, optional
        One name per RDM (e.g. participant ids or model names).

    Examples
    --------
    >>> import numpy as np
    >>> from cogalign.metrics import RDMs
    >>> r = RDMs.from_array(np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0.]]), labels=["a", "b", "c"])
    >>> r.n_items, r.n_rdms, r.vectors.tolist()
    (3, 1, [[1.0, 2.0, 3.0]])
    """

    vectors: NDArray[np.floating]
    labels: tuple[str, ...] | None = None
    names: tuple[str, ...] | None = None
    n_items: int = field(init=False)

    def __post_init__(self) -> None:
        vec = np.asarray(self.vectors)
        if vec.ndim == 1:
            vec = vec[None, :]
        if vec.ndim != 2:
            raise RDMInputError(f"RDMs.vectors must be 1-D or 2-D; got shape {vec.shape}")
        if not np.issubdtype(vec.dtype, np.floating):
            vec = vec.astype(np.float64)
        object.__setattr__(self, "vectors", vec)
        n = n_items_from_pairs(vec.shape[1])
        object.__setattr__(self, "n_items", n)
        if self.labels is not None:
            labels = tuple(str(s) for s in self.labels)
            if len(labels) != n:
                raise RDMInputError(f"RDMs has {n} items but {len(labels)} labels")
            object.__setattr__(self, "labels", labels)
        if self.names is not None:
            names = tuple(str(s) for s in self.names)
            if len(names) != vec.shape[0]:
                raise RDMInputError(f"RDMs has {vec.shape[0]} RDMs but {len(names)} names")
            object.__setattr__(self, "names", names)

    @classmethod
    def from_array(
        cls,
        x: Any,
        labels: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
    ) -> RDMs:
        """Build from any accepted RDM form (square, condensed, stacks; dissimilarities).

        The input is checked (symmetric, zero diagonal). Objects with ``.rdms``/``.names``
        (such as the ``rsa92`` stack from :func:`cogalign.data.load`) keep their names.
        """
        if names is None and hasattr(x, "names") and not isinstance(x, np.ndarray):
            names = list(x.names)
        parsed = parse_rdms(x, "x")
        return cls(parsed.vectors, labels=labels if labels is not None else parsed.labels,
                   names=names)

    @property
    def n_rdms(self) -> int:
        """Number of RDMs in the stack."""
        return int(self.vectors.shape[0])

    @property
    def n_pairs(self) -> int:
        """Number of item pairs, ``n_items * (n_items - 1) / 2``."""
        return int(self.vectors.shape[1])

    def square(self) -> NDArray[np.floating]:
        """Square form, shape ``(n_rdms, n_items, n_items)``, zero diagonal."""
        return to_square(self.vectors)

    def mean(self) -> RDMs:
        """The NaN-ignoring mean RDM (pairs missing in every RDM stay NaN)."""
        with np.errstate(invalid="ignore"):
            count = np.sum(~np.isnan(self.vectors), axis=0)
            total = np.nansum(self.vectors, axis=0)
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        return RDMs(mean[None, :], labels=self.labels, names=("mean",))

    def __len__(self) -> int:
        return self.n_rdms

    def __getitem__(self, index: int | slice | Sequence[int] | NDArray) -> RDMs:
        idx = np.atleast_1d(np.arange(self.n_rdms)[index])
        names = None if self.names is None else tuple(self.names[i] for i in idx)
        return RDMs(self.vectors[idx], labels=self.labels, names=names)


def condensed_index(i: ArrayLike, j: ArrayLike, n: int) -> NDArray[np.intp]:
    """Position of pair ``(i, j)`` (``i != j``) in a condensed vector of ``n`` items.

    ``k = n*a - a*(a+1)/2 + (b - a - 1)`` with ``a = min(i, j)``, ``b = max(i, j)``,
    the order of :func:`scipy.spatial.distance.squareform`.
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if np.any(i == j):
        raise RDMInputError("condensed_index: a pair of an item with itself has no position")
    a = np.minimum(i, j)
    b = np.maximum(i, j)
    return (n * a - a * (a + 1) // 2 + (b - a - 1)).astype(np.intp)


def to_condensed(x: Any, *, check: bool = True) -> NDArray[np.floating]:
    """Condensed form of one RDM ``(n_pairs,)`` or a stack ``(m, n_pairs)``.

    Takes dissimilarities (square or already condensed) and checks them (symmetric, zero
    diagonal) unless ``check=False``. The order is that of
    :func:`scipy.spatial.distance.squareform`.
    """
    parsed = parse_rdms(x, "x", check=check)
    return parsed.vectors[0] if parsed.single else parsed.vectors


def to_square(x: Any) -> NDArray[np.floating]:
    """Square form ``(n, n)`` of one RDM, or ``(m, n, n)`` of a stack, zero diagonal.

    Takes dissimilarities in condensed (:func:`scipy.spatial.distance.squareform` order) or
    square form.
    """
    parsed = parse_rdms(x, "x")
    vec = parsed.vectors
    n = parsed.n_items
    out = np.zeros((vec.shape[0], n, n), dtype=vec.dtype)
    iu, ju = np.triu_indices(n, k=1)
    out[:, iu, ju] = vec
    out[:, ju, iu] = vec
    return out[0] if parsed.single else out


def similarity_to_dissimilarity(
    sim: ArrayLike,
    *,
    scale_max: float,
    scale_min: float | None = None,
) -> NDArray[np.float64]:
    """Convert similarities to dissimilarities explicitly: ``d = scale_max - s``.

    Parameters
    ----------
    sim : array_like
        Similarities, square ``(n, n)`` (the diagonal is ignored and set to 0 in the output),
        a stack ``(m, n, n)``, or condensed vectors. NaN stays NaN.
    scale_max : float
        The top of the similarity scale, i.e. the similarity of an item with itself
        (100 for a 0-100 slider, 7 for a 1-7 Likert scale, 1 for correlations or choice
        probabilities).
    scale_min : float, optional
        The bottom of the scale. When given, values outside ``[scale_min, scale_max]`` raise
        an error (catching a mistaken scale).

    Returns
    -------
    ndarray
        Dissimilarities ``scale_max - s`` (range ``[0, scale_max - scale_min]``), same shape
        as ``sim`` with 0 on the diagonal of square input.

    Notes
    -----
    A linear flip keeps every rank and every linear correlation with other RDMs up to sign,
    so no information is lost; the point of doing it explicitly is that the scale top is
    stated, never guessed (rsatoolbox #143 is the kind of error this prevents).

    Examples
    --------
    >>> import numpy as np
    >>> similarity_to_dissimilarity(np.array([[1.0, 0.2], [0.2, 1.0]]), scale_max=1.0)
    array([[0. , 0.8],
           [0.8, 0. ]])
    """
    s = np.array(sim, dtype=np.float64)
    if s.ndim >= 2 and s.shape[-1] == s.shape[-2]:
        n = s.shape[-1]
        off = ~np.eye(n, dtype=bool)
        vals = s[..., off]
    else:
        vals = s
    if np.any(vals[~np.isnan(vals)] > scale_max + 1e-12):
        raise RDMInputError(
            f"similarities above scale_max={scale_max:g} (max {np.nanmax(vals):g}); "
            "is scale_max right, and are these similarities?"
        )
    if scale_min is not None and np.any(vals[~np.isnan(vals)] < scale_min - 1e-12):
        raise RDMInputError(
            f"similarities below scale_min={scale_min:g} (min {np.nanmin(vals):g})"
        )
    d = scale_max - s
    if s.ndim >= 2 and s.shape[-1] == s.shape[-2]:
        idx = np.arange(s.shape[-1])
        d[..., idx, idx] = 0.0
    return d


def dissimilarity_to_similarity(
    rdm: ArrayLike, *, scale_max: float
) -> NDArray[np.float64]:
    """Inverse of :func:`similarity_to_dissimilarity`: ``s = scale_max - d``.

    Takes dissimilarities (square or condensed); square output gets ``scale_max`` on the
    diagonal.
    """
    d = np.array(rdm, dtype=np.float64)
    s = scale_max - d
    if d.ndim >= 2 and d.shape[-1] == d.shape[-2]:
        idx = np.arange(d.shape[-1])
        s[..., idx, idx] = scale_max
    return s


def rank_transform(x: Any) -> NDArray[np.float64]:
    """Rank-transform each RDM (average ranks for ties, NaN kept), condensed output.

    Takes dissimilarities. Useful before averaging RDMs for a Spearman-based analysis
    (Nili et al. 2014).
    """
    from scipy.stats import rankdata

    parsed = parse_rdms(x, "x")
    out = rankdata(parsed.vectors, axis=1, nan_policy="omit")
    out = np.where(np.isnan(parsed.vectors), np.nan, out)
    return out[0] if parsed.single else out


# --------------------------------------------------------------------------------------------
# RDMs from embeddings
# --------------------------------------------------------------------------------------------


def _prepare_embedding(x: NDArray, metric: str) -> NDArray:
    if metric == "correlation":
        x = x - x.mean(axis=1, keepdims=True)
    if metric in ("correlation", "cosine"):
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))
        if np.any(norms == 0):
            bad = int(np.argmax(norms == 0))
            raise RDMInputError(
                f"{metric} distance is undefined for row {bad}: its "
                f"{'centred ' if metric == 'correlation' else ''}vector has zero length"
            )
        x = x / norms[:, None]
    return x


def _block_distances(
    xa: NDArray, xb: NDArray, sqa: NDArray, sqb: NDArray, metric: str
) -> NDArray:
    g = xa @ xb.T
    if metric in ("correlation", "cosine"):
        np.subtract(1.0, g, out=g)
        np.clip(g, 0.0, 2.0, out=g)
        return g
    g *= -2.0
    g += sqa[:, None]
    g += sqb[None, :]
    np.maximum(g, 0.0, out=g)
    if metric == "euclidean":
        np.sqrt(g, out=g)
    return g


def _upper_rows(block: NDArray, out: NDArray, pos: int) -> int:
    """Copy the strict upper triangle of a row block into ``out`` from ``pos`` on.

    ``block`` holds rows ``s..e-1`` against columns ``s..n-1``; row ``r`` contributes its
    entries right of the diagonal, which are contiguous in condensed order. Returns the next
    position.
    """
    for r in range(block.shape[0]):
        seg = block[r, r + 1:]
        out[pos:pos + seg.size] = seg
        pos += seg.size
    return pos


def rdm_from_embedding(
    x: ArrayLike,
    metric: EmbeddingMetric = "euclidean",
    *,
    dtype: type = np.float64,
    chunk_size: int | None = None,
    out: NDArray | None = None,
) -> NDArray[np.floating]:
    r"""Condensed RDM (dissimilarities) from an items x features embedding.

    Built in row chunks so that only the condensed output (``n(n-1)/2`` values of ``dtype``)
    and one ``chunk_size x n`` block are ever in memory: 26,107 items in float32 take
    1.36 GB.

    Parameters
    ----------
    x : array_like, shape (n_items, n_features)
        One row per item.
    metric : {"euclidean", "sqeuclidean", "correlation", "cosine"}
        * euclidean: :math:`d_{ij} = \lVert x_i - x_j \rVert_2`
        * sqeuclidean: :math:`d_{ij} = \lVert x_i - x_j \rVert_2^2` (rsatoolbox's
          ``"euclidean"`` RDM is this divided by ``n_features``)
        * correlation: :math:`d_{ij} = 1 - r(x_i, x_j)` (Pearson across features)
        * cosine: :math:`d_{ij} = 1 - x_i^\top x_j / (\lVert x_i\rVert \lVert x_j\rVert)`
    dtype : numpy dtype, default float64
        Storage type of the result; use ``np.float32`` for very large item sets. The
        arithmetic is always float64.
    chunk_size : int, optional
        Rows per block (default: blocks of about 32 MB).
    out : ndarray, optional
        Preallocated condensed output of length ``n(n-1)/2`` (e.g. a ``numpy.memmap``).

    Returns
    -------
    ndarray, shape (n_items * (n_items - 1) / 2,)
        Condensed dissimilarities in :func:`scipy.spatial.distance.squareform` order,
        equal to ``scipy.spatial.distance.pdist(x, metric)`` up to rounding.

    Notes
    -----
    Uses :math:`\lVert a-b\rVert^2 = \lVert a\rVert^2 + \lVert b\rVert^2 - 2a^\top b` with
    BLAS matrix products, clipped at 0; the relative rounding error is about
    :math:`10^{-12}` except for near-duplicate rows. Kriegeskorte et al. (2008) introduced
    RDMs of this kind for representational similarity analysis.

    References
    ----------
    Kriegeskorte, N., Mur, M., & Bandettini, P. (2008). Representational similarity
    analysis - connecting the branches of systems neuroscience. Front. Syst. Neurosci. 2:4.
    """
    if metric not in ("euclidean", "sqeuclidean", "correlation", "cosine"):
        raise ValueError(
            f"unknown metric {metric!r}; use euclidean, sqeuclidean, correlation or cosine"
        )
    arr = as_2d_float(x, "x")
    n = arr.shape[0]
    arr = _prepare_embedding(arr, metric)
    sq = np.einsum("ij,ij->i", arr, arr)
    n_pairs = n * (n - 1) // 2
    if out is None:
        out = np.empty(n_pairs, dtype=dtype)
    elif out.shape != (n_pairs,):
        raise RDMInputError(f"out must have shape ({n_pairs},); got {out.shape}")
    if chunk_size is None:
        chunk_size = max(1, min(n, 4_000_000 // max(n, 1)))
    start = 0
    for s in range(0, n - 1, chunk_size):
        e = min(n - 1, s + chunk_size)
        block = _block_distances(arr[s:e], arr[s:], sq[s:e], sq[s:], metric)
        start = _upper_rows(block, out, start)
    return out


# --------------------------------------------------------------------------------------------
# RDMs from pairwise ratings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RatingsRDMs:
    """Per-participant RDMs built from pairwise ratings (dissimilarities).

    Attributes
    ----------
    rdms : RDMs
        One condensed dissimilarity RDM per participant (``names`` = participant ids);
        NaN where the participant did not rate the pair.
    counts : ndarray, shape (n_participants, n_pairs)
        How many ratings went into each entry (repeated pairs are averaged).
    labels : tuple of str
        Item labels (the items' order in the RDMs).
    """

    rdms: RDMs
    counts: NDArray[np.int64]
    labels: tuple[str, ...]

    @property
    def participants(self) -> tuple[str, ...]:
        """Participant ids, one per RDM."""
        assert self.rdms.names is not None
        return self.rdms.names

    def mean(self) -> RDMs:
        """Group RDM: the mean over participants of each pair (NaN-ignoring)."""
        return self.rdms.mean()

    def coverage(self) -> float:
        """Fraction of (participant, pair) entries that have at least one rating."""
        return float(np.mean(self.counts > 0))


def _column(data: Any, key: Any) -> NDArray:
    if data is not None and isinstance(key, str):
        return np.asarray(data[key])
    if key is None:
        raise RDMInputError("rdm_from_ratings: a required column is missing")
    return np.asarray(key)


def rdm_from_ratings(
    data: Any = None,
    *,
    participant: Any = "participant_id",
    item_a: Any = "item_1",
    item_b: Any = "item_2",
    rating: Any = "response",
    kind: Literal["similarity", "dissimilarity"],
    scale: tuple[float, float],
    labels: Sequence[Any] | None = None,
) -> RatingsRDMs:
    """Per-participant dissimilarity RDMs from pairwise ratings.

    Each rating of a pair ``(a, b)`` becomes a dissimilarity: for ``kind="similarity"``,
    ``d = scale_max - rating`` (the explicit flip of :func:`similarity_to_dissimilarity`);
    for ``kind="dissimilarity"`` the rating is kept. Repeated ratings of a pair by the same
    participant (in either order) are averaged; unrated pairs are NaN.

    Parameters
    ----------
    data : table, optional
        Anything indexable by column name (a pandas DataFrame, a dict of arrays). When
        given, ``participant``, ``item_a``, ``item_b`` and ``rating`` name its columns;
        otherwise they are arrays of equal length.
    participant, item_a, item_b, rating : str or array_like
        Column names (with ``data``) or arrays: who rated, the two items, the rating.
    kind : {"similarity", "dissimilarity"}
        What the rating scale measures. Required: it is never guessed.
    scale : (float, float)
        ``(scale_min, scale_max)`` of the rating scale, e.g. ``(0, 100)`` or ``(1, 7)``.
        Ratings outside it raise an error.
    labels : sequence, optional
        All items, in the order wanted for the RDM rows (items never rated get NaN rows).
        Default: the sorted unique items seen.

    Returns
    -------
    RatingsRDMs
        ``.rdms`` (one dissimilarity RDM per participant), ``.counts``, ``.labels``,
        ``.mean()`` for the group RDM.

    Examples
    --------
    >>> r = rdm_from_ratings(participant=["p1", "p1", "p1", "p2"], item_a=["a", "a", "b", "a"],
    ...                      item_b=["b", "c", "c", "b"], rating=[7, 1, 4, 6],
    ...                      kind="similarity", scale=(1, 7))
    >>> r.rdms.vectors.tolist()
    [[0.0, 6.0, 3.0], [1.0, nan, nan]]
    """
    if kind not in ("similarity", "dissimilarity"):
        raise ValueError("kind must be 'similarity' or 'dissimilarity'")
    lo, hi = float(scale[0]), float(scale[1])
    if not hi > lo:
        raise ValueError(f"scale must be (min, max) with max > min; got {scale}")
    p = _column(data, participant)
    a = _column(data, item_a)
    b = _column(data, item_b)
    r = _column(data, rating).astype(np.float64)
    if not (len(p) == len(a) == len(b) == len(r)):
        raise RDMInputError("participant, item_a, item_b and rating must have equal length")
    keep = ~np.isnan(r)
    p, a, b, r = p[keep], a[keep], b[keep], r[keep]
    out_of_scale = (r < lo - 1e-12) | (r > hi + 1e-12)
    if np.any(out_of_scale):
        row = int(np.flatnonzero(keep)[np.argmax(out_of_scale)])
        raise RDMInputError(
            f"rating {r[np.argmax(out_of_scale)]:g} in row {row} is outside the scale {scale}"
        )
    if labels is None:
        items = np.unique(np.concatenate([a, b]))
    else:
        items = np.asarray(list(labels))
        if len(np.unique(items)) != len(items):
            raise RDMInputError("labels must be unique")
    order = np.argsort(items, kind="stable")
    sorted_items = items[order]

    def _lookup(v: NDArray, which: str) -> NDArray:
        pos = np.searchsorted(sorted_items, v)
        pos = np.clip(pos, 0, len(sorted_items) - 1)
        found = sorted_items[pos] == v
        if not np.all(found):
            raise RDMInputError(f"{which} has items not in labels, e.g. {v[~found][0]!r}")
        return order[pos]

    ia, ib = _lookup(a, "item_a"), _lookup(b, "item_b")
    if np.any(ia == ib):
        row = int(np.flatnonzero(keep)[np.argmax(ia == ib)])
        raise RDMInputError(f"row {row} rates an item against itself ({a[ia == ib][0]!r})")
    n = len(items)
    if n < 3:
        raise RDMInputError(f"ratings cover only {n} items; an RDM needs at least 3")
    k = condensed_index(ia, ib, n)
    d = hi - r if kind == "similarity" else r
    pid, pinv = np.unique(p.astype(str), return_inverse=True)
    n_pairs = n * (n - 1) // 2
    flat = pinv.astype(np.int64) * n_pairs + k
    sums = np.bincount(flat, weights=d, minlength=len(pid) * n_pairs).reshape(len(pid), n_pairs)
    counts = np.bincount(flat, minlength=len(pid) * n_pairs).reshape(len(pid), n_pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        vec = np.where(counts > 0, sums / counts, np.nan)
    labels_out = tuple(str(s) for s in items)
    return RatingsRDMs(RDMs(vec, labels=labels_out, names=tuple(pid)), counts, labels_out)
