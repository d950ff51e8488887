"""Command-line entry points of the intertemporal-choice paradigm.

Two click commands, registered by the main CLI as ``cogalign fit intertemporal`` and
``cogalign compare intertemporal``. Each takes ``--json``; every error ends as a one-line
reason and a non-zero exit status.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import click

from cogalign.bayes.cli_options import (
    divergences,
    fit_options,
    method_setting,
    params_payload,
    params_text,
)
from cogalign.cli_common import emit, handle_errors, number_text
from cogalign.errors import CogalignError
from cogalign.intertemporal.functions import DISCOUNTING

__all__ = ["compare_intertemporal", "fit_intertemporal"]

_DISCOUNTING = list(DISCOUNTING)



_OPTIONS = [
    click.option("--dataset", default="ericson2015", show_default=True,
                 help="Registered dataset (ignored with --data)."),
    click.option("--scale", type=click.Choice(["relative", "absolute"]), default="relative",
                 show_default=True,
                 help="Value difference relative to the mean amount, or absolute."),
    click.option("--pooled", is_flag=True, help="One parameter set instead of per-participant."),
    click.option("--limit", type=click.IntRange(min=1), default=None,
                 help="Use a random subset of N participants."),
    click.option("--data", "data_path", type=click.Path(dir_okay=True), default=None,
                 help="A data file instead of the dataset: Ericson et al.'s choices.csv or the "
                      "tidy table."),
]


def _intertemporal_options(command: Callable) -> Callable:
    """The options ``fit intertemporal`` and ``compare intertemporal`` share."""
    command = click.option("--json", "as_json", is_flag=True,
                           help="Machine-readable output.")(command)
    command = fit_options(command)
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


@click.command("intertemporal")
@click.option("--model", type=click.Choice(_DISCOUNTING), default="hyperbolic",
              show_default=True, help="Discounting model or the ITCH heuristic.")
@_intertemporal_options
@handle_errors
def fit_intertemporal(model: str, dataset: str, method: str, scale: str, pooled: bool,
                      limit: int | None, data_path: str | None, backend: str, draws: int,
                      tune: int, chains: int, seed: int, precision: str, progress: bool,
                      as_json: bool) -> None:
    """Fit an intertemporal-choice model; print parameters with 90% intervals and PSIS-LOO."""
    from cogalign.intertemporal.analysis import fit_intertemporal_model
    from cogalign.intertemporal.data import load_intertemporal

    table = load_intertemporal(None if data_path else dataset, data_path)
    payload, est = fit_intertemporal_model(
        table, model=model, scale=scale, hierarchical=not pooled, limit=limit, backend=backend,
        method=method_setting(method), draws=draws, tune=tune, chains=chains, seed=seed,
        precision=precision, progress=progress)
    payload["source"] = data_path or dataset
    text = "\n".join([
        f"{model} on {data_path or dataset}: {est.n_obs_} trials ({est.n_missing_} missing "
        f"responses left out), {'pooled' if pooled else 'hierarchical'}, "
        f"{backend}/{est.method_}",
        params_text(est.summary_, est.interval),
        f"PSIS-LOO elpd = {payload['loo']['elpd']:.1f} (se {payload['loo']['se']:.1f})",
    ])
    emit(payload, as_json, text, digits=6)


@click.command("intertemporal")
@click.option("--models", default=",".join(_DISCOUNTING), show_default=True,
              help="Comma-separated models to compare (at least two).")
@_intertemporal_options
@handle_errors
def compare_intertemporal(models: str, dataset: str, method: str, scale: str, pooled: bool,
                          limit: int | None, data_path: str | None, backend: str, draws: int,
                          tune: int, chains: int, seed: int, precision: str, progress: bool,
                          as_json: bool) -> None:
    """Rank discounting models and ITCH by PSIS-LOO (same data, same settings as fit)."""
    from cogalign.intertemporal.analysis import compare_discounting
    from cogalign.intertemporal.data import load_intertemporal

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
        backend=backend, method=method_setting(method), draws=draws, tune=tune,
        chains=chains, seed=seed, precision=precision, n_participants=limit, progress=progress,
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
        info: dict[str, Any] = {"parameters": params_payload(est.summary_),
                                "seconds": float(est.idata_.attrs.get("seconds", math.nan))}
        info.update(divergences(est.idata_))
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
        lines.append(f"{r['model']:<18}{number_text(r['elpd_loo'], 11, 1)}"
                     f"{number_text(r['se'], 8, 1)}"
                     f"{number_text(r['elpd_diff'], 11, 1)}{number_text(r['dse'], 8, 1)}"
                     f"{number_text(r['weight'], 8, 3)}{number_text(r['p_loo'], 9, 1)}")
        if r["problem"]:
            lines.append(f"  {r['model']} is not ranked: {r['problem']}")
    lines.append(f"{payload['n_obs']} trials on {data_path or dataset} "
                 f"({payload['n_missing_excluded']} missing responses left out), "
                 f"{'pooled' if pooled else 'hierarchical'}, {backend}/{payload['method']}")
    emit(payload, as_json, "\n".join(lines), digits=6)
