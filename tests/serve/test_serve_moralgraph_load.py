"""Load: 50 simulated participants through the moral-graph flow at once, with a share of every
kind of request sent twice, on SQLite and on a real PostgreSQL server (two worker processes).
No vote and no answer may be lost or stored twice. (One interview answer, two votes of each
kind per participant: the browser test goes through longer interviews.)"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from mg_helpers import (
    FakeChatServer,
    FakeInterviewer,
    LoadRecord,
    mg_overrides,
    mg_studies,
    take_part,
)
from serve_helpers import run_async

from cogalign.moralgraph import read_mge_json, read_votes
from cogalign.serve.db import Database
from cogalign.serve.flows import export_flows

pytestmark = pytest.mark.slow

N_PARTICIPANTS = 50


def test_fifty_participants_at_once_lose_and_duplicate_nothing(db_url, serve_process, tmp_path):
    with FakeChatServer({"answer": FakeInterviewer(ready_after=1)}) as fake:
        server = serve_process(db_url, studies=mg_studies(tmp_path / "studies"),
                               overrides=mg_overrides(fake.base_url, "moralgraph:votes.peer_cards=2",
                                                      "moralgraph:votes.upgrade_edges=2"),
                               workers=2 if db_url.startswith("postgresql") else 1)
        record = LoadRecord()

        async def everyone() -> None:
            limits = httpx.Limits(max_connections=N_PARTICIPANTS)
            async with httpx.AsyncClient(timeout=60, limits=limits, trust_env=False) as client:
                await asyncio.gather(*(take_part(client, server.url, f"load{k:03d}", record)
                                       for k in range(N_PARTICIPANTS)))

        run_async(everyone())
    assert record.refused == [] and record.finished == N_PARTICIPANTS
    acknowledged = {(kind, p, item) for kind, p, item, _ in record.votes}
    assert len(record.votes) > len(acknowledged)  # repeats were sent and recognised
    assert sum(saved for *_, saved in record.votes) == len(acknowledged)  # each saved once
    db = Database(db_url)
    try:
        counts = db.record_counts("moralgraph")
        assert counts["value-vote"] == sum(k == "value-vote" for k, *_ in acknowledged)
        assert counts["upgrade-vote"] == sum(k == "upgrade-vote" for k, *_ in acknowledged)
        assert counts["card"] == 6 + N_PARTICIPANTS and counts["assignment"] == N_PARTICIPANTS
        stored = {(r["participant"], r["value"]["source_value_id"], r["value"]["wiser_value_id"],
                   r["value"]["context"]) for r in db.records("moralgraph", "upgrade-vote")}
        told = {(p, *map(int, item.split("|")[0].split("-")), item.split("|", 1)[1])
                for kind, p, item in acknowledged if kind == "upgrade-vote"}
        assert stored == told
        for k in range(N_PARTICIPANTS):
            state = db.load_state("moralgraph", f"load{k:03d}", 1, "interview")[1]
            answers = [m for m in state["messages"] if m["role"] == "participant"]
            assert len(answers) == record.answers[f"load{k:03d}"] == 1  # no answer twice
            assert db.get_session("moralgraph", f"load{k:03d}", 1).finished
        report = export_flows(db, tmp_path / "export")["moralgraph"]
    finally:
        db.dispose()
    assert report["rows"] == counts["upgrade-vote"] and report["sessions"] == N_PARTICIPANTS
    graph = read_mge_json(tmp_path / "export" / "moralgraph" / "moral-graph.json")
    assert len(read_votes(tmp_path / "export" / "moralgraph" / "votes.csv", graph=graph)) == report["rows"]
