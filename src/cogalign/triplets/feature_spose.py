r"""Feature SPoSE: a sparse positive embedding computed from item features.

Plain SPoSE learns one free vector per item, so it can only predict triplets whose items it
has seen often. Feature SPoSE learns a map instead: item ``i`` with features :math:`f_i` (for
example a language model's hidden state of its name, or rated attributes) gets

.. math:: x_i = \max(0, \, W^\top z_i + b), \qquad z_i = (f_i - \mu) / \sigma,

and the odd-one-out choice rule, the L1 sparsity penalty on :math:`x` and the pruning of
dimensions are SPoSE's. A ridge penalty :math:`\alpha \lVert W \rVert^2` keeps the map
smooth. Because every item with features gets an embedding, the model predicts triplets of
items it never saw in training, which is what cross-validation split by triplet measures.

With a list of ``alpha`` values, one model is fitted per value and the one with the best
held-out log-likelihood on the early-stopping split (grouped by triplet) is kept, so the
choice never looks at the caller's test data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cogalign.errors import CogalignError
from cogalign.triplets import _training
from cogalign.triplets.arrays import odd_last
from cogalign.triplets.base import TripletEmbeddingModel

__all__ = ["FeatureSPoSE"]


class FeatureSPoSE(TripletEmbeddingModel):
    r"""SPoSE with item vectors :math:`\max(0, W^\top z + b)` of standardised item features.

    Parameters
    ----------
    n_dims
        Initial number of dimensions (pruned after training).
    l1
        Sparsity weight on the embedding, per item as in :class:`SPoSE`.
    alpha
        Ridge weight on ``W``; a sequence is searched on the early-stopping split.
    epochs, batch_size, lr
        Adam settings; the default batch holds a typical study's triplets at once.
    patience
        Epochs without held-out improvement before stopping.
    validation_fraction
        Share of the training triplets (grouped by triplet) held out for early stopping
        and for choosing ``alpha``.
    prune_threshold, seed, device, progress
        As in :class:`~cogalign.triplets.SPoSE`.
    threads
        CPU threads torch uses while training (restored afterwards). ``None`` (the default)
        keeps torch's setting: the feature map's matrix products at the default batch are
        large enough for several threads to help.

    Attributes
    ----------
    embedding_ : ndarray (n_items, n_dims_)
        Embedding of every item that has features (seen in training or not).
    weights_, bias_ : ndarray
        The fitted map restricted to the kept dimensions.
    feature_mean_, feature_scale_ : ndarray
        Standardisation of the training features, reused by :meth:`transform`.
    alpha_ : float
        The ridge weight used (the chosen one when ``alpha`` is a sequence).
    alpha_scores_ : dict
        Held-out mean log-likelihood per ``alpha`` tried.
    """

    def __init__(
        self,
        n_dims: int = 50,
        l1: float = 0.001,
        alpha: float | Sequence[float] = (0.003, 0.01, 0.03, 0.1),
        epochs: int = 1000,
        batch_size: int = 65536,
        lr: float = 0.01,
        patience: int = 30,
        validation_fraction: float = 0.15,
        prune_threshold: float = 0.1,
        seed: int = 0,
        device: str = "auto",
        progress: bool = True,
        threads: int | None = None,
    ) -> None:
        self._set_init_params(locals())

    def fit(self, triplets: Any, features: NDArray) -> FeatureSPoSE:
        """Fit to a triplet table (or odd-last array) given ``features`` (items x features).

        Row ``i`` of ``features`` describes item ``i``; every item in ``triplets`` needs a row.
        """
        import torch

        data = odd_last(triplets)
        feats = np.asarray(features, dtype=np.float64)
        if feats.ndim != 2:
            raise CogalignError(f"features must be a 2-D array (items x features), got shape {feats.shape}")
        if data.size and data.max() >= len(feats):
            raise CogalignError(f"triplets use item {int(data.max())} but features has only {len(feats)} rows")
        if not np.all(np.isfinite(feats)):
            bad = np.argwhere(~np.isfinite(feats))[0]
            raise CogalignError(f"features has a non-finite value at row {bad[0]}, column {bad[1]}")
        used = np.unique(data)
        self.feature_mean_ = feats[used].mean(axis=0)
        self.feature_scale_ = np.where(feats[used].std(axis=0) > 1e-12, feats[used].std(axis=0), 1.0)
        device = _training.resolve_device(self.device)
        z = torch.as_tensor((feats - self.feature_mean_) / self.feature_scale_, dtype=torch.float32,
                            device=device)
        fit_rows, val_rows = _training.validation_split(data, self.validation_fraction, self.seed,
                                                        by_triplet=True)
        train_t = torch.as_tensor(data[fit_rows], device=device)
        val_t = torch.as_tensor(data[val_rows] if len(val_rows) else data[fit_rows], device=device)
        alphas = [float(self.alpha)] if np.isscalar(self.alpha) else [float(a) for a in self.alpha]
        if not alphas:
            raise CogalignError("alpha must be a number or a non-empty sequence of numbers")
        self.alpha_scores_: dict[float, float] = {}
        best: tuple[float, Any, Any, Any] | None = None
        for alpha in alphas:
            w, b, history = self._fit_one(z, train_t, val_t, alpha, device)
            score = -min(history.val_nll)
            self.alpha_scores_[alpha] = score
            if best is None or score > best[0]:
                best = (score, w, b, history)
        _, w, b, self.history_ = best
        self.alpha_ = max(self.alpha_scores_, key=self.alpha_scores_.get)
        embedding = np.maximum(z.cpu().numpy().astype(np.float64) @ w + b, 0.0)
        keep = embedding[used].max(axis=0) >= self.prune_threshold
        order = np.argsort(-embedding[:, keep].sum(axis=0), kind="stable")
        self.weights_ = w[:, keep][:, order]
        self.bias_ = b[keep][order]
        self.embedding_ = embedding[:, keep][:, order]
        self.n_items_ = len(feats)
        return self

    def _fit_one(self, z, train_t, val_t, alpha: float, device: str):
        import torch

        torch.manual_seed(self.seed)
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        scale = 1.0 / np.sqrt(z.shape[1])
        w = (scale * torch.randn(z.shape[1], self.n_dims, generator=gen)).to(device).requires_grad_(True)
        b = torch.full((self.n_dims,), float(np.sqrt(1.0 / self.n_dims)), device=device).requires_grad_(True)
        l1 = self.l1
        seen = torch.unique(train_t)

        def embed():
            return torch.relu(z @ w + b)

        def batch_loss(batch):
            x = embed()
            nll = _training.triplet_nll(x, batch)
            penalty = l1 * x[seen].sum(dim=1).mean() + alpha * (w * w).sum()
            loss = nll + penalty
            return loss, loss.detach()

        history = _training.train(
            [w, b], batch_loss, lambda: _training.triplet_nll(embed(), val_t), train_t,
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience,
            seed=self.seed, progress=self.progress, desc=f"FeatureSPoSE alpha={alpha:g}",
            threads=self.threads,
        )
        return (w.detach().cpu().numpy().astype(np.float64), b.detach().cpu().numpy().astype(np.float64),
                history)

    def transform(self, features: NDArray) -> NDArray[np.float64]:
        """Embed new items from their features (same columns as in :meth:`fit`)."""
        self._check_fitted()
        feats = np.asarray(features, dtype=np.float64)
        if feats.ndim != 2 or feats.shape[1] != len(self.feature_mean_):
            raise CogalignError(f"features must have {len(self.feature_mean_)} columns, got shape {feats.shape}")
        z = (feats - self.feature_mean_) / self.feature_scale_
        return np.maximum(z @ self.weights_ + self.bias_, 0.0)

    def _extra_state(self) -> dict[str, NDArray]:
        return {"weights_": self.weights_, "bias_": self.bias_, "feature_mean_": self.feature_mean_,
                "feature_scale_": self.feature_scale_, "alpha_": np.array(self.alpha_)}
