r"""Canonical correlation analysis (CCA), SVCCA and PWCCA between representations.

These functions take **representations** (items x features, rows = the same items) and
return **similarities** (canonical correlations in [0, 1]).

CCA finds directions :math:`a_k, b_k` maximising :math:`\rho_k = \mathrm{corr}(X_c a_k,
Y_c b_k)` subject to orthogonality of the canonical variates. With thin orthonormal bases
:math:`Q_X, Q_Y` of the centred column spaces, the canonical correlations are the singular
values of :math:`Q_X^\top Q_Y` (Björck & Golub 1973), computed here by SVD for numerical
stability.

SVCCA (Raghu et al. 2017) first keeps the leading singular directions of each
representation that explain a fraction ``keep`` of its variance, then averages the
canonical correlations. PWCCA (Morcos et al. 2018) averages them with weights
:math:`w_k \propto \sum_j |\langle h_k, x_j\rangle|`, the share of ``X`` that canonical
variate :math:`h_k` accounts for.

References
----------
Hotelling, H. (1936). Relations between two sets of variates. Biometrika 28, 321-377.

Björck, Å., & Golub, G. H. (1973). Numerical methods for computing angles between linear
subspaces. Math. Comp. 27, 579-594.

Raghu, M., Gilmer, J., Yosinski, J., & Sohl-Dickstein, J. (2017). SVCCA: Singular vector
canonical correlation analysis for deep learning dynamics and interpretability. NeurIPS.

Morcos, A., Raghu, M., & Bengio, S. (2018). Insights on representational similarity in
neural networks with canonical correlation. NeurIPS.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.metrics._checks import RDMInputError, as_2d_float

__all__ = ["cca", "pwcca", "svcca"]


def _basis(xc: NDArray, tol: float) -> tuple[NDArray, NDArray, NDArray]:
    """Orthonormal basis of the column space of ``xc``: ``xc = U diag(s) Vt``, rank-trimmed."""
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        raise RDMInputError("a representation has no variance (all rows equal)")
    keep = s > tol * s[0]
    return u[:, keep], s[keep], vt[keep]


def _pair(x: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
    xa = as_2d_float(x, "x", min_rows=3)
    ya = as_2d_float(y, "y", min_rows=3)
    if xa.shape[0] != ya.shape[0]:
        raise RDMInputError(
            f"x and y must describe the same items (rows): {xa.shape[0]} vs {ya.shape[0]}"
        )
    return xa - xa.mean(axis=0), ya - ya.mean(axis=0)


def cca(x: ArrayLike, y: ArrayLike, *, tol: float = 1e-10) -> NDArray[np.float64]:
    """Canonical correlations between two representations, largest first.

    Parameters
    ----------
    x : array_like, shape (n_items, p)
    y : array_like, shape (n_items, q)
    tol : float
        Singular values below ``tol`` times the largest count as rank deficiency.

    Returns
    -------
    ndarray, shape (min(rank x, rank y),)
        Canonical correlations in [0, 1], descending.
    """
    xc, yc = _pair(x, y)
    qx, _, _ = _basis(xc, tol)
    qy, _, _ = _basis(yc, tol)
    rho = np.linalg.svd(qx.T @ qy, compute_uv=False)
    return np.clip(rho, 0.0, 1.0)


def _reduce(xc: NDArray, keep: float | int) -> NDArray:
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    if isinstance(keep, (int, np.integer)) and not isinstance(keep, bool):
        k = int(keep)
        if k < 1:
            raise ValueError("keep must be >= 1 dimensions or a variance fraction in (0, 1]")
    else:
        if not 0.0 < float(keep) <= 1.0:
            raise ValueError("keep as a fraction must be in (0, 1]")
        var = np.cumsum(s**2) / np.sum(s**2)
        k = int(np.searchsorted(var, float(keep) - 1e-12) + 1)
    k = min(k, s.size)
    return u[:, :k] * s[:k]


def svcca(x: ArrayLike, y: ArrayLike, keep: float | int = 0.99) -> float:
    """SVCCA similarity: mean canonical correlation after SVD reduction (Raghu et al. 2017).

    Takes representations (items x features); ``keep`` is the fraction of variance to keep
    in each (a float in (0, 1]) or a number of dimensions (an int). Returns a similarity in
    [0, 1].
    """
    xc, yc = _pair(x, y)
    return float(np.mean(cca(_reduce(xc, keep), _reduce(yc, keep))))


def pwcca(x: ArrayLike, y: ArrayLike, *, tol: float = 1e-10) -> float:
    """Projection-weighted CCA similarity of ``x`` to ``y`` (Morcos et al. 2018).

    Takes representations (items x features); weights each canonical correlation by how
    much of ``x`` its canonical variate accounts for. Not symmetric in ``x`` and ``y``.
    Returns a similarity in [0, 1].
    """
    xc, yc = _pair(x, y)
    qx, _, _ = _basis(xc, tol)
    qy, _, _ = _basis(yc, tol)
    u, rho, _ = np.linalg.svd(qx.T @ qy, full_matrices=False)
    h = qx @ u  # canonical variates of x (unit norm columns)
    w = np.abs(h.T @ xc).sum(axis=1)
    w = w / w.sum()
    return float(np.sum(w * np.clip(rho, 0.0, 1.0)))
