"""The risky-choice study: its design and simulated participants.

Declared in the paradigm registry (:mod:`cogalign.risky.paradigm`) and run by
:mod:`cogalign.studies` like every other study (``cogalign study run
studies/risky/study.toml``). Simulated participants value gambles with the paradigm's own
functions (:func:`cogalign.risky.functions.choice_logits`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cogalign.bayes.params import expit
from cogalign.risky.functions import choice_logits, gamble_utility, weight_tk
from cogalign.risky.gambles import gamble_arrays
from cogalign.studies.definition import (
    DefinitionError,
    Field,
    StudyDefinition,
    at_least,
    one_of,
)
from cogalign.studies.design import Option, Planned, ProblemDesign, Response, Trial, format_amount
from cogalign.studies.simulate import SimulatedParticipant

__all__ = ["ExpectedValueParticipant", "ProspectTheoryParticipant", "RiskyDesign"]


def _probability_step(v: Any) -> str | None:
    if not 0 < v <= 0.5:
        return f"must be in (0, 0.5], got {v!r}"
    if abs(round(1 / v) * v - 1) > 1e-9:
        return f"must divide 1 into whole steps (e.g. 0.05, 0.1, 0.25), got {v!r}"
    return None


def _expected_value(outcomes: Sequence[float], probs: Sequence[float]) -> float:
    return float(round(sum(x * p for x, p in zip(outcomes, probs, strict=True)), 6))


class RiskyDesign(ProblemDesign):
    """Choices between two gambles (A, B), each with up to ``max_outcomes`` outcomes.

    Problems are generated from the ``[gambles]`` table (or read from a file) once for the
    study; each participant sees them in a shuffled order with A on the left on half of the
    trials. A gamble's payoff is drawn for every trial (shown as feedback when
    ``gambles.feedback`` is true). Attention checks are first-order dominance: same
    probabilities, every outcome of one gamble higher.
    """

    columns = (
        "participant_id", "session", "trial", "outcomes_a", "probs_a", "outcomes_b", "probs_b",
        "response", "payoff", "rt", "problem_id", "a_side", "ev_a", "ev_b", "feedback_shown",
    )
    stimulus_columns = ("outcomes_a", "probs_a", "outcomes_b", "probs_b", "problem_id",
                        "a_side", "ev_a", "ev_b", "feedback_shown")
    tables: ClassVar[dict[str, dict[str, Field]]] = {
        "gambles": {
            "source": Field("str", "generate", one_of("generate", "file")),
            "file": Field("str", ""),
            "max_outcomes": Field("int", 3, at_least(1)),
            "min_value": Field("int", -50),
            "max_value": Field("int", 100),
            "probability_step": Field("float", 0.05, _probability_step),
            "feedback": Field("bool", False),
            "currency": Field("str", "$"),
            "prompt": Field("str", "Which gamble do you choose?"),
        },
    }
    defaults: ClassVar[dict[str, dict[str, Any]]] = {"response": {"keys": ["left", "right"]}}
    default_participant = "ev"

    @classmethod
    def check_definition(cls, d: dict[str, dict[str, Any]]) -> list[str]:
        """The value range, outcome count and probability grid fit together."""
        problems = []
        g = d["gambles"]
        if g["max_value"] <= g["min_value"]:
            problems.append(
                f"[gambles] max_value: {g['max_value']} is not above min_value {g['min_value']}"
            )
        elif g["max_value"] - g["min_value"] + 1 < 2 * g["max_outcomes"]:
            problems.append("[gambles]: the value range is too small for max_outcomes")
        if g["max_outcomes"] > round(1 / g["probability_step"]):
            problems.append(
                f"[gambles] max_outcomes: {g['max_outcomes']} outcomes cannot each get a "
                f"probability of at least {g['probability_step']:g}"
            )
        if g["source"] == "file" and not g["file"]:
            problems.append("[gambles] file: source = \"file\" needs a file")
        return problems

    @classmethod
    def participants(cls) -> dict[str, type]:
        """``ev`` (expected value) and ``cpt`` (cumulative prospect theory), logit choice."""
        return {"ev": ExpectedValueParticipant, "cpt": ProspectTheoryParticipant}

    def instructions(self, keys: str) -> str:
        """What participants read before the first trial."""
        return f"On each trial you choose one of two gambles.\n\nUse the keys {keys} (or click it)."

    def feedback(self, trial: Trial, response: Response) -> str | None:
        """'You won $X' under the chosen gamble, when ``gambles.feedback`` is on."""
        g = self.d["gambles"]
        if not g["feedback"]:
            return None
        chosen = trial.hidden["at"][int(response.value)]
        payoff = trial.hidden["payoffs"][chosen]
        word = "won" if payoff >= 0 else "lost"
        return f"You {word} {format_amount(abs(payoff), g['currency'])}"


    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        g = definition["gambles"]
        n = definition["trials"]["n"]
        if g["source"] == "file":
            pool = _read_problems(definition, definition.resolve(g["file"]))
            if n and n < len(pool):
                pick = np.sort(self.materials_rng.choice(len(pool), size=n, replace=False))
                pool = [pool[int(i)] for i in pick]
        else:
            pool = []
            seen = set()
            while len(pool) < n:
                a = self._gamble(self.materials_rng)
                b = self._gamble(self.materials_rng)
                key = json.dumps([a, b])
                if a == b or key in seen:
                    continue
                seen.add(key)
                pool.append({"outcomes_a": a[0], "probs_a": a[1], "outcomes_b": b[0],
                             "probs_b": b[1]})
        self.problems = [{"problem_id": i, **p} for i, p in enumerate(pool)]

    def _gamble(self, rng: np.random.Generator) -> tuple[list[float], list[float]]:
        """A random gamble on the definition's value range and probability grid."""
        g = self.d["gambles"]
        k = int(rng.integers(1, g["max_outcomes"] + 1))
        values = rng.choice(np.arange(g["min_value"], g["max_value"] + 1), size=k, replace=False)
        grid = int(round(1 / g["probability_step"]))
        cuts = np.sort(rng.choice(np.arange(1, grid), size=k - 1, replace=False)) if k > 1 else []
        counts = np.diff(np.concatenate([[0], cuts, [grid]]))
        outcomes = sorted((float(v) for v in values), reverse=True)
        probs = [round(float(c) / grid, 10) for c in counts]
        return outcomes, probs

    def practice(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """``n`` random gamble pairs."""
        out = []
        for _ in range(n):
            a, b = self._gamble(rng), self._gamble(rng)
            out.append(Planned("practice", {"problem": {
                "problem_id": None, "outcomes_a": a[0], "probs_a": a[1],
                "outcomes_b": b[0], "probs_b": b[1]}}))
        return out

    def checks(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """First-order dominance: same probabilities, every outcome of one gamble higher."""
        g = self.d["gambles"]
        out = []
        span = g["max_value"] - g["min_value"]
        first = int(rng.integers(2))
        for k in range(n):
            grid = int(round(1 / g["probability_step"]))
            cut = int(rng.integers(1, grid))
            probs = [round(cut / grid, 10), round((grid - cut) / grid, 10)]
            gap = max(1, span // 5)
            hi = int(rng.integers(g["min_value"] + gap + 1, g["max_value"] + 1))
            lo = int(rng.integers(g["min_value"] + gap, hi))
            better = [float(hi), float(lo)]
            worse = [float(hi - gap), float(lo - gap)]
            a_better = (first + k) % 2 == 0  # A and B dominate equally often
            a, b = (better, worse) if a_better else (worse, better)
            out.append(Planned("check", {"problem": {
                "problem_id": None, "outcomes_a": a, "probs_a": probs, "outcomes_b": b,
                "probs_b": list(probs)}, "expected": "A" if a_better else "B"}))
        return out

    def finish(self, planned: Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        """Gamble A on the left when ``side`` is 0; the payoffs of both gambles drawn."""
        p = planned.content["problem"]
        g = self.d["gambles"]
        payoffs = {
            "A": float(rng.choice(p["outcomes_a"], p=np.asarray(p["probs_a"]) / sum(p["probs_a"]))),
            "B": float(rng.choice(p["outcomes_b"], p=np.asarray(p["probs_b"]) / sum(p["probs_b"]))),
        }
        a_side = "left" if side == 0 else "right"
        stimulus = {
            "outcomes_a": list(p["outcomes_a"]), "probs_a": list(p["probs_a"]),
            "outcomes_b": list(p["outcomes_b"]), "probs_b": list(p["probs_b"]),
            "problem_id": p["problem_id"], "a_side": a_side,
            "ev_a": _expected_value(p["outcomes_a"], p["probs_a"]),
            "ev_b": _expected_value(p["outcomes_b"], p["probs_b"]),
            "feedback_shown": int(g["feedback"]),
        }
        lines = {
            side_name: tuple(
                f"{format_amount(x, g['currency'])}  with  {_percent(q)}"
                for x, q in zip(p[f"outcomes_{side_name.lower()}"], p[f"probs_{side_name.lower()}"],
                                strict=True)
            )
            for side_name in ("A", "B")
        }
        at = ("A", "B") if side == 0 else ("B", "A")
        return Trial(
            index=index, practice=practice, attention_check=planned.kind == "check",
            break_before=break_before, stimulus=stimulus,
            options=tuple(Option(lines[x]) for x in at),
            expected=planned.content.get("expected"), prompt=g["prompt"],
            hidden={"at": at, "payoffs": payoffs},
        )

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        """The chosen gamble (``"A"``/``"B"``) and its payoff."""
        k = int(response.value)
        if k not in (0, 1):
            raise ValueError(f"risky response position {k} is not 0 or 1")
        chosen = trial.hidden["at"][k]
        return {"response": chosen, "payoff": trial.hidden["payoffs"][chosen]}


def _percent(q: float) -> str:
    text = f"{100 * q:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _read_problems(definition: StudyDefinition, path: Path) -> list[dict[str, Any]]:
    """Gamble pairs from a JSON-lines or CSV file (outcomes_a, probs_a, outcomes_b, probs_b)."""
    from cogalign.data import read_table_file

    if not path.is_file():
        raise DefinitionError(f"{definition.path}: [gambles] file: {path} does not exist")
    rows = read_table_file(path).to_dict(orient="records")
    out = []
    for i, row in enumerate(rows):
        problem = {}
        for key in ("outcomes_a", "probs_a", "outcomes_b", "probs_b"):
            value = row.get(key) if isinstance(row, dict) else None
            try:
                value = json.loads(value) if isinstance(value, str) else value
                if isinstance(value, bool | str) or any(isinstance(v, bool | str) for v in value):
                    raise TypeError(value)
                problem[key] = [float(v) for v in value]
                if not all(np.isfinite(problem[key])):
                    raise ValueError(value)
            except (TypeError, ValueError, RecursionError):
                raise DefinitionError(
                    f"{path}: problem {i + 1}: '{key}' must be a list of numbers, got {value!r}"
                ) from None
        for side in ("a", "b"):
            x, p = problem[f"outcomes_{side}"], problem[f"probs_{side}"]
            if not x or len(x) != len(p) or min(p) < 0 or abs(sum(p) - 1) > 1e-6:
                raise DefinitionError(
                    f"{path}: problem {i + 1}: gamble {side.upper()} needs as many probabilities "
                    "as outcomes, non-negative, summing to 1"
                )
        out.append(problem)
    if not out:
        raise DefinitionError(f"{path}: no problems in the file")
    return out


class ExpectedValueParticipant(SimulatedParticipant):
    """Expected value with a logistic choice rule: ``P(B) = expit(beta * (EV_B - EV_A))``."""

    name = "ev"
    theory = "ev"
    defaults: ClassVar[dict[str, Any]] = {"beta": 0.2}

    def model_params(self) -> dict[str, float]:
        """The settings as parameters of :func:`cogalign.risky.functions.choice_logits`."""
        return {"phi": self.params["beta"]}

    def value(self, outcomes: Sequence[float], probs: Sequence[float]) -> float:
        """The subjective value of a gamble."""
        x, p = gamble_arrays([outcomes], [probs])
        return float(gamble_utility(self.theory, x, p, self.model_params())[0])

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        """The chosen gamble's screen position, and how clear the choice was (0 to 1)."""
        s = trial.stimulus
        xa, pa = gamble_arrays([s["outcomes_a"]], [s["probs_a"]])
        xb, pb = gamble_arrays([s["outcomes_b"]], [s["probs_b"]])
        k = max(xa.shape[1], xb.shape[1])
        xa, pa, xb, pb = (np.pad(a, ((0, 0), (0, k - a.shape[1]))) for a in (xa, pa, xb, pb))
        logit = choice_logits(self.theory, xa, pa, xb, pb, self.model_params())
        p_b = float(expit(np.clip(logit, -50.0, 50.0))[0])
        chosen = "B" if rng.random() < p_b else "A"
        position = trial.hidden["at"].index(chosen)
        return float(position), max(p_b, 1 - p_b) * 2 - 1


class ProspectTheoryParticipant(ExpectedValueParticipant):
    """Cumulative prospect theory (Tversky & Kahneman 1992) with a logistic choice rule.

    Value ``x**alpha`` for gains and ``-lam * (-x)**alpha`` for losses, rank-dependent
    weighting ``w(p) = p**gamma / (p**gamma + (1 - p)**gamma)**(1 / gamma)`` for gains and
    losses alike, ``P(B) = expit(beta * (V_B - V_A))``.
    """

    name = "cpt"
    theory = "cpt"
    defaults: ClassVar[dict[str, Any]] = {"beta": 0.2, "alpha": 0.88, "lam": 2.25, "gamma": 0.61}

    def model_params(self) -> dict[str, float]:
        """The settings as parameters of :func:`cogalign.risky.functions.choice_logits`."""
        p = self.params
        return {"phi": p["beta"], "alpha": p["alpha"], "beta": p["alpha"], "lam": p["lam"],
                "gamma_gain": p["gamma"], "gamma_loss": p["gamma"]}

    def _w(self, p: float) -> float:
        """The probability weighting function."""
        return float(weight_tk(np.asarray(p, dtype=float), self.params["gamma"]))
