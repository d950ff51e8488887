"""The ``cogalign serve`` commands and ``cogalign study export-jspsych``.

``serve_group`` is a click group (``cogalign serve STUDIES`` runs the server; its
subcommands are ``export`` and ``import``); ``export_jspsych_command`` is a single command
meant for the ``cogalign study`` group. ``python -m cogalign.serve`` runs the group on its
own. Errors end with a one-line reason and exit status 1.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click

from cogalign.cli_common import CogalignGroup, emit, handle_errors, json_option
from cogalign.errors import CogalignError

__all__ = ["export_jspsych_command", "serve_group"]

_SET_HELP = ("Override a definition field for every study (trials.n=10) or for one "
             "(triplets:trials.n=10); online.FIELD sets online.toml fields. Repeatable.")
_DB_HELP = "Database URL: sqlite:///FILE (default) or postgresql+psycopg://USER:PASS@HOST/DB."
_DEFAULT_DB = "sqlite:///data/studies.db"


class _ServeGroup(CogalignGroup):
    """``cogalign serve STUDIES ...`` runs the server; known names are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("serve", cls=_ServeGroup)
def serve_group() -> None:
    """Run studies online (jsPsych in the browser) and export what they collected.

    \b
    cogalign serve [STUDIES] [--db URL] [--port 8000]   (default: the shipped studies)
    cogalign serve export --db URL --out data/online/
    cogalign serve import site-answers/*.json --db URL [--studies STUDIES]
    """  # noqa: D301 (click's \b keeps the example lines as written)


@serve_group.command("run")
@click.argument("studies", required=False, type=click.Path(path_type=Path, exists=True))
@click.option("--db", default=_DEFAULT_DB, show_default=True, help=_DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (PostgreSQL, or SQLite on a local disk).")
@click.option("--set", "overrides", multiple=True, metavar="[STUDY:]TABLE.FIELD=VALUE",
              help=_SET_HELP)
@click.option("--admin-token", envvar="COGALIGN_ADMIN_TOKEN", default=None,
              help="Token of the admin pages (env COGALIGN_ADMIN_TOKEN; default: a new random "
                   "one, printed at start).")
@click.option("--rate-limit", "rate_limits", multiple=True, metavar="RULE=N/SECONDS[:BURST]",
              help="Change a rate limit: start (per address), trial (per session), login "
                   "(per address), e.g. start=600/60.")
@click.option("--max-body", type=click.IntRange(min=1024), default=16_384, show_default=True,
              help="Largest request body, in bytes.")
@click.option("--forwarded-allow-ips", default=None,
              help="Proxies whose X-Forwarded-* headers are trusted (behind a reverse proxy).")
@handle_errors
def run_command(studies: Path | None, db: str, host: str, port: int, workers: int,
                overrides: tuple[str, ...], admin_token: str | None,
                rate_limits: tuple[str, ...], max_body: int,
                forwarded_allow_ips: str | None) -> None:
    """Serve the studies under STUDIES (a study.toml, a study folder or a folder of them).

    Without STUDIES, the studies that ship with cogalign (``cogalign study list``).

    Each study is at http://HOST:PORT/s/NAME/ ; participants' ids come from the link
    (Prolific: PROLIFIC_PID, STUDY_ID, SESSION_ID; MTurk: workerId, hitId, assignmentId;
    otherwise ?participant=ID). Admin pages: http://HOST:PORT/admin/ .
    """
    import uvicorn

    from cogalign.serve.app import CONFIG_VARIABLE, ServeConfig, create_app
    from cogalign.serve.db import Database
    from cogalign.serve.flows import load_served
    from cogalign.serve.security import Rule
    from cogalign.studies.library import shipped_folder

    studies = studies or shipped_folder()
    limits: dict[str, str] = {}
    for text in rate_limits:
        name, sep, rule = text.partition("=")
        if not sep or name not in ("start", "trial", "login"):
            raise CogalignError(f"--rate-limit {text!r}: expected start|trial|login=N/SECONDS")
        try:
            Rule.parse(rule)
        except ValueError as exc:
            raise CogalignError(f"--rate-limit {text!r}: {exc}") from None
        limits[name] = rule
    printed_token = admin_token is None
    token = admin_token or secrets.token_urlsafe(24)
    config = ServeConfig(studies=str(studies), db=db, overrides=list(overrides),
                         admin_token=token, rate_limits=limits, max_body=max_body)
    trial_studies, flows = load_served(config.studies, config.overrides)
    served = sorted([*trial_studies, *flows])
    database = Database(db)
    database.migrate()
    database.dispose()
    base = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
    click.echo(f"cogalign serve: {len(served)} stud{'y' if len(served) == 1 else 'ies'}, "
               f"database {database.describe()}", err=True)
    for name in served:
        click.echo(f"  {base}/s/{name}/?participant=p001", err=True)
        for note in flows[name].notes() if name in flows else ():
            click.echo(f"    note: {note}", err=True)
    click.echo(f"  admin: {base}/admin/" + (f"  (token: {token})" if printed_token else ""),
               err=True)
    options: dict[str, Any] = {"host": host, "port": port, "access_log": False,
                               "log_level": "warning", "server_header": False}
    if forwarded_allow_ips:
        options.update(proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips)
    if workers == 1:
        uvicorn.run(create_app(config, migrate=False), **options)
    else:
        os.environ[CONFIG_VARIABLE] = config.to_json()
        uvicorn.run("cogalign.serve.app:app_from_environment", factory=True, workers=workers,
                    **options)


@serve_group.command("export")
@click.option("--db", default=_DEFAULT_DB, show_default=True, help=_DB_HELP)
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for the Psych-DS folders (one per study).")
@click.option("--study", "names", multiple=True, help="Export only this study (repeatable).")
@click.option("--finished-only", is_flag=True, help="Leave out unfinished sessions.")
@json_option
@handle_errors
def export_command(db: str, out: Path, names: tuple[str, ...], finished_only: bool,
                   as_json: bool) -> None:
    """Export the collected data, one validated folder per study.

    Trial studies are written as Psych-DS folders; participant flows (the moral-graph flow)
    in their own formats. A missing SQLite file is refused, not created.
    """
    from cogalign.serve.db import Database, sqlite_file
    from cogalign.serve.export import export_psychds
    from cogalign.serve.flows import export_flows

    path = sqlite_file(db)
    if path is not None and not path.is_file():  # do not create an empty database to export
        raise CogalignError(f"{path}: no such database file (--db {db})")
    database = Database(db)
    if database.revision() is None:
        raise CogalignError(f"{database.describe()}: not a cogalign serve database")
    flow_names = {v["name"] for v in database.study_versions() if "flow" in v["meta"]}
    chosen = list(names) or None
    trial_names = None if chosen is None else [n for n in chosen if n not in flow_names]
    report = {}
    if trial_names is None or trial_names:
        report.update(export_psychds(database, out, studies=trial_names,
                                     finished_only=finished_only))
    report.update(export_flows(database, out, studies=chosen))
    lines = [f"{name}: {r['sessions']} session(s), {r['rows']} rows -> {r['folder']}"
             for name, r in report.items()]
    emit(report, as_json, "\n".join(lines) or "no data to export")


@serve_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--db", default=_DEFAULT_DB, show_default=True, help=_DB_HELP)
@click.option("--studies", type=click.Path(path_type=Path, exists=True), default=None,
              help="The study definitions (as for cogalign serve; default: the shipped ones).")
@click.option("--set", "overrides", multiple=True, metavar="[STUDY:]TABLE.FIELD=VALUE",
              help=_SET_HELP)
@json_option
@handle_errors
def import_command(files: tuple[Path, ...], db: str, studies: Path | None,
                   overrides: tuple[str, ...], as_json: bool) -> None:
    """Import the answer files a static export (export-jspsych) saved."""
    from cogalign.serve.db import Database
    from cogalign.serve.static_site import import_responses
    from cogalign.serve.studyset import load_studies
    from cogalign.studies.library import shipped_folder

    studies = studies or shipped_folder()
    database = Database(db)
    database.migrate()
    report = import_responses(database, load_studies(studies, overrides), files)
    lines = [f"{path}: {r['saved']} saved, {r['duplicates']} already there"
             + (", finished" if r["finished"] else "") for path, r in report.items()]
    emit(report, as_json, "\n".join(lines))


@click.command("export-jspsych")
@click.argument("definition")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for the static site.")
@click.option("--participants", default=None, metavar="ID,ID,...",
              help="Participant ids the site serves.")
@click.option("--n-participants", type=click.IntRange(min=1, max=100_000), default=None,
              help="Or: this many ids, PREFIX001, PREFIX002, ...")
@click.option("--prefix", default="web", show_default=True, help="Prefix of generated ids.")
@click.option("--session", type=click.IntRange(1, 999), default=1, show_default=True)
@click.option("--set", "overrides", multiple=True, metavar="TABLE.FIELD=VALUE", help=_SET_HELP)
@json_option
@handle_errors
def export_jspsych_command(definition: str, out: Path, participants: str | None,
                           n_participants: int | None, prefix: str, session: int,
                           overrides: tuple[str, ...], as_json: bool) -> None:
    """Write study DEFINITION (a file, or a shipped study's name) as static jsPsych files.

    Participants open index.html?participant=ID; at the end their browser saves the answers
    as a file, which `cogalign serve import` reads into a database.
    """
    from cogalign.serve.static_site import export_jspsych
    from cogalign.studies.library import find_definition

    path, _ = find_definition(definition)
    if (participants is None) == (n_participants is None):
        raise CogalignError("give either --participants or --n-participants")
    if participants is not None:
        ids = [p.strip() for p in participants.split(",") if p.strip()]
    else:
        width = max(3, len(str(n_participants)))
        ids = [f"{prefix}{k:0{width}d}" for k in range(1, (n_participants or 0) + 1)]
    report = export_jspsych(path, out, participants=ids, session=session,
                            overrides=overrides)
    text = (f"{report['study']}: static site for {len(ids)} participant(s) in {report['folder']}"
            f"\n  open index.html?participant={ids[0]} on any web host")
    emit(report, as_json, text)
