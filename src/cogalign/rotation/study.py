"""The same/mirror mental-rotation study: its design, stimulus images and simulated participants.

Declared in the paradigm registry (:mod:`cogalign.rotation.paradigm`) and run by
:mod:`cogalign.studies` like every other study (``cogalign study run rotation``). Each trial
shows two views of a Shepard-Metzler object side by side (:func:`cogalign.rotation.stimuli.pair_image`):
the right one is the same object, or its mirror image, turned a further ``angle`` degrees
about ``axis``. Participants answer "same" or "mirror" with a key or a click.

Materials
    The objects (generated from the study seed, or read from an object file,
    :mod:`cogalign.rotation.objectfile`), and a fixed list of stimuli: the ``trials.n`` main
    trials (every angle x axis x object cell equally often, the mirror pairs spread over the
    angles in the share ``angles.mirror_share``), the practice trials and the attention
    checks, each with its own start pose. Every participant sees the same stimuli, in their
    own order.
Images
    Each stimulus is drawn once into the cache (``$COGALIGN_CACHE/rotation-stimuli/<key>/``,
    the key a hash of what the pixels depend on) by :meth:`RotationDesign.images`, which the
    PsychoPy runner and the online server call before they show a trial, and reused by every
    session; the same definition always gives the same pixels. Simulated participants need
    no images, so a simulated session draws none.
Attention checks
    Angle 0 with a known answer: the same view twice (``same``), or the view beside its
    left-right flip, an exact mirror image (``mirror``).
Simulated participants
    ``linear``, ``concave`` and ``two-stage`` answer with the paradigm's own model
    (:class:`cogalign.rotation.simulate.SimulatedParticipant`, i.e.
    :func:`~cogalign.rotation.functions.accuracy_logit` and the response-time curves of
    :mod:`cogalign.rotation.functions`), so their response times grow with angle.
    ``neural`` is the trained neural model (:mod:`cogalign.rotation.neural`): it answers
    freshly rendered views of the trial's angle, axis and pair type, and its response time
    is ``non_decision + time_per_step * steps`` with log-normal noise
    (``neural:checkpoint=model.pt,variant=full``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cogalign.errors import CogalignError
from cogalign.rotation.objects import CubeObject, generate_objects
from cogalign.rotation.simulate import POOLED, POPULATION
from cogalign.rotation.simulate import SimulatedParticipant as Person
from cogalign.rotation.stimuli import AXES, pair_image
from cogalign.studies.definition import (
    Field,
    StudyDefinition,
    at_least,
    canonical_hash,
    non_empty,
    one_of,
)
from cogalign.studies.design import Design, Option, Planned, Response, Trial, key_label
from cogalign.studies.simulate import SimulatedParticipant

__all__ = [
    "ConcaveParticipant",
    "LinearParticipant",
    "NeuralNetParticipant",
    "RotationDesign",
    "TwoStageParticipant",
    "image_folder",
]

#: Version of the image layout; part of the cache key, so a change redraws every image.
IMAGE_FORMAT = 1


def _angles(v: Any) -> str | None:
    if not v:
        return "must not be empty"
    bad = [a for a in v if not 0 <= a <= 360]
    if bad:
        return f"angles must be within 0-360 degrees, got {bad}"
    if len(set(v)) != len(v):
        return f"an angle appears twice in {v}"
    return None


def _axes(v: Any) -> str | None:
    if not v:
        return "must not be empty"
    bad = [a for a in v if a not in AXES]
    if bad:
        return f"axes must be among {list(AXES)}, got {bad}"
    if len(set(v)) != len(v):
        return f"an axis appears twice in {v}"
    return None


def _share(v: Any) -> str | None:
    return None if 0 <= v <= 1 else f"must be within 0-1, got {v!r}"


def _size(v: Any) -> str | None:
    return None if 32 <= v <= 2048 else f"must be 32-2048 pixels, got {v!r}"


def image_folder(key: str) -> Path:
    """The cache folder of a stimulus set's images (not created here)."""
    from cogalign.paths import cache_dir

    return cache_dir("rotation-stimuli", create=False) / key


class RotationDesign(Design):
    """Same/mirror judgments of two views of a cube object, the right one turned by ``angle``.

    See the module docstring for the materials, images and attention checks. The options
    keep their places on every trial ("same" on the left unless ``stimuli.mirror_side`` is
    ``"left"``), so the answer keys mean the same throughout. Practice trials can give
    feedback (``stimuli.feedback``).
    """

    columns = (
        "participant_id", "session", "trial", "task", "object_id", "stimulus_id", "angle", "axis",
        "pair_type", "response", "correct", "rt", "object_code", "pose_seed", "image_file",
    )
    stimulus_columns = ("task", "object_id", "stimulus_id", "angle", "axis", "pair_type",
                        "object_code", "pose_seed", "image_file")
    tables: ClassVar[dict[str, dict[str, Field]]] = {
        "objects": {
            "source": Field("str", "generate", one_of("generate", "file")),
            "file": Field("str", ""),
            "count": Field("int", 4, at_least(0)),
            "cubes": Field("int", 10, at_least(4)),
            "arms": Field("int", 4, at_least(3)),
        },
        "angles": {
            "values": Field("list[float]", [0.0, 40.0, 80.0, 120.0, 160.0], _angles),
            "axes": Field("list[str]", ["y"], _axes),
            "mirror_share": Field("float", 0.5, _share),
        },
        "stimuli": {
            "size": Field("int", 300, _size),
            "projection": Field("str", "orthographic", one_of("orthographic", "perspective")),
            "prompt": Field("str", "Is the right object the left one turned, or its mirror image?"),
            "same_text": Field("str", "same", non_empty),
            "mirror_text": Field("str", "mirror", non_empty),
            "mirror_side": Field("str", "right", one_of("left", "right")),
            "feedback": Field("bool", True),
        },
    }
    defaults: ClassVar[dict[str, dict[str, Any]]] = {
        "response": {"keys": ["left", "right"]},
        "trials": {"n": 40},
    }
    option_height = 0.12
    default_participant = "linear"

    @classmethod
    def check_definition(cls, d: dict[str, dict[str, Any]]) -> list[str]:
        """The object source, the object size and the option texts fit together."""
        problems = []
        o = d["objects"]
        if o["source"] == "file" and not o["file"]:
            problems.append('[objects] file: source = "file" needs a file')
        if o["source"] == "generate" and o["count"] < 1:
            problems.append("[objects] count: generated objects need a count of at least 1")
        if o["arms"] > o["cubes"] - 1:
            problems.append(f"[objects] arms: {o['cubes']} cubes cannot make {o['arms']} arms")
        s = d["stimuli"]
        if s["same_text"] == s["mirror_text"]:
            problems.append("[stimuli] mirror_text: must differ from same_text")
        return problems

    @classmethod
    def participants(cls) -> dict[str, type]:
        """``linear``, ``concave``, ``two-stage`` (response-time models) and ``neural``."""
        return {"linear": LinearParticipant, "concave": ConcaveParticipant,
                "two-stage": TwoStageParticipant, "neural": NeuralNetParticipant}

    def instructions(self, keys: str) -> str:
        """What participants read before the first trial."""
        s = self.d["stimuli"]
        names = [key_label(k) for k in self.d["response"]["keys"]]
        texts = [s["same_text"], s["mirror_text"]][:: 1 if s["mirror_side"] == "right" else -1]
        how = " and ".join(f"{n} for {t.upper()}" for n, t in zip(names, texts, strict=True))
        return ("On each trial you see two drawings of an object made of cubes.\n\n"
                f"Is the right one the left object turned in space ({s['same_text'].upper()}), "
                f"or its mirror image turned in space ({s['mirror_text'].upper()})?\n\n"
                f"Press {how} (or click it). Answer as quickly and as accurately as you can.")

    def feedback(self, trial: Trial, response: Response) -> str | None:
        """'Correct' or 'Wrong' after a practice trial, when ``stimuli.feedback`` is on."""
        if not (trial.practice and self.d["stimuli"]["feedback"]):
            return None
        return "Correct" if self.answer(trial, response)["correct"] else "Wrong"

    # ------------------------------------------------------------------ materials

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        self.objects = self._objects()
        rng = self.materials_rng
        self.stimuli: dict[str, list[dict[str, Any]]] = {
            "main": self._main_stimuli(rng),
            "practice": self._practice_stimuli(rng),
            "check": self._check_stimuli(rng),
        }
        s = definition["stimuli"]
        self.image_key = canonical_hash({
            "format": IMAGE_FORMAT, "size": s["size"], "projection": s["projection"],
            "stimuli": self.stimuli})

    def _objects(self) -> list[CubeObject]:
        o = self.d["objects"]
        if o["source"] == "generate":
            try:
                return generate_objects(o["count"], o["cubes"], o["arms"], seed=self.materials_rng)
            except CogalignError as exc:
                raise self.error(f"[objects]: {exc}") from None
        from cogalign.rotation.objectfile import read_objects

        objects = read_objects(self.d.resolve(o["file"]))
        if o["count"]:
            if o["count"] > len(objects):
                raise self.error(f"[objects] count: {o['count']} objects asked for, "
                                 f"{o['file']} has {len(objects)}")
            objects = objects[: o["count"]]
        for k, obj in enumerate(objects, start=1):
            if not obj.is_chiral():
                raise self.error(f"[objects] file: object {obj.name or k!r} is its own mirror "
                                 "image (up to rotation), so same and mirror pairs look alike")
        return [obj if obj.name else CubeObject(obj.cubes, name=f"object-{k}")
                for k, obj in enumerate(objects, start=1)]

    def _stimulus(self, kind: str, k: int, obj: CubeObject, angle: float, axis: str, pair: str,
                  rng: np.random.Generator) -> dict[str, Any]:
        stimulus_id = f"{kind}{k + 1:03d}-{obj.name}-{axis}{angle:g}-{pair}"
        return {"stimulus_id": stimulus_id, "object_id": obj.name, "object_code": obj.code,
                "angle": float(angle), "axis": axis, "pair_type": pair,
                "pose_seed": int(rng.integers(2**31)), "image_file": f"{stimulus_id}.png"}

    def _main_stimuli(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        """Every angle x axis x object cell equally often; mirror pairs spread over the angles."""
        a = self.d["angles"]
        n = self.d["trials"]["n"]
        cells = [(angle, axis, k) for angle in a["values"] for axis in a["axes"]
                 for k in range(len(self.objects))]
        reps = -(-n // len(cells))
        order = np.concatenate([rng.permutation(len(cells)) for _ in range(reps)])[:n]
        dealt = [cells[int(i)] for i in order]
        # the mirror pairs: within each angle x axis group, a running share keeps every group
        # and the whole list at mirror_share (groups in a random order take the rounding)
        groups: dict[tuple[float, str], list[int]] = {}
        for t, (angle, axis, _) in enumerate(dealt):
            groups.setdefault((angle, axis), []).append(t)
        mirror = np.zeros(n, dtype=bool)
        done = assigned = 0
        keys = list(groups)
        for g in rng.permutation(len(keys)):
            members = groups[keys[int(g)]]
            done += len(members)
            target = int(np.floor(a["mirror_share"] * done + 0.5))
            pick = rng.choice(members, size=target - assigned, replace=False)
            mirror[pick] = True
            assigned = target
        return [self._stimulus("main", t, self.objects[k], angle, axis,
                               "mirror" if mirror[t] else "same", rng)
                for t, (angle, axis, k) in enumerate(dealt)]

    def _practice_stimuli(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        a = self.d["angles"]
        first = int(rng.integers(2))
        out = []
        for k in range(self.d["trials"]["practice"]):
            obj = self.objects[int(rng.integers(len(self.objects)))]
            angle = float(rng.choice(a["values"]))
            axis = str(rng.choice(a["axes"]))
            pair = ("same", "mirror")[(first + k) % 2]
            out.append(self._stimulus("practice", k, obj, angle, axis, pair, rng))
        return out

    def _check_stimuli(self, rng: np.random.Generator) -> list[dict[str, Any]]:
        first = int(rng.integers(2))
        axis = self.d["angles"]["axes"][0]
        out = []
        for k in range(self.d["trials"]["attention_checks"]):
            obj = self.objects[k % len(self.objects)]
            pair = ("same", "mirror")[(first + k) % 2]
            out.append(self._stimulus("check", k, obj, 0.0, axis, pair, rng))
        return out

    def materials(self) -> Any:
        """The objects, every stimulus and what the images are drawn with."""
        s = self.d["stimuli"]
        return {"objects": [[obj.name, obj.code] for obj in self.objects],
                "stimuli": self.stimuli, "size": s["size"], "projection": s["projection"]}

    # ------------------------------------------------------------------ images

    @property
    def folder(self) -> Path:
        """Where this stimulus set's images are (in the cache)."""
        return image_folder(self.image_key)

    def image(self, stimulus: dict[str, Any]) -> str:
        """The image file of a stimulus, drawn first when it is not in the cache.

        The file is written under a temporary name and moved into place, so sessions and
        server workers drawing the same image at once never see half a file.
        """
        path = self.folder / stimulus["image_file"]
        if path.is_file():
            return str(path)
        from PIL import Image

        from cogalign.paths import temp_file

        s = self.d["stimuli"]
        obj = CubeObject.from_code(stimulus["object_code"], name=stimulus["object_id"])
        check = stimulus["stimulus_id"].startswith("check")
        pixels = pair_image(obj, stimulus["angle"], stimulus["axis"],
                            stimulus["pair_type"] == "mirror" and not check,
                            stimulus["pose_seed"], size=s["size"], projection=s["projection"])
        if check and stimulus["pair_type"] == "mirror":
            size = s["size"]
            pixels[:, -size:] = pixels[:, :size][:, ::-1]  # the left view, flipped left-right
        fd, tmp = temp_file(self.folder, path.name)
        try:
            with os.fdopen(fd, "wb") as fh:
                Image.fromarray(pixels).save(fh, format="PNG")
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return str(path)

    def images(self) -> list[str]:
        """Every stimulus image of the study (main, practice, checks), drawn where missing."""
        return [self.image(x) for kind in ("main", "practice", "check")
                for x in self.stimuli[kind]]

    # ------------------------------------------------------------------ trials

    def main(self, rng: np.random.Generator) -> list[Planned]:
        """The main stimuli in a shuffled order."""
        order = rng.permutation(len(self.stimuli["main"]))
        return [Planned("main", {"stimulus": self.stimuli["main"][int(i)]}) for i in order]

    def practice(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """The practice stimuli (``n`` of them, fixed by the definition) in a shuffled order."""
        order = rng.permutation(len(self.stimuli["practice"]))[:n]
        return [Planned("practice", {"stimulus": self.stimuli["practice"][int(i)]})
                for i in order]

    def checks(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """The attention checks in a shuffled order; the expected answer is the pair type."""
        order = rng.permutation(len(self.stimuli["check"]))[:n]
        return [Planned("check", {"stimulus": self.stimuli["check"][int(i)],
                                  "expected": self.stimuli["check"][int(i)]["pair_type"]})
                for i in order]

    def finish(self, planned: Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        """The trial with its pair image; the options keep their places (``side`` unused)."""
        x = planned.content["stimulus"]
        s = self.d["stimuli"]
        at = ("same", "mirror") if s["mirror_side"] == "right" else ("mirror", "same")
        text = {"same": s["same_text"], "mirror": s["mirror_text"]}
        stimulus = {"task": "same-mirror", **{c: x[c] for c in self.stimulus_columns if c != "task"}}
        return Trial(
            index=index, practice=practice, attention_check=planned.kind == "check",
            break_before=break_before, stimulus=stimulus,
            options=tuple(Option((text[p],)) for p in at),
            expected=planned.content.get("expected"), prompt=s["prompt"],
            image=str(self.folder / x["image_file"]), hidden={"at": at},
        )

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        """The answer (``"same"``/``"mirror"``) and whether it matches the pair."""
        k = int(response.value)
        if k not in (0, 1):
            raise ValueError(f"rotation response position {k} is not 0 or 1")
        chosen = trial.hidden["at"][k]
        return {"response": chosen, "correct": chosen == trial.stimulus["pair_type"]}


class LinearParticipant(SimulatedParticipant):
    """Answers with the paradigm's linear model: response time linear in angle.

    Settings are the parameters of :class:`cogalign.rotation.simulate.SimulatedParticipant`
    (defaults: the medians of :data:`cogalign.rotation.simulate.POPULATION` and the values
    of :data:`~cogalign.rotation.simulate.POOLED`): ``intercept`` (s), ``slope`` (ms/deg),
    ``shift`` (s), ``sigma``, ``acc_intercept``, ``acc_slope``, mirror effects, ``p_contam``,
    ``family`` (``lognormal`` or ``wald``, with ``lam``). A lapse (``lapse``) is a random
    answer with the model's response time.
    """

    name = "linear"
    model: ClassVar[str] = "linear"
    defaults: ClassVar[dict[str, Any]] = {
        **{k: centre for k, (centre, _) in POPULATION.items()},
        **{k: POOLED[k] for k in ("sigma", "lam", "p_contam", "mirror_intercept", "mirror_slope",
                                  "mirror_acc", "mirror_acc_slope")},
        "rt_max": 10.0, "family": "lognormal",
    }

    def __init__(self, study: Any, **params: Any):
        super().__init__(study, **params)
        values = {k: v for k, v in self.params.items()
                  if k not in ("lapse", "seed", "family", "rt_max")}
        family = self.params.get("family", "lognormal")
        try:
            self.person = Person(values, self.model, family, self.params["rt_max"])
        except ValueError as exc:
            raise CogalignError(f"simulated participant '{self.name}': {exc}") from None

    def respond(self, trial: Trial, rng: np.random.Generator) -> Response:
        """The model's answer and response time at the trial's angle and pair type."""
        s = trial.stimulus
        lapse = rng.random() < self.params["lapse"]
        answer, rt = self.person.respond(np.array([s["angle"]], dtype=float),
                                         np.array([s["pair_type"]], dtype=object), rng)
        position = trial.hidden["at"].index(answer[0])
        if lapse:
            position = int(rng.integers(2))
        return Response(float(position), round(float(rt[0]), 4), "simulated")


class ConcaveParticipant(LinearParticipant):
    """The concave model: response time grows ever more slowly with angle (``gamma`` < 1)."""

    name = "concave"
    model = "concave"
    defaults: ClassVar[dict[str, Any]] = {**LinearParticipant.defaults, "gamma": POOLED["gamma"]}


class TwoStageParticipant(LinearParticipant):
    """The two-stage search-then-rotate model (ex-Gaussian response times).

    ``search`` (s) and ``search_slope`` set the mean search time, which grows with angle.
    """

    name = "two-stage"
    model = "two-stage"
    defaults: ClassVar[dict[str, Any]] = {
        **{k: v for k, v in LinearParticipant.defaults.items() if k not in ("family", "lam")},
        "search": POOLED["search"], "search_slope": POOLED["search_slope"],
    }


class NeuralNetParticipant(SimulatedParticipant):
    """Answers with the trained neural model (:mod:`cogalign.rotation.neural`).

    Settings: ``checkpoint`` (a model file from ``cogalign rotation train``; required),
    ``variant`` (``full`` or an ablation), ``time_per_step`` and ``non_decision`` (s),
    ``rt_sigma`` (log-normal noise of each response time), ``temperature`` (decision noise
    of the agent), ``lapse``. Each trial is rendered afresh from a held-out shape at the
    trial's angle, axis and pair type; the model's answer and its number of steps give the
    response.
    """

    name = "neural"
    defaults: ClassVar[dict[str, Any]] = {
        "checkpoint": "", "variant": "full", "time_per_step": 0.25, "non_decision": 0.9,
        "rt_sigma": 0.2, "temperature": 0.3,
    }

    def __init__(self, study: Any, **params: Any):
        super().__init__(study, **params)
        from cogalign.rotation.neural.config import get_variant
        from cogalign.rotation.neural.estimators import load_cached
        from cogalign.rotation.neural.simulate import NeuralParticipant

        if not self.params["checkpoint"]:
            raise CogalignError("simulated participant 'neural': give checkpoint=FILE, a model "
                                "file written by cogalign rotation train")
        get_variant(self.params["variant"])
        self.person = NeuralParticipant(
            load_cached(self.params["checkpoint"]), self.params["variant"],
            self.params["time_per_step"], self.params["non_decision"], self.params["rt_sigma"],
            self.params["temperature"])

    def respond(self, trial: Trial, rng: np.random.Generator) -> Response:
        """The neural model's answer and response time on the trial's angle, axis and pair."""
        s = trial.stimulus
        lapse = rng.random() < self.params["lapse"]
        answer, rt = self.person.respond(np.array([s["angle"]], dtype=float),
                                         np.array([s["pair_type"]], dtype=object), rng,
                                         axis=s.get("axis", "y"))
        position = trial.hidden["at"].index(answer[0])
        if lapse:
            position = int(rng.integers(2))
        return Response(float(position), round(float(rt[0]), 4), "simulated")
