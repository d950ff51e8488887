"""The moral-graph flow end to end in a real headless Chromium, against the fake chat server:
consent, the interview with a reload in the middle, the card edited and confirmed, votes on
peers' cards and on upgrades, the completion code; a card that does not parse; hostile text
from the model and the participant; the admin page with the live graph.

The screenshots of every screen kind go to ``$COGALIGN_SCREENSHOTS`` when it is set (else to
a temporary folder); the test prints where.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mg_helpers import CODE, HOSTILE, FakeChatServer, FakeInterviewer, mg_overrides, mg_studies
from serve_helpers import ADMIN_TOKEN, server_process, wait_until, watched_page

from cogalign.serve.db import Database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server (SQLite) with the moral-graph study, the fake chat server, a screenshot folder."""
    tmp = tmp_path_factory.mktemp("mgbrowser")
    shots = Path(os.environ.get("COGALIGN_SCREENSHOTS") or tmp / "screenshots") / "moralgraph"
    shots.mkdir(parents=True, exist_ok=True)
    with FakeChatServer({"answer": FakeInterviewer()}) as fake:
        db = f"sqlite:///{tmp / 'studies.db'}"
        server = server_process(db, tmp / "server.log", studies=mg_studies(tmp / "studies"),
                                overrides=mg_overrides(fake.base_url)).start()
        yield {"server": server, "db": db, "shots": shots, "taken": {}, "fake": fake}
        server.stop()
    print(f"\nmoral-graph screenshots: {shots}")


@pytest.fixture
def page(chromium):
    with watched_page(chromium, 1000, 800) as page:
        yield page


def shot(site, page, name: str) -> None:
    path = site["shots"] / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    site["taken"][name] = path


def screen(page, name: str) -> None:
    page.wait_for_selector(f"body[data-screen={name}]", timeout=20_000)


def say(page, text: str) -> None:
    page.fill("textarea.mg-answer", text)
    page.click("button:text-is('Send')")


def vote_all(site, page, kind: str, label: str, first_shot: str | None = None) -> None:
    while page.evaluate("document.body.dataset.screen") == kind:
        if first_shot:
            shot(site, page, first_shot)
            first_shot = None
        before = page.inner_text(".mg-progress")
        page.click(f"button:text-is('{label}')")
        wait_until(page, "(b) => document.body.dataset.screen !== b[0] || "
                         "document.querySelector('.mg-progress').textContent !== b[1]", [kind, before])


def test_a_participant_goes_through_the_whole_flow(site, page):
    page.goto(f"{site['server'].url}/s/moralgraph/?participant=p001")
    screen(page, "consent")
    shot(site, page, "consent")
    page.click("button:text-is('I agree')")
    screen(page, "interview")
    question = page.inner_text(".mg-question")
    assert question in page.inner_text(".mg-interviewer")
    say(page, "She should hear the facts, and be listened to.")
    page.wait_for_selector(".mg-interviewer >> nth=1")
    shot(site, page, "interview")
    page.reload()  # a reload resumes the interview: no consent again, nothing lost
    screen(page, "interview")
    assert page.locator(".mg-msg").count() == 3
    say(page, "Her own faith matters to her.")
    screen(page, "card")
    shot(site, page, "card")
    assert page.input_value("input[name=title]") == "Caring Honesty"
    page.fill("input[name=title]", "Honest Listening")
    page.fill("textarea[name=attention_policies]",
              page.input_value("textarea[name=attention_policies]") + "\nSILENCES worth keeping")
    page.click("button:text-is('Confirm my card')")
    screen(page, "values")
    vote_all(site, page, "values", "Wise to consider", "values")
    screen(page, "upgrades")
    vote_all(site, page, "upgrades", "The second is wiser", "upgrades")
    screen(page, "done")
    shot(site, page, "done")
    assert page.inner_text(".mg-code") == CODE
    assert page.problems == []
    db = Database(site["db"])
    try:
        card = db.records("moralgraph", "card", participant="p001")[0]["value"]
        assert card["edited"] and card["card"]["title"] == "Honest Listening"
        assert card["card"]["attention_policies"][-1] == "SILENCES worth keeping"
        assert card["draft"]["title"] == "Caring Honesty"
        assert len(db.records("moralgraph", "value-vote", participant="p001")) == 3
        assert len(db.records("moralgraph", "upgrade-vote", participant="p001")) == 3
        assert db.get_session("moralgraph", "p001", 1).finished
    finally:
        db.dispose()


def test_a_card_that_does_not_parse_is_shown_as_an_error_and_tried_again(site, page):
    page.goto(f"{site['server'].url}/s/moralgraph/?participant=p002")
    page.click("button:text-is('I agree')")
    screen(page, "interview")
    say(page, "BADCARD: honesty first")
    page.wait_for_selector(".mg-interviewer >> nth=1")
    say(page, "and kindness")
    screen(page, "card-error")
    shot(site, page, "card-error")
    error = page.inner_text(".mg-error")
    assert "interview moralgraph/p002/1" in error and "card attempt 3" in error
    assert page.locator(".mg-participant").all_inner_texts() == ["You\nBADCARD: honesty first",
                                                                 "You\nand kindness"]
    page.click("button:text-is('Try again')")
    screen(page, "card")
    assert page.input_value("input[name=title]") == "Caring Honesty"
    page.fill("input[name=title]", "")
    page.click("button:text-is('Confirm my card')")
    page.wait_for_selector(".mg-refused")
    assert "title must be non-empty text" in page.inner_text(".mg-refused")
    shot(site, page, "card-refused")
    assert [p for p in page.problems if "422" not in p] == []


def test_hostile_text_from_the_model_and_the_participant_is_shown_as_text(site, page):
    page.goto(f"{site['server'].url}/s/moralgraph/?participant=p003")
    page.click("button:text-is('I agree')")
    screen(page, "interview")
    say(page, f"HOSTILE {HOSTILE}")
    page.wait_for_selector(".mg-interviewer >> nth=1")
    assert HOSTILE in page.inner_text(".mg-interviewer >> nth=1")
    assert f"HOSTILE {HOSTILE}" in page.inner_text(".mg-participant")
    shot(site, page, "hostile-interview")
    say(page, "more")
    screen(page, "card")
    assert HOSTILE in page.input_value("input[name=title]")
    page.click("button:text-is('Confirm my card')")
    screen(page, "values")
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("document.querySelectorAll('script:not([src]):not([type])').length") == 0
    assert page.problems == []  # no alert, no script error, no policy violation


def test_the_admin_page_shows_the_live_graph(site, page):
    page.goto(f"{site['server'].url}/admin/login")
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("text=Log in")
    page.wait_for_url("**/admin/")
    page.click("a[href='/admin/moralgraph/']")
    page.wait_for_selector("#mg-graph")
    width = wait_until(page, "() => document.getElementById('mg-graph').naturalWidth")
    assert width > 300
    assert int(page.inner_text("#upgrade_votes")) >= 3 and int(page.inner_text("#cards")) >= 2
    assert HOSTILE in page.inner_text("#mg-cards")  # the hostile card, as text
    assert page.locator("img[src=x]").count() == 0
    shot(site, page, "admin")
    kinds = ["consent", "interview", "card", "values", "upgrades", "done", "card-error",
             "card-refused", "hostile-interview", "admin"]
    missing = [k for k in kinds if k not in site["taken"]]
    assert not missing, f"not photographed: {missing}"
    assert all(p.stat().st_size > 1000 for p in site["taken"].values())
    (site["shots"] / "index.json").write_text(json.dumps(
        {k: str(v) for k, v in sorted(site["taken"].items())}, indent=1))
    assert page.problems == []
