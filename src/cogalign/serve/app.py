"""The ASGI app (Starlette): study pages, the participants' API, static files and admin pages.

Participants' API (JSON in, JSON out; the session token in ``Authorization: Bearer``):

``POST /s/<study>/api/start``
    ``{"params": {link parameters}, "token": <token or null>}``: opens (or resumes) the
    participant's session and answers with a signed token, the trial list as the page must
    show it (:meth:`~cogalign.serve.studyset.ServedStudy.client_trials`) and the indices of
    the trials already saved.
``POST /s/<study>/api/trial``
    One answer (:data:`~cogalign.serve.recording.ANSWER_FIELDS`); stored in one transaction,
    idempotently (``{"status": "saved"}`` or ``{"status": "duplicate"}``).
``POST /s/<study>/api/finish``
    Marks the session finished once every trial is saved (409 with the ``missing`` indices
    otherwise) and hands out the completion code and redirect.

A token names one study, participant and session, and carries the session's random nonce
from the database: it opens that session and no other. Requests must be JSON
(``Content-Type: application/json``), which a cross-site form cannot send
(:mod:`cogalign.serve.participants`).

Participant flows other than trial lists (:mod:`cogalign.serve.flows`) bring their own pages,
API and admin pages; they are mounted before the trial studies' routes.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cogalign.serve.db import Database
from cogalign.serve.flows import load_served
from cogalign.serve.pages import STATIC, render
from cogalign.serve.participants import (
    ServerState,
    authorised,
    json_body,
    limit,
    open_identity,
    server_state,
    start_identity,
)
from cogalign.serve.recording import Identity, RequestError, record_answer
from cogalign.serve.security import (
    BodyLimit,
    RateLimited,
    RateLimiter,
    Rule,
    SecurityHeaders,
    client_address,
)
from cogalign.serve.studyset import ServedStudy
from cogalign.serve.tokens import Signer

__all__ = ["CONFIG_VARIABLE", "ServeConfig", "app_from_environment", "create_app"]

#: Environment variable through which ``cogalign serve --workers N`` hands its settings to
#: each worker process.
CONFIG_VARIABLE = "COGALIGN_SERVE_CONFIG"

log = logging.getLogger("cogalign.serve")


@dataclass
class ServeConfig:
    """Settings of a server.

    Attributes
    ----------
    studies
        A definition file, a study folder or a folder of study folders.
    db
        Database URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
    overrides
        ``--set`` overrides (``table.field=value`` or ``NAME:table.field=value``).
    admin_token
        The admin pages' token; ``None`` turns the admin pages off.
    rate_limits
        Rule name (``start``, ``trial``, ``login``) to ``N/SECONDS[:BURST]``.
    max_body
        The largest request body accepted, in bytes.
    """

    studies: str
    db: str = "sqlite:///data/studies.db"
    overrides: list[str] = field(default_factory=list)
    admin_token: str | None = None
    rate_limits: dict[str, str] = field(default_factory=dict)
    max_body: int = 16_384

    def to_json(self) -> str:
        """The settings as JSON (for worker processes)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        """Settings from :meth:`to_json`."""
        return cls(**json.loads(text))


def _served(request: Request) -> ServedStudy:
    served = server_state(request).studies.get(request.path_params["name"])
    if served is None:
        raise HTTPException(404, "no such study")
    return served


# --------------------------------------------------------------------------- participants


async def study_page(request: Request) -> Response:
    """The experiment page of a study."""
    served = _served(request)
    config = {**served.page_config(), "backend": "server", "api": f"/s/{served.name}/api"}
    html = render("experiment.html", title=config["title"], config=config, static="/static",
                  csp=None)
    return HTMLResponse(html)


async def study_redirect(request: Request) -> Response:
    """``/s/<study>`` -> ``/s/<study>/``, keeping the link's parameters."""
    served = _served(request)
    query = request.url.query
    return RedirectResponse(f"/s/{served.name}/" + (f"?{query}" if query else ""), status_code=308)


async def study_image(request: Request) -> Response:
    """An image the study shows, by position among its design's images (no other file)."""
    path = _served(request).image_file(request.path_params["file"])
    if path is None:
        raise HTTPException(404, "no such image")
    return FileResponse(path, headers={"cache-control": "private, max-age=3600"})


def _start(state: ServerState, served: ServedStudy, body: dict[str, Any]) -> dict[str, Any]:
    identity = start_identity(state, served, body)
    trials = served.trials(identity.participant, identity.session)
    record, token = open_identity(state, served, identity, len(trials))
    db = state.db
    out: dict[str, Any] = {
        "token": token,
        "participant": identity.participant,
        "session": identity.session,
        "resumed": not record.created,
        "finished": record.finished,
        "trials": served.client_trials(trials),
        "done": db.saved_trials(served.name, identity.participant, identity.session),
    }
    if record.finished:
        out.update(_completion(served))
    return out


def _completion(served: ServedStudy) -> dict[str, Any]:
    return {"completion_code": served.online.completion_code or None,
            "redirect": served.online.redirect_url()}


async def api_start(request: Request) -> Response:
    """Open or resume a participant's session."""
    served = _served(request)
    limit(request, "start", client_address(request))
    body = await json_body(request)
    if not isinstance(body, dict):
        raise RequestError("the request must be a JSON object")
    return JSONResponse(await run_in_threadpool(_start, server_state(request), served, body))


async def api_trial(request: Request) -> Response:
    """Save one answered trial."""
    served = _served(request)
    identity = await authorised(request, served)
    limit(request, "trial", f"{served.name}/{identity.participant}/{identity.session}")
    body = await json_body(request)
    state = server_state(request)
    result = await run_in_threadpool(record_answer, state.db, served, identity, body)
    return JSONResponse(result)


def _finish(state: ServerState, served: ServedStudy, identity: Identity) -> dict[str, Any]:
    trials = served.trials(identity.participant, identity.session)
    saved = set(state.db.saved_trials(served.name, identity.participant, identity.session))
    missing = [t.index for t in trials if t.index not in saved]
    if missing:
        raise _Missing(missing)
    finished = state.db.finish_session(served.name, identity.participant, identity.session)
    return {"finished_utc": finished, **_completion(served)}


class _Missing(RequestError):
    def __init__(self, missing: list[int]):
        super().__init__(f"{len(missing)} trial(s) not saved yet", status=409)
        self.missing = missing


async def api_finish(request: Request) -> Response:
    """Finish a session whose trials are all saved."""
    served = _served(request)
    identity = await authorised(request, served)
    limit(request, "trial", f"{served.name}/{identity.participant}/{identity.session}")
    try:
        result = await run_in_threadpool(_finish, server_state(request), served, identity)
    except _Missing as exc:
        return JSONResponse({"error": str(exc), "missing": exc.missing}, status_code=409)
    return JSONResponse(result)


# --------------------------------------------------------------------------- general


async def index(request: Request) -> Response:
    """The list of studies."""
    state = server_state(request)
    studies = [{"name": name, "title": state.served(name).title,
                "paradigm": state.served(name).paradigm} for name in state.names()]
    return HTMLResponse(render("index.html", studies=studies))


async def favicon(request: Request) -> Response:
    """The site icon browsers ask for on any page (also on ``/healthz``)."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


async def health(request: Request) -> Response:
    """Liveness: the database answers."""
    state = server_state(request)
    revision = await run_in_threadpool(state.db.revision)
    return JSONResponse({"ok": True, "schema": revision, "studies": state.names()})


async def _request_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestError)
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


async def _rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    return JSONResponse({"error": str(exc)}, status_code=429,
                        headers={"retry-after": f"{exc.retry_after:.0f}"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if "/api/" in request.url.path:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("error handling %s %s", request.method, request.url.path)
    return JSONResponse({"error": "server error"}, status_code=500)


def create_app(config: ServeConfig, *, migrate: bool = True) -> Starlette:
    """Build the app: load the studies, open (and migrate) the database, wire the routes.

    Parameters
    ----------
    config
        The server's settings.
    migrate
        Bring the database schema up to date first (the command line does it once before
        starting several workers, which then pass ``False``).

    Returns
    -------
    starlette.applications.Starlette
        The ASGI app; its ``state.serve`` (a
        :class:`~cogalign.serve.participants.ServerState`) holds the studies, the flows and
        the database.
    """
    from cogalign.serve.admin import admin_routes

    studies, flows = load_served(config.studies, config.overrides)
    db = Database(config.db)
    if migrate:
        db.migrate()
    for served in studies.values():
        db.register_study(served.name, served.study.hash, served.study.paradigm, served.meta())
    for flow in flows.values():
        db.register_study(flow.name, flow.definition_hash, flow.paradigm, flow.meta())
        flow.prepare(db)
    limiter = RateLimiter({name: Rule.parse(text) for name, text in config.rate_limits.items()})
    state = ServerState(config, studies, flows, db, Signer(db.secret()), limiter)
    flow_routes = [r for flow in flows.values() for r in (*flow.routes(), *flow.admin_routes())]
    routes = [
        *flow_routes,
        Route("/", index),
        Route("/healthz", health),
        Route("/favicon.ico", favicon),
        Route("/s/{name}", study_redirect),
        Route("/s/{name}/", study_page),
        Route("/s/{name}/images/{file}", study_image),
        Route("/s/{name}/api/start", api_start, methods=["POST"]),
        Route("/s/{name}/api/trial", api_trial, methods=["POST"]),
        Route("/s/{name}/api/finish", api_finish, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
        *admin_routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(BodyLimit, max_bytes=config.max_body)],
        exception_handlers={RequestError: _request_error, RateLimited: _rate_limited,
                            HTTPException: _http_error,
                            Exception: _server_error},
    )
    app.state.serve = state
    return app


def app_from_environment() -> Starlette:
    """The app of a worker process, from the settings in :data:`CONFIG_VARIABLE`."""
    text = os.environ.get(CONFIG_VARIABLE)
    if not text:
        raise RuntimeError(f"{CONFIG_VARIABLE} is not set")
    return create_app(ServeConfig.from_json(text), migrate=False)

