"""Command-line entry points of the mental-rotation paradigm.

Click commands, to be mounted by the main CLI as ``cogalign fit rotation``,
``cogalign fit rotation-model`` (the neural model), ``cogalign compare rotation``,
``cogalign align rotation`` and the group ``cogalign rotation`` (``render``, ``anova``, and the
neural model's ``train``, ``people``, ``simulate``). Each is a thin wrapper: it parses options and calls one
library function; ``--json`` prints machine-readable output (NaN as null); every error a user
can cause ends as a one-line reason and a non-zero exit status.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cogalign.bayes.cli_options import fit_options, method_setting
from cogalign.cli_common import emit, handle_errors, json_option, json_safe, progress_option

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
                         precision: str, progress: bool, as_json: bool) -> None:
    """Fit a hierarchical Bayesian model of mental-rotation RT and/or accuracy."""
    from cogalign.rotation.analysis import fit_rotation

    table = _table(dataset, data_path, limit, seed)
    report, _ = fit_rotation(
        table, model, family=family, hierarchical=not pooled,
        exclude="outlier" if exclude_outliers else None,
        method=method_setting(method), backend=backend, draws=draws,
        tune=tune, chains=chains, seed=seed, precision=precision, progress=progress)
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
                     precision: str, progress: bool, as_json: bool) -> None:
    """Rank mental-rotation RT models by PSIS-LOO (same correct trials for all)."""
    from cogalign.rotation.analysis import check_model_names, compare_rotation_models, fit_report

    names = [m.strip() for m in models.split(",") if m.strip()]
    check_model_names(names)  # before any data is read
    table = _table(dataset, data_path, limit, seed)
    ranking, fits = compare_rotation_models(
        table, names, family=family, hierarchical=not pooled,
        exclude="outlier" if exclude_outliers else None,
        method=method_setting(method), backend=backend, draws=draws,
        tune=tune, chains=chains, seed=seed, precision=precision, progress=progress)
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
    """Mental rotation: stimuli, classical analyses and the neural model."""


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


def _variant_list(text: str | None) -> list[str] | None:
    from cogalign.rotation.neural.config import get_variant

    if text is None:
        return None
    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names:
        raise click.BadParameter("name at least one variant", param_hint="--variants")
    for name in names:
        get_variant(name)
    return names


@rotation_group.command("train")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
              help="Model file to write (and to resume from when it exists).")
@click.option("--size", type=int, default=None, help="Image pixels, a multiple of 16 (default 64; 32 with --tiny).")
@click.option("--perception-steps", type=click.IntRange(min=0), default=None,
              help="Optimiser steps of each encoder (default: the config's).")
@click.option("--agent-steps", type=click.IntRange(min=0), default=None,
              help="Optimiser steps of each agent (default: the config's).")
@click.option("--variants", default=None,
              help="Comma-separated variants to train (default: full, search, plain-encoder, "
                   "no-symbolic, no-recurrent).")
@click.option("--tiny", is_flag=True, help="A small 32-pixel configuration (tests, quick looks).")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Any other NetConfig setting (repeatable), e.g. --set batch_size=32.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or auto.")
@click.option("--restart", is_flag=True, help="Start over even when --out exists.")
@click.option("--evaluate/--no-evaluate", default=True, show_default=True,
              help="Measure each stage on held-out shapes after training.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of weights and batches.")
@progress_option
@json_option
@handle_errors
def train_command(out_path: str, size: int | None, perception_steps: int | None, agent_steps: int | None,
                  variants: str | None, tiny: bool, settings: tuple[str, ...], device: str,
                  restart: bool, evaluate: bool, seed: int, progress: bool, as_json: bool) -> None:
    """Train the neural model (encoders, symbolic head, agents); resumable."""
    from cogalign.fitting import parse_settings
    from cogalign.rotation.neural.config import build_config
    from cogalign.rotation.neural.evaluation import evaluate_network
    from cogalign.rotation.neural.training import train_network

    config = build_config(size=size, perception_steps=perception_steps, agent_steps=agent_steps,
                          variants=_variant_list(variants), tiny=tiny, seed=seed,
                          settings=parse_settings(settings))
    net = train_network(config, checkpoint=out_path, resume=not restart, device=device,
                        progress=progress and not as_json)
    payload: dict[str, Any] = {"model": out_path, "config": net.config.to_dict(),
                               "stages_done": net.stages_done,
                               "seconds": getattr(net, "training_seconds", {})}
    if evaluate:
        payload["evaluation"] = evaluate_network(net, seed=seed)
    lines = [f"trained {', '.join(net.stages_done)} -> {out_path}"]
    for name, block in (payload.get("evaluation") or {}).get("encoders", {}).items():
        lines.append(f"  {name}: novel-view PSNR {block['psnr_rotated']:.2f} dB (input as "
                     f"prediction {block['baseline_psnr_rotated']:.2f} dB); symbolic per-arm "
                     f"{block['symbolic']['per_arm']:.3f}, exact {block['symbolic']['exact_match']:.3f}")
    for name, block in (payload.get("evaluation") or {}).get("variants", {}).items():
        lines.append(f"  {name}: accuracy {block['accuracy']:.3f}, steps slope "
                     f"{block['steps_slope_per_100deg']:.2f} per 100 deg")
    emit(json_safe(payload), as_json, "\n".join(lines))


@rotation_group.command("people")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), required=True,
              help="Trained model file (cogalign rotation train).")
@_with(_data_options)
@click.option("--variants", default=None, help="Comma-separated variants (default: all trained).")
@click.option("--n-per-condition", type=click.IntRange(min=1), default=64, show_default=True,
              help="Regenerated trials per condition.")
@click.option("--splits", type=click.IntRange(min=1), default=10, show_default=True,
              help="Random halvings of the participants.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of trials and halvings.")
@json_option
@handle_errors
def people_command(model_path: str, dataset: str, data_path: str | None, limit: int | None,
                   exclude_outliers: bool, variants: str | None, n_per_condition: int,
                   splits: int, seed: int, as_json: bool) -> None:
    """The neural model and its ablations vs people: map fitted on half, scored on the other."""
    from cogalign.rotation.neural.network import load_network
    from cogalign.rotation.neural.people import (
        accuracy_by_angle,
        compare_with_people,
        comparison_rows,
    )

    names = _variant_list(variants)
    net = load_network(model_path)
    table = _table(dataset, data_path, limit, seed)
    result = compare_with_people(net, table, variants=names, n_per_condition=n_per_condition,
                                 n_splits=splits, seed=seed,
                                 exclude="outlier" if exclude_outliers else None)
    result["dataset"] = data_path or dataset
    ceiling = result["ceiling"]
    lines = [f"neural model vs people on {result['dataset']} ({result['n_people']} people, "
             f"{splits} halvings); ceiling R2 {ceiling['r2']:.3f}, split-half r "
             f"{ceiling['split_half_r']:.3f}",
             f"{'variant':<15}{'R2':>7}{'slope':>8}{'people':>8}{'icpt':>7}{'people':>8}"
             f"{'acc':>7}{'acc_rmse':>9}"]
    for row in comparison_rows(result):
        lines.append(f"{row['variant']:<15}{row['r2']:>7.3f}{row['slope_model']:>8.2f}"
                     f"{row['slope_people']:>8.2f}{row['intercept_model']:>7.0f}"
                     f"{row['intercept_people']:>8.0f}{row['accuracy']:>7.3f}"
                     f"{row['accuracy_rmse']:>9.3f}")
    result["accuracy_by_angle"] = accuracy_by_angle(result)
    lines.append("accuracy by angle (mean over pair types" + (" and axes)" if "axis" in result["keys"] else ")"))
    for who, accs in result["accuracy_by_angle"].items():
        lines.append(f"  {who:<15}" + "".join(f"{a:>6}:{v:.2f}" for a, v in accs.items()))
    emit(json_safe(result), as_json, "\n".join(lines))


@click.command("rotation-model")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="Trained model file; without it --train must be given.")
@click.option("--train", "train", is_flag=True, help="Train a model inside the fit (--set size=32 ...).")
@click.option("--variant", default="full", show_default=True, help="Which variant to fit.")
@_with(_data_options)
@click.option("--folds", type=click.IntRange(min=0), default=5, show_default=True,
              help="Cross-validation folds by participant (0: fit on all rows only).")
@click.option("--n-per-condition", type=click.IntRange(min=1), default=64, show_default=True,
              help="Regenerated trials per condition.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="NetConfig settings when training (repeatable).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@json_option
@handle_errors
def fit_model_command(model_path: str | None, train: bool, variant: str, dataset: str,
                      data_path: str | None, limit: int | None, exclude_outliers: bool,
                      folds: int, n_per_condition: int, settings: tuple[str, ...], seed: int,
                      as_json: bool) -> None:
    """Fit the neural model of mental rotation: its step-to-seconds map, R2 of condition means.

    ``cogalign fit rotation-model``; the Bayesian response-time models are ``cogalign fit
    rotation``.
    """
    from cogalign.fitting import fit_paradigm, parse_settings
    from cogalign.rotation.neural.config import get_variant

    get_variant(variant)
    if (model_path is None) == (not train):
        raise click.UsageError("give either --model FILE or --train")
    if model_path is not None and not Path(model_path).is_file():
        raise click.BadParameter(f"{model_path}: no such model file", param_hint="--model")
    params: dict[str, Any] = {"n_per_condition": n_per_condition, "seed": seed,
                              "exclude": "outlier" if exclude_outliers else None}
    if model_path is not None:
        params["checkpoint"] = model_path
    else:
        params["config"] = parse_settings(settings)
    table = _table(dataset, data_path, limit, seed)
    name = "neural" if variant == "full" else f"neural-{variant}"
    result, _ = fit_paradigm("rotation", table, model=name, params=params, folds=folds, seed=seed)
    result["dataset"] = data_path or dataset
    lines = [f"neural model ({variant}) on {result['dataset']} ({result['n_rows']} rows)"]
    if result["cv"]:
        lines.append(f"  {result['score_name']}, {folds}-fold by participant: "
                     f"{result['cv']['mean']:.4f}")
    lines.append(f"  {result['score_name']} in sample: {result['score_in_sample']:.4f}")
    lines += [f"  {k} = {v}" for k, v in result["fitted"].items()]
    emit(json_safe(result), as_json, "\n".join(lines))


@rotation_group.command("simulate")
@click.option("--model", "kind", type=click.Choice(["classical", "neural"]), default="classical",
              show_default=True, help="Who answers: the RT models' simulated person or the neural model.")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="Trained neural model file (with --model neural).")
@click.option("--variant", default="full", show_default=True, help="Neural model variant.")
@click.option("--participants", type=click.IntRange(min=1), default=10, show_default=True,
              help="Simulated people.")
@click.option("--angles", default="0,50,100,150", show_default=True,
              help="Comma-separated angular disparities (degrees).")
@click.option("--axis", type=click.Choice(["x", "y", "z"]), default="y", show_default=True)
@click.option("--repeats", type=click.IntRange(min=1), default=6, show_default=True,
              help="Trials per angle and pair type and person.")
@click.option("--time-per-step", type=click.FloatRange(min=0.0), default=0.25, show_default=True,
              help="Seconds per rotation step (neural).")
@click.option("--non-decision", type=click.FloatRange(min=0.0), default=0.9, show_default=True,
              help="Non-decision time in seconds (neural).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="CSV file for the trial table.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@json_option
@handle_errors
def simulate_command(kind: str, checkpoint: str | None, variant: str, participants: int,
                     angles: str, axis: str, repeats: int, time_per_step: float,
                     non_decision: float, out_path: str | None, seed: int, as_json: bool) -> None:
    """Simulate a same/mirror study; the neural model can be the participant."""
    try:
        angle_list = [float(a) for a in angles.split(",") if a.strip()]
    except ValueError:
        raise click.BadParameter(f"numbers separated by commas, got {angles!r}",
                                 param_hint="--angles") from None
    if not angle_list:
        raise click.BadParameter("give at least one angle", param_hint="--angles")
    if kind == "neural":
        from cogalign.rotation.neural.config import get_variant
        from cogalign.rotation.neural.network import load_network
        from cogalign.rotation.neural.simulate import simulate_neural

        get_variant(variant)
        if checkpoint is None:
            raise click.UsageError("--model neural needs --checkpoint FILE (cogalign rotation train)")
        table = simulate_neural(load_network(checkpoint), participants, variant=variant,
                                angles=angle_list, axis=axis, n_repeats=repeats,
                                time_per_step=time_per_step, non_decision=non_decision, seed=seed)
    else:
        from cogalign.rotation.simulate import simulate_rotation

        table = simulate_rotation(participants, angles=angle_list, axis=axis, n_repeats=repeats,
                                  seed=seed)
    if out_path is not None:
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out_path, index=False)
    summary = (table.groupby(["angle", "pair_type"])
               .agg(accuracy=("correct", "mean"), rt_s=("rt", "median")).reset_index())
    payload = {"model": kind, "n_rows": len(table), "out": out_path,
               "by_condition": summary.to_dict(orient="records")}
    lines = [f"{kind} simulated study: {len(table)} trials" + (f" -> {out_path}" if out_path else "")]
    lines += [f"  {r['angle']:>5.0f} {r['pair_type']:<7} accuracy {r['accuracy']:.3f}, "
              f"median RT {r['rt_s']:.3f} s" for r in payload["by_condition"]]
    emit(json_safe(payload), as_json, "\n".join(lines))
