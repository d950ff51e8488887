r"""Centered kernel alignment (CKA): linear, RBF (median heuristic) and debiased.

These functions take **representations** (items x features matrices, rows = the same items
in both), not RDMs. CKA is a similarity in :math:`[0, 1]` (1 = same representational
geometry up to the invariances of the kernel).

.. math::

    \mathrm{CKA}(K, L) = \frac{\mathrm{HSIC}(K, L)}{\sqrt{\mathrm{HSIC}(K, K)\,
    \mathrm{HSIC}(L, L)}}, \qquad \mathrm{HSIC}(K, L) = \frac{\mathrm{tr}(K H L H)}{(n-1)^2},
    \quad H = I - \tfrac1n 11^\top

with :math:`K_{ij} = k(x_i, x_j)`, :math:`L_{ij} = l(y_i, y_j)`. Linear kernel
:math:`k(x, x') = x^\top x'` gives
:math:`\mathrm{CKA} = \lVert Y_c^\top X_c\rVert_F^2 / (\lVert X_c^\top X_c\rVert_F
\lVert Y_c^\top Y_c\rVert_F)` (columns centred), computed in feature space when
:math:`n > p`, which avoids the :math:`n \times n` Gram matrices. The RBF kernel is
:math:`k(x, x') = \exp(-\lVert x - x'\rVert^2 / (2\sigma^2))` with the median heuristic
:math:`\sigma = \text{threshold} \cdot \sqrt{\mathrm{median}_{i<j} \lVert x_i - x_j\rVert^2}`.
Debiased CKA replaces HSIC by its unbiased estimator (Song et al. 2012):

.. math::

    \mathrm{HSIC}_u = \frac{1}{n(n-3)}\Big[\mathrm{tr}(\tilde K\tilde L)
    + \frac{1^\top\tilde K 1\; 1^\top\tilde L 1}{(n-1)(n-2)}
    - \frac{2}{n-2}\,1^\top \tilde K \tilde L 1\Big]

where :math:`\tilde K, \tilde L` are the kernels with zeroed diagonals.

Invariances: linear CKA to orthogonal transforms and isotropic scaling of either
representation, and to translation; RBF CKA (median bandwidth) to orthogonal transforms,
translation and isotropic scaling.

References
----------
Kornblith, S., Norouzi, M., Lee, H., & Hinton, G. (2019). Similarity of neural network
representations revisited. ICML.

Song, L., Smola, A., Gretton, A., Bedo, J., & Borgwardt, K. (2012). Feature selection via
dependence maximization. JMLR 13, 1393-1434.

Gretton, A., Bousquet, O., Smola, A., & Schölkopf, B. (2005). Measuring statistical
dependence with Hilbert-Schmidt norms. ALT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.metrics._checks import RDMInputError, as_2d_float
from cogalign.metrics.rdm import _upper_rows

__all__ = ["cka", "cka_from_kernels", "linear_cka", "median_bandwidth", "rbf_cka"]


@dataclass(frozen=True)
class _KernelSums:
    """Sufficient statistics of a kernel for (debiased) HSIC."""

    diag: NDArray  # K_ii
    rows: NDArray  # row sums of K, diagonal included
    total: float  # 1' K 1


def _check_pair(x: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    xa = as_2d_float(x, "x", min_rows=4)
    ya = as_2d_float(y, "y", min_rows=4)
    if xa.shape[0] != ya.shape[0]:
        raise RDMInputError(
            f"x and y must describe the same items (rows): {xa.shape[0]} vs {ya.shape[0]}"
        )
    return xa, ya


def _hsic(skl: float, a: _KernelSums, b: _KernelSums, n: int, debiased: bool) -> float:
    """HSIC (times a constant that cancels in CKA) from sum(K*L) and kernel sums."""
    if not debiased:
        return skl - 2.0 / n * float(a.rows @ b.rows) + a.total * b.total / n**2
    tr = skl - float(a.diag @ b.diag)  # tr(K~ L~)
    ra, rb = a.rows - a.diag, b.rows - b.diag  # K~ 1
    sa, sb = a.total - a.diag.sum(), b.total - b.diag.sum()  # 1' K~ 1
    return (tr + sa * sb / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * float(ra @ rb)) / (n * (n - 3))


def _cka_from_parts(
    skl: float, skk: float, sll: float, a: _KernelSums, b: _KernelSums, n: int, debiased: bool
) -> float:
    if debiased and n < 4:
        raise RDMInputError("debiased CKA needs at least 4 items")
    hxy = _hsic(skl, a, b, n, debiased)
    hxx = _hsic(skk, a, a, n, debiased)
    hyy = _hsic(sll, b, b, n, debiased)
    denom = hxx * hyy
    if denom <= 0:
        return float("nan")
    return float(hxy / np.sqrt(denom))


def linear_cka(x: ArrayLike, y: ArrayLike, *, debiased: bool = False) -> float:
    r"""Linear CKA between two representations (rows = the same items).

    Parameters
    ----------
    x : array_like, shape (n_items, p)
    y : array_like, shape (n_items, q)
    debiased : bool
        Use the unbiased HSIC estimator (Song et al. 2012), as in Kornblith et al.'s
        debiased CKA; recommended when features outnumber items.

    Returns
    -------
    float
        :math:`\lVert Y_c^\top X_c\rVert_F^2 / (\lVert X_c^\top X_c\rVert_F
        \lVert Y_c^\top Y_c\rVert_F)` (biased form), in [0, 1].

    Notes
    -----
    Computed in feature space (cost :math:`O(n(p+q)^2)`) when ``n > p + q``, else from the
    Gram matrices. See the module docstring for formulas and references.
    """
    xa, ya = _check_pair(x, y)
    n = xa.shape[0]
    xa = xa - xa.mean(axis=0)
    ya = ya - ya.mean(axis=0)
    if n > xa.shape[1] + ya.shape[1]:
        xtx, yty, ytx = xa.T @ xa, ya.T @ ya, ya.T @ xa
        skl = float(np.sum(ytx * ytx))
        skk = float(np.sum(xtx * xtx))
        sll = float(np.sum(yty * yty))
        dx = np.einsum("ij,ij->i", xa, xa)
        dy = np.einsum("ij,ij->i", ya, ya)
        # columns are centred, so K 1 = X (X' 1) = 0
        a = _KernelSums(dx, np.zeros(n), 0.0)
        b = _KernelSums(dy, np.zeros(n), 0.0)
        return _cka_from_parts(skl, skk, sll, a, b, n, debiased)
    return cka_from_kernels(xa @ xa.T, ya @ ya.T, debiased=debiased)


def cka_from_kernels(kernel_x: ArrayLike, kernel_y: ArrayLike, *, debiased: bool = False) -> float:
    """CKA from two precomputed kernel (Gram) matrices over the same items.

    Takes **similarities** (kernel values, e.g. ``X @ X.T``), square, symmetric; no
    centring needed (it is part of HSIC). Formula in the module docstring.
    """
    ka = np.asarray(kernel_x, dtype=np.float64)
    la = np.asarray(kernel_y, dtype=np.float64)
    if ka.ndim != 2 or ka.shape[0] != ka.shape[1] or ka.shape != la.shape:
        raise RDMInputError("kernels must be square matrices of the same shape")
    n = ka.shape[0]
    a = _KernelSums(np.diag(ka).copy(), ka.sum(axis=1), float(ka.sum()))
    b = _KernelSums(np.diag(la).copy(), la.sum(axis=1), float(la.sum()))
    return _cka_from_parts(float(np.sum(ka * la)), float(np.sum(ka * ka)),
                           float(np.sum(la * la)), a, b, n, debiased)


def _sq_dist_condensed(x: NDArray, chunk_rows: int) -> NDArray:
    n = x.shape[0]
    sq = np.einsum("ij,ij->i", x, x)
    out = np.empty(n * (n - 1) // 2)
    pos = 0
    for s in range(0, n - 1, chunk_rows):
        e = min(n - 1, s + chunk_rows)
        g = x[s:e] @ x[s:].T
        g *= -2.0
        g += sq[s:e, None]
        g += sq[None, s:]
        np.maximum(g, 0.0, out=g)
        pos = _upper_rows(g, out, pos)
    return out


def median_bandwidth(x: ArrayLike, threshold: float = 1.0) -> float:
    r"""Median-heuristic RBF bandwidth :math:`\sigma = t\sqrt{\mathrm{median}_{i<j}\lVert x_i-x_j\rVert^2}`.

    The median is over distinct item pairs (Kornblith et al.'s notebook takes it over the
    full square matrix, zeros on the diagonal included, a slightly smaller value).
    """
    xa = as_2d_float(x, "x")
    d = _sq_dist_condensed(xa, max(1, 2_000_000 // xa.shape[0]))
    return float(threshold * np.sqrt(np.median(d)))


def _rbf_sums(x: NDArray, sigma: float | None, threshold: float, chunk_rows: int
              ) -> tuple[NDArray, _KernelSums]:
    """Condensed RBF kernel (off-diagonal, in place of the distances) and its sums."""
    n = x.shape[0]
    k = _sq_dist_condensed(x, chunk_rows)
    if sigma is None:
        med = float(np.median(k))
        if med <= 0:
            raise RDMInputError("median pairwise distance is 0; give sigma explicitly")
        sigma2 = threshold**2 * med
    else:
        sigma2 = float(sigma) ** 2
    k *= -0.5 / sigma2
    np.exp(k, out=k)
    rows = np.ones(n)  # diagonal: exp(0) = 1
    pos = 0
    for i in range(n - 1):
        seg = k[pos:pos + n - 1 - i]  # K[i, i+1:], contiguous in condensed order
        rows[i] += seg.sum()
        rows[i + 1:] += seg
        pos += seg.size
    return k, _KernelSums(np.ones(n), rows, float(rows.sum()))


def rbf_cka(
    x: ArrayLike,
    y: ArrayLike,
    *,
    threshold: float = 1.0,
    sigma_x: float | None = None,
    sigma_y: float | None = None,
    debiased: bool = False,
) -> float:
    r"""RBF-kernel CKA with median-heuristic bandwidths (rows = the same items).

    Parameters
    ----------
    x : array_like, shape (n_items, p)
    y : array_like, shape (n_items, q)
    threshold : float
        Bandwidth as a fraction of the median distance:
        :math:`\sigma = t \sqrt{\mathrm{median}_{i<j}\lVert x_i - x_j\rVert^2}`
        (Kornblith et al. 2019 use 0.2-2; 1 is common).
    sigma_x, sigma_y : float, optional
        Fixed bandwidths instead of the median heuristic.
    debiased : bool
        Use the unbiased HSIC estimator.

    Returns
    -------
    float
        CKA with :math:`k(x,x') = \exp(-\lVert x-x'\rVert^2/(2\sigma^2))`; see the module
        docstring.

    Notes
    -----
    The kernels are kept in condensed float64 form (``n(n-1)/2`` values each, 400 MB per
    representation for 10,000 items) and the HSIC sums are accumulated from them, so no
    :math:`n \times n` matrix is formed.
    """
    xa, ya = _check_pair(x, y)
    n = xa.shape[0]
    chunk = max(1, 2_000_000 // n)
    kx, a = _rbf_sums(xa, sigma_x, threshold, chunk)
    ky, b = _rbf_sums(ya, sigma_y, threshold, chunk)
    skl = 2.0 * float(kx @ ky) + n
    skk = 2.0 * float(kx @ kx) + n
    sll = 2.0 * float(ky @ ky) + n
    del kx, ky
    return _cka_from_parts(skl, skk, sll, a, b, n, debiased)


def cka(
    x: ArrayLike,
    y: ArrayLike,
    kernel: Literal["linear", "rbf"] = "linear",
    *,
    debiased: bool = False,
    threshold: float = 1.0,
) -> float:
    """CKA between two representations: :func:`linear_cka` or :func:`rbf_cka`.

    Takes items x features matrices (rows = the same items); returns a similarity in
    [0, 1]. See the module docstring for the formulas and references.
    """
    if kernel == "linear":
        return linear_cka(x, y, debiased=debiased)
    if kernel == "rbf":
        return rbf_cka(x, y, threshold=threshold, debiased=debiased)
    raise ValueError(f"unknown kernel {kernel!r}; use 'linear' or 'rbf'")
