"""Simulated participants: run a study without a window, answered by a cognitive model.

``cogalign study run DEFINITION --participant sim001 --simulate MODEL`` goes through the same
:class:`~cogalign.studies.session.Session` as a person does, so the files are identical in
format (the ``simulated_by`` column names the model). Use it to pilot a study, to check the
analysis end to end, or to compare a model's data with people's.

Models (``MODEL`` is ``name`` or ``name:key=value,key=value``): ``random`` (uniform choices or
ratings) works in every paradigm; the others belong to a paradigm's study design
(:meth:`cogalign.studies.design.Design.participants`) and use that paradigm's own model
functions, e.g. ``embedding`` and ``llm`` (triplets, similarity), ``ev`` and ``cpt`` (risky
choice), ``hyperbolic`` and ``exponential`` (intertemporal choice). ``cogalign study
participants`` lists them with their settings.

Every model also takes ``lapse`` (probability of a uniformly random answer; attention checks
that ask for a given answer are otherwise obeyed) and ``seed``. Response times are drawn from
a shifted log-normal that is faster for easier choices. A model's random draws for a trial
are seeded from the study, participant, session, model and trial index, so an interrupted
simulated session resumed later gives exactly the rows an uninterrupted one would.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from cogalign.errors import CogalignError
from cogalign.studies.design import Response, Study, Trial, seeded_rng
from cogalign.studies.session import Session
from cogalign.studies.writer import utc_now

__all__ = [
    "RandomParticipant",
    "SimulatedParticipant",
    "all_participants",
    "make_model",
    "parse_model_spec",
    "run_simulated",
]


def parse_model_spec(text: str) -> tuple[str, dict[str, str]]:
    """Split ``name:key=value,key=value`` into the name and its settings.

    Raises
    ------
    CogalignError
        When a setting is not ``key=value``.
    """
    name, _, rest = text.strip().partition(":")
    params: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise CogalignError(f"--simulate {text!r}: setting {part!r} is not key=value")
        params[key.strip()] = value.strip()
    return name.strip(), params


class SimulatedParticipant:
    """Base class: a model that answers trials of one paradigm.

    Parameters
    ----------
    study
        The study it takes part in.
    **params
        Model settings (see the module docstring); unknown names are an error.
    """

    name: ClassVar[str] = "base"
    defaults: ClassVar[dict[str, Any]] = {"lapse": 0.0, "seed": 0}

    def __init__(self, study: Study, **params: Any):
        self.study = study
        known = {**SimulatedParticipant.defaults, **self.defaults}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise CogalignError(
                f"simulated participant '{self.name}': unknown setting(s) {unknown}; "
                f"known: {sorted(known)}"
            )
        self.params: dict[str, Any] = {}
        for key, default in known.items():
            value = params.get(key, default)
            if isinstance(default, bool):
                value = str(value).lower() in ("1", "true", "yes") if isinstance(value, str) else bool(value)
            elif isinstance(default, int | float) and not isinstance(value, int | float):
                try:
                    value = type(default)(value)
                except ValueError:
                    raise CogalignError(
                        f"simulated participant '{self.name}': {key}={value!r} is not a number"
                    ) from None
            self.params[key] = value
        if not 0 <= self.params["lapse"] <= 1:
            raise CogalignError(f"simulated participant '{self.name}': lapse must be in [0, 1]")

    @property
    def spec(self) -> str:
        """The model and its settings, as written in the ``simulated_by`` column."""
        settings = ",".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in sorted(self.params.items()))
        return f"{self.name}:{settings}"

    def rng(self, participant: str, session: int, trial: Trial) -> np.random.Generator:
        """The generator for one trial's answer."""
        return seeded_rng(*self.study.participant_seed_parts(participant, session),
                          "simulate", self.spec, trial.index)

    def respond(self, trial: Trial, rng: np.random.Generator) -> Response:
        """Answer a trial: lapses and instructed attention checks, then the model."""
        if rng.random() < self.params["lapse"]:
            return Response(self._random_value(trial, rng), _rt(rng, 0.5), "simulated")
        if trial.attention_check and self.study.design.checks_state_answer:
            return Response(float(trial.expected), _rt(rng, 0.9), "simulated")
        value, confidence = self.choose(trial, rng)
        return Response(value, _rt(rng, confidence), "simulated")

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        """The model's answer and its confidence (0 to 1; higher is faster)."""
        raise NotImplementedError

    def _random_value(self, trial: Trial, rng: np.random.Generator) -> float:
        if self.study.n_options == 0:
            points = self.study.scale_points()
            return float(points[int(rng.integers(len(points)))])
        return float(rng.integers(self.study.n_options))


def _rt(rng: np.random.Generator, confidence: float) -> float:
    """Shifted log-normal response time, faster for confident answers (seconds)."""
    median = 1.6 - 0.9 * float(np.clip(confidence, 0.0, 1.0))
    return round(0.25 + float(np.exp(rng.normal(math.log(median), 0.35))), 4)


class RandomParticipant(SimulatedParticipant):
    """Uniformly random answers (a floor for any analysis); works in every paradigm."""

    name = "random"
    defaults: ClassVar[dict[str, Any]] = {}

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        """A random screen position or scale point."""
        return self._random_value(trial, rng), 0.3


def all_participants() -> dict[str, list[str]]:
    """Every simulated participant's name and the paradigms it works in."""
    from cogalign.studies.definition import study_paradigms

    out: dict[str, list[str]] = {"random": list(study_paradigms())}
    for paradigm, design in study_paradigms().items():
        for name in design.participants():
            out.setdefault(name, []).append(paradigm)
    return out


def _models_for(study: Study) -> dict[str, type[SimulatedParticipant]]:
    return {"random": RandomParticipant, **study.design.participants()}


def make_model(spec: str, study: Study) -> SimulatedParticipant:
    """Build a simulated participant from ``name[:key=value,...]`` for a study.

    Raises
    ------
    CogalignError
        For an unknown model, one that does not do the study's paradigm, or a bad setting.
    """
    name, params = parse_model_spec(spec)
    if name in ("", "default"):
        name = study.design.default_participant
    models = _models_for(study)
    cls = models.get(name)
    if cls is None:
        known = all_participants()
        if name not in known:
            raise CogalignError(
                f"unknown simulated participant {name!r}; known: {', '.join(known)}"
            )
        raise CogalignError(
            f"simulated participant {name!r} does not do the {study.paradigm} paradigm; "
            f"use one of: {', '.join(models)}"
        )
    return cls(study, **params)


def run_simulated(
    session: Session,
    model: SimulatedParticipant,
    *,
    max_trials: int | None = None,
    on_trial: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run an opened session's remaining trials with a simulated participant.

    Parameters
    ----------
    session
        An opened :class:`~cogalign.studies.session.Session` whose ``simulated_by`` is
        ``model.spec``.
    model
        The simulated participant.
    max_trials
        Stop after this many trials (the session can be resumed later); ``None``: run all.
    on_trial
        Called with each row written.

    Returns
    -------
    dict
        The session summary (:meth:`Session.summary`).
    """
    done = 0
    try:
        for trial in session.remaining:
            if max_trials is not None and done >= max_trials:
                return session.finish("stopped", reason=f"--max-trials {max_trials}")
            rng = model.rng(session.participant, session.session, trial)
            response = model.respond(trial, rng)
            now = utc_now()
            row = session.record(trial, response, onset_utc=now, response_utc=now)
            done += 1
            if on_trial is not None:
                on_trial(row)
    except BaseException:
        session.close()
        raise
    return session.finish("completed")
