"""``cogalign align triplets`` and ``cogalign fit triplets``: language models and fitted embeddings vs people."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from cogalign.errors import CogalignError


def _parse_layers(spec: str, n_layers: int) -> list[int]:
    if spec == "all":
        return list(range(n_layers))
    if spec == "last":
        return [n_layers - 1]
    try:
        picked = [int(s) for s in spec.split(",")]
    except ValueError:
        raise CogalignError(f"--layer must be 'all', 'last' or comma-separated integers, got {spec!r}") from None
    bad = [p for p in picked if not -n_layers <= p < n_layers]
    if bad:
        raise CogalignError(f"--layer {bad} out of range for a model with {n_layers} layers")
    return [p % n_layers for p in picked]


@click.command("triplets")
@click.option("--model", "-m", required=True, help="Model preset, Hugging Face id or local path.")
@click.option("--dataset", default="things-triplets-test", show_default=True, help="Registered triplet dataset.")
@click.option("--data", "data_path", type=click.Path(path_type=Path), default=None,
              help="Your own triplet file or Psych-DS folder (instead of --dataset).")
@click.option("--layer", default="all", show_default=True, help="'all', 'last' or e.g. '0,6'.")
@click.option("--method", type=click.Choice(["embedding", "prompt"]), default="embedding", show_default=True)
@click.option("--template", default=None, help="Item text, e.g. '{word}: {definition}'.")
@click.option("--context", default="auto", show_default=True,
              help="Prompt around each concept for causal models, e.g. 'The concept: {item}'; 'none' for bare words.")
@click.option("--similarity", type=click.Choice(["cosine", "dot"]), default="cosine", show_default=True)
@click.option("--n-boot", type=int, default=1000, show_default=True, help="Bootstrap samples over triplets.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def align_triplets(model: str, dataset: str, data_path: Path | None, layer: str, method: str,
                   template: str | None, context: str, similarity: str, n_boot: int, seed: int,
                   no_progress: bool, as_json: bool) -> None:
    """Odd-one-out accuracy of a model per layer vs the human choices, with the noise ceiling."""
    from cogalign.data import load, read_psychds, read_trials
    from cogalign.triplets.alignment import embed_concepts, prompt_alignment, triplet_alignment

    if data_path is not None:
        table = read_psychds(data_path, "triplets") if data_path.is_dir() else read_trials(data_path, "triplets")
        source = str(data_path)
    else:
        table = load(dataset, download=True, progress=not no_progress)
        source = dataset
    concepts = load("things-concepts", progress=not no_progress)
    if method == "prompt":
        result, _ = prompt_alignment(table, concepts, model=model, template=template,
                                     n_boot=n_boot, seed=seed, progress=not no_progress)
    else:
        x, layers = embed_concepts(table, concepts, model=model, template=template,
                                   context=None if context == "none" else context,
                                   progress=not no_progress)
        keep = _parse_layers(layer, x.shape[1])
        result = triplet_alignment(x[:, keep, :], table, layers=[layers[k] for k in keep],
                                   similarity=similarity, n_boot=n_boot, seed=seed)
        result["relative_depth"] = [k / max(1, x.shape[1] - 1) for k in keep]
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


def _feature_matrix(specs: tuple[str, ...], table, concepts, progress: bool) -> tuple[dict, list[str]]:
    """Embed the concepts with each ``MODEL[:LAYER]`` spec; returns ``{spec: (items, width)}``."""
    from cogalign.triplets.alignment import embed_concepts

    blocks: dict[str, np.ndarray] = {}
    for spec in specs:
        model, _, layer = spec.partition(":")
        x, _layers = embed_concepts(table, concepts, model=model, progress=progress)
        keep = _parse_layers(layer or "last", x.shape[1])
        if len(keep) != 1:
            raise CogalignError(f"--features {spec!r}: give one layer, e.g. {model}:8 or {model}:last")
        blocks[spec] = x[:, keep[0], :]
    return blocks, list(blocks)


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
def fit_triplets(model_name: str, dataset: str, data_path: Path | None, feature_specs: tuple[str, ...],
                 dims: int | None, folds: int, save_path: Path | None, seed: int, no_progress: bool,
                 as_json: bool) -> None:
    """Cross-validated odd-one-out accuracy of a triplet model vs language-model baselines."""
    from cogalign.data import load, read_psychds, read_trials
    from cogalign.estimator import clone
    from cogalign.metrics import triplet_noise_ceiling
    from cogalign.triplets import VICE, FeatureSPoSE, SPoSE, cross_validate

    if data_path is not None:
        table = read_psychds(data_path, "triplets") if data_path.is_dir() else read_trials(data_path, "triplets")
        source = str(data_path)
    else:
        table = load(dataset, download=True, progress=not no_progress)
        source = dataset
    concepts = load("things-concepts", progress=not no_progress)
    specs = feature_specs or ("minilm-l6:last",)
    blocks, names = _feature_matrix(specs, table, concepts, progress=not no_progress)
    n_items = max(len(concepts), int(table[["item_1", "item_2", "item_3"]].to_numpy().max()) + 1)
    settings = {"seed": seed, "progress": False}
    if dims is not None:
        settings["n_dims"] = dims
    features = None
    if model_name == "feature-spose":
        estimator = FeatureSPoSE(**settings)
        features = np.concatenate([blocks[n] for n in names], axis=1)
    elif model_name == "spose":
        estimator = SPoSE(n_items=n_items, **settings)
    else:
        estimator = VICE(n_items=n_items, **settings)
    label = f"{model_name}({'+'.join(names)})" if features is not None else model_name
    triplets = table[["item_1", "item_2", "item_3"]].to_numpy(dtype=np.int64)
    participants = table["participant_id"].to_numpy() if "participant_id" in table else None
    ceiling = float(triplet_noise_ceiling(triplets, table["response"].to_numpy(dtype=np.int64),
                                          participants).modal_agreement)
    payload: dict = {"data": source, "model": label, "features": names, "folds": folds, "seed": seed,
                     "noise_ceiling": ceiling, "results": []}
    if folds:
        cv = cross_validate(estimator, table, n_splits=folds, seed=seed, features=features,
                            baselines={f"cosine({n})": blocks[n] for n in names})
        cv["model"] = cv["model"].replace({type(estimator).__name__: label})
        for name, rows in cv.groupby("model", sort=False):
            payload["results"].append({
                "model": name, "accuracy": float(rows["accuracy"].mean()),
                "accuracy_sd": float(rows["accuracy"].std(ddof=1)),
                "share_of_ceiling": float(rows["accuracy"].mean() / ceiling),
                "log_likelihood": None if rows["log_likelihood"].isna().all() else float(rows["log_likelihood"].mean()),
                "n_dims": None if rows["n_dims"].isna().all() else float(rows["n_dims"].mean()),
                "per_fold": [float(a) for a in rows["accuracy"]]})
        fitted = payload["results"][0]["accuracy"]
        best = max(payload["results"][1:], key=lambda r: r["accuracy"])
        payload["best_baseline"] = best["model"]
        payload["beats_best_baseline"] = bool(fitted > best["accuracy"])
    if save_path is not None:
        final = clone(estimator)
        final.fit(table, features) if features is not None else final.fit(table)
        payload["saved"] = str(final.save(save_path))
        payload["n_dims_saved"] = final.n_dims_
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{label} on {source}; noise ceiling {ceiling:.4f}; {folds}-fold cross-validation by triplet")
    for row in payload["results"]:
        click.echo(f"  {row['model']:<40} accuracy {row['accuracy']:.4f} ± {row['accuracy_sd']:.4f}  "
                   f"{100 * row['share_of_ceiling']:.1f}% of ceiling")
    if "saved" in payload:
        click.echo(f"saved to {payload['saved']} ({payload['n_dims_saved']} dimensions)")
