r"""Simulated believers with a planted belief space, and a text encoder that knows nothing.

:func:`simulate_believers` draws people at latent positions :math:`x_p \in \mathbb{R}^k`
and issues with directions :math:`a_j` (unit vectors) and offsets :math:`b_j`; person ``p``
takes the Pro side of issue ``j`` with probability

.. math:: P(\text{Pro}) = \sigma\left((x_p \cdot a_j + b_j) / \text{noise}\right),

and answers each issue with probability ``1 - missing``. The planted structure is known, so a
fitted belief space can be checked against it: issues whose directions agree should have Pro
sides that lie together, and a person's stances should be predictable up to the noise.

:class:`HashEncoder` gives every text a fixed random vector (seeded by the text's hash): a
stand-in language model whose space carries no information about stances, so whatever
structure a belief space shows after fine-tuning on simulated believers was learned from the
stances.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from cogalign.errors import CogalignError

__all__ = ["HashEncoder", "simulate_believers"]


class HashEncoder:
    """Every text to a fixed standard-normal vector, seeded by its SHA-256 and ``seed``.

    Parameters
    ----------
    dim
        Width of the vectors.
    seed
        Changes every vector.
    """

    def __init__(self, dim: int = 64, seed: int = 0):
        self.dim = dim
        self.seed = seed

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, derived from the text's hash and the seed."""
        out = np.empty((len(texts), self.dim))
        for i, text in enumerate(texts):
            digest = hashlib.sha256(f"{self.seed}:{text}".encode()).digest()
            out[i] = np.random.default_rng(int.from_bytes(digest[:8], "little")).normal(size=self.dim)
        return out

    def __repr__(self) -> str:
        return f"HashEncoder(dim={self.dim}, seed={self.seed})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HashEncoder) and (self.dim, self.seed) == (other.dim, other.seed)

    def __hash__(self) -> int:
        return hash((HashEncoder, self.dim, self.seed))


def simulate_believers(
    n_people: int = 500,
    n_issues: int = 12,
    dim: int = 2,
    *,
    noise: float = 0.3,
    missing: float = 0.3,
    party_share: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Stances of simulated people on simulated issues, drawn by a known rule.

    Parameters
    ----------
    n_people, n_issues
        Sizes.
    dim
        Dimensions of the latent space.
    noise
        Temperature of the logistic choice rule (0 would be deterministic).
    missing
        Probability that a person takes no stance on an issue (everyone keeps at least two).
    party_share
        Share of people with a party: ``"Republican"`` when the first coordinate of their
        position is positive, else ``"Democratic"``.
    seed
        Seed of every draw.

    Returns
    -------
    pandas.DataFrame
        The stance table (``participant_id``, ``issue``, ``issue_text``, ``stance``,
        ``political_party``) with ``attrs["truth"]``: ``positions`` (people x dim),
        ``directions`` (issues x dim), ``offsets``, ``p_pro`` (people x issues) and
        ``issues``.
    """
    if n_issues < 2 or n_people < 2:
        raise CogalignError("simulate at least two people and two issues")
    if not 0 <= missing < 1 or noise <= 0:
        raise CogalignError("missing must be in [0, 1) and noise positive")
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(n_people, dim))
    directions = rng.normal(size=(n_issues, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    offsets = rng.normal(0.0, 0.3, size=n_issues)
    p_pro = expit((positions @ directions.T + offsets) / noise)
    stance = np.where(rng.random(p_pro.shape) < p_pro, 1, -1)
    answered = rng.random(p_pro.shape) >= missing
    for p in np.flatnonzero(answered.sum(axis=1) < 2):
        answered[p, rng.choice(n_issues, size=2, replace=False)] = True
    people, issues = np.nonzero(answered)
    names = [f"issue {j + 1:02d}" for j in range(n_issues)]
    with_party = rng.random(n_people) < party_share
    party = np.where(positions[:, 0] > 0, "Republican", "Democratic").astype(object)
    party[~with_party] = None
    table = pd.DataFrame({
        "participant_id": [f"s{p:04d}" for p in people],
        "issue": [names[j] for j in issues],
        "issue_text": [f"proposition number {j + 1}" for j in issues],
        "stance": stance[people, issues].astype(np.int64),
        "political_party": party[people],
    })
    table.attrs["truth"] = {"positions": positions, "directions": directions, "offsets": offsets,
                            "p_pro": p_pro, "issues": names}
    return table
