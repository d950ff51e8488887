"""Admin pages: per-study progress and the data download, behind the admin token.

Log in at ``/admin/login`` with the server's admin token (``cogalign serve --admin-token``);
the server then sets a signed cookie (``HttpOnly``, ``SameSite=Strict``, valid for 8 hours).
Scripts can instead send ``Authorization: Bearer <admin token>``. Forms (log-in, log-out)
carry a CSRF token: a signed copy of a random value that is also in a ``SameSite=Strict``
cookie, and requests whose ``Origin`` is another site are refused.

Pages: ``/admin/`` (every study), ``/admin/<study>/`` (started, finished, median duration,
attention-check failures, trials saved) and ``/admin/<study>/export.zip`` (the study's
Psych-DS folder, :func:`cogalign.serve.export.export_psychds`). A participant flow
(:mod:`cogalign.serve.flows`) has admin pages of its own under ``/admin/<study>/``; they use
:func:`require_admin` and :func:`admin_page`.
"""

from __future__ import annotations

import io
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from cogalign.serve.export import export_psychds
from cogalign.serve.pages import Templates, render
from cogalign.serve.security import client_address
from cogalign.serve.tokens import same_secret

__all__ = ["admin_page", "admin_routes", "require_admin"]

_COOKIE = "cogalign_admin"
_CSRF_COOKIE = "cogalign_csrf"
_SESSION_SECONDS = 8 * 3600
_CSRF_SECONDS = 2 * 3600


def _state(request: Request) -> Any:
    return request.app.state.serve


def _token(request: Request) -> str:
    token = _state(request).config.admin_token
    if not token:
        raise HTTPException(404, "the admin pages are off (start the server with --admin-token)")
    return token


def _is_admin(request: Request) -> bool:
    expected = _token(request)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and given:
        return same_secret(given.strip(), expected)
    cookie = request.cookies.get(_COOKIE, "")
    return _state(request).signer.unsign("admin", cookie, max_age=_SESSION_SECONDS) is not None


def _cookie_options(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "path": "/admin",
            "secure": request.url.scheme == "https"}


def _csrf(request: Request, response_cookies: dict[str, str]) -> str:
    """A CSRF field for a form, bound to the CSRF cookie (set when missing)."""
    nonce = request.cookies.get(_CSRF_COOKIE, "")
    if len(nonce) != 32:
        nonce = secrets.token_hex(16)
        response_cookies[_CSRF_COOKIE] = nonce
    return _state(request).signer.sign("csrf", {"n": nonce})


def _check_form(request: Request, form: dict[str, str]) -> None:
    # Under the server's "Referrer-Policy: no-referrer" browsers send "Origin: null" even for
    # the server's own forms; the signed CSRF field bound to the SameSite=Strict cookie is the
    # check then.
    origin = request.headers.get("origin")
    if origin not in (None, "null") and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "cross-site form refused")
    payload = _state(request).signer.unsign("csrf", form.get("csrf", ""), max_age=_CSRF_SECONDS)
    nonce = request.cookies.get(_CSRF_COOKIE, "")
    if payload is None or not nonce or payload.get("n") != nonce:
        raise HTTPException(403, "the form expired or did not come from this site; reload it")


async def _form(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send the form")
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, max_num_fields=10).items()}


def admin_page(request: Request, template: str, *, templates: Templates | None = None,
               **context: Any) -> Response:
    """An admin page: the template rendered with a CSRF field (``csrf``) for its forms.

    Parameters
    ----------
    request
        The request.
    template
        The template's name.
    templates
        Where the template is (default: the server's own templates).
    **context
        The template's values (escaped).
    """
    cookies: dict[str, str] = {}
    csrf = _csrf(request, cookies)
    html = (templates.render if templates is not None else render)(template, csrf=csrf, **context)
    response = HTMLResponse(html)
    for name, value in cookies.items():
        response.set_cookie(name, value, max_age=_CSRF_SECONDS, **_cookie_options(request))
    return response



def require_admin(request: Request) -> Response | None:
    """``None`` for an admin's request; else the redirect to the log-in page.

    Raises
    ------
    HTTPException
        404 when the admin pages are off, 401 for a wrong ``Authorization`` token.
    """
    if _is_admin(request):
        return None
    if "authorization" in request.headers:
        raise HTTPException(401, "wrong admin token")
    return RedirectResponse("/admin/login", status_code=303)



async def login_page(request: Request) -> Response:
    """The log-in form."""
    _token(request)
    return admin_page(request, "admin_login.html", error=None)


async def login(request: Request) -> Response:
    """Check the token; on success set the admin cookie."""
    expected = _token(request)
    _state(request).limiter.enforce("login", client_address(request))
    form = await _form(request)
    _check_form(request, form)
    if not same_secret(form.get("token", ""), expected):
        response = admin_page(request, "admin_login.html", error="Wrong token.")
        response.status_code = 403
        return response
    response = RedirectResponse("/admin/", status_code=303)
    response.set_cookie(_COOKIE, _state(request).signer.sign("admin", {"a": 1}),
                        max_age=_SESSION_SECONDS, **_cookie_options(request))
    return response


async def logout(request: Request) -> Response:
    """Forget the admin cookie."""
    _token(request)
    form = await _form(request)
    _check_form(request, form)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(_COOKIE, path="/admin")
    return response


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def _summary(request: Request, name: str) -> dict[str, Any]:
    state = _state(request)
    served = state.served(name)
    stats = state.db.study_stats(name)
    return {"name": name, "title": served.title, "paradigm": served.paradigm,
            "definition_hash": served.definition_hash,
            "stats": stats, "duration": _duration(stats["median_duration_s"])}


async def overview(request: Request) -> Response:
    """Every study's progress."""
    refused = require_admin(request)
    if refused is not None:
        return refused
    names = _state(request).names()
    studies = [await run_in_threadpool(_summary, request, n) for n in names]
    return admin_page(request, "admin_index.html", studies=studies)


def _study_name(request: Request) -> str:
    name = request.path_params["name"]
    if name not in _state(request).studies:
        raise HTTPException(404, "no such study")
    return name


async def study(request: Request) -> Response:
    """One study's progress and its download link."""
    refused = require_admin(request)
    if refused is not None:
        return refused
    name = _study_name(request)
    return admin_page(request, "admin_study.html", s=await run_in_threadpool(_summary, request, name))


def _zip(request: Request, name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="cogalign-export-") as tmp:
        export_psychds(_state(request).db, tmp, studies=[name])
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tmp).as_posix())
        return buf.getvalue()


async def download(request: Request) -> Response:
    """The study's data as a zipped Psych-DS folder."""
    refused = require_admin(request)
    if refused is not None:
        return refused
    name = _study_name(request)
    data = await run_in_threadpool(_zip, request, name)
    return Response(data, media_type="application/zip", headers={
        "content-disposition": f'attachment; filename="{name}-psychds.zip"'})


def admin_routes() -> list[BaseRoute]:
    """The admin pages' routes."""
    return [
        Route("/admin/login", login_page, methods=["GET"]),
        Route("/admin/login", login, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
        Route("/admin/", overview),
        Route("/admin/{name}/", study),
        Route("/admin/{name}/export.zip", download),
    ]
