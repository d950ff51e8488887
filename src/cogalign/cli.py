"""The ``cogalign`` command line.

Every command takes ``--json`` for machine-readable output. Errors end with a non-zero exit
status and a one-line reason on standard error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cogalign.errors import CogalignError


class _Group(click.Group):
    """A click group that turns cogalign errors into a one-line reason and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CogalignError as exc:
            lines = str(exc).splitlines() or [type(exc).__name__]
            click.echo(f"error: {lines[0]}", err=True)
            for line in lines[1:]:
                click.echo(line, err=True)
            ctx.exit(1)


def _emit(payload: Any, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        click.echo(text)


def _table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


@click.group(cls=_Group)
@click.version_option(package_name="cogalign")
def main() -> None:
    """cogalign: human studies, cognitive models and human-vs-language-model alignment."""


@main.group(cls=_Group)
def datasets() -> None:
    """The dataset registry: list, describe, fetch and locate public datasets."""


def _dataset_row(ds: Any) -> dict:
    return {
        "name": ds.name,
        "available": ds.availability(),
        "rows": ds.rows,
        "paradigm": ds.paradigm,
        "source": ds.source,
        "citation": ds.citation,
        "licence": ds.licence,
    }


@datasets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def datasets_list(as_json: bool) -> None:
    """List every registered dataset and whether it is available locally."""
    from cogalign.data import REGISTRY

    rows = [_dataset_row(ds) for ds in REGISTRY.values()]
    _emit(rows, as_json, _table(rows, ["name", "available", "rows", "paradigm", "source"]))


@datasets.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def datasets_info(name: str, as_json: bool) -> None:
    """Describe one dataset: files, sha256, source URLs, citation, licence."""
    from cogalign.data import get_dataset
    from cogalign.data.files import find_local

    ds = get_dataset(name)
    files = []
    for f in ds.files:
        try:
            local = find_local(f)
            status = str(local) if local else "missing"
        except CogalignError as exc:
            status = f"corrupt ({exc})"
        files.append({"path": f.path, "urls": list(f.urls), "sha256": f.sha256, "local": status})
    info = {**_dataset_row(ds), "title": ds.title, "files": files}
    text = "\n".join(
        [f"{ds.name}: {ds.title}", f"paradigm: {ds.paradigm}", f"size: {ds.rows}",
         f"citation: {ds.citation}", f"licence: {ds.licence}", "files:"]
        + [f"  {f['path']}\n    sha256 {f['sha256']}\n    source {f['urls'][0]}\n    local  {f['local']}"
           for f in files]
    )
    _emit(info, as_json, text)


@datasets.command("fetch")
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace a cached copy (e.g. a corrupted one).")
@click.option("--no-progress", is_flag=True, help="Hide the download progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def datasets_fetch(name: str, force: bool, no_progress: bool, as_json: bool) -> None:
    """Make a dataset available locally (download into the cache if needed)."""
    from cogalign.data import get_dataset
    from cogalign.data.files import download_file, find_local

    ds = get_dataset(name)
    paths = {}
    for f in ds.files:
        # --force downloads again; the cached copy is replaced only once the new one checks out.
        local = None if force else find_local(f)
        paths[f.path] = str(local or download_file(f, progress=not no_progress, force=force))
    _emit({"name": name, "files": paths}, as_json, "\n".join(paths.values()))


@datasets.command("path")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def datasets_path(name: str, as_json: bool) -> None:
    """Print the local paths of a dataset's files (never downloads)."""
    from cogalign.data import get_dataset

    paths = {k: str(v) for k, v in get_dataset(name).paths(download=False).items()}
    _emit({"name": name, "files": paths}, as_json, "\n".join(paths.values()))


@main.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--paradigm", "-p", required=True, help="Paradigm schema to check against.")
@click.option("--n-items", type=int, default=None, help="Number of items (range-checks item indices).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def validate_command(path: Path, paradigm: str, n_items: int | None, as_json: bool) -> None:
    """Check a trial file or a Psych-DS folder against a paradigm's schema."""
    from cogalign.data import ValidationError, read_psychds, read_trials
    from cogalign.data.summary import summarize

    try:
        table = read_psychds(path, paradigm) if path.is_dir() else read_trials(path, paradigm, n_items=n_items)
    except ValidationError as exc:
        if as_json:
            problems = [
                {"file": p.source, "row": p.row, "line": p.line, "column": p.column, "message": p.message}
                for p in exc.problems
            ]
            click.echo(json.dumps({"valid": False, "problems": problems}, indent=2))
            sys.exit(1)
        raise
    summary = {"valid": True, "path": str(path), "paradigm": paradigm, **summarize(table)}
    _emit(summary, as_json, f"{path}: valid {paradigm} data, {summary['rows']} rows")


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def demo_command(as_json: bool) -> None:
    """Run the main job on the datasets found locally (never needs the network)."""
    from cogalign.demo import run_demo

    report = run_demo(echo=None if as_json else click.echo)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))


@main.group(cls=_Group)
def align() -> None:
    """How closely a language model matches people, per paradigm."""


@main.group(cls=_Group)
def fit() -> None:
    """Fit a cognitive model to a paradigm's data."""


@main.group(cls=_Group)
def compare() -> None:
    """Compare cognitive models and language-model probes, cross-validated."""


def _register_subpackage_commands() -> None:
    """Add the commands that live next to the code they drive."""
    from cogalign.intertemporal.cli import compare_intertemporal, fit_intertemporal
    from cogalign.llm.cli import cache_group, embed_command, judge_command
    from cogalign.risky.cli import compare_risky, fit_risky
    from cogalign.similarity.cli import align_similarity, turing_rsa
    from cogalign.studies.cli import study_group
    from cogalign.triplets.cli import align_triplets, fit_triplets

    main.add_command(embed_command, "embed")
    main.add_command(judge_command, "judge")
    main.add_command(cache_group, "cache")
    main.add_command(study_group, "study")
    align.add_command(align_triplets, "triplets")
    align.add_command(align_similarity, "similarity")
    main.add_command(turing_rsa, "turing-rsa")
    fit.add_command(fit_risky, "risky")
    fit.add_command(fit_intertemporal, "intertemporal")
    fit.add_command(fit_triplets, "triplets")
    compare.add_command(compare_risky, "risky")
    compare.add_command(compare_intertemporal, "intertemporal")


_register_subpackage_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
