"""Sweeps: how template and temperature move a language model towards or away from people.

:func:`prompt_sweep` scores every template's expected ratings once and samples synthetic
individuals at every temperature, in one tidy table; :func:`sweep_alignment` is the
paradigm's align entry (the contract of :mod:`cogalign.paradigms`) that ``cogalign sweep``
calls, one model, dataset, layer spec, template and temperature at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError
from cogalign.similarity.group import _as_rdms
from cogalign.similarity.individual import _off_diagonal, population_spread, turing_rsa
from cogalign.similarity.wordpairs import _row_pearson, spearman

__all__ = ["DEFAULT_DATASET", "prompt_sweep", "sweep_alignment"]


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
        individuals fall in the human distribution
        (:func:`~cogalign.similarity.individual.turing_rsa`) and the humans' own spread.
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


#: The word-pair dataset a sweep uses when it names none.
DEFAULT_DATASET = "simlex999"


def _human_pairs(dataset: str, progress: bool) -> tuple[pd.DataFrame, NDArray | None]:
    """The word pairs and the raters x pairs matrix of a dataset.

    ``(pairs with word_a, word_b, similarity, scale_max)``, and the matrix (``None`` for a
    dataset of mean ratings).
    """
    from cogalign.data import load
    from cogalign.similarity.raters import RATER_DATASETS, rater_matrix
    from cogalign.similarity.wordpairs import WORD_PAIR_DATASETS

    if dataset in WORD_PAIR_DATASETS:
        pairs = load(dataset, download=True, progress=progress)
        return pairs.assign(scale_max=10.0), None
    if dataset in RATER_DATASETS:
        table = load(dataset, download=True, progress=progress)
        pairs, ratings, _ = rater_matrix(table)
        pairs = pd.DataFrame({"word_a": pairs["item_a"], "word_b": pairs["item_b"],
                              "similarity": np.nanmean(ratings, axis=0),
                              "scale_max": float(table["scale_max"].iloc[0])})
        return pairs, ratings
    raise CogalignError(f"the similarity sweep measures word-pair datasets "
                        f"({', '.join(WORD_PAIR_DATASETS + RATER_DATASETS)}), not {dataset!r}")


def _model_columns(a: list[str], b: list[str], model: str, method: str, layer: Any,
                   template: str | None, scale_max: float, orders: str, progress: bool
                   ) -> tuple[NDArray, list[Any], list[float], str, dict[str, Any]]:
    """The model's similarity of every pair, one column per layer or prompt.

    Returns the similarities (layer, or the prompt's expected rating), the column labels,
    their depths, the template used and extra row keys.
    """
    from cogalign.similarity.llm import _pair_cosines, prompt_ratings, task_for_scale

    if method == "embedding":
        sim, layer_ids, depth = _pair_cosines(a, b, model, "all" if layer is None else layer,
                                              None, template, progress)
        return sim, list(layer_ids), list(depth), template or "{item}", {}
    rated = prompt_ratings(a, b, model=model, orders=orders, progress=progress,
                           template=template or task_for_scale((0.0, scale_max)))
    extra = {"valid_mass": float(np.nanmean(rated["valid_mass"]))}
    return (rated["expected"].to_numpy(dtype=np.float64)[:, None], ["prompt"], [float("nan")],
            rated.attrs["template"], extra)


def sweep_alignment(
    model: str,
    *,
    dataset: str | None = None,
    layer: str | int | None = None,
    template: str | None = None,
    temperature: float | None = None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = False,
    method: str = "embedding",
    n_synthetic: int = 10,
    orders: str = "both",
    n_boot: int = 1000,
) -> list[dict[str, Any]]:
    """The similarity paradigm's align entry: a model's word-pair similarities against people.

    Follows the align contract of :mod:`cogalign.paradigms`; the units are word pairs, split
    in half with ``seed`` for held-out selection.

    * Datasets of mean ratings (``simlex999``, ``wordsim353``): the primary metric is
      ``spearman`` with the mean ratings (no noise ceiling is known).
    * Per-rater datasets (``wordsim353-raters-set1``, ``wordsim353-raters-set2``,
      ``card660``): the primary metric is ``rsa``, the mean Spearman correlation with the
      individual raters, whose ceiling is the lower noise ceiling (``ceiling_upper`` the
      upper); also ``spearman`` with the mean, and individual-level Turing RSA on all pairs:
      ``percentile`` among the raters (with its interval) and ``inside_human_range``.
    * With ``temperature`` (prompt method): ``n_synthetic`` synthetic individuals sampled
      from the model's answer distribution at that temperature
      (:func:`cogalign.similarity.llm.synthetic_participants`): ``synthetic_spearman``
      (their mean rating vs the human mean), ``synthetic_agreement`` (how much they agree
      with each other) next to ``human_agreement``, and on per-rater data
      ``synthetic_share_inside`` (the share inside the human range) and
      ``synthetic_percentile`` (their median percentile).

    Parameters
    ----------
    model
        Model preset, Hugging Face id or local path (a causal model for ``method="prompt"``).
    dataset
        A word-pair dataset (default ``simlex999``).
    layer
        Embedding method: a layer spec (default ``"all"``).
    template
        Embedding method: the text around each word (``"The word {item}"``; default the bare
        word). Prompt method: the prompt template (default the built-in task on the
        dataset's scale; see :func:`cogalign.similarity.llm.list_templates`).
    temperature
        Prompt method: sample synthetic individuals at this temperature.
    seed, limit, progress
        As in the contract (``limit``: number of word pairs).
    method
        ``"embedding"`` (cosine similarity of hidden states per layer) or ``"prompt"``
        (expected rating; layer ``"prompt"``).
    n_synthetic, orders, n_boot
        Synthetic individuals per cell, item orders asked (``"both"``/``"one"``), bootstrap
        samples.

    Returns
    -------
    list of dict
        Metric rows (see above) with ``relative_depth``, ``n`` (pairs), ``method``,
        ``dataset``.
    """
    from cogalign.crossval import holdout_split
    from cogalign.paradigms import align_row
    from cogalign.similarity.raters import rater_agreement, word_pair_turing
    from cogalign.similarity.wordpairs import word_pair_alignment

    if method not in ("embedding", "prompt"):
        raise CogalignError(f"method must be 'embedding' or 'prompt', got {method!r}")
    if temperature is not None and method != "prompt":
        raise CogalignError("a temperature samples synthetic individuals from prompted ratings: "
                            "use method = 'prompt'")
    name = dataset or DEFAULT_DATASET
    pairs, ratings = _human_pairs(name, progress)
    if limit is not None and limit < len(pairs):
        keep = np.sort(np.random.default_rng(seed).choice(len(pairs), size=limit, replace=False))
        pairs = pairs.iloc[keep].reset_index(drop=True)
        ratings = None if ratings is None else ratings[:, keep]
    a, b = pairs["word_a"].astype(str).tolist(), pairs["word_b"].astype(str).tolist()
    human = pairs["similarity"].to_numpy(dtype=np.float64)
    values, labels, depth, used, extra = _model_columns(
        a, b, model, method, layer, template, float(pairs["scale_max"].iloc[0]), orders,
        progress)
    train, test = holdout_split(pairs, 0.5, seed=seed)
    splits = {"all": np.arange(len(pairs)), "train": train, "test": test}
    rows: list[dict[str, Any]] = []
    for split, idx in splits.items():
        means = word_pair_alignment(human[idx], values[idx], layers=labels, relative_depth=depth,
                                    n_boot=n_boot, seed=seed)
        agree = None if ratings is None else rater_agreement(ratings[:, idx], values[idx],
                                                             n_boot=n_boot, seed=seed)
        ceiling = None
        if ratings is not None:
            from cogalign.metrics import pairs_noise_ceiling

            ceiling = pairs_noise_ceiling(ratings[:, idx])
        for j, label in enumerate(labels):
            common = {"layer": label, "template": used, "split": split,
                      "relative_depth": depth[j], "n": len(idx), "method": method,
                      "dataset": name, "temperature": None, **extra}
            m = means.iloc[j]
            rows.append(align_row("spearman", m["spearman"], ci=(m["ci_low"], m["ci_high"]),
                                  primary=ratings is None, **common))
            if agree is not None and ceiling is not None:
                g = agree.iloc[j]
                rows.append(align_row("rsa", g["rsa"], ci=(g["ci_low"], g["ci_high"]),
                                      ceiling=ceiling.lower, primary=True,
                                      ceiling_upper=ceiling.upper, **common))
    if ratings is not None:
        turing = word_pair_turing(ratings, values.T, names=[str(x) for x in labels],
                                  n_boot=n_boot, seed=seed)
        for j, rec in enumerate(turing.to_dict(orient="records")):
            common = {"layer": labels[j], "template": used, "split": "all",
                      "relative_depth": depth[j], "n": len(pairs), "method": method,
                      "dataset": name, "temperature": None, "human_min": rec["human_min"],
                      "human_max": rec["human_max"], **extra}
            rows.append(align_row("percentile", rec["percentile"],
                                  ci=(rec["percentile_low"], rec["percentile_high"]), **common))
            rows.append(align_row("inside_human_range", float(rec["inside_human_range"]),
                                  **common))
    if temperature is not None:
        rows += _synthetic_rows(a, b, human, ratings, model=model, template=used,
                                temperature=temperature, n_synthetic=n_synthetic,
                                orders=orders, seed=seed, n_boot=n_boot, progress=progress,
                                common={"layer": "synthetic", "template": used, "split": "all",
                                        "n": len(pairs), "method": method, "dataset": name,
                                        "temperature": float(temperature)})
    return rows


def _synthetic_rows(a: list[str], b: list[str], human: NDArray, ratings: NDArray | None, *,
                    model: str, template: str, temperature: float, n_synthetic: int,
                    orders: str, seed: int, n_boot: int, progress: bool,
                    common: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows about synthetic individuals sampled at one temperature (all pairs)."""
    from cogalign.metrics import rank_rows
    from cogalign.paradigms import align_row
    from cogalign.similarity.llm import synthetic_participants
    from cogalign.similarity.raters import word_pair_turing

    if n_synthetic < 2:
        raise CogalignError("n_synthetic must be at least 2 (their spread is measured)")
    synth = synthetic_participants(a, b, model=model, template=template,
                                   n_participants=n_synthetic, temperature=temperature,
                                   orders=orders, seed=seed, progress=progress)
    matrix = _rating_matrix(synth, len(a))
    rows = [align_row("synthetic_spearman", spearman(human, np.nanmean(matrix, axis=0)),
                      **common)]
    ok = np.isfinite(matrix).all(axis=0)
    ranks = rank_rows(matrix[:, ok])
    rows.append(align_row("synthetic_agreement",
                          np.nanmean(_off_diagonal(_row_pearson(ranks[:, None], ranks[None]))),
                          **common))
    if ratings is not None:
        human_ranks = rank_rows(ratings)
        rows.append(align_row("human_agreement", np.nanmean(_off_diagonal(
            _row_pearson(human_ranks[:, None], human_ranks[None]))), **common))
        turing = word_pair_turing(ratings[:, ok], matrix[:, ok], n_boot=0, seed=seed)
        rows.append(align_row("synthetic_share_inside",
                              float(turing["inside_human_range"].mean()), **common))
        rows.append(align_row("synthetic_percentile", float(turing["percentile"].median()),
                              **common))
    return rows
