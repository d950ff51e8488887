"""Command-line entry points of the risky-choice paradigm.

Four click commands, registered by the main CLI as ``cogalign fit risky``,
``cogalign fit intertemporal``, ``cogalign compare risky`` and ``cogalign compare
intertemporal``. Each takes ``--json``; every
error ends as a one-line reason and a non-zero exit status.
"""

from __future__ import annotations

import functools
import json
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import click

from cogalign.errors import CogalignError

__all__ = ["compare_intertemporal", "compare_risky", "fit_intertemporal", "fit_risky"]

_THEORIES = ["ev", "eu", "pt", "cpt"]
_WEIGHTINGS = ["tk", "prelec", "prelec1", "lio"]
_DISCOUNTING = ["exponential", "hyperbolic", "quasi-hyperbolic", "itch"]
_OFFLINE_LLMS = ("minilm-l6", "smollm2-135m")


def _errors(fn: Callable) -> Callable:
    """Turn the errors a user can cause into a one-line :class:`click.ClickException`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                return fn(*args, **kwargs)
        except click.ClickException:
            raise
        except (CogalignError, ValueError, KeyError, FileNotFoundError) as exc:
            problems = getattr(exc, "problems", None)
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise click.ClickException(f"invalid data: {problems[0]}{more}") from None
            text = str(exc).strip().splitlines()
            raise click.ClickException(text[0] if text else type(exc).__name__) from None

    return wrapper


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _params_payload(summary: Any) -> dict[str, dict[str, float]]:
    cols = [c for c in ("mean", "sd", "lower", "upper", "mode", "r_hat", "ess_bulk")
            if c in summary.columns]
    return {str(name): {c: float(row[c]) for c in cols} for name, row in summary.iterrows()}


def _params_text(summary: Any, interval: float) -> str:
    pct = int(round(interval * 100))
    lines = [f"{'parameter':<18}{'mean':>10}{'sd':>10}{f'{pct}% lower':>12}{f'{pct}% upper':>12}"]
    for name, row in summary.iterrows():
        lines.append(f"{str(name):<18}{row['mean']:>10.4g}{row['sd']:>10.3g}"
                     f"{row['lower']:>12.4g}{row['upper']:>12.4g}")
    return "\n".join(lines)


def _divergences(idata: Any) -> dict[str, int]:
    """``{"divergences": n}`` for a NUTS fit, ``{}`` for MAP and SVI fits."""
    if "diverging" not in getattr(idata, "sample_stats", {}):
        return {}
    return {"divergences": int(idata.sample_stats["diverging"].values.sum())}


def _emit(payload: dict, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps(_clean(payload), indent=2, default=str))
    else:
        click.echo(text)


_common = [
    click.option("--data", "data_path", type=click.Path(dir_okay=True), default=None,
                 help="A data file instead of the dataset: native format or the tidy table."),
    click.option("--backend", type=click.Choice(["numpyro", "pymc"]), default="numpyro",
                 show_default=True, help="Inference backend."),
    click.option("--draws", type=int, default=1000, show_default=True,
                 help="Posterior draws (per chain for NUTS)."),
    click.option("--tune", type=int, default=1000, show_default=True, help="NUTS warm-up."),
    click.option("--chains", type=int, default=2, show_default=True, help="NUTS chains."),
    click.option("--seed", type=int, default=0, show_default=True, help="Random seed."),
    click.option("--progress/--no-progress", default=False, help="Show progress bars."),
    click.option("--json", "as_json", is_flag=True, help="Machine-readable output."),
]


def _with_common(fn: Callable) -> Callable:
    for option in reversed(_common):
        fn = option(fn)
    return fn


_intertemporal = [
    click.option("--dataset", default="ericson2015", show_default=True,
                 help="Registered dataset (ignored with --data)."),
    click.option("--method", type=click.Choice(["auto", "map", "nuts", "svi"]), default="auto",
                 show_default=True,
                 help="NUTS, MAP + Laplace, or SVI; auto: NUTS for hierarchical fits, else MAP."),
    click.option("--scale", type=click.Choice(["relative", "absolute"]), default="relative",
                 show_default=True,
                 help="Value difference relative to the mean amount, or absolute."),
    click.option("--pooled", is_flag=True, help="One parameter set instead of per-participant."),
    click.option("--limit", type=int, default=None,
                 help="Use a random subset of N participants."),
]


def _intertemporal_options(fn: Callable) -> Callable:
    """The options ``fit intertemporal`` and ``compare intertemporal`` share."""
    fn = _with_common(fn)
    for option in reversed(_intertemporal):
        fn = option(fn)
    return fn


@click.command("risky")
@click.option("--model", "theory", type=click.Choice(_THEORIES), default="cpt",
              show_default=True, help="Theory: expected value, expected utility, PT, CPT.")
@click.option("--dataset", default="choices13k", show_default=True,
              help="Registered dataset (ignored with --data).")
@click.option("--method", type=click.Choice(["auto", "map", "nuts", "svi"]), default="auto",
              show_default=True,
              help="MAP + Laplace, NUTS, or SVI; auto: NUTS for hierarchical fits, else MAP.")
@click.option("--weighting", type=click.Choice(_WEIGHTINGS), default="tk", show_default=True,
              help="Probability weighting (PT/CPT).")
@click.option("--choice", type=click.Choice(["utility", "ce"]), default="utility",
              show_default=True, help="Logit on certainty equivalents or on utilities.")
@click.option("--likelihood", type=click.Choice(["binomial", "beta-binomial"]),
              default="binomial", show_default=True, help="Aggregate-rate likelihood.")
@click.option("--ambiguous", type=click.Choice(["exclude", "uniform", "true"]),
              default="exclude", show_default=True,
              help="Ambiguous problems (B's probabilities hidden from people).")
@click.option("--pooled", is_flag=True, help="Trial data: one parameter set, not hierarchical.")
@click.option("--folds", type=int, default=5, show_default=True,
              help="Grouped cross-validation folds for R2/MSE of choice rates (0: skip).")
@click.option("--limit", type=int, default=None, help="Use a random subset of N problems.")
@_with_common
@_errors
def fit_risky(theory: str, dataset: str, method: str, weighting: str, choice: str,
              likelihood: str, ambiguous: str, pooled: bool, folds: int, limit: int | None,
              data_path: str | None, backend: str, draws: int, tune: int, chains: int,
              seed: int, progress: bool, as_json: bool) -> None:
    """Fit a risky-choice model; print parameters with 90% intervals and cross-validated R2."""
    from cogalign.risky.analysis import subsample_problems
    from cogalign.risky.data import load_risky, table_kind
    from cogalign.risky.estimators import RiskyChoiceModel
    from cogalign.risky.gambles import select_ambiguous
    from cogalign.risky.probes import cross_validate_rates

    t0 = time.perf_counter()
    table = load_risky(None if data_path else dataset, data_path)
    kind = table_kind(table)
    if limit is not None:
        group = "problem_id" if kind == "rates" else "participant_id"
        table = subsample_problems(table, limit, seed, group=group)
    est = RiskyChoiceModel(theory, weighting=weighting, choice=choice, likelihood=likelihood,
                           hierarchical=not pooled, ambiguous=ambiguous, backend=backend,
                           method=None if method == "auto" else method, draws=draws,
                           tune=tune, chains=chains, seed=seed, progress=progress)
    est.fit(table)
    payload: dict[str, Any] = {
        "model": theory,
        "weighting": weighting if theory in ("pt", "cpt") else None,
        "choice": choice,
        "source": data_path or dataset,
        "kind": kind,
        "backend": backend,
        "method": est.method_,
        "n_obs": est.n_obs_,
        "n_excluded": est.n_excluded_,
        "interval": est.interval,
        "parameters": _params_payload(est.summary_),
    }
    lines = [f"{theory.upper()} on {data_path or dataset}: {est.n_obs_} {kind} rows "
             f"({est.n_excluded_} excluded), {backend}/{est.method_}",
             _params_text(est.summary_, est.interval)]
    if kind == "rates":
        modelled = select_ambiguous(table, ambiguous).reset_index(drop=True)
        payload["r2_in_sample"] = est.score(modelled)
        if folds and folds > 1:
            cv_est = RiskyChoiceModel(theory, weighting=weighting, choice=choice,
                                      ambiguous="true", method="map", draws=100, seed=seed,
                                      fit_kwargs={"log_likelihood": False,
                                                  "posterior_predictive": False,
                                                  "check": False})
            summary, _ = cross_validate_rates(modelled, {theory: cv_est}, n_splits=folds,
                                              seed=seed, progress=progress)
            row = summary.iloc[0]
            payload["cv"] = {"folds": folds, "r2": float(row["r2"]), "mse": float(row["mse"]),
                             "r2_fold_mean": float(row["r2_fold_mean"]),
                             "r2_fold_sd": float(row["r2_fold_sd"]),
                             "grouped_by": "problem_id", "fitted_by": "map"}
            lines.append(f"cross-validated ({folds} folds by problem): R2 = {row['r2']:.4f}, "
                         f"MSE = {row['mse']:.5f}")
        lines.append(f"in-sample R2 = {payload['r2_in_sample']:.4f}")
    else:
        payload["accuracy_in_sample"] = est.score(table)
    payload.update(_divergences(est.idata_))
    payload["seconds"] = time.perf_counter() - t0
    _emit(payload, as_json, "\n".join(lines))


@click.command("intertemporal")
@click.option("--model", type=click.Choice(_DISCOUNTING), default="hyperbolic",
              show_default=True, help="Discounting model or the ITCH heuristic.")
@_intertemporal_options
@_errors
def fit_intertemporal(model: str, dataset: str, method: str, scale: str, pooled: bool,
                      limit: int | None, data_path: str | None, backend: str, draws: int,
                      tune: int, chains: int, seed: int, progress: bool, as_json: bool) -> None:
    """Fit an intertemporal-choice model; print parameters with 90% intervals and PSIS-LOO."""
    from cogalign.bayes import loo
    from cogalign.risky.analysis import subsample_problems
    from cogalign.risky.data import load_intertemporal
    from cogalign.risky.estimators import IntertemporalChoiceModel

    t0 = time.perf_counter()
    table = load_intertemporal(None if data_path else dataset, data_path)
    table = subsample_problems(table, limit, seed, group="participant_id")
    est = IntertemporalChoiceModel(model, scale=scale, hierarchical=not pooled,
                                   backend=backend,
                                   method=None if method == "auto" else method, draws=draws,
                                   tune=tune,
                                   chains=chains, seed=seed, progress=progress).fit(table)
    elpd = loo(est.idata_)
    payload: dict[str, Any] = {
        "model": model,
        "scale": scale if model != "itch" else None,
        "hierarchical": not pooled,
        "source": data_path or dataset,
        "backend": backend,
        "method": est.method_,
        "n_obs": est.n_obs_,
        "n_missing_excluded": est.n_missing_,
        "n_participants": len(getattr(est, "participants_", [])) or None,
        "interval": est.interval,
        "parameters": _params_payload(est.summary_),
        "loo": {"elpd": float(elpd.elpd_loo), "se": float(elpd.se), "p_loo": float(elpd.p_loo),
                "n_bad_k": int((elpd.pareto_k.values > 0.7).sum())},
        "accuracy_in_sample": est.score(table),
    }
    payload.update(_divergences(est.idata_))
    payload["seconds"] = time.perf_counter() - t0
    text = "\n".join([
        f"{model} on {data_path or dataset}: {est.n_obs_} trials ({est.n_missing_} missing "
        f"responses left out), {'pooled' if pooled else 'hierarchical'}, "
        f"{backend}/{est.method_}",
        _params_text(est.summary_, est.interval),
        f"PSIS-LOO elpd = {elpd.elpd_loo:.1f} (se {elpd.se:.1f})",
    ])
    _emit(payload, as_json, text)


@click.command("risky")
@click.option("--dataset", default="choices13k", show_default=True,
              help="Registered dataset (ignored with --data).")
@click.option("--data", "data_path", type=click.Path(dir_okay=True), default=None,
              help="A choice-rate file instead: choices13k's CSV (+JSON) or a tidy rates table.")
@click.option("--models", default="ev,eu,pt,cpt", show_default=True,
              help="Comma-separated theories.")
@click.option("--weighting", type=click.Choice(_WEIGHTINGS), default="tk", show_default=True)
@click.option("--llm", "llms", multiple=True,
              help="Language model(s) to probe (repeatable); default: the offline presets "
                   f"{', '.join(_OFFLINE_LLMS)}.")
@click.option("--no-llm", is_flag=True, help="Leave out the language-model probes.")
@click.option("--prompted", multiple=True, help="Causal model(s) to prompt for P(B).")
@click.option("--formats", default="text,arithmetic", show_default=True,
              help="Gamble formats for the probes.")
@click.option("--ambiguous", type=click.Choice(["exclude", "uniform", "true"]),
              default="exclude", show_default=True)
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--limit", type=int, default=None, help="Use a random subset of N problems.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--progress/--no-progress", default=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def compare_risky(dataset: str, data_path: str | None, models: str, weighting: str,
                  llms: tuple[str, ...], no_llm: bool, prompted: tuple[str, ...], formats: str,
                  ambiguous: str, folds: int, limit: int | None, seed: int, progress: bool,
                  as_json: bool) -> None:
    """Cross-validated table of choice-rate predictions: theories, baselines, LLM probes."""
    from cogalign.risky.analysis import compare_choices13k
    from cogalign.risky.data import load_risky, table_kind

    t0 = time.perf_counter()
    table = load_risky(None if data_path else dataset, data_path)
    if table_kind(table) != "rates":
        raise CogalignError("compare risky needs choice rates (b_rate, n), not single trials")
    theories = [m.strip().lower() for m in models.split(",") if m.strip()]
    bad = [t for t in theories if t not in _THEORIES]
    if bad:
        raise CogalignError(f"unknown model(s) {bad}; choose from {_THEORIES}")
    llm_models = () if no_llm else (llms or _OFFLINE_LLMS)
    summary, _ = compare_choices13k(
        table, theories=theories, weighting=weighting, ambiguous=ambiguous, n_splits=folds,
        seed=seed, llm_models=llm_models,
        formats=[f.strip() for f in formats.split(",") if f.strip()],
        prompted_models=prompted, n_problems=limit, progress=progress,
    )
    rows = [{"model": name, **{k: float(v) for k, v in row.items() if k != "n"},
             "n": int(row["n"])} for name, row in summary.iterrows()]
    payload = {
        "source": data_path or dataset,
        "folds": folds,
        "grouped_by": "problem_id",
        "ambiguous": ambiguous,
        "n_rows": summary.attrs.get("n_rows"),
        "n_excluded_ambiguous": summary.attrs.get("n_excluded_ambiguous"),
        "table": rows,
        "seconds": time.perf_counter() - t0,
    }
    lines = [f"{'model':<34}{'R2':>8}{'MSE':>10}{'R2 fold sd':>12}"]
    for r in rows:
        lines.append(f"{r['model']:<34}{r['r2']:>8.4f}{r['mse']:>10.5f}{r['r2_fold_sd']:>12.4f}")
    lines.append(f"{payload['n_rows']} rows, {folds} folds grouped by problem; "
                 f"{payload['n_excluded_ambiguous']} ambiguous rows: {ambiguous}")
    _emit(payload, as_json, "\n".join(lines))


@click.command("intertemporal")
@click.option("--models", default=",".join(_DISCOUNTING), show_default=True,
              help="Comma-separated models to compare (at least two).")
@_intertemporal_options
@_errors
def compare_intertemporal(models: str, dataset: str, method: str, scale: str, pooled: bool,
                          limit: int | None, data_path: str | None, backend: str, draws: int,
                          tune: int, chains: int, seed: int, progress: bool,
                          as_json: bool) -> None:
    """Rank discounting models and ITCH by PSIS-LOO (same data, same settings as fit)."""
    from cogalign.risky.analysis import compare_discounting
    from cogalign.risky.data import load_intertemporal

    t0 = time.perf_counter()
    names = [m.strip().lower() for m in models.split(",") if m.strip()]
    bad = [m for m in names if m not in _DISCOUNTING]
    if bad:
        raise CogalignError(f"unknown model(s) {bad}; choose from {list(_DISCOUNTING)}")
    if len(set(names)) < 2:
        raise CogalignError("compare needs at least two different models")
    table = load_intertemporal(None if data_path else dataset, data_path)
    ranking, fits = compare_discounting(
        table, models=list(dict.fromkeys(names)), scale=scale, hierarchical=not pooled,
        backend=backend, method=None if method == "auto" else method, draws=draws, tune=tune,
        chains=chains, seed=seed, n_participants=limit, progress=progress,
    )
    rows = []
    for name, row in ranking.iterrows():
        ranked = not math.isnan(float(row["rank"]))
        rows.append({"model": str(name), "rank": int(row["rank"]) if ranked else None,
                     "elpd_loo": float(row["elpd_loo"]), "se": float(row["se"]),
                     "p_loo": float(row["p_loo"]), "elpd_diff": float(row["elpd_diff"]),
                     "dse": float(row["dse"]), "weight": float(row["weight"]),
                     "n_bad_k": int(row["n_bad_k"]), "warning": bool(row["warning"]),
                     "problem": str(row["problem"]) or None})
    details = {}
    for name, est in fits.items():
        info: dict[str, Any] = {"parameters": _params_payload(est.summary_),
                                "seconds": float(est.idata_.attrs.get("seconds", math.nan))}
        info.update(_divergences(est.idata_))
        details[name] = info
    attrs = ranking.attrs
    payload: dict[str, Any] = {
        "source": data_path or dataset,
        "scale": scale,
        "hierarchical": not pooled,
        "backend": backend,
        "method": attrs.get("method"),
        "n_obs": attrs.get("n_obs"),
        "n_missing_excluded": attrs.get("n_missing"),
        "n_participants": attrs.get("n_participants"),
        "criterion": "PSIS-LOO elpd (higher is better); weights by stacking",
        "ranking": rows,
        "fits": details,
        "seconds": time.perf_counter() - t0,
    }
    lines = [f"{'model':<18}{'elpd_loo':>11}{'se':>8}{'elpd_diff':>11}{'dse':>8}"
             f"{'weight':>8}{'p_loo':>9}"]
    for r in rows:
        lines.append(f"{r['model']:<18}{r['elpd_loo']:>11.1f}{r['se']:>8.1f}"
                     f"{r['elpd_diff']:>11.1f}{r['dse']:>8.1f}{r['weight']:>8.3f}"
                     f"{r['p_loo']:>9.1f}")
        if r["problem"]:
            lines.append(f"  {r['model']} is not ranked: {r['problem']}")
    lines.append(f"{payload['n_obs']} trials on {data_path or dataset} "
                 f"({payload['n_missing_excluded']} missing responses left out), "
                 f"{'pooled' if pooled else 'hierarchical'}, {backend}/{payload['method']}")
    _emit(payload, as_json, "\n".join(lines))
