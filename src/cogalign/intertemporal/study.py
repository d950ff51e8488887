"""The intertemporal-choice study: its design and simulated participants.

Declared in the paradigm registry (:mod:`cogalign.intertemporal.paradigm`) and run by
:mod:`cogalign.studies` like every other study (``cogalign study run
studies/intertemporal/study.toml``). Simulated participants discount with the paradigm's own
functions (:func:`cogalign.intertemporal.functions.intertemporal_logits`).
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import numpy as np

from cogalign.bayes.params import expit
from cogalign.intertemporal.functions import intertemporal_logits
from cogalign.studies.definition import Field, StudyDefinition, one_of, positive_list
from cogalign.studies.design import (
    Option,
    Planned,
    ProblemDesign,
    Response,
    Trial,
    format_amount,
    format_delay,
)
from cogalign.studies.simulate import SimulatedParticipant

__all__ = ["ExponentialParticipant", "HyperbolicParticipant", "IntertemporalDesign"]


class IntertemporalDesign(ProblemDesign):
    """Choices between a sooner-smaller and a later-larger amount of money.

    Problems are the grid of the ``[delays]`` table (sooner amounts x increases x sooner
    delays x extra delays), dealt to ``trials.n`` trials; each participant sees them in a
    shuffled order with the sooner amount on the left on half of the trials. Attention checks
    offer the same amount sooner or later: the sooner one is expected.
    """

    columns = (
        "participant_id", "session", "trial", "x1", "t1", "x2", "t2", "response", "rt",
        "problem_id", "sooner_side", "delay_unit",
    )
    stimulus_columns = ("x1", "t1", "x2", "t2", "problem_id", "sooner_side", "delay_unit")
    tables: ClassVar[dict[str, dict[str, Field]]] = {
        "delays": {
            "sooner_amounts": Field("list[float]", [5.0, 10.0, 20.0, 50.0], positive_list),
            "increases": Field("list[float]", [0.01, 0.05, 0.1, 0.25, 0.5], positive_list),
            "sooner_delays": Field("list[float]", [0.0, 2.0, 4.0], positive_list),
            "extra_delays": Field("list[float]", [1.0, 2.0, 4.0, 8.0], positive_list),
            "unit": Field("str", "weeks", one_of("days", "weeks", "months")),
            "currency": Field("str", "$"),
            "prompt": Field("str", "Which would you prefer?"),
        },
    }
    defaults: ClassVar[dict[str, dict[str, Any]]] = {"response": {"keys": ["left", "right"]}}
    option_layout = "headline"
    default_participant = "hyperbolic"

    @classmethod
    def participants(cls) -> dict[str, type]:
        """``hyperbolic`` and ``exponential`` discounting with a logit choice rule."""
        return {"hyperbolic": HyperbolicParticipant, "exponential": ExponentialParticipant}

    def instructions(self, keys: str) -> str:
        """What participants read before the first trial."""
        return ("On each trial you choose one of two amounts of money, paid at different "
                f"times.\n\nUse the keys {keys} (or click it).")


    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        q = definition["delays"]
        grid = [
            {"x1": float(x1), "t1": float(t1), "x2": round(float(x1) * (1 + inc), 2),
             "t2": float(t1 + dt)}
            for x1, inc, t1, dt in itertools.product(
                q["sooner_amounts"], q["increases"], q["sooner_delays"], q["extra_delays"])
            if dt > 0 and round(float(x1) * (1 + inc), 2) > x1
        ]
        if not grid:
            raise self.error(
                "[delays]: no sooner-smaller/later-larger pair can be made (check increases and "
                "extra_delays are above 0)"
            )
        n = definition["trials"]["n"]
        reps = -(-n // len(grid))
        pick = np.concatenate([self.materials_rng.permutation(len(grid)) for _ in range(reps)])
        self.problems = [{"problem_id": k, **grid[int(i)]} for k, i in enumerate(pick[:n])]

    def practice(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """``n`` random problems from the definition's grid."""
        q = self.d["delays"]
        out = []
        for _ in range(n):
            x1 = float(rng.choice(q["sooner_amounts"]))
            inc = float(rng.choice([v for v in q["increases"] if v > 0] or [0.1]))
            t1 = float(rng.choice(q["sooner_delays"]))
            dt = float(rng.choice([v for v in q["extra_delays"] if v > 0] or [1.0]))
            out.append(Planned("practice", {"problem": {
                "problem_id": None, "x1": x1, "t1": t1, "x2": round(x1 * (1 + inc), 2),
                "t2": t1 + dt}}))
        return out

    def checks(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """The same amount sooner or later: waiting gains nothing, so the sooner is expected."""
        q = self.d["delays"]
        out = []
        for _ in range(n):
            x = float(rng.choice(q["sooner_amounts"]))
            t1 = float(rng.choice(q["sooner_delays"]))
            dt = float(rng.choice([v for v in q["extra_delays"] if v > 0] or [1.0]))
            out.append(Planned("check", {"problem": {
                "problem_id": None, "x1": x, "t1": t1, "x2": x, "t2": t1 + dt}, "expected": 0}))
        return out

    def finish(self, planned: Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        """The sooner amount on the left when ``side`` is 0."""
        p = planned.content["problem"]
        q = self.d["delays"]
        sooner_side = "left" if side == 0 else "right"
        stimulus = {
            "x1": p["x1"], "t1": p["t1"], "x2": p["x2"], "t2": p["t2"],
            "problem_id": p["problem_id"], "sooner_side": sooner_side, "delay_unit": q["unit"],
        }
        sooner = Option((format_amount(p["x1"], q["currency"]), format_delay(p["t1"], q["unit"])))
        later = Option((format_amount(p["x2"], q["currency"]), format_delay(p["t2"], q["unit"])))
        at = (0, 1) if side == 0 else (1, 0)  # 0 = sooner, 1 = later at each position
        return Trial(
            index=index, practice=practice, attention_check=planned.kind == "check",
            break_before=break_before, stimulus=stimulus,
            options=(sooner, later) if side == 0 else (later, sooner),
            expected=planned.content.get("expected"), prompt=q["prompt"], hidden={"at": at},
        )

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        """1 when the later-larger amount was chosen, else 0."""
        k = int(response.value)
        if k not in (0, 1):
            raise ValueError(f"intertemporal response position {k} is not 0 or 1")
        return {"response": trial.hidden["at"][k]}


class HyperbolicParticipant(SimulatedParticipant):
    """Hyperbolic discounting with a logit choice rule.

    ``V = x / (1 + k t)`` and ``P(later) = expit(beta * (V2 - V1))``.
    """

    name = "hyperbolic"
    model = "hyperbolic"
    defaults: ClassVar[dict[str, Any]] = {"k": 0.1, "beta": 1.0}

    def model_params(self) -> dict[str, float]:
        """The settings as parameters of the paradigm's discounting functions.

        See :func:`cogalign.intertemporal.functions.intertemporal_logits`.
        """
        return {"k": self.params["k"], "phi": self.params["beta"]}

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        """The chosen amount's screen position, and how clear the choice was (0 to 1)."""
        s = trial.stimulus
        logit = intertemporal_logits(s["x1"], s["t1"], s["x2"], s["t2"], self.model,
                                     self.model_params(), scale="absolute")
        p_later = float(expit(np.clip(logit, -50.0, 50.0)))
        chosen = 1 if rng.random() < p_later else 0
        position = trial.hidden["at"].index(chosen)
        return float(position), max(p_later, 1 - p_later) * 2 - 1


class ExponentialParticipant(HyperbolicParticipant):
    """Exponential discounting, ``V = x * delta ** t``, with the same choice rule."""

    name = "exponential"
    model = "exponential"
    defaults: ClassVar[dict[str, Any]] = {"delta": 0.95, "beta": 1.0}

    def model_params(self) -> dict[str, float]:
        """The settings as parameters of the paradigm's discounting functions.

        See :func:`cogalign.intertemporal.functions.intertemporal_logits`.
        """
        return {"delta": self.params["delta"], "phi": self.params["beta"]}
