"""The server's database: SQLite (the default, in WAL mode) or PostgreSQL, through SQLAlchemy 2.

Tables (created by the alembic migrations in ``cogalign/serve/migrations``):

``settings``
    Server-wide values, e.g. the key that signs participant tokens (made once, at random).
``studies``
    One row per study name and definition hash: paradigm, data columns and definition, so
    that an export needs nothing but the database.
``sessions``
    One row per (study, participant, session): when it started and finished, the token nonce,
    the recruitment platform and its study and session ids. No other personal data.
``trials``
    One row per answered trial, unique on (study, participant, session, trial): the data row
    exactly as the lab study writes it (JSON), whether it was an attention check and whether
    it failed. Saving is idempotent: ``INSERT ... ON CONFLICT DO NOTHING`` in one transaction,
    so a retried request never duplicates a trial.
``events``
    A session's log: start, resume, finish.
``flow_records``
    What participant flows other than trial lists collect (:mod:`cogalign.serve.flows`), one
    row per answer, unique on (study, participant, session, kind, item): a values card, a
    vote. Like trials, they are stored once (``INSERT ... ON CONFLICT DO NOTHING``); a retry
    finds the stored answer.
``flow_states``
    A flow's running state per participant session and name (e.g. an interview's transcript),
    saved after every answer with a version number: an update names the version it read and
    fails when another request saved first (:class:`StateConflict`).

SQLite runs with ``journal_mode=WAL``, ``synchronous=FULL`` (a committed trial survives a
crash of the program and of the machine) and a 30 s busy timeout, so several server workers
can share one file.
"""

from __future__ import annotations

import json
import secrets
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from cogalign.errors import CogalignError
from cogalign.studies.writer import utc_now

__all__ = [
    "Database",
    "SessionRecord",
    "StateConflict",
    "metadata",
    "normalize_url",
    "sqlite_file",
]

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")

settings_table = Table(
    "settings", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
studies_table = Table(
    "studies", metadata,
    Column("name", String(64), primary_key=True),
    Column("definition_hash", String(32), primary_key=True),
    Column("paradigm", String(32), nullable=False),
    Column("meta", Text, nullable=False),
    Column("created_utc", String(32), nullable=False),
)
sessions_table = Table(
    "sessions", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("study", String(64), nullable=False),
    Column("participant", String(64), nullable=False),
    Column("session", Integer, nullable=False),
    Column("definition_hash", String(32), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("platform_study_id", String(64), nullable=True),
    Column("platform_session_id", String(64), nullable=True),
    Column("n_trials", Integer, nullable=False),
    Column("started_utc", String(32), nullable=False),
    Column("finished_utc", String(32), nullable=True),
    UniqueConstraint("study", "participant", "session", name="uq_sessions_key"),
)
trials_table = Table(
    "trials", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("study", String(64), nullable=False),
    Column("participant", String(64), nullable=False),
    Column("session", Integer, nullable=False),
    Column("trial", Integer, nullable=False),
    Column("is_practice", Boolean, nullable=False),
    Column("is_attention_check", Boolean, nullable=False),
    Column("attention_failed", Boolean, nullable=False),
    Column("row", Text, nullable=False),
    Column("received_utc", String(32), nullable=False),
    UniqueConstraint("study", "participant", "session", "trial", name="uq_trials_key"),
)
events_table = Table(
    "events", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("study", String(64), nullable=False),
    Column("participant", String(64), nullable=False),
    Column("session", Integer, nullable=False),
    Column("event", String(32), nullable=False),
    Column("time_utc", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_events_session", "study", "participant", "session"),
)

flow_records_table = Table(
    "flow_records", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("study", String(64), nullable=False),
    Column("participant", String(64), nullable=False),
    Column("session", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("item", String(128), nullable=False),
    Column("value", Text, nullable=False),
    Column("created_utc", String(32), nullable=False),
    UniqueConstraint("study", "participant", "session", "kind", "item",
                     name="uq_flow_records_key"),
    Index("ix_flow_records_kind", "study", "kind"),
)
flow_states_table = Table(
    "flow_states", metadata,
    Column("study", String(64), primary_key=True),
    Column("participant", String(64), primary_key=True),
    Column("session", Integer, primary_key=True),
    Column("name", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("value", Text, nullable=False),
    Column("updated_utc", String(32), nullable=False),
)

_MIGRATIONS = Path(__file__).with_name("migrations")


class StateConflict(CogalignError):
    """A flow state was saved by another request since it was read."""


def normalize_url(url: str) -> str:
    """A database URL with the driver cogalign uses (``postgresql+psycopg`` for PostgreSQL).

    Raises
    ------
    CogalignError
        For a database other than SQLite and PostgreSQL, or a malformed URL.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for malformed URLs
        raise CogalignError(f"--db {url!r}: not a database URL ({exc})") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise CogalignError(
            f"--db {parsed.render_as_string(hide_password=True)}: only sqlite:/// and "
            "postgresql+psycopg:// databases are supported"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@dataclass(frozen=True)
class SessionRecord:
    """A participant's session as stored."""

    study: str
    participant: str
    session: int
    definition_hash: str
    nonce: str
    platform: str
    started_utc: str
    finished_utc: str | None
    created: bool

    @property
    def finished(self) -> bool:
        """Whether the session was finished."""
        return self.finished_utc is not None


def _insert(engine: Engine, table: Table) -> Any:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _seconds_between(start: str, end: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds()


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


class Database:
    """The server's database.

    Parameters
    ----------
    url
        SQLAlchemy URL: ``sqlite:///path/to/file.db`` (the folder is created) or
        ``postgresql+psycopg://user:password@host:port/name``.
    pool_size
        Connections kept open per process.
    """

    def __init__(self, url: str, *, pool_size: int = 10):
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=20,
                                            connect_args={"timeout": 30})
            else:
                self.engine = create_engine(self.url, poolclass=StaticPool,
                                            connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, pool_size=pool_size, max_overflow=20,
                                        pool_pre_ping=True)

    def describe(self) -> str:
        """The URL without its password (for messages)."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # ----------------------------------------------------------------- schema

    def migrate(self) -> None:
        """Bring the schema up to date (alembic ``upgrade head``)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                # one migrating process at a time (several workers may start together)
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(174017)")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """The schema's alembic revision (``None`` before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    # ----------------------------------------------------------------- settings

    def setting(self, name: str, make: Any = None) -> str | None:
        """A server-wide value; when absent and ``make`` is given, store ``make()`` first."""
        with self.engine.begin() as conn:
            if make is not None:
                conn.execute(_insert(self.engine, settings_table)
                             .values(name=name, value=make())
                             .on_conflict_do_nothing(index_elements=["name"]))
            return conn.execute(select(settings_table.c.value)
                                .where(settings_table.c.name == name)).scalar_one_or_none()

    def secret(self) -> bytes:
        """The key that signs tokens: made at random once, then shared by every worker."""
        value = self.setting("signing_key", make=lambda: secrets.token_hex(32))
        assert value is not None
        return bytes.fromhex(value)

    # ----------------------------------------------------------------- studies

    def register_study(self, name: str, definition_hash: str, paradigm: str,
                       meta: dict[str, Any]) -> None:
        """Record a study's data layout and definition (once per definition hash)."""
        with self.engine.begin() as conn:
            conn.execute(_insert(self.engine, studies_table).values(
                name=name, definition_hash=definition_hash, paradigm=paradigm,
                meta=json.dumps(meta, sort_keys=True), created_utc=utc_now(),
            ).on_conflict_do_nothing(index_elements=["name", "definition_hash"]))

    def study_versions(self, name: str | None = None) -> list[dict[str, Any]]:
        """Stored study layouts (oldest first), optionally of one study."""
        query = select(studies_table).order_by(studies_table.c.name, studies_table.c.created_utc)
        if name is not None:
            query = query.where(studies_table.c.name == name)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**r, "meta": json.loads(r["meta"])} for r in rows]

    # ----------------------------------------------------------------- sessions

    def open_session(self, *, study: str, participant: str, session: int, definition_hash: str,
                     n_trials: int, platform: str, platform_study_id: str | None = None,
                     platform_session_id: str | None = None) -> SessionRecord:
        """Create a session, or return the existing one (``created`` says which)."""
        nonce = secrets.token_hex(16)
        now = utc_now()
        with self.engine.begin() as conn:
            result = conn.execute(_insert(self.engine, sessions_table).values(
                study=study, participant=participant, session=session,
                definition_hash=definition_hash, nonce=nonce, platform=platform,
                platform_study_id=platform_study_id, platform_session_id=platform_session_id,
                n_trials=n_trials, started_utc=now,
            ).on_conflict_do_nothing(index_elements=["study", "participant", "session"])
                .returning(sessions_table.c.id))
            created = result.first() is not None
            row = conn.execute(select(sessions_table).where(
                sessions_table.c.study == study, sessions_table.c.participant == participant,
                sessions_table.c.session == session)).mappings().one()
            if created:
                self._event(conn, study, participant, session, "start", {
                    "platform": platform, "platform_study_id": platform_study_id,
                    "platform_session_id": platform_session_id,
                    "definition_hash": definition_hash, "n_trials": n_trials,
                })
        return self._record(row, created)

    def get_session(self, study: str, participant: str, session: int) -> SessionRecord | None:
        """A stored session, or ``None``."""
        with self.engine.connect() as conn:
            row = conn.execute(select(sessions_table).where(
                sessions_table.c.study == study, sessions_table.c.participant == participant,
                sessions_table.c.session == session)).mappings().one_or_none()
        return None if row is None else self._record(row, False)

    @staticmethod
    def _record(row: Any, created: bool) -> SessionRecord:
        return SessionRecord(
            study=row["study"], participant=row["participant"], session=row["session"],
            definition_hash=row["definition_hash"], nonce=row["nonce"], platform=row["platform"],
            started_utc=row["started_utc"], finished_utc=row["finished_utc"], created=created,
        )

    def finish_session(self, study: str, participant: str, session: int) -> str:
        """Mark a session finished (once); return its finish time."""
        now = utc_now()
        with self.engine.begin() as conn:
            result = conn.execute(update(sessions_table).where(
                sessions_table.c.study == study, sessions_table.c.participant == participant,
                sessions_table.c.session == session, sessions_table.c.finished_utc.is_(None),
            ).values(finished_utc=now))
            if result.rowcount == 1:
                self._event(conn, study, participant, session, "end", {})
                return now
            finished = conn.execute(select(sessions_table.c.finished_utc).where(
                sessions_table.c.study == study, sessions_table.c.participant == participant,
                sessions_table.c.session == session)).scalar_one()
        return finished

    def add_event(self, study: str, participant: str, session: int, name: str,
                  detail: dict[str, Any] | None = None) -> None:
        """Append an event to a session's log."""
        with self.engine.begin() as conn:
            self._event(conn, study, participant, session, name, detail or {})

    @staticmethod
    def _event(conn: Any, study: str, participant: str, session: int, name: str,
               detail: dict[str, Any]) -> None:
        conn.execute(events_table.insert().values(
            study=study, participant=participant, session=session, event=name,
            time_utc=utc_now(), detail=json.dumps(detail, sort_keys=True),
        ))

    # ----------------------------------------------------------------- trials

    def save_trial(self, *, study: str, participant: str, session: int, trial: int,
                   row: dict[str, Any], is_practice: bool, is_attention_check: bool,
                   attention_failed: bool) -> bool:
        """Store one answered trial in one transaction; ``False`` if it was already stored."""
        with self.engine.begin() as conn:
            result = conn.execute(_insert(self.engine, trials_table).values(
                study=study, participant=participant, session=session, trial=trial,
                is_practice=is_practice, is_attention_check=is_attention_check,
                attention_failed=attention_failed, row=json.dumps(row),
                received_utc=utc_now(),
            ).on_conflict_do_nothing(index_elements=["study", "participant", "session", "trial"])
                .returning(trials_table.c.id))
            return result.first() is not None

    def saved_trials(self, study: str, participant: str, session: int) -> list[int]:
        """Indices of a session's stored trials, ascending."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(trials_table.c.trial).where(
                trials_table.c.study == study, trials_table.c.participant == participant,
                trials_table.c.session == session).order_by(trials_table.c.trial)).scalars())

    def stored_row(self, study: str, participant: str, session: int,
                   trial: int) -> dict[str, Any] | None:
        """The stored data row of one trial, or ``None``."""
        with self.engine.connect() as conn:
            text = conn.execute(select(trials_table.c.row).where(
                trials_table.c.study == study, trials_table.c.participant == participant,
                trials_table.c.session == session, trials_table.c.trial == trial,
            )).scalar_one_or_none()
        return None if text is None else json.loads(text)

    # ----------------------------------------------------------------- reading back

    def sessions(self, study: str | None = None) -> list[dict[str, Any]]:
        """Stored sessions (by study, participant, session)."""
        query = select(sessions_table).order_by(
            sessions_table.c.study, sessions_table.c.participant, sessions_table.c.session)
        if study is not None:
            query = query.where(sessions_table.c.study == study)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def session_rows(self, study: str, participant: str, session: int) -> Iterator[tuple[bool, dict[str, Any]]]:
        """A session's stored trials in trial order, as ``(is_practice, row)``."""
        with self.engine.connect() as conn:
            result = conn.execute(select(trials_table.c.is_practice, trials_table.c.row).where(
                trials_table.c.study == study, trials_table.c.participant == participant,
                trials_table.c.session == session).order_by(trials_table.c.trial))
            for practice, text in result:
                yield bool(practice), json.loads(text)

    def session_events(self, study: str, participant: str, session: int) -> list[dict[str, Any]]:
        """A session's events in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(events_table).where(
                events_table.c.study == study, events_table.c.participant == participant,
                events_table.c.session == session).order_by(events_table.c.id)).mappings().all()
        return [{"time_utc": r["time_utc"], "event": r["event"], **json.loads(r["detail"])}
                for r in rows]

    def count_trials(self, study: str | None = None) -> int:
        """Number of stored trials (of one study or all)."""
        query = select(func.count()).select_from(trials_table)
        if study is not None:
            query = query.where(trials_table.c.study == study)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def study_stats(self, study: str) -> dict[str, Any]:
        """What the admin page shows for a study.

        Returns
        -------
        dict
            ``started``, ``finished``, ``median_duration_s`` (finished sessions; ``None`` when
            there are none), ``trials`` saved, ``attention_checks`` answered,
            ``attention_failures`` and ``sessions_failing`` (with at least one failure).
        """
        with self.engine.connect() as conn:
            times = conn.execute(select(sessions_table.c.started_utc,
                                        sessions_table.c.finished_utc)
                                 .where(sessions_table.c.study == study)).all()
            t = trials_table.c
            counts = conn.execute(select(
                func.count(),
                func.coalesce(func.sum(t.is_attention_check.cast(Integer)), 0),
                func.coalesce(func.sum(t.attention_failed.cast(Integer)), 0),
            ).where(t.study == study)).one()
            failing = conn.execute(
                select(func.count()).select_from(
                    select(t.participant, t.session).where(t.study == study, t.attention_failed)
                    .group_by(t.participant, t.session).subquery())).scalar_one()
        durations = [_seconds_between(s, f) for s, f in times if f is not None]
        return {
            "started": len(times),
            "finished": len(durations),
            "median_duration_s": statistics.median(durations) if durations else None,
            "trials": int(counts[0]),
            "attention_checks": int(counts[1]),
            "attention_failures": int(counts[2]),
            "sessions_failing": int(failing),
        }

    # ----------------------------------------------------------------- flows

    def add_record(self, *, study: str, participant: str, session: int, kind: str, item: str,
                   value: Any) -> tuple[int, bool, Any]:
        """Store one answer of a flow once, in one transaction.

        Parameters
        ----------
        study, participant, session
            Whose answer (``participant=""`` and ``session=0`` for the study's own records).
        kind, item
            What it is (``"vote"``) and which one (the voted edge); the key of the record.
        value
            The answer (JSON-able).

        Returns
        -------
        tuple
            ``(id, created, stored value)``: ``created`` is false when the record was already
            there, and then the stored value is the first one sent.
        """
        with self.engine.begin() as conn:
            result = conn.execute(_insert(self.engine, flow_records_table).values(
                study=study, participant=participant, session=session, kind=kind, item=item,
                value=json.dumps(value, sort_keys=True), created_utc=utc_now(),
            ).on_conflict_do_nothing(
                index_elements=["study", "participant", "session", "kind", "item"])
                .returning(flow_records_table.c.id))
            row = result.first()
            if row is not None:
                return int(row[0]), True, value
            t = flow_records_table.c
            stored = conn.execute(select(t.id, t.value).where(
                t.study == study, t.participant == participant, t.session == session,
                t.kind == kind, t.item == item)).one()
        return int(stored[0]), False, json.loads(stored[1])

    def records(self, study: str, kind: str | None, *, participant: str | None = None,
                session: int | None = None) -> list[dict[str, Any]]:
        """A flow's stored records of one kind (``None``: of every kind), in stored order.

        Optionally of one participant and session.

        Returns
        -------
        list of dict
            ``id``, ``participant``, ``session``, ``kind``, ``item``, ``value`` (decoded) and
            ``created_utc``.
        """
        t = flow_records_table.c
        query = select(t.id, t.participant, t.session, t.kind, t.item, t.value,
                       t.created_utc).where(t.study == study).order_by(t.id)
        if kind is not None:
            query = query.where(t.kind == kind)
        if participant is not None:
            query = query.where(t.participant == participant)
        if session is not None:
            query = query.where(t.session == session)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**r, "id": int(r["id"]), "value": json.loads(r["value"])} for r in rows]

    def record_counts(self, study: str) -> dict[str, int]:
        """Number of a flow's records by kind."""
        t = flow_records_table.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.kind, func.count()).where(t.study == study)
                                .group_by(t.kind)).all()
        return {kind: int(n) for kind, n in rows}

    def load_state(self, study: str, participant: str, session: int,
                   name: str) -> tuple[int, Any] | None:
        """A flow state and its version, or ``None`` when none was saved."""
        t = flow_states_table.c
        with self.engine.connect() as conn:
            row = conn.execute(select(t.version, t.value).where(
                t.study == study, t.participant == participant, t.session == session,
                t.name == name)).one_or_none()
        return None if row is None else (int(row[0]), json.loads(row[1]))

    def save_state(self, study: str, participant: str, session: int, name: str, value: Any,
                   version: int) -> int:
        """Save a flow state over the version read (0: there was none); return the new version.

        Raises
        ------
        StateConflict
            Another request saved the state since ``version`` was read.
        """
        text = json.dumps(value, sort_keys=True)
        now = utc_now()
        t = flow_states_table.c
        with self.engine.begin() as conn:
            if version == 0:
                result = conn.execute(_insert(self.engine, flow_states_table).values(
                    study=study, participant=participant, session=session, name=name,
                    version=1, value=text, updated_utc=now,
                ).on_conflict_do_nothing(index_elements=["study", "participant", "session", "name"])
                    .returning(t.version))
                saved = result.first() is not None
            else:
                result = conn.execute(update(flow_states_table).where(
                    t.study == study, t.participant == participant, t.session == session,
                    t.name == name, t.version == version,
                ).values(version=version + 1, value=text, updated_utc=now))
                saved = result.rowcount == 1
        if not saved:
            raise StateConflict(f"{study}/{participant}/{session}: {name} was saved by another "
                                "request in the meantime")
        return version + 1
