"""The paper-style comparisons: language models x layers, and fitted models vs baselines.

:func:`compare_models` gives the tidy table behind "Uncovering the Computational Ingredients
of Human-Like Representations in LLMs" style figures: odd-one-out accuracy per model and
relative layer depth, with the human noise ceiling (figure:
:func:`cogalign.plots.triplets.plot_layer_curves`). :func:`fit_and_compare` cross-validates a
fitted model of the human choices (SPoSE, VICE, feature SPoSE) against cosine baselines on
the same folds (:func:`cogalign.triplets.cross_validate`) and says whether it beats the best.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError
from cogalign.estimator import clone
from cogalign.paradigms import resolve
from cogalign.triplets.alignment import align_model, ceiling_value

__all__ = ["compare_models", "fit_and_compare"]


def compare_models(
    table: pd.DataFrame,
    concepts: pd.DataFrame,
    models: Sequence[str] = ("minilm-l6", "smollm2-135m"),
    *,
    method: str = "embedding",
    template: str | None = None,
    similarity: str = "cosine",
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Alignment of every model and layer with the human triplet choices, as one tidy table.

    Parameters
    ----------
    table
        Human triplet trials (``things-triplets-test`` or a study's output).
    concepts
        ``things-concepts`` (item texts for the template).
    models
        Model presets, Hugging Face ids or local paths.
    method
        ``"embedding"`` (hidden states, every layer) or ``"prompt"`` (forced-choice answer).
    template, similarity, n_boot, seed, progress
        See :func:`~cogalign.triplets.alignment.triplet_alignment`.

    Returns
    -------
    pandas.DataFrame
        The per-layer rows of :func:`triplet_alignment` with a ``model`` column.
    """
    frames = []
    for model in models:
        summary = align_model(table, concepts, model=model, method=method, template=template,
                              similarity=similarity, n_boot=n_boot, seed=seed, progress=progress)
        summary.insert(0, "model", model)
        frames.append(summary)
    return pd.concat(frames, ignore_index=True)


def fit_and_compare(
    table: pd.DataFrame,
    features: Mapping[str, np.ndarray],
    *,
    model: str = "feature-spose",
    n_items: int | None = None,
    n_dims: int | None = None,
    folds: int = 5,
    seed: int = 0,
    save: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Cross-validated accuracy of a fitted triplet model vs cosine baselines, with the ceiling.

    The model and one cosine-similarity baseline per feature set are scored on the same folds
    split by triplet (:func:`cogalign.triplets.cross_validate`); the human noise ceiling is the
    modal agreement (:func:`cogalign.metrics.triplet_noise_ceiling`).

    Parameters
    ----------
    table
        Human triplet trials (:data:`cogalign.data.schemas.TRIPLETS`).
    features
        Item features by name, each ``(n_items, width)`` (e.g. a language model's last layer,
        :func:`cogalign.triplets.alignment.concept_features`). Each is a cosine baseline;
        ``"feature-spose"`` is fitted on all of them side by side, in the order given.
    model
        ``"spose"``, ``"feature-spose"`` or ``"vice"`` (the estimators the paradigm declares
        in :mod:`cogalign.triplets.paradigm`).
    n_items
        Number of items of SPoSE and VICE (default: the largest item index + 1, or the rows of
        the features if more).
    n_dims
        Initial dimensions (default: the model's).
    folds
        Cross-validation folds: 0 (no cross-validation; then ``save`` is required, or nothing
        would be fitted) or at least 2.
    seed
        Seed of the folds and the fits.
    save
        Also fit on all trials and save the model here (``.npz``).
    params
        Other settings of the estimator (e.g. ``{"epochs": 200, "alpha": 0.01}``).

    Returns
    -------
    dict
        JSON-able: ``model`` (label, with the feature names for feature SPoSE), ``features``,
        ``folds``, ``seed``, ``noise_ceiling``, ``results`` (per model: ``accuracy`` mean and
        ``accuracy_sd`` over folds, ``share_of_ceiling``, ``log_likelihood``, ``n_dims``,
        ``per_fold``; the fitted model first), ``best_baseline`` and
        ``beats_best_baseline`` (with folds and at least one baseline), ``saved`` and
        ``n_dims_saved`` (with ``save``). ``noise_ceiling`` and ``share_of_ceiling`` are
        None when too few triplets were answered repeatedly for a meaningful ceiling;
        ``noise_ceiling_note`` says why (see
        :func:`cogalign.triplets.alignment.ceiling_value`).

    Raises
    ------
    CogalignError
        For an unknown model, ``folds`` of 1 or below 0, ``folds=0`` without ``save``
        (nothing to fit), or feature SPoSE without features.
    """
    import cogalign.triplets as triplets_package
    from cogalign.metrics import triplet_noise_ceiling
    from cogalign.triplets.paradigm import PARADIGM

    if model not in PARADIGM.estimators:
        raise CogalignError(f"model must be one of {sorted(PARADIGM.estimators)}, got {model!r}")
    if folds == 1 or folds < 0:
        raise CogalignError(f"folds must be 0 (no cross-validation) or at least 2, got {folds}")
    if folds == 0 and save is None:
        raise CogalignError("folds=0 without save fits nothing: cross-validate (folds of 2 or "
                            "more) or save the model fitted on all trials")
    names = list(features)
    items = table[["item_1", "item_2", "item_3"]].to_numpy(dtype=np.int64)
    if n_items is None:
        n_items = max([int(items.max()) + 1, *(len(np.asarray(f)) for f in features.values())])
    settings: dict[str, Any] = {"seed": seed, "progress": False, **(params or {})}
    if n_dims is not None:
        settings["n_dims"] = n_dims
    estimator_class = resolve(PARADIGM.estimators[model])
    stacked = None
    if model == "feature-spose":
        if not names:
            raise CogalignError("feature-spose needs at least one feature set")
        estimator = estimator_class(**settings)
        stacked = np.concatenate([features[n] for n in names], axis=1)
    else:
        estimator = estimator_class(n_items=n_items, **settings)
    label = f"{model}({'+'.join(names)})" if stacked is not None else model
    participants = table["participant_id"].to_numpy() if "participant_id" in table else None
    ceiling, note = ceiling_value(triplet_noise_ceiling(
        items, table["response"].to_numpy(dtype=np.int64), participants))
    report: dict[str, Any] = {"model": label, "features": names, "folds": folds, "seed": seed,
                              "noise_ceiling": None if note else ceiling,
                              "noise_ceiling_note": note, "results": []}
    if folds:
        cv = triplets_package.cross_validate(estimator, table, n_splits=folds, seed=seed,
                                             features=stacked,
                                             baselines={f"cosine({n})": features[n] for n in names})
        cv["model"] = cv["model"].replace({type(estimator).__name__: label})
        for name, rows in cv.groupby("model", sort=False):
            report["results"].append({
                "model": name, "accuracy": float(rows["accuracy"].mean()),
                "accuracy_sd": float(rows["accuracy"].std(ddof=1)),
                "share_of_ceiling": None if note else float(rows["accuracy"].mean() / ceiling),
                "log_likelihood": None if rows["log_likelihood"].isna().all()
                else float(rows["log_likelihood"].mean()),
                "n_dims": None if rows["n_dims"].isna().all() else float(rows["n_dims"].mean()),
                "per_fold": [float(a) for a in rows["accuracy"]]})
        if len(report["results"]) > 1:
            fitted = report["results"][0]["accuracy"]
            best = max(report["results"][1:], key=lambda r: r["accuracy"])
            report["best_baseline"] = best["model"]
            report["beats_best_baseline"] = bool(fitted > best["accuracy"])
    if save is not None:
        final = clone(estimator)
        final.fit(table, stacked) if stacked is not None else final.fit(table)
        report["saved"] = str(final.save(save))
        report["n_dims_saved"] = final.n_dims_
    return report
