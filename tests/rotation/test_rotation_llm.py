"""A language model does the same/mirror task from arm codes; comparison with people."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogalign.errors import CogalignError
from cogalign.rotation.llm import TASK, compare_accuracy, judge_rotation, rotation_trials
from cogalign.rotation.objects import CubeObject, cubes_from_code


def test_trials_describe_the_two_views_in_one_world_frame():
    trials = rotation_trials(angles=(0, 90, 50), axis="y", n_per_condition=3, seed=2)
    assert len(trials) == 3 * 2 * 3 and trials["trial"].tolist() == list(range(18))
    for _, row in trials.loc[trials["angle"] == 90].iterrows():
        first = CubeObject(cubes_from_code(row["item1"]))
        second = CubeObject(cubes_from_code(row["item2"]))
        assert first.same_shape(second) == (row["pair_type"] == "same")
        assert first.same_shape(second.mirror()) == (row["pair_type"] == "mirror")
    same0 = trials.loc[(trials["angle"] == 0) & (trials["pair_type"] == "same")]
    assert (same0["item1"] == same0["item2"]).all()
    assert trials.loc[trials["angle"] == 50, "item2"].str.contains("\\[").all()


def _fake_judgments(trials: pd.DataFrame, skill: float) -> pd.DataFrame:
    """A judge that is right with probability falling linearly with angle."""
    p_right = 1.0 - skill * trials["angle"].to_numpy() / 180.0
    out = trials.copy()
    out["p_correct"] = p_right
    out["correct"] = p_right > 0.5
    return out


def test_compare_accuracy_with_the_shared_metrics(small_study):
    trials = rotation_trials(angles=(0, 50, 100, 150), n_per_condition=2, seed=0)
    result = compare_accuracy(small_study, _fake_judgments(trials, 0.6), n_boot=50, seed=1)
    rows = pd.DataFrame(result["by_condition"])
    assert len(rows) == 8
    assert (rows["human_lower"] <= rows["human_accuracy"]).all()
    assert rows.loc[rows["angle"] == 150, "model_p_correct"].iloc[0] == pytest.approx(0.5)
    assert -1.0 <= result["rsa"] <= 1.0
    assert 0.0 <= result["individual"]["percentile"] <= 100.0
    flat = _fake_judgments(trials, 0.0)
    assert compare_accuracy(small_study, flat, n_boot=0)["rsa"] is None
    with pytest.raises(CogalignError, match="conditions are shared"):
        compare_accuracy(small_study, _fake_judgments(rotation_trials(angles=(33,), n_per_condition=1), 0.1))


def test_the_task_file_and_judge_wiring(monkeypatch):
    """The prompt shows both codes and offers both answers in either order; the judgments
    get ``correct`` and ``p_correct`` from the pair type (the model call itself is replaced:
    scoring by log-probabilities is tested with cogalign.llm)."""
    import cogalign.llm
    from cogalign.llm.tasks import load_task

    task = load_task(TASK)
    assert task.kind == "choice" and task.alternative_names() == ["same", "mirror"]
    prompt, answers = task.render({"item1": "F2 U3", "item2": "R2 U3"}, (1, 0))
    assert "First object: F2 U3" in prompt and "Second object: R2 U3" in prompt
    assert answers == ["mirror", "same"]
    trials = rotation_trials(angles=(90,), n_per_condition=2, seed=0)
    seen = {}

    def fake_judge(frame, task_path, model, **kwargs):
        seen.update(task=task_path, model=model, permutations=kwargs["permutations"])
        out = frame.copy()
        out["p_same"] = [0.8, 0.7, 0.6, 0.1]
        out["p_mirror"] = 1 - out["p_same"]
        out["choice"] = np.where(out["p_same"] > 0.5, "same", "mirror")
        return out

    monkeypatch.setattr(cogalign.llm, "judge", fake_judge)
    out = judge_rotation(trials, "some-model")
    assert seen == {"task": TASK, "model": "some-model", "permutations": "all"}
    assert out["pair_type"].tolist() == ["same", "same", "mirror", "mirror"]
    assert out["correct"].tolist() == [True, True, False, True]
    np.testing.assert_allclose(out["p_correct"], [0.8, 0.7, 0.4, 0.9])


def _judge_by_angle(skill: float):
    """A judge (in place of cogalign.llm.judge) whose right answer gets less probable with
    angle when ``skill`` > 0 (as people's), more probable when < 0; it records the task."""
    seen = []

    def judge(frame, task, model, **kwargs):
        seen.append(task)
        p_right = np.clip(0.8 - skill * frame["angle"].to_numpy() / 180.0, 0.05, 0.95)
        out = frame.copy()
        out["p_same"] = np.where(out["pair_type"] == "same", p_right, 1 - p_right)
        out["p_mirror"] = 1 - out["p_same"]
        out["choice"] = np.where(out["p_same"] > 0.5, "same", "mirror")
        return out

    judge.seen = seen
    return judge


def test_sweep_entry_rows_follow_the_align_contract(small_study, monkeypatch):
    import cogalign.llm
    from cogalign.paradigms import check_align_rows, get_paradigm
    from cogalign.rotation.llm import sweep_alignment

    assert get_paradigm("rotation").part("align") is sweep_alignment
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: small_study)
    judge = _judge_by_angle(0.5)
    monkeypatch.setattr(cogalign.llm, "judge", judge)
    rows = check_align_rows(sweep_alignment("some-model", limit=16, n_boot=50, n_splits=20),
                            where="rotation align")
    by = {(r["metric"], r["split"]): r for r in rows}
    primary = [r for r in rows if r["primary"]]
    assert {r["metric"] for r in primary} == {"rsa"} and len(primary) == 3
    assert judge.seen == [TASK] and {r["template"] for r in rows} == {TASK}
    # 16 trials over 4 angles x 2 pair types: 2 per condition, one to each half
    assert [by[("rsa", s)]["n"] for s in ("all", "train", "test")] == [16, 8, 8]
    ceiling = by[("rsa", "all")]["ceiling"]
    assert 0 < ceiling <= 1 and by[("rsa", "test")]["ceiling"] == ceiling
    assert by[("rsa", "all")]["ci_low"] <= by[("rsa", "all")]["value"] <= by[("rsa", "all")]["ci_high"]
    assert 0 <= by[("percentile", "all")]["value"] <= 100 and ("percentile", "train") not in by
    # p(right) = 0.8 - 0.5 angle / 180 is above 0.5 at 0, 50 and 100 degrees, not at 150
    assert by[("model_accuracy", "all")]["value"] == 0.75
    # a judge whose accuracy falls with angle, as people's does, beats one whose accuracy rises
    monkeypatch.setattr(cogalign.llm, "judge", _judge_by_angle(-0.5))
    reversed_rows = sweep_alignment("some-model", limit=16, n_boot=0, n_splits=20)
    worse = next(r for r in reversed_rows if r["primary"] and r["split"] == "all")
    assert worse["value"] < by[("rsa", "all")]["value"]
    means = pd.DataFrame({"angle": [0.0], "axis": ["y"], "pair_type": ["same"], "rt": [1.0],
                          "accuracy": [0.9]})  # an aggregated table
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: means)
    with pytest.raises(CogalignError, match="not a trial-level rotation dataset"):
        sweep_alignment("some-model", dataset="rotation-hamrick-griffiths-2014")


def test_the_split_half_ceiling(small_study):
    from cogalign.rotation.llm import accuracy_ceiling

    out = accuracy_ceiling(small_study, n_splits=30, seed=1)
    assert 0 < out["r"] <= out["reliability"] <= 1
    assert out["ceiling"] == pytest.approx(np.sqrt(out["reliability"]))
    assert accuracy_ceiling(small_study, n_splits=30, seed=1) == out  # seeded
    few = small_study[small_study["participant_id"].isin(["p1", "p2", "p3"])]
    assert np.isnan(accuracy_ceiling(few)["ceiling"])


@pytest.mark.realdata
def test_sweep_entry_on_the_published_data(load_dataset, monkeypatch):
    import cogalign.llm
    from cogalign.paradigms import check_align_rows
    from cogalign.rotation.llm import sweep_alignment

    load_dataset("rotation-ganis-kievit-2015")
    monkeypatch.setattr(cogalign.llm, "judge", _judge_by_angle(0.5))
    rows = check_align_rows(sweep_alignment("some-model", limit=16, n_boot=50, n_splits=50))
    rsa = next(r for r in rows if r["primary"] and r["split"] == "all")
    assert rsa["dataset"] == "rotation-ganis-kievit-2015" and rsa["n_people"] == 54
    assert 0.5 < rsa["ceiling"] <= 1  # people's accuracy profile is reliable
