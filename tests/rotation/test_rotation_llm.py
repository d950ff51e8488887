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
