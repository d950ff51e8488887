"""The neuro-symbolic object encoder: from a latent, each arm's direction and length.

A :class:`SymbolicHead` reads a latent (a feature volume or a code vector) and says, for each
of the object's ``k`` arms in chain order (read from either end), its direction in the latent's frame
(a unit 3-vector) and its number of cubes (a distribution over 1 ... ``max_len``). That is
the :class:`Description`. Its symbolic part is exact: :func:`describe_codes` turns a
description into the object-centred arm code (the canonical code of
:mod:`cogalign.rotation.objects` when the description is right), and :func:`code_scores`
scores codes against the truth (exact match and per arm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cogalign.rotation.neural.shapes import code_from_arms

__all__ = ["Description", "SymbolicHead", "code_scores", "describe_codes", "symbolic_loss"]


@dataclass
class Description:
    """What the symbolic stage says about a batch of latents.

    Attributes
    ----------
    vectors
        ``(n, k, 3)`` unit arm directions in the latent's frame.
    length_logits
        ``(n, k, max_len)`` scores of each arm's length (1 ... ``max_len`` cubes).
    """

    vectors: torch.Tensor
    length_logits: torch.Tensor

    @property
    def lengths(self) -> torch.Tensor:
        """``(n, k)`` most likely number of cubes of each arm."""
        return self.length_logits.argmax(-1) + 1

    def detach(self) -> Description:
        """The same description cut from the autograd graph."""
        return Description(self.vectors.detach(), self.length_logits.detach())


class SymbolicHead(nn.Module):
    """Latent -> :class:`Description` (``k`` arms, lengths 1 ... ``max_len``).

    Parameters
    ----------
    kind
        ``"volume"`` (input ``(n, c, g, g, g)``: two strided 3-D convolutions, then a
        perceptron) or ``"vector"`` (input ``(n, c)``: a perceptron).
    channels
        Channels of the volume, or size of the vector.
    grid
        Voxels a side (volumes only).
    n_arms, max_len
        Arms described and the longest arm.
    hidden
        Hidden units.
    """

    def __init__(self, kind: str, channels: int, grid: int, n_arms: int, max_len: int,
                 hidden: int) -> None:
        super().__init__()
        self.n_arms, self.max_len = n_arms, max_len
        if kind == "volume":
            self.trunk = nn.Sequential(
                nn.Conv3d(channels, 16, 3, stride=2, padding=1), nn.ReLU(),
                nn.Conv3d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten())
            flat = 32 * (grid // 4) ** 3
        else:
            self.trunk = nn.Identity()
            flat = channels
        self.mlp = nn.Sequential(nn.Linear(flat, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_arms * (3 + max_len)))

    def forward(self, latent: torch.Tensor) -> Description:
        """Describe a batch of latents."""
        out = self.mlp(self.trunk(latent)).view(-1, self.n_arms, 3 + self.max_len)
        return Description(F.normalize(out[..., :3], dim=-1), out[..., 3:])


def symbolic_loss(desc: Description, vectors: torch.Tensor, lengths: torch.Tensor,
                  valid: torch.Tensor) -> torch.Tensor:
    """Direction (1 - cosine) plus length cross-entropy, at the better valid chain reading.

    Parameters
    ----------
    desc
        Predicted description, ``k`` arms.
    vectors, lengths, valid
        Targets in both readings: ``(n, 2, k, 3)``, ``(n, 2, k)`` (cubes) and ``(n, 2)``.

    Returns
    -------
    torch.Tensor
        Mean loss over the batch.
    """
    cos = (desc.vectors[:, None] * vectors).sum(-1)                      # (n, 2, k)
    direction = (1.0 - cos).mean(-1)
    logits = desc.length_logits[:, None].expand(-1, 2, -1, -1)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), (lengths - 1).reshape(-1),
                         reduction="none").view(lengths.shape).mean(-1)
    total = direction + ce
    total = torch.where(valid, total, torch.full_like(total, float("inf")))
    return total.min(dim=1).values.mean()


def describe_codes(desc: Description) -> list[str]:
    """Object-centred arm codes of a batch of descriptions (see the module docstring)."""
    vectors = desc.vectors.detach().cpu().numpy()
    lengths = desc.lengths.detach().cpu().numpy()
    return [code_from_arms(v, n) for v, n in zip(vectors, lengths, strict=True)]


def code_scores(predicted: Sequence[str], truth: Sequence[str]) -> dict[str, float]:
    """Exact-match and per-arm accuracy of predicted codes.

    An arm is right when its direction letter and its number of cubes are; the first two
    arms' letters are ``B`` and ``D`` by construction, so the per-arm score also reports
    ``length_accuracy`` (numbers of cubes right) and ``turn_accuracy`` (letters of the arms
    after the second right).

    Returns
    -------
    dict
        ``exact_match``, ``per_arm``, ``length_accuracy``, ``turn_accuracy``, ``n``.
    """
    p_tok = [p.split() for p in predicted]
    t_tok = [t.split() for t in truth]
    arms = np.array([[a == b for a, b in zip(p, t, strict=True)] for p, t in zip(p_tok, t_tok, strict=True)])
    lens = np.array([[a[1:] == b[1:] for a, b in zip(p, t, strict=True)] for p, t in zip(p_tok, t_tok, strict=True)])
    turns = np.array([[a[0] == b[0] for a, b in zip(p[2:], t[2:], strict=True)]
                      for p, t in zip(p_tok, t_tok, strict=True)])
    return {"exact_match": float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)])),
            "per_arm": float(arms.mean()), "length_accuracy": float(lens.mean()),
            "turn_accuracy": float(turns.mean()) if turns.size else float("nan"),
            "n": len(truth)}
