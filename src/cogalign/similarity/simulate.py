r"""Simulated raters: pairwise similarity ratings around a shared latent space.

Every rater sees the same items, placed in a latent space shared by the population, but
through their own eyes:

* **attention weights**: rater :math:`p` weights latent dimension :math:`k` by
  :math:`w_{pk} = \exp(\sigma_w z_{pk}) / \overline{\exp(\sigma_w z_{p\cdot})}`
  (:math:`z \sim N(0, 1)`, normalised to mean 1), as in weighted-distance models of
  similarity (Nosofsky 1986);
* **idiosyncratic item positions**: :math:`x_{pi} = x_i + \sigma_x \epsilon_{pi}`;
* **similarity decays exponentially with distance** (Shepard 1987):
  :math:`s_{pij} = \exp(-d_{pij} / \tau)` with
  :math:`d_{pij} = \sqrt{\sum_k w_{pk} (x_{pik} - x_{pjk})^2}` and :math:`\tau` the median
  latent distance between items, so ratings spread over the scale;
* **response noise**: rating :math:`= \text{min} + (\text{max} - \text{min})\,s_{pij}
  + \sigma_r (\text{max} - \text{min})\,\eta`, rounded to the scale's step and clipped.

``weight_sd`` and ``position_sd`` set how much individuals differ in *what they see*;
``noise_sd`` how unreliable each rating is. A rater drawn with ``distortion > 0`` gets
extra position noise on top of the population's: a candidate whose geometry is *not* that of
one more person from the population.

The output is the tidy :data:`cogalign.data.schemas.PAIRWISE` table the PsychoPy study
writes, so every analysis runs on simulated and real data alike.

References
----------
Nosofsky, R. M. (1986). Attention, similarity, and the identification-categorization
relationship. J. Exp. Psychol. Gen. 115(1), 39-57.

Shepard, R. N. (1987). Toward a universal law of generalization for psychological science.
Science 237(4820), 1317-1323.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError

__all__ = ["Rater", "RaterPopulation", "latent_space", "noisy_rating"]


def noisy_rating(expected: ArrayLike, z: ArrayLike, *, noise_sd: float,
                 scale: tuple[float, float], step: float | None) -> NDArray[np.float64]:
    """The response rule: an expected rating plus Gaussian noise, on the scale's grid.

    ``rating = clip(min + step * round((expected + noise_sd * (max - min) * z - min) / step),
    min, max)`` (no rounding when ``step`` is ``None`` or 0).

    Parameters
    ----------
    expected
        Noise-free ratings on the scale.
    z
        Standard normal draws, one per rating.
    noise_sd
        Noise as a share of the scale's range.
    scale
        ``(min, max)`` of the rating scale.
    step
        Distance between scale points.

    Returns
    -------
    numpy.ndarray
        The ratings.
    """
    lo, hi = scale
    raw = np.asarray(expected, dtype=float) + noise_sd * (hi - lo) * np.asarray(z, dtype=float)
    if step:
        raw = lo + step * np.round((raw - lo) / step)
    return np.clip(raw, lo, hi)


def latent_space(
    n_items: int = 20,
    n_dims: int = 5,
    *,
    n_clusters: int = 4,
    cluster_sd: float = 0.5,
    seed: int | np.random.Generator | None = 0,
) -> NDArray[np.float64]:
    """Item positions with category structure: cluster centres plus item scatter.

    Parameters
    ----------
    n_items, n_dims
        Shape of the result.
    n_clusters
        Number of categories; items are assigned to them in turn (item ``i`` to cluster
        ``i % n_clusters``).
    cluster_sd
        Scatter of items around their cluster centre (centres are standard normal).
    seed
        Seed or generator.

    Returns
    -------
    ndarray, shape (n_items, n_dims)
    """
    if n_items < 3 or n_dims < 1 or n_clusters < 1:
        raise CogalignError("latent_space needs n_items >= 3, n_dims >= 1 and n_clusters >= 1")
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, n_dims))
    members = np.arange(n_items) % n_clusters
    return centres[members] + cluster_sd * rng.normal(size=(n_items, n_dims))


@dataclass(frozen=True, eq=False)
class Rater:
    """One simulated rater: attention weights and idiosyncratic item positions.

    Attributes
    ----------
    participant_id : str
    weights : ndarray, shape (n_dims,)
        Attention weight of each latent dimension (mean 1).
    positions : ndarray, shape (n_items, n_dims)
        Where this rater places each item.
    """

    participant_id: str
    weights: NDArray = field(repr=False)
    positions: NDArray = field(repr=False)


@dataclass(frozen=True, eq=False)
class RaterPopulation:
    """A population of raters with individual variation around a shared latent space.

    Parameters
    ----------
    latent : ndarray, shape (n_items, n_dims)
        Population item positions (e.g. from :func:`latent_space`).
    labels : sequence of str, optional
        Item labels (default ``item00``, ``item01``, ...).
    weight_sd : float
        Spread of the log attention weights between raters.
    position_sd : float
        Spread of each rater's item positions around the population's (latent units).
    noise_sd : float
        Rating noise as a share of the scale range.
    scale : (float, float)
        Rating scale ``(min, max)``; ratings are **similarities**.
    step : float or None
        Rating resolution (1 for a 1-7 scale); None keeps continuous ratings.

    Examples
    --------
    >>> pop = RaterPopulation(latent_space(8, 3, seed=1), weight_sd=0.4, position_sd=0.2)
    >>> table = pop.simulate(5, seed=2)
    >>> sorted(table.columns)[:4], len(table)
    (['item_a', 'item_b', 'participant_id', 'rating'], 140)
    """

    latent: NDArray
    labels: Sequence[str] | None = None
    weight_sd: float = 0.5
    position_sd: float = 0.2
    noise_sd: float = 0.1
    scale: tuple[float, float] = (1.0, 7.0)
    step: float | None = 1.0

    def __post_init__(self) -> None:
        x = np.asarray(self.latent, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] < 3:
            raise CogalignError(f"latent must be (n_items >= 3, n_dims), got shape {x.shape}")
        object.__setattr__(self, "latent", x)
        labels = (tuple(f"item{i:02d}" for i in range(x.shape[0])) if self.labels is None
                  else tuple(str(s) for s in self.labels))
        if len(labels) != x.shape[0] or len(set(labels)) != len(labels):
            raise CogalignError(f"need {x.shape[0]} unique labels, got {len(labels)}")
        object.__setattr__(self, "labels", labels)
        if min(self.weight_sd, self.position_sd, self.noise_sd) < 0:
            raise CogalignError("weight_sd, position_sd and noise_sd must be >= 0")
        lo, hi = float(self.scale[0]), float(self.scale[1])
        if not hi > lo:
            raise CogalignError(f"scale must be (min, max) with max > min, got {self.scale}")
        object.__setattr__(self, "scale", (lo, hi))

    @property
    def n_items(self) -> int:
        """Number of items."""
        return int(self.latent.shape[0])

    @property
    def tau(self) -> float:
        """Distance scale of the similarity gradient: median latent distance between items."""
        from scipy.spatial.distance import pdist

        return float(np.median(pdist(self.latent)))

    def draw(self, n: int, *, seed: int | np.random.Generator | None = 0,
             distortion: float = 0.0, prefix: str = "sim") -> list[Rater]:
        """Draw ``n`` raters from the population.

        Parameters
        ----------
        n
            Number of raters.
        seed
            Seed or generator.
        distortion
            Extra item-position noise (latent units) on top of ``position_sd``; 0 draws
            ordinary members of the population.
        prefix
            Participant ids are ``f"{prefix}{k:03d}"``.
        """
        rng = np.random.default_rng(seed)
        d = self.latent.shape[1]
        out = []
        for k in range(n):
            w = np.exp(self.weight_sd * rng.normal(size=d))
            w = w / w.mean()
            jitter = np.hypot(self.position_sd, distortion)
            pos = self.latent + jitter * rng.normal(size=self.latent.shape)
            out.append(Rater(f"{prefix}{k + 1:03d}", w, pos))
        return out

    def expected_ratings(self, rater: Rater) -> NDArray[np.float64]:
        """Noise-free ratings (similarities on the scale) of every pair, condensed order.

        Pair order is that of :func:`scipy.spatial.distance.squareform` over
        :attr:`labels`.
        """
        from scipy.spatial.distance import pdist

        dist = pdist(rater.positions * np.sqrt(rater.weights)[None, :])
        lo, hi = self.scale
        return lo + (hi - lo) * np.exp(-dist / self.tau)

    def true_rdm(self, rater: Rater) -> NDArray[np.float64]:
        """The rater's noise-free dissimilarity RDM, ``scale_max - expected rating``."""
        return self.scale[1] - self.expected_ratings(rater)

    def rate(
        self,
        raters: Sequence[Rater],
        *,
        n_repeats: int = 0,
        seed: int | np.random.Generator | None = 0,
    ) -> pd.DataFrame:
        """Every rater rates every pair once (random order, random left/right).

        Parameters
        ----------
        raters
            From :meth:`draw`.
        n_repeats
            Pairs each rater rates a second time (``repeat = 1``), after the first pass.
        seed
            Seed or generator for trial order, sides, repeats, noise and response times.

        Returns
        -------
        pandas.DataFrame
            :data:`cogalign.data.schemas.PAIRWISE` rows: ``participant_id``, ``session``,
            ``trial``, ``item_a``, ``item_b``, ``rating``, ``scale_min``, ``scale_max``,
            ``repeat``, ``rt``.
        """
        rng = np.random.default_rng(seed)
        lo, hi = self.scale
        n = self.n_items
        iu, ju = np.triu_indices(n, k=1)
        labels = np.asarray(self.labels, dtype=object)
        frames = []
        for rater in raters:
            mean = self.expected_ratings(rater)
            first = rng.permutation(iu.size)
            again = rng.choice(iu.size, size=min(n_repeats, iu.size), replace=False)
            order = np.concatenate([first, again])
            repeat = np.r_[np.zeros(first.size, int), np.ones(again.size, int)]
            rating = noisy_rating(mean[order], rng.normal(size=order.size),
                                  noise_sd=self.noise_sd, scale=(lo, hi), step=self.step)
            swap = rng.random(order.size) < 0.5
            a = np.where(swap, ju[order], iu[order])
            b = np.where(swap, iu[order], ju[order])
            frames.append(pd.DataFrame({
                "participant_id": rater.participant_id,
                "session": 1,
                "trial": np.arange(order.size),
                "item_a": labels[a],
                "item_b": labels[b],
                "rating": rating,
                "scale_min": lo,
                "scale_max": hi,
                "repeat": repeat,
                "rt": np.round(rng.lognormal(np.log(1.6), 0.4, size=order.size), 3),
            }))
        return pd.concat(frames, ignore_index=True)

    def simulate(self, n_participants: int = 20, *, n_repeats: int = 0,
                 seed: int = 0, distortion: float = 0.0,
                 prefix: str = "sim") -> pd.DataFrame:
        """Draw ``n_participants`` raters and let them rate every pair (see :meth:`rate`).

        The raters are drawn from ``seed`` and the ratings from ``seed + 1``, so the same
        seed gives the same table.
        """
        raters = self.draw(n_participants, seed=seed, distortion=distortion, prefix=prefix)
        return self.rate(raters, n_repeats=n_repeats, seed=seed + 1)
