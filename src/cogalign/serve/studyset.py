"""The studies a server offers: definitions, online settings, keys and the page's view of trials.

:func:`load_studies` reads every ``study.toml`` under a folder (as the lab runner does:
:func:`~cogalign.studies.definition.load_definition` and
:func:`~cogalign.studies.design.prepare_study`) together with its optional ``online.toml``
(:mod:`cogalign.serve.settings`). Each becomes a :class:`ServedStudy`, which

* computes a participant's trial list on the server, from the definition and the
  participant's seed, exactly as the lab study does (and caches it);
* turns a :class:`~cogalign.studies.design.Trial` into what the page needs to draw it (text
  lines or an image per option, the trial's own image, the prompt, break texts) and nothing
  more: no stimulus columns, no expected answers, no hidden draws;
* translates the definition's key names (PsychoPy names such as ``left`` or ``space``) into
  the browser's ``KeyboardEvent.key`` values.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError
from cogalign.serve.adapters import default_instructions, has_feedback
from cogalign.serve.settings import OnlineSettings, load_online_settings
from cogalign.studies.definition import DefinitionError, load_definition
from cogalign.studies.design import Study, Trial, prepare_study

__all__ = [
    "BROWSER_KEYS",
    "ServedStudy",
    "browser_key",
    "find_definitions",
    "load_studies",
    "split_overrides",
]

#: PsychoPy key names and their browser ``KeyboardEvent.key`` values (letters and digits map
#: to themselves).
BROWSER_KEYS: dict[str, str] = {
    "left": "ArrowLeft", "right": "ArrowRight", "up": "ArrowUp", "down": "ArrowDown",
    "space": " ", "return": "Enter", "enter": "Enter", "tab": "Tab",
    "backspace": "Backspace", "comma": ",", "period": ".", "slash": "/", "semicolon": ";",
    "apostrophe": "'", "minus": "-", "equal": "=", "bracketleft": "[", "bracketright": "]",
    "backslash": "\\", "grave": "`",
}

_LABELS = {"left": "\u2190", "right": "\u2192", "up": "\u2191", "down": "\u2193",
           "space": "SPACE", "return": "ENTER", "enter": "ENTER"}

_CACHE_SIZE = 4096


def browser_key(name: str) -> str:
    """The browser's ``KeyboardEvent.key`` for a definition key name.

    Raises
    ------
    KeyError
        For a key name a browser cannot report (function keys, modifiers, ...).
    """
    if name in BROWSER_KEYS:
        return BROWSER_KEYS[name]
    if name.startswith("num_") and len(name) == 5 and name[4].isdigit():
        return name[4]
    if len(name) == 1 and name.isascii() and name.isalnum():
        return name.lower()
    raise KeyError(name)


def _key_entry(name: str, where: str) -> dict[str, str]:
    try:
        key = browser_key(name)
    except KeyError:
        raise DefinitionError(
            f"{where}: key {name!r} has no browser equivalent; use arrows, letters, digits, "
            f"space or one of {', '.join(sorted(BROWSER_KEYS))}"
        ) from None
    return {"name": name, "key": key, "label": _LABELS.get(name, name.upper())}


@dataclass
class ServedStudy:
    """One study as the server offers it.

    Attributes
    ----------
    study
        The prepared lab study (definition, materials, data layout, rows).
    online
        Its online settings.
    images
        Image files shown in the study (the design's
        :meth:`~cogalign.studies.design.Design.images`), in a fixed order; the page asks for
        them by position, so no other file can be named.
    feedback
        Whether the design shows feedback after each choice (the page waits for the server).
    """

    study: Study
    online: OnlineSettings
    images: list[Path] = field(default_factory=list)
    feedback: bool = False
    _image_index: dict[str, int] = field(default_factory=dict, repr=False)
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.feedback = has_feedback(self.study)
        paths = sorted(set(self.study.design.images()))
        self.images = [Path(p) for p in paths]
        self._image_index = {p: k for k, p in enumerate(paths)}
        self.response_keys()  # every key must have a browser equivalent

    @property
    def name(self) -> str:
        """The study's name (its URL is ``/s/<name>/``)."""
        return self.study.name

    @property
    def title(self) -> str:
        """The study's title (its name when it has none)."""
        return self.study.definition["study"]["title"] or self.name

    @property
    def paradigm(self) -> str:
        """The paradigm of the study's data."""
        return self.study.paradigm

    @property
    def definition_hash(self) -> str:
        """The hash of the definition (with its overrides and materials)."""
        return self.study.hash

    @property
    def is_rating(self) -> bool:
        """A rating-scale study (no choice among options)."""
        return self.study.n_options == 0

    # ----------------------------------------------------------------- trials

    def trials(self, participant: str, session: int) -> list[Trial]:
        """The participant's trial list (computed as in the lab, cached)."""
        key = (participant, session)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        trials = self.study.trials(participant, session)
        with self._lock:
            self._cache[key] = trials
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return trials

    def image_name(self, path: str) -> str:
        """The file name the page uses for an image: its position and suffix (``3.png``).

        Raises
        ------
        CogalignError
            For a file the design's :meth:`~cogalign.studies.design.Design.images` does not
            list (the page could not fetch it).
        """
        if path not in self._image_index:
            raise CogalignError(f"study {self.name!r}: the image {path} is shown in a trial but "
                                "is not among the images its design lists")
        return f"{self._image_index[path]}{Path(path).suffix.lower()}"

    def image_file(self, name: str) -> Path | None:
        """The image behind a page file name (``3.png``), or ``None``."""
        stem, dot, suffix = name.partition(".")
        if not stem.isdigit() or not dot:
            return None
        k = int(stem)
        if k >= len(self.images) or self.images[k].suffix.lower() != f".{suffix}":
            return None
        return self.images[k]

    def client_trials(self, trials: Sequence[Trial]) -> list[dict[str, Any]]:
        """What the page needs to show each trial, and nothing it should not know."""
        n_practice = sum(t.practice for t in trials)
        n_main = len(trials) - n_practice
        text = self.study.definition["text"]["break"]
        out = []
        for t in trials:
            out.append({
                "index": t.index,
                "practice": t.practice,
                "break_text": (text.format(done=t.index - n_practice, total=n_main)
                               if t.break_before else None),
                "prompt": t.prompt,
                "image": f"images/{self.image_name(t.image)}" if t.image else None,
                "options": [
                    {"lines": list(o.lines),
                     "image": f"images/{self.image_name(o.image)}" if o.image else None}
                    for o in t.options
                ],
            })
        return out

    # ----------------------------------------------------------------- responses

    def response_keys(self) -> list[dict[str, str]]:
        """The answer keys, left to right (choice) or low to high (rating scale with keys)."""
        d = self.study.definition
        where = f"{d.path}: [response] keys"
        keys = list(d["response"].get("keys", []))
        if self.is_rating:
            scale = d["scale"]
            if scale["input"] != "keys":
                return []
            keys = keys or [str(k + 1) for k in range(len(self.study.scale_points()))]
        return [_key_entry(k, where) for k in keys]

    def slider_keys(self) -> dict[str, list[dict[str, str]]]:
        """Slider studies: the keys that move the marker and the keys that confirm."""
        d = self.study.definition
        where = f"{d.path}: [response] continue_key"
        return {
            "move": [_key_entry(k, where) for k in ("left", "right", "down", "up")],
            "confirm": [_key_entry(d["response"]["continue_key"], where),
                        _key_entry("return", where)],
        }

    def continue_key(self) -> dict[str, str]:
        """The key that moves on from a text screen."""
        d = self.study.definition
        return _key_entry(d["response"]["continue_key"], f"{d.path}: [response] continue_key")

    # ----------------------------------------------------------------- the page

    def meta(self) -> dict[str, Any]:
        """The study's data layout and definition, as the database keeps them for exports."""
        study = self.study
        d = study.definition
        return {
            "title": d["study"]["title"],
            "description": d["study"]["description"],
            "version": d["study"]["version"],
            "columns": list(study.columns),
            "extra_columns": study.extra_columns,
            "practice": d["trials"]["practice"] > 0,
            "definition": d.hashed_content(),
            "overrides": list(d.overrides),
            "item_source": study.item_source,
            "notes": list(study.notes),
        }

    def page_config(self, *, with_code: bool = False) -> dict[str, Any]:
        """Everything public the page needs: texts, keys, scale, timing and colours.

        Parameters
        ----------
        with_code
            Include the completion code and redirect (a static export has no server to
            hand them out at the end; a server gives them only to a finished session).
        """
        d = self.study.definition
        texts = d["text"]
        scale = None
        if self.is_rating:
            s = d["scale"]
            step = s["step"]
            scale = {
                "min": s["min"], "max": s["max"], "step": step, "input": s["input"],
                "points": self.study.scale_points(), "labels": list(s["labels"]),
                "coarse": max(step, round((s["max"] - s["min"]) / 10 / step) * step),
            }
            if s["input"] == "slider":
                scale.update(self.slider_keys())
        timing = d["timing"]
        online = self.online
        return {
            "study": self.name,
            "title": d["study"]["title"] or self.name,
            "mode": "rating" if self.is_rating else "choice",
            "keys": self.response_keys(),
            "continue": self.continue_key(),
            "mouse": bool(d["response"]["mouse"]),
            "scale": scale,
            "feedback": self.feedback,
            "timing": {name: int(round(1000 * timing[name]))
                       for name in ("fixation", "iti", "confirm", "feedback")},
            "colors": {"background": d["display"]["background"],
                       "text": d["display"]["text_color"],
                       "highlight": d["display"]["highlight_color"]},
            "texts": {
                "instructions": default_instructions(self.study),
                "practice_start": texts["practice_start"],
                "practice_end": texts["practice_end"],
                "resume": texts["resume"],
                "end": online.end or texts["end"],
                "consent": online.consent,
                "consent_button": online.consent_button,
                "decline_button": online.decline_button,
                "declined": online.declined,
                "preview": online.preview,
            },
            "completion_code": (online.completion_code or None) if with_code else None,
            "redirect": online.redirect_url() if with_code else None,
            "redirect_delay": int(round(1000 * online.redirect_delay)),
        }


def find_definitions(path: str | Path) -> list[Path]:
    """The study definitions under a path.

    ``path`` is a definition file, a study folder holding ``study.toml``, or a folder of study
    folders (``studies/``): every ``*/study.toml`` one level down.

    Raises
    ------
    CogalignError
        When nothing is found.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if (path / "study.toml").is_file():
        return [path / "study.toml"]
    found = sorted(path.glob("*/study.toml"))
    if not found:
        raise CogalignError(f"{path}: no study definitions (expected */study.toml)")
    return found


def split_overrides(overrides: Iterable[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Split ``--set`` overrides into those for every study and those for one.

    ``table.field=value`` applies to every study; ``NAME:table.field=value`` to study NAME.
    """
    common: list[str] = []
    by_study: dict[str, list[str]] = {}
    for text in overrides:
        key, sep, value = text.partition("=")
        name, colon, rest = key.partition(":")
        if colon and sep:
            by_study.setdefault(name.strip(), []).append(f"{rest.strip()}={value}")
        else:
            common.append(text)
    return common, by_study


def load_studies(
    path: str | Path, overrides: Iterable[str] | Mapping[str, Sequence[str]] = ()
) -> dict[str, ServedStudy]:
    """Load the studies to serve.

    Parameters
    ----------
    path
        A definition file, a study folder, or a folder of study folders.
    overrides
        ``--set`` strings: ``table.field=value`` for every study, ``NAME:table.field=value``
        for study NAME (``online.FIELD=...`` set online settings); or a mapping from study
        name to that study's overrides.

    Returns
    -------
    dict
        Study name to :class:`ServedStudy`, in name order.

    Raises
    ------
    CogalignError
        For a bad definition, two studies with one name, or an override naming no study.
    """
    if isinstance(overrides, Mapping):
        common, by_study = [], {k: list(v) for k, v in overrides.items()}
    else:
        common, by_study = split_overrides(overrides)
    out: dict[str, ServedStudy] = {}
    for definition_path in find_definitions(path):
        probe = load_definition(definition_path)
        mine = common + by_study.get(probe.name, [])
        lab = [o for o in mine if not o.strip().startswith("online.")]
        online = [o for o in mine if o.strip().startswith("online.")]
        definition = load_definition(definition_path, lab) if lab else probe
        if definition.name in out:
            raise CogalignError(
                f"{definition_path}: study name {definition.name!r} is also used by "
                f"{out[definition.name].study.definition.path}"
            )
        served = ServedStudy(prepare_study(definition),
                             load_online_settings(definition.folder, online))
        out[definition.name] = served
    unknown = sorted(set(by_study) - set(out))
    if unknown:
        raise CogalignError(f"--set names unknown studies {unknown}; known: {sorted(out)}")
    return dict(sorted(out.items()))
