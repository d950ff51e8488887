"""The database layer on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from serve_helpers import short_studies

from cogalign.errors import CogalignError
from cogalign.serve.db import Database, metadata, normalize_url
from cogalign.serve.recording import Identity, record_answer
from cogalign.serve.tokens import Signer


def test_migrations_build_the_declared_schema(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = Database(db_url)
    assert db.revision() is None
    db.migrate()
    db.migrate()  # a second run changes nothing
    assert db.revision() == "0002"
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    if db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    db.dispose()


def test_signing_key_is_made_once_and_shared(db_url):
    first, second = Database(db_url), Database(db_url)
    first.migrate()
    key = first.secret()
    assert len(key) == 32 and second.secret() == key
    token = Signer(key).sign("participant", {"p": "p001"})
    assert Signer(second.secret()).unsign("participant", token)["p"] == "p001"
    assert Signer(key).unsign("admin", token) is None
    first.dispose()
    second.dispose()


def test_concurrent_retries_store_each_trial_once(db_url):
    """Many threads send the same answers at once: every trial is stored exactly once."""
    served = short_studies()["risky"]
    db = Database(db_url)
    db.migrate()
    db.register_study(served.name, served.study.hash, served.study.paradigm, served.meta())
    identity = Identity("p001", 1, "link")
    trials = served.trials("p001", 1)
    db.open_session(study="risky", participant="p001", session=1,
                    definition_hash=served.study.hash, n_trials=len(trials), platform="link")
    results: list[str] = []
    errors: list[BaseException] = []

    def send(index: int) -> None:
        body = {"trial": index, "value": index % 2, "rt": 0.5, "key": None, "device": "mouse",
                "onset_utc": "2026-01-01T00:00:00Z", "response_utc": "2026-01-01T00:00:01Z"}
        try:
            results.append(record_answer(db, served, identity, body)["status"])
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(t.index,)) for t in trials for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert results.count("saved") == len(trials)
    assert results.count("duplicate") == 3 * len(trials)
    assert db.saved_trials("risky", "p001", 1) == [t.index for t in trials]
    assert db.count_trials() == len(trials)
    db.dispose()


def test_open_session_is_idempotent_too(db_url):
    db = Database(db_url)
    db.migrate()
    kwargs = dict(study="s", participant="p1", session=1, definition_hash="h", n_trials=3,
                  platform="prolific", platform_study_id="st", platform_session_id="se")
    first = db.open_session(**kwargs)
    second = db.open_session(**{**kwargs, "platform_study_id": "other"})
    assert first.created and not second.created and first.nonce == second.nonce
    assert db.sessions()[0]["platform_study_id"] == "st"
    assert db.finish_session("s", "p1", 1) == db.finish_session("s", "p1", 1)
    assert [e["event"] for e in db.session_events("s", "p1", 1)] == ["start", "end"]
    db.dispose()


@pytest.mark.parametrize("url", ["mysql://u@h/db", "nonsense"])
def test_only_sqlite_and_postgresql(url):
    with pytest.raises(CogalignError, match="--db"):
        normalize_url(url)


def test_postgres_urls_get_the_psycopg_driver():
    assert normalize_url("postgresql://u:p@h:5/db") == "postgresql+psycopg://u:p@h:5/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
