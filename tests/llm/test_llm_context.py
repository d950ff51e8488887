"""The reading rule: how a language model reads bare items, and choosing a context on held-out data."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.errors import CogalignError
from cogalign.llm.context import (
    CONTEXTS,
    DEFAULT_CONTEXT,
    Reading,
    choose_context,
    is_bare,
    reading,
)


def test_bare_items_and_sentences():
    assert is_bare(["cat", "ice cream", "New York City"])
    assert not is_bare(["cat", "The cat sat on the mat."])
    assert not is_bare(["one two three four five"])
    assert not is_bare(["Really?"])


@pytest.mark.parametrize(
    ("kind", "items", "expected"),
    [
        ("causal", ["cat"], Reading(DEFAULT_CONTEXT, "item", "mean")),
        ("causal", ["I like cats a lot."], Reading(None, "text", "mean")),
        ("encoder", ["cat"], Reading(None, "text", "mean")),
        ("sentence", ["cat"], Reading(None, "text", "sentence")),
        (None, ["cat"], Reading(None, "text", "mean")),
    ],
)
def test_reading_rule(kind, items, expected):
    assert reading(kind, items) == expected


def test_explicit_settings_win_over_the_rule():
    assert reading("causal", ["cat"], template=None) == Reading(None, "text", "mean")
    assert reading("encoder", ["cat"], template="A {item}") == Reading("A {item}", "item", "mean")
    assert reading("causal", ["cat"], span="text", pooling="last") == Reading(
        DEFAULT_CONTEXT, "text", "last")


def test_choose_context_selects_on_one_half_and_reports_the_other():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=200)
    quality = {"{item}": 0.0, "The concept: {item}": 0.9, "The word: {item}": 0.5}
    noise = {t: rng.normal(size=200) for t in quality}
    seen: dict[str, list[np.ndarray]] = {t: [] for t in quality}

    def score(template, rows):
        seen[template].append(rows)
        model = quality[template] * truth + np.sqrt(1 - quality[template] ** 2) * noise[template]
        return float(np.corrcoef(model[rows], truth[rows])[0, 1])

    choice = choose_context(score, 200, candidates=list(quality), seed=1)
    assert choice.template == "The concept: {item}"
    assert choice.n_select + choice.n_held_out == 200 and choice.n_held_out == 100
    assert 0.8 < choice.held_out < 1.0 and abs(choice.bare_held_out) < 0.25
    select_rows = seen["The word: {item}"][0]
    test_rows = seen["{item}"][-1]
    assert not set(select_rows) & set(test_rows)  # selection never sees the reported half
    again = choose_context(score, 200, candidates=list(quality), seed=1)
    assert again == choice


def test_choose_context_refuses_what_cannot_work():
    with pytest.raises(CogalignError, match="at least 4"):
        choose_context(lambda t, r: 0.0, 3)
    with pytest.raises(CogalignError, match="exactly once"):
        choose_context(lambda t, r: 0.0, 10, candidates=["no placeholder"])
    assert all(c.count("{item}") == 1 for c in CONTEXTS)
