"""Stance prediction under two protocols, every method scored on the same folds.

``protocol="stances"`` (held-out stances)
    People are split into ``n_folds`` folds. Each fold's people are test people: a fifth
    (``hide``) of each one's stances - at least one, never all - is hidden and predicted from
    the rest (their *context*); everyone else is training data. Every method can answer.
``protocol="issues"`` (held-out issues)
    Issues are split into folds. A fold's issues are never seen in fine-tuning or in any
    readout; every person's stances on them are predicted from that person's stances on the
    other issues. Only methods that can place a new issue by its text (the belief space, a
    prompted model) or need nothing of it (always-Pro, the person's own majority) can answer.

Metrics per fold and method (:func:`classification_metrics`): accuracy, macro-F1 over Pro and
Con, log loss, Brier score and expected calibration error (10 equal-width bins of P(Pro));
decision rules get only accuracy and macro-F1. :func:`summarize_folds` gives the mean over
folds with a t interval (``n_folds - 1`` degrees of freedom).

A prompted language model is slow on a CPU, so it answers for ``llm_people`` random test people
per fold; every other method is also scored on exactly those queries (the ``llm_subset``
table), so the comparison is like for like.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cogalign.beliefs.predictors import (
    AlwaysPro,
    IssueMajority,
    LogisticCF,
    LowRankCF,
    PartyMajority,
    PersonMajority,
    PromptedLM,
    SpaceNearest,
    SpaceReadout,
    StancePredictor,
)
from cogalign.beliefs.space import BeliefSpace
from cogalign.errors import CogalignError

__all__ = [
    "METRICS",
    "PROTOCOLS",
    "CrossValidation",
    "Fold",
    "classification_metrics",
    "cross_validate_stances",
    "stance_folds",
    "summarize_folds",
]

PROTOCOLS = ("stances", "issues")
METRICS = ("accuracy", "macro_f1", "log_loss", "brier", "ece")
_EPS = 1e-6


@dataclass(frozen=True)
class Fold:
    """One fold: training stances, the test people's known stances, and the queries."""

    index: int
    train: pd.DataFrame
    context: pd.DataFrame
    queries: pd.DataFrame


def stance_folds(table: pd.DataFrame, protocol: str = "stances", n_folds: int = 5,
                 hide: float = 0.2, seed: int = 0) -> list[Fold]:
    """Split a stance table into folds (see the module docstring).

    Parameters
    ----------
    table
        The stance table.
    protocol
        ``"stances"`` or ``"issues"``.
    n_folds
        Number of folds.
    hide
        Held-out stances: share of each test person's stances hidden (rounded up, at least
        one, never all; people with a single stance are not queried).
    seed
        Seed of the split and of the hidden stances.

    Returns
    -------
    list of Fold
    """
    if protocol not in PROTOCOLS:
        raise CogalignError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    if n_folds < 2:
        raise CogalignError("n_folds must be at least 2")
    from cogalign.crossval import fold_labels

    rng = np.random.default_rng(seed)
    table = table.reset_index(drop=True)
    folds = []
    if protocol == "stances":
        # whole people in a fold (the one cross-validation driver), then a share of each
        # test person's stances hidden
        fold = fold_labels(table, groups="participant_id", cv=n_folds, seed=seed)
        key = rng.random(len(table))
        n = table.groupby("participant_id")["stance"].transform("size").to_numpy()
        rank = pd.Series(key).groupby(table["participant_id"].to_numpy()).rank(method="first").to_numpy() - 1
        hidden = (rank < np.minimum(np.ceil(hide * n), n - 1))
        for k in range(n_folds):
            test = fold == k
            folds.append(Fold(k, table[~test], table[test & ~hidden], table[test & hidden]))
        return folds
    fold = fold_labels(table, groups="issue", cv=n_folds, seed=seed)
    for k in range(n_folds):
        test = fold == k
        train = table[~test]
        known = set(train["participant_id"])
        queries = table[test & table["participant_id"].isin(known).to_numpy()]
        context = train[train["participant_id"].isin(set(queries["participant_id"]))]
        folds.append(Fold(k, train, context, queries))
    return folds


def classification_metrics(stance: np.ndarray, predicted: np.ndarray, p_pro: np.ndarray | None,
                           *, n_bins: int = 10) -> dict[str, float]:
    """Accuracy, macro-F1, log loss, Brier score and calibration error of stance predictions.

    Parameters
    ----------
    stance, predicted
        True and predicted stances (+1/-1).
    p_pro
        Predicted P(Pro), or ``None`` for a decision rule (then the last three are NaN).
    n_bins
        Bins of P(Pro) for the expected calibration error.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``log_loss`` (natural log), ``brier``, ``ece`` and ``n``.
    """
    from sklearn.metrics import f1_score

    stance = np.asarray(stance)
    predicted = np.asarray(predicted)
    out = {"accuracy": float(np.mean(stance == predicted)),
           "macro_f1": float(f1_score(stance, predicted, labels=[1, -1], average="macro",
                                      zero_division=0)),
           "log_loss": np.nan, "brier": np.nan, "ece": np.nan, "n": int(len(stance))}
    if p_pro is None:
        return out
    p = np.clip(np.asarray(p_pro, dtype=float), _EPS, 1 - _EPS)
    y = (stance > 0).astype(float)
    out["log_loss"] = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    out["brier"] = float(np.mean((p - y) ** 2))
    which = np.minimum((p * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in np.unique(which):
        sel = which == b
        ece += sel.mean() * abs(y[sel].mean() - p[sel].mean())
    out["ece"] = float(ece)
    return out


def summarize_folds(per_fold: pd.DataFrame, *, ci: float = 0.95) -> pd.DataFrame:
    """Mean of each metric over folds with a t interval, one row per method.

    Parameters
    ----------
    per_fold
        One row per (fold, method) with the :data:`METRICS` columns and ``n``.
    ci
        Coverage of the intervals.

    Returns
    -------
    pandas.DataFrame
        Indexed by method (in the order of first appearance): ``<metric>``,
        ``<metric>_low``, ``<metric>_high`` for each metric, ``n_folds`` and ``n`` (queries
        over all folds).
    """
    from scipy import stats

    rows = []
    for method, part in per_fold.groupby("method", sort=False):
        row: dict[str, Any] = {"method": method}
        k = len(part)
        half_t = stats.t.ppf(0.5 + ci / 2, k - 1) if k > 1 else np.nan
        for metric in METRICS:
            values = part[metric].to_numpy(dtype=float)
            mean = float(np.mean(values)) if np.isfinite(values).all() else np.nan
            half = half_t * float(np.std(values, ddof=1)) / math.sqrt(k) if k > 1 else np.nan
            row[metric] = mean
            row[f"{metric}_low"] = mean - half
            row[f"{metric}_high"] = mean + half
        row["n_folds"] = k
        row["n"] = int(part["n"].sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")


@dataclass
class CrossValidation:
    """Results of :func:`cross_validate_stances`.

    Attributes
    ----------
    summary
        One row per method (:func:`summarize_folds`).
    per_fold
        One row per (fold, method).
    predictions
        One row per (fold, method, query): ``participant_id``, ``issue``, ``stance``,
        ``predicted``, ``p_pro`` (NaN for decision rules), ``d_pro`` and ``d_con`` (belief-
        space methods) and ``llm_subset``.
    llm_summary
        The summary on the queries the prompted model answered (empty without one).
    histories
        Fine-tuning history of each fold's space.
    protocol, seconds
        The protocol, and wall time per method.
    """

    summary: pd.DataFrame
    per_fold: pd.DataFrame
    predictions: pd.DataFrame
    llm_summary: pd.DataFrame
    histories: dict[int, pd.DataFrame] = field(default_factory=dict)
    protocol: str = "stances"
    seconds: dict[str, float] = field(default_factory=dict)


def _predictors(protocol: str, table: pd.DataFrame, spaces: Mapping[str, BeliefSpace],
                hide: float, seed: int, methods: Sequence[str] | None,
                settings: Mapping[str, Mapping[str, Any]]) -> dict[str, StancePredictor]:
    has_party = "political_party" in table.columns and table["political_party"].notna().any()
    out: dict[str, StancePredictor] = {"always-pro": AlwaysPro(), "person-majority": PersonMajority()}
    if protocol == "stances":
        out["issue-majority"] = IssueMajority()
        if has_party:
            out["party-majority"] = PartyMajority()
        out["cf-logistic"] = LogisticCF(hide=hide, seed=seed)
        out["cf-low-rank"] = LowRankCF(seed=seed)
    for label, space in spaces.items():
        out[f"space-nearest ({label})"] = SpaceNearest(space, prefit=True)
        out[f"space-readout ({label})"] = SpaceReadout(space, prefit=True)
    if methods is not None:
        unknown = [m for m in methods if m not in out]
        if unknown:
            raise CogalignError(f"unknown or inapplicable methods {unknown} under protocol "
                                f"{protocol!r}; available: {', '.join(out)}")
        out = {m: out[m] for m in methods}
    unknown = [m for m in settings if m not in out]
    if unknown:
        raise CogalignError(f"settings given for methods {unknown} that are not run; "
                            f"running: {', '.join(out)}")
    for method, params in settings.items():
        out[method].set_params(**params)
    return out


def cross_validate_stances(
    table: pd.DataFrame,
    *,
    protocol: str = "stances",
    n_folds: int = 5,
    hide: float = 0.2,
    model: Any = "minilm-l6",
    fine_tune: bool = True,
    base_space: bool = True,
    space_settings: Mapping[str, Any] | None = None,
    methods: Sequence[str] | None = None,
    predictor_settings: Mapping[str, Mapping[str, Any]] | None = None,
    llm: Any = None,
    llm_people: int = 20,
    seed: int = 0,
    progress: bool = False,
    on_fold: Callable[[int, pd.DataFrame], None] | None = None,
) -> CrossValidation:
    """Score every stance predictor on the same folds.

    Parameters
    ----------
    table
        The stance table.
    protocol, n_folds, hide
        See :func:`stance_folds`.
    model
        Sentence model of the belief spaces (name or encoder function).
    fine_tune
        Include the fine-tuned belief space (fitted on each fold's training stances).
    base_space
        Include the model's own space without fine-tuning.
    space_settings
        Further :class:`BeliefSpace` settings (``templates``, ``loss``, ``max_epochs``, ...).
    methods
        Restrict to these method names (default: every applicable one).
    predictor_settings
        Settings of individual methods, e.g. ``{"cf-low-rank": {"rank": 4}}``.
    llm
        A causal language model (name or :class:`~cogalign.llm.ChatClient`) to prompt, or
        ``None``.
    llm_people
        Test people per fold the prompted model answers for.
    seed
        Seed of the folds, the spaces and the baselines.
    progress
        Progress bars.
    on_fold
        Called with each fold's index and its per-method metrics as they finish.

    Returns
    -------
    CrossValidation
    """
    folds = stance_folds(table, protocol, n_folds, hide, seed)
    settings = dict(space_settings or {})
    rows, predictions, histories, seconds = [], [], {}, {}
    rng = np.random.default_rng(seed + 7)
    from tqdm.auto import tqdm

    for fold in tqdm(folds, desc=f"{protocol} folds", disable=not progress):
        spaces: dict[str, BeliefSpace] = {}
        t0 = time.perf_counter()
        if base_space:
            spaces["base"] = BeliefSpace(model, fine_tune=False, seed=seed, **settings).fit(fold.train)
        seconds["space (base)"] = seconds.get("space (base)", 0.0) + time.perf_counter() - t0
        if fine_tune:
            t0 = time.perf_counter()
            spaces["fine-tuned"] = BeliefSpace(model, fine_tune=True, seed=seed + fold.index,
                                               progress=progress, **settings).fit(fold.train)
            histories[fold.index] = spaces["fine-tuned"].history_
            seconds["space (fine-tuned)"] = (seconds.get("space (fine-tuned)", 0.0)
                                             + time.perf_counter() - t0)
        queries, context = fold.queries, fold.context
        subset = np.zeros(len(queries), dtype=bool)
        if llm is not None:
            people = pd.unique(queries["participant_id"])
            pick = rng.choice(people, size=min(llm_people, len(people)), replace=False)
            subset = queries["participant_id"].isin(pick).to_numpy()
        fold_rows = []
        predictors = _predictors(protocol, table, spaces, hide, seed, methods,
                                 predictor_settings or {})
        if llm is not None:
            name = llm if isinstance(llm, str) else type(llm).__name__
            predictors[f"prompted {name}"] = PromptedLM(llm, seed=seed, progress=progress)
        for method, predictor in predictors.items():
            t0 = time.perf_counter()
            is_llm = isinstance(predictor, PromptedLM)
            q = queries[subset] if is_llm else queries
            predictor.fit(fold.train)
            p = predictor.predict_proba(q, context)
            predicted = predictor.predict(q, context) if not predictor.hard else np.where(p >= 0.5, 1, -1)
            seconds[method] = seconds.get(method, 0.0) + time.perf_counter() - t0
            frame = pd.DataFrame({"fold": fold.index, "method": method,
                                  "participant_id": q["participant_id"].to_numpy(),
                                  "issue": q["issue"].to_numpy(), "stance": q["stance"].to_numpy(),
                                  "predicted": predicted,
                                  "p_pro": np.nan if predictor.hard else p,
                                  "llm_subset": True if is_llm else subset})
            if isinstance(predictor, SpaceNearest):
                d = predictor.distances(q, context)
                frame["d_pro"], frame["d_con"] = d["d_pro"].to_numpy(), d["d_con"].to_numpy()
            predictions.append(frame)
            metrics = classification_metrics(frame["stance"].to_numpy(), predicted,
                                              None if predictor.hard else p)
            fold_rows.append({"fold": fold.index, "method": method, **metrics})
        rows.extend(fold_rows)
        if on_fold is not None:
            on_fold(fold.index, pd.DataFrame(fold_rows))
    per_fold = pd.DataFrame(rows)
    preds = pd.concat(predictions, ignore_index=True)
    llm_summary = pd.DataFrame()
    if llm is not None:
        sub = preds[preds["llm_subset"]]
        sub_rows = []
        for (k, method), part in sub.groupby(["fold", "method"], sort=False):
            p = part["p_pro"].to_numpy()
            sub_rows.append({"fold": k, "method": method, **classification_metrics(
                part["stance"].to_numpy(), part["predicted"].to_numpy(),
                None if np.isnan(p).all() else p)})
        llm_summary = summarize_folds(pd.DataFrame(sub_rows))
    return CrossValidation(summarize_folds(per_fold), per_fold, preds, llm_summary, histories,
                           protocol, seconds)
