"""The ``cogalign study`` commands: ``run``, ``screenshot`` and ``check``.

``study_group`` is a click group; the package's command line mounts it as ``cogalign study``,
and ``python -m cogalign.studies`` runs it on its own. Errors end with a one-line reason and
exit status 1.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from cogalign.cli_common import CogalignGroup
from cogalign.cli_common import emit as _emit
from cogalign.cli_common import handle_errors as _errors
from cogalign.errors import CogalignError

__all__ = ["study_group"]


def _prepare(definition: str, overrides: tuple[str, ...]) -> Any:
    """The prepared study of a definition path or a shipped study's name."""
    from cogalign.studies.definition import load_definition
    from cogalign.studies.design import prepare_study
    from cogalign.studies.library import find_definition

    path, _ = find_definition(definition)
    return prepare_study(load_definition(path, overrides))


def _output(definition: str, output: Path | None) -> Path | None:
    """``--output``, or ``./data/<name>`` for a shipped study run by name."""
    from cogalign.studies.library import default_output, find_definition

    if output is not None:
        return output
    path, shipped = find_definition(definition)
    return default_output(path.parent.name) if shipped else None


def _display(xvfb: bool) -> Any:
    if not xvfb:
        return nullcontext()
    from cogalign.studies.display import virtual_display

    return virtual_display()


_SET_HELP = "Override a definition field, e.g. --set trials.n=10 (repeatable)."


@click.group("study", cls=CogalignGroup)
def study_group() -> None:
    """Run human-subject studies (PsychoPy) and simulated participants."""


@study_group.command("run")
@click.argument("definition")
@click.option("--participant", "-p", required=True, help="Pseudonymous participant id, e.g. p001.")
@click.option("--session", "-s", type=click.IntRange(min=1), default=1, show_default=True,
              help="Session number.")
@click.option("--fullscreen", is_flag=True, help="Open the window full screen.")
@click.option("--resume", is_flag=True, help="Continue a session that was stopped or killed.")
@click.option("--simulate", "model", metavar="MODEL", default=None,
              help="Answer with a simulated participant instead of a person (no window), "
                   "e.g. 'default', 'embedding:beta=5', 'ev', 'cpt', 'hyperbolic:k=0.2', 'llm'.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: the definition's study.output; ./data/NAME for "
                   "a shipped study run by name).")
@click.option("--set", "overrides", multiple=True, metavar="TABLE.FIELD=VALUE", help=_SET_HELP)
@click.option("--max-trials", type=click.IntRange(min=0), default=None,
              help="Simulated participants: stop after this many trials (resume later).")
@click.option("--xvfb", is_flag=True, help="Open the window on a virtual display (Xvfb).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
@_errors
def run_command(definition: str, participant: str, session: int, fullscreen: bool, resume: bool,
                model: str | None, output: Path | None, overrides: tuple[str, ...],
                max_trials: int | None, xvfb: bool, as_json: bool) -> None:
    """Run study DEFINITION (a TOML file, or a shipped study's name) for one participant.

    Every answered trial is written and synced to disk at once; if the program stops or is
    killed, --resume continues without losing or repeating a trial.
    """
    from cogalign.studies.session import Session

    study = _prepare(definition, overrides)
    output = _output(definition, output)
    for note in study.notes:
        click.echo(f"note: {note}", err=True)
    if max_trials is not None and model is None:
        raise CogalignError("--max-trials is for simulated participants (--simulate)")
    if model is not None:
        from cogalign.studies.simulate import make_model, run_simulated

        sim = make_model(model, study)
        sess = Session(study, participant, session, output=output, resume=resume,
                       simulated_by=sim.spec).open()
        summary = run_simulated(sess, sim, max_trials=max_trials)
    else:
        from cogalign.studies.runner import check_display, run_session

        with _display(xvfb):
            check_display()
            sess = Session(study, participant, session, output=output, resume=resume).open()
            summary = run_session(sess, fullscreen=fullscreen)
    text = (f"{summary['status']}: {summary['trials_done']} of {summary['trials_total']} trials "
            f"of participant {participant} session {session} in {summary['data_file']}")
    if summary["status"] != "completed":
        text += "\ncontinue with --resume"
    _emit(summary, as_json, text)


@study_group.command("screenshot")
@click.argument("definition")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Folder for the PNG files.")
@click.option("--participant", "-p", default="demo", show_default=True,
              help="Whose trial list the example trials come from (nothing is recorded).")
@click.option("--set", "overrides", multiple=True, metavar="TABLE.FIELD=VALUE", help=_SET_HELP)
@click.option("--xvfb", is_flag=True, help="Draw on a virtual display (Xvfb).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list of files.")
@_errors
def screenshot_command(definition: str, out: Path, participant: str,
                       overrides: tuple[str, ...], xvfb: bool, as_json: bool) -> None:
    """Save a PNG of every screen of study DEFINITION (instructions, trials, breaks, end)."""
    from cogalign.studies.runner import check_display, take_screenshots

    study = _prepare(definition, overrides)
    with _display(xvfb):
        check_display()
        files = take_screenshots(study, out, participant=participant)
    _emit({"study": study.name, "files": [str(f) for f in files]}, as_json,
          "\n".join(str(f) for f in files))


@study_group.command("check")
@click.argument("definition")
@click.option("--set", "overrides", multiple=True, metavar="TABLE.FIELD=VALUE", help=_SET_HELP)
@click.option("--participant", "-p", default=None,
              help="Also check this participant id and count their trials.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def check_command(definition: str, overrides: tuple[str, ...], participant: str | None,
                  as_json: bool) -> None:
    """Check study DEFINITION and its materials; print what a session holds."""
    from cogalign.studies.session import check_participant

    study = _prepare(definition, overrides)
    d = study.definition
    info: dict[str, Any] = {
        "definition": str(d.path),
        "study": study.name,
        "paradigm": study.paradigm,
        "definition_hash": study.hash,
        "output": str(d.output),
        "items": len(study.items) if study.items is not None else None,
        "item_source": study.item_source,
        "problems": len(study.problems) if study.problems is not None else None,
        "notes": study.notes,
    }
    who = participant or "check"
    if participant is not None:
        check_participant(study, participant)
    trials = study.trials(who, 1)
    info.update(
        practice_trials=sum(t.practice for t in trials),
        main_trials=sum(not t.practice and not t.attention_check for t in trials),
        attention_checks=sum(t.attention_check for t in trials),
        breaks=sum(t.break_before for t in trials),
    )
    lines = [f"{d.path}: valid {study.paradigm} study '{study.name}' (hash {study.hash})"]
    lines += [f"  {k}: {v}" for k, v in info.items() if k not in ("definition", "notes")]
    lines += [f"  note: {n}" for n in study.notes]
    _emit(info, as_json, "\n".join(lines))


@study_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def list_command(as_json: bool) -> None:
    """List the studies that ship with cogalign (run one by name, or copy it to edit)."""
    from cogalign.studies.library import shipped_studies

    rows = [{"name": s.name, "paradigm": s.paradigm, "definition": str(s.definition)}
            for s in shipped_studies().values()]
    lines = [f"{r['name']:<16}{r['paradigm']:<16}{r['definition']}" for r in rows]
    _emit(rows, as_json, "\n".join(lines))


@study_group.command("copy")
@click.argument("name")
@click.argument("destination", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def copy_command(name: str, destination: Path, as_json: bool) -> None:
    """Copy shipped study NAME to DESTINATION (a new folder), to edit and run it from there."""
    from cogalign.studies.library import copy_study

    folder = copy_study(name, destination)
    _emit({"name": name, "folder": str(folder)}, as_json,
          f"copied {name} to {folder}; run it with: cogalign study run {folder} -p p001")
