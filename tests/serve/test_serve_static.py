"""The static export: a plain web server hosts it, Chromium runs it, the answers import."""

from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest
from serve_helpers import SHORT, STUDIES, wait_until

from cogalign.data import read_psychds
from cogalign.errors import CogalignError
from cogalign.serve.db import Database
from cogalign.serve.export import export_psychds
from cogalign.serve.static_site import export_jspsych, import_responses
from cogalign.serve.studyset import load_studies

#: The short-study overrides that apply to every study, and those of the triplets study here.
COMMON = tuple(o for o in SHORT if ":" not in o.split("=")[0])
OVERRIDES = COMMON + ("items.source=file", "online.completion_code=ST4T")


@pytest.fixture
def hosted(tmp_path):
    """The triplets study exported for two participants, on a plain HTTP server."""
    site = tmp_path / "site"
    report = export_jspsych(STUDIES / "triplets", site, participants=["p001", "p002"],
                            overrides=OVERRIDES)
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield report, f"http://127.0.0.1:{server.server_address[1]}", site
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_export_writes_a_self_contained_site(hosted):
    report, _, site = hosted
    assert report["participants"] == ["p001", "p002"]
    assert {"index.html", "static/jspsych/jspsych.min.js", "static/jspsych/LICENSE.txt",
            "static/cogalign-run.js", "trials/p001-1.json", "trials/p002-1.json",
            "cogalign-study.json"} <= set(report["files"])
    html = (site / "index.html").read_text()
    assert 'http-equiv="Content-Security-Policy"' in html
    assert "http://" not in html.replace("http-equiv", "") and "https://" not in html
    served = load_studies(STUDIES / "triplets", OVERRIDES)["triplets"]
    listed = json.loads((site / "trials" / "p002-1.json").read_text())
    assert listed["trials"] == served.client_trials(served.trials("p002", 1))
    assert "expected" not in (site / "trials" / "p002-1.json").read_text()


def test_static_site_runs_resumes_and_its_answers_import(hosted, chromium, tmp_path):
    _, url, _ = hosted
    context = chromium.new_context(viewport={"width": 1000, "height": 700}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/index.html?participant=p002")
    answered: list[int] = []
    reloaded = False
    while True:
        wait_until(page, "() => document.body.dataset.screen && "
                         "!['starting', 'saving'].includes(document.body.dataset.screen)")
        screen = page.evaluate("document.body.dataset.screen")
        trial = page.evaluate("document.body.dataset.trial")
        if screen == "end":
            break
        assert screen != "error", page.inner_text("body")
        if screen == "consent":
            page.locator("button.jspsych-btn").first.click()
        elif screen in ("trial", "practice-trial"):
            answered.append(int(trial))
            page.keyboard.press("ArrowRight")
            if len(answered) == 2 and not reloaded:
                wait_until(page, "(t) => document.body.dataset.trial !== t", trial)
                page.reload()
                reloaded = True
                continue
        else:
            page.keyboard.press(" ")
        wait_until(page, "(o) => document.body.dataset.screen !== o[0] || "
                         "document.body.dataset.trial !== o[1]", [screen, trial])
    assert "ST4T" in page.inner_text(".cg-code")
    with page.expect_download() as download:
        page.click("#cg-download")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    context.close()
    assert saved.name == "study-triplets_subject-p002_session-1_responses.json"
    assert problems == []
    db = Database(f"sqlite:///{tmp_path / 'studies.db'}")
    db.migrate()
    studies = load_studies(STUDIES / "triplets", OVERRIDES)
    report = import_responses(db, studies, [saved])
    planned = [t.index for t in studies["triplets"].trials("p002", 1)]
    assert answered == planned  # the reload resumed at the next trial, nothing twice
    assert report[str(saved)]["saved"] == len(planned) and report[str(saved)]["finished"]
    again = import_responses(db, studies, [saved])
    assert again[str(saved)]["saved"] == 0 and again[str(saved)]["duplicates"] == len(planned)
    out = export_psychds(db, tmp_path / "out")
    assert out["triplets"]["valid"]
    table = read_psychds(tmp_path / "out" / "triplets")
    assert set(table["response_position"].astype(int)) == {3}  # always the right-hand item


def test_import_checks_the_file_against_the_study(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'studies.db'}")
    db.migrate()
    studies = load_studies(STUDIES / "triplets", OVERRIDES)
    base = {"format": "cogalign-responses/1", "study": "triplets",
            "definition_hash": studies["triplets"].study.hash, "participant": "p001",
            "session": 1, "finished": True, "responses": []}
    cases = [
        ({"format": "other"}, "not a cogalign answer file"),
        ({"study": "nosuch"}, "not among"),
        ({"definition_hash": "0" * 16}, "definition"),
        ({"participant": "<b>"}, "not valid"),
        ({"responses": [{"trial": 0, "value": 7, "rt": 1, "key": None, "device": "mouse",
                         "onset_utc": "2026-01-01T00:00:00Z",
                         "response_utc": "2026-01-01T00:00:01Z"}]}, "answer 1"),
    ]
    for k, (change, message) in enumerate(cases):
        path = tmp_path / f"bad{k}.json"
        path.write_text(json.dumps({**base, **change}))
        with pytest.raises(CogalignError, match=message):
            import_responses(db, studies, [path])


def test_studies_with_feedback_need_the_server(tmp_path):
    with pytest.raises(CogalignError, match="feedback"):
        export_jspsych(STUDIES / "risky", tmp_path / "site", participants=["p001"],
                       overrides=COMMON + ("gambles.feedback=true",))
    with pytest.raises(CogalignError, match="participant"):
        export_jspsych(STUDIES / "risky", tmp_path / "site", participants=["bad id"],
                       overrides=COMMON)
