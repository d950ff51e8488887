"""How well a language model's representations or choices match people's odd-one-out choices.

The headline numbers, per model layer: odd-one-out accuracy against the human choices with a
bootstrap interval over triplets, the human noise ceiling (modal agreement), and the accuracy
as a share of the ceiling. Chance is 1/3.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cogalign.errors import CogalignError

__all__ = ["DEFAULT_DATASET", "TEMPLATE_FIELDS", "align_model", "ceiling_value",
           "concept_features", "concept_texts", "embed_concepts", "prompt_alignment",
           "sweep_alignment", "triplet_alignment"]

#: Placeholders a template may use besides ``{item}`` (the item's word): columns of
#: ``things-concepts``.
TEMPLATE_FIELDS = ("word", "name", "definition", "category")


def concept_texts(concepts: pd.DataFrame, items: Sequence[int], template: str | None = None) -> list[str]:
    """Text shown to the model for each item.

    Parameters
    ----------
    concepts
        The ``things-concepts`` table (or any table with the template's columns), one row per
        item index.
    items
        Item indices to describe.
    template
        Python format string over ``{item}`` (the item's word) and the columns ``{name}``,
        ``{definition}``, ``{category}``, e.g. ``"{item}: {definition}"``; default
        ``"{item}"``. ``{word}`` is an alias of ``{item}``, kept for earlier templates and
        deprecated (a :class:`DeprecationWarning` says so).
    """
    template = template or "{item}"
    if "{word}" in template:
        warnings.warn("the placeholder {word} in an item template is deprecated; use {item}",
                      DeprecationWarning, stacklevel=2)
    rows = concepts.iloc[list(items)]
    out = []
    for _, row in rows.iterrows():
        fields = {k: ("" if pd.isna(row.get(k)) else str(row.get(k))) for k in TEMPLATE_FIELDS if k in row}
        if "word" in fields:
            fields["item"] = fields["word"]
        try:
            out.append(template.format(**fields))
        except KeyError as exc:
            raise CogalignError(
                f"template {template!r} uses {{{exc.args[0]}}}; available: "
                + ", ".join("{" + f + "}" for f in fields)
            ) from None
    return out


def ceiling_value(ceiling: Any) -> tuple[float, str | None]:
    """The modal-agreement ceiling to report, or NaN and the reason it means nothing.

    Parameters
    ----------
    ceiling
        A :class:`cogalign.metrics.TripletCeiling`.

    Returns
    -------
    tuple
        ``(value, note)``: the modal agreement and None when the ceiling is meaningful
        (:attr:`~cogalign.metrics.TripletCeiling.meaningful`: at least
        :data:`~cogalign.metrics.triplets.MIN_REPEATED_TRIPLETS` triplets answered twice or
        more, and at least half of them), else NaN and why.
    """
    problem = ceiling.problem
    return (float("nan"), problem) if problem else (float(ceiling.modal_agreement), None)


def _bootstrap_triplet_accuracy(hits: NDArray, counts: NDArray, n_boot: int, seed: int,
                                ci: float) -> tuple[float, float]:
    """Percentile interval of trial-weighted accuracy, resampling unique triplets.

    NaN for ``n_boot=0`` (no interval asked for).
    """
    if n_boot == 0:
        return float("nan"), float("nan")
    if n_boot < 0:
        raise CogalignError(f"n_boot must be 0 (no interval) or more, got {n_boot}")
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(hits), np.full(len(hits), 1 / len(hits)), size=n_boot)
    num = weights @ (hits * counts)
    den = weights @ counts
    acc = num / den
    return (float(np.quantile(acc, (1 - ci) / 2)), float(np.quantile(acc, (1 + ci) / 2)))


def triplet_alignment(
    embeddings: NDArray,
    table: pd.DataFrame,
    *,
    layers: Sequence[int] | None = None,
    similarity: str = "cosine",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Odd-one-out agreement of an embedding (per layer) with human triplet choices.

    Parameters
    ----------
    embeddings
        ``(n_items, width)`` or ``(n_items, n_layers, width)``; row ``i`` is item index ``i``
        of the trial table (rows for items never shown are ignored).
    table
        Human triplet trials (:data:`cogalign.data.schemas.TRIPLETS`).
    layers
        Layer numbers to label the rows with (default ``0..n_layers-1``).
    similarity
        Pair similarity used for the odd-one-out choice: ``"cosine"`` or ``"dot"``.
    n_boot, ci, seed
        Bootstrap over unique triplets (all repeats of a triplet move together); ``n_boot=0``
        gives no interval (``ci_low`` and ``ci_high`` NaN).

    Returns
    -------
    pandas.DataFrame
        One row per layer: ``layer``, ``relative_depth`` (0 = embedding layer, 1 = last),
        ``accuracy``, ``ci_low``, ``ci_high``, ``mean_log_likelihood`` (fitted temperature),
        ``temperature``, ``noise_ceiling`` (modal agreement), ``share_of_ceiling``,
        ``n_trials``, ``noise_ceiling_note``. Without enough repeated triplets for a
        meaningful ceiling (see :func:`ceiling_value`) ``noise_ceiling`` and
        ``share_of_ceiling`` are NaN and ``noise_ceiling_note`` says why (else None).
    """
    from cogalign.metrics import triplet_agreement, triplet_noise_ceiling

    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, None, :]
    if x.ndim != 3:
        raise CogalignError(f"embeddings must be (items, width) or (items, layers, width), got {x.shape}")
    triplets = table[["item_1", "item_2", "item_3"]].to_numpy(dtype=np.int64)
    choices = table["response"].to_numpy(dtype=np.int64)
    if triplets.max() >= len(x):
        raise CogalignError(f"the table uses item {triplets.max()} but embeddings has {len(x)} rows")
    participants = table["participant_id"].to_numpy() if "participant_id" in table else None
    ceiling, note = ceiling_value(triplet_noise_ceiling(triplets, choices, participants))
    layer_ids = list(layers) if layers is not None else list(range(x.shape[1]))
    if len(layer_ids) != x.shape[1]:
        raise CogalignError(f"{len(layer_ids)} layer labels for {x.shape[1]} layers")
    rows = []
    for j, layer in enumerate(layer_ids):
        agree = triplet_agreement(x[:, j, :], triplets, choices, participants, similarity=similarity)
        per = agree.per_triplet
        low, high = _bootstrap_triplet_accuracy(
            np.asarray(per["accuracy"], float), np.asarray(per["n_trials"], float), n_boot, seed, ci)
        rows.append({
            "layer": layer,
            "relative_depth": j / max(1, x.shape[1] - 1),
            "accuracy": agree.accuracy,
            "ci_low": low,
            "ci_high": high,
            "mean_log_likelihood": agree.mean_log_likelihood,
            "temperature": agree.temperature,
            "noise_ceiling": ceiling,
            "share_of_ceiling": agree.accuracy / ceiling,
            "n_trials": agree.n_trials,
            "noise_ceiling_note": note,
        })
    return pd.DataFrame(rows)


def embed_concepts(
    table: pd.DataFrame,
    concepts: pd.DataFrame,
    *,
    model: str = "minilm-l6",
    template: str | None = None,
    context: str | None = "auto",
    layers: Any = "all",
    pooling: str | None = None,
    progress: bool = True,
    **embed_kwargs: Any,
) -> tuple[NDArray, list[int]]:
    """Embed the concepts a triplet table uses; returns ``(n_items, n_layers, width)`` and layers.

    Only the items that occur in the table are passed through the model; other rows are zero.

    Parameters
    ----------
    template
        How each concept is written (see :func:`concept_texts`), default its word.
    context
        Prompt around the concept text with one ``{item}``; hidden states are pooled over the
        concept's tokens only; ``None`` for the bare text. ``"auto"`` applies the reading rule
        of :mod:`cogalign.llm.context`: ``"The concept: {item}"`` for causal models, so that the
        concept is not the first token (measured on THINGS with smollm2-135m: best layer 0.338
        without context, 0.413 with), and no context for encoders.
    pooling
        Defaults to the sentence-transformers pooling for sentence models and to the mean over
        content tokens otherwise.
    """
    from cogalign.llm import embed

    used = np.unique(table[["item_1", "item_2", "item_3"]].to_numpy(dtype=np.int64))
    texts = concept_texts(concepts, used, template)
    kwargs = dict(embed_kwargs)
    if pooling is not None:
        kwargs["pooling"] = pooling
    if context != "auto":  # "auto": the reading rule of cogalign.llm.context
        kwargs.update(template=context, span="item" if context is not None else "text")
    reps = embed(texts, model=model, layers=layers, progress=progress, **kwargs)
    array = np.asarray(reps.array, dtype=np.float64)
    full = np.zeros((len(concepts), array.shape[1], array.shape[2]))
    full[used] = array
    return full, list(reps.layers)


def prompt_alignment(
    table: pd.DataFrame,
    concepts: pd.DataFrame,
    *,
    model: Any = "smollm2-135m",
    template: str | None = None,
    permutations: Any = "all",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ask a causal model which item is the odd one out, and score it against people.

    Each unique triplet is asked once per presentation order (``permutations="all"``: all
    six), the option probabilities are averaged over orders, and the model's choice is the
    most probable item.

    Returns
    -------
    summary : pandas.DataFrame
        One row: ``layer`` (``"prompt"``), ``accuracy`` with ``ci_low`` / ``ci_high``,
        ``mean_log_likelihood`` of the human choices under the model's probabilities,
        ``noise_ceiling``, ``share_of_ceiling``, ``noise_ceiling_note`` (as in
        :func:`triplet_alignment`), ``n_trials``, ``position_bias``.
    judgments : pandas.DataFrame
        One row per unique triplet with the model's probabilities and choice.
    """
    from cogalign.llm import judge
    from cogalign.metrics import triplet_noise_ceiling

    shown = table[["item_1", "item_2", "item_3"]].to_numpy(dtype=np.int64)
    key = np.sort(shown, axis=1)
    unique, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    texts = {}
    for item, text in zip(np.unique(unique), concept_texts(concepts, np.unique(unique), template),
                          strict=True):
        texts[int(item)] = text
    trials = pd.DataFrame({f"item_{k + 1}": [texts[int(i)] for i in unique[:, k]] for k in range(3)})
    judged = judge(trials, "odd-one-out", model=model, permutations=permutations, seed=seed,
                   progress=progress)
    probs = judged[["p_item_1", "p_item_2", "p_item_3"]].to_numpy(dtype=np.float64)
    choice_item = unique[np.arange(len(unique)), np.nanargmax(np.nan_to_num(probs, nan=-1), axis=1)]
    response = table["response"].to_numpy(dtype=np.int64)
    hits = (choice_item[inverse] == response).astype(float)
    pos = np.argmax(unique[inverse] == response[:, None], axis=1)
    p_human = probs[inverse, pos]
    counts = np.bincount(inverse, minlength=len(unique)).astype(float)
    per_triplet_hits = np.bincount(inverse, weights=hits, minlength=len(unique)) / counts
    low, high = _bootstrap_triplet_accuracy(per_triplet_hits, counts, n_boot, seed, ci)
    participants = table["participant_id"].to_numpy() if "participant_id" in table else None
    ceiling, note = ceiling_value(triplet_noise_ceiling(shown, response, participants))
    accuracy = float(hits.mean())
    summary = pd.DataFrame([{
        "layer": "prompt",
        "relative_depth": np.nan,
        "accuracy": accuracy,
        "ci_low": low,
        "ci_high": high,
        "mean_log_likelihood": float(np.mean(np.log(np.clip(p_human, 1e-12, 1)))),
        "temperature": 1.0,
        "noise_ceiling": ceiling,
        "share_of_ceiling": accuracy / ceiling,
        "noise_ceiling_note": note,
        "n_trials": len(table),
        "n_errors": int(judged["n_errors"].sum()) if "n_errors" in judged else 0,
        "position_bias": judged.attrs.get("position_bias", {}).get("mean_prob"),
    }])
    judgments = pd.DataFrame({
        "item_1": unique[:, 0], "item_2": unique[:, 1], "item_3": unique[:, 2],
        "p_item_1": probs[:, 0], "p_item_2": probs[:, 1], "p_item_3": probs[:, 2],
        "model_choice": choice_item, "n_trials": counts.astype(int),
    })
    return summary, judgments


def _select_layers(layers: str | int | Sequence[int] | None, n_layers: int) -> list[int]:
    """Layer indices in the order given; all when None.

    ``layers`` is a layer spec (see :mod:`cogalign.llm.layers`).
    """
    from cogalign.llm.layers import parse_layers

    return parse_layers("all" if layers is None else layers, n_layers, sort=False)


def align_model(
    table: pd.DataFrame,
    concepts: pd.DataFrame,
    *,
    model: str,
    method: str = "embedding",
    layers: str | int | Sequence[int] | None = None,
    template: str | None = None,
    context: str | None = "auto",
    similarity: str = "cosine",
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """One language model against the human triplet choices, per layer or prompted.

    Parameters
    ----------
    table
        Human triplet trials.
    concepts
        ``things-concepts`` (item texts for the template).
    model
        Model preset, Hugging Face id or local path.
    method
        ``"embedding"`` (hidden states, see :func:`embed_concepts` and
        :func:`triplet_alignment`) or ``"prompt"`` (forced-choice answer, see
        :func:`prompt_alignment`).
    layers
        Embedding method: the layers to score, in this order: a layer spec such as ``"last"``,
        ``"0,6"`` or ``"10:20"``, or a list (see :mod:`cogalign.llm.layers`); all when None.
    template, context
        How each concept is written and the prompt around it (see :func:`embed_concepts`;
        the prompt method uses ``template`` only).
    similarity, n_boot, seed, progress
        See :func:`triplet_alignment`.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`triplet_alignment` (embedding; ``relative_depth`` is the layer's
        depth in the whole model) or :func:`prompt_alignment` (prompt).
    """
    if method == "prompt":
        result, _ = prompt_alignment(table, concepts, model=model, template=template,
                                     n_boot=n_boot, seed=seed, progress=progress)
        return result
    if method != "embedding":
        raise CogalignError(f"method must be 'embedding' or 'prompt', got {method!r}")
    x, layer_ids = embed_concepts(table, concepts, model=model, template=template,
                                  context=context, progress=progress)
    keep = _select_layers(layers, x.shape[1])
    result = triplet_alignment(x[:, keep, :], table, layers=[layer_ids[k] for k in keep],
                               similarity=similarity, n_boot=n_boot, seed=seed)
    result["relative_depth"] = [k / max(1, x.shape[1] - 1) for k in keep]
    return result


def concept_features(
    table: pd.DataFrame,
    concepts: pd.DataFrame,
    *,
    model: str,
    layer: int = -1,
    progress: bool = True,
) -> NDArray:
    """Item features from one layer of a language model: ``(n_items, width)``.

    The concepts the table uses are embedded as in :func:`embed_concepts`; ``layer`` counts
    from the end when negative (``-1``: the last layer).
    """
    x, _ = embed_concepts(table, concepts, model=model, progress=progress)
    return x[:, _select_layers([layer], x.shape[1])[0], :]


#: The triplet dataset a sweep uses when it names none.
DEFAULT_DATASET = "things-triplets-test"


def _limit_triplets(table: pd.DataFrame, limit: int | None, seed: int) -> pd.DataFrame:
    """All repeats of ``limit`` randomly chosen distinct triplets (all when None)."""
    from cogalign.triplets.arrays import triplet_groups

    if limit is None:
        return table
    groups = triplet_groups(table)
    unique = np.unique(groups)
    if limit >= len(unique):
        return table
    keep = np.random.default_rng(seed).choice(unique, size=limit, replace=False)
    return table.loc[np.isin(groups, keep)].reset_index(drop=True)


def sweep_alignment(
    model: str,
    *,
    dataset: str | None = None,
    layer: str | int | None = None,
    template: str | None = None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = False,
    method: str = "embedding",
    context: str | None = "auto",
    similarity: str = "cosine",
    n_boot: int = 1000,
) -> list[dict[str, Any]]:
    """The triplet paradigm's align entry: odd-one-out accuracy against people, with the ceiling.

    Follows the align contract of :mod:`cogalign.paradigms`. Accuracy is measured on all
    triplets and on a seeded half split by triplet (repeats of a triplet stay together;
    :func:`cogalign.triplets.arrays.split_by_triplet`), each with its own noise ceiling (the
    modal agreement of the same triplets).

    Parameters
    ----------
    model
        Model preset, Hugging Face id or local path.
    dataset
        A triplet dataset (default ``things-triplets-test``); items are THINGS concepts.
    layer
        Embedding method: a layer spec (default ``"all"``).
    template
        How each concept is written (:func:`concept_texts`, default ``"{item}"``).
    seed
        Seed of the bootstrap, the half split and the subset.
    limit
        Use this many distinct triplets (all their repeats), chosen with ``seed``.
    progress
        Progress bars.
    method
        ``"embedding"`` (hidden states per layer, :func:`embed_concepts`) or ``"prompt"``
        (a causal model's forced choice, :func:`prompt_alignment`; layer ``"prompt"``).
    context, similarity, n_boot
        As in :func:`align_model`.

    Returns
    -------
    list of dict
        Per layer and split: ``accuracy`` (primary; ceiling = modal agreement) and
        ``mean_log_likelihood`` of the human choices; with ``relative_depth``, ``n`` (trials),
        ``n_triplets``, ``method``, ``dataset``.
    """
    from cogalign.data import load
    from cogalign.paradigms import align_row
    from cogalign.triplets.arrays import split_by_triplet, triplet_groups

    if method not in ("embedding", "prompt"):
        raise CogalignError(f"method must be 'embedding' or 'prompt', got {method!r}")
    name = dataset or DEFAULT_DATASET
    table = _limit_triplets(load(name, download=True, progress=progress), limit, seed)
    concepts = load("things-concepts", download=True, progress=progress)
    train, test = split_by_triplet(table, 0.5, seed=seed)
    parts = {"all": table, "train": table.iloc[train].reset_index(drop=True),
             "test": table.iloc[test].reset_index(drop=True)}
    written = template or "{item}"
    rows: list[dict[str, Any]] = []
    for split, part in parts.items():
        if method == "embedding":
            if split == "all":
                x, layer_ids = embed_concepts(table, concepts, model=model, template=template,
                                              context=context, progress=progress)
                keep = _select_layers(layer, x.shape[1])
            result = triplet_alignment(x[:, keep, :], part, layers=[layer_ids[k] for k in keep],
                                       similarity=similarity, n_boot=n_boot, seed=seed)
            result["relative_depth"] = [k / max(1, x.shape[1] - 1) for k in keep]
        else:
            result, _ = prompt_alignment(part, concepts, model=model, template=template,
                                         n_boot=n_boot, seed=seed, progress=progress)
        n_triplets = len(np.unique(triplet_groups(part)))
        for rec in result.to_dict(orient="records"):
            common = {"layer": rec["layer"], "template": written, "split": split,
                      "relative_depth": rec["relative_depth"], "n": int(rec["n_trials"]),
                      "n_triplets": n_triplets, "method": method, "dataset": name,
                      "sources": "things-concepts"}
            rows.append(align_row("accuracy", rec["accuracy"], ci=(rec["ci_low"], rec["ci_high"]),
                                  ceiling=rec["noise_ceiling"], primary=True, **common))
            rows.append(align_row("mean_log_likelihood", rec["mean_log_likelihood"], **common))
    return rows
