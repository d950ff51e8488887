"""``cogalign sweep``: run a sweep file on a local process pool or a Ray cluster."""

from __future__ import annotations

from pathlib import Path

import click

from cogalign.cli_common import emit, handle_errors, json_option, text_table

__all__ = ["sweep_command"]


@click.command("sweep")
@click.argument("spec_path", metavar="SWEEP.toml", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Results folder; a rerun into it skips the cells that finished.")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local",
              show_default=True, help="Local process pool, or Ray tasks.")
@click.option("--workers", type=int, default=None,
              help="Local backend: worker processes (default 1; 0 runs in this process).")
@click.option("--address", default=None,
              help="Ray backend: cluster address ('auto', 'ray://host:10001'); default: "
                   "start a local Ray.")
@click.option("--num-cpus", type=int, default=None,
              help="Ray backend: CPUs of a local Ray instance.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet",
              show_default=True, help="Results table format (CSV when pyarrow is missing).")
@click.option("--retry-failed/--keep-failed", default=True, show_default=True,
              help="Run cells that failed in an earlier run again.")
@click.option("--dry-run", is_flag=True, help="List the cells and stop.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Print a line per finished cell (to standard error).")
@json_option
@handle_errors
def sweep_command(spec_path: Path, out_dir: Path, backend: str, workers: int | None,
                  address: str | None, num_cpus: int | None, fmt: str, retry_failed: bool,
                  dry_run: bool, progress: bool, as_json: bool) -> None:
    """Measure language models on paradigms: every cell of SWEEP.toml, into one table."""
    from cogalign.sweep import expand_cells, load_spec, run_sweep
    from cogalign.sweep.results import ResultStore

    spec = load_spec(spec_path)
    if dry_run:
        done = ResultStore(out_dir).finished()
        rows = [{**c.to_dict(), "finished": c.cell_id in done} for c in expand_cells(spec)]
        emit({"name": spec.name, "cells": rows, "skipped_paradigms": dict(spec.skipped)},
             as_json, lambda: text_table(
                 [{k: "" if v is None else v for k, v in r.items()} for r in rows],
                 ["cell_id", "paradigm", "model", "dataset", "layer", "template",
                  "temperature", "seed", "finished"]))
        return
    echo = (lambda line: click.echo(line, err=True)) if progress else None
    summary = run_sweep(spec, out_dir, backend=backend, workers=workers, address=address,
                        num_cpus=num_cpus, retry_failed=retry_failed, fmt=fmt, echo=echo)

    def text() -> str:
        lines = [f"{summary['name']}: {summary['cells']} cells, ran {summary['ran']}, "
                 f"{summary['skipped']} finished before, {len(summary['failed'])} failed; "
                 f"{summary['seconds']:.1f} s", f"table: {summary['table']}"]
        lines += [f"  failed {f['cell_id']} {f['cell']}: {f['error']}"
                  for f in summary["failed"]]
        return "\n".join(lines)

    emit(summary, as_json, text)
