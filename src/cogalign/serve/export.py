"""Export the server's data as Psych-DS folders laid out exactly like the lab studies' output.

One folder per study::

    <out>/<study>/dataset_description.json
    <out>/<study>/data/study-<name>_subject-<id>_session-<n>_data.csv        main trials + checks
    <out>/<study>/practice/study-<name>_subject-<id>_session-<n>_practice.csv
    <out>/<study>/logs/study-<name>_subject-<id>_session-<n>_log.jsonl       start, resume, end

The rows are the ones :meth:`cogalign.studies.design.Study.row` built when each trial was
saved; they are written with the lab writer's cell format
(:func:`cogalign.studies.writer.format_cell`), under the same header, with the same
``dataset_description.json``. Every exported folder is read back with
:func:`cogalign.data.read_psychds` (which validates every file against the paradigm's schema)
before the export reports success.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cogalign.data.psychds import atomic_write_text, data_file_name, read_psychds, write_description
from cogalign.data.schemas import get_schema
from cogalign.errors import CogalignError
from cogalign.serve.db import Database
from cogalign.studies.writer import format_cell

__all__ = ["export_psychds"]


def _csv_text(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([format_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def export_psychds(db: Database, out: str | Path, *, studies: Sequence[str] | None = None,
                   finished_only: bool = False) -> dict[str, Any]:
    """Write each study's data as a Psych-DS folder under ``out`` and validate it.

    Parameters
    ----------
    db
        The server's database.
    out
        Destination; each study gets ``out/<study>/``, which must not exist or be empty.
    studies
        Study names to export (default: every trial study with at least one session; the
        participant flows of :mod:`cogalign.serve.flows` have exports of their own).
    finished_only
        Leave out sessions that were not finished.

    Returns
    -------
    dict
        Per study: ``folder``, ``sessions``, ``finished``, ``rows`` (data files),
        ``practice_rows`` and ``valid`` (always true: a failed validation raises).

    Raises
    ------
    CogalignError
        For an unknown study or a flow, a non-empty destination, or data that fail validation.
    """
    versions = db.study_versions()
    latest: dict[str, dict[str, Any]] = {}
    for v in versions:
        latest[v["name"]] = v  # oldest first, so the newest wins
    sessions = db.sessions()
    flows = {name for name, v in latest.items() if "flow" in v["meta"]}
    with_data = sorted({s["study"] for s in sessions} - flows)
    names = list(studies) if studies is not None else with_data
    unknown = [n for n in names if n not in latest]
    if unknown:
        raise CogalignError(
            f"{db.describe()}: no study named {unknown}; known: {sorted(latest)}"
        )
    not_trials = [n for n in names if n in flows]
    if not_trials:
        raise CogalignError(
            f"{db.describe()}: {not_trials} are participant flows, not trial studies; "
            "cogalign.serve.flows.export_flows (cogalign serve export) writes them"
        )
    out = Path(out)
    report: dict[str, Any] = {}
    for name in names:
        version = latest[name]
        meta = version["meta"]
        chosen = [s for s in sessions if s["study"] == name
                  and (s["finished_utc"] is not None or not finished_only)]
        folder = out / name
        if folder.exists() and any(folder.iterdir()):
            raise CogalignError(f"{folder} exists and is not empty; export into a new folder")
        info: dict[str, Any] = {"folder": str(folder), "sessions": len(chosen),
                                "finished": sum(s["finished_utc"] is not None for s in chosen),
                                "rows": 0, "practice_rows": 0, "valid": False}
        report[name] = info
        if not chosen:
            continue
        schema = get_schema(version["paradigm"])
        write_description(
            folder, schema, name=meta["title"] or name,
            description=meta["description"] or schema.description,
            extra_columns=meta["extra_columns"],
            extra={"cogalign_study": {"name": name, "paradigm": version["paradigm"],
                                      "version": meta["version"]}},
        )
        columns = meta["columns"]
        for s in chosen:
            participant, number = s["participant"], s["session"]
            main: list[dict[str, Any]] = []
            practice: list[dict[str, Any]] = []
            for is_practice, row in db.session_rows(name, participant, number):
                (practice if is_practice else main).append(row)
            file_name = data_file_name(study=name, subject=participant, session=number)
            stem = file_name[: -len("_data.csv")]
            for sub in ("data", "logs") + (("practice",) if practice or meta["practice"] else ()):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            atomic_write_text(folder / "data" / file_name, _csv_text(columns, main))
            if practice or meta["practice"]:
                atomic_write_text(folder / "practice" / f"{stem}_practice.csv",
                                  _csv_text(columns, practice))
            events = db.session_events(name, participant, number)
            atomic_write_text(folder / "logs" / f"{stem}_log.jsonl",
                              "".join(json.dumps(e, sort_keys=True) + "\n" for e in events))
            info["rows"] += len(main)
            info["practice_rows"] += len(practice)
        table = read_psychds(folder)
        if len(table) != info["rows"]:
            raise CogalignError(f"{folder}: read back {len(table)} rows, wrote {info['rows']}")
        info["valid"] = True
    return report
