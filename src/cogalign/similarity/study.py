"""The pairwise similarity study: its design and simulated participants.

Declared in the paradigm registry (:mod:`cogalign.similarity.paradigm`) and run by
:mod:`cogalign.studies` like every other study (``cogalign study run
similarity``).
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import numpy as np

from cogalign.similarity.simulate import noisy_rating
from cogalign.studies.definition import (
    SCALE_TABLE,
    Field,
    StudyDefinition,
    at_least,
    placeholder_problems,
)
from cogalign.studies.design import Planned, Response, Trial
from cogalign.studies.items import (
    ITEM_TABLE,
    ItemDesign,
    ItemVectorParticipant,
    LanguageModelVectors,
)

__all__ = ["EmbeddingParticipant", "LanguageModelParticipant", "SimilarityDesign"]


class SimilarityDesign(ItemDesign):
    """Pairwise similarity ratings: two items, rated on a scale (keys or slider).

    Pairs are drawn once for the study (all pairs of the items, or ``trials.n`` of them);
    each participant rates them in a shuffled order, each pair's left/right order balanced,
    and ``trials.repeats`` of them a second time. Attention checks ask for a given rating.
    """

    columns = (
        "participant_id", "session", "trial", "item_a", "item_b", "rating", "scale_min",
        "scale_max", "repeat", "rt", "item_a_index", "item_b_index", "pair_id",
    )
    stimulus_columns = ("item_a", "item_b", "scale_min", "scale_max", "repeat",
                        "item_a_index", "item_b_index", "pair_id")
    n_options = 0
    checks_state_answer = True
    tables: ClassVar[dict[str, dict[str, Field]]] = {
        "items": ITEM_TABLE,
        "trials": {"repeats": Field("int", 0, at_least(0))},
        "scale": SCALE_TABLE,
    }
    default_participant = "embedding"

    @classmethod
    def check_definition(cls, d: dict[str, dict[str, Any]]) -> list[str]:
        """The scale's range, step and keys; the placeholders of its texts; the item file."""
        problems = super().check_definition(d)
        keys = d["response"]["keys"]
        s = d["scale"]
        if s["max"] <= s["min"]:
            problems.append(f"[scale] max: {s['max']:g} is not above min {s['min']:g}")
        else:
            steps = (s["max"] - s["min"]) / s["step"]
            if abs(steps - round(steps)) > 1e-9:
                problems.append(
                    f"[scale] step: {s['step']:g} does not divide the range "
                    f"[{s['min']:g}, {s['max']:g}] into whole steps"
                )
            elif s["input"] == "keys":
                n = int(round(steps)) + 1
                if keys and len(keys) != n:
                    problems.append(
                        f"[response] keys: a {n}-point scale needs {n} keys, got {len(keys)}"
                    )
                if not keys and n > 9:
                    problems.append(
                        f"[scale] input: a {n}-point scale cannot use the number keys; "
                        "use input = \"slider\" or list the keys in [response] keys"
                    )
        if len(s["labels"]) != 2:
            problems.append(
                f"[scale] labels: expected two labels (low end, high end), got {len(s['labels'])}"
            )
        problems += placeholder_problems(d, "scale", "check_text", {"value"})
        return problems

    @classmethod
    def participants(cls) -> dict[str, type]:
        """``embedding`` (latent item vectors, noisy ratings) and ``llm``."""
        return {"embedding": EmbeddingParticipant, "llm": LanguageModelParticipant}

    def instructions(self, keys: str) -> str:
        """What participants read before the first trial."""
        return "On each trial you see two things. Rate how similar they are."

    def scale_points(self) -> list[float]:
        """The values of the rating scale, low to high."""
        s = self.d["scale"]
        n = int(round((s["max"] - s["min"]) / s["step"])) + 1
        return [round(s["min"] + k * s["step"], 10) for k in range(n)]

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        m = len(self.items)
        if m < 2:
            raise self.error(f"[items]: a similarity study needs at least 2 items, got {m}")
        all_pairs = list(itertools.combinations(range(m), 2))
        n = definition["trials"]["n"]
        if n == 0 or n >= len(all_pairs):
            if n > len(all_pairs):
                raise self.error(
                    f"[trials] n: {n} pairs asked for, {m} items make only {len(all_pairs)}"
                )
            self.pairs = all_pairs
        else:
            pick = np.sort(self.materials_rng.choice(len(all_pairs), size=n, replace=False))
            self.pairs = [all_pairs[int(i)] for i in pick]
        reps = definition["trials"]["repeats"]
        if reps > len(self.pairs):
            raise self.error(f"[trials] repeats: {reps} repeats of only {len(self.pairs)} pairs")

    def materials(self) -> Any:
        """The item set and the study's pairs."""
        return {**super().materials(), "pairs": [list(p) for p in self.pairs]}

    def main(self, rng: np.random.Generator) -> list[Planned]:
        """Every pair once in shuffled order, then ``trials.repeats`` pairs again."""
        order = rng.permutation(len(self.pairs))
        out = [Planned("main", {"pair": self.pairs[int(k)], "pair_id": int(k), "repeat": 0})
               for k in order]
        reps = self.d["trials"]["repeats"]
        if reps:
            again = rng.choice(len(self.pairs), size=reps, replace=False)
            out += [Planned("main", {"pair": self.pairs[int(k)], "pair_id": int(k), "repeat": 1})
                    for k in again]
        return out

    def practice(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """``n`` random pairs of the items."""
        m = len(self.items)
        out = []
        for _ in range(n):
            a, b = rng.choice(m, size=2, replace=False)
            out.append(Planned("practice", {"pair": (int(a), int(b)), "pair_id": None, "repeat": 0}))
        return out

    def checks(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """Pairs on which the text asks for the low end, the middle or the high end."""
        points = self.scale_points()
        out = []
        for _ in range(n):
            a, b = rng.choice(len(self.items), size=2, replace=False)
            # ask for the low end, the middle or the high end of the scale
            value = points[int(rng.choice([0, len(points) // 2, len(points) - 1]))]
            out.append(Planned("check", {"pair": (int(a), int(b)), "pair_id": None, "repeat": 0,
                                          "value": value}))
        return out

    def finish(self, planned: Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        """The pair in left/right order ``side``."""
        a, b = planned.content["pair"]
        repeat = planned.content["repeat"]
        if side:
            a, b = b, a
        ia, ib = self.items[a], self.items[b]
        s = self.d["scale"]
        stimulus = {
            "item_a": ia.name, "item_b": ib.name, "scale_min": s["min"], "scale_max": s["max"],
            "repeat": repeat, "item_a_index": ia.index, "item_b_index": ib.index,
            "pair_id": planned.content["pair_id"],
        }
        expected = None
        prompt = s["prompt"]
        if planned.kind == "check":
            expected = planned.content["value"]
            prompt = s["check_text"].format(value=f"{expected:g}")
        return Trial(
            index=index, practice=practice, attention_check=planned.kind == "check",
            break_before=break_before, stimulus=stimulus,
            options=(self.option(ia), self.option(ib)), expected=expected, prompt=prompt,
        )

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        """The rating, checked to be on the scale."""
        s = self.d["scale"]
        r = float(response.value)
        if not s["min"] <= r <= s["max"]:
            raise ValueError(f"rating {r:g} is outside the scale [{s['min']:g}, {s['max']:g}]")
        return {"rating": r}


class EmbeddingParticipant(ItemVectorParticipant):
    """Latent item vectors with category structure; ratings by the similarity response rule.

    The expected rating maps the items' cosine similarity onto the scale,
    ``min + (max - min) * (cos + 1) / 2``; the answer adds Gaussian noise of ``noise`` (share of
    the scale's range) and snaps to the scale's step
    (:func:`cogalign.similarity.simulate.noisy_rating`, the rule simulated raters use).
    """

    name = "embedding"
    defaults: ClassVar[dict[str, Any]] = {"noise": 0.08, "dims": 16, "spread": 0.6}

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        """The rating, and how far the latent similarity is from the middle (0 to 1)."""
        s = trial.stimulus
        a, b = self.name_of[s["item_a"]], self.name_of[s["item_b"]]
        lo, hi = s["scale_min"], s["scale_max"]
        latent = (self.similarity(a, b) + 1) / 2
        value = noisy_rating(lo + (hi - lo) * latent, rng.normal(), noise_sd=self.params["noise"],
                             scale=(lo, hi), step=self.study.definition["scale"]["step"])
        return round(float(value), 10), abs(latent - 0.5) * 2


class LanguageModelParticipant(LanguageModelVectors, EmbeddingParticipant):
    """As ``embedding``, with item vectors from a language model (``model=minilm-l6``)."""

    name = "llm"
    defaults: ClassVar[dict[str, Any]] = {"noise": 0.08, "model": "minilm-l6", "layer": -1,
                                          "pooling": "mean"}
