"""End to end in a real headless Chromium: every shipped study, reload and resume, a lost
network, hostile texts, consent refused, an MTurk preview, trial images, and the static export.

The screenshots of every screen kind go to ``$COGALIGN_SCREENSHOTS`` when it is set (else to
a temporary folder); the test prints where.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from serve_helpers import SHORT, STUDIES, server_process, wait_until, watched_page

from cogalign.data import read_psychds
from cogalign.serve.db import Database
from cogalign.serve.export import export_psychds
from cogalign.serve.studyset import load_studies

pytestmark = pytest.mark.slow

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert('y')>"
TEXT_SCREENS = ("instructions", "practice-start", "practice-end", "break", "resume")
WAITING = ("", "starting", "saving", "fixation")


def _overrides(port: int) -> tuple[str, ...]:
    return SHORT + (
        "timing.fixation=0.25",
        "timing.confirm=0.25",
        "online.completion_code=T3ST",
        "risky:gambles.feedback=true",
        "risky:timing.feedback=0.4",
        "intertemporal:trials.n=10",  # the export is fitted, which takes 10 trials or more
        f"intertemporal:online.redirect=http://127.0.0.1:{port}/healthz?cc={{code}}",
        "intertemporal:online.redirect_delay=1.0",
        "slider:scale.input=slider",
        "slider:scale.min=0",
        "slider:scale.max=100",
        "slider:items.n=5",
        "slider:trials.repeats=1",
        "hostile:trials.repeats=0",
        "hostile:trials.break_every=1",
        "rotation:stimuli.size=160",
        "rotation:timing.feedback=0.4",
    )


def _make_studies(folder: Path) -> Path:
    """The shipped studies, plus a slider variant and one full of hostile texts."""
    for name in ("triplets", "similarity", "risky", "intertemporal", "rotation"):
        shutil.copytree(STUDIES / name, folder / name)
    shutil.copytree(STUDIES / "similarity", folder / "slider")
    slider = folder / "slider" / "study.toml"
    slider.write_text(slider.read_text().replace('name = "similarity"', 'name = "slider"'))
    shutil.copytree(STUDIES / "similarity", folder / "hostile")
    toml = folder / "hostile" / "study.toml"
    text = toml.read_text().replace('name = "similarity"', 'name = "hostile"')
    text = text.replace('prompt = "How similar are these two?"', f'prompt = "{HOSTILE}"')
    text = text.replace('labels = ["very dissimilar", "very similar"]', f'labels = ["{HOSTILE}", "b"]')
    text = re.sub(r'instructions = """.*?"""', f'instructions = """{HOSTILE}\n\nPress SPACE."""',
                  text, flags=re.S)
    text += f'\nbreak = "{HOSTILE} {{done}} of {{total}}"\n'
    toml.write_text(text)
    with open(folder / "hostile" / "items.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "category", "label"])
        for k in range(5):
            writer.writerow([f"item{k}", "thing", f"{HOSTILE} {k}"])
    (folder / "hostile" / "online.toml").write_text(
        f'[online]\nconsent = "{HOSTILE} Do you agree?"\nconsent_button = "{HOSTILE}"\n')
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server (SQLite) for the browser tests, and where the screenshots go."""
    tmp = tmp_path_factory.mktemp("browser")
    studies = _make_studies(tmp / "studies")
    db = f"sqlite:///{tmp / 'studies.db'}"
    server = server_process(db, tmp / "server.log", studies=studies)
    server.overrides = _overrides(server.port)
    server.start()
    shots = Path(os.environ.get("COGALIGN_SCREENSHOTS") or tmp / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    yield {"server": server, "db": db, "studies": studies, "shots": shots, "taken": {},
           "tmp": tmp, "served": load_studies(studies, server.overrides)}
    server.stop()
    print(f"\nscreenshots: {shots}")


@pytest.fixture
def page(chromium):
    with watched_page(chromium, 1100, 760) as page:
        yield page


def _state(page) -> tuple[str, str]:
    return tuple(page.evaluate(
        "[document.body.dataset.screen || '', document.body.dataset.trial || '']"))


def _wait_change(page, old: tuple[str, str]) -> None:
    wait_until(page, "(o) => (document.body.dataset.screen || '') !== o[0] || "
                     "(document.body.dataset.trial || '') !== o[1]", list(old))


def _shot(site, page, name: str) -> None:
    if name not in site["taken"]:
        path = site["shots"] / f"{name}.png"
        page.screenshot(path=str(path))
        site["taken"][name] = path


def _press(key: str, page, index: int) -> None:
    page.keyboard.press(key)


def _click(page, index: int, position: int = 0) -> None:
    page.locator(".cg-option").nth(position).dispatch_event("pointerdown")


def _slider(page, index: int) -> None:
    for key in ("ArrowRight", "ArrowUp", "Enter"):
        page.keyboard.press(key)


def drive(site, page, study: str, answer, *, stop=None, shots: bool = True) -> list[tuple[str, str]]:
    """Go through a study's screens (consent, texts, trials) until the end (or ``stop``)."""
    seen: list[tuple[str, str]] = []
    checks = {t.index for t in site["served"][study].trials("p001", 1) if t.attention_check}
    while True:
        state = _state(page)
        screen, trial = state
        if screen == "error":
            raise AssertionError(page.inner_text("body"))
        if screen in WAITING:
            if screen == "fixation" and shots:
                _shot(site, page, "fixation")
            _wait_change(page, state)
            continue
        seen.append(state)
        if stop is not None and stop(state):
            return seen
        if screen == "end":
            if shots:
                _shot(site, page, f"{study}-end")
            return seen
        if screen == "consent":
            if shots:
                _shot(site, page, f"{study}-consent")
            page.locator("button.jspsych-btn").first.click()
        elif screen in TEXT_SCREENS:
            if shots:
                _shot(site, page, screen if study != "hostile" else f"hostile-{screen}")
            page.keyboard.press(" ")
        elif screen in ("trial", "practice-trial"):
            kind = "attention-check" if int(trial) in checks else screen
            if shots:
                wait_until(page, "() => [...document.images].every((i) => i.complete)")
                _shot(site, page, f"{study}-{kind}")
            answer(page, int(trial))
            if shots:
                page.wait_for_selector(".cg-chosen, .cg-marker.cg-visible", state="attached")
                _shot(site, page, f"{study}-{kind}-answered")
        else:
            raise AssertionError(f"unexpected screen {screen!r}")
        _wait_change(page, state)


def _saved(site, study: str, participant: str = "p001") -> list[int]:
    db = Database(site["db"])
    try:
        return db.saved_trials(study, participant, 1)
    finally:
        db.dispose()


def _planned(site, study: str, participant: str = "p001") -> list[int]:
    return [t.index for t in site["served"][study].trials(participant, 1)]


def test_triplets_with_keys_and_a_reload_in_the_middle(site, page):
    url = f"{site['server'].url}/s/triplets/?participant=p001"
    page.goto(url)
    first = drive(site, page, "triplets", functools.partial(_press, "ArrowLeft"),
                  stop=lambda s: s == ("trial", "3"))
    assert ("practice-end", "") in first and ("break", "") in first
    assert _saved(site, "triplets") == [0, 1, 2]
    page.reload()
    rest = drive(site, page, "triplets", functools.partial(_press, "ArrowDown"))
    assert rest[0] == ("resume", "")  # no consent again, and the study goes on where it was
    assert [int(t) for s, t in rest if s == "trial"] == _planned(site, "triplets")[3:]
    assert _saved(site, "triplets") == _planned(site, "triplets")
    assert "T3ST" in page.inner_text(".cg-code")
    assert page.problems == []


def _key_or_click(page, index: int) -> None:
    if index % 2:
        _click(page, index, position=1)
    else:
        page.keyboard.press("ArrowLeft")


def test_risky_by_keys_and_clicks_with_feedback(site, page):
    page.goto(f"{site['server'].url}/s/risky/?participant=p001")
    drive(site, page, "risky", _key_or_click, stop=lambda s: s == ("trial", "2"))
    page.keyboard.press("ArrowLeft")
    feedback = wait_until(page, "() => { const t = document.querySelector('.cg-feedback')"
                                "?.textContent; return t && t !== '\u2026' ? t : null; }")
    assert re.fullmatch(r"You (won|lost) -?\$\d+(\.\d\d)?", feedback)
    drive(site, page, "risky", _key_or_click)
    assert _saved(site, "risky") == _planned(site, "risky")
    db = Database(site["db"])
    rows = [row for _, row in db.session_rows("risky", "p001", 1)]
    db.dispose()
    devices = {row["trial"]: (row["response_device"], row["response_key"]) for row in rows}
    assert devices == {t: ("mouse", None) if t % 2 else ("keyboard", "left") for t in devices}
    assert {row["feedback_shown"] for row in rows} == {1}
    assert page.problems == []


def test_similarity_keys_and_slider(site, page):
    page.goto(f"{site['server'].url}/s/similarity/?participant=p001")
    drive(site, page, "similarity", functools.partial(_press, "4"))
    page.goto(f"{site['server'].url}/s/slider/?participant=p001")
    drive(site, page, "slider", _slider)
    for study, ratings in (("similarity", {4.0}), ("slider", {60.0})):  # 50 first, then +10
        assert _saved(site, study) == _planned(site, study)
        db = Database(site["db"])
        rows = [row for _, row in db.session_rows(study, "p001", 1)]
        db.dispose()
        checks = {row["rating"] for row in rows if not row["is_attention_check"]}
        assert checks == ratings
    assert page.problems == []


def test_answers_wait_out_a_lost_network_then_arrive(site, page):
    page.goto(f"{site['server'].url}/s/intertemporal/?participant=p001")
    drive(site, page, "intertemporal", functools.partial(_press, "ArrowRight"),
          stop=lambda s: s == ("trial", "1"))
    page.context.set_offline(True)
    drive(site, page, "intertemporal", functools.partial(_press, "ArrowRight"),
          stop=lambda s: s == ("trial", "4"), shots=False)
    page.wait_for_selector("#cg-status.cg-visible")
    _shot(site, page, "offline")
    assert _saved(site, "intertemporal") == [0]  # answered offline, kept in the browser
    queued = page.evaluate("Object.keys(localStorage).filter((k) => k.endsWith('/queue'))"
                           ".map((k) => JSON.parse(localStorage.getItem(k)).length)")
    assert queued == [3]
    page.context.set_offline(False)
    drive(site, page, "intertemporal", functools.partial(_press, "ArrowRight"))
    assert _saved(site, "intertemporal") == _planned(site, "intertemporal")
    page.wait_for_url(re.compile(r"/healthz\?cc=T3ST$"), timeout=10_000)
    assert not [p for p in page.problems if "ERR_INTERNET_DISCONNECTED" not in p]


def _pair_shown(page, index: int) -> None:
    """Answer a rotation trial once its pair image is on screen: LEFT (same) or a click on the
    right box (mirror), in turn."""
    size = wait_until(page, "() => { const i = document.querySelector('img.cg-stimulus');"
                            " return i && i.complete && i.naturalWidth; }")
    assert size == 2 * 160 + 20  # both views and the gap between them
    _key_or_click(page, index)


def test_rotation_pair_images_practice_feedback_and_answers(site, page):
    page.goto(f"{site['server'].url}/s/rotation/?participant=p001")
    drive(site, page, "rotation", _pair_shown, stop=lambda s: s[0] == "practice-trial")
    _pair_shown(page, 0)
    feedback = wait_until(page, "() => { const t = document.querySelector('.cg-feedback')"
                                "?.textContent; return t && t !== '\u2026' ? t : null; }")
    assert feedback in ("Correct", "Wrong")
    _shot(site, page, "rotation-practice-feedback")
    _wait_change(page, ("practice-trial", "0"))
    drive(site, page, "rotation", _pair_shown)
    assert _saved(site, "rotation") == _planned(site, "rotation")
    plan = {t.index: t for t in site["served"]["rotation"].trials("p001", 1)}
    db = Database(site["db"])
    rows = [row for _, row in db.session_rows("rotation", "p001", 1)]
    db.dispose()
    for row in rows:
        assert row["response"] == ("mirror" if row["trial"] % 2 else "same")
        assert row["correct"] == (row["response"] == plan[row["trial"]].stimulus["pair_type"])
        assert row["stimulus_id"] == plan[row["trial"]].stimulus["stimulus_id"]
    assert page.problems == []


def test_hostile_texts_are_shown_as_text(site, page):
    page.goto(f"{site['server'].url}/s/hostile/?participant=p001")
    page.wait_for_selector("body[data-screen=consent]")
    assert HOSTILE in page.inner_text("body")
    _shot(site, page, "hostile-consent")
    seen = drive(site, page, "hostile", functools.partial(_press, "5"), shots=False,
                 stop=lambda s: s[0] == "trial")
    assert ("instructions", "") in seen
    body = page.inner_text("body")
    assert HOSTILE in body  # the prompt and the scale label, as text
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("document.querySelectorAll('script:not([src]):not([type])').length") == 0
    _shot(site, page, "hostile-trial")
    drive(site, page, "hostile", functools.partial(_press, "5"), shots=False)
    assert page.problems == []  # no alert, no script error, no policy violation
    assert _saved(site, "hostile") == _planned(site, "hostile")


def test_declined_consent_stores_nothing_and_preview_waits(site, page):
    page.goto(f"{site['server'].url}/s/risky/?participant=p009")
    page.wait_for_selector("body[data-screen=consent]")
    page.locator("button.jspsych-btn").nth(1).click()
    page.wait_for_selector("body[data-screen=declined]")
    _shot(site, page, "declined")
    page.goto(f"{site['server'].url}/s/risky/?workerId=W1&assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE"
              "&hitId=H1")
    page.wait_for_selector("body[data-screen=preview]")
    _shot(site, page, "mturk-preview")
    db = Database(site["db"])
    assert [s["participant"] for s in db.sessions("risky")] == ["p001"]
    db.dispose()


def test_every_screen_kind_was_photographed_and_the_export_fits(site):
    kinds = ["triplets-consent", "instructions", "practice-start", "triplets-practice-trial",
             "practice-end", "fixation", "triplets-trial", "triplets-trial-answered",
             "triplets-attention-check", "break", "resume", "triplets-end",
             "risky-trial-answered", "similarity-trial", "slider-trial-answered", "offline",
             "hostile-consent", "hostile-trial", "declined", "mturk-preview",
             "rotation-practice-feedback", "rotation-trial", "rotation-attention-check"]
    missing = [k for k in kinds if k not in site["taken"]]
    assert not missing, f"not photographed: {missing} (taken: {sorted(site['taken'])})"
    assert all(p.stat().st_size > 1000 for p in site["taken"].values())
    out = site["tmp"] / "export"
    report = export_psychds(Database(site["db"]), out)
    assert all(r["valid"] for r in report.values())
    table = read_psychds(out / "intertemporal")
    assert len(table) == len(_planned(site, "intertemporal")) - 1  # one practice trial
    from cogalign.intertemporal import IntertemporalChoiceModel

    twice = pd.concat([table, table], ignore_index=True)  # one session is under a fit's minimum
    fit = IntertemporalChoiceModel("hyperbolic", hierarchical=False, method="map").fit(twice)
    assert fit.n_obs_ == len(twice)
    assert all(map(lambda v: v == v, fit.params_.values()))  # finite, not NaN
    (site["shots"] / "index.json").write_text(json.dumps(
        {k: str(v) for k, v in sorted(site["taken"].items())}, indent=1))
