"""Command-line commands of :mod:`cogalign.llm`: ``embed``, ``judge`` and ``cache``.

They are registered into the ``cogalign`` command line as ``cogalign embed``, ``cogalign judge``
and ``cogalign cache info|clear``. Every command takes ``--json`` for machine-readable output and
exits non-zero with a one-line reason on error.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import click

from cogalign.cli_common import CogalignGroup, emit, handle_errors
from cogalign.errors import CogalignError, shorten

__all__ = ["cache_group", "embed_command", "judge_command"]

_SECONDS = click.FloatRange(min=0.0, min_open=True, max=1e6)


def _read_trials(path: Path):
    from cogalign.data import read_table_file

    return read_table_file(path)


@click.command("embed")
@click.option("--model", "-m", default="minilm-l6", show_default=True,
              help="Preset (minilm-l6, smollm2-135m, gemma3-270m), Hugging Face id, folder or .gguf file.")
@click.option("--items", "items_path", required=True, type=click.Path(path_type=Path),
              help="Items: .txt (one per line), .csv/.tsv (see --column) or .json list.")
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path),
              help="Output .npz archive, or a folder (layer-major, memory-mappable).")
@click.option("--column", default=None, help="Column of a CSV/TSV items file.")
@click.option("--layers", default="all", show_default=True, help="'all', '0,6,-1' or a slice like '10:20'.")
@click.option("--pooling", type=click.Choice(["auto", "mean", "last", "sentence"]), default="auto",
              show_default=True, help="auto: 'sentence' for sentence models, else 'mean'.")
@click.option("--template", default="auto", show_default=True,
              help="Prompt template with {item}, e.g. 'The concept: {item}'; 'none' for the bare "
                   "items; 'auto': causal models read bare items in 'The concept: {item}'.")
@click.option("--span", type=click.Choice(["auto", "text", "item"]), default="auto",
              show_default=True,
              help="Pool over all content tokens, or only the item's tokens (auto: the item's "
                   "when a template is used).")
@click.option("--center", is_flag=True, help="Subtract the mean over items at every layer.")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), default=None,
              help="Truncate inputs to this many tokens.")
@click.option("--device", default="auto", show_default=True)
@click.option("--dtype", default=None, help="Compute precision: float32 (default), bfloat16, float16, auto.")
@click.option("--float16", "float16", is_flag=True, help="Store the result as float16.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the on-disk cache.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def embed_command(
    model: str, items_path: Path, out: Path, column: str | None, layers: str, pooling: str,
    template: str | None, span: str, center: bool, batch_size: int, max_length: int | None,
    device: str, dtype: str | None, float16: bool, no_cache: bool, no_progress: bool, as_json: bool,
) -> None:
    """Hidden states per layer for a list of items, saved as items x layers x width."""
    from cogalign.data import read_items_file
    from cogalign.llm.embed import embed, failed_items_text
    from cogalign.llm.models import pick_device, resolve_model

    resolve_model(model)  # an unknown name or a missing device fails before any work
    if device != "auto":
        pick_device(device)
    items = read_items_file(items_path, column)
    if template is not None and template.lower() == "none":
        template = None
    start = time.perf_counter()
    with warnings.catch_warnings():  # failed items are reported below, once
        warnings.filterwarnings("ignore", "[0-9]+ of [0-9]+ items could not be embedded")
        reps = embed(
            items, model, layers=layers, pooling=pooling, template=template, span=span,
            center=center, batch_size=batch_size, max_length=max_length, device=device,
            dtype=dtype, store_dtype="float16" if float16 else "float32", cache=not no_cache,
            progress=not no_progress and not as_json,
        )
    reps.save(out)
    failed = reps.meta.get("failed_items") or []
    if failed:
        click.echo(f"warning: {failed_items_text(failed, len(items))}", err=True)
    seconds = time.perf_counter() - start
    payload = {
        "out": str(out),
        "model_id": reps.model_id,
        "shape": list(reps.shape),
        "layers": reps.layers,
        "pooling": pooling,
        "cache_hit": bool(reps.meta.get("cache_hit")),
        "failed_items": [{**f, "item": shorten(f["item"], 200)} for f in failed],
        "seconds": round(seconds, 3),
    }
    hit = " (from cache)" if payload["cache_hit"] else ""
    text = f"{out}: {reps.shape[0]} items x {reps.shape[1]} layers x {reps.shape[2]} ({reps.model_id}){hit}"
    emit(payload, as_json, text)


def _parse_permutations(value: str | None) -> Any:
    if value is None or value.lower() in ("none", "no", "off"):
        return None
    if value.lower() in ("all", "cyclic"):
        return value.lower()
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter("use none, all, cyclic or a number", param_hint="--permutations") from None


def _failed_rows(result: Any) -> Any:
    """Which output rows have no judgment at all (every order of the trial failed)."""
    import numpy as np

    if "error" not in result:
        return np.zeros(len(result), dtype=bool)
    failed = result["error"].notna().to_numpy()
    if "n_errors" in result and "n_orders" in result:
        failed = failed & (result["n_errors"] >= result["n_orders"]).to_numpy()
    return failed


@click.command("judge")
@click.option("--model", "-m", default="smollm2-135m", show_default=True,
              help="Local causal model (preset, hub id, path) or, with --backend chat, the server's model name.")
@click.option("--task", "-t", required=True,
              help="Built-in task (odd-one-out, similarity-1-7, similarity-0-10, similarity-0-100, "
                   "gamble-choice, same-different, agree-disagree) or a task TOML file.")
@click.option("--items", "items_path", required=True, type=click.Path(path_type=Path),
              help="Trials: CSV/TSV/JSON with the task's fields as columns.")
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="Output CSV.")
@click.option("--permutations", default=None,
              help="Counterbalance option order: none (default), all, cyclic, or a number per trial.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--per-order", is_flag=True, help="One output row per trial and presentation order.")
@click.option("--samples", type=click.IntRange(min=1), default=None,
              help="Instead of probabilities, sample this many synthetic participants.")
@click.option("--temperature", type=click.FloatRange(min=0.0), default=1.0, show_default=True,
              help="Sampling temperature (with --samples).")
@click.option("--backend", type=click.Choice(["local", "chat"]), default="local", show_default=True)
@click.option("--base-url", default=None, help="Chat server URL (default: COGALIGN_CHAT_BASE_URL / OPENAI_BASE_URL).")
@click.option("--timeout", type=_SECONDS, default=None,
              help="Chat: seconds to wait for an answer, per attempt (default: "
                   "COGALIGN_CHAT_TIMEOUT, else 60).")
@click.option("--connect-timeout", type=_SECONDS, default=None,
              help="Chat: seconds to open a connection, per attempt (default: "
                   "COGALIGN_CHAT_CONNECT_TIMEOUT, else 10).")
@click.option("--retries", type=click.IntRange(min=0, max=100), default=None,
              help="Chat: retries after a timeout, 429 or 5xx (default: COGALIGN_CHAT_RETRIES, "
                   "else 5).")
@click.option("--deadline", type=_SECONDS, default=None,
              help="Chat: seconds one trial's request may take in all, retries included "
                   "(default: COGALIGN_CHAT_DEADLINE, else 300).")
@click.option("--chat-template", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="Format local prompts with the model's chat template.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--dtype", default=None)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the on-disk cache.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def judge_command(
    model: str, task: str, items_path: Path, out: Path, permutations: str | None, seed: int,
    per_order: bool, samples: int | None, temperature: float, backend: str, base_url: str | None,
    timeout: float | None, connect_timeout: float | None, retries: int | None,
    deadline: float | None, chat_template: str, batch_size: int, device: str, dtype: str | None,
    no_cache: bool, no_progress: bool, as_json: bool,
) -> None:
    """Put a model through a task's trials; write its judgments (or sampled answers) as CSV.

    With ``--backend chat`` a server that rejects the key, refuses the connection or does not
    speak the chat API stops the run at once; a run in which every trial failed writes no file
    and exits with status 1.
    """
    from cogalign.llm.chat import ChatClient
    from cogalign.llm.judge import judge
    from cogalign.llm.sampling import sample_answers
    from cogalign.llm.tasks import load_task

    chat_settings = {"timeout": timeout, "connect_timeout": connect_timeout,
                     "max_retries": retries, "deadline": deadline}
    if backend != "chat":
        given = [name for name, value in chat_settings.items() if value is not None]
        if given:
            flag = {"max_retries": "retries"}.get(given[0], given[0]).replace("_", "-")
            raise click.UsageError(f"--{flag} is a setting of --backend chat")
    spec = load_task(task)
    if backend == "local":
        from cogalign.llm.models import pick_device, resolve_model

        resolve_model(model)  # an unknown name or a missing device fails before any work
        if device != "auto":
            pick_device(device)
    trials = _read_trials(items_path)
    perms = _parse_permutations(permutations)
    progress = not no_progress and not as_json
    if backend == "chat":
        client: Any = ChatClient(model, base_url, cache=not no_cache, progress=progress,
                                 **chat_settings)
    else:
        client = model
    chat = {"auto": "auto", "on": True, "off": False}[chat_template]
    common = {"chat": chat, "batch_size": batch_size, "device": device, "dtype": dtype,
              "cache": not no_cache, "progress": progress}
    start = time.perf_counter()
    if samples is not None:
        result = sample_answers(trials, spec, client, n_participants=samples, temperature=temperature,
                                seed=seed, permutations=perms, **common)
    else:
        result = judge(trials, spec, client, permutations=perms, seed=seed, per_order=per_order, **common)
    failed = _failed_rows(result)
    if len(result) and failed.all():
        first = next(e for e in result["error"] if isinstance(e, str))
        raise CogalignError(f"every trial failed ({len(result)} of {len(result)}), no file "
                            f"written; the first failure: {first}")
    out.parent.mkdir(parents=True, exist_ok=True)
    from cogalign.atomic import atomic_write_bytes

    # an item with a lone surrogate (a JSON escape) is written escaped, not refused
    atomic_write_bytes(out, result.to_csv(index=False).encode("utf-8", "backslashreplace"))
    n_errors = int(result["error"].notna().sum()) if "error" in result else 0
    payload: dict[str, Any] = {
        "out": str(out),
        "task": spec.name,
        "model_id": result.attrs.get("model_id"),
        "rows": len(result),
        "errors": n_errors,
        "seconds": round(time.perf_counter() - start, 3),
    }
    for key in ("position_bias", "order_means"):
        if key in result.attrs:
            payload[key] = result.attrs[key]
    text = f"{out}: {len(result)} rows, task {spec.name}, model {payload['model_id']}"
    if n_errors:
        text += f", {n_errors} rows with errors (see the error column)"
    if "position_bias" in payload:
        bias = payload["position_bias"]
        shares = ", ".join(f"{p}: {m:.3f}" for p, m in zip(bias["position"], bias["mean_prob"], strict=True))
        text += f"\nmean probability by position ({shares}); chance {bias['chance']:.3f}"
    emit(payload, as_json, text)


@click.group("cache", cls=CogalignGroup)
def cache_group() -> None:
    """The language-model cache: representations, judgments, chat responses, converted models."""


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


@cache_group.command("info")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def cache_info_command(as_json: bool) -> None:
    """Where the cache is and what it holds."""
    from cogalign.llm.cache import cache_info

    info = cache_info()
    lines = [f"{info['path']}  ({_human(info['total_bytes'])})"]
    for kind, stats in info["kinds"].items():
        lines.append(f"  {kind:<7} {stats['entries']:>6} entries  {_human(stats['bytes']):>10}")
    temporary = info["temporary"]
    lines.append(f"  {'temporary':<7} {temporary['entries']:>4} files  {_human(temporary['bytes']):>10}"
                 "  (left by interrupted runs; cogalign cache clear --kind temporary)")
    emit(info, as_json, "\n".join(lines))


@cache_group.command("clear")
@click.option("--kind", type=click.Choice(["embed", "judge", "chat", "models", "temporary"]),
              default=None, help="Only this kind of entry (default: all); 'temporary': the "
                                 "files interrupted runs left behind.")
@click.option("--model", default=None, help="Only entries whose model id contains this text.")
@click.option("--older-than", type=float, default=None, help="Only entries older than this many days.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def cache_clear_command(kind: str | None, model: str | None, older_than: float | None, as_json: bool) -> None:
    """Delete cache entries (all of them by default)."""
    from cogalign.llm.cache import cache_clear

    removed = cache_clear(kind, model=model, older_than_days=older_than)
    payload = dict(removed)
    emit(payload, as_json, f"removed {removed['entries']} entries ({_human(removed['bytes'])})")
