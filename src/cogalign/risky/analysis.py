"""The headline analysis of risky choice.

:func:`compare_choices13k` - the cross-validated table of choices13k: EV, EU, PT, CPT, an
expected-value-difference logistic baseline, an MLP on gamble features, embedding probes of
offline language models and a prompted model's choice probabilities, all on the same folds
grouped by problem (Peterson et al. 2021; Zhu, Yan & Griffiths 2024).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.groups import subsample_groups
from cogalign.errors import CogalignError
from cogalign.estimator import Estimator

__all__ = ["check_folds", "compare_choices13k", "fast_mode", "fit_risky_model"]

THEORY_LABELS = {"ev": "EV", "eu": "EU", "pt": "PT", "cpt": "CPT"}


def fast_mode() -> bool:
    """True when the environment variable ``COGALIGN_FAST`` is set to a true value."""
    return os.environ.get("COGALIGN_FAST", "").strip().lower() in ("1", "true", "yes")


class _Fixed(Estimator):
    """A 'model' whose predictions are given (e.g. raw prompted probabilities)."""

    score_name = "r2"

    def __init__(self, values: pd.Series) -> None:
        self.values = values

    def fit(self, table: pd.DataFrame) -> _Fixed:
        """Nothing to learn: the predictions are given; sets ``n_rows_``. Returns ``self``."""
        self.n_rows_ = len(table)
        return self

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """The given values of ``table``'s rows."""
        self._check_fitted()
        return self.values.loc[table.index].to_numpy(dtype=float)

    def score(self, table: pd.DataFrame) -> float:
        """:math:`R^2` of the given values as choice rates ``b_rate`` (higher is better)."""
        from cogalign.risky.estimators import r2_score

        return r2_score(table["b_rate"], self.predict(table))


def compare_choices13k(
    table: pd.DataFrame | None = None,
    *,
    theories: Sequence[str] = ("ev", "eu", "pt", "cpt"),
    weighting: str = "tk",
    choice: str = "utility",
    ambiguous: str = "exclude",
    n_splits: int = 5,
    seed: int = 0,
    baselines: bool = True,
    mlp: bool = True,
    llm_models: Sequence[str] = (),
    formats: Sequence[str] = ("text", "arithmetic"),
    llm_layers: Any = "::3",
    prompted_models: Sequence[str] = (),
    n_problems: int | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cross-validated :math:`R^2` and MSE of choice rates on choices13k (or a similar table).

    Parameters
    ----------
    table
        A ``risky-rates`` table (default: ``load("choices13k")``).
    theories
        Theories fitted by MAP (binomial likelihood) on each training fold.
    weighting, choice
        Probability weighting of PT/CPT and the choice rule.
    ambiguous
        Policy for ambiguous problems (:func:`cogalign.risky.gambles.select_ambiguous`);
        ``"exclude"`` by default.
    n_splits, seed
        Folds grouped by ``problem_id``.
    baselines
        Include ``EV difference (logistic)``: a logistic regression of the rate on the
        expected-value difference with an intercept.
    mlp
        Include an MLP on :func:`~cogalign.risky.probes.gamble_features`.
    llm_models
        ``cogalign.llm`` models whose embeddings are probed (e.g. ``"minilm-l6"``,
        ``"smollm2-135m"``), one probe per model and format.
    formats
        Gamble formats for the probes (``"text"``, ``"arithmetic"``).
    llm_layers
        Layers to embed (default every third, first and last included for 7- and 31-layer
        models); the probe picks one per training fold.
    prompted_models
        Causal models prompted for :math:`P(B)`; reported raw and after a logistic
        calibration fitted on the training folds.
    n_problems
        Use a random subset of this many problems (fast runs).
    progress
        Progress bars.

    Returns
    -------
    summary, predictions
        See :func:`cogalign.risky.probes.cross_validate_rates`. ``summary.attrs`` records the
        settings and the number of excluded ambiguous rows.

    Notes
    -----
    The regression baselines and probes also see the ``feedback`` flag (whether the problem was
    played with outcome feedback); the theories are fitted to both conditions pooled.
    """
    from cogalign.risky.estimators import RiskyChoiceModel
    from cogalign.risky.gambles import select_ambiguous
    from cogalign.risky.probes import (
        EmbeddingProbe,
        FeatureRegressor,
        cross_validate_rates,
        embed_problems,
        gamble_features,
        logit_feature,
        prompted_choice_probabilities,
    )

    if table is None:
        from cogalign.data import load

        table = load("choices13k", progress=False)
    n_all = len(table)
    table = select_ambiguous(table, ambiguous)
    n_excluded = n_all - len(table)
    table = subsample_groups(table, n_problems, "problem_id", seed)
    table = table.reset_index(drop=True)
    if len(table) < 2 * n_splits:
        raise CogalignError(f"only {len(table)} rows: too few for {n_splits} folds")

    models: dict[str, Any] = {}
    for th in theories:
        models[THEORY_LABELS.get(th, th)] = RiskyChoiceModel(
            th, weighting=weighting, choice=choice, ambiguous="true", method="map", draws=100,
            seed=seed, fit_kwargs={"log_likelihood": False, "posterior_predictive": False,
                                   "check": False},
        )
    feats = gamble_features(table)
    extra = feats[["feedback"]] if "feedback" in feats.columns else None
    if baselines:
        models["EV difference (logistic)"] = FeatureRegressor(feats[["ev_diff"]],
                                                              regression="logistic")
    if mlp:
        models["MLP (gamble features)"] = FeatureRegressor(feats, regression="mlp", seed=seed)
    for name in prompted_models:
        p = pd.Series(prompted_choice_probabilities(table, name, progress=progress),
                      index=table.index)
        models[f"prompted {name} (raw)"] = _Fixed(p)
        models[f"prompted {name} (calibrated)"] = FeatureRegressor(
            logit_feature(p.to_numpy(), table.index), regression="logistic")
    summary, preds = cross_validate_rates(table, models, n_splits=n_splits, seed=seed,
                                          progress=progress)
    # probes one at a time (same folds), so only one model's embeddings are held in memory
    for name in llm_models:
        for fmt in formats:
            label = f"probe {name} ({fmt})"
            emb = embed_problems(table, name, fmt=fmt, layers=llm_layers, progress=progress)
            probe = EmbeddingProbe(emb, table.index, extra=extra, seed=seed)
            s_one, p_one = cross_validate_rates(table, {label: probe}, n_splits=n_splits,
                                                seed=seed, progress=progress)
            summary = pd.concat([summary, s_one])
            preds[label] = p_one[label]
            del emb, probe
    summary = summary.sort_values("r2", ascending=False)
    summary.attrs.update(n_rows=len(table), n_excluded_ambiguous=n_excluded,
                         ambiguous=ambiguous, weighting=weighting, choice=choice)
    return summary, preds


def check_folds(n_problems: int, folds: int) -> None:
    """Refuse folds whose training sets would be too small to fit (or folds without a problem).

    Raises
    ------
    CogalignError
        When a training set would hold fewer than
        :data:`cogalign.risky.estimators.MIN_PROBLEMS` problems.
    """
    from cogalign.risky.estimators import MIN_PROBLEMS

    train = n_problems - -(-n_problems // folds)  # the smallest training set
    if folds > n_problems or train < MIN_PROBLEMS:
        raise CogalignError(
            f"{n_problems} problems are too few for {folds}-fold cross-validation: a training "
            f"set would hold {max(train, 0)} problems and a fit needs at least {MIN_PROBLEMS}; "
            "use fewer folds or --folds 0")


def fit_risky_model(
    table: pd.DataFrame,
    *,
    theory: str = "cpt",
    weighting: str = "tk",
    choice: str = "utility",
    likelihood: str = "binomial",
    hierarchical: bool = True,
    ambiguous: str = "exclude",
    folds: int = 5,
    limit: int | None = None,
    seed: int = 0,
    **settings: Any,
) -> tuple[dict[str, Any], Any]:
    """Fit a risky-choice model and score it: what ``cogalign fit risky`` reports.

    On a choice-rate table the model is also cross-validated (``folds`` grouped by problem,
    fitted by MAP), giving :math:`R^2` and MSE of held-out choice rates, and scored in sample;
    on a trial table it is scored by in-sample accuracy.

    Parameters
    ----------
    table
        A ``risky-rates`` (choices13k) or ``risky`` trial table.
    theory, weighting, choice, likelihood, hierarchical, ambiguous
        Settings of :class:`~cogalign.risky.estimators.RiskyChoiceModel`.
    folds
        Cross-validation folds (0: none).
    limit
        Use a seeded random subset of this many problems (rates) or participants (trials).
    seed
        Seed of the subset, the folds and the fit.
    **settings
        Fit settings (:data:`cogalign.bayes.estimator.FIT_SETTINGS`).

    Returns
    -------
    report : dict
        JSON-able: ``model``, ``weighting``, ``choice``, ``kind``, ``backend``, ``method``,
        ``precision``, ``n_obs``, ``n_excluded``, ``interval``, ``parameters``, ``cv`` (or ``None``),
        ``r2_in_sample`` or ``accuracy_in_sample``, ``divergences`` (NUTS) and ``seconds``.
    estimator : RiskyChoiceModel
        The model fitted on every row.
    """
    import time

    from cogalign.bayes.cli_options import divergences, params_payload
    from cogalign.data.groups import subsample_groups
    from cogalign.risky.data import table_kind
    from cogalign.risky.estimators import RiskyChoiceModel
    from cogalign.risky.gambles import select_ambiguous
    from cogalign.risky.probes import cross_validate_rates

    start = time.perf_counter()
    kind = table_kind(table)
    if limit is not None:
        group = "problem_id" if kind == "rates" else "participant_id"
        table = subsample_groups(table, limit, group, seed)
    if kind == "rates" and folds:
        check_folds(len(select_ambiguous(table, ambiguous)), folds)
    est = RiskyChoiceModel(theory, weighting=weighting, choice=choice, likelihood=likelihood,
                           hierarchical=hierarchical, ambiguous=ambiguous, seed=seed,
                           **settings).fit(table)
    report: dict[str, Any] = {
        "model": theory,
        "weighting": weighting if theory in ("pt", "cpt") else None,
        "choice": choice,
        "kind": kind,
        "backend": est.backend,
        "method": est.method_,
        "precision": est.precision,
        "n_obs": est.n_obs_,
        "n_excluded": est.n_excluded_,
        "interval": est.interval,
        "parameters": params_payload(est.summary_),
        "cv": None,
    }
    if kind == "rates":
        modelled = select_ambiguous(table, ambiguous).reset_index(drop=True)
        report["r2_in_sample"] = est.score(modelled)
        if folds:
            cv_est = RiskyChoiceModel(theory, weighting=weighting, choice=choice,
                                      ambiguous="true", method="map", draws=100, seed=seed,
                                      fit_kwargs={"log_likelihood": False,
                                                  "posterior_predictive": False,
                                                  "check": False})
            summary, _ = cross_validate_rates(modelled, {theory: cv_est}, n_splits=folds,
                                              seed=seed, progress=settings.get("progress", False))
            row = summary.iloc[0]
            report["cv"] = {"folds": folds, "r2": float(row["r2"]), "mse": float(row["mse"]),
                            "r2_fold_mean": float(row["r2_fold_mean"]),
                            "r2_fold_sd": float(row["r2_fold_sd"]),
                            "grouped_by": "problem_id", "fitted_by": "map"}
    else:
        report["accuracy_in_sample"] = est.score(table)
    report.update(divergences(est.idata_))
    report["seconds"] = time.perf_counter() - start
    return report, est
