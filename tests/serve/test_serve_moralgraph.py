"""The moral-graph flow on the server, in-process (Starlette's test client, SQLite), against
the fake chat server: every step, retries, bad cards and votes, the admin page and the export."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from mg_helpers import CODE, HOSTILE, FakeChatServer, FakeInterviewer, mg_overrides, mg_studies
from serve_helpers import ADMIN_TOKEN, SHORT, STUDIES
from starlette.testclient import TestClient

from cogalign.errors import CogalignError
from cogalign.llm.tasks import load_text_template
from cogalign.moralgraph import read_mge_json, read_votes
from cogalign.serve.cli import serve_group
from cogalign.serve.db import Database
from cogalign.serve.export import export_psychds
from cogalign.serve.flows import export_flows, load_served

API = "/s/moralgraph/api"


@pytest.fixture(scope="module")
def fake_chat():
    with FakeChatServer({"answer": FakeInterviewer()}) as server:
        yield server


@pytest.fixture
def mg(make_app, sqlite_url, tmp_path, fake_chat):
    """A test client of a server holding the moral-graph study (SQLite), and its database."""
    with fake_chat.lock:
        fake_chat.script.clear()
        fake_chat.requests.clear()
    app = make_app(sqlite_url, studies=mg_studies(tmp_path / "studies"),
                   overrides=mg_overrides(fake_chat.base_url))
    with TestClient(app, base_url="http://testserver") as client:
        client.db = Database(sqlite_url)
        yield client
        client.db.dispose()


def start(client, participant: str) -> tuple[dict, dict]:
    view = client.post(f"{API}/start", json={"params": {"participant": participant}}).json()
    return view, {"Authorization": f"Bearer {view['token']}"}


def step(client, headers, name: str, body=None, status: int = 200) -> dict:
    response = client.post(f"{API}/{name}", json=body if body is not None else {}, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def interview(client, headers, view: dict, text: str = "honesty matters") -> dict:
    while view["stage"] == "interview":
        view = step(client, headers, "answer", {"turn": view["answers"], "text": f"{text} {view['answers']}"})
    return view


def through(client, participant: str, text: str = "honesty matters", title: str | None = None) -> dict:
    """Take a participant from wherever they are to the end."""
    view, headers = start(client, participant)
    view = interview(client, headers, view, text)
    if view["stage"] == "card":
        view = step(client, headers, "draft")
        view = step(client, headers, "confirm", {**view["draft"], **({"title": title} if title else {})})
    for value in [v for v in view["values"] if v["vote"] is None]:
        view = step(client, headers, "value-vote", {"value_id": value["id"], "vote": "wise"})
    for edge in [e for e in view["upgrades"] if e["vote"] is None]:
        view = step(client, headers, "upgrade-vote", {
            "source_value_id": edge["source"]["id"], "wiser_value_id": edge["wiser"]["id"],
            "context": edge["context"], "vote": "wiser"})
    return step(client, headers, "finish")


def test_the_whole_flow_saves_every_answer_once(mg):
    view, headers = start(mg, "p001")
    assert view["stage"] == "interview" and len(view["messages"]) == 1
    assert view["question"] in view["messages"][0]["content"]  # the opening names the question
    first = step(mg, headers, "answer", {"turn": 0, "text": "Be honest with her."})
    again = step(mg, headers, "answer", {"turn": 0, "text": "Be honest with her."})  # a retry
    assert again["messages"] == first["messages"] and first["answers"] == 1
    assert step(mg, headers, "answer", {"turn": 0, "text": "Something else"}, 409)["error"]
    view = step(mg, headers, "answer", {"turn": 1, "text": "And kind."})
    assert view["stage"] == "card" and view["status"] == "ready" and view["draft"] is None
    view = step(mg, headers, "draft")
    assert view["draft"]["title"] == "Caring Honesty"
    edited = {**view["draft"], "title": "Kind Honesty",
              "attention_policies": [*view["draft"]["attention_policies"], "  ", "TIMES to listen"]}
    view = step(mg, headers, "confirm", edited)
    assert view["stage"] == "values" and view["card"]["title"] == "Kind Honesty"
    assert view["card"]["attention_policies"][-1] == "TIMES to listen"  # the blank line dropped
    assert len(view["values"]) == 3 and len(view["upgrades"]) == 3
    own = view["card"]["id"]
    assert own not in {v["id"] for v in view["values"]}
    assert all(own not in (e["source"]["id"], e["wiser"]["id"]) for e in view["upgrades"])
    value = view["values"][0]["id"]
    first = step(mg, headers, "value-vote", {"value_id": value, "vote": "wise"})
    repeat = step(mg, headers, "value-vote", {"value_id": value, "vote": "not_wise"})
    assert first["saved"] and not repeat["saved"] and repeat["vote"] == "wise"  # the first stays
    assert step(mg, headers, "finish", status=409)["error"].endswith("at the 'values' stage")
    view = through(mg, "p001")  # the rest, by the same steps a resumed page takes
    assert view["stage"] == "done" and view["completion_code"] == CODE
    resumed = mg.post(f"{API}/start", json={"token": headers["Authorization"][7:]}).json()
    assert resumed["stage"] == "done" and resumed["resumed"]
    db = mg.db
    assert db.record_counts("moralgraph") == {"card": 7, "assignment": 1, "value-vote": 3,
                                              "upgrade-vote": 3}  # 6 starting cards + 1
    state = db.load_state("moralgraph", "p001", 1, "interview")[1]
    assert [m["content"] for m in state["messages"] if m["role"] == "participant"] == [
        "Be honest with her.", "And kind."]
    assert db.get_session("moralgraph", "p001", 1).finished


def test_a_card_that_does_not_parse_is_retried_then_reported_and_nothing_is_lost(mg, fake_chat):
    view, headers = start(mg, "pbad")
    view = interview(mg, headers, view, "BADCARD")
    view = step(mg, headers, "draft")
    assert view["stage"] == "card" and view["draft"] is None and view["status"] == "failed"
    assert "interview moralgraph/pbad/1" in view["error"] and "card attempt 3" in view["error"]
    assert [m["role"] for m in view["messages"]] == ["interviewer", "participant"] * 2 + ["interviewer"]
    state = mg.db.load_state("moralgraph", "pbad", 1, "interview")[1]
    assert len(state["attempts"]) == 3 and all(a["error"] for a in state["attempts"])
    assert "card attempt 2" in state["calls"][-2]["step"]
    repair = fake_chat.requests[-1]["messages"]
    assert "could not be used" in repair[-1]["content"]  # the model was told what was wrong
    view = step(mg, headers, "draft")  # the participant tries again: the fourth card parses
    assert view["draft"]["title"] == "Caring Honesty" and view["error"] is None
    state = mg.db.load_state("moralgraph", "pbad", 1, "interview")[1]
    assert len(state["attempts"]) == 4 and state["attempts"][-1]["error"] is None


def test_a_failed_model_call_keeps_the_answer_and_can_be_retried(mg, fake_chat):
    view, headers = start(mg, "p002")
    fake_chat.script.append({"status": 500})
    view = step(mg, headers, "answer", {"turn": 0, "text": "My first answer"})
    assert view["waiting"] and view["messages"][-1]["content"] == "My first answer"
    assert "interview moralgraph/p002/1, reply to answer 1" in view["error"]
    assert fake_chat.base_url not in view["error"] and "500" not in view["error"]
    stored = mg.db.load_state("moralgraph", "p002", 1, "interview")[1]
    assert stored["messages"][-1]["content"] == "My first answer" and "HTTP 500" in stored["error"]
    assert step(mg, headers, "answer", {"turn": 1, "text": "jumping ahead"}, 409)["error"]
    view = step(mg, headers, "retry")
    assert not view["waiting"] and view["error"] is None and view["answers"] == 1
    assert view["messages"][-1]["role"] == "interviewer"


def test_bad_requests_are_refused_naming_the_place(mg):
    view, headers = start(mg, "p003")
    assert step(mg, headers, "confirm", {"title": "x", "description": "y",
                                         "attention_policies": ["z"]}, 409)["error"]
    assert "confirm your values card first" in step(
        mg, headers, "value-vote", {"value_id": 1, "vote": "wise"}, 409)["error"]
    assert "does not follow" in step(mg, headers, "answer", {"turn": 3, "text": "x"}, 409)["error"]
    assert "text must be non-empty" in step(mg, headers, "answer", {"turn": 0, "text": " "}, 422)["error"]
    assert "at most" in step(mg, headers, "answer", {"turn": 0, "text": "x" * 2001}, 422)["error"]
    interview(mg, headers, view)
    view = step(mg, headers, "draft")
    error = step(mg, headers, "confirm", {**view["draft"], "title": ""}, 422)["error"]
    assert error.startswith("moralgraph: values card of p003: title")
    error = step(mg, headers, "confirm", {**view["draft"], "attention_policies": [" "]}, 422)["error"]
    assert "'attention_policies' must be a non-empty list" in error
    view = step(mg, headers, "confirm", view["draft"])
    edge = view["upgrades"][0]
    before = mg.db.record_counts("moralgraph")
    error = step(mg, headers, "upgrade-vote", {
        "source_value_id": edge["wiser"]["id"], "wiser_value_id": edge["source"]["id"],
        "context": edge["context"], "vote": "wiser"}, 422)["error"]
    assert (f"upgrade vote of p003: vote 1 by 'p003': no edge {edge['wiser']['id']} -> "
            f"{edge['source']['id']} in context") in error
    error = step(mg, headers, "upgrade-vote", {
        "source_value_id": edge["source"]["id"], "wiser_value_id": edge["wiser"]["id"],
        "context": "another context", "vote": "wiser"}, 422)["error"]
    assert "in context 'another context' was offered" in error
    assert "unknown vote 'maybe'" in step(mg, headers, "upgrade-vote", {
        "source_value_id": edge["source"]["id"], "wiser_value_id": edge["wiser"]["id"],
        "context": edge["context"], "vote": "maybe"}, 422)["error"]
    assert "was not shown to this participant" in step(
        mg, headers, "value-vote", {"value_id": view["card"]["id"], "vote": "wise"}, 422)["error"]
    assert mg.db.record_counts("moralgraph") == before  # nothing stored, nothing dropped
    assert mg.post(f"{API}/answer", json={"turn": 0, "text": "x"}).status_code == 401
    forged = {"Authorization": "Bearer " + headers["Authorization"][7:-2] + "xx"}
    assert mg.post(f"{API}/answer", json={"turn": 0, "text": "x"}, headers=forged).status_code == 403
    assert mg.post(f"{API}/start", json={"params": {"participant": "p1", "session": "2"}}).status_code == 422
    assert mg.post(f"{API}/draft", content=b"{}", headers={**headers, "content-type": "text/plain"}).status_code == 415


def test_hostile_text_is_kept_as_given_and_escaped_on_the_admin_page(mg, fake_chat):
    view = through(mg, "p004", text=f"HOSTILE {HOSTILE}", title=f"{HOSTILE} title")
    assert view["stage"] == "done"
    state = mg.db.load_state("moralgraph", "p004", 1, "interview")[1]
    assert state["messages"][1]["content"] == f"HOSTILE {HOSTILE} 0"  # kept as given
    assert HOSTILE in state["messages"][2]["content"]  # the model's reply, kept as it came
    page = mg.get("/admin/moralgraph/", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).text
    assert HOSTILE not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    svg = mg.get("/admin/moralgraph/graph.svg", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<script" not in svg.content


def test_admin_page_counts_graph_and_downloads(mg, tmp_path):
    for participant in ("p005", "p006", "p007"):
        through(mg, participant)
    assert mg.get("/admin/moralgraph/", follow_redirects=False).headers["location"] == "/admin/login"
    assert mg.get("/admin/moralgraph/export.zip", headers={"Authorization": "Bearer no"}).status_code == 401
    assert mg.get("/admin/moralgraph/stats.json").status_code == 401
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    page = mg.get("/admin/moralgraph/", headers=admin).text
    assert 'id="upgrade_votes">9<' in page and 'id="cards">3<' in page and 'name="csrf"' in page
    stats = mg.get("/admin/moralgraph/stats.json", headers=admin).json()
    assert stats["finished"] == 3 and stats["value_votes"] == 9 and stats["start_cards"] == 6
    overview = mg.get("/admin/", headers=admin).text
    assert "/admin/moralgraph/" in overview
    svg = mg.get("/admin/moralgraph/graph.svg", headers=admin).content
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    archive = zipfile.ZipFile(io.BytesIO(mg.get("/admin/moralgraph/export.zip", headers=admin).content))
    assert sorted(archive.namelist()) == [f"moralgraph/{n}" for n in (
        "interviews.jsonl", "moral-graph.json", "sessions.csv", "value_votes.csv", "votes.csv")]
    exported = json.loads(mg.get("/admin/moralgraph/moral-graph.json", headers=admin).content)
    assert len(exported["values"]) == 9 and exported["study"] == "moralgraph"
    report = export_flows(mg.db, tmp_path / "out")
    assert report["moralgraph"]["rows"] == 9 and report["moralgraph"]["valid"]
    graph = read_mge_json(tmp_path / "out" / "moralgraph" / "moral-graph.json")
    votes = read_votes(tmp_path / "out" / "moralgraph" / "votes.csv", graph=graph)
    assert len(votes) == 9 and set(votes["participant_id"]) == {"p005", "p006", "p007"}
    assert graph.edges["impressions"].sum() == 2 * 9  # each vote counts on the pair and its reverse
    lines = (tmp_path / "out" / "moralgraph" / "interviews.jsonl").read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["interview"]["status"] == "done" for line in lines)
    assert export_psychds(mg.db, tmp_path / "trials") == {}  # trial exports leave the flow out
    with pytest.raises(CogalignError, match="participant flows, not trial studies"):
        export_psychds(mg.db, tmp_path / "trials", studies=["moralgraph"])
    for args in ([], ["--study", "moralgraph"]):
        out = tmp_path / f"cli{len(args)}"
        result = CliRunner().invoke(serve_group, ["export", "--db", mg.db.url, "--out", str(out),
                                                  *args, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["moralgraph"]["rows"] == 9
        assert (out / "moralgraph" / "moral-graph.json").is_file()


def test_a_restart_with_other_settings_keeps_one_copy_of_each_starting_card(
        mg, make_app, sqlite_url, tmp_path, fake_chat):
    make_app(sqlite_url, studies=tmp_path / "studies",
             overrides=mg_overrides(fake_chat.base_url, "moralgraph:votes.peer_cards=2"))
    assert mg.db.record_counts("moralgraph") == {"card": 6}


def test_the_server_finds_trial_studies_and_flows_with_their_overrides(monkeypatch, tmp_path):
    for name in ("COGALIGN_CHAT_MODEL", "COGALIGN_CHAT_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    studies, flows = load_served(STUDIES, SHORT + ("moralgraph:votes.peer_cards=5",
                                                   "moralgraph:online.completion_code=X1"))
    assert sorted(studies) == ["intertemporal", "risky", "rotation", "similarity", "triplets"]
    flow = flows["moralgraph"]
    assert flow.study.settings["votes"]["peer_cards"] == 5 and flow.online.completion_code == "X1"
    assert "trials.n=4" not in flow.study.overrides  # trial-study tables are not the flow's
    assert "COGALIGN_CHAT_MODEL" in flow.notes()[0]  # said when the server starts
    monkeypatch.setenv("COGALIGN_CHAT_MODEL", "some-model")
    assert load_served(STUDIES / "moralgraph")[1]["moralgraph"].notes() == []
    folder = mg_studies(tmp_path / "studies") / "moralgraph"
    shipped = Path(load_text_template("interview").source)
    (folder / "mine.toml").write_text(shipped.read_text().replace("Hello!", "Hi there!"))
    mine = load_served(folder, ("moralgraph:interview.prompts=mine.toml",))[1]["moralgraph"]
    assert mine.interviewer.prompts["opening"].startswith("Hi there!")
    with pytest.raises(CogalignError, match=r"moralgraph.toml: \[interview\] prompts: unknown template"):
        load_served(folder, ("moralgraph:interview.prompts=nothere.toml",))
    with pytest.raises(CogalignError, match="not a field that can be set"):
        load_served(STUDIES, ("moralgraph:trials.n=3",))
    with pytest.raises(CogalignError, match="unknown studies"):
        load_served(STUDIES / "moralgraph", ("nosuch:trials.n=3",))
    alone, only = load_served(STUDIES / "moralgraph" / "moralgraph.toml")
    assert alone == {} and list(only) == ["moralgraph"]
