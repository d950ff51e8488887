"""Trial lists: seeded, counterbalanced, with practice, attention checks and breaks."""

from __future__ import annotations

import itertools
import os
from collections import Counter

import numpy as np
import pytest
from study_helpers import PARADIGMS, definition_path, make_image_study

from cogalign.studies.definition import load_definition
from cogalign.studies.design import Response, format_amount, format_delay, prepare_study

ORIGINAL_DATA_PATH = os.environ.get("COGALIGN_DATA_PATH")


def study_of(name, *overrides):
    return prepare_study(load_definition(definition_path(name), overrides))


@pytest.fixture(autouse=True)
def _no_things(monkeypatch):
    """Use the shipped item lists, whatever datasets this machine has."""
    monkeypatch.delenv("COGALIGN_DATA_PATH", raising=False)


@pytest.mark.parametrize("name", PARADIGMS)
def test_same_participant_same_trials_other_participant_other_order(name):
    study = study_of(name)
    a = study.trials("p001", 1)
    assert [t.stimulus for t in a] == [t.stimulus for t in study.trials("p001", 1)]
    assert [t.stimulus for t in a] != [t.stimulus for t in study.trials("p002", 1)]
    assert [t.stimulus for t in a] != [t.stimulus for t in study.trials("p001", 2)]
    assert [t.index for t in a] == list(range(len(a)))


@pytest.mark.parametrize("name", PARADIGMS)
def test_practice_first_then_main_with_spread_checks_and_breaks(name):
    study = study_of(name, "trials.break_every=10")
    trials = study.trials("p001", 1)
    d = study.definition["trials"]
    n_practice = d["practice"]
    assert all(t.practice for t in trials[:n_practice])
    assert not any(t.practice for t in trials[n_practice:])
    main = trials[n_practice:]
    checks = [k for k, t in enumerate(main) if t.attention_check]
    assert len(checks) == d["attention_checks"] > 0
    assert 0 not in checks  # never the first main trial
    # check k follows between k/n and (k+1)/n of the other main trials (and at least one)
    n_other, n_checks = len(main) - len(checks), len(checks)
    for k, position in enumerate(checks):
        before = position - k  # other main trials before this check
        assert max(1, k * n_other // n_checks) <= before <= (k + 1) * n_other // n_checks
    assert all(t.expected is not None for t in main if t.attention_check)
    breaks = [k for k, t in enumerate(main) if t.break_before]
    assert breaks == list(range(10, len(main), 10))


def test_materials_are_shared_but_orders_differ():
    study = study_of("risky")
    ids = {p: [t.stimulus["problem_id"] for t in study.trials(p, 1)
               if not t.practice and not t.attention_check] for p in ("p001", "p002")}
    assert sorted(ids["p001"]) == sorted(ids["p002"]) == list(range(60))
    assert ids["p001"] != ids["p002"]


@pytest.mark.parametrize("name", ["risky", "intertemporal"])
def test_two_option_sides_are_balanced(name):
    study = study_of(name)
    column = "a_side" if name == "risky" else "sooner_side"
    for participant in ("p001", "p002", "p003"):
        sides = Counter(t.stimulus[column] for t in study.trials(participant, 1))
        assert abs(sides["left"] - sides["right"]) <= 1


def test_triplet_orders_cycle_and_items_are_balanced():
    study = study_of("triplets", "trials.n=96", "trials.attention_checks=0", "trials.practice=0")
    trials = study.trials("p001", 1)
    shown = [(t.stimulus["item_1"], t.stimulus["item_2"], t.stimulus["item_3"]) for t in trials]
    counts = Counter(itertools.chain.from_iterable(shown))
    # 96 triplets of 48 items: every item exactly 6 times
    assert set(counts.values()) == {6} and len(counts) == 48
    assert all(len(set(s)) == 3 for s in shown)


def test_triplet_attention_checks_have_two_of_one_category_and_the_odd_one_expected():
    study = study_of("triplets")
    category = {x.index: x.category for x in study.items}
    for t in study.trials("p001", 1):
        if not t.attention_check:
            continue
        items = [t.stimulus[f"item_{k}"] for k in (1, 2, 3)]
        cats = Counter(category[i] for i in items)
        assert sorted(cats.values()) == [1, 2]
        assert category[t.expected] == next(c for c, n in cats.items() if n == 1)


def test_triplet_response_maps_screen_position_to_item():
    study = study_of("triplets")
    t = study.trials("p001", 1)[5]
    for position in range(3):
        row = study.row(t, Response(position, 1.0, "keyboard", "x"), participant="p001",
                        session=1, onset_utc="a", response_utc="b", simulated_by=None)
        assert row["response"] == t.stimulus[f"item_{position + 1}"]
        assert row["response_position"] == position + 1
    with pytest.raises(ValueError):
        study.row(t, Response(3, 1.0, "keyboard"), participant="p001", session=1,
                  onset_utc="a", response_utc="b", simulated_by=None)


def test_similarity_all_pairs_once_plus_repeats():
    study = study_of("similarity")
    trials = [t for t in study.trials("p001", 1) if not t.practice and not t.attention_check]
    first = [t for t in trials if t.stimulus["repeat"] == 0]
    again = [t for t in trials if t.stimulus["repeat"] == 1]
    pairs = {frozenset((t.stimulus["item_a"], t.stimulus["item_b"])) for t in first}
    assert len(first) == len(pairs) == 120
    assert len(again) == 10 and all(
        frozenset((t.stimulus["item_a"], t.stimulus["item_b"])) in pairs for t in again)
    assert trials[-10:] == again  # repeats come last
    left = Counter(t.stimulus["item_a"] < t.stimulus["item_b"] for t in trials)
    assert abs(left[True] - left[False]) <= 20


def test_risky_gambles_are_valid_and_feedback_draws_are_seeded():
    study = study_of("risky", "gambles.feedback=true")
    trials = study.trials("p001", 1)
    for t in trials:
        for side in "ab":
            x, p = t.stimulus[f"outcomes_{side}"], t.stimulus[f"probs_{side}"]
            assert len(x) == len(p) and 1 <= len(x) <= 3
            assert abs(sum(p) - 1) < 1e-9 and min(p) >= 0.05 - 1e-12
            assert all(-50 <= v <= 100 for v in x)
        payoffs = t.hidden["payoffs"]
        assert payoffs["A"] in t.stimulus["outcomes_a"] and payoffs["B"] in t.stimulus["outcomes_b"]
    assert [t.hidden for t in trials] == [t.hidden for t in study.trials("p001", 1)]
    checks = [t for t in trials if t.attention_check]
    assert Counter(t.expected for t in checks) == {"A": 2, "B": 2}
    for t in checks:
        better = "a" if t.expected == "A" else "b"
        worse = "b" if better == "a" else "a"
        assert all(hi > lo for hi, lo in zip(t.stimulus[f"outcomes_{better}"],
                                             t.stimulus[f"outcomes_{worse}"], strict=True))


def test_risky_problems_from_a_file(tmp_path):
    problems = tmp_path / "problems.jsonl"
    problems.write_text(
        '{"outcomes_a": [10], "probs_a": [1], "outcomes_b": [20, 0], "probs_b": [0.5, 0.5]}\n'
        '{"outcomes_a": [4, -4], "probs_a": [0.5, 0.5], "outcomes_b": [1], "probs_b": [1]}\n')
    study = study_of("risky", "gambles.source=file", f"gambles.file={problems}", "trials.n=0")
    assert len(study.problems) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"outcomes_a": [10], "probs_a": [0.5], "outcomes_b": [1], "probs_b": [1]}\n')
    from cogalign.studies.definition import DefinitionError

    with pytest.raises(DefinitionError, match="problem 1: gamble A"):
        study_of("risky", "gambles.source=file", f"gambles.file={bad}")


def test_intertemporal_problems_follow_the_design():
    study = study_of("intertemporal")
    q = study.definition["delays"]
    for t in study.trials("p001", 1):
        s = t.stimulus
        assert s["t2"] > s["t1"] and s["delay_unit"] == "weeks"
        if t.attention_check:
            assert s["x1"] == s["x2"] and t.expected == 0
        else:
            assert s["x2"] > s["x1"]
        if not t.practice and not t.attention_check:
            assert s["x1"] in q["sooner_amounts"] and s["t1"] in q["sooner_delays"]
            assert round(s["x2"] / s["x1"] - 1, 2) in [round(v, 2) for v in q["increases"]]


def test_screen_text_formats():
    assert format_amount(10, "$") == "$10"
    assert format_amount(12.5, "$") == "$12.50"
    assert format_amount(-5, "$") == "-$5"
    assert format_amount(1500, "EUR ") == "EUR 1,500"
    assert format_delay(0, "weeks") == "today"
    assert format_delay(1, "weeks") == "in 1 week"
    assert format_delay(2.5, "months") == "in 2.5 months"


def test_things_items_keep_their_things_indices(load_dataset, monkeypatch):
    if ORIGINAL_DATA_PATH is not None:
        monkeypatch.setenv("COGALIGN_DATA_PATH", ORIGINAL_DATA_PATH)
    concepts = load_dataset("things-concepts")  # skips with a reason when absent
    study = study_of("triplets", "items.n=30")
    assert study.item_source == "things-concepts"
    names = concepts.set_index("item")["name"]
    assert all(names[x.index] == x.name for x in study.items)
    assert len(study.items) == 30 and len({x.index for x in study.items}) == 30
    assert np.all(np.diff([x.index for x in study.items]) > 0)
    t = study.trials("p001", 1)[4]
    assert names[t.stimulus["item_1"]] == t.stimulus["item_1_name"]


def test_image_items_resolve_relative_to_the_definition(tmp_path):
    _, study = make_image_study(tmp_path)
    assert [x.image for x in study.items] == [
        str(tmp_path / "images" / f"{n}.png") for n in ("red", "orange", "blue", "teal")]
    t = study.trials("p1", 1)[1]
    assert all(o.image and o.image.endswith(".png") for o in t.options)
    (tmp_path / "images" / "teal.png").unlink()
    from cogalign.studies.definition import DefinitionError

    with pytest.raises(DefinitionError, match=r"\[items\] image: .*teal.png \(item 'teal'\)"):
        prepare_study(load_definition(tmp_path / "study.toml"))
