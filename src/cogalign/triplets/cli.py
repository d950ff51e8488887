"""``cogalign align triplets``: a language model's odd-one-out agreement with people."""

from __future__ import annotations

import json
from pathlib import Path

import click

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
