r"""Contrastive fine-tuning of a belief space on people's co-held beliefs.

A belief is one side of one issue, numbered ``b = 2 j`` (Pro of issue ``j``) or ``2 j + 1``
(Con); its opposite is ``b ^ 1``. Training examples are triplets (anchor, positive,
negative) drawn from a stance table:

* anchor ``a`` and positive ``p``: two beliefs held by the same person;
* negative, ``negatives="paper"`` (Lee et al. 2024): the opposite of the anchor (one time in
  five), else a belief co-held with the anchor's opposite by someone who holds that opposite;
  ``negatives="opposite"``: the opposite of the positive (the side of that issue the person
  did not take).

Losses:

``"triplet"``
    :math:`\max(0, \lVert a - p \rVert - \lVert a - n \rVert + m)` with Euclidean
    distances (as sentence-transformers' ``TripletLoss``, which the paper used);
``"infonce"``
    cross-entropy of picking the positive among it and the distinct negatives of the batch,
    with logits :math:`-\lVert a - c \rVert / \tau`; candidates the person also holds
    (and the positive itself) are masked out.

What is trained is a head on the frozen, cached sentence embeddings: ``"mlp"`` (default),
:math:`h(x) = x + W_2\,\mathrm{GELU}(W_1 x + b_1) + b_2` with :math:`W_2, b_2` starting at zero,
or ``"linear"``, :math:`h(x) = x + W x` with :math:`W` starting at zero. Either way the
fine-tuned space starts as the base model's space, and AdamW's weight decay (1.0 by default)
pulls it back there. The transformer itself stays frozen: the statements are embedded once, so
an epoch over the 272,923 big-issue stances takes a few seconds on one CPU thread, where
fine-tuning the whole model (as the paper did on a GPU) would take hours. Early stopping
watches the loss on the triplets of held-out people.

Why these defaults: on 4,000 people of ``ddo-big-issues`` (seed 1), nearer-side accuracy on
held-out stances (one fold of four) and on held-out issues (two folds of five) was 0.733 and
0.49 / 0.57 for the linear head with weight decay 0.001 (its statements of unseen issues
land anywhere), 0.687 and 0.64 / 0.64 with decay 10, 0.756 and 0.70 / 0.64 for the MLP head
with decay 0.001, and 0.762 and 0.70 / 0.65 for the MLP head with decay 1.0; the model's own
space gave 0.62 / 0.57 on those held-out issues.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = ["HEADS", "LOSSES", "NEGATIVES", "TripletSampler", "make_head", "train_head"]

LOSSES = ("triplet", "infonce")
NEGATIVES = ("paper", "opposite")
HEADS = ("linear", "mlp")


class TripletSampler:
    """Draws (anchor, positive, negative) belief triplets from people's stances.

    Parameters
    ----------
    person
        Person index of every stance (``0 .. n_people - 1``).
    belief
        Belief index of every stance (``2 * issue + (stance == -1)``).
    n_beliefs
        Number of beliefs (twice the number of issues).
    negatives
        ``"paper"`` or ``"opposite"`` (see the module docstring).
    """

    def __init__(self, person: np.ndarray, belief: np.ndarray, n_beliefs: int,
                 negatives: str = "paper"):
        if negatives not in NEGATIVES:
            raise CogalignError(f"negatives must be one of {NEGATIVES}, got {negatives!r}")
        person = np.asarray(person, dtype=np.int64)
        belief = np.asarray(belief, dtype=np.int64)
        order = np.lexsort((belief, person))
        self.person = person[order]
        self.belief = belief[order]
        self.negatives = negatives
        self.n_beliefs = int(n_beliefs)
        n_people = int(self.person.max()) + 1 if len(self.person) else 0
        counts = np.bincount(self.person, minlength=n_people)
        self.start = np.concatenate([[0], np.cumsum(counts)])[:-1]
        self.count = counts
        rows = np.arange(len(self.person))
        self.rank = rows - self.start[self.person]  # position of a row within its person
        self.eligible = rows[counts[self.person] >= 2]
        if len(self.eligible) == 0:
            raise CogalignError("no person holds two beliefs: nothing to learn co-held beliefs from")
        by_belief = np.argsort(self.belief, kind="stable")
        holders = np.bincount(self.belief, minlength=self.n_beliefs)
        self.holder_rows = by_belief
        self.holder_start = np.concatenate([[0], np.cumsum(holders)])[:-1]
        self.holder_count = holders
        self.keys = np.sort(self.person * self.n_beliefs + self.belief)

    def _other(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Another stance row of the same person as each of ``rows`` (uniformly)."""
        p = self.person[rows]
        n = self.count[p]
        shift = 1 + rng.integers(0, np.maximum(n - 1, 1))
        return self.start[p] + (self.rank[rows] + shift) % n

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """``n`` triplets: arrays ``anchor, positive, negative, person``."""
        rows = self.eligible[rng.integers(0, len(self.eligible), size=n)]
        anchor = self.belief[rows]
        positive = self.belief[self._other(rows, rng)]
        if self.negatives == "opposite":
            negative = positive ^ 1
        else:
            opposite = anchor ^ 1
            negative = opposite.copy()
            holders = self.holder_count[opposite]
            pick = (rng.random(n) >= 0.2) & (holders > 0)
            if pick.any():
                k = rng.integers(0, np.maximum(holders[pick], 1))
                row_q = self.holder_rows[self.holder_start[opposite[pick]] + k]
                has_more = self.count[self.person[row_q]] >= 2
                co_held = self.belief[self._other(row_q, rng)]
                negative[pick] = np.where(has_more, co_held, opposite[pick])
        return anchor, positive, negative, self.person[rows]

    def holds(self, person: np.ndarray, belief: np.ndarray) -> np.ndarray:
        """Whether each person holds each belief (arrays broadcast)."""
        key = np.asarray(person, dtype=np.int64) * self.n_beliefs + np.asarray(belief, dtype=np.int64)
        pos = np.searchsorted(self.keys, key)
        pos = np.minimum(pos, len(self.keys) - 1)
        return self.keys[pos] == key


def make_head(kind: str, dim: int, hidden: int | None = None) -> Any:
    """A residual head ``x + f(x)`` that starts as the identity (torch module)."""
    import torch

    if kind not in HEADS:
        raise CogalignError(f"head must be one of {HEADS}, got {kind!r}")

    class Residual(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            if kind == "linear":
                self.f = torch.nn.Linear(dim, dim, bias=False)
                torch.nn.init.zeros_(self.f.weight)
            else:
                width = hidden or dim
                first = torch.nn.Linear(dim, width)
                last = torch.nn.Linear(width, dim)
                torch.nn.init.zeros_(last.weight)
                torch.nn.init.zeros_(last.bias)
                self.f = torch.nn.Sequential(first, torch.nn.GELU(), last)

        def forward(self, x: Any) -> Any:
            return x + self.f(x)

    return Residual()


@dataclass
class _Batch:
    anchor: Any
    positive: Any
    negative: Any
    person: np.ndarray
    positive_ids: np.ndarray
    candidates: Any
    candidate_ids: np.ndarray


def _loss(batch: _Batch, loss: str, margin: float, temperature: float, sampler: TripletSampler
          ) -> tuple[Any, float]:
    """Mean loss over a batch and the share of triplets ordered right (d(a,p) < d(a,n))."""
    import torch

    d_pos = torch.linalg.vector_norm(batch.anchor - batch.positive, dim=-1)
    d_neg = torch.linalg.vector_norm(batch.anchor - batch.negative, dim=-1)
    correct = float((d_pos < d_neg).float().mean())
    if loss == "triplet":
        return torch.relu(d_pos - d_neg + margin).mean(), correct
    d_all = torch.cdist(batch.anchor, batch.candidates)  # vs every distinct negative of the batch
    held = sampler.holds(batch.person[:, None], batch.candidate_ids[None, :])
    same = batch.candidate_ids[None, :] == batch.positive_ids[:, None]
    blocked = torch.as_tensor(held | same)
    logits = torch.cat([-d_pos[:, None], (-d_all).masked_fill(blocked, -math.inf)], dim=1)
    target = torch.zeros(len(d_pos), dtype=torch.long)
    return torch.nn.functional.cross_entropy(logits / temperature, target), correct


def train_head(
    base: np.ndarray,
    person: np.ndarray,
    belief: np.ndarray,
    *,
    head: str = "mlp",
    loss: str = "triplet",
    negatives: str = "paper",
    margin: float = 0.5,
    temperature: float = 0.1,
    batch_size: int = 512,
    learning_rate: float = 3e-3,
    weight_decay: float = 1.0,
    max_epochs: int = 30,
    steps_per_epoch: int | None = None,
    patience: int = 3,
    validation: float = 0.1,
    n_validation: int = 4096,
    seed: int = 0,
    progress: bool = False,
) -> tuple[Any, pd.DataFrame]:
    """Fit a head on frozen belief embeddings so co-held beliefs lie close together.

    Parameters
    ----------
    base
        ``(n_beliefs, dim)`` base embeddings, row ``2 j`` the Pro and ``2 j + 1`` the Con
        statement of issue ``j``.
    person, belief
        One entry per stance: person index and belief index.
    head, loss, negatives
        See the module docstring.
    margin
        Triplet margin (in the units of ``base``).
    temperature
        InfoNCE temperature.
    batch_size, learning_rate, weight_decay
        AdamW settings.
    max_epochs
        Upper bound on epochs.
    steps_per_epoch
        Batches per epoch (default: one pass over the training stances, at most 500).
    patience
        Stop after this many epochs without a lower validation loss; the best head is kept.
    validation
        Share of people held out for early stopping (none when fewer than 10 people).
    n_validation
        Number of validation triplets (drawn once, with ``seed``).
    seed
        Seed of the split, the initialisation and every draw.
    progress
        Show a progress bar over epochs.

    Returns
    -------
    head, history
        The trained torch module (in evaluation mode) and one row per epoch: ``epoch``,
        ``train_loss``, ``val_loss``, ``val_triplet_accuracy``, ``seconds``.
    """
    import torch
    from tqdm.auto import tqdm

    if loss not in LOSSES:
        raise CogalignError(f"loss must be one of {LOSSES}, got {loss!r}")
    rng = np.random.default_rng(seed)
    torch.manual_seed(int(rng.integers(2**31 - 1)))
    base_t = torch.as_tensor(np.asarray(base, dtype=np.float32))
    person = np.asarray(person, dtype=np.int64)
    belief = np.asarray(belief, dtype=np.int64)
    people = np.unique(person)
    n_val = int(round(validation * len(people))) if len(people) >= 10 else 0
    held_out = rng.permutation(people)[:n_val]
    is_val = np.isin(person, held_out)
    train_sampler = TripletSampler(person[~is_val], belief[~is_val], len(base), negatives)
    val_sampler = TripletSampler(person[is_val], belief[is_val], len(base), negatives) if n_val else None
    val_draw = val_sampler.sample(n_validation, np.random.default_rng(seed + 1)) if val_sampler else None
    model = make_head(head, base_t.shape[1])
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    steps = steps_per_epoch or max(1, min(500, math.ceil(int((~is_val).sum()) / batch_size)))

    def batch_of(draw: tuple[np.ndarray, ...]) -> _Batch:
        a, p, n, who = draw
        ids = np.unique(np.concatenate([a, p, n]))
        out = model(base_t[torch.as_tensor(ids)])
        pos = np.searchsorted(ids, np.stack([a, p, n]))
        negatives = np.unique(n)
        return _Batch(out[torch.as_tensor(pos[0])], out[torch.as_tensor(pos[1])],
                      out[torch.as_tensor(pos[2])], who, p,
                      out[torch.as_tensor(np.searchsorted(ids, negatives))], negatives)

    history, best, best_state, waited = [], math.inf, None, 0
    bar = tqdm(range(max_epochs), desc="fine-tune belief space", disable=not progress)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        total = 0.0
        for _ in range(steps):
            value, _ = _loss(batch_of(train_sampler.sample(batch_size, rng)), loss, margin,
                             temperature, train_sampler)
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            total += value.item()
        model.eval()
        row = {"epoch": epoch + 1, "train_loss": total / steps, "val_loss": np.nan,
               "val_triplet_accuracy": np.nan}
        if val_draw is not None:
            with torch.no_grad():
                value, correct = _loss(batch_of(val_draw), loss, margin, temperature, val_sampler)
            row.update(val_loss=float(value), val_triplet_accuracy=correct)
        row["seconds"] = time.perf_counter() - t0
        history.append(row)
        bar.set_postfix(loss=f"{row['train_loss']:.4f}", val=f"{row['val_loss']:.4f}")
        monitored = row["val_loss"] if val_draw is not None else row["train_loss"]
        if monitored < best - 1e-6:
            best, waited = monitored, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return model, pd.DataFrame(history)
