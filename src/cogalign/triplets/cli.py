"""``cogalign align triplets`` and ``cogalign fit triplets``: language models and fitted embeddings vs people."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import numpy as np

from cogalign.cli_common import emit, folds_option, handle_errors, n_boot_option
from cogalign.errors import CogalignError

__all__ = [
    "align_triplets",
    "fit_triplets",
]


def _ceiling_text(value: float | None, note: str | None) -> str:
    """The noise ceiling for the text output, or why there is none."""
    if value is None or not math.isfinite(value):
        return f"no noise ceiling ({note})" if note else "no noise ceiling"
    return f"noise ceiling {value:.4f}"


def _share_text(share: float | None) -> str:
    return "" if share is None or not math.isfinite(share) else f"  {100 * share:.1f}% of ceiling"


def _interval_text(low: float | None, high: float | None) -> str:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f" [{low:.4f}, {high:.4f}]"


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
@n_boot_option()
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
    note = result["noise_ceiling_note"].iloc[0]
    payload = {"model": model, "data": source, "method": method, "template": template,
               "context": context if method == "embedding" else None,
               "similarity": similarity if method == "embedding" else None,
               "noise_ceiling": float(result["noise_ceiling"].iloc[0]),
               "noise_ceiling_note": note,
               "layers": json.loads(result.drop(columns="noise_ceiling_note")
                                    .to_json(orient="records"))}

    def text() -> str:
        lines = [f"{model} on {source} ({method}); "
                 f"{_ceiling_text(payload['noise_ceiling'], note)}"]
        lines += [f"  layer {row['layer']!s:>6}  accuracy {row['accuracy']:.4f}"
                  f"{_interval_text(row['ci_low'], row['ci_high'])}"
                  f"{_share_text(row['share_of_ceiling'])}" for row in payload["layers"]]
        return "\n".join(lines)

    emit(payload, as_json, text)


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
@click.option("--dims", type=click.IntRange(min=1), default=None,
              help="Initial dimensions (default: the model's).")
@folds_option(help="Cross-validation folds split by triplet; 0 fits on all trials only "
                   "(needs --save).")
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

    if folds == 0 and save_path is None:
        raise click.UsageError("--folds 0 without --save fits nothing: give --folds 2 or more, "
                               "or --save PATH to keep the model fitted on all trials")
    table, concepts, source = _read_trials(data_path, dataset, progress=not no_progress)
    blocks = _feature_matrix(feature_specs or ("minilm-l6:last",), table, concepts, progress=not no_progress)
    n_items = max(len(concepts), int(table[["item_1", "item_2", "item_3"]].to_numpy().max()) + 1)
    payload = {"data": source, **fit_and_compare(table, blocks, model=model_name, n_items=n_items, n_dims=dims,
                                                 folds=folds, seed=seed, save=save_path)}

    def text() -> str:
        cv = f"{folds}-fold cross-validation by triplet" if folds else "no cross-validation"
        lines = [f"{payload['model']} on {source}; "
                 f"{_ceiling_text(payload['noise_ceiling'], payload['noise_ceiling_note'])}; {cv}"]
        lines += [f"  {row['model']:<40} accuracy {row['accuracy']:.4f} ± {row['accuracy_sd']:.4f}"
                  f"{_share_text(row['share_of_ceiling'])}" for row in payload["results"]]
        if "saved" in payload:
            lines.append(f"saved to {payload['saved']} ({payload['n_dims_saved']} dimensions)")
        return "\n".join(lines)

    emit(payload, as_json, text)
