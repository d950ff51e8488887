r"""A language model against people's risky choices: the paradigm's align entry for sweeps.

:func:`sweep_alignment` embeds the gambles of each problem with a language model, fits a
ridge probe per layer from the embeddings to the choice rates on training folds grouped by
problem, and scores the held-out predictions (:func:`cogalign.risky.probes.cross_validate_rates`);
or, for a causal model, calibrates its prompted choice probability the same way. Scores are
:math:`R^2` of the out-of-fold predictions, next to the noise ceiling of the choice rates
(:func:`rate_r2_ceiling`).

References
----------
Zhu, J.-Q., Yan, H. & Griffiths, T. L. (2024). Language models trained to do arithmetic
predict human risky and intertemporal choice. arXiv:2405.19313.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = ["DEFAULT_DATASET", "rate_r2_ceiling", "sweep_alignment"]

#: The risky-choice dataset a sweep uses when it names none.
DEFAULT_DATASET = "choices13k"


def rate_r2_ceiling(rates: Any, sd: Any, n: Any) -> float:
    r"""The :math:`R^2` a perfect model of the population's choice rates would reach.

    Each observed rate is the mean of ``n`` people's rates, so it carries sampling noise of
    variance :math:`s_i^2 / n_i` (``sd``: the spread of the people's rates). A predictor
    equal to the true rates leaves exactly that noise, so its expected :math:`R^2` is
    :math:`1 - \overline{s^2/n} / \mathrm{Var}(\text{rates})`. Rows without a spread are
    left out of the noise average.

    Parameters
    ----------
    rates, sd, n
        Observed rate, spread across people, and number of people of every row.

    Returns
    -------
    float
        The ceiling (NaN when no row has a spread, or the rates do not vary).
    """
    y = np.asarray(rates, dtype=np.float64)
    noise = np.asarray(sd, dtype=np.float64) ** 2 / np.asarray(n, dtype=np.float64)
    if not np.isfinite(noise).any() or y.size < 2 or np.var(y) == 0:
        return float("nan")
    return float(1.0 - np.nanmean(noise) / np.var(y))


def _r2_interval(y: np.ndarray, f: np.ndarray, groups: np.ndarray, n_boot: int, seed: int,
                 ci: float = 0.95) -> tuple[float, float]:
    """Percentile interval of :math:`R^2`, resampling problems.

    Both feedback rows of a problem move together.
    """
    from cogalign.metrics import percentile_interval
    from cogalign.risky.estimators import r2_score

    if n_boot <= 0:
        return float("nan"), float("nan")
    labels, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(labels))]
    rng = np.random.default_rng(seed)
    boots = np.empty(n_boot)
    for b in range(n_boot):
        rows = np.concatenate([members[g] for g in rng.integers(0, len(labels), len(labels))])
        boots[b] = r2_score(y[rows], f[rows])
    low, high = percentile_interval(boots[:, None], ci)
    return float(low[0]), float(high[0])


def sweep_alignment(
    model: str,
    *,
    dataset: str | None = None,
    layer: str | int | None = None,
    template: str | None = None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = False,
    method: str = "probe",
    n_splits: int = 5,
    ambiguous: str = "exclude",
    n_boot: int = 1000,
) -> list[dict[str, Any]]:
    """The risky paradigm's align entry: choice rates predicted from a language model.

    Follows the align contract of :mod:`cogalign.paradigms`. Every prediction is out of fold
    (folds grouped by problem); the units of the half split are problems.

    Parameters
    ----------
    model
        Model preset, Hugging Face id or local path (a causal model for ``"prompt"``).
    dataset
        A risky choice-rate dataset (default ``choices13k``).
    layer
        Probe method: the layers to probe, one probe each (default ``"::3"``: every third,
        first and last included for 7- and 31-layer models).
    template
        How a gamble is written: ``"text"`` (default) or ``"arithmetic"``
        (:func:`cogalign.risky.probes.gamble_text`).
    seed, limit, progress
        As in the contract (``limit``: number of problems).
    method
        ``"probe"`` (ridge regression on the embeddings of both gambles, plus the feedback
        flag) or ``"prompt"`` (the model's prompted :math:`P(B)`, calibrated by a logistic
        regression on the training folds; layer ``"prompt"``).
    n_splits
        Cross-validation folds.
    ambiguous
        Ambiguous problems: ``"exclude"`` (default), ``"uniform"`` or ``"true"``.
    n_boot
        Bootstrap samples (over problems) of the :math:`R^2` interval.

    Returns
    -------
    list of dict
        Per layer and split: ``r2`` (primary; ceiling :func:`rate_r2_ceiling`) and ``mse``,
        with ``relative_depth``, ``n`` (rows), ``method``, ``dataset``.
    """
    from cogalign.crossval import holdout_split
    from cogalign.data.groups import subsample_groups
    from cogalign.paradigms import align_row
    from cogalign.risky.data import load_risky, table_kind
    from cogalign.risky.estimators import r2_score
    from cogalign.risky.gambles import select_ambiguous
    from cogalign.risky.probes import (
        FORMATS,
        EmbeddingProbe,
        FeatureRegressor,
        cross_validate_rates,
        embed_problems,
        logit_feature,
        prompted_choice_probabilities,
    )

    fmt = template or "text"
    if fmt not in FORMATS:
        raise CogalignError(f"template must be a gamble format, {' or '.join(FORMATS)}; "
                            f"got {fmt!r}")
    if method not in ("probe", "prompt"):
        raise CogalignError(f"method must be 'probe' or 'prompt', got {method!r}")
    name = dataset or DEFAULT_DATASET
    table = load_risky(name, download=True)
    if table_kind(table) != "rates":
        raise CogalignError(f"dataset {name!r} holds single choices; the sweep needs choice "
                            "rates (b_rate, n)")
    table = select_ambiguous(table, ambiguous)
    table = subsample_groups(table, limit, "problem_id", seed).reset_index(drop=True)
    if method == "probe":
        from cogalign.llm import embed

        seen: dict[str, Any] = {}

        def embed_texts(texts: list[str]) -> np.ndarray:
            reps = embed(texts, model=model, layers="::3" if layer is None else layer,
                         pooling="mean", progress=progress)
            seen.update(layers=list(reps.layers), total=reps.meta.get("n_hidden_states"))
            return np.asarray(reps.array)

        emb = embed_problems(table, embed_texts, fmt=fmt)
        extra = table[["feedback"]].astype(float) if "feedback" in table.columns else None
        total = seen["total"] or len(seen["layers"])
        models = {str(lay): EmbeddingProbe(emb, table.index, layer=j, extra=extra, seed=seed)
                  for j, lay in enumerate(seen["layers"])}
        depth = {str(lay): lay / max(1, total - 1) for lay in seen["layers"]}
    else:
        p = prompted_choice_probabilities(table, model, fmt=fmt, progress=progress)
        models = {"prompt": FeatureRegressor(logit_feature(p, table.index),
                                             regression="logistic")}
        depth = {"prompt": float("nan")}
    _, preds = cross_validate_rates(table, models, n_splits=n_splits, seed=seed,
                                    progress=progress)
    y = table["b_rate"].to_numpy(dtype=np.float64)
    groups = table["problem_id"].to_numpy()
    sd = table["b_rate_std"] if "b_rate_std" in table.columns else pd.Series(np.nan,
                                                                           index=table.index)
    train, test = holdout_split(table, 0.5, groups="problem_id", seed=seed)
    rows: list[dict[str, Any]] = []
    for split, idx in {"all": np.arange(len(table)), "train": train, "test": test}.items():
        ceiling = rate_r2_ceiling(y[idx], sd.to_numpy(dtype=np.float64)[idx],
                                  table["n"].to_numpy()[idx])
        for label in models:
            f = preds[label].to_numpy(dtype=np.float64)
            common = {"layer": int(label) if label != "prompt" else label, "template": fmt,
                      "split": split, "relative_depth": depth[label], "n": len(idx),
                      "method": method, "dataset": name}
            rows.append(align_row("r2", r2_score(y[idx], f[idx]),
                                  ci=_r2_interval(y[idx], f[idx], groups[idx], n_boot, seed),
                                  ceiling=ceiling, primary=True, **common))
            rows.append(align_row("mse", float(np.mean((y[idx] - f[idx]) ** 2)), **common))
    return rows
