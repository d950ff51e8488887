"""Fixtures of the moral-graph tests: a hand-made graph, a simulated study, a fake chat server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "llm"))  # the shared fake chat server

#: A small MGE export whose numbers are worked out by hand in the tests: A=1, B=2, C=3, D=4.
SMALL_EXPORT = {
    "values": [
        {"id": i, "title": t, "instructionsShort": f"Choose by {t.lower()}.", "instructionsDetailed": "",
         "evaluationCriteria": [f"THINGS about {t.lower()}"], "createdAt": "2023-10-01T00:00:00.000Z"}
        for i, t in ((1, "Honest Answers"), (2, "Caring Listening"), (3, "Shared Wisdom"), (4, "Quiet Doubt"))
    ],
    "edges": [
        # wL 1, entropy H(2,2) = 1
        {"sourceValueId": 1, "wiserValueId": 2, "contexts": ["When parenting"],
         "counts": {"markedWiser": 2, "markedNotWiser": 0, "markedLessWise": 0, "markedUnsure": 0,
                    "impressions": 2}, "summary": {"wiserLikelihood": 1.0, "entropy": 1.0}},
        # wL 0.5, entropy H(2,2,4) = 1.5
        {"sourceValueId": 1, "wiserValueId": 3, "contexts": ["When parenting", "When in distress"],
         "counts": {"markedWiser": 2, "markedNotWiser": 0, "markedLessWise": 0, "markedUnsure": 2,
                    "impressions": 4}, "summary": {"wiserLikelihood": 0.5, "entropy": 1.5}},
        # wL 1, entropy H(3,3) = 1
        {"sourceValueId": 2, "wiserValueId": 3, "contexts": ["When parenting"],
         "counts": {"markedWiser": 3, "markedNotWiser": 0, "markedLessWise": 0, "markedUnsure": 0,
                    "impressions": 3}, "summary": {"wiserLikelihood": 1.0, "entropy": 1.0}},
        # filtered out: only one "wiser" vote
        {"sourceValueId": 4, "wiserValueId": 1, "contexts": ["When in distress"],
         "counts": {"markedWiser": 1, "markedNotWiser": 0, "markedLessWise": 0, "markedUnsure": 0,
                    "impressions": 1}, "summary": {"wiserLikelihood": 1.0, "entropy": 1.0}},
    ],
}


@pytest.fixture()
def small_export() -> dict:
    """A fresh copy of :data:`SMALL_EXPORT`."""
    return json.loads(json.dumps(SMALL_EXPORT))


@pytest.fixture()
def small_graph(small_export):
    from cogalign.moralgraph import io

    return io.from_mge_dict(small_export, source="small")


@pytest.fixture(scope="session")
def study():
    """A simulated study (graph with votes, true wisdom)."""
    from cogalign.moralgraph import simulate_study

    return simulate_study(n_values=15, n_edges=40, n_participants=60, votes_per_participant=10, seed=3)


@pytest.fixture(scope="session")
def _chat_server():
    from llm_fake_server import FakeChatServer

    with FakeChatServer() as server:
        yield server


@pytest.fixture()
def fake_server(_chat_server):
    """A fake OpenAI-compatible chat server on 127.0.0.1, its script and records reset per test."""
    with _chat_server.lock:
        _chat_server.script.clear()
        _chat_server.requests.clear()
        _chat_server.times.clear()
        _chat_server.default = {"content": "1"}
    return _chat_server


@pytest.fixture()
def chat(fake_server):
    """A chat client of the fake server, no cache and no retries."""
    from cogalign.llm import ChatClient

    return ChatClient("fake-model", fake_server.base_url, cache=False, max_retries=0, progress=False,
                      workers=1, top_logprobs=0)
