"""From a browser's answer to a stored data row, trusting nothing the browser sends but the answer.

The page reports, per trial, only the answer: the trial's index, the chosen screen position
(or the rating), the response time, the key (if any), the input device and the onset and
response times. Everything else in the row (items, gambles, amounts, sides, expected answers)
comes from the participant's trial list, computed on the server from the definition and the
participant's seed, and the row is built by :meth:`cogalign.studies.design.Study.row`,
exactly as the lab study builds it.

:func:`participant_from_params` works out who a participant is from the link's parameters
(Prolific, MTurk, a plain ``participant`` code, or none).
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cogalign.errors import CogalignError
from cogalign.serve.adapters import answer_column, feedback_text
from cogalign.serve.db import Database
from cogalign.serve.studyset import ServedStudy
from cogalign.studies.design import Response, Trial

__all__ = [
    "ANSWER_FIELDS",
    "MTURK_PREVIEW",
    "PLATFORMS",
    "Identity",
    "RequestError",
    "parse_answer",
    "participant_from_params",
    "record_answer",
]

#: The fields of an answer, as the page sends them.
ANSWER_FIELDS = ("trial", "value", "rt", "key", "device", "onset_utc", "response_utc")

_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_PLATFORM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DEVICES = ("keyboard", "mouse", "touch")
_MAX_RT = 86400.0

#: Link parameters read, by platform: (participant, platform study id, platform session id).
PLATFORMS: dict[str, tuple[str, str, str]] = {
    "prolific": ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"),
    "mturk": ("workerId", "hitId", "assignmentId"),
}

#: MTurk's assignment id while a worker only previews a task.
MTURK_PREVIEW = "ASSIGNMENT_ID_NOT_AVAILABLE"


class RequestError(CogalignError):
    """A request the server refuses, with the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Identity:
    """Who takes part: a participant's session of a study, and where they came from."""

    participant: str
    session: int
    platform: str
    platform_study_id: str | None = None
    platform_session_id: str | None = None


def participant_from_params(served: ServedStudy, params: Mapping[str, Any]) -> Identity:
    """Work out the participant from a study link's parameters.

    Prolific (``PROLIFIC_PID``, ``STUDY_ID``, ``SESSION_ID``) and MTurk (``workerId``,
    ``hitId``, ``assignmentId``) ids are kept as given (they are pseudonymous); a plain
    ``participant`` code is used as is; without any, a random ``anon...`` id is made when the
    study allows anonymous visitors. ``session`` (1, 2, ...) picks the session.

    Raises
    ------
    RequestError
        For a missing or malformed id, an MTurk preview, or a bad session number.
    """
    if not isinstance(params, Mapping) or len(params) > 32:
        raise RequestError("params must be an object of at most 32 link parameters")
    text = {k: v for k, v in params.items() if isinstance(k, str) and isinstance(v, str)}
    raw_session = text.get("session", "1")
    if not re.fullmatch(r"[1-9][0-9]{0,2}", raw_session):
        raise RequestError(f"session must be a number from 1 to 999, got {raw_session[:20]!r}")
    session = int(raw_session)
    platform, participant, study_id, session_id = "link", text.get("participant"), None, None
    for name, (pid, sid, ssid) in PLATFORMS.items():
        if pid in text:
            platform, participant = name, text[pid]
            study_id, session_id = text.get(sid), text.get(ssid)
            break
    if platform == "mturk" and session_id == MTURK_PREVIEW:
        raise RequestError("this is an MTurk preview: accept the task to start", status=409)
    for label, value in (("study id", study_id), ("session id", session_id)):
        if value is not None and not _PLATFORM_ID.fullmatch(value):
            raise RequestError(f"{platform} {label} must be letters, digits, '-' or '_'")
    if participant is None:
        if not served.online.anonymous:
            raise RequestError("this study needs a participant id in its link", status=403)
        platform, participant = "anonymous", "anon" + secrets.token_hex(8)
    if not re.fullmatch(r"[A-Za-z0-9]{1,64}", participant) or not re.fullmatch(
        served.online.participant_pattern, participant
    ):
        raise RequestError(
            "the participant id in the link is not valid for this study (letters and digits, "
            f"matching {served.online.participant_pattern!r})"
        )
    return Identity(participant, session, platform, study_id, session_id)


def _number(payload: Mapping[str, Any], name: str) -> float:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RequestError(f"{name} must be a finite number")
    return float(value)


def _on_grid(value: float, lo: float, step: float) -> bool:
    k = (value - lo) / step
    return abs(k - round(k)) < 1e-6


def parse_answer(served: ServedStudy, trials: list[Trial],
                 payload: Any) -> tuple[Trial, Response, str, str]:
    """Check an answer against the study and the participant's trial list.

    Parameters
    ----------
    served
        The study.
    trials
        The participant's trial list.
    payload
        The answer as sent (:data:`ANSWER_FIELDS`).

    Returns
    -------
    tuple
        ``(trial, response, onset_utc, response_utc)``.

    Raises
    ------
    RequestError
        Naming the field that is missing, of the wrong type or not possible in this trial.
    """
    if not isinstance(payload, Mapping):
        raise RequestError("the answer must be a JSON object")
    unknown = sorted(str(k)[:40] for k in payload if k not in ANSWER_FIELDS)
    if unknown:
        raise RequestError(f"unknown field(s) {unknown}; an answer has {list(ANSWER_FIELDS)}")
    index = payload.get("trial")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(trials):
        raise RequestError(f"trial must be an integer from 0 to {len(trials) - 1}")
    trial = trials[index]
    value = _number(payload, "value")
    rt = _number(payload, "rt")
    if not 0 <= rt <= _MAX_RT:
        raise RequestError(f"rt must be between 0 and {_MAX_RT:g} seconds")
    device = payload.get("device")
    if device not in _DEVICES:
        raise RequestError(f"device must be one of {list(_DEVICES)}")
    key = payload.get("key")
    if key is not None and not isinstance(key, str):
        raise RequestError("key must be text or null")
    stamps = []
    for name in ("onset_utc", "response_utc"):
        stamp = payload.get(name)
        if not isinstance(stamp, str) or not _UTC.fullmatch(stamp):
            raise RequestError(f"{name} must be an ISO 8601 UTC time such as 2026-01-31T12:00:00.123Z")
        stamps.append(stamp)
    keys = [k["name"] for k in served.response_keys()]
    if (key is None) != (device != "keyboard"):
        raise RequestError("a keyboard answer needs its key; a click or touch has none")
    d = served.study.definition
    if device != "keyboard" and not d["response"]["mouse"]:
        raise RequestError("this study takes keyboard answers only")
    if not served.is_rating:
        if not value.is_integer() or not 0 <= value < len(trial.options):
            raise RequestError(f"value must be a screen position from 0 to {len(trial.options) - 1}")
        position = int(value)
        if key is not None and (position >= len(keys) or keys[position] != key):
            raise RequestError(f"key {key[:20]!r} does not choose position {position}")
        response = Response(position, rt, device, key)
    else:
        scale = d["scale"]
        points = served.study.scale_points()
        if scale["input"] == "keys":
            matches = [k for k, p in enumerate(points) if abs(p - value) < 1e-9]
            if not matches:
                raise RequestError(f"value must be one of the scale's points {points}")
            if key is not None and keys[matches[0]] != key:
                raise RequestError(f"key {key[:20]!r} does not give the rating {value:g}")
            value = points[matches[0]]
        else:
            lo, hi, step = scale["min"], scale["max"], scale["step"]
            if not lo <= value <= hi or not _on_grid(value, lo, step):
                raise RequestError(f"value must be on the scale [{lo:g}, {hi:g}] in steps of {step:g}")
            value = round(lo + round((value - lo) / step) * step, 10)
            confirm = [k["name"] for k in served.slider_keys()["confirm"]]
            if key is not None and key not in confirm:
                raise RequestError(f"key {key[:20]!r} does not confirm a slider rating")
        response = Response(value, rt, device, key)
    return trial, response, stamps[0], stamps[1]


def _answered_correctly(value: Any, expected: Any) -> bool:
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return abs(float(value) - float(expected)) < 1e-9
    return value == expected


def record_answer(db: Database, served: ServedStudy, identity: Identity,
                  payload: Any) -> dict[str, Any]:
    """Check an answer, build its data row and store it (idempotently).

    Returns
    -------
    dict
        ``status`` (``"saved"`` or ``"duplicate"``), ``trial``, and ``feedback`` when the study
        shows feedback.

    Raises
    ------
    RequestError
        For an answer that does not fit the trial (see :func:`parse_answer`).
    """
    trials = served.trials(identity.participant, identity.session)
    trial, response, onset, answered = parse_answer(served, trials, payload)
    study = served.study
    row = study.row(trial, response, participant=identity.participant, session=identity.session,
                    onset_utc=onset, response_utc=answered, simulated_by=None)
    failed = trial.attention_check and not _answered_correctly(
        row[answer_column(study, trial, response)], trial.expected)
    saved = db.save_trial(
        study=study.name, participant=identity.participant, session=identity.session,
        trial=trial.index, row=row, is_practice=trial.practice,
        is_attention_check=trial.attention_check, attention_failed=failed,
    )
    out: dict[str, Any] = {"status": "saved" if saved else "duplicate", "trial": trial.index}
    text = feedback_text(study, trial, response)
    if text is not None:
        out["feedback"] = text
    return out
