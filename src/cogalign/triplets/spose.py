r"""SPoSE: sparse positive similarity embedding (Zheng et al. 2019; Hebart et al. 2020).

Each item ``i`` gets a non-negative vector :math:`x_i \in \mathbb{R}_{\ge 0}^d`; the
probability that ``k`` is the odd one out of ``(i, j, k)`` is
:math:`\exp(x_i^\top x_j) / \sum_{\text{pairs}} \exp(x_a^\top x_b)`. Training minimises

.. math:: \mathcal{L} = -\frac{1}{N}\sum_n \log p_n + \frac{\lambda}{m} \sum_{i,d} x_{id}

(the L1 term, weights kept non-negative by projection after every step), with early stopping
on a held-out share of the training triplets. Dimensions whose largest weight stays below
``prune_threshold`` are removed, and the rest are sorted by total weight.

References
----------
Hebart, M. N., Zheng, C. Y., Pereira, F., & Baker, C. I. (2020). Revealing the
multidimensional mental representations of natural objects underlying human similarity
judgements. Nature Human Behaviour 4:1173-1185.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.crossval import cross_validate
from cogalign.estimator import Estimator, clone
from cogalign.triplets import _training
from cogalign.triplets.arrays import odd_last, shown_triplets, split_by_triplet, triplet_groups
from cogalign.triplets.base import TripletEmbeddingModel
from cogalign.triplets.validation import TRIPLET_SCORING

__all__ = ["SPoSE", "SPoSECV", "holdout_accuracy"]


class SPoSE(TripletEmbeddingModel):
    r"""Sparse positive similarity embedding fitted to odd-one-out choices.

    Parameters
    ----------
    n_dims
        Initial number of dimensions (pruned after training).
    l1
        Sparsity weight :math:`\\lambda` (per item; see the module docstring).
    n_items
        Number of items; by default one more than the largest index seen.
    epochs, batch_size, lr
        Adam settings. Large batches keep the loop fast; ``lr`` is tuned for them. (On 1M
        simulated triplets over 1,854 items, batch 4,096 reached the same held-out accuracy
        about 25% sooner, but on 50,000 triplets over 200 items it fell 1.2 points short of
        batch 2,048, which is why 2,048 stays the default.)
    patience
        Epochs without held-out improvement before stopping (or before lowering the rate).
    lr_decays
        Times the learning rate is cut fivefold, from the best weights so far, when the
        held-out loss stalls, before training stops.
    validation_fraction
        Share of the training triplets held out for early stopping.
    prune_threshold
        A dimension is kept when some item's weight reaches this value.
    init_mean, init_std
        Normal initialisation of the weights (then clipped at zero); ``init_mean`` defaults
        to :math:`\sqrt{2/d}`, so that initial similarities are about 2.
    seed
        Seed of the initialisation, the split and the batch order.
    device
        ``"auto"`` (GPU when present), ``"cpu"`` or ``"cuda"``.
    progress
        Show a progress bar over epochs.
    threads
        CPU threads torch uses while training (restored afterwards; ``None`` keeps torch's
        setting). One by default: the loop's per-step tensors are small, and on a shared two-core
        machine two threads ran anywhere from 1.3 times faster to 3 times slower than one,
        from run to run, while one thread held its speed.

    Attributes
    ----------
    embedding_ : ndarray (n_items, n_dims_)
        Non-negative embedding, dimensions sorted by total weight.
    history_ : cogalign.triplets._training.History
        Training loss and held-out NLL per epoch.
    """

    def __init__(
        self,
        n_dims: int = 100,
        l1: float = 0.01,
        n_items: int | None = None,
        epochs: int = 300,
        batch_size: int = 2048,
        lr: float = 0.01,
        patience: int = 10,
        lr_decays: int = 2,
        validation_fraction: float = 0.1,
        prune_threshold: float = 0.1,
        init_mean: float | None = None,
        init_std: float = 0.01,
        seed: int = 0,
        device: str = "auto",
        progress: bool = True,
        threads: int | None = 1,
    ) -> None:
        self._set_init_params(locals())

    def fit(self, triplets: Any) -> SPoSE:
        """Fit to a triplet table (or an ``(n, 3)`` odd-last array); returns ``self``."""
        import torch

        data = odd_last(triplets)
        n_items = self.n_items or int(data.max()) + 1
        device = _training.resolve_device(self.device)
        torch.manual_seed(self.seed)
        fit_rows, val_rows = _training.validation_split(data, self.validation_fraction, self.seed)
        train_t = torch.as_tensor(data[fit_rows], device=device)
        val_t = torch.as_tensor(data[val_rows] if len(val_rows) else data[fit_rows], device=device)
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        mean = self.init_mean if self.init_mean is not None else float(np.sqrt(2.0 / self.n_dims))
        init = mean + self.init_std * torch.randn(n_items, self.n_dims, generator=gen)
        weights = init.clamp_min(0).to(device).requires_grad_(True)
        l1 = self.l1 / n_items

        buffers = _training.GradientBuffers()

        def batch_loss(batch):
            # the gradient by hand (NLL + L1 penalty), no autograd graph
            nll, grad = _training.nll_and_gradient(weights, batch, buffers)
            weights.grad = grad.add_(l1)
            return None, nll + l1 * weights.detach().sum()

        def project():
            weights.clamp_(min=0)

        self.history_ = _training.train(
            [weights], batch_loss, lambda: _training.triplet_nll(weights, val_t), train_t,
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience,
            seed=self.seed, project=project, progress=self.progress, desc="SPoSE",
            lr_decays=self.lr_decays, threads=self.threads,
        )
        w = weights.detach().cpu().numpy().astype(np.float64)
        keep = w.max(axis=0) >= self.prune_threshold
        w = w[:, keep]
        self.embedding_ = w[:, np.argsort(-w.sum(axis=0), kind="stable")]
        self.n_items_ = n_items
        return self


class SPoSECV(Estimator):
    """Choose SPoSE's sparsity weight by cross-validation over triplets, then refit.

    Folds are split by triplet (repeats of one triplet never straddle folds; the driver is
    :func:`cogalign.crossval.cross_validate`). The criterion is the held-out mean
    log-likelihood; ties go to the sparser model.

    Parameters
    ----------
    estimator
        The :class:`SPoSE` whose ``l1`` is searched (its other settings are kept); default
        ``SPoSE(seed=seed)``. Without ``n_items``, every fit gets the items of the whole table.
    l1s
        Candidate sparsity weights.
    n_splits
        Number of folds.
    seed
        Seed of the folds.

    Attributes
    ----------
    cv_results_ : pandas.DataFrame
        One row per (l1, fold): held-out log-likelihood, accuracy and dimensions kept.
    best_l1_ : float
    best_estimator_ : SPoSE
        Refitted on all data with ``best_l1_``.
    """

    score_name = "accuracy"
    fitted_attribute = "best_estimator_"

    def __init__(self, estimator: SPoSE | None = None, *,
                 l1s: Sequence[float] = (0.002, 0.005, 0.01, 0.03), n_splits: int = 3,
                 seed: int = 0) -> None:
        self._set_init_params(locals())

    def fit(self, table: pd.DataFrame) -> SPoSECV:
        """Cross-validate every ``l1`` and refit the best on all of ``table``; returns ``self``."""
        base = clone(self.estimator) if self.estimator is not None else SPoSE(seed=self.seed)
        if base.n_items is None:
            base.set_params(n_items=int(shown_triplets(table).max()) + 1)
        candidates = {float(l1): clone(base).set_params(l1=float(l1)) for l1 in self.l1s}
        results = cross_validate(candidates, table, groups=triplet_groups, cv=self.n_splits,
                                 seed=self.seed, scoring=TRIPLET_SCORING)
        self.cv_results_ = results.rename(columns={"model": "l1"})
        summary = self.cv_results_.groupby("l1")["log_likelihood"].mean()
        best = summary.max()
        self.best_l1_ = float(max(lam for lam, v in summary.items() if v >= best - 1e-12))
        self.best_estimator_ = clone(base).set_params(l1=self.best_l1_).fit(table)
        return self

    def score(self, table: pd.DataFrame) -> float:
        """Odd-one-out **accuracy** of :attr:`best_estimator_` (higher is better)."""
        self._check_fitted()
        return self.best_estimator_.score(table)


def holdout_accuracy(model: TripletEmbeddingModel, table: pd.DataFrame, *, test_size: float = 0.2,
                     seed: int = 0) -> tuple[float, TripletEmbeddingModel]:
    """Fit on a by-triplet split of ``table`` and return the held-out accuracy and the model."""
    train, test = split_by_triplet(table, test_size, seed=seed)
    model.fit(table.iloc[train])
    return model.score(table.iloc[test]), model
