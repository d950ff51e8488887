"""Simulated participants and sessions on disk: validated output, resume, refusals."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner
from study_helpers import PARADIGMS, definition_path

from cogalign.cli import main as cogalign_main
from cogalign.data import read_psychds, read_trials
from cogalign.errors import CogalignError
from cogalign.risky.study import ProspectTheoryParticipant
from cogalign.studies import Session, load_definition, make_model, prepare_study, run_simulated
from cogalign.studies.cli import study_group
from cogalign.studies.simulate import all_participants

SMALL = ("trials.n=12", "trials.practice=2", "trials.attention_checks=2", "trials.break_every=5")
SIMILARITY_SMALL = ("items.n=6",)  # 15 pairs (+ repeats) instead of 120
NOT_TIMES = ["onset_utc", "response_utc"]


@pytest.fixture(autouse=True)
def _shipped_items(monkeypatch):
    monkeypatch.delenv("COGALIGN_DATA_PATH", raising=False)


def small_study(name, *extra):
    more = SIMILARITY_SMALL if name == "similarity" else ()
    return prepare_study(load_definition(definition_path(name), SMALL + more + extra))


def simulate(study, out, participant="sim001", model="default", session=1, resume=False,
             max_trials=None):
    sim = make_model(model, study)
    sess = Session(study, participant, session, output=out, resume=resume,
                   simulated_by=sim.spec).open()
    return run_simulated(sess, sim, max_trials=max_trials)


def data_rows(summary):
    return pd.read_csv(summary["data_file"], dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", PARADIGMS)
def test_simulated_session_validates_and_loads(tmp_path, name):
    study = small_study(name)
    out = tmp_path / name
    summary = simulate(study, out)
    assert summary["status"] == "completed" and summary["trials_done"] == summary["trials_total"]
    table = read_psychds(out)  # the paradigm's loader, unchanged
    assert len(table) == summary["trials_total"] - 2
    assert (table["is_attention_check"].astype(int).sum()) == 2
    assert table["simulated_by"].str.startswith(make_model("default", study).name).all()
    practice = read_trials(summary["practice_file"], study.schema)
    assert len(practice) == 2 and set(practice["trial"]) == {0, 1}
    assert set(table["trial"]) == set(range(2, summary["trials_total"]))
    # the command-line validator accepts the folder as it is
    result = CliRunner().invoke(cogalign_main, ["validate", str(out), "--paradigm",
                                                study.schema.name, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True
    meta = json.loads((out / "dataset_description.json").read_text())
    declared = {v["name"] for v in meta["variableMeasured"]}
    assert set(study.columns) <= declared
    assert f"cogalign:{study.schema.name}" in meta["keywords"]


def test_a_second_participant_shares_the_description(tmp_path):
    study = small_study("risky")
    simulate(study, tmp_path, "sim001")
    simulate(study, tmp_path, "sim002")
    table = read_psychds(tmp_path)
    assert sorted(table["participant_id"].unique()) == ["sim001", "sim002"]


def test_simulation_is_reproducible_and_resume_matches_an_uninterrupted_run(tmp_path):
    study = small_study("triplets")
    whole = data_rows(simulate(study, tmp_path / "whole")).drop(columns=NOT_TIMES)
    first = simulate(study, tmp_path / "parts", max_trials=7)
    assert first["status"] == "stopped" and first["trials_done"] == 7
    before = open(first["data_file"], "rb").read()
    second = simulate(study, tmp_path / "parts", resume=True, max_trials=3)
    assert second["resumed"] and second["trials_done"] == 10
    third = simulate(study, tmp_path / "parts", resume=True)
    assert third["status"] == "completed"
    assert open(third["data_file"], "rb").read().startswith(before)
    parts = data_rows(third).drop(columns=NOT_TIMES)
    pd.testing.assert_frame_equal(parts, whole)
    events = [json.loads(line)["event"] for line in open(third["log_file"])]
    assert events == ["start", "stopped", "resume", "stopped", "resume", "end"]


def test_existing_session_is_never_overwritten(tmp_path):
    study = small_study("intertemporal")
    summary = simulate(study, tmp_path)
    before = open(summary["data_file"], "rb").read()
    with pytest.raises(CogalignError, match="already has data .*--resume"):
        simulate(study, tmp_path)
    assert open(summary["data_file"], "rb").read() == before
    # resuming a finished session writes nothing new
    again = simulate(study, tmp_path, resume=True)
    assert again["trials_done"] == again["trials_total"]
    assert open(summary["data_file"], "rb").read() == before
    # another session of the same participant is a new file
    other = simulate(study, tmp_path, session=2)
    assert other["data_file"].endswith("session-2_data.csv")


def test_resume_refuses_a_changed_definition_or_another_participant_type(tmp_path):
    study = small_study("risky")
    simulate(study, tmp_path, max_trials=3)
    changed = small_study("risky", "gambles.max_value=80")
    with pytest.raises(CogalignError, match=r"definition changed .*gambles.max_value: 100 -> 80"):
        simulate(changed, tmp_path, resume=True)
    with pytest.raises(CogalignError, match="started by ev:.*not by a person"):
        Session(study, "sim001", 1, output=tmp_path, resume=True).open()
    with pytest.raises(CogalignError, match="nothing to resume"):
        simulate(study, tmp_path, participant="sim009", resume=True)


def test_resume_detects_rows_that_do_not_match_the_plan(tmp_path):
    study = small_study("intertemporal")
    summary = simulate(study, tmp_path, max_trials=4)
    path = summary["data_file"]
    lines = open(path).read().splitlines()
    cells = lines[1].split(",")
    cells[3] = "999"  # x1 of the first main trial
    lines[1] = ",".join(cells)
    with open(path, "w") as fh:  # tamper with the file (the test's doing, not the writer's)
        fh.write("\n".join(lines) + "\n")
    with pytest.raises(CogalignError, match="line 2: column 'x1' is '999'"):
        simulate(study, tmp_path, resume=True)


def test_a_torn_row_is_run_again_on_resume(tmp_path):
    study = small_study("similarity")
    summary = simulate(study, tmp_path, max_trials=5)
    with open(summary["data_file"], "ab") as fh:
        fh.write(b"sim001,1,5,dog,ca")  # killed in the middle of writing trial 5
    done = simulate(study, tmp_path, resume=True)
    table = read_psychds(tmp_path)
    assert sorted(table["trial"]) == list(range(2, done["trials_total"]))
    assert len(list((tmp_path / "data").glob("*.partial-*"))) == 1


@pytest.mark.parametrize("bad", ["John Smith", "p-001", "p1", "", "P001", "x" * 40])
def test_participant_ids_must_match_the_pattern(tmp_path, bad):
    study = small_study("risky")
    with pytest.raises(CogalignError, match="participant id .* does not match|letters and digits"):
        Session(study, bad, output=tmp_path)
    assert not (tmp_path / "data").exists()


def test_models_choose_as_their_theory_says(tmp_path):
    # risky: a sharp EV chooser takes the higher expected value, the dominance checks included
    study = small_study("risky", "trials.n=40")
    simulate(study, tmp_path / "ev", model="ev:beta=5")
    t = read_psychds(tmp_path / "ev")
    higher = (t["ev_b"].astype(float) > t["ev_a"].astype(float)).map({True: "B", False: "A"})
    assert (t["response"] == higher).mean() > 0.95
    # intertemporal: a very impatient hyperbolic chooser takes money now over money later
    study = small_study("intertemporal", "trials.n=30")
    simulate(study, tmp_path / "k", model="hyperbolic:k=50,beta=5")
    t = read_psychds(tmp_path / "k")
    now = t[t["t1"] == 0]
    assert len(now) >= 5 and (now["response"] == 0).mean() > 0.9
    simulate(study, tmp_path / "patient", model="exponential:delta=1,beta=5")
    t = read_psychds(tmp_path / "patient")
    later_larger = t[t["x2"] > t["x1"]]
    assert (later_larger["response"] == 1).mean() > 0.9


def test_embedding_model_passes_category_checks_and_random_does_not_always(tmp_path):
    study = small_study("triplets", "trials.attention_checks=12")
    simulate(study, tmp_path / "emb", model="embedding:beta=30")
    t = read_psychds(tmp_path / "emb")
    checks = t[t["is_attention_check"].astype(int) == 1]
    assert (checks["response"].astype(str) == checks["expected_response"].astype(str)).mean() > 0.9
    simulate(study, tmp_path / "rnd", model="random")
    t = read_psychds(tmp_path / "rnd")
    checks = t[t["is_attention_check"].astype(int) == 1]
    assert (checks["response"].astype(str) == checks["expected_response"].astype(str)).mean() < 0.9


def test_similarity_ratings_are_on_the_scale_and_follow_categories(tmp_path):
    study = prepare_study(load_definition(definition_path("similarity"),
                                          ["trials.attention_checks=1", "trials.practice=0"]))
    simulate(study, tmp_path, model="embedding:noise=0.02")
    t = read_psychds(tmp_path)
    assert t["rating"].isin([1, 2, 3, 4, 5, 6, 7]).all()
    category = {x.name: x.category for x in study.items}
    same = t["item_a"].map(category) == t["item_b"].map(category)
    assert t.loc[same, "rating"].mean() > t.loc[~same, "rating"].mean() + 1


def test_prospect_theory_value_matches_the_formula():
    study = small_study("risky")
    m = ProspectTheoryParticipant(study)
    assert math.isclose(m.value([100.0], [1.0]), 100**0.88)
    assert math.isclose(m.value([-100.0], [1.0]), -2.25 * 100**0.88)
    w = m._w(0.1)
    assert math.isclose(w, 0.1**0.61 / (0.1**0.61 + 0.9**0.61) ** (1 / 0.61))
    assert math.isclose(m.value([100.0, 0.0], [0.1, 0.9]), w * 100**0.88)
    assert w > 0.1  # small probabilities are overweighted


def test_model_errors():
    study = small_study("risky")
    with pytest.raises(CogalignError, match="unknown simulated participant 'nope'"):
        make_model("nope", study)
    with pytest.raises(CogalignError, match="does not do the risky paradigm; use one of: random, ev, cpt"):
        make_model("hyperbolic", study)
    with pytest.raises(CogalignError, match="unknown setting"):
        make_model("ev:temperature=3", study)
    with pytest.raises(CogalignError, match="is not a number"):
        make_model("ev:beta=high", study)
    with pytest.raises(CogalignError, match="not key=value"):
        make_model("ev:beta", study)
    assert set(all_participants()) >= {"random", "embedding", "llm", "ev", "cpt", "hyperbolic", "exponential"}


def test_run_command_simulated_json(tmp_path):
    args = ["run", str(definition_path("risky")), "--participant", "sim001", "--simulate", "cpt",
            "--output", str(tmp_path), "--json"] + [x for s in SMALL for x in ("--set", s)]
    result = CliRunner().invoke(study_group, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "completed" and summary["simulated_by"].startswith("cpt:")
    again = CliRunner().invoke(study_group, args)
    assert again.exit_code == 1
    assert "already has data" in json.loads(again.stdout)["error"]  # --json: the error as JSON
    assert again.stderr.count("\n") == 1 and again.stderr.startswith("error: ")
    bad = CliRunner().invoke(study_group, ["run", str(definition_path("risky")), "-p", "Anna",
                                           "--simulate", "ev", "-o", str(tmp_path)])
    assert bad.exit_code == 1 and "does not match the study's pattern" in bad.output
    nodisplay = CliRunner().invoke(study_group, ["run", str(definition_path("risky")), "-p",
                                                 "p001", "-o", str(tmp_path), "--max-trials", "2"])
    assert nodisplay.exit_code == 1 and "--max-trials is for simulated" in nodisplay.output


def test_human_run_without_a_display_fails_clearly(tmp_path, monkeypatch):
    pytest.importorskip("psychopy")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = CliRunner().invoke(study_group, ["run", str(definition_path("risky")), "-p", "p001",
                                              "-o", str(tmp_path)])
    assert result.exit_code == 1 and "no display" in result.output
    assert not (tmp_path / "data").exists()


@pytest.mark.llm
@pytest.mark.slow
def test_llm_participant_uses_language_model_embeddings(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    study = small_study("triplets", "trials.attention_checks=6")
    try:
        model = make_model("llm:model=minilm-l6", study)
    except CogalignError as exc:
        pytest.skip(f"language model not available offline: {exc}")
    sess = Session(study, "llm001", output=tmp_path, simulated_by=model.spec).open()
    run_simulated(sess, model)
    t = read_psychds(tmp_path)
    assert t["simulated_by"].str.startswith("llm:").all()
    checks = t[t["is_attention_check"].astype(int) == 1]
    # category odd-one-outs such as (dog, cat, hammer) are easy for a sentence encoder
    assert (checks["response"].astype(str) == checks["expected_response"].astype(str)).mean() >= 0.5


def test_output_feeds_the_paradigm_packages(tmp_path):
    """The paradigms' own readers take a study's files as they are (where those exist)."""
    arrays = pytest.importorskip("cogalign.triplets.arrays")
    study = small_study("triplets")
    simulate(study, tmp_path / "t")
    table = read_psychds(tmp_path / "t")
    odd_last = arrays.odd_last(table)
    assert odd_last.shape == (len(table), 3) and (odd_last[:, 2] == table["response"]).all()

    risky_data = pytest.importorskip("cogalign.risky.data")
    intertemporal_data = pytest.importorskip("cogalign.intertemporal.data")
    for name, reader in (("risky", risky_data.read_risky),
                         ("intertemporal", intertemporal_data.read_intertemporal)):
        summary = simulate(small_study(name), tmp_path / name)
        loaded = reader(summary["data_file"])
        assert len(loaded) == summary["trials_total"] - 2
        assert set(loaded["response"]) <= ({"A", "B"} if name == "risky" else {0, 1})
