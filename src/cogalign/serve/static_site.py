"""A study as static files for any web host, and the import of the answers it collects.

:func:`export_jspsych` writes a folder that any web server can host (no cogalign server
needed)::

    site/index.html                 the experiment page (open it as index.html?participant=p001)
    site/static/                    jsPsych (with its licence), the page's script and styles
    site/trials/<id>-<session>.json each listed participant's trial list, computed here from
                                    the definition and the participant's seed, as in the lab
    site/images/                    the study's images, if it has any
    site/cogalign-study.json        what was exported (study, definition hash, participants)

Trial lists need the participant's id, so a static export serves the ids it was made for.
The page keeps the answers in the browser (a reload resumes) and, at the end, saves them
as ``study-<name>_subject-<id>_session-<n>_responses.json``. :func:`import_responses` reads
such files into a server database through the same checks as the live server (the data
rows are built on the server from the definition; only the answers come from the file), from
where ``cogalign serve export`` writes the Psych-DS folder. A static page cannot keep the
completion code secret (it is in the page), and studies with feedback need the server.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError
from cogalign.serve.db import Database
from cogalign.serve.pages import STATIC, render
from cogalign.serve.recording import Identity, RequestError, participant_from_params, record_answer
from cogalign.serve.security import CONTENT_SECURITY_POLICY
from cogalign.serve.studyset import ServedStudy, load_studies

__all__ = ["RESPONSES_FORMAT", "export_jspsych", "import_responses"]

#: The ``format`` field of a static page's answer file.
RESPONSES_FORMAT = "cogalign-responses/1"

#: The policy of a static page, set by a ``<meta>`` element (hosts may add their own headers;
#: ``frame-ancestors`` only works as a header).
_STATIC_POLICY = "; ".join(
    part for part in CONTENT_SECURITY_POLICY.split("; ") if not part.startswith("frame-ancestors")
)


def _one_study(definition: str | Path, overrides: Sequence[str]) -> ServedStudy:
    studies = load_studies(definition, overrides)
    if len(studies) != 1:
        raise CogalignError(f"{definition}: give one study definition, found {len(studies)}")
    return next(iter(studies.values()))


def export_jspsych(definition: str | Path, out: str | Path, *, participants: Sequence[str],
                   session: int = 1, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Write a study as a static jsPsych site.

    Parameters
    ----------
    definition
        The study definition (``study.toml``) or its folder.
    out
        Destination folder; must not exist or be empty.
    participants
        The participant ids the site serves (each gets its trial list).
    session
        The session number of every trial list.
    overrides
        ``--set`` overrides (definition fields and ``online.*``).

    Returns
    -------
    dict
        ``study``, ``definition_hash``, ``folder``, ``participants``, ``files`` written.

    Raises
    ------
    CogalignError
        For a bad definition or id, a study with feedback, or a non-empty destination.
    """
    served = _one_study(definition, overrides)
    study = served.study
    if served.page_config()["feedback"]:
        raise CogalignError(
            f"{study.definition.path}: this study shows feedback drawn on the server after each "
            "choice; run it with cogalign serve instead of a static export"
        )
    if not participants:
        raise CogalignError("give the participant ids the static site serves (--participants)")
    ids: list[str] = []
    for pid in participants:
        try:
            ids.append(participant_from_params(
                served, {"participant": pid, "session": str(session)}).participant)
        except RequestError as exc:
            raise CogalignError(f"participant {pid!r}: {exc}") from None
    if len(set(ids)) != len(ids):
        raise CogalignError("a participant id is listed twice")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise CogalignError(f"{out} exists and is not empty; export into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(STATIC, out / "static", ignore=shutil.ignore_patterns("admin.css"))
    if served.images:
        (out / "images").mkdir()
        for path in served.images:
            shutil.copyfile(path, out / "images" / served.image_name(str(path)))
    (out / "trials").mkdir()
    for pid in ids:
        trials = served.trials(pid, session)
        payload = {"participant": pid, "session": session, "definition_hash": study.hash,
                   "trials": served.client_trials(trials)}
        (out / "trials" / f"{pid}-{session}.json").write_text(json.dumps(payload), encoding="utf-8")
    config = {**served.page_config(with_code=True), "backend": "static",
              "definition_hash": study.hash}
    (out / "index.html").write_text(
        render("experiment.html", title=config["title"], config=config, static="static",
               csp=_STATIC_POLICY), encoding="utf-8")
    manifest = {"study": study.name, "paradigm": study.paradigm,
                "definition_hash": study.hash, "definition": study.definition.hashed_content(),
                "overrides": list(study.definition.overrides), "session": session,
                "participants": ids}
    (out / "cogalign-study.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                             encoding="utf-8")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    return {"study": study.name, "definition_hash": study.hash, "folder": str(out),
            "participants": ids, "files": files}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CogalignError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != RESPONSES_FORMAT:
        raise CogalignError(f"{path}: not a cogalign answer file (format {RESPONSES_FORMAT!r})")
    for name, kind in (("study", str), ("definition_hash", str), ("participant", str),
                       ("session", int), ("responses", list)):
        if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool):
            raise CogalignError(f"{path}: field '{name}' is missing or not {kind.__name__}")
    return data


def import_responses(db: Database, studies: dict[str, ServedStudy],
                     files: Iterable[str | Path]) -> dict[str, Any]:
    """Store the answers a static site saved, as if they had come to the live server.

    Parameters
    ----------
    db
        The database (migrated).
    studies
        The studies (:func:`~cogalign.serve.studyset.load_studies`), with the same
        definitions and overrides as the export.
    files
        Answer files (``*_responses.json``).

    Returns
    -------
    dict
        Per file: ``study``, ``participant``, ``session``, ``saved``, ``duplicates``,
        ``finished``.

    Raises
    ------
    CogalignError
        Naming the file (and answer) that does not fit its study.
    """
    report: dict[str, Any] = {}
    for raw_path in files:
        path = Path(raw_path)
        data = _read_file(path)
        served = studies.get(data["study"])
        if served is None:
            raise CogalignError(f"{path}: study {data['study']!r} is not among {sorted(studies)}")
        if data["definition_hash"] != served.study.hash:
            raise CogalignError(
                f"{path}: made with definition {data['definition_hash']}, but the study's "
                f"definition is now {served.study.hash} (same file and --set overrides?)"
            )
        try:
            checked = participant_from_params(
                served, {"participant": data["participant"], "session": str(data["session"])})
        except RequestError as exc:
            raise CogalignError(f"{path}: {exc}") from None
        identity = Identity(checked.participant, checked.session, "static")
        trials = served.trials(identity.participant, identity.session)
        db.register_study(served.name, served.study.hash, served.study.paradigm, served.meta())
        db.open_session(study=served.name, participant=identity.participant,
                        session=identity.session, definition_hash=served.study.hash,
                        n_trials=len(trials), platform="static")
        counts = {"saved": 0, "duplicate": 0}
        for k, answer in enumerate(data["responses"]):
            try:
                result = record_answer(db, served, identity, answer)
            except RequestError as exc:
                raise CogalignError(f"{path}: answer {k + 1}: {exc}") from None
            counts[result["status"]] += 1
        saved = set(db.saved_trials(served.name, identity.participant, identity.session))
        finished = bool(data.get("finished")) and all(t.index in saved for t in trials)
        if finished:
            db.finish_session(served.name, identity.participant, identity.session)
        report[str(path)] = {"study": served.name, "participant": identity.participant,
                             "session": identity.session, "saved": counts["saved"],
                             "duplicates": counts["duplicate"], "finished": finished}
    return report
