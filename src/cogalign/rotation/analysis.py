"""Headline analyses of mental-rotation data, each one function returning plain data.

* :func:`fit_rotation` - fit one model (:class:`~cogalign.rotation.RotationModel`) and report
  rotation slope and speed with intervals, parameters, PSIS-LOO and diagnostics as a dict;
* :func:`compare_rotation_models` - the response-time models ranked by PSIS-LOO (linear,
  concave, two-stage search-then-rotate);
* :func:`classical_report` - the repeated-measures ANOVA and RT-on-angle regressions, next
  to the published Ganis & Kievit (2015) figures when the data are theirs;
* :func:`ppc_by_condition` - posterior predictive mean RT or accuracy per angle and pair type;
* :func:`demo_section` - the mental-rotation part of ``cogalign demo``.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError
from cogalign.rotation.classical import condition_means, rm_anova, rt_regression
from cogalign.rotation.estimators import RotationModel

__all__ = [
    "GANIS_KIEVIT_PUBLISHED",
    "RT_MODELS",
    "check_model_names",
    "classical_report",
    "compare_rotation_models",
    "demo_section",
    "fast_mode",
    "fit_report",
    "fit_rotation",
    "ppc_by_condition",
    "subsample_participants",
]

#: The response-time models compared by :func:`compare_rotation_models`.
RT_MODELS = ("linear", "concave", "two-stage")

#: Ganis & Kievit (2015): 4 (angle) x 2 (same/different) repeated-measures ANOVA on
#: correct-trial RT, N = 54, Greenhouse-Geisser corrected where the factor has > 2 levels.
GANIS_KIEVIT_PUBLISHED: dict[str, dict[str, float]] = {
    "angle": {"df1_gg": 1.94, "df2_gg": 102.86, "F": 193.12, "partial_eta2": 0.785},
    "pair_type": {"df1_gg": 1.0, "df2_gg": 53.0, "F": 19.72, "partial_eta2": 0.271},
    "angle:pair_type": {"df1_gg": 2.68, "df2_gg": 141.90, "F": 22.27},
}


def fast_mode() -> bool:
    """True when the environment variable ``COGALIGN_FAST`` is set to a true value."""
    return os.environ.get("COGALIGN_FAST", "").strip().lower() in ("1", "true", "yes")


def subsample_participants(table: pd.DataFrame, n: int | None, seed: int = 0) -> pd.DataFrame:
    """Keep every trial of ``n`` randomly chosen people (all of them when ``n`` is None)."""
    if n is None:
        return table
    ids = np.sort(table["participant_id"].astype(str).unique())
    if n >= len(ids):
        return table
    keep = np.random.default_rng(seed).choice(ids, size=n, replace=False)
    return table.loc[table["participant_id"].astype(str).isin(keep)].reset_index(drop=True)


def _clean(value: Any) -> Any:
    """JSON-able plain values: NaN and infinities become None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fit_report(est: RotationModel) -> dict[str, Any]:
    """What a fitted :class:`RotationModel` tells, as a JSON-able dict.

    Returns
    -------
    dict
        ``model``, ``family``, ``method``, ``n_obs``, ``n_participants``; for RT and joint
        models ``slope_ms_per_deg`` and ``speed_deg_per_s`` (``same`` and ``mirror``, each
        ``mean``, ``median``, ``lower``, ``upper``); ``parameters`` (summary per parameter);
        ``loo`` (``elpd``, ``se``, ``p_loo``, ``n_bad_k``); ``divergences``, ``max_rhat``,
        ``min_ess_bulk`` for NUTS; ``interval``.
    """
    est._check_fitted()
    cols = [c for c in ("mean", "sd", "lower", "upper", "r_hat", "ess_bulk") if c in est.summary_.columns]
    out: dict[str, Any] = {
        "model": est.model,
        "family": "exgaussian" if est.model == "two-stage" else (None if est.model == "accuracy" else est.family),
        "method": est.method_,
        "n_obs": est.n_obs_,
        "n_participants": len(est.participants_),
        "interval": est.interval,
    }
    if est.model != "accuracy":
        out["slope_ms_per_deg"] = est.slope_
        out["speed_deg_per_s"] = est.speed_
    out["parameters"] = {str(k): {c: float(row[c]) for c in cols} for k, row in est.summary_.iterrows()}
    elpd = est.loo("y")
    out["loo"] = {"elpd": float(elpd.elpd_loo), "se": float(elpd.se), "p_loo": float(elpd.p_loo),
                  "n_bad_k": int(np.sum(np.asarray(elpd.pareto_k) > 0.7))}
    for key in ("divergences", "max_rhat", "min_ess_bulk", "seconds"):
        if key in est.idata_.attrs:
            out[key] = float(est.idata_.attrs[key]) if key != "divergences" else int(est.idata_.attrs[key])
    return _clean(out)


def fit_rotation(
    table: pd.DataFrame,
    model: str = "linear",
    *,
    family: str = "lognormal",
    hierarchical: bool = True,
    exclude: str | None = None,
    method: str | None = None,
    backend: str = "numpyro",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 2,
    seed: int = 0,
    precision: str = "float64",
    interval: float = 0.9,
    progress: bool = False,
) -> tuple[dict[str, Any], RotationModel]:
    """Fit one mental-rotation model and report it (the ``cogalign fit rotation`` job).

    Parameters
    ----------
    table
        A ``rotation`` trial table.
    model, family, hierarchical, exclude, method, backend, draws, tune, chains, seed, precision
        See :class:`~cogalign.rotation.RotationModel`.
    interval, progress
        See :class:`~cogalign.rotation.RotationModel`.

    Returns
    -------
    report, estimator
        :func:`fit_report` of the fit (with ``seconds``), and the fitted estimator.
    """
    start = time.perf_counter()
    est = RotationModel(model, family=family, hierarchical=hierarchical, exclude=exclude,
                        method=method, backend=backend, draws=draws, tune=tune, chains=chains,
                        seed=seed, precision=precision, interval=interval, progress=progress)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        est.fit(table)
    report = fit_report(est)
    report["seconds"] = round(time.perf_counter() - start, 2)
    return report, est


def check_model_names(models: Sequence[str]) -> None:
    """Refuse a model list :func:`compare_rotation_models` cannot rank.

    Raises
    ------
    CogalignError
        For fewer than two models, a repeated one, or an unknown name.
    """
    from cogalign.rotation.models import MODELS

    if len(models) < 2 or len(set(models)) < len(models):
        raise CogalignError(f"compare needs at least two different models, got {list(models)}")
    bad = [m for m in models
           if m.removesuffix("-wald") not in MODELS or m.removesuffix("-wald") == "accuracy"]
    if bad:
        raise CogalignError(f"unknown response-time model(s) {bad}; choose from linear, "
                            "concave, two-stage, joint (append -wald for a shifted Wald)")


def compare_rotation_models(
    table: pd.DataFrame,
    models: Sequence[str] = RT_MODELS,
    *,
    family: str = "lognormal",
    progress: bool = False,
    **settings: Any,
) -> tuple[pd.DataFrame, dict[str, RotationModel]]:
    """Fit response-time models to the same correct trials and rank them by PSIS-LOO.

    Parameters
    ----------
    table
        A ``rotation`` trial table.
    models
        Model names among ``"linear"``, ``"concave"``, ``"two-stage"`` and ``"joint"`` (its
        response-time part is compared), or ``"<model>-wald"`` for a shifted-Wald version.
    family
        Default family of the linear and concave models.
    progress
        Print each model's name and time while fitting.
    **settings
        Passed to :class:`RotationModel` (``draws``, ``tune``, ``chains``, ``seed``,
        ``hierarchical``, ``exclude``, ``method``, ...).

    Returns
    -------
    ranking, fits
        :func:`cogalign.bayes.compare` table (best first) and the fitted estimators.
    """
    from cogalign.bayes import compare

    check_model_names(models)
    fits: dict[str, RotationModel] = {}
    for name in models:
        wald = name.endswith("-wald")
        base = name[: -len("-wald")] if wald else name
        start = time.perf_counter()
        est = RotationModel(base, family="wald" if wald else family, **settings)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            fits[name] = est.fit(table)
        if progress:
            print(f"  fitted {name} in {time.perf_counter() - start:.0f} s")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ranking = compare({k: v.idata_ for k, v in fits.items()}, var_name="y")
    return ranking, fits


def classical_report(table: pd.DataFrame, *, published: dict | None = None) -> dict[str, Any]:
    """Repeated-measures ANOVA and RT-on-angle regressions as a JSON-able dict.

    Parameters
    ----------
    table
        A ``rotation`` trial table with at least two angles and both pair types.
    published
        Published ANOVA figures to set beside (e.g. :data:`GANIS_KIEVIT_PUBLISHED`).

    Returns
    -------
    dict
        ``anova`` (per effect: ``F``, ``df1_gg``, ``df2_gg``, ``p_gg``, ``eps_gg``,
        ``partial_eta2``, and ``published`` where given), ``n``, ``regression`` (per level
        and pair type: slope, intercept, R2, speed), ``condition_means``.
    """
    anova = rm_anova(table)
    effects = {}
    for name, row in anova.iterrows():
        entry = {k: float(row[k]) for k in ("F", "df1_gg", "df2_gg", "p_gg", "eps_gg", "partial_eta2")}
        if published and name in published:
            entry["published"] = published[name]
        effects[str(name)] = entry
    reg = rt_regression(table)
    regression = [{"level": lvl, "pair_type": pt, **{k: float(v) for k, v in row.items()}}
                  for (lvl, pt), row in reg.iterrows()]
    means = condition_means(table, by=("angle", "pair_type")).reset_index()
    return _clean({"anova": effects, "n": anova.attrs["n"], "dropped": anova.attrs["dropped"],
                   "regression": regression, "condition_means": means.to_dict(orient="records")})


def ppc_by_condition(est: RotationModel, *, mass: float = 0.9, var: str | None = None) -> pd.DataFrame:
    """Observed and posterior predictive mean per angle and pair type.

    For each posterior predictive draw the mean of the simulated responses of each condition
    (over the trials in the likelihood), summarised by its mean and central interval.

    Parameters
    ----------
    est
        A fitted :class:`RotationModel`.
    mass
        Mass of the interval.
    var
        ``"y"`` (response time, or correctness for the accuracy model) or ``"correct"``
        (joint model); default ``"y"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``angle``, ``pair_type``, ``observed``, ``predicted``, ``lower``, ``upper``,
        ``n`` (trials).
    """
    est._check_fitted()
    var = var or "y"
    idata = est.idata_
    const = idata.constant_data
    angle = np.asarray(const["angle"].values, dtype=float)
    mirror = np.asarray(const["mirror"].values, dtype=float)
    if est.model == "joint" and var == "y":
        idx = np.asarray(const["rt_index"].values, dtype=np.int64)
        angle, mirror = angle[idx], mirror[idx]
    observed = np.asarray(idata.observed_data[var].values, dtype=float)
    pp = np.asarray(idata.posterior_predictive[var].values, dtype=float)
    pp = pp.reshape(-1, pp.shape[-1])
    rows = []
    lo, hi = (1 - mass) / 2, 1 - (1 - mass) / 2
    for a in np.unique(angle):
        for m, label in ((0.0, "same"), (1.0, "mirror")):
            sel = (angle == a) & (mirror == m)
            if not sel.any():
                continue
            draws = pp[:, sel].mean(axis=1)
            rows.append({"angle": float(a), "pair_type": label, "observed": float(observed[sel].mean()),
                         "predicted": float(draws.mean()), "lower": float(np.quantile(draws, lo)),
                         "upper": float(np.quantile(draws, hi)), "n": int(sel.sum())})
    return pd.DataFrame(rows)


def demo_section(echo: Callable[[str], Any] | None = None, *, fast: bool | None = None,
                 n_participants: int | None = 20, seed: int = 0) -> dict[str, Any]:
    """The mental-rotation part of ``cogalign demo``.

    On each trial-level dataset found locally (never downloaded): the classical analysis on
    everyone (RM-ANOVA next to the published figures for Ganis & Kievit) and the hierarchical
    linear model's rotation speed with its interval, fitted to ``n_participants`` randomly
    chosen people (``None``: everyone) with two chains of 500 draws. Then the renderer's speed
    on 64 stimuli. In fast mode (``COGALIGN_FAST=1`` or ``fast=True``) the model is fitted to 12
    people with one short chain. Missing data is skipped with the reason; ``cogalign fit
    rotation`` runs the full fits.

    Returns
    -------
    dict
        ``{"datasets": [{"name", "anova", "regression", "speed_deg_per_s",
        "slope_ms_per_deg", ...}], "renderer": {...}, "skipped": [{"what", "reason"}]}``
        (JSON-able).
    """
    from cogalign.data import load

    fast = fast_mode() if fast is None else fast
    report: dict[str, Any] = {"datasets": [], "skipped": []}
    say = echo or (lambda _text: None)
    say("\nMental rotation: classical analysis and hierarchical RT model")
    for name in ("rotation-ganis-kievit-2015", "rotation-jost-jansen-2020"):
        try:
            table = load(name, download=False, progress=False)
        except CogalignError as exc:
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]
            report["skipped"].append({"what": name, "reason": reason})
            say(f"  skipped {name}: {reason}")
            continue
        exclude = "outlier" if "outlier" in table.columns else None
        entry: dict[str, Any] = {"name": name, "trials": int(len(table)),
                                 "participants": int(table["participant_id"].nunique())}
        published = GANIS_KIEVIT_PUBLISHED if name == "rotation-ganis-kievit-2015" else None
        classical = classical_report(table if exclude is None else table.loc[~table[exclude]],
                                     published=published)
        entry["anova"] = classical["anova"]
        entry["regression"] = classical["regression"]
        say(f"  {name}: {entry['participants']} people, {entry['trials']} trials")
        for effect, row in classical["anova"].items():
            pub = row.get("published", {})
            extra = f"  (published F = {pub['F']:.2f})" if pub else ""
            say(f"    RM-ANOVA {effect:<16} F({row['df1_gg']:.2f}, {row['df2_gg']:.2f}) = "
                f"{row['F']:.2f}, partial eta2 {row['partial_eta2']:.3f}{extra}")
        sub = subsample_participants(table, 12 if fast else n_participants, seed=seed)
        fit, _ = fit_rotation(sub, "linear", exclude=exclude, draws=150 if fast else 500,
                              tune=150 if fast else 500, chains=1 if fast else 2, seed=seed)
        entry.update({k: fit[k] for k in ("slope_ms_per_deg", "speed_deg_per_s", "loo", "seconds")})
        entry["fitted_participants"] = fit["n_participants"]
        s, v = fit["speed_deg_per_s"]["same"], fit["slope_ms_per_deg"]["same"]
        say(f"    linear model ({fit['n_participants']} people): slope {v['mean']:.2f} ms/deg "
            f"[{v['lower']:.2f}, {v['upper']:.2f}], speed {s['mean']:.0f} deg/s "
            f"[{s['lower']:.0f}, {s['upper']:.0f}] (same pairs, 90% intervals)")
        report["datasets"].append(entry)
    report["renderer"] = _renderer_speed(say)
    return _clean(report)


def _renderer_speed(say: Callable[[str], Any]) -> dict[str, Any]:
    from cogalign.rotation.objects import generate_objects, rotation_matrix
    from cogalign.rotation.renderer import DEFAULT_POSE, render

    rng = np.random.default_rng(0)
    objects = generate_objects(16, seed=0)
    picks = [objects[i % 16] for i in range(64)]
    poses = np.stack([rotation_matrix(rng.normal(size=3), rng.uniform(0, 360)) @ DEFAULT_POSE
                      for _ in range(64)])
    out = {}
    for size in (64, 128):
        render(picks[:4], poses[:4], size=size)
        start = time.perf_counter()
        render(picks, poses, size=size)
        out[f"images_per_s_{size}px"] = round(64 / (time.perf_counter() - start), 1)
    say(f"  renderer: {out['images_per_s_64px']:.0f} images/s at 64 px, "
        f"{out['images_per_s_128px']:.0f} at 128 px (one process)")
    return out
