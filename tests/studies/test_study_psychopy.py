"""Real PsychoPy windows under Xvfb, answered with injected key presses and clicks.

Every test starts ``cogalign study`` (as ``python -m cogalign.studies``) in a subprocess on
the virtual display of the ``xdisplay`` fixture while ``xdotool`` presses keys, then checks
the files the run left: they must validate with ``cogalign validate``, load with the
paradigm's reader, and hold the answers the keys gave.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from study_helpers import (
    FAST,
    PARADIGMS,
    KeyDriver,
    clean_env,
    definition_path,
    make_image_study,
    sets,
    study_command,
    wait_for,
)

from cogalign.cli import main as cogalign_main
from cogalign.data import read_psychds, read_trials
from cogalign.studies import load_definition, prepare_study

Image = pytest.importorskip("PIL.Image", reason="Pillow (installed with PsychoPy) is needed")

SMALL = ("trials.n=4", "trials.practice=1", "trials.attention_checks=1", "trials.break_every=3")
SIMILARITY = ("items.n=4", "trials.n=0", "trials.repeats=0")  # all 6 pairs


def args_for(name, out, *extra, participant="p001"):
    more = SIMILARITY if name == "similarity" else ()
    return ["run", str(definition_path(name)), "--participant", participant, "--output", str(out),
            "--json", *sets(*FAST, *SMALL, *more, *extra)]


def validate(out, paradigm):
    result = CliRunner().invoke(cogalign_main, ["validate", str(out), "-p", paradigm, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True
    return read_psychds(out)


def finished(result):
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed", summary
    return summary


def test_triplets_left_key_picks_the_left_item(run_study, tmp_path):
    summary = finished(run_study(args_for("triplets", tmp_path), keys=["space", "Left"]))
    table = validate(tmp_path, "triplets")
    assert len(table) == 5  # 4 trials + 1 attention check; the practice trial is apart
    assert (table["response"] == table["item_1"]).all()
    assert (table["response_position"].astype(int) == 1).all()
    assert (table["response_device"] == "keyboard").all() and (table["response_key"] == "left").all()
    assert (table["simulated_by"] == "").all()
    rt = table["rt"].to_numpy()
    assert np.all((rt > 0) & (rt < 30))
    assert (pd.to_datetime(table["response_utc"]) >= pd.to_datetime(table["onset_utc"])).all()
    practice = read_trials(summary["practice_file"], "triplets")
    assert list(practice["trial"]) == [0] and list(table["trial"]) == [1, 2, 3, 4, 5]
    events = [json.loads(line)["event"] for line in open(summary["log_file"])]
    assert events[0] == "start" and events[-1] == "end" and "break" in events


def test_similarity_number_keys_rate(run_study, tmp_path):
    finished(run_study(args_for("similarity", tmp_path), keys=["space", "5"]))
    table = validate(tmp_path, "similarity")
    assert len(table) == 7 and (table["rating"] == 5).all()
    assert (table["scale_min"] == 1).all() and (table["scale_max"] == 7).all()


def test_similarity_slider_with_arrow_keys(run_study, tmp_path):
    args = args_for("similarity", tmp_path, "scale.input=slider", "scale.min=0", "scale.max=100",
                    "trials.attention_checks=0", "items.n=3")
    finished(run_study(args, keys=["space", "Right", "Right", "Right"]))
    table = validate(tmp_path, "similarity")
    # the first arrow places the marker in the middle, the next ones move it one step
    assert len(table) == 3 and table["rating"].between(50, 52).all()
    assert (table["scale_max"] == 100).all()


def test_risky_right_key_and_feedback(run_study, tmp_path):
    finished(run_study(args_for("risky", tmp_path, "gambles.feedback=true"),
                       keys=["space", "Right"]))
    table = validate(tmp_path, "risky")
    right = table["a_side"].map({"left": "B", "right": "A"})
    assert len(table) == 5 and (table["response"] == right).all()
    for _, r in table.iterrows():
        chosen = r["outcomes_a"] if r["response"] == "A" else r["outcomes_b"]
        assert r["payoff"] in chosen
    assert (table["feedback_shown"] == "1").all()


def test_intertemporal_left_key(run_study, tmp_path):
    args = [*args_for("intertemporal", tmp_path), "--fullscreen"]
    finished(run_study(args, keys=["space", "Left"]))
    table = validate(tmp_path, "intertemporal")
    later_on_left = table["sooner_side"].map({"left": 0, "right": 1})
    assert len(table) == 5 and (table["response"] == later_on_left).all()


def test_rotation_left_key_answers_same_after_the_pairs_are_drawn(run_study, tmp_path):
    extra = ("stimuli.size=96",)
    finished(run_study(args_for("rotation", tmp_path, *extra), keys=["space", "Left"]))
    table = validate(tmp_path, "rotation")
    assert len(table) == 5 and (table["response"] == "same").all()
    assert (table["correct"] == (table["pair_type"] == "same")).all()
    assert (table["response_key"] == "left").all()
    # the runner drew every pair before the first screen, where the design keeps them
    study = prepare_study(load_definition(definition_path("rotation"), [*FAST, *SMALL, *extra]))
    drawn = sorted(p.name for p in study.design.folder.iterdir())
    assert drawn == sorted(t.stimulus["image_file"] for t in study.trials("p001", 1))


def test_mouse_click_chooses_the_clicked_item(xdisplay, tmp_path):
    """Click the right-hand box of each triplet trial (coordinates relative to the window)."""
    args = args_for("triplets", tmp_path, "trials.attention_checks=0", "trials.practice=0",
                    "trials.n=2", "display.size=[800, 600]")
    env = clean_env(DISPLAY=xdisplay)
    proc = subprocess.Popen(study_command(*args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wid = _window_id(xdisplay, proc)
        # the right box's centre: x = 0.48 height units right of the centre, y = 0.02 up
        x, y = 400 + int(0.48 * 600), 300 - int(0.02 * 600)
        clicks = ["xdotool", "mousemove", "--window", wid, str(x), str(y), "click", "1"]
        with KeyDriver(xdisplay, ["space"], 0.3):
            while proc.poll() is None:
                subprocess.run(clicks, env=env, check=False, capture_output=True)
                try:
                    proc.wait(timeout=0.4)
                except subprocess.TimeoutExpired:
                    pass
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    table = validate(tmp_path, "triplets")
    assert len(table) == 2
    assert (table["response"] == table["item_3"]).all()
    assert (table["response_device"] == "mouse").all()


def _window_id(display, proc, timeout=60.0):
    env = {**os.environ, "DISPLAY": display}
    found: list[str] = []

    def visible():
        if proc.poll() is not None:
            pytest.fail(f"the study exited early: {proc.stderr.read()[-2000:]}")
        r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "PsychoPy"], env=env,
                           capture_output=True, text=True, check=False)
        found[:] = r.stdout.split()
        return bool(found)

    wait_for(visible, timeout, "the PsychoPy window")
    return found[-1]


def _data_lines(path):
    return path.read_text().splitlines()[1:] if path.exists() else []


@pytest.mark.slow
def test_kill_mid_session_then_resume_loses_and_repeats_nothing(xdisplay, tmp_path, monkeypatch):
    """SIGKILL a running session, resume it, stop it with the quit key, resume to the end."""
    # the plan below must use the same items as the subprocess, which gets no search path
    monkeypatch.delenv("COGALIGN_DATA_PATH", raising=False)
    n = 10
    args = args_for("triplets", tmp_path, f"trials.n={n}", "trials.attention_checks=1",
                    "trials.break_every=0")
    study = prepare_study(load_definition(definition_path("triplets"),
                                          [*FAST, *SMALL, f"trials.n={n}", "trials.break_every=0"]))
    data = tmp_path / "data" / "study-triplets_subject-p001_session-1_data.csv"
    env = clean_env(DISPLAY=xdisplay)

    # 1. killed without warning once three main trials are on disk
    proc = subprocess.Popen(study_command(*args), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        with KeyDriver(xdisplay, ["space", "Left"], 0.25):
            wait_for(lambda: len(_data_lines(data)) >= 3 or proc.poll() is not None, 120,
                     "three trials on disk")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    kept = data.read_bytes()
    n_kept = len(_data_lines(data))
    assert 3 <= n_kept < n + 1

    # 2. without --resume the session is refused and the file untouched
    refused = subprocess.run(study_command(*args), env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert refused.returncode == 1 and "--resume" in refused.stderr
    assert data.read_bytes() == kept

    # 3. resumed, then stopped with the quit key after at least one more trial
    proc = subprocess.Popen(study_command(*args, "--resume"), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        with KeyDriver(xdisplay, ["space", "Left"], 0.25):
            wait_for(lambda: len(_data_lines(data)) > n_kept or proc.poll() is not None, 120,
                     "a trial after resuming")
        with KeyDriver(xdisplay, ["Escape"], 0.3):
            out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    stopped = json.loads(out)
    assert stopped["resumed"] and stopped["status"] in ("stopped", "completed")
    assert data.read_bytes().startswith(kept)

    # 4. resumed to the end (if the quit key came after the last trial, it is complete already)
    if stopped["status"] == "stopped":
        with KeyDriver(xdisplay, ["space", "Left"], 0.25):
            result = subprocess.run(study_command(*args, "--resume"), env=env,
                                    capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        assert json.loads(result.stdout)["status"] == "completed"
    assert data.read_bytes().startswith(kept)

    # every planned trial exactly once, in the planned order, with the planned items
    table = validate(tmp_path, "triplets")
    practice = read_trials(tmp_path / "practice" /
                           "study-triplets_subject-p001_session-1_practice.csv", "triplets")
    both = pd.concat([practice, table], ignore_index=True)
    plan = study.trials("p001", 1)
    assert list(both["trial"]) == [t.index for t in plan]
    for column in ("item_1", "item_2", "item_3"):
        assert list(both[column]) == [t.stimulus[column] for t in plan]
    events = [json.loads(line)["event"] for line in open(tmp_path / "logs" /
              "study-triplets_subject-p001_session-1_log.jsonl")]
    assert events[0] == "start" and events.count("resume") >= 2 and events[-1] == "end"


@pytest.mark.slow
@pytest.mark.parametrize("name", PARADIGMS)
def test_screenshots_of_every_screen(run_study, tmp_path, name):
    extra = {"risky": ["gambles.feedback=true"], "rotation": ["stimuli.size=96"]}.get(name, [])
    out = tmp_path / "shots"
    result = run_study(["screenshot", str(definition_path(name)), "--out", str(out), "--json",
                        *sets("display.check_timing=false", "display.size=[960, 600]", *extra)])
    assert result.returncode == 0, result.stderr[-3000:]
    files = [os.path.basename(f) for f in json.loads(result.stdout)["files"]]
    assert files == [f"{name}-{k:02d}-{screen}.png" for k, screen in enumerate(
        ["instructions", "practice-start", "practice-trial", "practice-end", "fixation", "trial",
         "trial-answered", "attention-check", "break", "end"], start=1)]
    for f in files:
        image = np.asarray(Image.open(out / f).convert("RGB"))
        assert image.shape == (600, 960, 3)
        # text or boxes were drawn on the background
        assert (np.abs(image.astype(int) - image[0, 0]).sum(axis=2) > 100).mean() > 0.0001, f
    trial = np.asarray(Image.open(out / files[5]).convert("RGB")).astype(int)
    answered = np.asarray(Image.open(out / files[6]).convert("RGB")).astype(int)
    assert (trial != answered).any()  # the answer is highlighted
    white = (trial > 240).all(axis=2)  # the pair image's background, above the options
    if name == "rotation":
        assert white[:330].mean() > 0.2 and white[330:].mean() < 0.05
    else:
        assert white.mean() < 0.05
    again = run_study(["screenshot", str(definition_path(name)), "--out", str(out)])
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr


@pytest.mark.slow
def test_image_items_are_shown(run_study, tmp_path):
    definition, _ = make_image_study(tmp_path)
    out = tmp_path / "shots"
    result = run_study(["screenshot", str(definition), "--out", str(out), "--participant", "p1",
                        *sets("display.check_timing=false", "display.size=[800, 600]")])
    assert result.returncode == 0, result.stderr[-3000:]
    image = np.asarray(Image.open(out / "colours-06-trial.png").convert("RGB")).astype(int)
    # the colour patches are on screen: strongly saturated pixels
    saturation = image.max(axis=2) - image.min(axis=2)
    assert (saturation > 100).mean() > 0.01
