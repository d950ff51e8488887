"""SPoSE: sparse positive similarity embedding (Zheng et al. 2019; Hebart et al. 2020).

Each item ``i`` gets a non-negative vector :math:`x_i \\in \\mathbb{R}_{\\ge 0}^d`; the
probability that ``k`` is the odd one out of ``(i, j, k)`` is
:math:`\\exp(x_i^\\top x_j) / \\sum_{\\text{pairs}} \\exp(x_a^\\top x_b)`. Training minimises

.. math:: \\mathcal{L} = -\\frac{1}{N}\\sum_n \\log p_n + \\frac{\\lambda}{m} \\sum_{i,d} x_{id}

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

from cogalign.triplets import _training
from cogalign.triplets.arrays import odd_last, shown_triplets, split_by_triplet, triplet_folds
from cogalign.triplets.base import TripletEmbeddingModel


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
        Adam settings. Large batches keep the loop fast; ``lr`` is tuned for them.
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
    ) -> None:
        self.n_dims = n_dims
        self.l1 = l1
        self.n_items = n_items
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.patience = patience
        self.lr_decays = lr_decays
        self.validation_fraction = validation_fraction
        self.prune_threshold = prune_threshold
        self.init_mean = init_mean
        self.init_std = init_std
        self.seed = seed
        self.device = device
        self.progress = progress

    def fit(self, triplets: Any) -> SPoSE:
        """Fit to a triplet table (or an ``(n, 3)`` odd-last array); returns ``self``."""
        import torch

        data = odd_last(triplets)
        n_items = self.n_items or int(data.max()) + 1
        device = _training.resolve_device(self.device)
        torch.manual_seed(self.seed)
        fit_rows, val_rows = _training.validation_split(len(data), self.validation_fraction, self.seed)
        train_t = torch.as_tensor(data[fit_rows], device=device)
        val_t = torch.as_tensor(data[val_rows] if len(val_rows) else data[fit_rows], device=device)
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        mean = self.init_mean if self.init_mean is not None else float(np.sqrt(2.0 / self.n_dims))
        init = mean + self.init_std * torch.randn(n_items, self.n_dims, generator=gen)
        weights = init.clamp_min(0).to(device).requires_grad_(True)
        l1 = self.l1 / n_items

        def batch_loss(batch):
            nll, surrogate = _training.nll_surrogate(weights, batch)
            penalty = l1 * weights.sum()
            return surrogate + penalty, nll + penalty.detach()

        def project():
            weights.clamp_(min=0)

        self.history_ = _training.train(
            [weights], batch_loss, lambda: _training.triplet_nll(weights, val_t), train_t,
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience,
            seed=self.seed, project=project, progress=self.progress, desc="SPoSE",
            lr_decays=self.lr_decays,
        )
        w = weights.detach().cpu().numpy().astype(np.float64)
        keep = w.max(axis=0) >= self.prune_threshold
        w = w[:, keep]
        self.embedding_ = w[:, np.argsort(-w.sum(axis=0), kind="stable")]
        self.n_items_ = n_items
        return self


class SPoSECV:
    """Choose SPoSE's sparsity weight by cross-validation over triplets, then refit.

    Folds are split by triplet (repeats of one triplet never straddle folds). The score is
    the held-out mean log-likelihood; ties go to the sparser model.

    Parameters
    ----------
    l1s
        Candidate sparsity weights.
    n_splits
        Number of folds.
    seed
        Seed of the folds (each fit also uses ``seed`` unless ``spose_params`` says otherwise).
    **spose_params
        Settings passed to every :class:`SPoSE`.

    Attributes
    ----------
    cv_results_ : pandas.DataFrame
        One row per (l1, fold): held-out log-likelihood, accuracy and dimensions kept.
    best_l1_ : float
    best_estimator_ : SPoSE
        Refitted on all data with ``best_l1_``.
    """

    def __init__(self, l1s: Sequence[float] = (0.002, 0.005, 0.01, 0.03), n_splits: int = 3,
                 seed: int = 0, **spose_params: Any) -> None:
        self.l1s = tuple(l1s)
        self.n_splits = n_splits
        self.seed = seed
        self.spose_params = spose_params

    def fit(self, table: pd.DataFrame) -> SPoSECV:
        """Cross-validate every ``l1`` and refit the best on all of ``table``."""
        fold = triplet_folds(table, self.n_splits, seed=self.seed)
        params = {"seed": self.seed, **self.spose_params}
        params.setdefault("n_items", int(shown_triplets(table).max()) + 1)
        rows = []
        for l1 in self.l1s:
            for k in range(self.n_splits):
                train, test = table[fold != k], table[fold == k]
                model = SPoSE(l1=l1, **params).fit(train)
                rows.append({"l1": l1, "fold": k, "log_likelihood": model.log_likelihood(test),
                             "accuracy": model.score(test), "n_dims": model.n_dims_})
        self.cv_results_ = pd.DataFrame(rows)
        summary = self.cv_results_.groupby("l1")["log_likelihood"].mean()
        best = summary.max()
        self.best_l1_ = float(max(lam for lam, v in summary.items() if v >= best - 1e-12))
        self.best_estimator_ = SPoSE(l1=self.best_l1_, **params).fit(table)
        return self


def holdout_accuracy(model: TripletEmbeddingModel, table: pd.DataFrame, *, test_size: float = 0.2,
                     seed: int = 0) -> tuple[float, TripletEmbeddingModel]:
    """Fit on a by-triplet split of ``table`` and return the held-out accuracy and the model."""
    train, test = split_by_triplet(table, test_size, seed=seed)
    model.fit(table.iloc[train])
    return model.score(table.iloc[test]), model
