"""The same/mirror study: definition checks, trial lists, pair images, simulated sessions, fits."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cogalign.cli import main as cogalign_main
from cogalign.data import read_psychds
from cogalign.errors import CogalignError
from cogalign.studies import Session, load_definition, make_model, prepare_study, run_simulated
from cogalign.studies.definition import DefinitionError
from cogalign.studies.design import Response
from cogalign.studies.library import shipped_studies
from cogalign.studies.simulate import all_participants

Image = pytest.importorskip("PIL.Image")

DEFINITION = shipped_studies()["rotation"].definition
SMALL = ("trials.n=12", "trials.practice=2", "trials.attention_checks=2", "stimuli.size=64")
NOT_TIMES = ["onset_utc", "response_utc"]


def study_of(*overrides, path=DEFINITION):
    return prepare_study(load_definition(path, SMALL + overrides))


def simulate(study, out, participant="sim001", model="default", resume=False, max_trials=None):
    sim = make_model(model, study)
    session = Session(study, participant, 1, output=out, resume=resume,
                      simulated_by=sim.spec).open()
    return run_simulated(session, sim, max_trials=max_trials)


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


@pytest.mark.parametrize("override, message", [
    ("angles.values=[0, 400]", "[angles] values: angles must be within 0-360 degrees"),
    ('angles.axes=["w"]', "[angles] axes: axes must be among"),
    ("angles.mirror_share=1.5", "[angles] mirror_share: must be within 0-1"),
    ("objects.arms=10", "[objects] arms: 10 cubes cannot make 10 arms"),
    ('stimuli.mirror_text="same"', "[stimuli] mirror_text: must differ from same_text"),
    ('objects.source="file"', '[objects] file: source = "file" needs a file'),
    ("stimuli.size=16", "[stimuli] size: must be 32-2048 pixels"),
    ('stimuli.mirror_side="up"', "[stimuli] mirror_side: must be one of"),
])
def test_bad_fields_are_named(override, message):
    with pytest.raises(DefinitionError) as info:
        load_definition(DEFINITION, [override])
    assert message in str(info.value) and str(DEFINITION) in str(info.value)


def test_objects_from_a_file(tmp_path):
    definition = tmp_path / "study.toml"
    definition.write_text(DEFINITION.read_text())
    (tmp_path / "objects.txt").write_text("a: F2 U3 R2 U2\nb: R3 U2 F2 U2\nflat: R2 U2 L1\n")
    base = ('objects.source="file"', 'objects.file="objects.txt"')
    study = study_of(*base, "objects.count=2", path=definition)
    assert [o.name for o in study.design.objects] == ["a", "b"]
    codes = {t.stimulus["object_id"]: t.stimulus["object_code"] for t in study.trials("p001", 1)}
    assert codes == {"a": "F2 U3 R2 U2", "b": "R3 U2 F2 U2"}
    with pytest.raises(DefinitionError, match="object 'flat' is its own mirror image"):
        study_of(*base, "objects.count=0", path=definition)
    with pytest.raises(DefinitionError, match="count: 4 objects asked for, objects.txt has 3"):
        study_of(*base, "objects.count=4", path=definition)


def test_trial_lists_are_seeded_and_balanced():
    study = prepare_study(load_definition(DEFINITION))  # the shipped study: 80 main trials
    a = study.trials("p001", 1)
    assert a == study.trials("p001", 1)
    b = study.trials("p002", 1)
    main = [t for t in a if not t.practice and not t.attention_check]
    other = [t for t in b if not t.practice and not t.attention_check]
    assert [t.stimulus for t in main] != [t.stimulus for t in other]
    ids = sorted(t.stimulus["stimulus_id"] for t in main)
    assert ids == sorted(t.stimulus["stimulus_id"] for t in other) and len(set(ids)) == 80
    # 5 angles x 2 axes x 4 objects, each cell twice; half of every angle x axis group mirror
    cells = Counter((t.stimulus["angle"], t.stimulus["axis"], t.stimulus["object_id"])
                    for t in main)
    assert len(cells) == 40 and set(cells.values()) == {2}
    pairs = Counter((t.stimulus["angle"], t.stimulus["axis"], t.stimulus["pair_type"])
                    for t in main)
    assert set(pairs.values()) == {4} and len(pairs) == 20
    poses = {t.stimulus["pose_seed"] for t in main}
    assert len(poses) == 80  # every trial its own start pose
    # the options keep their places; checks at angle 0 expect the pair type
    assert {tuple(o.lines for o in t.options) for t in a} == {(("same",), ("mirror",))}
    checks = [t for t in a if t.attention_check]
    assert len(checks) == 4 and {t.stimulus["angle"] for t in checks} == {0.0}
    assert [t.expected for t in checks] == [t.stimulus["pair_type"] for t in checks]
    assert {t.expected for t in checks} == {"same", "mirror"}
    assert all(t.practice for t in a[:4]) and len({t.image for t in a}) == len(a)


def test_answers_feedback_and_a_swapped_mirror_side():
    study = study_of('stimuli.mirror_side="left"', 'stimuli.same_text="SAME"')
    trials = study.trials("p001", 1)
    practice, trial = trials[0], trials[5]
    assert [o.lines[0] for o in trial.options] == ["mirror", "SAME"]
    left = study.design.answer(trial, Response(0, 0.5, "keyboard"))
    assert left == {"response": "mirror", "correct": trial.stimulus["pair_type"] == "mirror"}
    with pytest.raises(ValueError, match="position 2"):
        study.design.answer(trial, Response(2, 0.5, "keyboard"))
    right = study.design.feedback(practice, Response(1, 0.5, "keyboard"))
    assert right == ("Correct" if practice.stimulus["pair_type"] == "same" else "Wrong")
    assert study.design.feedback(trial, Response(1, 0.5, "keyboard")) is None
    assert "\u2190 for MIRROR and \u2192 for SAME" in study.design.instructions("")


def test_pair_images_are_drawn_once_and_identical_across_runs(tmp_path, monkeypatch):
    drawn = {}
    for run in ("a", "b"):
        monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path / run))
        study = study_of()
        trials = study.trials("p001", 1)
        assert not study.design.folder.exists()  # nothing is drawn until the images are asked for
        files = study.design.images()
        assert len(files) == 16 and {t.image for t in trials} <= set(files)
        drawn[run] = {f.rsplit("/", 1)[1]: open(f, "rb").read() for f in files}
    assert drawn["a"] == drawn["b"]
    assert pixels(trials[0].image).shape == (64, 2 * 64 + 8, 3)  # two views and the gap
    for t in (t for t in trials if t.attention_check):
        image = pixels(t.image)
        left, right = image[:, :64], image[:, -64:]
        if t.expected == "same":
            assert (left == right).all()
        else:
            assert (right == left[:, ::-1]).all() and (left != right).any()
    # another image size is another stimulus set, in its own folder
    assert study_of("stimuli.size=48").design.folder != study.design.folder


def test_a_simulated_session_validates_and_fits(tmp_path):
    pytest.importorskip("numpyro")
    from cogalign.rotation import RotationModel

    study = study_of("trials.n=40", "stimuli.feedback=false")
    for participant in ("sim001", "sim002"):
        summary = simulate(study, tmp_path, participant, model="linear:slope=15,acc_slope=-1")
        assert summary["status"] == "completed" and summary["trials_done"] == 44
    result = CliRunner().invoke(cogalign_main, ["validate", str(tmp_path), "-p", "rotation",
                                                "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True
    table = read_psychds(tmp_path)
    assert len(table) == 84 and table["simulated_by"].str.startswith("linear:").all()
    assert (table["correct"] == (table["response"] == table["pair_type"])).all()
    main = table[table["is_attention_check"].astype(int) == 0]
    means = main[main["correct"]].groupby("angle")["rt"].mean()
    assert means[160.0] > means[0.0] + 1.0  # 15 ms/deg: 2.4 s slower at 160 degrees
    fit = RotationModel("linear", hierarchical=False, method="map", seed=0).fit(main)
    assert 8 < fit.slope_["same"]["mean"] < 25
    assert not study.design.folder.exists()  # a simulated session draws no image
    result = CliRunner().invoke(cogalign_main, ["fit", "rotation", "--data", str(tmp_path),
                                                "--pooled", "--method", "map", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)  # the folder, attention checks left out
    assert report["n_participants"] == 2 and report["n_obs"] == int(main["correct"].sum())
    assert report["slope_ms_per_deg"]["same"]["mean"] == pytest.approx(
        fit.slope_["same"]["mean"], rel=0.05)


def test_resume_gives_the_rows_of_an_uninterrupted_session(tmp_path):
    study = study_of()
    whole = simulate(study, tmp_path / "whole", model="concave:lapse=0.2")
    first = simulate(study, tmp_path / "parts", model="concave:lapse=0.2", max_trials=5)
    assert first["status"] == "stopped"
    last = simulate(study, tmp_path / "parts", model="concave:lapse=0.2", resume=True)
    assert last["status"] == "completed" and last["resumed"]
    rows = [pd.read_csv(s["data_file"], dtype=str).drop(columns=NOT_TIMES) for s in (whole, last)]
    pd.testing.assert_frame_equal(*rows)


def test_simulated_participants_and_their_settings(tmp_path):
    study = study_of()
    assert {"linear", "concave", "two-stage"} <= {
        name for name, paradigms in all_participants().items() if "rotation" in paradigms}
    summary = simulate(study, tmp_path, model="two-stage:search=0.8")
    assert summary["simulated_by"].startswith("two-stage:") and "family" not in summary["simulated_by"]
    assert make_model("default", study).name == "linear"
    with pytest.raises(CogalignError, match="family must be 'lognormal' or 'wald'"):
        make_model("linear:family=gamma", study)
    with pytest.raises(CogalignError, match="unknown setting"):
        make_model("linear:speed=3", study)
