"""Command-line entry points of the mental-rotation paradigm.

Click commands, to be mounted by the main CLI as ``cogalign fit rotation``,
``cogalign compare rotation``, ``cogalign align rotation`` and the group ``cogalign
rotation`` (``render``, ``anova``). Each is a thin wrapper: it parses options and calls one
library function; ``--json`` prints machine-readable output (NaN as null); every error a user
can cause ends as a one-line reason and a non-zero exit status.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cogalign.bayes.cli_options import fit_options, method_setting
from cogalign.cli_common import emit, handle_errors, json_option, json_safe

__all__ = ["align_rotation", "compare_rotation", "fit_rotation_command", "rotation_group"]

_MODELS = ["linear", "concave", "two-stage", "accuracy", "joint"]





def _table(dataset: str, data_path: str | None, limit: int | None, seed: int) -> Any:
    from cogalign.rotation.analysis import subsample_participants
    from cogalign.rotation.data import read_rotation, trial_level

    if data_path:
        table = read_rotation(data_path)
    else:
        from cogalign.data import load

        table = load(dataset, download=True, progress=False)
    return subsample_participants(trial_level(table), limit, seed=seed)


def _interval_text(d: dict, unit: str, digits: int) -> str:
    return f"{d['mean']:.{digits}f} {unit} [{d['lower']:.{digits}f}, {d['upper']:.{digits}f}]"


_data_options = [
    click.option("--dataset", default="rotation-ganis-kievit-2015", show_default=True,
                 help="Registered dataset (ignored with --data)."),
    click.option("--data", "data_path", type=click.Path(), default=None,
                 help="A trial file instead (the tidy rotation table or a native file), or "
                      "the Psych-DS folder a rotation study writes."),
    click.option("--limit", type=int, default=None, help="Use a random subset of N people."),
    click.option("--exclude-outliers", is_flag=True,
                 help="Leave out rows flagged in an 'outlier' column (Jost & Jansen)."),
]
_fit_options = [
    click.option("--family", type=click.Choice(["lognormal", "wald"]), default="lognormal",
                 show_default=True, help="RT likelihood of the linear, concave and joint models."),
    click.option("--pooled", is_flag=True, help="One parameter set instead of per-person."),
    fit_options,
    json_option,
]


def _with(options: list) -> Callable:
    def decorate(fn: Callable) -> Callable:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


@click.command("rotation")
@click.option("--model", type=click.Choice(_MODELS), default="linear", show_default=True,
              help="RT model (linear, concave, two-stage), accuracy, or the joint model.")
@_with(_data_options)
@_with(_fit_options)
@handle_errors
def fit_rotation_command(model: str, dataset: str, data_path: str | None, limit: int | None,
                         exclude_outliers: bool, family: str, pooled: bool, method: str,
                         backend: str, draws: int, tune: int, chains: int, seed: int,
                         progress: bool, as_json: bool) -> None:
    """Fit a hierarchical Bayesian model of mental-rotation RT and/or accuracy."""
    from cogalign.rotation.analysis import fit_rotation

    table = _table(dataset, data_path, limit, seed)
    report, _ = fit_rotation(
        table, model, family=family, hierarchical=not pooled,
        exclude="outlier" if exclude_outliers else None,
        method=method_setting(method), backend=backend, draws=draws,
        tune=tune, chains=chains, seed=seed, progress=progress)
    report["dataset"] = data_path or dataset
    lines = [f"{report['model']} model on {report['dataset']}: {report['n_obs']} observations, "
             f"{report['n_participants']} people ({report['method']})"]
    pct = int(round(report["interval"] * 100))
    for kind in ("same", "mirror"):
        if "speed_deg_per_s" in report and kind in report["speed_deg_per_s"]:
            lines.append(f"  {kind:<6} slope {_interval_text(report['slope_ms_per_deg'][kind], 'ms/deg', 2)}"
                         f", speed {_interval_text(report['speed_deg_per_s'][kind], 'deg/s', 0)} ({pct}%)")
    for name, row in report["parameters"].items():
        lines.append(f"  {name:<20}{row['mean']:>10.4g}  [{row['lower']:.4g}, {row['upper']:.4g}]")
    loo = report["loo"]
    lines.append(f"  PSIS-LOO elpd {loo['elpd']:.1f} (se {loo['se']:.1f}), p_loo {loo['p_loo']:.1f}")
    if "divergences" in report:
        lines.append(f"  divergences {report['divergences']}, max r-hat {report.get('max_rhat')}")
    emit(report, as_json, "\n".join(lines))


@click.command("rotation")
@click.option("--models", default="linear,concave,two-stage", show_default=True,
              help="Comma-separated models (append -wald for a shifted Wald version).")
@_with(_data_options)
@_with(_fit_options)
@handle_errors
def compare_rotation(models: str, dataset: str, data_path: str | None, limit: int | None,
                     exclude_outliers: bool, family: str, pooled: bool, method: str,
                     backend: str, draws: int, tune: int, chains: int, seed: int,
                     progress: bool, as_json: bool) -> None:
    """Rank mental-rotation RT models by PSIS-LOO (same correct trials for all)."""
    from cogalign.rotation.analysis import check_model_names, compare_rotation_models, fit_report

    names = [m.strip() for m in models.split(",") if m.strip()]
    check_model_names(names)  # before any data is read
    table = _table(dataset, data_path, limit, seed)
    ranking, fits = compare_rotation_models(
        table, names, family=family, hierarchical=not pooled,
        exclude="outlier" if exclude_outliers else None,
        method=method_setting(method), backend=backend, draws=draws,
        tune=tune, chains=chains, seed=seed, progress=progress)
    cols = ["rank", "elpd_loo", "p_loo", "elpd_diff", "se", "dse", "weight", "n_bad_k"]
    rows = [{"model": str(k), **{c: json_safe(float(r[c])) for c in cols}} for k, r in ranking.iterrows()]
    reports = {k: fit_report(v) for k, v in fits.items()}
    payload = {"dataset": data_path or dataset, "ranking": rows,
               "slope_ms_per_deg": {k: r.get("slope_ms_per_deg") for k, r in reports.items()},
               "speed_deg_per_s": {k: r.get("speed_deg_per_s") for k, r in reports.items()},
               "parameters": {k: r["parameters"] for k, r in reports.items()},
               "diagnostics": {k: {d: r.get(d) for d in ("divergences", "max_rhat", "min_ess_bulk")}
                               for k, r in reports.items()}}
    text = [f"PSIS-LOO on {payload['dataset']} (best first)",
            f"{'model':<14}{'elpd_loo':>12}{'p_loo':>9}{'elpd_diff':>11}{'dse':>8}{'weight':>8}"]
    for r in rows:
        text.append(f"{r['model']:<14}{r['elpd_loo']:>12.1f}{r['p_loo']:>9.1f}"
                    f"{r['elpd_diff']:>11.1f}{(r['dse'] or 0.0):>8.1f}{r['weight']:>8.2f}")
    emit(payload, as_json, "\n".join(text))


@click.command("rotation")
@click.option("--model", "llm_model", default="smollm2-135m", show_default=True,
              help="Offline causal language model preset or path.")
@_with(_data_options)
@click.option("--trials-per-condition", type=click.IntRange(min=1), default=8, show_default=True,
              help="Language-model trials per angle and pair type.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def align_rotation(llm_model: str, dataset: str, data_path: str | None, limit: int | None,
                   exclude_outliers: bool, trials_per_condition: int, seed: int,
                   as_json: bool) -> None:
    """A language model judges same/mirror from arm codes; its accuracy by angle vs people's."""
    from cogalign.rotation.llm import align_with_people

    table = _table(dataset, data_path, limit, seed)
    if exclude_outliers:
        table = table.loc[~table["outlier"].astype(bool)]
    result = align_with_people(table, model=llm_model, n_per_condition=trials_per_condition,
                               seed=seed, progress=not as_json)
    result["dataset"] = data_path or dataset
    lines = [f"{llm_model} vs people on {result['dataset']}",
             f"{'angle':>6}{'pair':>8}{'people':>9}{'model':>8}"]
    for r in result["by_condition"]:
        lines.append(f"{r['angle']:>6.0f}{r['pair_type']:>8}{r['human_accuracy']:>9.3f}"
                     f"{r['model_accuracy']:>8.3f}")
    lines.append(f"  RSA of condition accuracy profiles (Spearman): {result['rsa']}")
    emit(result, as_json, "\n".join(lines))


@click.group("rotation")
def rotation_group() -> None:
    """Mental rotation: stimuli and classical analyses."""


@rotation_group.command("render")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of objects and poses.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for the object file, the PNG pairs and their manifest.")
@click.option("--n-objects", type=int, default=4, show_default=True, help="Objects to generate.")
@click.option("--n-cubes", type=int, default=10, show_default=True, help="Cubes per object.")
@click.option("--n-arms", type=int, default=4, show_default=True, help="Arms per object.")
@click.option("--angles", default="0,50,100,150", show_default=True,
              help="Comma-separated angular disparities (degrees).")
@click.option("--axis", type=click.Choice(["x", "y", "z"]), default="y", show_default=True,
              help="Rotation axis (y: in depth about the vertical, z: picture plane).")
@click.option("--size", type=int, default=256, show_default=True, help="Pixels per view.")
@click.option("--projection", type=click.Choice(["orthographic", "perspective"]),
              default="orthographic", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def render_command(seed: int, out_dir: str, n_objects: int, n_cubes: int, n_arms: int,
                   angles: str, axis: str, size: int, projection: str, as_json: bool) -> None:
    """Generate Shepard-Metzler objects and render every same/mirror pair to PNG files."""
    from cogalign.rotation.stimuli import render_stimulus_set

    try:
        angle_list = [float(a) for a in angles.split(",") if a.strip()]
    except ValueError:
        raise click.ClickException(f"--angles must be numbers separated by commas, got {angles!r}") from None
    manifest = render_stimulus_set(out_dir, n_objects=n_objects, n_cubes=n_cubes, n_arms=n_arms,
                                   angles=angle_list, axis=axis, size=size,
                                   projection=projection, seed=seed)
    payload = {"out": str(Path(out_dir)), "objects": str(Path(out_dir) / "objects.txt"),
               "manifest": str(Path(out_dir) / "stimuli.csv"), "n_images": len(manifest)}
    emit(payload, as_json, f"wrote {len(manifest)} stimulus pairs and objects.txt to {out_dir}")


@rotation_group.command("anova")
@_with(_data_options)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def anova_command(dataset: str, data_path: str | None, limit: int | None,
                  exclude_outliers: bool, as_json: bool) -> None:
    """Repeated-measures ANOVA (angle x pair type, GG-corrected) and RT-on-angle lines."""
    from cogalign.rotation.analysis import GANIS_KIEVIT_PUBLISHED, classical_report

    table = _table(dataset, data_path, limit, 0)
    if exclude_outliers:
        table = table.loc[~table["outlier"].astype(bool)]
    published = GANIS_KIEVIT_PUBLISHED if (dataset == "rotation-ganis-kievit-2015" and not data_path) else None
    report = classical_report(table, published=published)
    lines = [f"RM-ANOVA on correct-trial RT, N = {report['n']} (Greenhouse-Geisser)"]
    for effect, row in report["anova"].items():
        pub = row.get("published")
        lines.append(f"  {effect:<16} F({row['df1_gg']:.2f}, {row['df2_gg']:.2f}) = {row['F']:.2f}, "
                     f"p = {row['p_gg']:.3g}, partial eta2 = {row['partial_eta2']:.3f}"
                     + (f"   published F = {pub['F']:.2f}" if pub else ""))
    for r in report["regression"]:
        lines.append(f"  {r['level']:<16} {r['pair_type']:<7} slope {r['slope_ms_per_deg']:.2f} ms/deg, "
                     f"intercept {r['intercept_ms']:.0f} ms, R2 {r['r2']:.3f}")
    emit(report, as_json, "\n".join(lines))
