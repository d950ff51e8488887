"""The leaderboard: chosen on train, reported on test, normalised by the ceiling, ranked."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cogalign.cli import main
from cogalign.errors import CogalignError
from cogalign.report import leaderboard


def _row(model, paradigm, dataset, layer, split, value, ceiling=np.nan, seed=0, primary=True,
         status="ok"):
    return {"cell_id": f"{model}-{paradigm}-{seed}", "model": model, "paradigm": paradigm,
            "dataset": dataset, "seed": seed, "status": status, "metric": "score",
            "value": value, "ci_low": value - 0.05, "ci_high": value + 0.05,
            "ceiling": ceiling, "layer": str(layer), "template": "t", "split": split,
            "primary": primary, "temperature": np.nan, "options": "{}"}


def _table(extra=()):
    rows = []
    values = {  # model: {layer: (all, train, test)}
        "A": {0: (0.5, 0.6, 0.4), 1: (0.7, 0.5, 0.75)},
        "B": {0: (0.6, 0.6, 0.56), 1: (0.3, 0.2, 0.3)},
    }
    for model, layers in values.items():
        for layer, triple in layers.items():
            for split, v in zip(("all", "train", "test"), triple, strict=True):
                rows.append(_row(model, "p1", "d1", layer, split, v, ceiling=0.8))
    for model, triple in {"A": (0.3, 0.3, 0.2), "B": (0.1, 0.1, 0.15)}.items():
        for split, v in zip(("all", "train", "test"), triple, strict=True):
            rows.append(_row(model, "p2", "d2", 0, split, v))
    rows.append(_row("A", "p1", "d1", 0, "all", 0.99, primary=False))  # not ranked on
    rows.append({**_row("C", "p1", "d1", 0, "all", np.nan, status="failed")})
    return pd.DataFrame(rows + list(extra))


def test_the_configuration_is_chosen_on_train_and_scored_on_test():
    board = leaderboard(_table())
    t = board.tasks.set_index(["model", "task"])
    a = t.loc[("A", "p1 / d1")]
    assert a["best"] == 0.7 and a["best_config"] == "layer 1, t"
    # layer 0 wins on train, so its test score is reported, not layer 1's better 0.75
    assert a["heldout"] == 0.4 and a["heldout_config"] == "layer 0, t"
    assert a["heldout_normalised"] == pytest.approx(0.5)
    assert a["heldout_normalised_ci_low"] == pytest.approx(0.35 / 0.8)
    assert t.loc[("B", "p1 / d1"), "score"] == pytest.approx(0.56 / 0.8)
    # no ceiling: the raw held-out score, not normalised
    assert not t.loc[("A", "p2 / d2"), "normalised"]
    assert t.loc[("A", "p2 / d2"), "score"] == 0.2
    assert t.loc[("A", "p1 / d1"), "rank"] == 2 and t.loc[("A", "p2 / d2"), "rank"] == 1


def test_the_table_ranks_models_by_their_mean_normalised_score():
    board = leaderboard(_table())
    assert board.task_names == ["p1 / d1", "p2 / d2"]
    assert board.table["model"].tolist() == ["B", "A"]  # C failed everywhere: not ranked
    b = board.table.iloc[0]
    assert b["rank"] == 1 and b["mean_normalised"] == pytest.approx(0.7)  # p2 has no ceiling
    assert b["mean_rank"] == 1.5 and b["n_tasks"] == 2
    text = board.text()
    assert text.splitlines()[1].split()[:3] == ["1", "B", "0.700"]
    json.dumps(board.to_dict(), allow_nan=False)


def test_seeds_are_averaged_and_missing_halves_fall_back_to_all():
    extra = [_row("B", "p1", "d1", 0, s, v, ceiling=0.8, seed=1)
             for s, v in (("all", 0.6), ("train", 0.6), ("test", 0.66))]
    extra += [_row("A", "p3", "d3", 0, "all", 0.4, ceiling=0.5)]
    board = leaderboard(_table(extra))
    t = board.tasks.set_index(["model", "task"])
    assert t.loc[("B", "p1 / d1"), "heldout"] == pytest.approx(0.61)
    assert t.loc[("B", "p1 / d1"), "n_seeds"] == 2
    only_all = t.loc[("A", "p3 / d3")]
    assert only_all["selected_on"] == "all" and only_all["score"] == pytest.approx(0.8)


def test_nothing_to_rank():
    table = _table()
    with pytest.raises(CogalignError, match="no successful cell"):
        leaderboard(table[table["status"] == "failed"])
    with pytest.raises(CogalignError, match="no columns"):
        leaderboard(table.drop(columns=["split"]))


def test_leaderboard_command(results_folder):
    runner = CliRunner()
    out = runner.invoke(main, ["leaderboard", str(results_folder), "--json"])
    assert out.exit_code == 0, out.output
    board = json.loads(out.output)
    # alpha: 0.50 / 0.67 on triplets and 0.60 / 0.80 on similarity; beta 0.53 / 0.67, 0.50 / 0.80
    assert [r["model"] for r in board["table"]] == ["alpha", "beta"]
    assert board["table"][0]["mean_normalised"] == pytest.approx((0.5 / 0.67 + 0.6 / 0.8) / 2)
    assert board["task_names"] == ["triplets / things-triplets-test",
                                   "similarity / wordsim353-raters-set1"]
    text = runner.invoke(main, ["leaderboard", str(results_folder), "--tasks"])
    assert text.exit_code == 0 and "held-out" in text.output
    missing = runner.invoke(main, ["leaderboard", str(results_folder / "nope")])
    assert missing.exit_code == 1 and "no sweep results here" in missing.output
