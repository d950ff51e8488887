"""Load: 50 simulated participants at once, and kill -9 of the server under load.

Both run against SQLite and a real PostgreSQL server, with the server in its own process
(``python -m cogalign.serve``) and the participants as an async HTTP client on 127.0.0.1.
"""

from __future__ import annotations

import asyncio

import pytest
from serve_helpers import run_async, short_studies

from cogalign.serve.db import Database
from cogalign.serve.loadtest import LoadReport, run_load

pytestmark = pytest.mark.slow

N_PARTICIPANTS = 50


def _split(n: int, names: list[str]) -> dict[str, int]:
    return {name: n // len(names) + (k < n % len(names)) for k, name in enumerate(names)}


def _check_complete(db_url: str, studies, counts: dict[str, int]) -> None:
    """Every participant has every trial exactly once and a finished session."""
    db = Database(db_url)
    try:
        expected_total = 0
        for name, n in counts.items():
            served = studies[name]
            for k in range(1, n + 1):
                participant = f"load{k:04d}"
                planned = [t.index for t in served.trials(participant, 1)]
                assert db.saved_trials(name, participant, 1) == planned
                assert db.get_session(name, participant, 1).finished
                expected_total += len(planned)
        assert db.count_trials() == expected_total
    finally:
        db.dispose()


def test_fifty_participants_at_once_lose_and_duplicate_nothing(db_url, serve_process):
    """On PostgreSQL two worker processes share the database and the signing key: a token one
    worker made opens the session in the other."""
    studies = short_studies()
    server = serve_process(db_url, workers=2 if db_url.startswith("postgresql") else 1)
    counts = _split(N_PARTICIPANTS, list(studies))

    async def everyone() -> list[LoadReport]:
        return await asyncio.gather(*(
            run_load(server.url, studies[name], n, repeat_share=0.2) for name, n in counts.items()))

    reports = run_async(everyone())
    assert sum(r.finished for r in reports) == N_PARTICIPANTS
    assert sum(r.retries for r in reports) == 0
    saved = sum(r.saved for r in reports)
    assert sum(r.duplicates for r in reports) > 0  # repeats were sent and recognised
    _check_complete(db_url, studies, counts)
    db = Database(db_url)
    assert db.count_trials() == saved
    db.dispose()


def test_kill_9_keeps_every_acknowledged_trial(db_url, serve_process):
    studies = short_studies()
    server = serve_process(db_url)
    counts = _split(N_PARTICIPANTS, list(studies))
    reports = {name: LoadReport() for name in studies}
    lost: list[tuple[str, str, int]] = []

    def kill_and_check() -> int:
        server.kill()
        acknowledged = {name: set(r.acknowledged) for name, r in reports.items()}
        db = Database(db_url)
        try:
            for name, pairs in acknowledged.items():
                for participant, trial in pairs:
                    if trial not in db.saved_trials(name, participant, 1):
                        lost.append((name, participant, trial))
        finally:
            db.dispose()
        return sum(len(p) for p in acknowledged.values())

    async def scenario() -> int:
        run = asyncio.gather(*(
            run_load(server.url, studies[name], n, report=reports[name], patience=90)
            for name, n in counts.items()))
        while sum(len(r.acknowledged) for r in reports.values()) < 80:
            await asyncio.sleep(0.005)
        checked = await asyncio.to_thread(kill_and_check)
        await asyncio.to_thread(server.start)
        await run
        return checked

    checked = run_async(scenario())
    assert checked >= 80
    assert lost == []
    assert sum(r.retries for r in reports.values()) > 0  # the clients did see the server go
    assert sum(r.finished for r in reports.values()) == N_PARTICIPANTS
    _check_complete(db_url, studies, counts)
