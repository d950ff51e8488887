"""The triplet odd-one-out study: its design and simulated participants.

Declared in the paradigm registry (:mod:`cogalign.triplets.paradigm`) and run by
:mod:`cogalign.studies` like every other study (``cogalign study run
studies/triplets/study.toml``).
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import numpy as np

from cogalign.metrics.triplets import odd_one_out_probabilities
from cogalign.studies.definition import Field, StudyDefinition
from cogalign.studies.design import Planned, Response, Trial
from cogalign.studies.items import (
    ITEM_TABLE,
    ItemDesign,
    ItemVectorParticipant,
    LanguageModelVectors,
)

__all__ = ["EmbeddingParticipant", "LanguageModelParticipant", "TripletDesign"]


class TripletDesign(ItemDesign):
    """Odd-one-out trials: three items, choose the one least like the other two.

    Items appear equally often; screen orders cycle through all six orders of a triplet's
    items; attention checks pair two items of one category with one of another, and the
    other-category item is the expected odd one out.
    """

    columns = (
        "participant_id", "session", "trial", "item_1", "item_2", "item_3", "response", "rt",
        "item_1_name", "item_2_name", "item_3_name", "response_name", "response_position",
    )
    stimulus_columns = ("item_1", "item_2", "item_3", "item_1_name", "item_2_name", "item_3_name")
    n_options = 3
    option_height = 0.3
    tables: ClassVar[dict[str, dict[str, Field]]] = {
        "items": {**ITEM_TABLE, "check_categories": Field("list[str]", [])},
    }
    defaults: ClassVar[dict[str, dict[str, Any]]] = {
        "items": {"source": "things-concepts"},
        "response": {"keys": ["left", "down", "right"]},
    }
    default_participant = "embedding"
    ORDERS = tuple(itertools.permutations(range(3)))

    @classmethod
    def participants(cls) -> dict[str, type]:
        """``embedding`` (latent item vectors, softmax choice rule) and ``llm``."""
        return {"embedding": EmbeddingParticipant, "llm": LanguageModelParticipant}

    def instructions(self, keys: str) -> str:
        """What participants read before the first trial."""
        return ("On each trial you see three things. Choose the one that is least like the "
                f"other two: the odd one out.\n\nUse the keys {keys} (or click it).")

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        if len(self.items) < 3:
            raise self.error(f"[items]: a triplet study needs at least 3 items, got {len(self.items)}")
        n_checks = definition["trials"]["attention_checks"]
        wanted = definition["items"]["check_categories"]
        by_cat: dict[str, list[int]] = {}
        for k, x in enumerate(self.items):
            if x.category and (not wanted or x.category in wanted):
                by_cat.setdefault(x.category, []).append(k)
        self.categories = {c: v for c, v in sorted(by_cat.items())}
        if n_checks:
            pairs = [c for c, v in self.categories.items() if len(v) >= 2]
            if not pairs or len(self.categories) < 2:
                raise self.error(
                    "[trials] attention_checks: triplet attention checks need items from at "
                    "least two categories (one with two or more items); the item set has "
                    f"{len(self.categories)} usable categories (see [items] check_categories)"
                )

    def _triplets(self, rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
        """N triplets (positions in self.items) in which items appear equally often."""
        out: list[tuple[int, int, int]] = []
        m = len(self.items)
        while len(out) < n:
            perm = rng.permutation(m)
            for k in range(0, m - 2, 3):
                out.append((int(perm[k]), int(perm[k + 1]), int(perm[k + 2])))
                if len(out) == n:
                    break
        return out

    def main(self, rng: np.random.Generator) -> list[Planned]:
        """``trials.n`` triplets in which the items appear equally often."""
        n = self.d["trials"]["n"]
        return [Planned("main", {"items": t}) for t in self._triplets(rng, n)]

    def practice(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """``n`` triplets drawn like the main ones."""
        return [Planned("practice", {"items": t}) for t in self._triplets(rng, n)]

    def checks(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """Two items of one category and one of another; the latter is the odd one out."""
        out = []
        cats = list(self.categories)
        pairs = [c for c in cats if len(self.categories[c]) >= 2]
        for _ in range(n):
            same = pairs[int(rng.integers(len(pairs)))]
            others = [c for c in cats if c != same]
            odd_cat = others[int(rng.integers(len(others)))]
            a, b = rng.choice(self.categories[same], size=2, replace=False)
            odd = self.categories[odd_cat][int(rng.integers(len(self.categories[odd_cat])))]
            out.append(Planned("check", {"items": (int(a), int(b), int(odd)), "odd": int(odd)}))
        return out

    def balanced_sides(self, rng: np.random.Generator, n: int) -> list[int]:
        """One of the six screen orders per trial, each used equally often."""
        orders = np.array([k % 6 for k in range(n)])
        rng.shuffle(orders)
        return [int(o) for o in orders]

    def finish(self, planned: Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        """The triplet in screen order ``side`` (an index into :attr:`ORDERS`)."""
        triple = planned.content["items"]
        shown = [self.items[triple[j]] for j in self.ORDERS[side]]
        stimulus = {
            "item_1": shown[0].index, "item_2": shown[1].index, "item_3": shown[2].index,
            "item_1_name": shown[0].name, "item_2_name": shown[1].name,
            "item_3_name": shown[2].name,
        }
        expected = None
        if planned.kind == "check":
            expected = self.items[planned.content["odd"]].index
        return Trial(
            index=index, practice=practice, attention_check=planned.kind == "check",
            break_before=break_before, stimulus=stimulus,
            options=tuple(self.option(x) for x in shown), expected=expected,
            prompt="Which one is the odd one out?",
            hidden={"names": [x.name for x in shown]},
        )

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        """The chosen item, its name and its screen position (1-3)."""
        k = int(response.value)
        if k not in (0, 1, 2):
            raise ValueError(f"triplet response position {k} is not 0, 1 or 2")
        return {
            "response": trial.stimulus[f"item_{k + 1}"],
            "response_name": trial.stimulus[f"item_{k + 1}_name"],
            "response_position": k + 1,
        }


class EmbeddingParticipant(ItemVectorParticipant):
    """Latent item vectors with category structure and the softmax odd-one-out rule.

    The pair judged most similar is kept together with probability
    ``softmax(beta * cosine similarity)`` over the three pairs (the SPoSE choice rule,
    :func:`cogalign.metrics.odd_one_out_probabilities` with temperature ``1 / beta``), and the
    third item is the odd one out.
    """

    name = "embedding"
    defaults: ClassVar[dict[str, Any]] = {"beta": 10.0, "dims": 16, "spread": 0.6}

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        """The odd one out's screen position, and the probability of that choice."""
        s = trial.stimulus
        rows = np.array([[self.row_of[s[f"item_{k}"]] for k in (1, 2, 3)]])
        p = odd_one_out_probabilities(self.vectors, rows, similarity="dot",
                                      temperature=1.0 / self.params["beta"])[0]
        pick = int(rng.choice(3, p=p))
        return float(pick), float(p.max())


class LanguageModelParticipant(LanguageModelVectors, EmbeddingParticipant):
    """As ``embedding``, with item vectors from a language model (``model=minilm-l6``)."""

    name = "llm"
    defaults: ClassVar[dict[str, Any]] = {"beta": 10.0, "model": "minilm-l6", "layer": -1,
                                          "pooling": "mean"}
