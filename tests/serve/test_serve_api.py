"""The participants' API and the admin pages, in-process (Starlette's test client, SQLite)."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import zipfile

import pytest
from serve_helpers import ADMIN_TOKEN, SHORT, STUDIES, answer, short_studies
from starlette.testclient import TestClient

from cogalign.studies.design import Response

HOSTILE = [
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "p1'; DROP TABLE trials; --",
    "' OR '1'='1",
    "</script><script>alert(2)</script>",
]


def start(client, study="triplets", **params):
    params.setdefault("participant", "p001")
    response = client.post(f"/s/{study}/api/start", json={"params": params})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def answer_all(client, study, started, value=0):
    for t in started["trials"]:
        response = client.post(f"/s/{study}/api/trial", json=answer(t["index"], value),
                               headers=bearer(started["token"]))
        assert response.status_code == 200, response.text


def test_page_carries_settings_and_security_headers(client):
    response = client.get("/s/triplets/?participant=p001")
    assert response.status_code == 200
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    config = json.loads(re.search(r'id="cogalign-config">(.*?)</script>', response.text, re.S)[1])
    assert config["study"] == "triplets" and config["mode"] == "choice"
    assert [k["key"] for k in config["keys"]] == ["ArrowLeft", "ArrowDown", "ArrowRight"]
    assert config["completion_code"] is None  # handed out only to a finished session
    assert "<script" not in re.sub(r"<script[^>]*src=|<script type=", "", response.text)


def test_study_link_without_slash_keeps_parameters(client):
    response = client.get("/s/risky?PROLIFIC_PID=abc&STUDY_ID=s1", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/s/risky/?PROLIFIC_PID=abc&STUDY_ID=s1"


def test_unknown_study_and_health(client):
    assert client.get("/s/nosuch/").status_code == 404
    assert client.post("/s/nosuch/api/start", json={}).json()["error"] == "no such study"
    health = client.get("/healthz").json()
    assert health["ok"] and health["schema"] == "0002"
    assert health["studies"] == ["intertemporal", "moralgraph", "risky", "rotation", "similarity",
                                 "triplets"]


def test_session_runs_finishes_and_resumes(make_app, sqlite_url):
    app = make_app(sqlite_url, overrides=SHORT + ("online.completion_code=ABC123",
                   "online.redirect=https://app.prolific.com/submissions/complete?cc={code}"))
    with TestClient(app) as client:
        started = start(client, "intertemporal")
        assert not started["resumed"] and not started["finished"] and started["done"] == []
        assert "completion_code" not in started
        answer_all(client, "intertemporal", started, value=1)
        again = client.post("/s/intertemporal/api/trial", json=answer(0, 0),
                            headers=bearer(started["token"]))
        assert again.json() == {"status": "duplicate", "trial": 0}
        finished = client.post("/s/intertemporal/api/finish", json={},
                               headers=bearer(started["token"]))
        assert finished.status_code == 200
        assert finished.json()["completion_code"] == "ABC123"
        assert finished.json()["redirect"].endswith("cc=ABC123")
        resumed = start(client, "intertemporal")
        assert resumed["resumed"] and resumed["finished"]
        assert resumed["done"] == [t["index"] for t in started["trials"]]
        assert resumed["completion_code"] == "ABC123"
        db = app.state.serve.db
        rows = [row for _, row in db.session_rows("intertemporal", "p001", 1)]
        assert len(rows) == len(started["trials"])
        assert {row["response_device"] for row in rows} == {"mouse"}
        events = [e["event"] for e in db.session_events("intertemporal", "p001", 1)]
        assert events == ["start", "end", "resume"]


def test_finish_names_the_missing_trials(client):
    started = start(client, "risky")
    client.post("/s/risky/api/trial", json=answer(0, 1), headers=bearer(started["token"]))
    response = client.post("/s/risky/api/finish", json={}, headers=bearer(started["token"]))
    assert response.status_code == 409
    assert response.json()["missing"] == [t["index"] for t in started["trials"][1:]]


def test_trial_lists_are_the_lab_lists_without_answers(client):
    served = short_studies()["triplets"]
    started = start(client, "triplets", participant="p042")
    lab = served.study.trials("p042", 1)
    assert [t["index"] for t in started["trials"]] == [t.index for t in lab]
    for shown, trial in zip(started["trials"], lab, strict=True):
        assert [o["lines"] for o in shown["options"]] == [list(o.lines) for o in trial.options]
        assert set(shown) == {"index", "practice", "break_text", "prompt", "image", "options"}
        assert shown["image"] is None
    assert any(t.attention_check for t in lab)
    assert "expected" not in json.dumps(started)


def test_token_opens_only_its_own_session(client):
    mine = start(client, "triplets", participant="p001")
    other = start(client, "triplets", participant="p002")
    # the token decides whose row is written; a body cannot name another participant
    response = client.post("/s/triplets/api/trial", json={**answer(1, 0), "participant": "p002"},
                           headers=bearer(mine["token"]))
    assert response.status_code == 422
    # a token for one study does not open another
    response = client.post("/s/risky/api/trial", json=answer(1, 0), headers=bearer(mine["token"]))
    assert response.status_code == 403
    # a token whose payload is changed to another participant fails its signature
    body, mac = mine["token"].split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["p"] = "p002"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    response = client.post("/s/triplets/api/trial", json=answer(1, 0),
                           headers=bearer(f"{forged}.{mac}"))
    assert response.status_code == 403
    assert client.post("/s/triplets/api/trial", json=answer(1, 0)).status_code == 401
    assert client.post("/s/triplets/api/trial", json=answer(1, 0),
                       headers=bearer("garbage")).status_code == 403
    # the genuine tokens each write their own session
    assert client.post("/s/triplets/api/trial", json=answer(1, 0),
                       headers=bearer(other["token"])).status_code == 200
    db = client.app.state.serve.db
    assert db.saved_trials("triplets", "p002", 1) == [1]
    assert db.saved_trials("triplets", "p001", 1) == []


@pytest.mark.parametrize(("change", "status"), [
    ({"trial": 99}, 422),
    ({"trial": -1}, 422),
    ({"trial": True}, 422),
    ({"value": 3}, 422),
    ({"value": 0.5}, 422),
    ({"value": "0"}, 422),
    ({"rt": -1}, 422),
    ({"rt": 1e9}, 422),
    ({"device": "simulated"}, 422),
    ({"key": "down"}, 422),                       # a key with a mouse answer
    ({"key": "right", "device": "keyboard"}, 422),  # a key that chooses another position
    ({"onset_utc": "yesterday"}, 422),
    ({"response_utc": None}, 422),
    ({"stimulus": {"item_1": 0}}, 422),            # the browser never sends stimuli
])
def test_answers_that_do_not_fit_are_refused(client, change, status):
    started = start(client, "triplets")
    body = {**answer(1, 0), **change}
    response = client.post("/s/triplets/api/trial", json=body, headers=bearer(started["token"]))
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert client.app.state.serve.db.count_trials() == 0


def test_rating_answers_are_checked_against_the_scale(client):
    started = start(client, "similarity")
    t = started["trials"][1]["index"]
    headers = bearer(started["token"])
    assert client.post("/s/similarity/api/trial", json=answer(t, 8), headers=headers).status_code == 422
    assert client.post("/s/similarity/api/trial", json=answer(t, 3.5), headers=headers).status_code == 422
    bad_key = answer(t, 3, key="4", device="keyboard")
    assert client.post("/s/similarity/api/trial", json=bad_key, headers=headers).status_code == 422
    good = answer(t, 3, key="3", device="keyboard")
    assert client.post("/s/similarity/api/trial", json=good, headers=headers).json()["status"] == "saved"


def test_requests_must_be_json(client):
    started = start(client, "triplets")
    headers = bearer(started["token"])
    form = client.post("/s/triplets/api/trial", data={"trial": "1"}, headers=headers)
    assert form.status_code == 415
    broken = client.post("/s/triplets/api/trial", content=b"{not json",
                         headers={**headers, "content-type": "application/json"})
    assert broken.status_code == 400
    assert client.post("/s/triplets/api/start", json=[1, 2]).status_code == 422


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_from_the_browser_is_refused_or_kept_inert(client, text):
    response = client.post("/s/triplets/api/start", json={"params": {"participant": text}})
    assert response.status_code == 422
    response = client.post("/s/triplets/api/start",
                           json={"params": {"PROLIFIC_PID": "abc123", "STUDY_ID": text}})
    assert response.status_code == 422
    started = start(client, "triplets")
    response = client.post("/s/triplets/api/trial",
                           json={**answer(1, 0, key=text, device="keyboard")},
                           headers=bearer(started["token"]))
    assert response.status_code == 422
    assert text not in response.text or response.headers["content-type"].startswith("application/json")
    db = client.app.state.serve.db
    assert db.count_trials() == 0
    assert [s["participant"] for s in db.sessions()] == ["p001"]


def test_recruitment_platform_ids_are_kept_and_nothing_else(client):
    started = start(client, "risky", participant=None, PROLIFIC_PID="5f2b9c0d1e", STUDY_ID="st1",
                    SESSION_ID="se-9", email="someone@example.org")
    assert started["participant"] == "5f2b9c0d1e"
    (session,) = client.app.state.serve.db.sessions("risky")
    assert (session["platform"], session["platform_study_id"], session["platform_session_id"]) == (
        "prolific", "st1", "se-9")
    assert "example.org" not in json.dumps(session)
    mturk = start(client, "risky", participant=None, workerId="A1B2C3", hitId="H1",
                  assignmentId="AS1")
    assert mturk["participant"] == "A1B2C3"
    preview = client.post("/s/risky/api/start", json={"params": {
        "workerId": "A1B2C3", "assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE"}})
    assert preview.status_code == 409


def test_anonymous_visitors_and_id_patterns(make_app, sqlite_url):
    app = make_app(sqlite_url, overrides=SHORT + (
        "risky:online.anonymous=false", "triplets:online.participant_pattern=[a-z]{1,4}[0-9]{3}"))
    with TestClient(app) as client:
        anonymous = client.post("/s/intertemporal/api/start", json={"params": {}})
        assert re.fullmatch(r"anon[0-9a-f]{16}", anonymous.json()["participant"])
        assert client.post("/s/risky/api/start", json={"params": {}}).status_code == 403
        assert client.post("/s/triplets/api/start",
                           json={"params": {"participant": "p1"}}).status_code == 422
        assert client.post("/s/triplets/api/start",
                           json={"params": {"participant": "p001", "session": "0"}}).status_code == 422
        second = client.post("/s/triplets/api/start",
                             json={"params": {"participant": "p001", "session": "2"}})
        assert second.json()["session"] == 2


def test_a_changed_definition_does_not_resume_old_sessions(make_app, sqlite_url):
    with TestClient(make_app(sqlite_url)) as client:
        start(client, "risky")
    with TestClient(make_app(sqlite_url, overrides=SHORT + ("risky:trials.n=5",))) as client:
        response = client.post("/s/risky/api/start", json={"params": {"participant": "p001"}})
        assert response.status_code == 409
        assert "changed" in response.json()["error"]


def test_request_bodies_over_the_limit_are_refused(make_app, sqlite_url):
    with TestClient(make_app(sqlite_url, max_body=2048)) as client:
        big = {"params": {"participant": "p001", "x": "a" * 5000}}
        assert client.post("/s/triplets/api/start", json=big).status_code == 413

        def chunks():
            for _ in range(10):
                yield b" " * 1000

        streamed = client.post("/s/triplets/api/start", content=chunks(),
                               headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert client.app.state.serve.db.sessions() == []


def test_rate_limits(make_app, sqlite_url):
    app = make_app(sqlite_url, limits=("start=2/60", "trial=3/60:3"))
    with TestClient(app) as client:
        first = start(client, "risky", participant="p001")
        start(client, "risky", participant="p002")
        refused = client.post("/s/risky/api/start", json={"params": {"participant": "p003"}})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        codes = [client.post("/s/risky/api/trial", json=answer(k, 0),
                             headers=bearer(first["token"])).status_code for k in range(4)]
        assert codes == [200, 200, 200, 429]


def test_parameterised_queries_keep_injection_text_literal(client):
    db = client.app.state.serve.db
    record = db.open_session(study="risky", participant="x' OR '1'='1", session=1,
                             definition_hash="h", n_trials=3, platform="link",
                             platform_study_id="'); DROP TABLE sessions; --")
    assert record.created
    assert db.get_session("risky", "' OR 1=1 --", 1) is None
    (stored,) = db.sessions("risky")
    assert stored["participant"] == "x' OR '1'='1"
    assert stored["platform_study_id"] == "'); DROP TABLE sessions; --"
    assert db.count_trials() == 0  # the table is still there


# --------------------------------------------------------------------------- admin


def login(client) -> None:
    page = client.get("/admin/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    response = client.post("/admin/login", data={"csrf": csrf, "token": ADMIN_TOKEN},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/"


def test_admin_pages_need_the_token(client):
    response = client.get("/admin/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert client.get("/admin/risky/export.zip", headers=bearer("wrong")).status_code == 401
    page = client.get("/admin/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    # no CSRF field, a forged one, another site's form, a wrong token
    assert client.post("/admin/login", data={"token": ADMIN_TOKEN}).status_code == 403
    assert client.post("/admin/login", data={"csrf": csrf + "x", "token": ADMIN_TOKEN}).status_code == 403
    assert client.post("/admin/login", data={"csrf": csrf, "token": ADMIN_TOKEN},
                       headers={"origin": "https://evil.example"}).status_code == 403
    assert client.post("/admin/login", data={"csrf": csrf, "token": "nope"}).status_code == 403
    assert client.get("/admin/", follow_redirects=False).status_code == 303
    login(client)
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    out = client.post("/admin/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_admin_is_off_without_a_token(make_app, sqlite_url):
    with TestClient(make_app(sqlite_url, admin_token=None)) as client:
        assert client.get("/admin/").status_code == 404
        assert client.get("/admin/login").status_code == 404


def test_admin_page_counts_and_download(client):
    served = short_studies()["triplets"]
    trials = served.trials("p001", 1)
    check = next(t for t in trials if t.attention_check)
    wrong = next(k for k in range(3) if served.study.row(
        check, Response(k, 1, "mouse"), participant="p001", session=1, onset_utc="",
        response_utc="", simulated_by=None)["response"] != check.expected)
    first = start(client, "triplets", participant="p001")
    for t in first["trials"]:
        value = wrong if t["index"] == check.index else 0
        client.post("/s/triplets/api/trial", json=answer(t["index"], value),
                    headers=bearer(first["token"]))
    assert client.post("/s/triplets/api/finish", json={},
                       headers=bearer(first["token"])).status_code == 200
    start(client, "triplets", participant="p002")
    login(client)
    page = client.get("/admin/triplets/").text
    assert re.search(r'id="started">2<', page) and re.search(r'id="finished">1<', page)
    assert re.search(r'id="failures">1 of 1', page)
    assert re.search(r'id="trials">6<', page)
    overview = client.get("/admin/").text
    assert "Odd one out (THINGS concepts)" in overview
    archive = zipfile.ZipFile(io.BytesIO(client.get("/admin/triplets/export.zip").content))
    names = set(archive.namelist())
    assert "triplets/dataset_description.json" in names
    assert "triplets/data/study-triplets_subject-p001_session-1_data.csv" in names
    assert "triplets/data/study-triplets_subject-p002_session-1_data.csv" in names


def test_admin_pages_escape_study_texts(make_app, sqlite_url, tmp_path):
    folder = tmp_path / "studies" / "hostile"
    shutil.copytree(STUDIES / "risky", folder)
    text = (folder / "study.toml").read_text()
    text = text.replace('title = "Choices between gambles"', 'title = "<script>alert(1)</script>"')
    (folder / "study.toml").write_text(text)
    with TestClient(make_app(sqlite_url, studies=tmp_path / "studies",
                             overrides=("trials.n=2",))) as client:
        login(client)
        page = client.get("/admin/risky/").text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        study = client.get("/s/risky/").text
        assert "<script>alert(1)</script>" not in study
        assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in study  # in the JSON
        index = client.get("/").text
        assert "<script>alert" not in index
