"""Simulated participants: run a study without a window, answered by a cognitive model.

``cogalign study run DEFINITION --participant sim001 --simulate MODEL`` goes through the same
:class:`~cogalign.studies.session.Session` as a person does, so the files are identical in
format (the ``simulated_by`` column names the model). Use it to pilot a study, to check the
analysis end to end, or to compare a model's data with people's.

Models (``MODEL`` is ``name`` or ``name:key=value,key=value``):

``random`` (every paradigm)
    Uniform choices / ratings.
``embedding`` (triplets, similarity; the default there)
    Each item has a latent vector: a category centre (items of one category lie close) plus
    item-specific scatter, unit length, seeded by ``seed`` and the item's name. Triplets: the
    pair judged most similar is drawn with probability ``softmax(beta * similarity)`` over the
    three pairs, and the third item is the odd one out. Similarity: the rating is the cosine
    similarity mapped onto the scale plus Gaussian noise of ``noise`` (share of the scale
    range), rounded to the scale's step.
``llm`` (triplets, similarity)
    As ``embedding``, with the item vectors taken from a language model through
    :func:`cogalign.llm.embed` (``model=minilm-l6``, ``layer=-1``, ``pooling=mean``).
``ev`` (risky; the default)
    Expected value with a logistic choice rule: ``P(B) = 1 / (1 + exp(-beta * (EV_B - EV_A)))``.
``cpt`` (risky)
    Cumulative prospect theory (Tversky & Kahneman, 1992): value ``x**alpha`` for gains,
    ``-lam * (-x)**alpha`` for losses, rank-dependent probability weighting
    ``w(p) = p**gamma / (p**gamma + (1 - p)**gamma)**(1 / gamma)``; logistic choice on the
    difference with ``beta``.
``hyperbolic`` (intertemporal; the default)
    ``V = x / (1 + k t)``; ``P(later) = 1 / (1 + exp(-beta * (V2 - V1)))``.
``exponential`` (intertemporal)
    ``V = x * delta ** t``; same choice rule.

Every model also takes ``lapse`` (probability of a uniformly random answer; attention checks
that ask for a given answer are otherwise obeyed) and ``seed``. Response times are drawn from
a shifted log-normal that is faster for easier choices. A model's random draws for a trial
are seeded from the study, participant, session, model and trial index, so an interrupted
simulated session resumed later gives exactly the rows an uninterrupted one would.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cogalign.errors import CogalignError
from cogalign.studies.design import Response, Study, Trial, seeded_rng
from cogalign.studies.session import Session
from cogalign.studies.writer import utc_now

__all__ = ["MODELS", "SimulatedParticipant", "make_model", "parse_model_spec", "run_simulated"]


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

    name = "base"
    paradigms: tuple[str, ...] = ()
    defaults: dict[str, Any] = {"lapse": 0.0, "seed": 0}

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
        if trial.attention_check and self.study.paradigm == "similarity":
            return Response(float(trial.expected), _rt(rng, 0.9), "simulated")
        value, confidence = self.choose(trial, rng)
        return Response(value, _rt(rng, confidence), "simulated")

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        """The model's answer and its confidence (0 to 1; higher is faster)."""
        raise NotImplementedError

    def _random_value(self, trial: Trial, rng: np.random.Generator) -> float:
        if self.study.paradigm == "similarity":
            points = self.study.scale_points()
            return float(points[int(rng.integers(len(points)))])
        return float(rng.integers(self.study.n_options))


def _rt(rng: np.random.Generator, confidence: float) -> float:
    """Shifted log-normal response time, faster for confident answers (seconds)."""
    median = 1.6 - 0.9 * float(np.clip(confidence, 0.0, 1.0))
    return round(0.25 + float(np.exp(rng.normal(math.log(median), 0.35))), 4)


def _softmax(x: np.ndarray) -> np.ndarray:
    z = x - np.max(x)
    e = np.exp(z)
    return e / e.sum()


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))


class RandomParticipant(SimulatedParticipant):
    """Uniformly random answers (a floor for any analysis)."""

    name = "random"
    paradigms = ("triplets", "similarity", "risky", "intertemporal")
    defaults: dict[str, Any] = {}

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        return self._random_value(trial, rng), 0.3


class EmbeddingParticipant(SimulatedParticipant):
    """Latent item vectors with category structure; softmax triplets, noisy ratings."""

    name = "embedding"
    paradigms = ("triplets", "similarity")
    defaults: dict[str, Any] = {"beta": 10.0, "dims": 16, "spread": 0.6, "noise": 0.08}

    def __init__(self, study: Study, **params: Any):
        super().__init__(study, **params)
        items = study.items or []
        self.vectors = self.item_vectors([x.name for x in items], [x.category for x in items])
        self.row_of = {x.index: k for k, x in enumerate(items)}
        self.name_of = {x.name: k for k, x in enumerate(items)}

    def item_vectors(self, names: Sequence[str], categories: Sequence[str | None]) -> np.ndarray:
        """Unit vectors: a category centre plus item scatter (``spread``), seeded by name."""
        dims = int(self.params["dims"])
        out = np.empty((len(names), dims))
        for k, (name, category) in enumerate(zip(names, categories, strict=True)):
            own = seeded_rng(self.params["seed"], "item", name).normal(size=dims)
            if category:
                centre = seeded_rng(self.params["seed"], "category", category).normal(size=dims)
                v = centre + self.params["spread"] * own
            else:
                v = own
            out[k] = v / np.linalg.norm(v)
        return out

    def similarity(self, a: int, b: int) -> float:
        """Cosine similarity of two items (rows of :attr:`vectors`)."""
        return float(self.vectors[a] @ self.vectors[b])

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        s = trial.stimulus
        if self.study.paradigm == "triplets":
            rows = [self.row_of[s[f"item_{k}"]] for k in (1, 2, 3)]
            # pair (i, j) most similar -> the remaining item is the odd one out
            pairs = [(1, 2, 0), (0, 2, 1), (0, 1, 2)]
            sims = np.array([self.similarity(rows[i], rows[j]) for i, j, _ in pairs])
            p = _softmax(self.params["beta"] * sims)
            pick = int(rng.choice(3, p=p))
            return float(pairs[pick][2]), float(p.max())
        a, b = self.name_of[s["item_a"]], self.name_of[s["item_b"]]
        lo, hi = s["scale_min"], s["scale_max"]
        step = self.study.definition["scale"]["step"]
        latent = (self.similarity(a, b) + 1) / 2
        value = lo + (hi - lo) * (latent + rng.normal(0, self.params["noise"]))
        value = float(np.clip(lo + round((value - lo) / step) * step, lo, hi))
        return round(value, 10), abs(latent - 0.5) * 2


class LLMParticipant(EmbeddingParticipant):
    """Item vectors from a language model's hidden states (:func:`cogalign.llm.embed`)."""

    name = "llm"
    defaults: dict[str, Any] = {"beta": 10.0, "noise": 0.08, "model": "minilm-l6", "layer": -1,
                                "pooling": "mean"}

    def item_vectors(self, names: Sequence[str], categories: Sequence[str | None]) -> np.ndarray:
        try:
            from cogalign.llm.embed import embed
        except ImportError as exc:
            raise CogalignError(
                f"the llm simulated participant needs cogalign's llm extra ({exc})"
            ) from None
        labels = [x.label for x in (self.study.items or [])]
        reps = embed(labels, model=self.params["model"], layers=[int(self.params["layer"])],
                     pooling=self.params["pooling"], progress=False)
        v = np.asarray(reps.layer(-1), dtype=float)
        v = v - v.mean(axis=0)  # cosine of centred vectors spreads the similarities out
        return v / np.linalg.norm(v, axis=1, keepdims=True)


class ExpectedValueParticipant(SimulatedParticipant):
    """Expected value with a logistic choice rule."""

    name = "ev"
    paradigms = ("risky",)
    defaults: dict[str, Any] = {"beta": 0.2}

    def value(self, outcomes: Sequence[float], probs: Sequence[float]) -> float:
        """The subjective value of a gamble."""
        return float(np.dot(outcomes, probs))

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        s = trial.stimulus
        va = self.value(s["outcomes_a"], s["probs_a"])
        vb = self.value(s["outcomes_b"], s["probs_b"])
        p_b = _logistic(self.params["beta"] * (vb - va))
        chosen = "B" if rng.random() < p_b else "A"
        position = trial.hidden["at"].index(chosen)
        return float(position), max(p_b, 1 - p_b) * 2 - 1


class ProspectTheoryParticipant(ExpectedValueParticipant):
    """Cumulative prospect theory with a logistic choice rule."""

    name = "cpt"
    defaults: dict[str, Any] = {"beta": 0.2, "alpha": 0.88, "lam": 2.25, "gamma": 0.61}

    def _w(self, p: float) -> float:
        g = self.params["gamma"]
        if p <= 0:
            return 0.0
        if p >= 1:
            return 1.0
        return p**g / (p**g + (1 - p) ** g) ** (1 / g)

    def value(self, outcomes: Sequence[float], probs: Sequence[float]) -> float:
        a, lam = self.params["alpha"], self.params["lam"]
        pairs = list(zip(outcomes, probs, strict=True))
        total = 0.0
        # gains: rank from best down; losses: rank from worst up (decumulative weights)
        gains = sorted([(x, p) for x, p in pairs if x >= 0], key=lambda t: -t[0])
        losses = sorted([(x, p) for x, p in pairs if x < 0], key=lambda t: t[0])
        for group, sign in ((gains, 1.0), (losses, -1.0)):
            cum = 0.0
            for x, p in group:
                weight = self._w(cum + p) - self._w(cum)
                cum += p
                v = abs(x) ** a if sign > 0 else -lam * abs(x) ** a
                total += weight * v
        return total


class HyperbolicParticipant(SimulatedParticipant):
    """Hyperbolic discounting with a logistic choice rule."""

    name = "hyperbolic"
    paradigms = ("intertemporal",)
    defaults: dict[str, Any] = {"k": 0.1, "beta": 1.0}

    def discount(self, t: float) -> float:
        """The discount factor of a delay."""
        return 1.0 / (1.0 + self.params["k"] * t)

    def choose(self, trial: Trial, rng: np.random.Generator) -> tuple[float, float]:
        s = trial.stimulus
        v1 = s["x1"] * self.discount(s["t1"])
        v2 = s["x2"] * self.discount(s["t2"])
        p_later = _logistic(self.params["beta"] * (v2 - v1))
        chosen = 1 if rng.random() < p_later else 0
        position = trial.hidden["at"].index(chosen)
        return float(position), max(p_later, 1 - p_later) * 2 - 1


class ExponentialParticipant(HyperbolicParticipant):
    """Exponential discounting with a logistic choice rule."""

    name = "exponential"
    defaults: dict[str, Any] = {"delta": 0.95, "beta": 1.0}

    def discount(self, t: float) -> float:
        return float(self.params["delta"] ** t)


#: Simulated participants by name.
MODELS: dict[str, type[SimulatedParticipant]] = {
    m.name: m
    for m in (RandomParticipant, EmbeddingParticipant, LLMParticipant, ExpectedValueParticipant,
              ProspectTheoryParticipant, HyperbolicParticipant, ExponentialParticipant)
}

#: The model ``default`` stands for, per paradigm.
DEFAULT_MODEL = {"triplets": "embedding", "similarity": "embedding", "risky": "ev",
                 "intertemporal": "hyperbolic"}


def make_model(spec: str, study: Study) -> SimulatedParticipant:
    """Build a simulated participant from ``name[:key=value,...]`` for a study.

    Raises
    ------
    CogalignError
        For an unknown model, one that does not do the study's paradigm, or a bad setting.
    """
    name, params = parse_model_spec(spec)
    if name in ("", "default"):
        name = DEFAULT_MODEL[study.paradigm]
    cls = MODELS.get(name)
    if cls is None:
        raise CogalignError(f"unknown simulated participant {name!r}; known: {', '.join(MODELS)}")
    if study.paradigm not in cls.paradigms:
        usable = [n for n, m in MODELS.items() if study.paradigm in m.paradigms]
        raise CogalignError(
            f"simulated participant {name!r} does not do the {study.paradigm} paradigm; "
            f"use one of: {', '.join(usable)}"
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
