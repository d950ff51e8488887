r"""Word-pair alignment: a model's pair similarities vs the human mean rating of each pair.

For datasets that give one mean human rating per word pair (``simlex999``, ``wordsim353``),
:func:`word_pair_alignment` is the Spearman correlation between the model's pair similarities
and the human means, per layer, with a bootstrap percentile interval over pairs;
:func:`align_word_pairs` runs a language model on the pairs first. Both sides are
**similarities** (ratings, cosine similarity, expected rated similarity); a Spearman
correlation between two similarity vectors equals the one between the corresponding
dissimilarities.

References
----------
Hill, F., Reichart, R., & Korhonen, A. (2015). SimLex-999: evaluating semantic models with
(genuine) similarity estimation. Computational Linguistics 41(4), 665-695.

Finkelstein, L., et al. (2002). Placing search in context: the concept revisited. ACM
Transactions on Information Systems 20(1), 116-131 (WordSim-353).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError

__all__ = [
    "WORD_PAIR_DATASETS",
    "choose_word_context",
    "align_word_pairs",
    "spearman",
    "subsample_pairs",
    "word_pair_alignment",
]

#: Registered datasets of mean human similarity ratings of word pairs.
WORD_PAIR_DATASETS = ("simlex999", "wordsim353")


def _row_pearson(x: NDArray, y: NDArray) -> NDArray:
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    num = np.einsum("...i,...i->...", xc, yc)
    den = np.sqrt(np.einsum("...i,...i->...", xc, xc) * np.einsum("...i,...i->...", yc, yc))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman rank correlation (average ranks for ties) of two vectors; NaN pairs dropped.

    Equal to :func:`scipy.stats.spearmanr`; computed as the Pearson correlation of the
    average ranks (:func:`cogalign.metrics.rank_rows`).
    """
    from cogalign.metrics import rank_rows

    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise CogalignError(f"spearman: lengths differ ({a.size} vs {b.size})")
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    return float(_row_pearson(rank_rows(a[ok][None]), rank_rows(b[ok][None]))[0])


def word_pair_alignment(
    human: ArrayLike,
    model: ArrayLike,
    *,
    layers: Sequence[Any] | None = None,
    relative_depth: Sequence[float] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Spearman correlation of model pair similarities with human mean ratings, per layer.

    Parameters
    ----------
    human : array_like, shape (n_pairs,)
        Mean human **similarity** rating of each pair.
    model : array_like, shape (n_pairs,) or (n_pairs, n_layers)
        The model's **similarity** of each pair (cosine similarity, expected rating), one
        column per layer.
    layers
        Label of each column (default ``0..n_layers-1``).
    relative_depth
        Depth of each column in the model (0 = embedding layer, 1 = last layer); default:
        evenly spaced over the columns.
    n_boot
        Bootstrap samples over pairs (0 skips the interval).
    ci
        Level of the percentile interval.
    seed
        Seed or generator; the same seed gives the same interval. Every layer is resampled
        with the same draws (paired over layers), so a layer's interval does not depend on
        which other layers are selected.

    Returns
    -------
    pandas.DataFrame
        One row per layer: ``layer``, ``relative_depth``,
        ``spearman``, ``ci_low``, ``ci_high`` (bootstrap percentile interval, pairs drawn with
        replacement), ``pearson``, ``n_pairs`` (pairs with both values).
    """
    from cogalign.metrics import percentile_interval, rank_rows

    h = np.asarray(human, dtype=np.float64).ravel()
    m = np.asarray(model, dtype=np.float64)
    if m.ndim == 1:
        m = m[:, None]
    if m.ndim != 2 or m.shape[0] != h.size:
        raise CogalignError(f"model must be (n_pairs,) or (n_pairs, n_layers) with n_pairs = "
                            f"{h.size}; got shape {m.shape}")
    labels = list(layers) if layers is not None else list(range(m.shape[1]))
    if len(labels) != m.shape[1]:
        raise CogalignError(f"{len(labels)} layer labels for {m.shape[1]} columns")
    depth = (list(relative_depth) if relative_depth is not None
             else [j / max(1, m.shape[1] - 1) for j in range(m.shape[1])])
    if len(depth) != m.shape[1]:
        raise CogalignError(f"{len(depth)} relative depths for {m.shape[1]} columns")
    # every layer gets the same stream of draws, so a layer's interval does not depend on
    # which other layers were selected, and layers with the same pairs are resampled together
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63 - 1))
    rows = []
    for j, layer in enumerate(labels):
        ok = np.isfinite(h) & np.isfinite(m[:, j])
        x, y = h[ok], m[ok, j]
        n = x.size
        if n < 3:
            raise CogalignError(f"layer {layer}: fewer than 3 pairs with both values")
        rho = spearman(x, y)
        low = high = np.nan
        if n_boot > 0 and np.isfinite(rho):  # NaN: a constant vector, no interval
            draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
            boots = _row_pearson(rank_rows(x[draws]), rank_rows(y[draws]))
            low, high = (float(v) for v in percentile_interval(boots, ci))
        rows.append({
            "layer": layer,
            "relative_depth": float(depth[j]),
            "spearman": rho,
            "ci_low": low,
            "ci_high": high,
            "pearson": float(_row_pearson(x[None], y[None])[0]),
            "n_pairs": int(n),
        })
    return pd.DataFrame(rows)


def subsample_pairs(pairs: pd.DataFrame, n_pairs: int | None, seed: int = 0) -> pd.DataFrame:
    """A seeded random subset of ``n_pairs`` rows (in their original order); all when None."""
    if n_pairs is None or n_pairs >= len(pairs):
        return pairs
    if n_pairs < 3:
        raise CogalignError("n_pairs must be at least 3")
    keep = np.sort(np.random.default_rng(seed).choice(len(pairs), size=n_pairs, replace=False))
    return pairs.iloc[keep].reset_index(drop=True)


def align_word_pairs(
    pairs: pd.DataFrame,
    *,
    model: Any,
    method: str = "embedding",
    layers: Any = "all",
    pooling: str | None = None,
    template: str | None = "auto",
    prompt: Any = "similarity-0-10",
    orders: str = "both",
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A model vs the human mean similarity of word pairs (``simlex999``, ``wordsim353``).

    Parameters
    ----------
    pairs
        ``word_a``, ``word_b``, ``similarity`` (mean human rating).
    model
        Model preset, hub id or path.
    method
        ``"embedding"``: cosine similarity of pooled hidden states at each selected layer;
        ``"prompt"``: expected rating of the prompted model (one row, layer ``"prompt"``).
    layers, pooling, template
        Embedding method: layer selection (``"all"``, ``"last"``, ``"0,6,-1"``), pooling and
        item template (see :func:`cogalign.similarity.llm.embedding_similarity`).
    prompt, orders
        Prompt method: template (see :func:`cogalign.similarity.llm.load_template`) and item
        orders (``"both"`` or ``"one"``).
    n_boot, seed
        Bootstrap over pairs.
    progress
        Show progress bars.

    Returns
    -------
    summary : pandas.DataFrame
        The rows of :func:`word_pair_alignment` (plus ``valid_mass`` and
        ``mean_order_effect`` for the prompt method).
    pair_values : pandas.DataFrame
        ``word_a``, ``word_b``, ``human`` and the model's similarity per layer (columns named
        by layer), for scatter plots.
    """
    from cogalign.similarity.llm import _pair_cosines, prompt_ratings

    missing = [c for c in ("word_a", "word_b", "similarity") if c not in pairs.columns]
    if missing:
        raise CogalignError(f"the word-pair table lacks columns {missing}")
    a, b = pairs["word_a"].astype(str).tolist(), pairs["word_b"].astype(str).tolist()
    human = pairs["similarity"].to_numpy(dtype=np.float64)
    values = pd.DataFrame({"word_a": a, "word_b": b, "human": human})
    if method == "embedding":
        sim, layer_ids, depth = _pair_cosines(a, b, model, layers, pooling, template,
                                              progress)
        summary = word_pair_alignment(human, sim, layers=layer_ids, relative_depth=depth,
                                      n_boot=n_boot, seed=seed)
        for j, layer in enumerate(layer_ids):
            values[f"layer {layer}"] = sim[:, j]
        return summary, values
    if method == "prompt":
        rated = prompt_ratings(a, b, model=model, template=prompt, orders=orders,
                               progress=progress)
        summary = word_pair_alignment(human, rated["expected"].to_numpy(), layers=["prompt"],
                                      n_boot=n_boot, seed=seed)
        summary["relative_depth"] = np.nan
        summary["template"] = rated.attrs["template"]
        summary["orders"] = orders
        summary["valid_mass"] = float(rated["valid_mass"].mean())
        summary["mean_order_effect"] = float(np.nanmean(rated["order_effect"])) \
            if np.isfinite(rated["order_effect"]).any() else np.nan
        values["prompt"] = rated["expected"].to_numpy()
        values["order_effect"] = rated["order_effect"].to_numpy()
        return summary, values
    raise CogalignError(f"method must be 'embedding' or 'prompt', got {method!r}")


def choose_word_context(
    pairs: pd.DataFrame,
    *,
    model: Any,
    layers: Any = "last",
    candidates: Sequence[str] | None = None,
    held_out: float = 0.5,
    seed: int = 0,
    progress: bool = False,
) -> Any:
    """Choose the context a model reads words in, on half of the pairs; score it on the rest.

    Each candidate context (:data:`cogalign.llm.context.CONTEXTS`) is scored by the Spearman
    correlation between the model's cosine similarity (one layer) and the human ratings on a
    random half of the pairs; the best one is reported with its Spearman on the other half
    (:func:`cogalign.llm.context.choose_context`), next to the bare words' held-out Spearman.

    Parameters
    ----------
    pairs
        ``word_a``, ``word_b``, ``similarity``.
    model
        Model preset, hub id or path.
    layers
        One layer (default the last).
    candidates
        Contexts to try (default :data:`cogalign.llm.context.CONTEXTS`).
    held_out, seed
        Share of the pairs kept for the reported score, and the split's seed.
    progress
        Show progress bars.

    Returns
    -------
    cogalign.llm.context.ContextChoice
    """
    from cogalign.llm.context import CONTEXTS, choose_context
    from cogalign.similarity.llm import _pair_cosines

    a, b = pairs["word_a"].astype(str).tolist(), pairs["word_b"].astype(str).tolist()
    human = pairs["similarity"].to_numpy(dtype=np.float64)
    sims: dict[str, NDArray] = {}

    def score(template: str, rows: NDArray) -> float:
        if template not in sims:
            sim, _, _ = _pair_cosines(a, b, model, layers, None, template, progress)
            if sim.shape[1] != 1:
                raise CogalignError(f"choose one layer, got {sim.shape[1]}")
            sims[template] = sim[:, 0]
        return spearman(sims[template][rows], human[rows])

    return choose_context(score, len(pairs), candidates=candidates or CONTEXTS,
                          held_out=held_out, seed=seed)
