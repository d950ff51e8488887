"""Simulated mental-rotation participants and trial tables.

A :class:`SimulatedParticipant` answers same/mirror trials with the models' own math
(:mod:`cogalign.rotation.functions`): the probability of a correct answer falls with angle
(:func:`~cogalign.rotation.functions.accuracy_logit`), and the response time is drawn from
the response-time family around the angle-dependent location
(:func:`~cogalign.rotation.functions.location`), with occasional contaminant responses. A
study's simulated participant calls :meth:`SimulatedParticipant.respond` once per trial;
:func:`simulate_rotation` builds a whole validated ``rotation`` table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.params import expit
from cogalign.errors import CogalignError
from cogalign.rotation.functions import (
    accuracy_logit,
    location,
    sample_rt,
    search_mean,
)
from cogalign.rotation.models import model_spec

__all__ = ["POOLED", "POPULATION", "SimulatedParticipant", "draw_participants",
           "simulate_rotation"]

#: Population values of the default simulation: medians, and the spread (sd of the log for
#: positive values, sd for log-odds) between people.
POPULATION: dict[str, tuple[float, float]] = {
    "intercept": (1.0, 0.25),   # s
    "slope": (10.0, 0.3),       # ms per degree
    "shift": (0.35, 0.15),      # s
    "acc_intercept": (3.0, 0.6),  # log-odds at 0 degrees
    "acc_slope": (-0.8, 0.3),   # per 100 degrees
}
#: Values shared by everyone in the default simulation (response-time spread, contaminants,
#: mirror effects, the concave and two-stage curves' parameters).
POOLED: dict[str, float] = {
    "sigma": 0.35, "lam": 8.0, "p_contam": 0.01, "mirror_intercept": 0.1, "mirror_slope": -0.2,
    "mirror_acc": 0.0, "mirror_acc_slope": 0.0, "gamma": 0.6, "search": 0.4, "search_slope": 0.2,
}


@dataclass
class SimulatedParticipant:
    """One simulated person: parameters and how they answer a trial.

    Parameters
    ----------
    params
        ``intercept`` (s), ``slope`` (ms/deg), ``shift`` (s), ``acc_intercept``,
        ``acc_slope``, and the pooled ones (``sigma`` or ``lam``, ``p_contam``, mirror
        effects, ``gamma`` for the concave curve, ``search`` and ``search_slope`` for the
        two-stage model).
    model
        ``"linear"``, ``"concave"`` or ``"two-stage"``: the shape of the RT curve.
    family
        ``"lognormal"`` or ``"wald"`` (linear and concave).
    rt_max
        Upper end of a contaminant response time (s).
    """

    params: Mapping[str, float]
    model: str = "linear"
    family: str = "lognormal"
    rt_max: float = 10.0
    _spec: tuple[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._spec = model_spec(self.model, self.family)

    def p_correct(self, angle: Any, mirror: Any) -> np.ndarray:
        """Probability of a correct answer at ``angle`` (deg) for same (0) / mirror (1) pairs."""
        angle, mirror = np.asarray(angle, dtype=float), np.asarray(mirror, dtype=float)
        return expit(accuracy_logit(angle, mirror, self.params))

    def respond(
        self, angle: Any, pair_type: Any, rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Answers and response times (s) for trials at ``angle`` with ``pair_type``.

        Returns
        -------
        response, rt
            Arrays of ``"same"`` / ``"mirror"`` and seconds, shaped like ``angle``.
        """
        angle = np.asarray(angle, dtype=float)
        pair = np.asarray(pair_type, dtype=object)
        if not np.isin(pair, ["same", "mirror"]).all():
            raise CogalignError("pair_type must be 'same' or 'mirror'")
        mirror = (pair == "mirror").astype(float)
        correct = rng.uniform(size=angle.shape) < self.p_correct(angle, mirror)
        other = np.where(pair == "same", "mirror", "same")
        response = np.where(correct, pair, other).astype(object)
        shape, family = self._spec
        p = self.params
        loc = location(angle, mirror, p, shape)
        if family == "exgaussian":
            rt = sample_rt(rng, family, loc, p["sigma"], 0.0, p["p_contam"], self.rt_max,
                           search_mean(angle, p))
        else:
            disp = p["sigma"] if family == "lognormal" else p["lam"]
            rt = sample_rt(rng, family, loc, disp, p["shift"], p["p_contam"], self.rt_max)
        return response, np.maximum(rt, 1e-3)


def draw_participants(
    n: int,
    *,
    population: Mapping[str, tuple[float, float]] | None = None,
    pooled: Mapping[str, float] | None = None,
    seed: int | np.random.Generator | None = 0,
) -> list[dict[str, float]]:
    """Draw ``n`` people's parameters around the population (:data:`POPULATION`).

    Positive parameters are log-normal around their median, log-odds normal.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    pop = {**POPULATION, **(population or {})}
    shared = {**POOLED, **(pooled or {})}
    out = []
    for _ in range(n):
        person = dict(shared)
        for name, (centre, spread) in pop.items():
            if name.startswith("acc_"):
                person[name] = float(centre + spread * rng.standard_normal())
            else:
                person[name] = float(centre * np.exp(spread * rng.standard_normal()))
        out.append(person)
    return out


def simulate_rotation(
    n_participants: int = 20,
    *,
    angles: Sequence[float] = (0.0, 50.0, 100.0, 150.0),
    axis: str = "y",
    n_repeats: int = 6,
    model: str = "linear",
    family: str = "lognormal",
    population: Mapping[str, tuple[float, float]] | None = None,
    pooled: Mapping[str, float] | None = None,
    rt_max: float = 10.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A simulated same/mirror study as a validated ``rotation`` table.

    Every person sees every angle x pair type ``n_repeats`` times, in random order.

    Parameters
    ----------
    n_participants
        People.
    angles, axis
        Angular disparities (deg) and the rotation axis.
    n_repeats
        Trials per angle and pair type and person.
    model, family
        Shape of the RT curve and RT family (see :class:`SimulatedParticipant`).
    population, pooled
        Overrides of :data:`POPULATION` (median, spread) and of the shared values.
    rt_max
        Upper end of contaminant response times (s).
    seed
        Seed: the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        With ``attrs["truth"]``: one dict of parameters per person (in ``participant_id``
        order ``p01``, ``p02``, ...).
    """
    from cogalign.data import validate
    from cogalign.data.schemas import ROTATION

    rng = np.random.default_rng(seed)
    people = draw_participants(n_participants, population=population, pooled=pooled, seed=rng)
    grid = [(a, pt) for a in angles for pt in ("same", "mirror")] * n_repeats
    rows = []
    width = len(str(n_participants))
    for k, params in enumerate(people, start=1):
        sim = SimulatedParticipant(params, model, family, rt_max)
        order = rng.permutation(len(grid))
        angle = np.array([grid[i][0] for i in order], dtype=float)
        pair = np.array([grid[i][1] for i in order], dtype=object)
        response, rt = sim.respond(angle, pair, rng)
        pid = f"p{k:0{width}d}"
        for t in range(len(order)):
            rows.append((pid, t, float(angle[t]), axis, pair[t], response[t], bool(response[t] == pair[t]), float(rt[t])))
    table = pd.DataFrame(rows, columns=["participant_id", "trial", "angle", "axis", "pair_type",
                                        "response", "correct", "rt"])
    table.insert(2, "task", "same-mirror")
    out = validate(table, ROTATION, source="simulate_rotation")
    out.attrs["truth"] = people
    return out
