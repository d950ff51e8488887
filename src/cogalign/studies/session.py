"""One participant's session on disk: files, resume and recording.

A session writes three files under the study's output folder::

    <output>/dataset_description.json                              (Psych-DS, once per study)
    <output>/data/study-<name>_subject-<id>_session-<n>_data.csv     main trials + attention checks
    <output>/practice/study-<name>_subject-<id>_session-<n>_practice.csv   practice trials
    <output>/logs/study-<name>_subject-<id>_session-<n>_log.jsonl    start, resume, breaks, end

The data files hold the paradigm's schema columns plus the extra columns that
``dataset_description.json`` declares, so :func:`cogalign.data.read_psychds` and
``cogalign validate`` read the folder as it is. Practice trials are in their own file (the
``trial`` index runs over the whole session, so practice and main rows never share one).

:class:`Session` is used by both the PsychoPy runner and the simulated participants: they
differ only in where the :class:`~cogalign.studies.design.Response` comes from.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogalign.data.psychds import DESCRIPTION_FILE, data_file_name, write_description
from cogalign.errors import CogalignError
from cogalign.studies.design import Response, Study, Trial
from cogalign.studies.writer import EventLog, TrialWriter, format_cell, utc_now

__all__ = ["Session", "SessionPaths", "check_participant", "session_paths"]


@dataclass(frozen=True)
class SessionPaths:
    """The files of one participant's session."""

    output: Path
    data: Path
    practice: Path
    log: Path

    def existing(self) -> list[Path]:
        """The session's files that already exist."""
        return [p for p in (self.data, self.practice, self.log) if p.exists()]


def session_paths(study: Study, output: str | Path, participant: str, session: int) -> SessionPaths:
    """Where a session's files go (Psych-DS names: ``study-X_subject-Y_session-N_data.csv``)."""
    output = Path(output)
    name = data_file_name(study=study.name, subject=participant, session=session)
    stem = name[: -len("_data.csv")]
    return SessionPaths(
        output=output,
        data=output / "data" / name,
        practice=output / "practice" / f"{stem}_practice.csv",
        log=output / "logs" / f"{stem}_log.jsonl",
    )


def check_participant(study: Study, participant: str) -> None:
    """Check a participant id against the study's ``participant_pattern``.

    Ids are pseudonymous codes (e.g. ``p001``); they name files, so they must be letters and
    digits only, whatever the pattern allows.

    Raises
    ------
    CogalignError
        Naming the pattern the id does not match.
    """
    pattern = study.definition["study"]["participant_pattern"]
    if not re.fullmatch(pattern, participant):
        raise CogalignError(
            f"participant id {participant!r} does not match the study's pattern {pattern!r} "
            f"([study] participant_pattern in {study.definition.path.name}); use a code such as "
            "p001, never a name or other personal data"
        )
    if not re.fullmatch(r"[A-Za-z0-9]+", participant):
        raise CogalignError(
            f"participant id {participant!r} must be letters and digits only (it names the files)"
        )


def _diff(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            where = f"{prefix}.{key}" if prefix else str(key)
            if key not in old:
                out.append(f"{where} added")
            elif key not in new:
                out.append(f"{where} removed")
            else:
                out.extend(_diff(old[key], new[key], where))
        return out
    if old != new:
        return [f"{prefix}: {json.dumps(old)[:40]} -> {json.dumps(new)[:40]}"]
    return []


class Session:
    """A participant's session: opens (or resumes) its files and records trials.

    Parameters
    ----------
    study
        The prepared study.
    participant
        Participant id (checked against the study's pattern).
    session
        Session number, from 1.
    output
        Output folder (default: the definition's ``study.output``).
    resume
        Continue a session that has files already. Without it, existing files are an error.
    simulated_by
        The model of a simulated participant (``None`` for a person).

    Attributes
    ----------
    trials
        The whole planned session.
    done
        Indices of the trials already on disk.
    paths
        The session's files.
    """

    def __init__(
        self,
        study: Study,
        participant: str,
        session: int = 1,
        *,
        output: str | Path | None = None,
        resume: bool = False,
        simulated_by: str | None = None,
    ):
        if session < 1:
            raise CogalignError(f"session must be 1 or more, got {session}")
        check_participant(study, participant)
        self.study = study
        self.participant = participant
        self.session = session
        self.resume = resume
        self.simulated_by = simulated_by
        self.paths = session_paths(
            study, output if output is not None else study.definition.output, participant, session
        )
        self.trials: list[Trial] = study.trials(participant, session)
        self.done: set[int] = set()
        self.resumed = False
        self._data: TrialWriter | None = None
        self._practice: TrialWriter | None = None
        self._log: EventLog | None = None

    # ----------------------------------------------------------------- opening

    def open(self) -> Session:
        """Create or reopen the session's files and work out which trials remain.

        Returns
        -------
        Session
            ``self``.

        Raises
        ------
        CogalignError
            The session exists and ``resume`` is false; there is nothing to resume; the
            definition, the participant type or the stored trials differ from this study's
            plan; the output folder belongs to another study.
        """
        existing = self.paths.existing()
        who = f"participant {self.participant} session {self.session}"
        if existing and not self.resume:
            raise CogalignError(
                f"{who} already has data ({existing[0]}); continue it with --resume, "
                "or start another --session"
            )
        if self.resume and not existing:
            raise CogalignError(f"nothing to resume: no files for {who} in {self.paths.output}")
        self._ensure_description()
        try:
            self._log = EventLog(self.paths.log)
            events = self._log.open(resume=self.resume)
            self._check_events(events)
            self._data = TrialWriter(self.paths.data, self.study.columns)
            data_rows = self._data.open(resume=self.resume)
            practice_rows: list[dict[str, str]] = []
            if any(t.practice for t in self.trials) or self.paths.practice.exists():
                self._practice = TrialWriter(self.paths.practice, self.study.columns)
                practice_rows = self._practice.open(resume=self.resume)
            self._check_rows(data_rows, self.paths.data, practice=False)
            self._check_rows(practice_rows, self.paths.practice, practice=True)
        except BaseException:
            self.close()
            raise
        self.resumed = bool(events)
        defn = self.study.definition
        if events:
            self._log.write(
                "resume", done=len(self.done), remaining=len(self.remaining),
                simulated_by=self.simulated_by,
            )
        else:
            self._log.write(
                "start",
                participant_id=self.participant,
                session=self.session,
                study=self.study.name,
                paradigm=self.study.paradigm,
                definition_file=str(defn.path),
                overrides=list(defn.overrides),
                definition_hash=self.study.hash,
                definition=defn.hashed_content(),
                item_source=self.study.item_source,
                notes=self.study.notes,
                n_trials=len(self.trials),
                simulated_by=self.simulated_by,
                cogalign_version=_version(),
                python=sys.version.split()[0],
                platform=platform.platform(),
            )
        return self

    def _ensure_description(self) -> None:
        out = self.paths.output
        target = out / DESCRIPTION_FILE
        schema = self.study.schema
        if not target.exists():
            d = self.study.definition["study"]
            write_description(
                out,
                schema,
                name=d["title"] or d["name"],
                description=d["description"] or schema.description,
                extra_columns=self.study.extra_columns,
                extra={"cogalign_study": {"name": d["name"], "paradigm": self.study.paradigm,
                                          "version": d["version"]}},
            )
            return
        try:
            meta = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CogalignError(f"{target}: cannot read it ({exc})") from None
        keywords = meta.get("keywords", [])
        declared = {v.get("name") if isinstance(v, dict) else v
                    for v in meta.get("variableMeasured", [])}
        missing = [c for c in self.study.columns if c not in declared]
        if f"cogalign:{schema.name}" not in keywords or missing:
            raise CogalignError(
                f"{target} describes other data (keywords {keywords}, undeclared columns "
                f"{missing[:5]}); give this study its own output folder"
            )

    def _check_events(self, events: list[dict[str, Any]]) -> None:
        starts = [e for e in events if e.get("event") == "start"]
        if not starts:
            return
        start = starts[0]
        if start.get("definition_hash") != self.study.hash:
            changes = _diff(start.get("definition", {}), self.study.definition.hashed_content())
            what = "; ".join(changes[:5]) if changes else "the study's materials changed"
            raise CogalignError(
                f"cannot resume {self.paths.data.name}: the study definition changed since the "
                f"session started (hash {start.get('definition_hash')} -> {self.study.hash}: "
                f"{what})"
            )
        if start.get("simulated_by") != self.simulated_by:
            raise CogalignError(
                f"cannot resume {self.paths.data.name}: it was started by "
                f"{start.get('simulated_by') or 'a person'}, not by "
                f"{self.simulated_by or 'a person'}"
            )

    def _check_rows(self, rows: list[dict[str, str]], path: Path, *, practice: bool) -> None:
        by_index = {t.index: t for t in self.trials}
        for n, row in enumerate(rows, start=2):
            where = f"{path}, line {n}"
            try:
                index = int(row["trial"])
            except ValueError:
                raise CogalignError(f"{where}: trial {row['trial']!r} is not a number") from None
            trial = by_index.get(index)
            if trial is None or trial.practice != practice:
                raise CogalignError(f"{where}: trial {index} is not a planned "
                                    f"{'practice' if practice else 'main'} trial of this session")
            if index in self.done:
                raise CogalignError(f"{where}: trial {index} is in the file twice")
            if row["participant_id"] != self.participant or row["session"] != str(self.session):
                raise CogalignError(f"{where}: belongs to another participant or session")
            if row["definition_hash"] != self.study.hash:
                raise CogalignError(
                    f"{where}: written by another version of the study "
                    f"(definition hash {row['definition_hash']}, now {self.study.hash})"
                )
            for column in self.study.stimulus_columns:
                planned = format_cell(trial.stimulus[column])
                if row[column] != planned:
                    raise CogalignError(
                        f"{where}: column '{column}' is {row[column]!r}, the plan says "
                        f"{planned!r}; the trial list cannot be rebuilt, so it cannot resume"
                    )
            self.done.add(index)

    # ----------------------------------------------------------------- running

    @property
    def remaining(self) -> list[Trial]:
        """Trials not yet on disk, in planned order."""
        return [t for t in self.trials if t.index not in self.done]

    @property
    def n_practice(self) -> int:
        """Number of practice trials planned."""
        return sum(t.practice for t in self.trials)

    @property
    def n_main(self) -> int:
        """Number of main trials planned (attention checks included)."""
        return len(self.trials) - self.n_practice

    def record(
        self, trial: Trial, response: Response, *, onset_utc: str, response_utc: str | None = None
    ) -> dict[str, Any]:
        """Write a finished trial to its file (synced to disk before this returns).

        Parameters
        ----------
        trial
            The trial answered.
        response
            The answer.
        onset_utc, response_utc
            ISO 8601 UTC times of stimulus onset and response (default: now).

        Returns
        -------
        dict
            The row written.

        Raises
        ------
        CogalignError
            When the trial is already on disk (a trial is never written twice).
        """
        if trial.index in self.done:
            raise CogalignError(f"trial {trial.index} is already recorded")
        row = self.study.row(
            trial, response, participant=self.participant, session=self.session,
            onset_utc=onset_utc, response_utc=response_utc or utc_now(),
            simulated_by=self.simulated_by,
        )
        writer = self._practice if trial.practice else self._data
        if writer is None:
            raise CogalignError("the session is not open")
        writer.append(row)
        self.done.add(trial.index)
        return row

    def event(self, name: str, **fields: Any) -> None:
        """Add an event to the session log."""
        if self._log is not None:
            self._log.write(name, **fields)

    def finish(self, status: str, **fields: Any) -> dict[str, Any]:
        """Log how the session ended, close its files and return a summary.

        Parameters
        ----------
        status
            ``"completed"`` or ``"stopped"``.
        **fields
            More to log (e.g. the reason for stopping).

        Returns
        -------
        dict
            Summary: files, rows done, rows remaining, status.
        """
        self.event("end" if status == "completed" else status, done=len(self.done), **fields)
        self.close()
        return self.summary(status)

    def summary(self, status: str) -> dict[str, Any]:
        """A summary of the session's state (for the command line)."""
        return {
            "status": status,
            "study": self.study.name,
            "paradigm": self.study.paradigm,
            "participant_id": self.participant,
            "session": self.session,
            "definition_hash": self.study.hash,
            "trials_done": len(self.done),
            "trials_total": len(self.trials),
            "resumed": self.resumed,
            "simulated_by": self.simulated_by,
            "output": str(self.paths.output),
            "data_file": str(self.paths.data),
            "practice_file": str(self.paths.practice) if self.n_practice else None,
            "log_file": str(self.paths.log),
            "notes": list(self.study.notes),
        }

    def close(self) -> None:
        """Release the files (every recorded row is already on disk)."""
        for f in (self._data, self._practice, self._log):
            if f is not None:
                f.close()

    def __enter__(self) -> Session:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _version() -> str:
    try:
        from cogalign import __version__

        return __version__
    except ImportError:  # pragma: no cover
        return "unknown"
