"""Input checks shared by the metrics modules (internal).

The one convention of :mod:`cogalign.metrics`: every function that takes an RDM takes
*dissimilarities* (0 on the diagonal, larger = more different). Similarities are converted
explicitly with :func:`cogalign.metrics.similarity_to_dissimilarity`. The helpers here turn
the accepted input forms into a stack of condensed vectors and raise
:class:`RDMInputError` with a message that says what is wrong and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError

__all__ = ["RDMInputError", "as_rng", "n_items_from_pairs", "parse_rdms"]


class RDMInputError(CogalignError, ValueError):
    """An array given as an RDM (or as data for a metric) does not have the required form."""


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from a seed, a generator or ``None``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        raise TypeError("pass an int seed or a numpy.random.Generator, not a legacy RandomState")
    return np.random.default_rng(seed)


def n_items_from_pairs(n_pairs: int) -> int:
    """Number of items ``n`` such that ``n * (n - 1) / 2 == n_pairs``; error if none."""
    n = int(round((1 + np.sqrt(1 + 8 * n_pairs)) / 2))
    if n * (n - 1) // 2 != n_pairs:
        raise RDMInputError(
            f"a condensed RDM vector must have n*(n-1)/2 entries for some n; got {n_pairs}"
        )
    return n


@dataclass(frozen=True, eq=False)
class ParsedRDMs:
    """A stack of RDMs as condensed vectors (internal)."""

    vectors: NDArray[np.floating]
    n_items: int
    single: bool
    labels: list[str] | None = None


def _check_square_stack(mats: NDArray, name: str, atol: float) -> None:
    n = mats.shape[-1]
    diag = mats[:, np.arange(n), np.arange(n)]
    finite = np.isfinite(diag)
    bad = finite & (np.abs(diag) > atol)
    if np.any(bad):
        i_rdm = int(np.argmax(bad.any(axis=1)))
        d = diag[i_rdm][finite[i_rdm]]
        if d.size and np.allclose(d, d[0]):
            raise RDMInputError(
                f"{name}[{i_rdm}] has a constant diagonal of {d[0]:g}, so it looks like a "
                "similarity matrix. Functions here take dissimilarities (0 on the diagonal); "
                "convert first, e.g. similarity_to_dissimilarity(sim, scale_max=...)."
            )
        raise RDMInputError(
            f"{name}[{i_rdm}] has non-zero diagonal entries (max |d_ii| = "
            f"{np.max(np.abs(d)):g}); a dissimilarity matrix has 0 on its diagonal."
        )
    # symmetry, NaN-aware
    diff = mats - np.swapaxes(mats, -1, -2)
    nan_a = np.isnan(mats)
    if np.any(nan_a != np.swapaxes(nan_a, -1, -2)):
        raise RDMInputError(f"{name} is not symmetric: its NaN entries are not mirrored")
    diff = np.where(nan_a, 0.0, diff)
    scale = max(1.0, float(np.nanmax(np.abs(mats))) if np.any(~nan_a) else 1.0)
    if np.any(np.abs(diff) > atol * scale):
        i_rdm = int(np.argmax(np.abs(diff).reshape(len(mats), -1).max(axis=1)))
        raise RDMInputError(
            f"{name}[{i_rdm}] is not symmetric (max |d_ij - d_ji| = "
            f"{np.abs(diff[i_rdm]).max():g}); an RDM must be symmetric."
        )


def _square_to_vectors(mats: NDArray) -> NDArray:
    n = mats.shape[-1]
    iu, ju = np.triu_indices(n, k=1)
    return mats[:, iu, ju]


def parse_rdms(
    x: Any,
    name: str = "rdm",
    *,
    allow_nan: bool = True,
    nonnegative: bool = False,
    check: bool = True,
    atol: float = 1e-8,
    dtype: type = np.float64,
) -> ParsedRDMs:
    """Read one RDM or a stack of RDMs into condensed vectors.

    Accepted forms (all dissimilarities): a condensed vector ``(n_pairs,)`` in
    :func:`scipy.spatial.distance.squareform` order, a square matrix ``(n, n)``, a stack of
    square matrices ``(m, n, n)``, a stack of condensed vectors ``(m, n_pairs)``, an
    :class:`cogalign.metrics.RDMs`, an rsatoolbox ``RDMs`` (anything with ``get_vectors``)
    or any object with an ``rdms`` array attribute (e.g. the ``rsa92`` stack). A 2-D array
    whose two sides are equal is read as one square RDM.
    """
    labels = None
    single = False
    if hasattr(x, "vectors") and hasattr(x, "n_items") and hasattr(x, "labels"):
        vec = np.asarray(x.vectors, dtype=dtype)
        labels = None if x.labels is None else list(x.labels)
        if vec.ndim == 1:
            vec, single = vec[None, :], True
        return ParsedRDMs(_finish(vec, name, allow_nan, nonnegative, check), int(x.n_items),
                          single, labels)
    if hasattr(x, "get_vectors") and callable(x.get_vectors):
        vec = np.asarray(x.get_vectors(), dtype=dtype)
        return ParsedRDMs(_finish(vec, name, allow_nan, nonnegative, check),
                          n_items_from_pairs(vec.shape[1]), False)
    if hasattr(x, "rdms") and not isinstance(x, np.ndarray):
        x = x.rdms
    arr = np.asarray(x, dtype=dtype)
    if arr.ndim == 1:
        vec, single = arr[None, :], True
        n = n_items_from_pairs(arr.shape[0])
    elif arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
        if check:
            _check_square_stack(arr[None], name, atol)
        vec, single, n = _square_to_vectors(arr[None]), True, arr.shape[0]
    elif arr.ndim == 2:
        vec = arr
        n = n_items_from_pairs(arr.shape[1])
    elif arr.ndim == 3:
        if arr.shape[1] != arr.shape[2]:
            raise RDMInputError(f"{name}: a 3-D stack must have shape (m, n, n); got {arr.shape}")
        if check:
            _check_square_stack(arr, name, atol)
        vec, n = _square_to_vectors(arr), arr.shape[1]
    else:
        raise RDMInputError(
            f"{name}: expected a condensed vector, a square matrix or a stack of either; "
            f"got an array of shape {arr.shape}"
        )
    if n < 3 and check:
        raise RDMInputError(f"{name}: an RDM needs at least 3 items; got {n}")
    return ParsedRDMs(_finish(vec, name, allow_nan, nonnegative, check), n, single)


def _finish(vec: NDArray, name: str, allow_nan: bool, nonnegative: bool, check: bool) -> NDArray:
    if not check:
        return vec
    if np.any(np.isinf(vec)):
        raise RDMInputError(f"{name} contains infinite values")
    if not allow_nan and np.any(np.isnan(vec)):
        raise RDMInputError(f"{name} contains NaN (missing) dissimilarities, not allowed here")
    if nonnegative and np.any(vec < 0):
        raise RDMInputError(
            f"{name} has negative dissimilarities (min {np.nanmin(vec):g}); this function "
            "needs non-negative dissimilarities"
        )
    return vec


def as_2d_float(x: ArrayLike, name: str, *, min_rows: int = 2) -> NDArray[np.float64]:
    """Check a data matrix (rows = items / stimuli, columns = features)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise RDMInputError(f"{name} must be a 2-D array (items x features); got {arr.shape}")
    if arr.shape[0] < min_rows:
        raise RDMInputError(f"{name} needs at least {min_rows} rows; got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise RDMInputError(f"{name} contains NaN or infinite values")
    return arr
