"""A study's materials and each participant's trial list: the part every paradigm shares.

:func:`prepare_study` turns a checked :class:`~cogalign.studies.definition.StudyDefinition`
into a :class:`Study`: the resolved materials (items, gamble problems, delay problems), the
data columns, and the definition hash that covers both definition and materials.
:meth:`Study.trials` then builds one participant's session: practice trials first, then the
main trials with attention checks spread among them and break points every
``trials.break_every`` trials.

What is particular to a paradigm (its definition tables, materials, trials, screens, data
columns and simulated participants) is its :class:`Design`, a subclass declared in the
paradigm registry (:mod:`cogalign.paradigms`) and kept in the paradigm's own package
(``cogalign.<paradigm>.study``).

Randomness
----------
Every random step draws from a generator seeded from text: the study's materials (which
THINGS concepts, which pairs, which gambles) from ``(study.seed, study.name)``, so they are the
same for every participant; a participant's trial order, screen positions, practice trials,
attention checks and gamble draws from ``(study.seed, study.name, participant, session)``.
The same definition, participant and session always give the same trial list, which is what
lets a killed session resume exactly where it stopped.

Counterbalancing
----------------
Screen positions are balanced within a participant: by default each of two positions is used
on half of the trials (one more or fewer when odd), in shuffled order; a design can balance
differently (triplets cycle through all six orders of their three items).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from cogalign.data.schema import Schema
from cogalign.studies.definition import (
    DefinitionError,
    Field,
    StudyDefinition,
    canonical_hash,
    study_paradigms,
)

__all__ = [
    "COMMON_COLUMNS",
    "KEY_SYMBOLS",
    "Design",
    "Option",
    "Planned",
    "ProblemDesign",
    "Response",
    "Study",
    "Trial",
    "format_amount",
    "format_delay",
    "key_label",
    "prepare_study",
    "seeded_rng",
]

#: Columns every study writes after its paradigm's own columns.
COMMON_COLUMNS: tuple[str, ...] = (
    "study",
    "definition_hash",
    "is_practice",
    "is_attention_check",
    "expected_response",
    "onset_utc",
    "response_utc",
    "response_device",
    "response_key",
    "simulated_by",
)

def seeded_rng(*parts: object) -> np.random.Generator:
    """A NumPy generator seeded from text: the same parts always give the same numbers.

    Parameters
    ----------
    *parts
        Values whose ``str`` forms, joined, seed the generator (e.g. study seed, study name,
        participant id, session, purpose).

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator.
    """
    text = "\x1f".join(str(p) for p in parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


@dataclass(frozen=True)
class Option:
    """One thing shown on screen at one position (left to right).

    Attributes
    ----------
    lines
        Text lines (an item label; a gamble's outcome lines; an amount and its delay).
    image
        Image path, shown instead of the text when given.
    """

    lines: tuple[str, ...]
    image: str | None = None


@dataclass(frozen=True)
class Trial:
    """One trial of a participant's session, fixed before the participant answers.

    Attributes
    ----------
    index
        The ``trial`` column: running index over the whole session from 0 (practice trials
        first, so the main trials of a session with 2 practice trials start at 2).
    practice
        A practice trial (written to the practice file, not the data file).
    attention_check
        An attention check (written to the data file, marked in ``is_attention_check``).
    break_before
        Show the break screen before this trial.
    stimulus
        Data columns known before the response (item indices, gambles, amounts, sides, ...).
    options
        What is shown at each screen position, left to right (for similarity: the two items).
    expected
        The response an attentive participant gives on an attention check, in the data's
        coding (item index, rating, ``"A"``/``"B"``, 0/1); ``None`` otherwise.
    prompt
        The question shown above the options.
    image
        An image file shown between the prompt and the options, centred (the trial's
        stimulus, e.g. two views of an object side by side); ``None`` for none. Every such
        file is among the design's :meth:`Design.images`, which makes it: the PsychoPy
        runner and the online server call that before they show a trial.
    hidden
        Paradigm details the response is mapped through (e.g. the payoff each gamble pays).
    """

    index: int
    practice: bool
    attention_check: bool
    break_before: bool
    stimulus: dict[str, Any]
    options: tuple[Option, ...]
    expected: Any = None
    prompt: str = ""
    image: str | None = None
    hidden: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    """A participant's (or a simulated participant's) answer to a trial.

    Attributes
    ----------
    value
        Choice paradigms: the chosen screen position, 0-based from the left. Similarity: the
        rating on the scale.
    rt
        Response time in seconds from stimulus onset.
    device
        ``"keyboard"``, ``"mouse"`` or ``"simulated"``.
    key
        The key pressed, if any.
    """

    value: float
    rt: float
    device: str
    key: str | None = None


#: How keys are named on screen (others: the key's name in capitals).
KEY_SYMBOLS = {"left": "\u2190", "right": "\u2192", "up": "\u2191", "down": "\u2193",
               "space": "SPACE", "return": "ENTER"}


def key_label(key: str) -> str:
    """A key as participants see it named: arrows as arrows, others in capitals."""
    return KEY_SYMBOLS.get(key, key.upper())


def format_amount(x: float, currency: str) -> str:
    """Money as shown on screen: ``$10``, ``$12.50``, ``-$5``."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"
    return f"{sign}{currency}{text}"


def format_delay(t: float, unit: str) -> str:
    """A delay as shown on screen: ``today``, ``in 1 week``, ``in 2.5 months``."""
    if t == 0:
        return "today"
    number = f"{t:g}"
    singular = unit[:-1]
    return f"in {number} {singular if t == 1 else unit}"


# --------------------------------------------------------------------------- the study


class Study:
    """A study ready to run: definition, resolved materials and data layout.

    Use :func:`prepare_study` to make one.

    Attributes
    ----------
    definition
        The checked definition.
    paradigm
        The paradigm name.
    schema
        The data schema the study's files follow (:mod:`cogalign.data.schemas`).
    columns
        The data file's columns, in order.
    design
        The paradigm's :class:`Design`, holding the resolved materials.
    items
        The items (item-based paradigms such as triplets and similarity), else ``None``.
    item_source
        Where the items came from (``"things-concepts"`` or ``"file:<path>"``).
    problems
        The problem pool (risky: gamble pairs; intertemporal: amount/delay pairs), else ``None``.
    hash
        Definition hash: SHA-256 (16 hex digits) over the definition and the materials.
    notes
        Remarks made while resolving materials (e.g. a fallback to the shipped item list).
    """

    def __init__(self, definition: StudyDefinition, design: Design, notes: list[str]):
        from cogalign.paradigms import get_paradigm

        self.definition = definition
        self.paradigm = definition.paradigm
        self.schema: Schema = get_paradigm(self.paradigm).get_schema()
        self.columns: tuple[str, ...] = tuple(design.columns) + COMMON_COLUMNS
        self.design = design
        self._design = design
        self.items: list[Any] | None = getattr(design, "items", None)
        self.item_source: str | None = getattr(design, "item_source", None)
        self.problems: list[dict[str, Any]] | None = getattr(design, "problems", None)
        self.notes = notes
        materials = design.materials()
        self.hash = canonical_hash({"definition": definition.hashed_content(), "materials": materials})

    @property
    def name(self) -> str:
        """The study's name."""
        return self.definition.name

    @property
    def extra_columns(self) -> list[str]:
        """Columns beyond the paradigm schema (declared in ``dataset_description.json``)."""
        known = {c.name for c in self.schema.columns}
        return [c for c in self.columns if c not in known]

    @property
    def stimulus_columns(self) -> list[str]:
        """Columns fixed before the response (compared on resume)."""
        return list(self._design.stimulus_columns)

    def participant_seed_parts(self, participant: str, session: int) -> tuple:
        """The text parts that seed a participant's session."""
        d = self.definition["study"]
        return (d["seed"], d["name"], "participant", participant, "session", session)

    def trials(self, participant: str, session: int) -> list[Trial]:
        """One participant's session: practice, then main trials with attention checks.

        Parameters
        ----------
        participant
            Participant id.
        session
            Session number (1, 2, ...).

        Returns
        -------
        list of Trial
            In presentation order; ``trial.index`` runs from 0.
        """
        parts = self.participant_seed_parts(participant, session)
        t = self.definition["trials"]
        design = self._design
        practice = design.practice(seeded_rng(*parts, "practice"), t["practice"])
        main = design.main(seeded_rng(*parts, "main"))
        checks = design.checks(seeded_rng(*parts, "checks"), t["attention_checks"])
        # spread the checks evenly over the main block, at random places within each stretch
        rng = seeded_rng(*parts, "check-positions")
        sequence: list[Planned] = list(main)
        n_main = len(sequence)
        for k, check in enumerate(checks):
            lo = (k * n_main) // max(len(checks), 1)
            hi = ((k + 1) * n_main) // max(len(checks), 1)
            # never the first main trial; k checks are already in the sequence before this one
            at = int(rng.integers(min(lo + 1, hi), hi + 1)) + k if n_main else k
            sequence.insert(min(at, len(sequence)), check)
        sides = design.balanced_sides(seeded_rng(*parts, "sides"), len(practice) + len(sequence))
        extra = seeded_rng(*parts, "draws")
        out: list[Trial] = []
        every = t["break_every"]
        for i, (planned, side) in enumerate(zip(list(practice) + sequence, sides, strict=True)):
            is_practice = i < len(practice)
            main_pos = i - len(practice)
            out.append(
                design.finish(
                    planned,
                    index=i,
                    practice=is_practice,
                    break_before=(not is_practice and every > 0 and main_pos > 0
                                  and main_pos % every == 0),
                    side=side,
                    rng=extra,
                )
            )
        return out

    def row(
        self,
        trial: Trial,
        response: Response,
        *,
        participant: str,
        session: int,
        onset_utc: str,
        response_utc: str,
        simulated_by: str | None,
    ) -> dict[str, Any]:
        """The data row of an answered trial, with every column of :attr:`columns`.

        Parameters
        ----------
        trial
            The trial.
        response
            The answer.
        participant, session
            Who and which session.
        onset_utc, response_utc
            ISO 8601 UTC timestamps of stimulus onset and response.
        simulated_by
            The simulated participant's model, or ``None`` for a person.

        Returns
        -------
        dict
            Column name to value.
        """
        row: dict[str, Any] = {
            "participant_id": participant,
            "session": session,
            "trial": trial.index,
            **trial.stimulus,
            **self._design.answer(trial, response),
            "rt": round(float(response.rt), 6),
            "study": self.name,
            "definition_hash": self.hash,
            "is_practice": int(trial.practice),
            "is_attention_check": int(trial.attention_check),
            "expected_response": trial.expected,
            "onset_utc": onset_utc,
            "response_utc": response_utc,
            "response_device": response.device,
            "response_key": response.key,
            "simulated_by": simulated_by,
        }
        missing = [c for c in self.columns if c not in row]
        unknown = [c for c in row if c not in self.columns]
        if missing or unknown:  # pragma: no cover - a programming error
            raise AssertionError(f"row columns: missing {missing}, unknown {unknown}")
        return {c: row[c] for c in self.columns}

    @property
    def n_options(self) -> int:
        """Number of screen positions a choice is made among (0 for rating scales)."""
        return self._design.n_options

    def instructions(self) -> str:
        """The instructions participants read, in the lab and online.

        The definition's ``[text] instructions``, else the design's default, ending with how
        to start.
        """
        text = self.definition["text"]["instructions"]
        if text:
            return text
        keys = " / ".join(key_label(k) for k in self.definition["response"]["keys"])
        start = key_label(self.definition["response"]["continue_key"])
        return self._design.instructions(keys) + f"\n\nPress {start} to start."

    def scale_points(self) -> list[float]:
        """Rating designs: the values of the rating scale, low to high."""
        return self._design.scale_points()


def prepare_study(definition: StudyDefinition) -> Study:
    """Resolve a definition's materials and return the :class:`Study`.

    Parameters
    ----------
    definition
        A checked definition (:func:`~cogalign.studies.definition.load_definition`).

    Returns
    -------
    Study

    Raises
    ------
    DefinitionError
        When the materials cannot be built (missing item file, too few items, a bad gamble
        file), naming the file and field.
    """
    notes: list[str] = []
    design_class = study_paradigms()[definition.paradigm]
    return Study(definition, design_class(definition, notes), notes)


# --------------------------------------------------------------------------- designs


@dataclass
class Planned:
    """A trial before its index, screen positions and draws are fixed.

    Attributes
    ----------
    kind
        ``"main"``, ``"practice"`` or ``"check"``.
    content
        What the design needs to finish the trial (items, a problem, the expected answer).
    """

    kind: str
    content: dict[str, Any]


class Design:
    """Base class of a paradigm's study design: its materials, trials, screens and data.

    A paradigm subclasses it in its own package (``cogalign.<paradigm>.study``) and names the
    subclass in its registry entry (``Paradigm(study_design=...)``). The class attributes
    declare what the core needs to know; the methods build the trials.

    Parameters
    ----------
    definition
        The checked study definition.
    notes
        A list the design appends remarks to (e.g. a fallback to a shipped item list).

    Attributes
    ----------
    columns
        The paradigm's data columns in file order: the schema's columns first, then the
        paradigm's extras (the core adds :data:`COMMON_COLUMNS`).
    stimulus_columns
        Columns fixed before the response (compared on resume).
    n_options
        Number of screen positions a choice is made among; 0 for a rating scale.
    tables
        The definition tables and fields the paradigm adds (``{"gambles": {"max_outcomes":
        Field(...)}}``); fields of a core table (such as ``trials``) are merged into it.
    defaults
        Defaults that differ from the core's (``{"response": {"keys": ["left", "right"]}}``).
    option_layout
        How an option's text lines are drawn: ``"lines"`` (one line each, the same size) or
        ``"headline"`` (the first line large, the rest below it in normal size).
    option_height
        Height of an option's box, as a share of the screen height.
    default_participant
        The simulated participant ``--simulate default`` stands for.
    checks_state_answer
        Attention checks tell participants what to answer (e.g. "please answer 7"), so a
        simulated participant obeys them instead of applying its model.
    """

    columns: ClassVar[tuple[str, ...]] = ()
    stimulus_columns: ClassVar[tuple[str, ...]] = ()
    n_options: ClassVar[int] = 2
    tables: ClassVar[dict[str, dict[str, Field]]] = {}
    defaults: ClassVar[dict[str, dict[str, Any]]] = {}
    option_layout: ClassVar[str] = "lines"
    option_height: ClassVar[float] = 0.36
    default_participant: ClassVar[str] = "random"
    checks_state_answer: ClassVar[bool] = False

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        self.d = definition
        self.notes = notes
        s = definition["study"]
        self.materials_rng = seeded_rng(s["seed"], s["name"], "materials")

    # ------------------------------------------------------------------ declarations

    @classmethod
    def check_definition(cls, d: dict[str, dict[str, Any]]) -> list[str]:
        """Checks of the paradigm's own fields that involve more than one field.

        Parameters
        ----------
        d
            The definition's tables, typed and with defaults filled in.

        Returns
        -------
        list of str
            Problems, each starting with ``[table] field:``.
        """
        return []

    @classmethod
    def participants(cls) -> dict[str, type]:
        """The paradigm's simulated participants by name.

        Each a :class:`~cogalign.studies.simulate.SimulatedParticipant` subclass.
        """
        return {}

    def instructions(self, keys: str) -> str:
        """The default instructions (used when ``text.instructions`` is empty).

        Parameters
        ----------
        keys
            The response keys as shown to participants, e.g. ``"LEFT / RIGHT"``.
        """
        return f"On each trial, choose one option.\n\nUse the keys {keys} (or click it)."

    def feedback(self, trial: Trial, response: Response) -> str | None:
        """Text shown under the chosen option after a choice (``None``: no feedback)."""
        return None

    def scale_points(self) -> list[float]:
        """Rating designs: the values of the scale, low to high."""
        raise DefinitionError(f"{self.d.path}: the {self.d.paradigm} paradigm has no rating scale")

    def error(self, message: str) -> DefinitionError:
        """A :class:`DefinitionError` naming the definition file."""
        return DefinitionError(f"{self.d.path}: {message}")

    # ------------------------------------------------------------------ trials

    def materials(self) -> Any:
        """The resolved materials (JSON-serialisable; covered by the study hash)."""
        raise NotImplementedError

    def images(self) -> list[str]:
        """Every image file the study may show, as paths, made first where the design draws them.

        The option images and trial images (:attr:`Trial.image`) of every participant's
        trials are among them. The PsychoPy runner calls this before the first screen, and the
        online server when it loads the study: it offers these files and no others. The base
        design shows none.
        """
        return []

    def main(self, rng: np.random.Generator) -> list[Planned]:
        """The main trials, in presentation order."""
        raise NotImplementedError

    def practice(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """``n`` practice trials."""
        raise NotImplementedError

    def checks(self, rng: np.random.Generator, n: int) -> list[Planned]:
        """``n`` attention checks (each with the answer an attentive participant gives)."""
        raise NotImplementedError

    def finish(self, planned: Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        """Fix a planned trial: its index, screen positions (``side``) and random draws."""
        raise NotImplementedError

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        """The response columns of a data row, from the answered screen position or rating."""
        raise NotImplementedError

    def balanced_sides(self, rng: np.random.Generator, n: int) -> list[int]:
        """0/1 per trial, half each (in shuffled order)."""
        sides = np.array([k % 2 for k in range(n)])
        rng.shuffle(sides)
        return [int(s) for s in sides]


class ProblemDesign(Design):
    """A design whose materials are a pool of problems (``self.problems``), each shown once.

    The main trials are the problems in a shuffled order; subclasses build ``problems`` (a
    list of dicts with a ``problem_id``) in ``__init__`` and define practice, checks,
    :meth:`Design.finish` and :meth:`Design.answer`.
    """

    problems: list[dict[str, Any]]

    def materials(self) -> Any:
        """The problem pool."""
        return {"problems": self.problems}

    def main(self, rng: np.random.Generator) -> list[Planned]:
        """Every problem once, in shuffled order."""
        order = rng.permutation(len(self.problems))
        return [Planned("main", {"problem": self.problems[int(k)]}) for k in order]
