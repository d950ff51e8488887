"""The rotation and moral-graph align entries in sweeps: their files, a tiny run, the board."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.report import leaderboard
from cogalign.sweep import SweepFileError, expand_cells, load_results, parse_spec, run_sweep

SWEEP = """
[sweep]
name = "tiny"
models = ["judge-a", "judge-b"]

[[paradigm]]
name = "rotation"
limit = 16
templates = ["same-mirror"]
options = { n_boot = 20, n_splits = 20 }
"""


def _judge(frame, task, model, **kwargs):
    """In place of cogalign.llm.judge: judge-a errs more with angle (as people do), judge-b less."""
    skill = {"judge-a": 0.5, "judge-b": -0.5}[model]
    p_right = np.clip(0.8 - skill * frame["angle"].to_numpy() / 180.0, 0.05, 0.95)
    out = frame.copy()
    out["p_same"] = np.where(out["pair_type"] == "same", p_right, 1 - p_right)
    out["p_mirror"] = 1 - out["p_same"]
    out["choice"] = np.where(out["p_same"] > 0.5, "same", "mirror")
    return out


def test_a_tiny_rotation_sweep_ranks_the_judge_that_errs_like_people(write_sweep, tmp_path,
                                                                      monkeypatch):
    import cogalign.llm
    from cogalign.rotation import simulate_rotation

    people = simulate_rotation(8, n_repeats=3, seed=3)
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: people)
    monkeypatch.setattr(cogalign.llm, "judge", _judge)
    summary = run_sweep(write_sweep(SWEEP), tmp_path / "out", workers=0)
    assert summary["failed"] == [] and summary["ok"] == 2
    table = load_results(tmp_path / "out")
    primary = table[table["primary"]]
    assert set(primary["metric"]) == {"rsa"} and set(primary["split"]) == {"all", "train", "test"}
    assert primary["ceiling"].between(0, 1).all() and (primary["layer"] == "prompt").all()
    board = leaderboard(table)
    assert board.task_names == ["rotation / rotation-ganis-kievit-2015"]
    ranked = board.table.sort_values("mean_normalised", ascending=False)["model"].tolist()
    assert ranked == ["judge-a", "judge-b"]


@pytest.mark.parametrize("paradigm, options", [
    ("rotation", {"n_per_condition": 4, "n_boot": 10, "exclude_outliers": True}),
    ("moralgraph", {"n_participants": 5, "top_k": 3, "method": "pagerank", "permutations": 2}),
])
def test_sweep_files_take_their_options_and_refuse_layers(paradigm, options):
    block = {"name": paradigm, "limit": 4, "options": options}
    spec = parse_spec({"sweep": {"models": ["m1"]}, "paradigm": [block]})
    (cell,) = expand_cells(spec)
    assert cell.kwargs() == {"seed": 0, "limit": 4, **options}
    with pytest.raises(SweepFileError, match=f"{paradigm}\\).layers"):
        parse_spec({"sweep": {"models": ["m1"]}, "paradigm": [{**block, "layers": ["last"]}]})
    with pytest.raises(SweepFileError, match="no option 'n_trials'"):
        parse_spec({"sweep": {"models": ["m1"]},
                    "paradigm": [{"name": paradigm, "options": {"n_trials": 3}}]})


def test_only_the_moral_graph_samples_at_a_temperature():
    spec = parse_spec({"sweep": {"models": ["m1"]},
                       "paradigm": [{"name": "moralgraph", "temperatures": [0.0, 1.0],
                                     "templates": ["upgrade-vote", "wiser-of-two"]}]})
    assert len(expand_cells(spec)) == 4
    with pytest.raises(SweepFileError, match="takes no temperature"):
        parse_spec({"sweep": {"models": ["m1"]},
                    "paradigm": [{"name": "rotation", "temperatures": [1.0]}]})
