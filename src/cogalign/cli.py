"""The ``cogalign`` command line.

The core commands live here (datasets, validate, demo, and the ``fit`` / ``align`` /
``compare`` groups); each paradigm's commands come from the paradigm registry
(:mod:`cogalign.paradigms`), so adding a paradigm needs no change here. Every command takes
``--json`` for machine-readable output. Errors end with a one-line reason on standard error and
exit status 1 (2 for wrong usage); see :mod:`cogalign.cli_common`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cogalign.cli_common import CogalignGroup, emit, json_safe, text_table
from cogalign.errors import ChecksumError
from cogalign.paradigms import SLOTS, ParadigmError, all_paradigms, get_paradigm

__all__ = [
    "main",
]

class _ParadigmSlot(CogalignGroup):
    """A group whose commands are the paradigms that fill one slot (``fit``, ``align``, ...).

    ``cogalign fit NAME`` runs the paradigm's own fit command, or the generic one
    (:func:`cogalign.fitting.fit_command`) for a paradigm that declares estimators only. A
    paradigm may add further commands to a slot under their own names (a ``"fit:NAME"`` key in
    its commands: ``cogalign fit NAME``). Listing the commands imports nothing; a command is
    imported when it runs.
    """

    def _fills(self, paradigm: Any) -> bool:
        return self.name in paradigm.commands or (self.name == "fit" and bool(paradigm.estimators))

    def _extra(self) -> dict[str, Any]:
        """Extra commands of this slot by name: ``{name: (paradigm, key)}``."""
        return {name: (p, key) for p in all_paradigms().values()
                for (slot, name), key in p.extra_commands.items() if slot == self.name}

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The paradigms that fill this slot, and the extra commands paradigms add to it."""
        names = {p.name for p in all_paradigms().values() if self._fills(p)}
        return sorted(names | set(self._extra()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The paradigm's command for this slot, or an extra one (imported now)."""
        extra = self._extra().get(cmd_name)
        if extra is not None:
            paradigm, key = extra
            return paradigm.command(key)
        try:
            paradigm = get_paradigm(cmd_name)
        except ParadigmError:
            return None
        if not self._fills(paradigm):
            return None
        command = paradigm.command(self.name)
        if command is None:
            from cogalign.fitting import fit_command

            command = fit_command(paradigm)
        return command


def _top_level(paradigm: Any) -> dict[str, str]:
    """The top-level command names a paradigm declares, mapped to their slots."""
    return {(paradigm.name if slot == "group" else slot): slot
            for slot in paradigm.commands if slot not in SLOTS and ":" not in slot}


class _Main(CogalignGroup):
    """The root group: core commands plus the top-level commands paradigms declare."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Core commands and paradigms' top-level commands, sorted."""
        names = set(super().list_commands(ctx))
        for paradigm in all_paradigms().values():
            names |= set(_top_level(paradigm))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A core command, else the paradigm command of that name (imported now)."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        for paradigm in all_paradigms().values():
            slot = _top_level(paradigm).get(cmd_name)
            if slot is not None:
                return paradigm.command(slot)
        return None


@click.group(cls=_Main)
@click.version_option(package_name="cogalign")
def main() -> None:
    """cogalign: human studies, cognitive models and human-vs-language-model alignment."""


@main.group(cls=CogalignGroup)
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
    emit(rows, as_json, text_table(rows, ["name", "available", "rows", "paradigm", "source"]))


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
        except ChecksumError as exc:
            status = f"corrupt ({exc})"
        files.append({"path": f.path, "urls": list(f.urls), "sha256": f.sha256, "local": status})
    info = {**_dataset_row(ds), "title": ds.title, "files": files}
    text = "\n".join(
        [f"{ds.name}: {ds.title}", f"paradigm: {ds.paradigm}", f"size: {ds.rows}",
         f"citation: {ds.citation}", f"licence: {ds.licence}", "files:"]
        + [f"  {f['path']}\n    sha256 {f['sha256']}\n    source {f['urls'][0]}\n    local  {f['local']}"
           for f in files]
    )
    emit(info, as_json, text)


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
    emit({"name": name, "files": paths}, as_json, "\n".join(paths.values()))


@datasets.command("path")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def datasets_path(name: str, as_json: bool) -> None:
    """Print the local paths of a dataset's files (never downloads)."""
    from cogalign.data import get_dataset

    paths = {k: str(v) for k, v in get_dataset(name).paths(download=False).items()}
    emit({"name": name, "files": paths}, as_json, "\n".join(paths.values()))


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
            click.echo(json.dumps(json_safe(exc.report()), indent=2, allow_nan=False))
            sys.exit(1)
        raise
    summary = {"valid": True, "path": str(path), "paradigm": paradigm, **summarize(table)}
    emit(summary, as_json, f"{path}: valid {paradigm} data, {summary['rows']} rows")


@main.command("demo")
@click.option("--only", multiple=True, metavar="PARADIGM",
              help="Run only this paradigm's section (repeatable).")
@click.option("--no-datasets", is_flag=True, help="Leave out the summary of local datasets.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def demo_command(only: tuple[str, ...], no_datasets: bool, as_json: bool) -> None:
    """Run the main job on the datasets found locally (never needs the network)."""
    from cogalign.demo import run_demo

    report = run_demo(echo=None if as_json else click.echo, only=only, datasets=not no_datasets)
    if as_json:
        emit(report, True, "")


for _slot, _help in SLOTS.items():
    main.add_command(_ParadigmSlot(_slot, help=_help))


@main.command("paradigms")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def paradigms_command(as_json: bool) -> None:
    """List the registered paradigms and what each offers."""
    rows = []
    for p in all_paradigms().values():
        offers = [slot for slot in SLOTS if slot in p.commands]
        if p.estimators and "fit" not in offers:
            offers.append("fit")
        offers += [name for name, part in (("study", p.study_design), ("online", p.online_flow),
                                           ("demo", p.demo), ("sweep", p.align))
                   if part is not None]
        offers += sorted(_top_level(p))
        offers += sorted(f"{slot} {name}" for slot, name in p.extra_commands)
        rows.append({"name": p.name, "title": p.title, "schema": p.schema_name,
                     "datasets": list(p.datasets), "models": sorted(p.estimators),
                     "offers": offers})
    text = text_table([{**r, "offers": ",".join(r["offers"])} for r in rows],
                 ["name", "offers", "title"])
    emit(rows, as_json, text)


def _register_core_commands() -> None:
    """Add the core commands that live next to the code they drive."""
    from cogalign.llm.cli import cache_group, embed_command, judge_command
    from cogalign.report.cli import leaderboard_command, report_command
    from cogalign.serve.cli import export_jspsych_command, serve_group
    from cogalign.studies.cli import study_group
    from cogalign.sweep.cli import sweep_command

    main.add_command(embed_command, "embed")
    main.add_command(judge_command, "judge")
    main.add_command(cache_group, "cache")
    study_group.add_command(export_jspsych_command, "export-jspsych")
    main.add_command(study_group, "study")
    main.add_command(serve_group, "serve")
    main.add_command(sweep_command, "sweep")
    main.add_command(leaderboard_command, "leaderboard")
    main.add_command(report_command, "report")


_register_core_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
