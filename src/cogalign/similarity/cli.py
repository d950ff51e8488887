"""``cogalign align similarity`` and ``cogalign turing-rsa``.

``align similarity``: a model's pair similarities (embedding per layer, or prompted expected
ratings) against people. Word-pair datasets (``simlex999``, ``wordsim353``): Spearman with the
human means and its bootstrap interval per layer. Full-matrix ratings (``--data``, one RDM per
participant): RSA with the noise ceiling.

``turing-rsa``: the individual-level analysis in one command: each candidate's percentile
among the participants with its bootstrap interval, inside or outside the human range, as a
table (CSV + JSON) and a figure.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from cogalign.cli_common import handle_errors, json_safe, n_boot_option, one_line
from cogalign.errors import CogalignError

__all__ = [
    "align_similarity",
    "turing_rsa",
]


def _read_ratings(path: Path) -> pd.DataFrame:
    from cogalign.data import read_psychds, read_trials

    if not path.exists():
        raise CogalignError(f"{path}: no such file or folder")
    return read_psychds(path, "similarity") if path.is_dir() else read_trials(path, "similarity")



def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json_safe(frame.to_dict(orient="records"))


def _fmt(x: Any, digits: int = 4) -> str:
    """A number for the text output; ``n/a`` where it is not defined (never ``nan``)."""
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) \
        else f"{x:.{digits}f}"


def _ceiling(ceiling: dict[str, Any], n_participants: int) -> str:
    """The noise-ceiling interval for the text output, or why there is none."""
    if ceiling["lower"] is None and ceiling["upper"] is None:
        return (f"no noise ceiling ({n_participants} participant; it needs at least 2)"
                if n_participants < 2 else "no noise ceiling (too few shared pairs)")
    return f"noise ceiling [{_fmt(ceiling['lower'])}, {_fmt(ceiling['upper'])}]"


@click.command("similarity")
@click.option("--model", "-m", required=True, help="Model preset, Hugging Face id or local path.")
@click.option("--dataset", default="simlex999", show_default=True,
              help="Word-pair dataset (simlex999, wordsim353).")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="Your own pairwise ratings (trial file or Psych-DS folder, several "
                   "participants) for full-matrix RSA, instead of --dataset.")
@click.option("--method", type=click.Choice(["embedding", "prompt"]), default="embedding",
              show_default=True)
@click.option("--layer", default="all", show_default=True,
              help="Embedding layers: 'all', 'last', or e.g. '0,6,-1' or '10:20'.")
@click.option("--pooling", type=click.Choice(["mean", "last", "sentence"]), default=None,
              help="Token pooling (default: 'sentence' for sentence models, else 'mean').")
@click.option("--template", default="auto", show_default=True,
              help="Embedding text around each item, e.g. 'The word {item}'; 'none' for the "
                   "bare item; 'auto': causal models read items in 'The concept: {item}'.")
@click.option("--prompt", "prompt", default=None,
              help="Prompt template name or TOML file (default: similarity-0-10 for word "
                   "pairs, the built-in task on the data's scale for --data).")
@click.option("--orders", type=click.Choice(["both", "one"]), default="both", show_default=True,
              help="Prompt method: ask each pair in both item orders, or as given.")
@click.option("--n-pairs", type=click.IntRange(min=3), default=None,
              help="Use a seeded random subset of this many word pairs (default: all).")
@click.option("--rsa-method", default="spearman", show_default=True,
              help="RDM comparator for --data.")
@n_boot_option()
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def align_similarity(model: str, dataset: str, data_path: Path | None, method: str, layer: str,
                     pooling: str | None, template: str | None, prompt: str | None,
                     orders: str, n_pairs: int | None, rsa_method: str, n_boot: int,
                     seed: int, no_progress: bool, as_json: bool) -> None:
    """Pair similarity of a model (per layer, or prompted) vs people's similarity ratings."""
    if template is not None and template.lower() == "none":
        template = None
    from cogalign.similarity.group import align_ratings
    from cogalign.similarity.wordpairs import WORD_PAIR_DATASETS, align_word_pairs, subsample_pairs

    progress = not no_progress and not as_json
    try:
        if data_path is not None:
            if n_pairs is not None:
                raise CogalignError("--n-pairs subsamples word-pair datasets; with --data all "
                                    "pairs form the participants' RDMs")
            table = _read_ratings(data_path)
            summary, info = align_ratings(
                table, model=model, method=method, layers=layer, pooling=pooling,
                template=template, prompt=prompt, orders=orders, rsa_method=rsa_method,
                n_boot=n_boot, seed=seed, progress=progress)
            payload = {"model": model, "data": str(data_path), "kind": "full-matrix",
                       "method": method, "comparator": rsa_method,
                       "n_participants": info["n_participants"],
                       "n_items": len(info["labels"]),
                       "noise_ceiling": {"lower": summary["noise_ceiling_lower"].iloc[0],
                                         "upper": summary["noise_ceiling_upper"].iloc[0]},
                       "reliability": info["reliability"],
                       "layers": _records(summary)}
        else:
            from cogalign.data import load

            if dataset not in WORD_PAIR_DATASETS:
                raise CogalignError(
                    f"--dataset must be a word-pair dataset ({', '.join(WORD_PAIR_DATASETS)}); "
                    "for your own ratings use --data")
            pairs = subsample_pairs(load(dataset, download=True, progress=progress), n_pairs,
                                    seed)
            summary, _ = align_word_pairs(
                pairs, model=model, method=method, layers=layer, pooling=pooling,
                template=template, prompt=prompt or "similarity-0-10", orders=orders,
                n_boot=n_boot, seed=seed, progress=progress)
            payload = {"model": model, "data": dataset, "kind": "word-pairs", "method": method,
                       "n_pairs": int(len(pairs)),
                       "prompt": summary["template"].iloc[0] if method == "prompt" else None,
                       "orders": orders if method == "prompt" else None,
                       "layers": _records(summary)}
    except ValueError as exc:  # bad input that reached the metrics or llm layer
        raise CogalignError(one_line(exc)) from None
    payload = json_safe(payload)
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    _print_alignment(payload)


def _print_alignment(payload: dict[str, Any]) -> None:
    head = f"{payload['model']} on {payload['data']} ({payload['method']})"
    if payload["kind"] == "word-pairs":
        click.echo(f"{head}: Spearman with the human mean ratings, {payload['n_pairs']} pairs")
        for row in payload["layers"]:
            extra = (f"  valid mass {_fmt(row.get('valid_mass'), 3)}"
                     if payload["method"] == "prompt" else "")
            click.echo(f"  layer {row['layer']!s:>6}  Spearman {_fmt(row['spearman'])} "
                       f"[{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]{extra}")
        return
    ceiling = payload["noise_ceiling"]
    click.echo(f"{head}: RSA ({payload['comparator']}) with {payload['n_participants']} "
               f"participants, {payload['n_items']} items; "
               f"{_ceiling(ceiling, payload['n_participants'])}")
    for row in payload["layers"]:
        share = row["share_of_lower_ceiling"]
        click.echo(f"  layer {row['layer']!s:>6}  RSA {_fmt(row['rsa'])} "
                   f"[{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]  "
                   f"{_fmt(None if share is None else 100 * share, 1)}% of the lower ceiling")


def _llm_candidates(table: pd.DataFrame, models: tuple[str, ...], layer: str,
                    synthetic: int, temperature: float, prompt: str | None, orders: str,
                    seed: int, progress: bool) -> tuple[np.ndarray, list[str], list[str], Any]:
    """Language-model candidate RDMs over the table's items: embedding, synthetic individuals."""
    from cogalign.similarity.llm import (
        embedding_rdms,
        synthetic_participants,
        task_for_scale,
    )
    from cogalign.similarity.ratings import participant_rdms, rating_scale

    labels = list(participant_rdms(table).labels)
    vectors, names, kinds = [], [], []
    synthetic_rdms = None
    for model in models:
        emb = embedding_rdms(labels, model=model, layers=layer, progress=progress)
        vectors.append(emb.vectors)
        names += [f"{model} {n}" for n in emb.names]
        kinds += ["model"] * emb.n_rdms
        if synthetic > 0:
            iu, ju = np.triu_indices(len(labels), k=1)
            synth = synthetic_participants(
                [labels[i] for i in iu], [labels[j] for j in ju], model=model,
                template=prompt or task_for_scale(rating_scale(table)),
                n_participants=synthetic, temperature=temperature, orders=orders, seed=seed,
                progress=progress)
            rdms = participant_rdms(synth, labels=labels).rdms
            vectors.append(rdms.vectors)
            names += [f"{model} {p}" for p in rdms.names]
            kinds += ["llm"] * rdms.n_rdms
            synthetic_rdms = rdms
    return np.vstack(vectors), names, kinds, synthetic_rdms


@click.command("turing-rsa")
@click.option("--dataset", default="rsa92", show_default=True,
              help="RDM dataset with per-participant RDMs (rsa92).")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="Pairwise ratings (trial file or Psych-DS folder) instead of --dataset; "
                   "language models (--model) are the candidates.")
@click.option("--candidates", default="brain,model", show_default=True,
              help="rsa92: kinds of RDM used as candidates.")
@click.option("--model", "-m", "models", multiple=True,
              help="With --data: a language model whose embedding RDM (at --layer) is a "
                   "candidate; repeatable.")
@click.option("--layer", default="last", show_default=True, help="Embedding layer(s) for --model.")
@click.option("--synthetic", type=click.IntRange(min=0), default=0, show_default=True,
              help="With --data and --model: synthetic LLM individuals sampled per model.")
@click.option("--temperature", type=click.FloatRange(min=0.0), default=1.0, show_default=True,
              help="Sampling temperature of the synthetic individuals.")
@click.option("--prompt", default=None, help="Prompt template for synthetic individuals.")
@click.option("--orders", type=click.Choice(["both", "one"]), default="both", show_default=True)
@click.option("--rsa-method", default="spearman", show_default=True, help="RDM comparator.")
@n_boot_option()
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for turing_rsa.csv, humans.csv, turing_rsa.json and the figures.")
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def turing_rsa(dataset: str, data_path: Path | None, candidates: str, models: tuple[str, ...],
               layer: str, synthetic: int, temperature: float, prompt: str | None,
               orders: str, rsa_method: str, n_boot: int, seed: int, out_dir: Path | None,
               no_progress: bool, as_json: bool) -> None:
    """Individual-level Turing RSA: is each candidate inside the range of individual people?"""
    from cogalign.similarity import individual

    progress = not no_progress and not as_json
    spread = None
    try:
        if data_path is not None:
            from cogalign.similarity.ratings import participant_rdms

            if not models:
                raise CogalignError("with --data give at least one --model as a candidate")
            table = _read_ratings(data_path)
            people = participant_rdms(table).rdms
            vectors, names, kinds, synth = _llm_candidates(
                table, models, layer, synthetic, temperature, prompt, orders, seed, progress)
            result = individual.turing_rsa(people, vectors, names=names, kinds=kinds,
                                           method=rsa_method, n_boot=n_boot, seed=seed)
            if synth is not None and synth.n_rdms >= 2:
                spread = individual.population_spread(people, synth, rsa_method)
            source = str(data_path)
            everything = np.vstack([people.vectors, vectors])
            groups = ["human"] * people.n_rdms + kinds
            all_names = list(people.names or []) + names
        else:
            from cogalign.data import load

            if dataset != "rsa92":
                raise CogalignError(f"--dataset {dataset!r} has no per-participant RDMs; use "
                                    "rsa92, or --data with your ratings")
            kinds_wanted = [k.strip() for k in candidates.split(",") if k.strip()]
            stack = load(dataset, download=True, progress=progress)
            result = individual.rsa92_turing(stack, candidates=kinds_wanted,
                                             method=rsa_method, n_boot=n_boot, seed=seed)
            source = dataset
            people = stack.select("behaviour")
            picked = [stack.select(k) for k in kinds_wanted]
            everything = np.concatenate([people.rdms, *[p.rdms for p in picked]])
            groups = ["human"] * len(people) + [k for p in picked for k in p.kinds]
            all_names = list(result.humans["participant"]) + \
                [n for p in picked for n in p.names]
    except ValueError as exc:
        raise CogalignError(one_line(exc)) from None
    payload = json_safe({"data": source, **result.to_dict(), "spread": spread})
    if out_dir is not None:
        payload["files"] = _write_outputs(out_dir, result, payload, everything, all_names,
                                          groups)
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    _print_turing(payload)


def _write_outputs(out_dir: Path, result: Any, payload: dict[str, Any], rdms: np.ndarray,
                   names: list[str], groups: list[str]) -> list[str]:
    from cogalign.plots.similarity import plot_mds, plot_turing_rsa

    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    result.table.to_csv(out_dir / "turing_rsa.csv", index=False)
    result.humans.to_csv(out_dir / "humans.csv", index=False)
    (out_dir / "turing_rsa.json").write_text(json.dumps(payload, indent=2))
    files += ["turing_rsa.csv", "humans.csv", "turing_rsa.json"]
    axes = plot_turing_rsa(result)
    axes[0].figure.savefig(out_dir / "turing_rsa.png", dpi=150)
    files.append("turing_rsa.png")
    ax = plot_mds(rdms, names, groups, method=result.method)
    ax.figure.tight_layout()
    ax.figure.savefig(out_dir / "mds.png", dpi=150)
    files.append("mds.png")
    import matplotlib.pyplot as plt

    plt.close("all")
    return [str(out_dir / f) for f in files]


def _print_turing(payload: dict[str, Any]) -> None:
    ceiling = payload["noise_ceiling"]
    click.echo(f"Turing RSA on {payload['data']}: {payload['n_participants']} participants, "
               f"{payload['n_items']} items ({payload['method']}); noise ceiling "
               f"[{_fmt(ceiling['lower'])}, {_fmt(ceiling['upper'])}]")
    humans = [h["score"] for h in payload["humans"]]
    click.echo(f"  humans: agreement with the others {_fmt(min(humans))} .. "
               f"{_fmt(max(humans))} (median {_fmt(float(np.median(humans)))})")
    click.echo(f"  {'candidate':<28} {'kind':<6} {'score':>7}  {'percentile [95% CI]':<22} "
               "verdict")
    for row in payload["candidates"]:
        interval = (f"{row['percentile']:5.1f} [{_fmt(row['percentile_low'], 1)}, "
                    f"{_fmt(row['percentile_high'], 1)}]")
        click.echo(f"  {str(row['candidate'])[:28]:<28} {row['kind']:<6} "
                   f"{_fmt(row['score'], 3):>7}  {interval:<22} {row['verdict']}")
    if payload.get("spread"):
        s = payload["spread"]
        click.echo(f"  spread: people agree with each other {_fmt(s['human_mean'], 3)} on "
                   f"average, synthetic individuals {_fmt(s['synthetic_mean'], 3)}")
    for f in payload.get("files", []):
        click.echo(f"  wrote {f}")
