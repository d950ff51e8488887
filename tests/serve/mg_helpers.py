"""Helpers for the moral-graph flow tests: the study, a scripted interviewer model behind the
fake chat server, and a simulated participant over HTTP."""

from __future__ import annotations

import json
import random
import shutil
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serve_helpers import STUDIES

sys.path.insert(0, str(Path(__file__).parents[1] / "llm"))  # the shared fake chat server

from llm_fake_server import FakeChatServer  # noqa: E402

__all__ = ["HOSTILE", "FakeChatServer", "FakeInterviewer", "LoadRecord", "mg_overrides",
           "mg_studies", "take_part"]

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert('y')>"
#: Completion code of the test study.
CODE = "MGD0NE"


def mg_studies(folder: Path) -> Path:
    """A folder of studies holding only a copy of the shipped moral-graph study."""
    shutil.copytree(STUDIES / "moralgraph", folder / "moralgraph")
    return folder


def mg_overrides(base_url: str, *extra: str) -> tuple[str, ...]:
    """Overrides pointing the study at the fake chat server, with short timeouts."""
    return ("moralgraph:chat.model=fake-model", f"moralgraph:chat.base_url={base_url}",
            "moralgraph:chat.max_retries=0", "moralgraph:chat.timeout=10",
            f"moralgraph:online.completion_code={CODE}", *extra)


class FakeInterviewer:
    """What the fake chat server answers: an interviewer that is ready after ``ready_after``
    answers and writes a values card.

    An interview whose answers mention ``BADCARD`` gets ``bad_cards`` malformed cards first;
    one that mentions ``HOSTILE`` gets :data:`HOSTILE` in every reply and in its card.
    """

    def __init__(self, bad_cards: int = 3, ready_after: int = 2):
        self.bad_cards = bad_cards
        self.ready_after = ready_after
        self.card_calls: Counter = Counter()
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        everything = json.dumps(messages)
        hostile = HOSTILE if "HOSTILE" in everything else ""
        if messages[0]["content"].startswith("You turn an interview into a values card"):
            if "BADCARD" in everything:
                with self.lock:
                    self.card_calls[messages[1]["content"]] += 1
                    n = self.card_calls[messages[1]["content"]]
                if n <= self.bad_cards:
                    return {"content": 'Here it is: {"title": "Oops", "description": '}
            card = {"title": f"Caring Honesty {hostile}".strip(),
                    "description": f"Tell the truth kindly. {hostile}".strip(),
                    "attention_policies": ["MOMENTS of doubt", f"WORDS that comfort {hostile}".strip()]}
            return {"content": "```json\n" + json.dumps(card) + "\n```"}
        n = sum(m["role"] == "user" for m in messages)
        reply = f"{hostile} Thank you. What else do you notice (question {n + 1})?".strip()
        return {"content": reply + (" [[READY]]" if n >= self.ready_after else "")}


@dataclass
class LoadRecord:
    """What simulated participants were told: every acknowledged vote and answer."""

    votes: list[tuple[str, str, str, bool]] = field(default_factory=list)
    answers: Counter = field(default_factory=Counter)
    finished: int = 0
    retries: int = 0
    refused: list[str] = field(default_factory=list)


async def _post(client: Any, url: str, body: Any, token: str | None,
                record: LoadRecord) -> dict[str, Any]:
    """POST; a connection lost on the way is tried again (as the page does), a refusal is not."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for attempt in range(5):
        try:
            response = await client.post(url, json=body, headers=headers)
            break
        except httpx.TransportError:  # e.g. a kept-alive connection the server just closed
            record.retries += 1
            if attempt == 4:
                raise
    if response.status_code != 200:
        record.refused.append(f"{url}: {response.status_code} {response.text[:200]}")
        raise AssertionError(record.refused[-1])
    return response.json()


async def take_part(client: Any, base: str, participant: str, record: LoadRecord, *,
                    repeat_share: float = 0.2, seed: int = 0) -> None:
    """One simulated participant through the whole flow; a share of requests sent twice."""
    api = f"{base}/s/moralgraph/api"
    rng = random.Random(f"{seed}/{participant}")
    times = lambda: 2 if rng.random() < repeat_share else 1  # noqa: E731
    view = await _post(client, f"{api}/start", {"params": {"participant": participant}}, None,
                       record)
    token = view["token"]
    while view["stage"] == "interview":
        body = {"turn": view["answers"], "text": f"{participant}: honesty, answer {view['answers']}"}
        for _ in range(times()):
            view = await _post(client, f"{api}/answer", body, token, record)
        record.answers[participant] += 1
    view = await _post(client, f"{api}/draft", {}, token, record)
    card = {**view["draft"], "title": f"Caring Honesty of {participant}"}
    for _ in range(times()):
        view = await _post(client, f"{api}/confirm", card, token, record)
    for value in view["values"]:
        body = {"value_id": value["id"], "vote": rng.choice(["wise", "not_wise", "unsure"])}
        for _ in range(times()):
            answer = await _post(client, f"{api}/value-vote", body, token, record)
            record.votes.append(("value-vote", participant, f"value-{value['id']}", answer["saved"]))
    for edge in view["upgrades"]:
        body = {"source_value_id": edge["source"]["id"], "wiser_value_id": edge["wiser"]["id"],
                "context": edge["context"], "vote": rng.choice(["wiser", "not_wiser", "unsure"])}
        for _ in range(times()):
            answer = await _post(client, f"{api}/upgrade-vote", body, token, record)
            key = f"{edge['source']['id']}-{edge['wiser']['id']}|{edge['context']}"
            record.votes.append(("upgrade-vote", participant, key, answer["saved"]))
    view = await _post(client, f"{api}/finish", {}, token, record)
    assert view["stage"] == "done" and view["completion_code"] == CODE
    record.finished += 1
