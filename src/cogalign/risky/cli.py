"""Command-line entry points of the risky-choice paradigm.

Two click commands, registered by the main CLI as ``cogalign fit risky`` and ``cogalign
compare risky``. Each takes ``--json``; every error ends as a one-line reason and a non-zero
exit status.
"""

from __future__ import annotations

import time

import click

from cogalign.bayes.cli_options import (
    fit_options,
    method_setting,
    params_text,
)
from cogalign.cli_common import emit, folds_option, handle_errors, number_text
from cogalign.errors import CogalignError

__all__ = ["compare_risky", "fit_risky"]

_THEORIES = ["ev", "eu", "pt", "cpt"]
_WEIGHTINGS = ["tk", "prelec", "prelec1", "lio"]
_OFFLINE_LLMS = ("minilm-l6", "smollm2-135m")



@click.command("risky")
@click.option("--model", "theory", type=click.Choice(_THEORIES), default="cpt",
              show_default=True, help="Theory: expected value, expected utility, PT, CPT.")
@click.option("--dataset", default="choices13k", show_default=True,
              help="Registered dataset (ignored with --data).")
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
@folds_option(help="Grouped cross-validation folds for R2/MSE of choice rates (0: skip).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Use a random subset of N problems.")
@click.option("--data", "data_path", type=click.Path(dir_okay=True), default=None,
              help="A data file instead of the dataset: choices13k's CSV (+JSON) or a tidy "
                   "rates or trial table.")
@fit_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def fit_risky(theory: str, dataset: str, method: str, weighting: str, choice: str,
              likelihood: str, ambiguous: str, pooled: bool, folds: int, limit: int | None,
              data_path: str | None, backend: str, draws: int, tune: int, chains: int,
              seed: int, precision: str, progress: bool, as_json: bool) -> None:
    """Fit a risky-choice model; print parameters with 90% intervals and cross-validated R2."""
    from cogalign.risky.analysis import fit_risky_model
    from cogalign.risky.data import load_risky

    t0 = time.perf_counter()
    table = load_risky(None if data_path else dataset, data_path)
    payload, est = fit_risky_model(
        table, theory=theory, weighting=weighting, choice=choice, likelihood=likelihood,
        hierarchical=not pooled, ambiguous=ambiguous, folds=folds, limit=limit, backend=backend,
        method=method_setting(method), draws=draws, tune=tune, chains=chains, seed=seed,
        precision=precision, progress=progress)
    payload["source"] = data_path or dataset
    lines = [f"{theory.upper()} on {data_path or dataset}: {est.n_obs_} {payload['kind']} rows "
             f"({est.n_excluded_} excluded), {backend}/{est.method_}",
             params_text(est.summary_, est.interval)]
    if payload["cv"]:
        lines.append(f"cross-validated ({folds} folds by problem): R2 = {payload['cv']['r2']:.4f}, "
                     f"MSE = {payload['cv']['mse']:.5f}")
    if "r2_in_sample" in payload:
        lines.append(f"in-sample R2 = {payload['r2_in_sample']:.4f}")
    else:
        lines.append(f"in-sample accuracy = {payload['accuracy_in_sample']:.4f} (cross-validated "
                     "R2 needs a choice-rate table)")
    payload["seconds"] = time.perf_counter() - t0
    emit(payload, as_json, "\n".join(lines), digits=6)


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
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Cross-validation folds grouped by problem (at least 2).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Use a random subset of N problems.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--progress/--no-progress", default=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def compare_risky(dataset: str, data_path: str | None, models: str, weighting: str,
                  llms: tuple[str, ...], no_llm: bool, prompted: tuple[str, ...], formats: str,
                  ambiguous: str, folds: int, limit: int | None, seed: int, progress: bool,
                  as_json: bool) -> None:
    """Cross-validated table of choice-rate predictions: theories, baselines, LLM probes."""
    from cogalign.risky.analysis import check_folds, compare_choices13k
    from cogalign.risky.data import load_risky, table_kind

    t0 = time.perf_counter()
    table = load_risky(None if data_path else dataset, data_path)
    if table_kind(table) != "rates":
        raise CogalignError("compare risky needs choice rates (b_rate, n), not single trials")
    theories = [m.strip().lower() for m in models.split(",") if m.strip()]
    bad = [t for t in theories if t not in _THEORIES]
    if bad:
        raise CogalignError(f"unknown model(s) {bad}; choose from {_THEORIES}")
    from cogalign.risky.gambles import select_ambiguous

    n_problems = len(select_ambiguous(table, ambiguous))
    check_folds(n_problems if limit is None else min(limit, n_problems), folds)
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
        lines.append(f"{r['model']:<34}{number_text(r['r2'], 8, 4)}{number_text(r['mse'], 10, 5)}"
                     f"{number_text(r['r2_fold_sd'], 12, 4)}")
    lines.append(f"{payload['n_rows']} rows, {folds} folds grouped by problem; "
                 f"{payload['n_excluded_ambiguous']} ambiguous rows: {ambiguous}")
    emit(payload, as_json, "\n".join(lines), digits=6)
