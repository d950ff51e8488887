"""Fixtures for the online-study tests: databases (SQLite and a real PostgreSQL), servers,
the app in-process, and a real headless Chromium.

PostgreSQL tests skip, with the reason, where Debian's ``postgresql`` binaries are absent;
browser tests skip where ``chromium`` or Playwright is absent (``.ci/run`` installs both).
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest

#: Without the serve extra (pip install 'cogalign[serve]') there is nothing to test here.
_MISSING = [m for m in ("starlette", "sqlalchemy", "alembic", "jinja2", "httpx", "uvicorn")
            if importlib.util.find_spec(m) is None]
collect_ignore_glob = ["test_serve_*.py"] if _MISSING else []

from serve_helpers import ADMIN_TOKEN, OPEN_LIMITS, SHORT, STUDIES, server_process  # noqa: E402


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the whole test session."""
    from cogalign.errors import CogalignError
    from cogalign.serve.local import PostgresServer, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found (apt-get install postgresql)")
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("psycopg not installed (pip install 'cogalign[serve]')")
    try:
        server = PostgresServer.start_new()
    except CogalignError as exc:
        pytest.skip(f"could not start PostgreSQL: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database: SQLite in a temporary folder, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studies.db'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database file."""
    return f"sqlite:///{tmp_path / 'studies.db'}"


@pytest.fixture
def make_app(monkeypatch):
    """Build the app in-process (Starlette's TestClient talks to it without a socket)."""
    from cogalign.serve.app import ServeConfig, create_app

    monkeypatch.delenv("COGALIGN_DATA_PATH", raising=False)

    def make(db: str, *, studies: Path = STUDIES, overrides=SHORT, limits=OPEN_LIMITS,
             admin_token: str | None = ADMIN_TOKEN, max_body: int = 16_384):
        rate = dict(item.split("=", 1) for item in limits)
        config = ServeConfig(studies=str(studies), db=db, overrides=list(overrides),
                             admin_token=admin_token, rate_limits=rate, max_body=max_body)
        return create_app(config)

    return make


@pytest.fixture
def client(make_app, sqlite_url):
    """A test client of an app serving the short shipped studies on SQLite."""
    from starlette.testclient import TestClient

    with TestClient(make_app(sqlite_url), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def serve_process(tmp_path):
    """Start ``cogalign serve`` subprocesses; every one is stopped at the end."""
    started = []

    def start(db: str, **kwargs):
        server = server_process(db, tmp_path / f"server-{len(started)}.log", **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()



@pytest.fixture
def admin_headers() -> dict[str, str]:
    """Headers that open the admin pages."""
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
