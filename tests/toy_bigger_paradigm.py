"""A toy paradigm written the way docs/adding-a-paradigm.md says: "which number is bigger?".

Each trial shows two numbers; the participant picks the bigger one. A logistic model on the
difference explains the choices. Nothing in cogalign's core knows this paradigm: it reaches
the command line, the studies and the demo only through :data:`PARADIGM`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_expit

from cogalign.data import Column, Schema
from cogalign.estimator import Estimator
from cogalign.paradigms import Paradigm
from cogalign.studies.definition import Field, at_least
from cogalign.studies.design import Design, Option, Planned, Response, Trial
from cogalign.studies.simulate import SimulatedParticipant

SCHEMA = Schema(
    "bigger",
    (
        Column("participant_id", "str"),
        Column("session", "int", required=False, minimum=1),
        Column("trial", "int", minimum=0),
        Column("left", "float", description="Number shown on the left"),
        Column("right", "float", description="Number shown on the right"),
        Column("response", "int", allowed=(0, 1), description="1 if the right one was chosen"),
        Column("rt", "float", required=False, nullable=True, minimum=0.0, unit="s"),
    ),
    description="Which number is bigger: one two-choice trial per row.",
)


def p_right(left: Any, right: Any, sensitivity: float) -> Any:
    """The model's one formula: P(choose right) = expit(sensitivity * (right - left))."""
    return expit(sensitivity * (np.asarray(right, float) - np.asarray(left, float)))


def simulate(n_participants: int = 4, n_trials: int = 40, sensitivity: float = 0.5,
             seed: int = 0) -> pd.DataFrame:
    """Simulated choices of people with the given sensitivity."""
    rng = np.random.default_rng(seed)
    rows = []
    for person in range(n_participants):
        left, right = rng.integers(1, 20, size=(2, n_trials))
        chosen = (rng.random(n_trials) < p_right(left, right, sensitivity)).astype(int)
        rows.append(pd.DataFrame({"participant_id": f"p{person:02d}", "trial": np.arange(n_trials),
                                  "left": left.astype(float), "right": right.astype(float),
                                  "response": chosen, "rt": 0.8}))
    return pd.concat(rows, ignore_index=True)


class BiggerModel(Estimator):
    """Logistic choice on the difference; ``score`` is the mean log-likelihood per trial."""

    score_name = "log_likelihood"

    def __init__(self, max_sensitivity: float = 20.0):
        self.max_sensitivity = max_sensitivity

    def _nll(self, s: float, table: pd.DataFrame) -> float:
        d = table["right"].to_numpy(float) - table["left"].to_numpy(float)
        y = table["response"].to_numpy(int)
        return -float(np.sum(np.where(y == 1, log_expit(s * d), log_expit(-s * d))))

    def fit(self, table: pd.DataFrame) -> BiggerModel:
        """Maximum-likelihood sensitivity."""
        best = minimize_scalar(self._nll, bounds=(0.0, self.max_sensitivity), args=(table,),
                               method="bounded")
        self.sensitivity_ = float(best.x)
        return self

    def score(self, table: pd.DataFrame) -> float:
        """Mean log-likelihood per trial (higher is better)."""
        self._check_fitted()
        return -self._nll(self.sensitivity_, table) / len(table)


class BiggerDesign(Design):
    """Pairs of different whole numbers from ``[numbers]`` min to max."""

    columns = ("participant_id", "session", "trial", "left", "right", "response", "rt")
    stimulus_columns = ("left", "right")
    tables: ClassVar[dict[str, dict[str, Field]]] = {
        "numbers": {"min": Field("int", 1, at_least(0)), "max": Field("int", 20)},
    }
    defaults: ClassVar[dict[str, dict[str, Any]]] = {"response": {"keys": ["left", "right"]}}
    default_participant = "logistic"

    @classmethod
    def check_definition(cls, d: dict[str, dict[str, Any]]) -> list[str]:
        n = d["numbers"]
        return [] if n["max"] > n["min"] else ["[numbers] max: must be above min"]

    @classmethod
    def participants(cls) -> dict[str, type]:
        return {"logistic": LogisticParticipant}

    def instructions(self, keys: str) -> str:
        return f"Choose the bigger number with {keys}."

    def materials(self) -> Any:
        return {"range": [self.d["numbers"]["min"], self.d["numbers"]["max"]]}

    def _pairs(self, rng: np.random.Generator, n: int, kind: str) -> list[Planned]:
        lo, hi = self.d["numbers"]["min"], self.d["numbers"]["max"]
        return [Planned(kind, {"pair": [float(v) for v in rng.choice(np.arange(lo, hi + 1), 2,
                                                                     replace=False)]})
                for _ in range(n)]

    def main(self, rng: np.random.Generator) -> list[Planned]:
        return self._pairs(rng, self.d["trials"]["n"], "main")

    def practice(self, rng: np.random.Generator, n: int) -> list[Planned]:
        return self._pairs(rng, n, "practice")

    def checks(self, rng: np.random.Generator, n: int) -> list[Planned]:
        return self._pairs(rng, n, "check")

    def finish(self, planned: Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        left, right = planned.content["pair"]
        expected = (1 if right > left else 0) if planned.kind == "check" else None
        return Trial(index=index, practice=practice, attention_check=planned.kind == "check",
                     break_before=break_before, stimulus={"left": left, "right": right},
                     options=(Option((f"{left:g}",)), Option((f"{right:g}",))),
                     expected=expected, prompt="Which is bigger?")

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        return {"response": int(response.value)}


class LogisticParticipant(SimulatedParticipant):
    """Answers with the model's own formula, :func:`p_right`."""

    name = "logistic"
    defaults: ClassVar[dict[str, Any]] = {"sensitivity": 0.5}

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        p = float(p_right(trial.stimulus["left"], trial.stimulus["right"],
                          self.params["sensitivity"]))
        return float(rng.random() < p), abs(p - 0.5) * 2


def demo_section(echo: Any = None) -> dict:
    """Fit the model to simulated people and report the sensitivity found."""
    model = BiggerModel().fit(simulate(seed=1))
    if echo:
        echo(f"Which is bigger: sensitivity {model.sensitivity_:.3f} (simulated with 0.5)")
    return {"sensitivity": model.sensitivity_}


PARADIGM = Paradigm(
    name="bigger",
    title="Which number is bigger (a toy two-choice paradigm)",
    schema=SCHEMA,
    simulator=simulate,
    estimators={"logistic": BiggerModel},
    default_estimator="logistic",
    cv_groups="participant_id",
    study_design=BiggerDesign,
    demo=demo_section,
)
