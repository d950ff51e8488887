r"""Human vs model alignment for pairwise similarity: word pairs, full matrices, individuals.

Three questions, one function each:

* **word-pair alignment** (:func:`word_pair_alignment`): for datasets that give one mean
  human rating per word pair (``simlex999``, ``wordsim353``), the Spearman correlation
  between the model's pair similarities and the human means, per layer, with a bootstrap
  percentile interval over pairs. Both sides are **similarities** (ratings, cosine
  similarity, expected rated similarity); a Spearman correlation between two similarity
  vectors equals the one between the corresponding dissimilarities.
* **full-matrix RSA** (:func:`rsa_alignment`): with per-participant ratings of every pair of
  a set of items, each candidate RDM's mean agreement with the participants' RDMs
  (:func:`cogalign.metrics.bootstrap_rsa`, interval over items), next to the noise ceiling
  (:func:`cogalign.metrics.rdm_noise_ceiling`).
* **individual-level Turing RSA** (:func:`turing_rsa`): whether each candidate could pass for
  one more participant (:func:`cogalign.metrics.individual_alignment`): its agreement with
  leave-one-out groups is ranked among the humans' own, with a bootstrap interval on the
  percentile and an inside/outside-the-human-range verdict (Ogg et al. 2024).

Prompt templates and sampling temperatures are compared by :func:`prompt_sweep` in one tidy
table. Everything that takes RDMs takes **dissimilarities** (:mod:`cogalign.metrics.rdm`).

References
----------
Hill, F., Reichart, R., & Korhonen, A. (2015). SimLex-999: evaluating semantic models with
(genuine) similarity estimation. Computational Linguistics 41(4), 665-695.

Finkelstein, L., et al. (2002). Placing search in context: the concept revisited. ACM
Transactions on Information Systems 20(1), 116-131 (WordSim-353).

Nili, H., et al. (2014). A toolbox for representational similarity analysis. PLoS Comput.
Biol. 10(4): e1003553.

Ogg, M., Bose, R., Scharf, J., Ratto, C., & Wolmetz, M. (2024). Turing Representational
Similarity Analysis (RSA): a flexible method for measuring alignment between human and
artificial intelligence. arXiv:2412.00577.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError

__all__ = [
    "TuringRSA",
    "align_ratings",
    "align_word_pairs",
    "classical_mds",
    "demo_section",
    "population_spread",
    "prompt_sweep",
    "rsa92_turing",
    "rsa_alignment",
    "second_order_mds",
    "spearman",
    "subsample_pairs",
    "turing_rsa",
    "word_pair_alignment",
]

WORD_PAIR_DATASETS = ("simlex999", "wordsim353")


# --------------------------------------------------------------------------------------------
# word pairs
# --------------------------------------------------------------------------------------------


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
    template: str | None = None,
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


# --------------------------------------------------------------------------------------------
# full matrices
# --------------------------------------------------------------------------------------------


def _as_rdms(x: Any, what: str) -> Any:
    from cogalign.metrics import RDMs

    try:
        return x if isinstance(x, RDMs) else RDMs.from_array(x)
    except ValueError as exc:
        raise CogalignError(f"{what}: {exc}") from None


def _group_agreement(people: Any, cands: Any, method: str, n_boot: int, over: str,
                     ci: float, seed: Any) -> tuple[NDArray, NDArray, NDArray]:
    """Mean agreement of each candidate with the participants, and its bootstrap interval."""
    from cogalign.metrics import bootstrap_rsa, rsa

    if n_boot > 0:
        boot = bootstrap_rsa(people, cands, method, over=over, n_boot=n_boot, ci=ci, seed=seed)
        return boot.estimate, boot.ci_low, boot.ci_high
    per = np.asarray(rsa(cands.vectors, people.vectors, method), dtype=np.float64)
    estimate = per.reshape(cands.n_rdms, people.n_rdms).mean(axis=1)
    empty = np.full(cands.n_rdms, np.nan)
    return estimate, empty, empty.copy()


def rsa_alignment(
    participant_rdms: Any,
    candidate_rdms: Any,
    *,
    method: str = "spearman",
    names: Sequence[str] | None = None,
    n_boot: int = 1000,
    over: str = "items",
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Group-level RSA of candidate RDMs against participants' RDMs, with the noise ceiling.

    Parameters
    ----------
    participant_rdms
        One **dissimilarity** RDM per participant (``(m, n, n)``, condensed stack or
        :class:`cogalign.metrics.RDMs`); NaN for unrated pairs.
    candidate_rdms
        One candidate dissimilarity RDM or a stack (models, layers, brain regions).
    method
        Comparator (see :func:`cogalign.metrics.rsa`).
    names
        Candidate names (default: the RDMs' names, else ``0..k-1``).
    n_boot, over, ci, seed
        Bootstrap of the mean agreement (:func:`cogalign.metrics.bootstrap_rsa`): over
        ``"items"``, ``"participants"`` or ``"both"``.

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``candidate``, ``rsa`` (mean over participants of
        ``rsa(candidate, participant)``), ``ci_low``, ``ci_high``, ``rsa_pooled``
        (against the participants' pooled RDM), ``noise_ceiling_lower``,
        ``noise_ceiling_upper`` (NaN with fewer than 2 participants),
        ``share_of_lower_ceiling`` (``rsa / noise_ceiling_lower``), ``n_participants``,
        ``n_items``.
    """
    from cogalign.metrics import pool_rdms, rdm_noise_ceiling, rsa

    people = _as_rdms(participant_rdms, "participant_rdms")
    cands = _as_rdms(candidate_rdms, "candidate_rdms")
    if people.n_items != cands.n_items:
        raise CogalignError(f"participant RDMs have {people.n_items} items, candidates "
                            f"{cands.n_items}")
    labels = list(names) if names is not None else (
        list(cands.names) if cands.names else [str(i) for i in range(cands.n_rdms)])
    if len(labels) != cands.n_rdms:
        raise CogalignError(f"{len(labels)} names for {cands.n_rdms} candidates")
    estimate, low, high = _group_agreement(people, cands, method, n_boot, over, ci, seed)
    pooled = pool_rdms(people, method) if people.n_rdms > 1 else people.vectors[0]
    vs_pool = np.atleast_1d(rsa(cands, pooled, method))
    if people.n_rdms >= 2:
        ceiling = rdm_noise_ceiling(people, method)
        lower, upper = ceiling.lower, ceiling.upper
    else:
        lower = upper = np.nan
    rows = []
    for k, name in enumerate(labels):
        rows.append({
            "candidate": name,
            "rsa": float(estimate[k]),
            "ci_low": float(low[k]),
            "ci_high": float(high[k]),
            "rsa_pooled": float(vs_pool[k]),
            "noise_ceiling_lower": lower,
            "noise_ceiling_upper": upper,
            "share_of_lower_ceiling": float(estimate[k] / lower)
            if np.isfinite(lower) and lower > 0 else np.nan,
            "n_participants": people.n_rdms,
            "n_items": people.n_items,
        })
    return pd.DataFrame(rows)


def align_ratings(
    table: pd.DataFrame,
    *,
    model: Any,
    method: str = "embedding",
    layers: Any = "all",
    pooling: str | None = None,
    template: str | None = None,
    prompt: Any = None,
    orders: str = "both",
    rsa_method: str = "spearman",
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A model's RDM (per layer, or from prompted ratings) vs participants' rating RDMs.

    Parameters
    ----------
    table
        Pairwise ratings (:data:`cogalign.data.schemas.PAIRWISE`) from several participants;
        item labels are the text the model sees.
    model
        Model preset, hub id or path.
    method
        ``"embedding"`` (cosine-distance RDM per layer) or ``"prompt"`` (expected rating of
        every pair of items, flipped to a dissimilarity on the template's scale).
    layers, pooling, template, prompt, orders
        As in :func:`align_word_pairs`; the default prompt is the built-in task on the data's
        scale.
    rsa_method, n_boot, seed
        Comparator and bootstrap (over items) of :func:`rsa_alignment`.
    progress
        Show progress bars.

    Returns
    -------
    summary : pandas.DataFrame
        :func:`rsa_alignment` rows with ``layer`` and ``relative_depth``.
    info : dict
        ``labels``, ``n_participants``, ``reliability`` (split-half etc., JSON-able).
    """
    from cogalign.similarity.llm import _layer_rdms, prompt_rdm, task_for_scale
    from cogalign.similarity.ratings import participant_rdms, rating_scale, reliability

    people = participant_rdms(table)
    labels = list(people.labels)
    if people.rdms.n_rdms < 2:
        raise CogalignError("full-matrix RSA needs ratings from at least 2 participants")
    if method == "embedding":
        cands, layer_ids, depth = _layer_rdms(labels, model, layers, pooling, template,
                                              progress)
    elif method == "prompt":
        template_name = prompt or task_for_scale(rating_scale(table))
        cands, _ = prompt_rdm(labels, model=model, template=template_name, orders=orders,
                              progress=progress)
        layer_ids, depth = ["prompt"], [np.nan]
    else:
        raise CogalignError(f"method must be 'embedding' or 'prompt', got {method!r}")
    summary = rsa_alignment(people.rdms, cands, method=rsa_method, n_boot=n_boot, seed=seed)
    summary.insert(0, "layer", layer_ids)
    summary.insert(1, "relative_depth", depth)
    rel = reliability(table, method=rsa_method, seed=seed)
    info = {"labels": labels, "n_participants": people.rdms.n_rdms,
            "reliability": rel.to_dict()}
    return summary, info


# --------------------------------------------------------------------------------------------
# individuals
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TuringRSA:
    """Result of :func:`turing_rsa`: where each candidate falls among individual humans.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per candidate: ``candidate``, ``kind``, ``score`` (mean agreement with the
        leave-one-out human groups), ``percentile`` among the humans' own scores with
        ``percentile_low`` / ``percentile_high`` (bootstrap over items),
        ``inside_human_range``, ``verdict`` (``"inside"``, ``"below"`` or ``"above"`` the
        human range), ``p_below`` / ``p_above`` (rank tests, see
        :mod:`cogalign.metrics.individual`), ``human_min`` / ``human_median`` /
        ``human_max``, and the group-level ``group_rsa`` (mean agreement with individual
        participants) with ``group_ci_low`` / ``group_ci_high``.
    humans : pandas.DataFrame
        One row per participant: ``participant``, ``score`` (agreement with the others'
        pooled RDM), ``percentile`` among the humans.
    noise_ceiling : dict
        ``lower`` / ``upper`` noise ceiling of the participants.
    alignment : cogalign.metrics.IndividualAlignment
        The full result (pairwise human agreement, per-participant candidate agreement,
        bootstrap replicates).
    method : str
    n_items, n_participants : int
    """

    table: pd.DataFrame
    humans: pd.DataFrame
    noise_ceiling: dict[str, float]
    alignment: Any = field(repr=False)
    method: str = "spearman"
    n_items: int = 0
    n_participants: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (tables as lists of records)."""
        import json

        return {
            "method": self.method,
            "n_items": self.n_items,
            "n_participants": self.n_participants,
            "noise_ceiling": self.noise_ceiling,
            "human_pairwise_mean": float(np.nanmean(_off_diagonal(
                self.alignment.human_pairwise))),
            "candidates": json.loads(self.table.to_json(orient="records")),
            "humans": json.loads(self.humans.to_json(orient="records")),
        }


def _off_diagonal(matrix: NDArray) -> NDArray:
    m = np.asarray(matrix)
    return m[~np.eye(m.shape[0], dtype=bool)]


def turing_rsa(
    participant_rdms: Any,
    candidate_rdms: Any,
    *,
    names: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    participants: Sequence[str] | None = None,
    method: str = "spearman",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> TuringRSA:
    """Individual-level Turing RSA: could each candidate pass for one more participant?

    Each participant's agreement with the pooled RDM of the others is the human
    distribution; each candidate's mean agreement with the same leave-one-out groups is
    ranked within it (:func:`cogalign.metrics.individual_alignment`). A candidate inside the
    human range is as aligned with the group as a person is; below it, less; above it, more
    consistent with the group than any individual (a model of the average, not of a person).

    Parameters
    ----------
    participant_rdms
        One **dissimilarity** RDM per participant, at least 3.
    candidate_rdms
        Candidate dissimilarity RDMs over the same items (models, brain regions, language
        model layers, synthetic LLM individuals).
    names, kinds
        Candidate names and kinds (e.g. ``"brain"``, ``"model"``, ``"llm"``); default: the
        RDMs' names, kind ``"candidate"``.
    participants
        Participant names (default: the RDMs' names).
    method
        Comparator (see :func:`cogalign.metrics.rsa`).
    n_boot, ci, seed
        Item bootstrap of the percentile and of the group-level agreement.

    Returns
    -------
    TuringRSA
    """
    from cogalign.metrics import individual_alignment, rdm_noise_ceiling

    people = _as_rdms(participant_rdms, "participant_rdms")
    cands = _as_rdms(candidate_rdms, "candidate_rdms")
    if people.n_rdms < 3:
        raise CogalignError("Turing RSA needs RDMs from at least 3 participants")
    if people.n_items != cands.n_items:
        raise CogalignError(f"participant RDMs have {people.n_items} items, candidates "
                            f"{cands.n_items}")
    names = list(names) if names is not None else (
        list(cands.names) if cands.names else [f"candidate {i}" for i in range(cands.n_rdms)])
    kinds = list(kinds) if kinds is not None else ["candidate"] * cands.n_rdms
    if not len(names) == len(kinds) == cands.n_rdms:
        raise CogalignError(f"{len(names)} names and {len(kinds)} kinds for "
                            f"{cands.n_rdms} candidates")
    who = list(participants) if participants is not None else (
        list(people.names) if people.names else [f"p{i + 1}" for i in range(people.n_rdms)])
    rng = np.random.default_rng(seed)
    result = individual_alignment(people, cands, method, n_boot=n_boot, ci=ci, seed=rng,
                                  names=names)
    estimate, low, high = _group_agreement(people, cands, method, n_boot, "items", ci, rng)
    table = result.to_frame()
    table.insert(1, "kind", kinds)
    verdict = np.where(result.inside_range, "inside",
                       np.where(result.candidate_scores < result.human_scores.min(),
                                "below", "above"))
    table.insert(table.columns.get_loc("inside_human_range") + 1, "verdict", verdict)
    table["group_rsa"] = estimate
    table["group_ci_low"] = low
    table["group_ci_high"] = high
    human = result.human_scores
    below = (human[None, :] < human[:, None]).sum(axis=1)
    ties = (human[None, :] == human[:, None]).sum(axis=1) - 1
    humans = pd.DataFrame({"participant": who, "score": human,
                           "percentile": 100.0 * (below + 0.5 * ties) / max(1, human.size - 1)})
    ceiling = rdm_noise_ceiling(people, method)
    return TuringRSA(table=table, humans=humans,
                     noise_ceiling={"lower": ceiling.lower, "upper": ceiling.upper},
                     alignment=result, method=result.method, n_items=people.n_items,
                     n_participants=people.n_rdms)


def population_spread(human_rdms: Any, synthetic_rdms: Any, method: str = "spearman"
                      ) -> dict[str, float]:
    """How much individuals differ: mean pairwise agreement within each population.

    Ogg et al. (2024) found that no model reproduced the spread between human individuals:
    synthetic individuals sampled from one language model agree with each other far more
    than people do. Takes two stacks of **dissimilarity** RDMs over the same items.

    Returns
    -------
    dict
        ``human_mean`` / ``human_sd`` and ``synthetic_mean`` / ``synthetic_sd`` of the
        pairwise agreements (off-diagonal ``rsa`` values) and ``n_human``, ``n_synthetic``.
    """
    from cogalign.metrics import rsa

    out: dict[str, float] = {}
    for key, x in (("human", human_rdms), ("synthetic", synthetic_rdms)):
        rdms = _as_rdms(x, f"{key}_rdms")
        if rdms.n_rdms < 2:
            raise CogalignError(f"{key}: need at least 2 RDMs to measure spread")
        with np.errstate(invalid="ignore", divide="ignore"):
            pair = _off_diagonal(np.asarray(rsa(rdms, rdms, method)))
        out[f"{key}_mean"] = float(np.nanmean(pair)) if np.isfinite(pair).any() else np.nan
        out[f"{key}_sd"] = float(np.nanstd(pair)) if np.isfinite(pair).any() else np.nan
        out[f"n_{key}"] = rdms.n_rdms
    return out


def second_order_mds(rdms: Any, method: str = "spearman", n_components: int = 2
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Place RDMs (humans and models) in one space: classical MDS of ``1 - rsa``.

    Parameters
    ----------
    rdms
        A stack of **dissimilarity** RDMs over the same items.
    method
        Comparator; the distance between two RDMs is ``1 - rsa(a, b, method)``.
    n_components
        Dimensions of the embedding.

    Returns
    -------
    coordinates : ndarray, shape (n_rdms, n_components)
        Torgerson (classical) MDS, each axis signed so its largest loading is positive.
    distances : ndarray, shape (n_rdms, n_rdms)
        The second-order distances that were embedded.
    """
    from cogalign.metrics import rsa

    stack = _as_rdms(rdms, "rdms")
    if stack.n_rdms < 2:
        raise CogalignError("MDS needs at least 2 RDMs")
    d = 1.0 - np.asarray(rsa(stack, stack, method), dtype=np.float64)
    d = 0.5 * (d + d.T)
    np.fill_diagonal(d, 0.0)
    d = np.nan_to_num(d, nan=1.0)
    return classical_mds(d, n_components), d


def classical_mds(distances: ArrayLike, n_components: int = 2) -> NDArray[np.float64]:
    """Classical (Torgerson) multidimensional scaling of a distance matrix.

    The doubly centred matrix ``B = -1/2 J D^2 J`` is factored and the top
    ``n_components`` eigenvectors, scaled by the square roots of their (non-negative)
    eigenvalues, are the coordinates; each axis is signed so its largest loading is
    positive. For Euclidean distances in at most ``n_components`` dimensions the distances
    between the coordinates reproduce ``distances`` exactly.
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise CogalignError(f"distances must be a square matrix, got shape {d.shape}")
    n = d.shape[0]
    centre = np.eye(n) - 1.0 / n
    gram = -0.5 * centre @ (d**2) @ centre
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:n_components]
    coords = vectors[:, top] * np.sqrt(np.clip(values[top], 0, None))[None, :]
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), np.arange(coords.shape[1])])
    coords = coords * np.where(signs == 0, 1.0, signs)[None, :]
    if coords.shape[1] < n_components:
        coords = np.pad(coords, ((0, 0), (0, n_components - coords.shape[1])))
    return coords


def rsa92_turing(stack: Any = None, *, candidates: Sequence[str] = ("brain", "model"),
                 method: str = "spearman", n_boot: int = 1000, seed: int = 0) -> TuringRSA:
    """Turing RSA on ``rsa92``: 16 participants' similarity judgements vs brain and models.

    Parameters
    ----------
    stack
        The ``rsa92`` :class:`~cogalign.data.RDMStack` (loaded when None).
    candidates
        Kinds of RDM used as candidates (``"brain"``, ``"model"``).
    method, n_boot, seed
        As in :func:`turing_rsa`.
    """
    if stack is None:
        from cogalign.data import load

        stack = load("rsa92")
    people = stack.select("behaviour")
    picked = [stack.select(kind) for kind in candidates]
    rdms = np.concatenate([p.rdms for p in picked])
    names = [n for p in picked for n in p.names]
    kinds = [k for p in picked for k in p.kinds]
    return turing_rsa(people.rdms, rdms, names=names, kinds=kinds,
                      participants=[n.split("|")[-1].strip() for n in people.names],
                      method=method, n_boot=n_boot, seed=seed)


# --------------------------------------------------------------------------------------------
# sweeps over prompt templates and temperatures
# --------------------------------------------------------------------------------------------


def _rating_matrix(table: pd.DataFrame, n_pairs: int) -> NDArray:
    """(participants, pairs) ratings from a synthetic table (``trial`` = pair index)."""
    ids = sorted(table["participant_id"].unique())
    out = np.full((len(ids), n_pairs), np.nan)
    row = {p: i for i, p in enumerate(ids)}
    out[table["participant_id"].map(row).to_numpy(), table["trial"].to_numpy()] = \
        table["rating"].to_numpy(dtype=np.float64)
    return out


def prompt_sweep(
    item_a: Sequence[str],
    item_b: Sequence[str],
    human: ArrayLike,
    *,
    model: Any = "smollm2-135m",
    templates: Sequence[Any] = ("similarity-0-10", "similarity-0-10-meaning"),
    temperatures: Sequence[float] = (0.0, 0.5, 1.0, 2.0),
    n_participants: int = 10,
    orders: str = "both",
    human_rdms: Any = None,
    labels: Sequence[str] | None = None,
    method: str = "spearman",
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """How prompt template and temperature move a model towards or away from people.

    For every template the model's expected rating of each pair is scored once (the
    distributions are cached, so temperatures cost no extra model calls), then synthetic
    individuals are sampled at every temperature.

    Parameters
    ----------
    item_a, item_b
        The pairs.
    human : array_like, shape (n_pairs,)
        Mean human **similarity** of each pair.
    model
        A causal language model.
    templates
        Prompt templates (see :func:`cogalign.similarity.llm.load_template`).
    temperatures
        Sampling temperatures of the synthetic individuals.
    n_participants
        Synthetic individuals per template and temperature.
    orders
        ``"both"`` or ``"one"`` item order(s).
    human_rdms, labels
        Optional per-participant human **dissimilarity** RDMs over ``labels`` (full-matrix
        data; the pairs must cover every pair of ``labels``): adds where the synthetic
        individuals fall in the human distribution (:func:`turing_rsa`) and the humans' own
        spread.
    method
        Comparator for the RDM-level columns.
    seed
        Seed of the sampling.
    progress
        Show progress bars.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per template and rater (``rater = "expected"`` with ``temperature``
        NaN, then ``"synthetic"`` per temperature). Columns: ``template``, ``rater``,
        ``temperature``, ``group_spearman`` (mean rating over synthetic individuals, or the
        expected rating, vs the human means), ``individual_spearman_mean`` /
        ``individual_spearman_sd`` (each synthetic individual vs the human means),
        ``synthetic_agreement`` (mean pairwise Spearman between synthetic individuals: 1 =
        no individual differences), ``valid_mass``, ``n_pairs``, ``n_participants``; with
        ``human_rdms`` also ``human_agreement`` (mean pairwise agreement between people)
        and ``share_inside_human_range`` (synthetic individuals inside the human range).
    """
    from cogalign.metrics import RDMs, rank_rows
    from cogalign.similarity.llm import prompt_ratings, synthetic_participants
    from cogalign.similarity.ratings import participant_rdms

    h = np.asarray(human, dtype=np.float64).ravel()
    if h.size != len(item_a):
        raise CogalignError(f"{h.size} human ratings for {len(item_a)} pairs")
    people = _as_rdms(human_rdms, "human_rdms") if human_rdms is not None else None
    human_agreement = np.nan
    if people is not None:
        human_agreement = population_spread(people, people, method)["human_mean"]
    rows: list[dict[str, Any]] = []
    for template in templates:
        rated = prompt_ratings(item_a, item_b, model=model, template=template, orders=orders,
                               progress=progress)
        name = rated.attrs["template"]
        base = {"template": name, "valid_mass": float(rated["valid_mass"].mean()),
                "n_pairs": int(h.size)}
        rows.append({**base, "rater": "expected", "temperature": np.nan,
                     "group_spearman": spearman(h, rated["expected"]),
                     "individual_spearman_mean": np.nan, "individual_spearman_sd": np.nan,
                     "synthetic_agreement": np.nan, "n_participants": 0,
                     "human_agreement": human_agreement, "share_inside_human_range": np.nan})
        for t, temperature in enumerate(temperatures):
            synth = synthetic_participants(item_a, item_b, model=model, template=template,
                                           n_participants=n_participants,
                                           temperature=float(temperature), orders=orders,
                                           seed=seed + t, progress=False)
            matrix = _rating_matrix(synth, h.size)
            ok = np.isfinite(h)
            ranks = rank_rows(matrix[:, ok])
            each = _row_pearson(ranks, rank_rows(h[ok][None]))
            if n_participants > 1:
                corr = _row_pearson(ranks[:, None, :], ranks[None, :, :])
                agree = float(np.nanmean(_off_diagonal(corr))) \
                    if np.isfinite(_off_diagonal(corr)).any() else np.nan
            else:
                agree = np.nan
            inside = np.nan
            if people is not None:
                synth_rdms = participant_rdms(synth, labels=labels).rdms
                verdict = turing_rsa(people, RDMs(synth_rdms.vectors), method=method,
                                     n_boot=0, seed=seed).table["inside_human_range"]
                inside = float(np.mean(verdict))
            rows.append({**base, "rater": "synthetic", "temperature": float(temperature),
                         "group_spearman": spearman(h, np.nanmean(matrix, axis=0)),
                         "individual_spearman_mean": float(np.nanmean(each))
                         if np.isfinite(each).any() else np.nan,
                         "individual_spearman_sd": float(np.nanstd(each))
                         if np.isfinite(each).any() else np.nan,
                         "synthetic_agreement": agree, "n_participants": n_participants,
                         "human_agreement": human_agreement,
                         "share_inside_human_range": inside})
    columns = ["template", "rater", "temperature", "group_spearman", "individual_spearman_mean",
               "individual_spearman_sd", "synthetic_agreement", "human_agreement",
               "share_inside_human_range", "valid_mass", "n_pairs", "n_participants"]
    return pd.DataFrame(rows)[columns]


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------


def demo_section(
    echo: Callable[[str], Any] | None = None,
    models: Sequence[str] = ("minilm-l6", "smollm2-135m"),
    datasets: Sequence[str] = WORD_PAIR_DATASETS,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """The word-similarity part of ``cogalign demo``: offline models vs human word ratings.

    For each model (last layer, embedding method, cosine similarity) and each word-pair
    dataset found locally (never downloaded), the Spearman correlation with the human mean
    ratings and its bootstrap interval. Anything missing (data, model package) is skipped
    with the reason.

    Returns
    -------
    dict
        ``{"results": [{"model", "dataset", "layer", "spearman", "ci_low", "ci_high",
        "n_pairs"}, ...], "skipped": [{"what", "reason"}, ...]}`` (JSON-able).
    """
    from cogalign.data import load

    report: dict[str, Any] = {"results": [], "skipped": []}

    def skip(what: str, exc: BaseException) -> None:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        report["skipped"].append({"what": what, "reason": reason})
        if echo:
            echo(f"  skipped {what}: {reason}")

    if echo:
        echo("\nWord similarity (last layer, cosine): language models vs human ratings")
    tables = {}
    for name in datasets:
        try:
            tables[name] = load(name, download=False, progress=False)
        except CogalignError as exc:
            skip(name, exc)
    if not tables:
        return report
    for model in models:
        for name, pairs in tables.items():
            try:
                summary, _ = align_word_pairs(pairs, model=model, method="embedding",
                                              layers="last", n_boot=n_boot, seed=0,
                                              progress=False)
            except Exception as exc:  # a missing model package or weights: say so, go on
                skip(f"{model} on {name}", exc)
                break
            row = summary.iloc[-1]
            entry = {"model": model, "dataset": name, "layer": int(row["layer"]),
                     "spearman": float(row["spearman"]), "ci_low": float(row["ci_low"]),
                     "ci_high": float(row["ci_high"]), "n_pairs": int(row["n_pairs"])}
            report["results"].append(entry)
            if echo:
                echo(f"  {model:<14} {name:<11} layer {entry['layer']:>2}: Spearman "
                     f"{entry['spearman']:.3f} [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]"
                     f"  ({entry['n_pairs']} pairs)")
    return report
