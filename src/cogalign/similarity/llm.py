"""Language models as raters of pairwise similarity.

Two ways a model takes part, both through :mod:`cogalign.llm`:

* **embedding similarity**: every item goes through the model once; the similarity of a pair
  at a layer is the cosine similarity of the two items' pooled hidden states
  (:func:`embedding_similarity`), and a full-matrix RDM is the cosine *distance*
  ``1 - cos`` (:func:`embedding_rdms`);
* **prompted ratings**: the model is asked to rate the pair on the task's scale; its answer
  distribution over the scale values is computed exactly from log-probabilities and summarised
  by the **expected rating** (:func:`prompt_ratings`), averaged over both item orders, or
  sampled at a temperature to make **synthetic individuals** (:func:`synthetic_participants`).

Prompt templates are judgment tasks of the one task registry (:mod:`cogalign.llm.tasks`):
every two-item rating task there (fields ``item_1`` and ``item_2``) can rate pairs. Besides
``similarity-1-7``, ``similarity-0-10`` and ``similarity-0-100`` it holds variants for sweeps
(:data:`TEMPLATES`): ``similarity-0-10-meaning`` (similarity of meaning, not relatedness,
after the SimLex-999 instructions), ``similarity-0-10-related`` (relatedness),
``similarity-0-10-participant`` and ``similarity-1-7-participant`` (answer as a participant of
a psychology study would).

Convention: functions that return pair values return **similarities** (cosine similarity,
ratings); functions that return RDMs return **dissimilarities** with the conversion named in
their docstring (see :mod:`cogalign.metrics.rdm`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cogalign.errors import CogalignError

__all__ = [
    "PAIR_FIELDS",
    "TEMPLATES",
    "embedding_rdms",
    "embedding_similarity",
    "list_templates",
    "load_template",
    "prompt_rdm",
    "prompt_ratings",
    "synthetic_participants",
    "task_for_scale",
]

#: Prompt-template variants for sweeps (registered tasks, files in ``cogalign/llm/prompts``).
TEMPLATES: tuple[str, ...] = (
    "similarity-0-10-meaning",
    "similarity-0-10-related",
    "similarity-0-10-participant",
    "similarity-1-7-participant",
)

_BUILTIN_BY_SCALE = {(1, 7): "similarity-1-7", (0, 10): "similarity-0-10",
                     (0, 100): "similarity-0-100"}


#: The trial-table columns of a pairwise rating task.
PAIR_FIELDS = ("item_1", "item_2")


def _rates_pairs(task: Any) -> bool:
    return task.kind == "rating" and set(task.fields) == set(PAIR_FIELDS)


def list_templates() -> list[str]:
    """Every registered prompt template that rates a pair of items (see :data:`TEMPLATES`)."""
    from cogalign.llm import list_tasks, load_task

    return [name for name in list_tasks() if _rates_pairs(load_task(name))]


def load_template(template: Any) -> Any:
    """Load a prompt template: a name from :func:`list_templates`, a TOML path or a Task.

    Returns
    -------
    cogalign.llm.Task
        A rating task with fields ``item_1`` and ``item_2``.
    """
    from cogalign.llm import load_task

    try:
        task = load_task(template)
    except ValueError as exc:
        raise CogalignError(
            f"unknown prompt template {str(template)!r}; use one of "
            f"{', '.join(list_templates())} or a TOML file") from exc
    if not _rates_pairs(task):
        raise CogalignError(f"prompt template {task.name!r} must be a rating task with fields "
                            f"{' and '.join(PAIR_FIELDS)}")
    return task


def task_for_scale(scale: tuple[float, float]) -> str:
    """The built-in rating task on a scale (``(1, 7)``, ``(0, 10)`` or ``(0, 100)``)."""
    key = (int(round(scale[0])), int(round(scale[1])))
    if key not in _BUILTIN_BY_SCALE:
        raise CogalignError(
            f"no built-in prompt for the scale {scale}; pass a template with that scale "
            f"(built-in scales: {', '.join(f'{a}-{b}' for a, b in _BUILTIN_BY_SCALE)})")
    return _BUILTIN_BY_SCALE[key]


def _model_kind(model: Any) -> str | None:
    from cogalign.llm import LoadedModel
    from cogalign.llm.models import resolve_model

    if isinstance(model, LoadedModel):
        return model.kind
    return resolve_model(model).kind


def _embed_items(items: Sequence[str], model: Any, layers: Any, pooling: str | None,
                 template: str | None, progress: bool, **kwargs: Any) -> Any:
    from cogalign.llm import embed

    try:
        return embed(list(items), model=model, layers=layers, pooling=pooling or "auto",
                     template=template,
                     progress=progress, **kwargs)
    except ValueError as exc:  # bad layer selection or template: a user error
        raise CogalignError(str(exc)) from None


def _unit_rows(x: NDArray) -> NDArray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise CogalignError("an item's representation has zero length; cosine is undefined")
    return x / norms


def embedding_similarity(
    item_a: Sequence[str],
    item_b: Sequence[str],
    *,
    model: Any = "minilm-l6",
    layers: Any = "all",
    pooling: str | None = None,
    template: str | None = "auto",
    progress: bool = True,
    **embed_kwargs: Any,
) -> tuple[NDArray[np.float64], list[int]]:
    """Cosine **similarity** of each pair's pooled hidden states, per layer.

    Every distinct item is embedded once (:func:`cogalign.llm.embed`, cached on disk).

    Parameters
    ----------
    item_a, item_b
        The two items of each pair (words, concept names).
    model
        Model preset, Hugging Face id, local path or loaded model.
    layers
        ``"all"``, ``"last"``, an int, a list, or a string such as ``"0,6,-1"``.
    pooling
        Token pooling (default: the reading rule of :mod:`cogalign.llm.context`).
    template
        Text around each item, with one ``{item}`` (e.g. ``"The word {item}"``); ``None`` for
        the bare item; ``"auto"`` (default): the reading rule of :mod:`cogalign.llm.context`
        (causal models read each item in ``"The concept: {item}"``).
    progress
        Show a progress bar.

    Returns
    -------
    similarity : ndarray, shape (n_pairs, n_layers)
        ``cos(h_a, h_b)`` in ``[-1, 1]``; higher = more similar.
    layers : list of int
        The model layer of each column (0 = embedding layer).
    """
    sim, layer_ids, _ = _pair_cosines(item_a, item_b, model, layers, pooling, template,
                                      progress, **embed_kwargs)
    return sim, layer_ids


def _relative_depth(reps: Any) -> list[float]:
    """Layer / last layer of the model (0 = embedding layer, 1 = last block)."""
    total = reps.meta.get("n_hidden_states")
    if not total:
        return [float("nan")] * len(reps.layers)
    return [layer / max(1, int(total) - 1) for layer in reps.layers]


def _pair_cosines(item_a: Sequence[str], item_b: Sequence[str], model: Any, layers: Any,
                  pooling: str | None, template: str | None, progress: bool,
                  **embed_kwargs: Any) -> tuple[NDArray[np.float64], list[int], list[float]]:
    """Cosine similarities (pairs x layers), the layers, and their relative depths."""
    a = [str(s) for s in item_a]
    b = [str(s) for s in item_b]
    if len(a) != len(b) or not a:
        raise CogalignError("item_a and item_b must be non-empty and of equal length")
    vocab = sorted(set(a) | set(b))
    index = {w: i for i, w in enumerate(vocab)}
    reps = _embed_items(vocab, model, layers, pooling, template, progress,
                        **embed_kwargs)
    x = _unit_rows(np.asarray(reps.array, dtype=np.float64))  # (items, layers, width)
    ia = np.array([index[w] for w in a])
    ib = np.array([index[w] for w in b])
    sim = np.einsum("plw,plw->pl", x[ia], x[ib])
    return np.clip(sim, -1.0, 1.0), list(reps.layers), _relative_depth(reps)


def embedding_rdms(
    items: Sequence[str],
    *,
    model: Any = "minilm-l6",
    layers: Any = "all",
    pooling: str | None = None,
    template: str | None = "auto",
    progress: bool = True,
    **embed_kwargs: Any,
) -> Any:
    """One RDM per layer: cosine **distance** ``1 - cos`` between the items' hidden states.

    Parameters
    ----------
    items
        The items, in RDM row order (e.g. the ``labels`` of participant RDMs).
    model, layers, pooling, template, progress
        As in :func:`embedding_similarity`.

    Returns
    -------
    cogalign.metrics.RDMs
        Dissimilarities (``metric="cosine"`` of :func:`cogalign.metrics.rdm_from_embedding`),
        one per layer, ``names`` = ``"layer <l>"``, ``labels`` = items.
    """
    return _layer_rdms(items, model, layers, pooling, template, progress, **embed_kwargs)[0]


def _layer_rdms(items: Sequence[str], model: Any, layers: Any, pooling: str | None,
                template: str | None, progress: bool, **embed_kwargs: Any
                ) -> tuple[Any, list[int], list[float]]:
    """Cosine-distance RDMs per layer, the layers, and their relative depths."""
    from cogalign.metrics import RDMs, rdm_from_embedding

    items = [str(s) for s in items]
    reps = _embed_items(items, model, layers, pooling, template, progress,
                        **embed_kwargs)
    x = np.asarray(reps.array, dtype=np.float64)
    try:
        vectors = np.stack([rdm_from_embedding(x[:, j, :], "cosine")
                            for j in range(x.shape[1])])
    except ValueError as exc:  # a zero-length representation
        raise CogalignError(str(exc)) from None
    rdms = RDMs(vectors, labels=items, names=[f"layer {layer}" for layer in reps.layers])
    return rdms, list(reps.layers), _relative_depth(reps)


def _pair_trials(item_a: Sequence[str], item_b: Sequence[str]) -> pd.DataFrame:
    a = [str(s) for s in item_a]
    b = [str(s) for s in item_b]
    if len(a) != len(b) or not a:
        raise CogalignError("item_a and item_b must be non-empty and of equal length")
    return pd.DataFrame({"item_1": a, "item_2": b})


def _permutations(orders: str) -> Any:
    if orders == "both":
        return "all"
    if orders == "one":
        return None
    raise CogalignError(f"orders must be 'both' or 'one', got {orders!r}")


def _check_causal(model: Any) -> None:
    if not hasattr(model, "rating") and _model_kind(model) not in (None, "causal"):
        raise CogalignError(
            f"prompted ratings need a causal (generative) language model; {model!r} is a "
            f"{_model_kind(model)} model: use --method embedding, or a model like smollm2-135m")


def prompt_ratings(
    item_a: Sequence[str],
    item_b: Sequence[str],
    *,
    model: Any = "smollm2-135m",
    template: Any = "similarity-0-10",
    orders: str = "both",
    progress: bool = True,
    **judge_kwargs: Any,
) -> pd.DataFrame:
    """A model's rating of each pair: the expected value of its answer distribution.

    The prompt's answer distribution over every scale value is computed from
    log-probabilities (:func:`cogalign.llm.judge`), averaged over the presentation orders,
    and summarised by its mean.

    Parameters
    ----------
    item_a, item_b
        The pairs.
    model
        A causal language model (preset, hub id, path) or a
        :class:`cogalign.llm.ChatClient`.
    template
        Prompt template (see :func:`load_template`).
    orders
        ``"both"``: each pair is asked as ``a, b`` and as ``b, a`` and the distributions are
        averaged; ``"one"``: as given.
    progress
        Show a progress bar.
    **judge_kwargs
        Passed to :func:`cogalign.llm.judge` (``batch_size``, ``device``, ``cache``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``item_a``, ``item_b``, ``expected`` (a **similarity** on the
        template's scale), ``sd`` (spread of the answer distribution), ``mode``,
        ``valid_mass`` (probability the model puts on scale values at all),
        ``order_effect`` (expected rating shown ``b, a`` minus shown ``a, b``; NaN with
        ``orders="one"``), ``n_errors``. ``.attrs`` holds ``template``, ``scale``,
        ``model_id``, ``order_means``.
    """
    from cogalign.llm import judge

    task = load_template(template)
    _check_causal(model)
    trials = _pair_trials(item_a, item_b)
    detail = judge(trials, task, model=model, permutations=_permutations(orders),
                   per_order=True, progress=progress, **judge_kwargs)
    values = np.arange(task.scale[0], task.scale[1] + 1, dtype=np.float64)
    pcols = [f"p_{int(v)}" for v in values]
    probs = detail[pcols].to_numpy(dtype=np.float64)
    trial = detail["trial"].to_numpy()
    n = len(trials)
    mean_p = np.full((n, len(values)), np.nan)
    valid = np.full(n, np.nan)
    for i in range(n):
        rows = (trial == i) & np.isfinite(probs).all(axis=1)
        if rows.any():
            mean_p[i] = probs[rows].mean(axis=0)
            valid[i] = float(detail.loc[rows, "valid_mass"].mean())
    expected = mean_p @ values
    var = mean_p @ values**2 - expected**2
    order_effect = np.full(n, np.nan)
    if orders == "both":
        shown = detail.pivot_table(index="trial", columns="order", values="expected")
        if {"1,2", "2,1"} <= set(shown.columns):
            order_effect = (shown["2,1"] - shown["1,2"]).reindex(range(n)).to_numpy()
    errors = detail.groupby("trial")["error"].apply(lambda s: int(s.notna().sum()))
    out = pd.DataFrame({
        "item_a": trials["item_1"], "item_b": trials["item_2"], "expected": expected,
        "sd": np.sqrt(np.clip(var, 0, None)),
        "mode": [values[int(np.argmax(p))] if np.isfinite(p).all() else np.nan for p in mean_p],
        "valid_mass": valid, "order_effect": order_effect,
        "n_errors": errors.reindex(range(n), fill_value=0).to_numpy(),
    })
    out.attrs.update(template=task.name, scale=tuple(task.scale), orders=orders,
                     model_id=detail.attrs.get("model_id"),
                     order_means=detail.attrs.get("order_means"))
    return out


def prompt_rdm(
    items: Sequence[str],
    *,
    model: Any = "smollm2-135m",
    template: Any = "similarity-1-7",
    orders: str = "both",
    progress: bool = True,
    **judge_kwargs: Any,
) -> tuple[Any, pd.DataFrame]:
    """A full-matrix RDM from a model's expected ratings of every pair of items.

    Each pair's expected rating (a similarity, :func:`prompt_ratings`) is turned into a
    dissimilarity explicitly: ``d = scale_max - expected``
    (:func:`cogalign.metrics.similarity_to_dissimilarity` with the template's scale top).

    Returns
    -------
    rdm : cogalign.metrics.RDMs
        One dissimilarity RDM, ``labels`` = items, name ``"prompt"``.
    ratings : pandas.DataFrame
        The per-pair output of :func:`prompt_ratings`.
    """
    from cogalign.metrics import RDMs, similarity_to_dissimilarity

    items = [str(s) for s in items]
    if len(set(items)) != len(items) or len(items) < 3:
        raise CogalignError("prompt_rdm needs at least 3 distinct items")
    iu, ju = np.triu_indices(len(items), k=1)
    ratings = prompt_ratings([items[i] for i in iu], [items[j] for j in ju], model=model,
                             template=template, orders=orders, progress=progress,
                             **judge_kwargs)
    low, high = ratings.attrs["scale"]
    dis = similarity_to_dissimilarity(ratings["expected"].to_numpy(), scale_max=float(high),
                                      scale_min=float(low))
    return RDMs(dis, labels=items, names=["prompt"]), ratings


def synthetic_participants(
    item_a: Sequence[str],
    item_b: Sequence[str],
    *,
    model: Any = "smollm2-135m",
    template: Any = "similarity-0-10",
    n_participants: int = 20,
    temperature: float = 1.0,
    orders: str = "both",
    seed: int = 0,
    progress: bool = True,
    **judge_kwargs: Any,
) -> pd.DataFrame:
    """Synthetic individuals: ratings sampled from the model's answer distribution.

    Each synthetic participant answers every pair once, shown in one of its orders (drawn at
    random with ``orders="both"``), with the rating drawn from
    ``p ∝ exp(log p(rating) / temperature)`` (:func:`cogalign.llm.sample_answers`);
    ``temperature=0`` gives the most probable rating.

    Parameters
    ----------
    item_a, item_b
        The pairs.
    model, template, orders, progress, **judge_kwargs
        As in :func:`prompt_ratings`.
    n_participants
        Number of synthetic individuals.
    temperature
        Sampling temperature, >= 0 (1 = the model's own distribution).
    seed
        Seed: the same seed gives the same individuals.

    Returns
    -------
    pandas.DataFrame
        A :data:`cogalign.data.schemas.PAIRWISE` table (``participant_id`` ``llm-001``...,
        ``trial``, ``item_a`` / ``item_b`` in the order shown, ``rating`` (a similarity),
        ``scale_min``, ``scale_max``, ``repeat``, ``rt`` (NaN)) plus ``template`` and
        ``temperature``.
    """
    from cogalign.llm import sample_answers

    task = load_template(template)
    _check_causal(model)
    if temperature < 0:
        raise CogalignError("temperature must be >= 0")
    trials = _pair_trials(item_a, item_b)
    drawn = sample_answers(trials, task, model=model, n_participants=n_participants,
                           temperature=temperature, seed=seed,
                           permutations=_permutations(orders), progress=progress,
                           **judge_kwargs)
    swapped = drawn["order"].to_numpy() == "2,1"
    first = drawn["item_1"].to_numpy(dtype=object)
    second = drawn["item_2"].to_numpy(dtype=object)
    out = pd.DataFrame({
        "participant_id": drawn["participant_id"].to_numpy(),
        "session": 1,
        "trial": drawn["trial"].to_numpy(),
        "item_a": np.where(swapped, second, first),
        "item_b": np.where(swapped, first, second),
        "rating": drawn["response"].to_numpy(dtype=np.float64),
        "scale_min": float(task.scale[0]),
        "scale_max": float(task.scale[1]),
        "repeat": 0,
        "rt": np.nan,
        "template": task.name,
        "temperature": float(temperature),
    })
    out.attrs.update(model_id=drawn.attrs.get("model_id"), template=task.name,
                     temperature=float(temperature), seed=seed)
    return out

