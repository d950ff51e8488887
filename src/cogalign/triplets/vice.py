r"""VICE: variational interpretable concept embeddings (Muttenthaler et al. 2022).

A mean-field Gaussian posterior :math:`q(x_{id}) = \mathcal{N}(\mu_{id}, \sigma_{id}^2)` over
the embedding, a spike-and-slab prior
:math:`p(x) = \pi\,\mathcal{N}(0, \sigma_{spike}^2) + (1-\pi)\,\mathcal{N}(0, \sigma_{slab}^2)`,
and the SPoSE choice rule applied to the non-negative part :math:`\max(x, 0)` of a
reparameterised sample. The loss is the negative ELBO per triplet,

.. math:: -\frac{1}{N}\Big(\sum_n \log p(y_n \mid x) - \big[\log q(x) - \log p(x)\big]\Big),

estimated with one sample per step. Pruning: for each dimension, the items whose weight is
reliably positive (:math:`P(x_{id} \le 0) = \Phi(-\mu_{id}/\sigma_{id})` significant after
Benjamini-Hochberg correction at ``alpha``) are counted; a dimension is kept when at least
``min_items`` items load on it. The final embedding is :math:`\max(\mu, 0)` on the kept
dimensions, sorted by total weight.

References
----------
Muttenthaler, L., Zheng, C. Y., McClure, P., Vandermeulen, R. A., Hebart, M. N., & Pereira,
F. (2022). VICE: Variational Interpretable Concept Embeddings. NeurIPS 35.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from cogalign.triplets import _training
from cogalign.triplets.arrays import odd_last
from cogalign.triplets.base import TripletEmbeddingModel

__all__ = ["VICE", "dimension_reproducibility"]


def _bh_significant(p: NDArray, alpha: float) -> NDArray[np.bool_]:
    """Benjamini-Hochberg over the first axis (items), separately per column (dimension)."""
    n = p.shape[0]
    order = np.argsort(p, axis=0)
    ranked = np.take_along_axis(p, order, axis=0)
    below = ranked <= alpha * np.arange(1, n + 1)[:, None] / n
    # the largest rank k with p_(k) <= alpha k / n; everything up to k is significant
    last = np.where(below.any(axis=0), n - np.argmax(below[::-1], axis=0), 0)
    significant = np.zeros_like(p, dtype=bool)
    for d in range(p.shape[1]):
        significant[order[: last[d], d], d] = True
    return significant


class VICE(TripletEmbeddingModel):
    r"""Variational spike-and-slab embedding fitted to odd-one-out choices.

    Parameters
    ----------
    n_dims
        Initial number of dimensions.
    pi, spike_scale, slab_scale
        Spike-and-slab prior: mixing weight of the spike and the two standard deviations.
    n_items
        Number of items; by default one more than the largest index seen.
    epochs, batch_size, lr, patience, validation_fraction
        Training settings as in :class:`~cogalign.triplets.SPoSE`.
    alpha, min_items
        Pruning: BH level and the least number of reliably positive items a kept dimension
        needs.
    init_std
        Initial posterior standard deviation.
    seed, device, progress, threads
        As in :class:`~cogalign.triplets.SPoSE` (one thread by default, for the same
        reason).

    Attributes
    ----------
    embedding_ : ndarray (n_items, n_dims_)
        :math:`\max(\mu, 0)` on the kept dimensions.
    loc_, scale_ : ndarray (n_items, n_dims)
        Posterior means and standard deviations before pruning.
    importance_ : ndarray (n_dims,)
        Number of reliably positive items per dimension (before pruning).
    history_ : History
    """

    def __init__(
        self,
        n_dims: int = 100,
        pi: float = 0.5,
        spike_scale: float = 0.25,
        slab_scale: float = 1.0,
        n_items: int | None = None,
        epochs: int = 300,
        batch_size: int = 2048,
        lr: float = 0.01,
        patience: int = 10,
        validation_fraction: float = 0.1,
        alpha: float = 0.05,
        min_items: int = 5,
        init_std: float = 0.05,
        seed: int = 0,
        device: str = "auto",
        progress: bool = True,
        threads: int | None = 1,
    ) -> None:
        self._set_init_params(locals())

    def fit(self, triplets: Any) -> VICE:
        """Fit to a triplet table (or an ``(n, 3)`` odd-last array); returns ``self``."""
        import torch

        data = odd_last(triplets)
        n_items = self.n_items or int(data.max()) + 1
        device = _training.resolve_device(self.device)
        fit_rows, val_rows = _training.validation_split(data, self.validation_fraction, self.seed)
        train_t = torch.as_tensor(data[fit_rows], device=device)
        val_t = torch.as_tensor(data[val_rows] if len(val_rows) else data[fit_rows], device=device)
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        mean0 = math.sqrt(2.0 / self.n_dims)
        loc = (mean0 + 0.01 * torch.randn(n_items, self.n_dims, generator=gen)).to(device)
        loc.requires_grad_(True)
        log_scale = torch.full((n_items, self.n_dims), math.log(self.init_std), device=device)
        log_scale.requires_grad_(True)
        noise_gen = torch.Generator(device=device).manual_seed(self.seed + 1)
        n_train = len(train_t)
        log_pi, log_1mpi = math.log(self.pi), math.log1p(-self.pi)

        def log_normal(x, scale):
            return -0.5 * (x / scale) ** 2 - math.log(scale) - 0.5 * math.log(2 * math.pi)

        def batch_loss(batch):
            scale = log_scale.exp()
            eps = torch.randn(loc.shape, generator=noise_gen, device=device)
            x = loc + scale * eps
            nll, surrogate = _training.nll_surrogate(x.clamp_min(0), batch)
            log_q = (log_normal(eps, 1.0) - log_scale).sum()
            log_p = torch.logaddexp(log_pi + log_normal(x, self.spike_scale),
                                    log_1mpi + log_normal(x, self.slab_scale)).sum()
            kl = (log_q - log_p) / n_train
            return surrogate + kl, nll + kl.detach()

        self.history_ = _training.train(
            [loc, log_scale], batch_loss,
            lambda: _training.triplet_nll(loc.clamp_min(0), val_t), train_t,
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience,
            seed=self.seed, progress=self.progress, desc="VICE", threads=self.threads,
        )
        self.loc_ = loc.detach().cpu().numpy().astype(np.float64)
        self.scale_ = log_scale.detach().exp().cpu().numpy().astype(np.float64)
        p_not_positive = stats.norm.cdf(-self.loc_ / self.scale_)
        self.importance_ = _bh_significant(p_not_positive, self.alpha).sum(axis=0)
        keep = self.importance_ >= self.min_items
        w = np.maximum(self.loc_[:, keep], 0.0)
        self.embedding_ = w[:, np.argsort(-w.sum(axis=0), kind="stable")]
        self.n_items_ = n_items
        return self

    def _extra_state(self) -> dict[str, NDArray]:
        return {"loc_": self.loc_, "scale_": self.scale_, "importance_": self.importance_}


def dimension_reproducibility(embeddings: list[NDArray]) -> float:
    """How well fits from different seeds recover the same dimensions.

    For every pair of embeddings, dimensions are matched one-to-one by maximising their
    Pearson correlation across items (Hungarian algorithm); the score is the mean matched
    correlation over dimensions and pairs (1 = identical dimensions up to order).
    """
    from scipy.optimize import linear_sum_assignment

    scores = []
    for a_i in range(len(embeddings)):
        for b_i in range(a_i + 1, len(embeddings)):
            a, b = embeddings[a_i], embeddings[b_i]
            if a.shape[1] == 0 or b.shape[1] == 0:
                scores.append(0.0)
                continue
            az = (a - a.mean(0)) / (a.std(0) + 1e-12)
            bz = (b - b.mean(0)) / (b.std(0) + 1e-12)
            corr = az.T @ bz / len(a)
            rows, cols = linear_sum_assignment(-corr)
            scores.append(float(corr[rows, cols].sum() / max(a.shape[1], b.shape[1])))
    if not scores:
        raise ValueError("need at least two embeddings")
    return float(np.mean(scores))
