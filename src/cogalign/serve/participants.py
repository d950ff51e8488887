"""Participants' sessions, the same for every kind of study: tokens, opening, resuming.

A session token names one study, participant and session, and carries the session's random
nonce from the database: it opens that session and no other. A token of a study whose
definition changed since the session started is refused (409), so a session never mixes two
versions of a study. Requests must be JSON (``Content-Type: application/json``), which a
cross-site form cannot send.

Trial studies (:mod:`cogalign.serve.app`) and other participant flows
(:mod:`cogalign.serve.flows`) both use these functions; a study only has to offer ``name``,
``definition_hash`` and ``online`` (its :class:`~cogalign.serve.settings.OnlineSettings`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from cogalign.serve.db import Database, SessionRecord
from cogalign.serve.recording import Identity, RequestError, participant_from_params
from cogalign.serve.security import RateLimiter
from cogalign.serve.settings import OnlineSettings
from cogalign.serve.tokens import Signer

if TYPE_CHECKING:
    from cogalign.serve.app import ServeConfig

__all__ = [
    "Served",
    "ServerState",
    "authorised",
    "json_body",
    "limit",
    "open_identity",
    "server_state",
    "start_identity",
    "token_identity",
]


class Served(Protocol):
    """What the session functions need of a study (trial study or flow)."""

    @property
    def name(self) -> str:
        """The study's name (its URL is ``/s/<name>/``)."""

    @property
    def definition_hash(self) -> str:
        """The hash of the study's definition (sessions are bound to it)."""

    @property
    def online(self) -> OnlineSettings:
        """The study's online settings (ids, consent, completion code)."""


class ServerState:
    """What the request handlers share: settings, studies, flows, database, keys and limits.

    Parameters
    ----------
    config
        The server's settings.
    studies
        Trial studies by name.
    flows
        Other participant flows by name.
    db
        The database.
    signer
        Signs and checks tokens.
    limiter
        The rate limits.
    """

    def __init__(self, config: ServeConfig, studies: dict[str, Any], flows: dict[str, Any],
                 db: Database, signer: Signer, limiter: RateLimiter):
        self.config = config
        self.studies = studies
        self.flows = flows
        self.db = db
        self.signer = signer
        self.limiter = limiter
        self.nonces: OrderedDict[tuple[str, str, int], tuple[str, str]] = OrderedDict()
        self.nonces_lock = threading.Lock()

    def served(self, name: str) -> Any:
        """The trial study or flow of that name, or ``None``."""
        return self.studies.get(name) or self.flows.get(name)

    def names(self) -> list[str]:
        """Every study's name, sorted."""
        return sorted([*self.studies, *self.flows])


def server_state(request: Request) -> ServerState:
    """The server's shared state, from a request."""
    return request.app.state.serve


def limit(request: Request, rule: str, key: str) -> None:
    """Take one request from a rate-limit bucket (raises ``RateLimited`` when empty)."""
    server_state(request).limiter.enforce(rule, key)


async def json_body(request: Request) -> Any:
    """The request's JSON body.

    Raises
    ------
    RequestError
        415 for another content type, 400 for a body that is not JSON.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise RequestError("send JSON (Content-Type: application/json)", status=415)
    body = await request.body()
    try:
        return json.loads(body)
    except ValueError:
        raise RequestError("the request body is not valid JSON", status=400) from None


def token_identity(state: ServerState, served: Served, token: Any) -> Identity:
    """The session a token opens.

    Raises
    ------
    RequestError
        403 for a token that is not valid for this study (forged, of another study, of a
        session that does not exist or whose nonce differs), 409 when the study's definition
        changed since the session started.
    """
    payload = state.signer.unsign("participant", token) if isinstance(token, str) else None
    if payload is None or payload.get("s") != served.name:
        raise RequestError("invalid session token", status=403)
    participant, session, nonce = payload.get("p"), payload.get("n"), payload.get("k")
    if not isinstance(participant, str) or not isinstance(session, int):
        raise RequestError("invalid session token", status=403)
    key = (served.name, participant, session)
    with state.nonces_lock:
        known = state.nonces.get(key)
    if known is None:
        record = state.db.get_session(*key)
        if record is None:
            raise RequestError("invalid session token", status=403)
        known = (record.nonce, record.definition_hash)
        with state.nonces_lock:
            state.nonces[key] = known
            while len(state.nonces) > 100_000:
                state.nonces.popitem(last=False)
    if known[0] != nonce:
        raise RequestError("invalid session token", status=403)
    if known[1] != served.definition_hash:
        raise RequestError("the study changed since this session started; it cannot go on",
                           status=409)
    return Identity(participant, session, "token")


async def authorised(request: Request, served: Served) -> Identity:
    """The session of a request's ``Authorization: Bearer`` token (see :func:`token_identity`).

    Raises
    ------
    RequestError
        401 without a token; as :func:`token_identity` otherwise.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RequestError("missing session token (Authorization: Bearer ...)", status=401)
    return await run_in_threadpool(token_identity, server_state(request), served, token.strip())


def start_identity(state: ServerState, served: Served, body: dict[str, Any]) -> Identity:
    """Who a start request is from.

    Parameters
    ----------
    state
        The server's state.
    served
        The study.
    body
        The start request: ``{"params": {link parameters}, "token": <token or null>}``; a
        token resumes its session, else the link's parameters name the participant
        (:func:`~cogalign.serve.recording.participant_from_params`).

    Raises
    ------
    RequestError
        For a bad token or bad link parameters.
    """
    token = body.get("token")
    if token is not None:
        return token_identity(state, served, token)
    return participant_from_params(served, body.get("params", {}))


def open_identity(state: ServerState, served: Served, identity: Identity,
                  n_items: int) -> tuple[SessionRecord, str]:
    """Open (or resume) a participant's session.

    Parameters
    ----------
    state
        The server's state.
    served
        The study.
    identity
        Who (:func:`start_identity`).
    n_items
        What the session will hold (trials), for its log.

    Returns
    -------
    tuple
        The stored session and a fresh token for it.

    Raises
    ------
    RequestError
        409 for a session that started under another definition of the study.
    """
    db = state.db
    record = db.open_session(
        study=served.name, participant=identity.participant, session=identity.session,
        definition_hash=served.definition_hash, n_trials=n_items,
        platform=identity.platform, platform_study_id=identity.platform_study_id,
        platform_session_id=identity.platform_session_id,
    )
    if record.definition_hash != served.definition_hash:
        raise RequestError("the study changed since this session started; it cannot go on",
                           status=409)
    if not record.created:
        db.add_event(served.name, identity.participant, identity.session, "resume",
                     {"finished": record.finished})
    token = state.signer.sign("participant", {
        "s": served.name, "p": identity.participant, "n": identity.session, "k": record.nonce})
    return record, token
