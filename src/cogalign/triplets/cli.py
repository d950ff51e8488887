"""``cogalign align triplets`` and ``cogalign fit triplets``: language models and fitted embeddings vs people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np

from cogalign.cli_common import handle_errors
from cogalign.errors import CogalignError

__all__ = [
    "align_triplets",
    "fit_triplets",
]


def _read_trials(data_path: Path | None, dataset: str, progress: bool) -> tuple[Any, Any, str]:
    """The triplet table (a user's file or Psych-DS folder, else a dataset), the concepts, the source."""
    from cogalign.data import load, read_psychds, read_trials

    if data_path is not None:
        reader = read_psychds if data_path.is_dir() else read_trials
        table, source = reader(data_path, "triplets"), str(data_path)
    else:
        table, source = load(dataset, download=True, progress=progress), dataset
    return table, load("things-concepts", progress=progress), source


@click.command("triplets")
@click.option("--model", "-m", required=True, help="Model preset, Hugging Face id or local path.")
@click.option("--dataset", default="things-triplets-test", show_default=True, help="Registered triplet dataset.")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="Your own triplet file or Psych-DS folder (instead of --dataset).")
@click.option("--layer", default="all", show_default=True, help="'all', 'last' or e.g. '0,6' or '10:20'.")
@click.option("--method", type=click.Choice(["embedding", "prompt"]), default="embedding", show_default=True)
@click.option("--template", default=None, help="Item text, e.g. '{item}: {definition}'.")
@click.option("--context", default="auto", show_default=True,
              help="Prompt around each concept for causal models, e.g. 'The concept: {item}'; 'none' for bare words.")
@click.option("--similarity", type=click.Choice(["cosine", "dot"]), default="cosine", show_default=True)
@click.option("--n-boot", type=int, default=1000, show_default=True, help="Bootstrap samples over triplets.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def align_triplets(model: str, dataset: str, data_path: Path | None, layer: str, method: str,
                   template: str | None, context: str, similarity: str, n_boot: int, seed: int,
                   no_progress: bool, as_json: bool) -> None:
    """Odd-one-out accuracy of a model per layer vs the human choices, with the noise ceiling."""
    from cogalign.triplets.alignment import align_model

    table, concepts, source = _read_trials(data_path, dataset, progress=not no_progress)
    result = align_model(table, concepts, model=model, method=method,
                         layers=layer if method == "embedding" else None,
                         template=template, context=None if context == "none" else context,
                         similarity=similarity, n_boot=n_boot, seed=seed, progress=not no_progress)
    payload = {"model": model, "data": source, "method": method, "template": template,
               "context": context if method == "embedding" else None,
               "similarity": similarity if method == "embedding" else None,
               "noise_ceiling": float(result["noise_ceiling"].iloc[0]),
               "layers": json.loads(result.to_json(orient="records"))}
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{model} on {source} ({method}); noise ceiling {payload['noise_ceiling']:.4f}")
    for row in payload["layers"]:
        click.echo(f"  layer {row['layer']!s:>6}  accuracy {row['accuracy']:.4f} "
                   f"[{row['ci_low']:.4f}, {row['ci_high']:.4f}]  "
                   f"{100 * row['share_of_ceiling']:.1f}% of ceiling")


def _feature_matrix(specs: tuple[str, ...], table, concepts, progress: bool) -> dict[str, np.ndarray]:
    """Embed the concepts with each ``MODEL[:LAYER]`` spec; returns ``{spec: (items, width)}``."""
    from cogalign.triplets.alignment import concept_features

    blocks: dict[str, np.ndarray] = {}
    for spec in specs:
        model, _, layer = spec.partition(":")
        layer = layer or "last"
        if layer == "last":
            layer = "-1"
        try:
            index = int(layer)
        except ValueError:
            raise CogalignError(f"--features {spec!r}: give one layer, e.g. {model}:8 or {model}:last") from None
        blocks[spec] = concept_features(table, concepts, model=model, layer=index, progress=progress)
    return blocks


@click.command("triplets")
@click.option("--model", "model_name", type=click.Choice(["spose", "feature-spose", "vice"]),
              default="feature-spose", show_default=True,
              help="Free SPoSE / VICE embeddings, or SPoSE computed from item features.")
@click.option("--dataset", default="things-triplets-test", show_default=True, help="Registered triplet dataset.")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="Your own triplet file or Psych-DS folder (instead of --dataset).")
@click.option("--features", "feature_specs", multiple=True,
              help="Item features for feature-spose and baselines: MODEL[:LAYER] (repeatable; "
                   "default minilm-l6:last). Each is also scored as a cosine baseline on the same folds.")
@click.option("--dims", type=int, default=None, help="Initial dimensions (default: the model's).")
@click.option("--folds", type=int, default=5, show_default=True,
              help="Cross-validation folds split by triplet; 0 fits on all trials only.")
@click.option("--save", "save_path", type=click.Path(path_type=Path), default=None,
              help="Also fit on all trials and save the model here (.npz).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def fit_triplets(model_name: str, dataset: str, data_path: Path | None, feature_specs: tuple[str, ...],
                 dims: int | None, folds: int, save_path: Path | None, seed: int, no_progress: bool,
                 as_json: bool) -> None:
    """Cross-validated odd-one-out accuracy of a triplet model vs language-model baselines."""
    from cogalign.triplets.analysis import fit_and_compare

    table, concepts, source = _read_trials(data_path, dataset, progress=not no_progress)
    blocks = _feature_matrix(feature_specs or ("minilm-l6:last",), table, concepts, progress=not no_progress)
    n_items = max(len(concepts), int(table[["item_1", "item_2", "item_3"]].to_numpy().max()) + 1)
    payload = {"data": source, **fit_and_compare(table, blocks, model=model_name, n_items=n_items, n_dims=dims,
                                                 folds=folds, seed=seed, save=save_path)}
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{payload['model']} on {source}; noise ceiling {payload['noise_ceiling']:.4f}; "
               f"{folds}-fold cross-validation by triplet")
    for row in payload["results"]:
        click.echo(f"  {row['model']:<40} accuracy {row['accuracy']:.4f} ± {row['accuracy_sd']:.4f}  "
                   f"{100 * row['share_of_ceiling']:.1f}% of ceiling")
    if "saved" in payload:
        click.echo(f"saved to {payload['saved']} ({payload['n_dims_saved']} dimensions)")
