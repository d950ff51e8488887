"""The metrics as scikit-learn style estimators, on :class:`cogalign.estimator.Estimator`.

``fit`` learns what the metric needs from training data (kernel bandwidths, canonical
directions, whitening and rotation, a softmax temperature) and ``score`` evaluates it on the
same or new items - higher is better, named in each class's ``score_name``:

* :class:`CKA` - centred kernel alignment (a similarity);
* :class:`CCA` - mean canonical correlation (a similarity);
* :class:`LinearMetric` - generalized shape metric; ``distance`` is the distance, ``score``
  its negative;
* :class:`OddOneOutModel` - an embedding's odd-one-out choices, scored by accuracy.

The formulas are the plain functions' (:mod:`~cogalign.metrics.cka`,
:mod:`~cogalign.metrics.cca`, :mod:`~cogalign.metrics.shape`,
:mod:`~cogalign.metrics.triplets`). This module loads scikit-learn (through the estimator
base); ``import cogalign.metrics`` does not, until one of these classes is used.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cogalign.estimator import Estimator, NotFittedError
from cogalign.metrics._checks import RDMInputError, as_2d_float
from cogalign.metrics.cca import _basis, _pair
from cogalign.metrics.cka import _check_pair, linear_cka, median_bandwidth, rbf_cka
from cogalign.metrics.shape import ScoreMethod, _pad, angular_distance, shape_maps
from cogalign.metrics.triplets import (
    Similarity,
    _check_triplets,
    _expected_hits,
    _loglik_per_trial,
    _pair_similarities,
    _positions,
    fit_temperature,
    odd_one_out_probabilities,
    predict_odd_one_out,
)

__all__ = ["CCA", "CKA", "LinearMetric", "NotFittedError", "OddOneOutModel"]


class CKA(Estimator):
    """Scikit-learn style wrapper: ``CKA(kernel="rbf").fit(X, Y).score(X, Y)``.

    ``fit`` stores the median-heuristic bandwidths of the training representations
    (``sigma_x_``, ``sigma_y_``; ``None`` for the linear kernel) so that ``score`` on new
    items of the same two systems uses the same kernels. ``score`` returns the CKA
    similarity (higher is better).
    """

    score_name = "cka"

    def __init__(self, kernel: Literal["linear", "rbf"] = "linear", *, debiased: bool = False,
                 threshold: float = 1.0) -> None:
        self.kernel = kernel
        self.debiased = debiased
        self.threshold = threshold

    def fit(self, x: ArrayLike, y: ArrayLike) -> CKA:
        """Fix the kernel bandwidths from ``x`` and ``y``; returns ``self``."""
        xa, ya = _check_pair(x, y)
        if self.kernel == "rbf":
            self.sigma_x_ = median_bandwidth(xa, self.threshold)
            self.sigma_y_ = median_bandwidth(ya, self.threshold)
        elif self.kernel == "linear":
            self.sigma_x_ = self.sigma_y_ = None
        else:
            raise ValueError(f"unknown kernel {self.kernel!r}")
        self.n_features_in_ = (xa.shape[1], ya.shape[1])
        return self

    def score(self, x: ArrayLike, y: ArrayLike) -> float:
        """**CKA** of ``x`` and ``y`` with the fitted kernels: a similarity in [0, 1] (higher is better)."""
        self._check_fitted("sigma_x_")
        if self.kernel == "linear":
            return linear_cka(x, y, debiased=self.debiased)
        return rbf_cka(x, y, sigma_x=self.sigma_x_, sigma_y=self.sigma_y_,
                       debiased=self.debiased)


class CCA(Estimator):
    """CCA as a scikit-learn style estimator: ``CCA(n_components).fit(X, Y).score(X, Y)``.

    Attributes
    ----------
    x_weights_, y_weights_ : ndarray
        Canonical directions: ``(X - x_mean_) @ x_weights_`` are the canonical variates
        (unit variance columns), likewise for ``Y``.
    correlations_ : ndarray
        Canonical correlations on the training data.
    """

    score_name = "mean canonical correlation"

    def __init__(self, n_components: int | None = None, *, tol: float = 1e-10) -> None:
        self.n_components = n_components
        self.tol = tol

    def fit(self, x: ArrayLike, y: ArrayLike) -> CCA:
        """Fit canonical directions; returns ``self``."""
        xa, ya = as_2d_float(x, "x", min_rows=3), as_2d_float(y, "y", min_rows=3)
        self.x_mean_, self.y_mean_ = xa.mean(axis=0), ya.mean(axis=0)
        xc, yc = _pair(xa, ya)
        qx, sx, vx = _basis(xc, self.tol)
        qy, sy, vy = _basis(yc, self.tol)
        u, rho, wt = np.linalg.svd(qx.T @ qy, full_matrices=False)
        k = rho.size if self.n_components is None else min(self.n_components, rho.size)
        n = xa.shape[0]
        # canonical variates qx @ u = xc @ vx.T @ diag(1/sx) @ u, scaled to unit variance
        self.x_weights_ = (vx.T / sx) @ u[:, :k] * np.sqrt(n - 1)
        self.y_weights_ = (vy.T / sy) @ wt.T[:, :k] * np.sqrt(n - 1)
        self.correlations_ = np.clip(rho[:k], 0.0, 1.0)
        return self

    def transform(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
        """Canonical variates of ``x`` and ``y``."""
        self._check_fitted("x_weights_")
        xa, ya = as_2d_float(x, "x", min_rows=1), as_2d_float(y, "y", min_rows=1)
        return (xa - self.x_mean_) @ self.x_weights_, (ya - self.y_mean_) @ self.y_weights_

    def score(self, x: ArrayLike, y: ArrayLike) -> float:
        """**Mean canonical correlation**: of the fitted canonical variates on ``x`` and ``y``.

        A similarity in [-1, 1] (higher is better).
        """
        u, v = self.transform(x, y)
        u = u - u.mean(axis=0)
        v = v - v.mean(axis=0)
        r = np.sum(u * v, axis=0) / np.sqrt(np.sum(u * u, axis=0) * np.sum(v * v, axis=0))
        return float(np.mean(r))


class LinearMetric(Estimator):
    r"""Generalized linear shape metric (Williams et al. 2021), scikit-learn style.

    ``LinearMetric(alpha).fit(X, Y).distance(X, Y)`` is the distance between representations
    ``X`` and ``Y`` (items x features, rows = the same items) after partial whitening with
    ``alpha`` and optimal rotational alignment; formulas in :mod:`cogalign.metrics.shape`.
    ``score`` is its negative (higher is better, as every cogalign estimator's ``score``);
    ``fit_score`` is netrep's: fit, then the distance.

    Parameters
    ----------
    alpha : float in [0, 1]
        1 = rotations only (Procrustes shape), 0 = full whitening (any invertible linear
        map).
    center_columns : bool
        Learn and remove column means (adds translation invariance).
    zero_pad : bool
        Pad the representation with fewer features with zero columns.
    score_method : {"angular", "euclidean"}
        Angular distance in radians :math:`[0, \pi/2]` for centred data, or the Procrustes
        Euclidean distance :math:`\min_Q\lVert\phi(X)Q-\phi(Y)\rVert_F`.

    Attributes
    ----------
    mx_, my_ : ndarray
        Column means of the training representations.
    wx_, wy_ : ndarray
        Maps into the aligned space: ``(X - mx_) @ wx_`` is aligned to ``(Y - my_) @ wy_``.
    """

    score_name = "negative shape distance"

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        center_columns: bool = True,
        zero_pad: bool = True,
        score_method: ScoreMethod = "angular",
    ) -> None:
        self.alpha = alpha
        self.center_columns = center_columns
        self.zero_pad = zero_pad
        self.score_method = score_method

    def fit(self, x: ArrayLike, y: ArrayLike) -> LinearMetric:
        """Fit the whitening maps and the rotation aligning ``x`` to ``y``; returns ``self``."""
        if self.score_method not in ("angular", "euclidean"):
            raise ValueError("score_method must be 'angular' or 'euclidean'")
        self.mx_, self.my_, self.wx_, self.wy_ = shape_maps(
            x, y, self.alpha, center_columns=self.center_columns, zero_pad=self.zero_pad)
        self.n_features_in_ = self.wx_.shape[0]
        return self

    def transform(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray, NDArray]:
        """Map ``x`` and ``y`` into the fitted aligned space."""
        self._check_fitted("wx_")
        xa, ya = _pad(as_2d_float(x, "x", min_rows=1), as_2d_float(y, "y", min_rows=1),
                      self.zero_pad)
        if xa.shape[1] != self.wx_.shape[0]:
            raise RDMInputError(f"expected {self.wx_.shape[0]} features; got {xa.shape[1]}")
        return (xa - self.mx_) @ self.wx_, (ya - self.my_) @ self.wy_

    def distance(self, x: ArrayLike, y: ArrayLike) -> float:
        """Distance between ``x`` and ``y`` in the aligned space (angular or Euclidean)."""
        tx, ty = self.transform(x, y)
        if self.score_method == "euclidean":
            return float(np.linalg.norm(tx - ty))
        return angular_distance(tx, ty)

    def score(self, x: ArrayLike, y: ArrayLike) -> float:
        """The **negative shape distance** :meth:`distance` (higher is better, 0 at best)."""
        return -self.distance(x, y)

    def fit_score(self, x: ArrayLike, y: ArrayLike) -> float:
        """The distance after fitting on the same data, ``fit(x, y).distance(x, y)`` (netrep's name)."""
        return self.fit(x, y).distance(x, y)


class OddOneOutModel(Estimator):
    """Embedding-based odd-one-out choice model, scikit-learn style.

    ``OddOneOutModel(similarity="dot").fit(embedding, triplets, choices)`` fits the softmax
    temperature to human choices; then ``predict(triplets)`` gives odd-one-out items,
    ``predict_proba(triplets)`` choice probabilities per position, ``score(triplets,
    choices)`` the accuracy and ``log_likelihood(triplets, choices)`` the summed log
    probability of the choices.

    Parameters
    ----------
    similarity : {"dot", "cosine"}
        Pair **similarity** between embedding rows.
    temperature : float or "fit"
        Fixed temperature, or ``"fit"`` to maximise the likelihood in ``fit``.

    Attributes
    ----------
    embedding_ : ndarray
        The embedding given to ``fit`` (items x dims).
    temperature_ : float
        Fitted (or fixed) softmax temperature.
    """

    score_name = "accuracy"

    def __init__(self, similarity: Similarity = "dot", *,
                 temperature: float | Literal["fit"] = "fit") -> None:
        self.similarity = similarity
        self.temperature = temperature

    def fit(self, embedding: ArrayLike, triplets: ArrayLike | None = None,
            choices: ArrayLike | None = None) -> OddOneOutModel:
        """Store the embedding and fit the temperature (when ``"fit"``); returns ``self``."""
        self.embedding_ = as_2d_float(embedding, "embedding", min_rows=3)
        if self.temperature == "fit":
            if triplets is None or choices is None:
                raise ValueError("temperature='fit' needs triplets and choices")
            self.temperature_ = fit_temperature(self.embedding_, triplets, choices,
                                                similarity=self.similarity)
        else:
            self.temperature_ = float(self.temperature)
        return self

    def predict(self, triplets: ArrayLike) -> NDArray[np.int64]:
        """Odd-one-out item index per trial."""
        self._check_fitted("embedding_")
        return predict_odd_one_out(self.embedding_, triplets, similarity=self.similarity)

    def predict_proba(self, triplets: ArrayLike) -> NDArray[np.float64]:
        """Choice probabilities per position, ``(n_trials, 3)``."""
        self._check_fitted("embedding_")
        if np.isinf(self.temperature_):
            return np.full((len(np.asarray(triplets)), 3), 1.0 / 3.0)
        return odd_one_out_probabilities(self.embedding_, triplets, similarity=self.similarity,
                                         temperature=self.temperature_)

    def score(self, triplets: ArrayLike, choices: ArrayLike) -> float:
        """**Accuracy** against the chosen items, ties split evenly (higher is better)."""
        self._check_fitted("embedding_")
        t = _check_triplets(triplets)
        pos = _positions(t, choices)
        s = _pair_similarities(self.embedding_, t, self.similarity)
        return float(_expected_hits(s, pos).mean())

    def log_likelihood(self, triplets: ArrayLike, choices: ArrayLike) -> float:
        """Summed natural-log probability of the chosen items."""
        self._check_fitted("embedding_")
        t = _check_triplets(triplets)
        pos = _positions(t, choices)
        s = _pair_similarities(self.embedding_, t, self.similarity)
        beta = 0.0 if np.isinf(self.temperature_) else 1.0 / self.temperature_
        return float(_loglik_per_trial(s, pos, beta).sum())
