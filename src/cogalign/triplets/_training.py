"""The training loop shared by the triplet embedding models (torch).

Triplets stay on the device as one int64 tensor in odd-last order; each epoch draws one seeded
permutation and walks it in large batches, so the Python loop runs a few hundred steps per
epoch instead of one step per hundred triplets. Early stopping watches the held-out negative
log-likelihood and restores the best parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _embed(weights, triplets):
    """Rows of ``weights`` for each triplet, ``(n, 3, d)``, by one ``index_select``.

    (Advanced indexing ``weights[idx]`` takes several times longer on the CPU.)
    """
    import torch

    n = triplets.shape[0]
    return torch.index_select(weights, 0, triplets.reshape(-1)).view(n, 3, -1)


def _logits_of(a, b, c):
    import torch

    return torch.stack([(a * b).sum(-1), (a * c).sum(-1), (b * c).sum(-1)], dim=-1)


def pair_logits(weights, triplets):
    """Similarity of the three pairs of each triplet, ``(n, 3)``: kept pair (0, 1) first.

    Column 0 is ``s(t0, t1)`` (the logit of "t2 is the odd one out"), column 1 ``s(t0, t2)``,
    column 2 ``s(t1, t2)``.
    """
    return _logits_of(*_embed(weights, triplets).unbind(1))


def triplet_nll(weights, triplets, reduction: str = "mean"):
    """Negative log-likelihood of odd-last triplets under the softmax choice rule."""
    import torch

    logits = pair_logits(weights, triplets)
    nll = torch.logsumexp(logits, dim=-1) - logits[:, 0]
    return nll.mean() if reduction == "mean" else nll.sum()


def nll_and_gradient(weights, triplets):
    r"""Mean NLL of odd-last triplets and its gradient with respect to ``weights``, by hand.

    With pair logits :math:`s = (a\cdot b, a\cdot c, b\cdot c)` and
    :math:`g = (\mathrm{softmax}(s) - e_0)/B`, the gradient is :math:`g_0 b + g_1 c` for
    ``a``, :math:`g_0 a + g_2 c` for ``b`` and :math:`g_1 a + g_2 b` for ``c``, written into
    one ``(B, 3, d)`` buffer and scattered into the item rows by a single ``index_add_``. This
    avoids autograd's slow scatter for indexed rows on the CPU; one step at batch 2,048 costs
    about as much as five steps of the per-100-triplet autograd loop on one thread.
    """
    import torch

    with torch.no_grad():
        n = triplets.shape[0]
        rows = _embed(weights, triplets)
        a, b, c = rows.unbind(1)
        logits = _logits_of(a, b, c)
        lse = torch.logsumexp(logits, dim=-1)
        nll = (lse - logits[:, 0]).mean()
        g = torch.exp(logits - lse[:, None])
        g[:, 0] -= 1.0
        g /= n
        g0, g1, g2 = g[:, 0:1], g[:, 1:2], g[:, 2:3]
        per_row = torch.empty_like(rows)
        torch.mul(b, g0, out=per_row[:, 0]).addcmul_(c, g1)
        torch.mul(a, g0, out=per_row[:, 1]).addcmul_(c, g2)
        torch.mul(a, g1, out=per_row[:, 2]).addcmul_(b, g2)
        grad = torch.zeros_like(weights)
        grad.index_add_(0, triplets.reshape(-1), per_row.view(3 * n, -1))
    return nll, grad


def nll_surrogate(weights, triplets):
    """``(nll, surrogate)``: ``surrogate``'s gradient is the NLL gradient (see above)."""
    nll, grad = nll_and_gradient(weights, triplets)
    return nll, (weights * grad).sum()


@dataclass
class History:
    """Per-epoch training record."""

    train_loss: list[float] = field(default_factory=list)
    val_nll: list[float] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False


def train(
    params: list,
    batch_loss: Callable,
    val_nll: Callable[[], float],
    train_triplets,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    patience: int,
    seed: int,
    project: Callable[[], None] | None = None,
    progress: bool = True,
    desc: str = "training",
    min_delta: float = 1e-4,
    min_epochs: int = 20,
    lr_decays: int = 0,
    decay_factor: float = 0.2,
) -> History:
    """Adam over shuffled large batches with early stopping on held-out NLL.

    Parameters
    ----------
    params
        Tensors to optimise (``requires_grad``).
    batch_loss
        ``batch_loss(batch) -> (loss to differentiate, loss value to record)``. A loss of
        ``None`` means ``batch_loss`` has set every parameter's ``.grad`` itself (a gradient
        by hand), and no backward pass runs.
    val_nll
        Returns the held-out mean NLL (called once per epoch, without gradients).
    train_triplets
        ``(n, 3)`` int64 tensor on the training device.
    project
        Called after every step (e.g. clamp weights to be non-negative).
    min_epochs
        Early stopping never ends training before this many epochs (the held-out NLL can
        stall early while the sparsity penalty shrinks the initial weights).
    lr_decays
        When the held-out NLL stalls for ``patience`` epochs, go back to the best parameters
        and multiply the learning rate by ``decay_factor``, up to this many times, before
        stopping. Large-batch Adam plateaus above the optimum at a fixed rate; the decays
        let it settle.

    Notes
    -----
    Per step, the loop takes the batch's rows by ``index_select`` from a slice of the epoch's
    permutation, and Adam runs fused (one kernel for all parameters); the loss values stay on
    the device until the epoch ends. One thread of a busy CPU then runs it nearly as fast as
    an idle one.
    """
    import torch
    from tqdm.auto import tqdm

    opt = torch.optim.Adam(params, lr=lr, fused=True)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    n = len(train_triplets)
    history = History()
    best = np.inf
    best_state = [p.detach().clone() for p in params]
    waited = 0
    bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        order = torch.randperm(n, generator=gen).to(train_triplets.device)
        total = torch.zeros((), dtype=torch.float64, device=train_triplets.device)
        for start in range(0, n, batch_size):
            batch = torch.index_select(train_triplets, 0, order[start : start + batch_size])
            opt.zero_grad(set_to_none=True)
            loss, value = batch_loss(batch)
            if loss is not None:
                loss.backward()
            opt.step()
            if project is not None:
                with torch.no_grad():
                    project()
            total += value.detach() * batch.shape[0]
        total = float(total)
        history.train_loss.append(total / n)
        with torch.no_grad():
            current = float(val_nll())
        history.val_nll.append(current)
        bar.set_postfix(train=f"{total / n:.4f}", val=f"{current:.4f}")
        if current < best - min_delta:
            best, waited, history.best_epoch = current, 0, epoch
            best_state = [p.detach().clone() for p in params]
        else:
            waited += 1
            if waited >= patience and epoch + 1 >= min_epochs:
                if lr_decays > 0:
                    lr_decays -= 1
                    waited = 0
                    with torch.no_grad():
                        for p, saved in zip(params, best_state, strict=True):
                            p.copy_(saved)
                    for group in opt.param_groups:
                        group["lr"] *= decay_factor
                    continue
                history.stopped_early = True
                break
    with torch.no_grad():
        for p, saved in zip(params, best_state, strict=True):
            p.copy_(saved)
    return history


def validation_split(data: np.ndarray, fraction: float, seed: int, *, by_triplet: bool = False
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of the training rows into fit and early-stopping rows.

    Fewer than 20 rows (or ``fraction`` 0) keep every row for fitting. With ``by_triplet``,
    repeats of one triplet stay on the same side (when there are two triplets or more).
    """
    from cogalign.crossval import holdout_split
    from cogalign.triplets.arrays import triplet_groups

    if len(data) < 20 or fraction <= 0:
        return np.arange(len(data)), np.array([], dtype=np.int64)
    groups = triplet_groups(data) if by_triplet else None
    if groups is not None and groups.max() < 1:
        groups = None
    return holdout_split(data, fraction, groups=groups, seed=seed)
