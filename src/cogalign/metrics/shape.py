r"""Shape metrics on representations: Procrustes and angular distance with partial whitening.

These functions take **representations** (items x features matrices, rows = the same items)
and return a **distance** (0 = same shape). Following Williams et al. (2021), each
representation is mapped to :math:`\phi_\alpha(X) = X_c Z_\alpha(X)` with the partial
whitening

.. math::

    Z_\alpha(X) = \alpha I + (1-\alpha)(X_c^\top X_c)^{-1/2},\qquad 0 \le \alpha \le 1,

(optionally rescaled to keep the total variance :math:`\mathrm{tr}(X_c^\top X_c)`), and the
two are aligned by the best rotation :math:`Q` (orthogonal Procrustes,
:math:`Q = UV^\top` from the SVD :math:`\phi(X)^\top\phi(Y) = U S V^\top`):

.. math::

    d_\theta(X, Y) = \arccos\frac{\lVert \phi(X)^\top \phi(Y)\rVert_*}
    {\lVert\phi(X)\rVert_F\,\lVert\phi(Y)\rVert_F}, \qquad
    d_2(X, Y) = \min_Q \lVert \phi(X) Q - \phi(Y)\rVert_F .

:math:`\alpha = 1` is rotation-only shape (Procrustes; :math:`d_\theta` is invariant to
rotation, isotropic scaling and translation); :math:`\alpha = 0` whitens fully (invariant
to any invertible linear map, closely related to CCA). In between, :math:`d_\theta` is
invariant to rotation and translation; it is not invariant to isotropic scaling, because
:math:`Z_\alpha` mixes an identity term with a scale-dependent whitening term (as in
netrep; normalise the representations first if scale should not matter). Both :math:`d_\theta` and
:math:`d_2` are metrics: symmetric, zero for equivalent shapes, and they satisfy the
triangle inequality, because :math:`\phi_\alpha` is a fixed map applied to each
representation and the alignment runs over a group (Williams et al. 2021, Prop. 1).
The parameterisation matches netrep's ``LinearMetric``.

References
----------
Williams, A. H., Kunz, E., Kornblith, S., & Linderman, S. W. (2021). Generalized shape
metrics on neural representations. NeurIPS 34.

Schönemann, P. H. (1966). A generalized solution of the orthogonal Procrustes problem.
Psychometrika 31, 1-10.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.metrics._checks import RDMInputError, as_2d_float

__all__ = [
    "angular_distance",
    "angular_shape_distance",
    "partial_whitening",
    "procrustes_distance",
    "shape_maps",
]

ScoreMethod = Literal["angular", "euclidean"]


def partial_whitening(
    x: ArrayLike, alpha: float, *, preserve_variance: bool = True, eigval_tol: float = 1e-7
) -> NDArray[np.float64]:
    r"""Partial whitening matrix :math:`Z_\alpha = \alpha I + (1-\alpha)(X^\top X)^{-1/2}`.

    ``x`` should already have centred columns. With ``preserve_variance`` the matrix is
    rescaled so that :math:`\mathrm{tr}((XZ)^\top XZ) = \mathrm{tr}(X^\top X)`. Eigenvalues of
    :math:`X^\top X` are clipped below at ``eigval_tol``.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1]; got {alpha}")
    xa = np.asarray(x, dtype=np.float64)
    p = xa.shape[1]
    if alpha >= 1.0 - eigval_tol:
        return np.eye(p)
    lam, vec = np.linalg.eigh(xa.T @ xa)
    lam = np.maximum(lam, eigval_tol)
    d = alpha + (1.0 - alpha) / np.sqrt(lam)
    if preserve_variance:
        d *= np.sqrt(lam.sum() / np.sum(d * d * lam))
    return (vec * d) @ vec.T


def _pad(x: NDArray, y: NDArray, zero_pad: bool) -> tuple[NDArray, NDArray]:
    if x.shape[0] != y.shape[0]:
        raise RDMInputError(
            f"x and y must describe the same items (rows): {x.shape[0]} vs {y.shape[0]}"
        )
    if x.shape[1] == y.shape[1]:
        return x, y
    if not zero_pad:
        raise RDMInputError(
            f"x and y have different numbers of features ({x.shape[1]} vs {y.shape[1]}); "
            "set zero_pad=True to pad the smaller one with zero columns"
        )
    p = max(x.shape[1], y.shape[1])
    xp = np.zeros((x.shape[0], p))
    yp = np.zeros((y.shape[0], p))
    xp[:, : x.shape[1]] = x
    yp[:, : y.shape[1]] = y
    return xp, yp


def shape_maps(x: ArrayLike, y: ArrayLike, alpha: float = 1.0, *, center_columns: bool = True,
               zero_pad: bool = True) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    r"""The maps that align ``x`` to ``y``: column means and ``(X - m_x) W_x ~ (Y - m_y) W_y``.

    Takes representations (items x features, rows = the same items). :math:`W` is the partial
    whitening :math:`Z_\alpha` followed by the optimal rotation (see the module docstring).

    Returns
    -------
    mx, my, wx, wy
        Column means (zeros without ``center_columns``) and the two maps.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1]; got {alpha}")
    xa, ya = _pad(as_2d_float(x, "x"), as_2d_float(y, "y"), zero_pad)
    mx = xa.mean(axis=0) if center_columns else np.zeros(xa.shape[1])
    my = ya.mean(axis=0) if center_columns else np.zeros(ya.shape[1])
    xc, yc = xa - mx, ya - my
    zx = partial_whitening(xc, alpha)
    zy = partial_whitening(yc, alpha)
    u, _, vt = np.linalg.svd((xc @ zx).T @ (yc @ zy))
    return mx, my, zx @ u, zy @ vt.T


def _aligned(x: ArrayLike, y: ArrayLike, alpha: float, center_columns: bool
             ) -> tuple[NDArray, NDArray]:
    mx, my, wx, wy = shape_maps(x, y, alpha, center_columns=center_columns)
    xa, ya = _pad(as_2d_float(x, "x"), as_2d_float(y, "y"), True)
    return (xa - mx) @ wx, (ya - my) @ wy


def angular_distance(tx: NDArray, ty: NDArray) -> float:
    """Angle (radians) between two aligned representations: ``arccos <tx, ty> / (|tx| |ty|)``."""
    denom = np.linalg.norm(tx) * np.linalg.norm(ty)
    if denom == 0:
        raise RDMInputError("angular distance is undefined for an all-zero representation")
    return float(np.arccos(np.clip(np.sum(tx * ty) / denom, -1.0, 1.0)))


def angular_shape_distance(x: ArrayLike, y: ArrayLike, alpha: float = 1.0, *,
                           center_columns: bool = True) -> float:
    r"""Angular shape distance :math:`d_\theta` (radians) after partial whitening ``alpha``.

    Takes representations (items x features), returns a distance; see
    :mod:`cogalign.metrics.shape` for the formula. Same as
    ``LinearMetric(alpha).fit(x, y).distance(x, y)``.
    """
    return angular_distance(*_aligned(x, y, alpha, center_columns))


def procrustes_distance(x: ArrayLike, y: ArrayLike, alpha: float = 1.0, *,
                        center_columns: bool = True, normalize: bool = True) -> float:
    r"""Procrustes (Euclidean shape) distance :math:`\min_Q\lVert\phi(X)Q-\phi(Y)\rVert_F`.

    Takes representations (items x features), returns a distance. With ``normalize`` each
    whitened representation is scaled to unit Frobenius norm first, so the value is
    :math:`\sqrt{2 - 2\cos d_\theta}` and lies in :math:`[0, \sqrt 2]`. For ``alpha=1``,
    :func:`scipy.spatial.procrustes` (which also rescales) reports
    ``disparity = 1 - cos(d_theta)**2``.
    """
    tx, ty = _aligned(x, y, alpha, center_columns)
    if normalize:
        nx, ny = np.linalg.norm(tx), np.linalg.norm(ty)
        if nx == 0 or ny == 0:
            raise RDMInputError("Procrustes distance is undefined for an all-zero representation")
        tx, ty = tx / nx, ty / ny
    return float(np.linalg.norm(tx - ty))
