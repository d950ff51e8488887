"""A study's materials and each participant's trial list.

:func:`prepare_study` turns a checked :class:`~cogalign.studies.definition.StudyDefinition`
into a :class:`Study`: the resolved materials (items, gamble problems, delay problems), the
data columns, and the definition hash that covers both definition and materials.
:meth:`Study.trials` then builds one participant's session: practice trials first, then the
main trials with attention checks spread among them and break points every
``trials.break_every`` trials.

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
Screen positions are balanced within a participant: in the two-option paradigms the first
option (gamble A, the sooner amount) is on the left on exactly half of the trials (one more
or fewer when odd), in shuffled order; pairs are shown in each left/right order equally
often; triplets cycle through all six orders of their three items.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cogalign.data.schema import Schema
from cogalign.data.schemas import get_schema
from cogalign.studies.definition import DefinitionError, StudyDefinition, canonical_hash

__all__ = [
    "COMMON_COLUMNS",
    "Item",
    "Option",
    "Response",
    "Study",
    "Trial",
    "format_amount",
    "format_delay",
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

#: Each paradigm's columns, in file order (schema columns first, then paradigm extras).
PARADIGM_COLUMNS: dict[str, tuple[str, ...]] = {
    "triplets": (
        "participant_id", "session", "trial", "item_1", "item_2", "item_3", "response", "rt",
        "item_1_name", "item_2_name", "item_3_name", "response_name", "response_position",
    ),
    "similarity": (
        "participant_id", "session", "trial", "item_a", "item_b", "rating", "scale_min",
        "scale_max", "repeat", "rt", "item_a_index", "item_b_index", "pair_id",
    ),
    "risky": (
        "participant_id", "session", "trial", "outcomes_a", "probs_a", "outcomes_b", "probs_b",
        "response", "payoff", "rt", "problem_id", "a_side", "ev_a", "ev_b", "feedback_shown",
    ),
    "intertemporal": (
        "participant_id", "session", "trial", "x1", "t1", "x2", "t2", "response", "rt",
        "problem_id", "sooner_side", "delay_unit",
    ),
}


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
class Item:
    """One item of a triplet or similarity study.

    Attributes
    ----------
    index
        The item's index in its item set (the THINGS concept index for THINGS items, the row of
        the item file otherwise). It is what the data's item columns hold.
    name
        Identifier (THINGS ``uniqueID`` or the file's ``name``).
    label
        The text shown to participants.
    category
        Category name, used for triplet attention checks (``None`` if unknown).
    image
        Image file shown instead of the label, if the definition names one.
    """

    index: int
    name: str
    label: str
    category: str | None = None
    image: str | None = None


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
    items
        The items (triplets, similarity), else ``None``.
    item_source
        Where the items came from (``"things-concepts"`` or ``"file:<path>"``).
    problems
        The problem pool (risky: gamble pairs; intertemporal: amount/delay pairs), else ``None``.
    hash
        Definition hash: SHA-256 (16 hex digits) over the definition and the materials.
    notes
        Remarks made while resolving materials (e.g. a fallback to the shipped item list).
    """

    def __init__(self, definition: StudyDefinition, design: _Design, notes: list[str]):
        self.definition = definition
        self.paradigm = definition.paradigm
        self.schema: Schema = get_schema(self.paradigm)
        self.columns: tuple[str, ...] = PARADIGM_COLUMNS[self.paradigm] + COMMON_COLUMNS
        self._design = design
        self.items: list[Item] | None = getattr(design, "items", None)
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
        sequence: list[_Planned] = list(main)
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

    def scale_points(self) -> list[float]:
        """Similarity: the values of the rating scale, low to high."""
        s = self.definition["scale"]
        n = int(round((s["max"] - s["min"]) / s["step"])) + 1
        return [round(s["min"] + k * s["step"], 10) for k in range(n)]


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
    cls = {
        "triplets": _TripletDesign,
        "similarity": _SimilarityDesign,
        "risky": _RiskyDesign,
        "intertemporal": _IntertemporalDesign,
    }[definition.paradigm]
    return Study(definition, cls(definition, notes), notes)


# --------------------------------------------------------------------------- designs


@dataclass
class _Planned:
    """A trial before its index, sides and draws are fixed."""

    kind: str  # "main", "practice", "check"
    content: dict[str, Any]


class _Design:
    """Shared parts of the paradigm designs."""

    n_options = 2
    stimulus_columns: tuple[str, ...] = ()

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        self.d = definition
        self.notes = notes
        s = definition["study"]
        self.materials_rng = seeded_rng(s["seed"], s["name"], "materials")

    def error(self, message: str) -> DefinitionError:
        return DefinitionError(f"{self.d.path}: {message}")

    def materials(self) -> Any:
        raise NotImplementedError

    def main(self, rng: np.random.Generator) -> list[_Planned]:
        raise NotImplementedError

    def practice(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        raise NotImplementedError

    def checks(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        raise NotImplementedError

    def finish(self, planned: _Planned, *, index: int, practice: bool, break_before: bool,
               side: int, rng: np.random.Generator) -> Trial:
        raise NotImplementedError

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        raise NotImplementedError

    def balanced_sides(self, rng: np.random.Generator, n: int) -> list[int]:
        """0/1 per trial, half each (in shuffled order)."""
        sides = np.array([k % 2 for k in range(n)])
        rng.shuffle(sides)
        return [int(s) for s in sides]


def _read_items(definition: StudyDefinition, path: Path) -> list[Item]:
    if not path.is_file():
        raise DefinitionError(f"{definition.path}: [items] file: {path} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "name" not in reader.fieldnames:
            raise DefinitionError(f"{path}: the item file needs a 'name' column")
        rows = list(reader)
    items = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        if not name:
            raise DefinitionError(f"{path}: row {i + 1}: empty name")
        if name in seen:
            raise DefinitionError(f"{path}: row {i + 1}: item {name!r} appears twice")
        seen.add(name)
        label = (row.get("label") or "").strip() or name.replace("_", " ")
        category = (row.get("category") or "").strip() or None
        image = (row.get("image") or "").strip() or None
        items.append(Item(i, name, label, category, image))
    return items


def _things_items() -> list[Item] | None:
    from cogalign.data import load
    from cogalign.errors import CogalignError

    try:
        table = load("things-concepts", download=False, progress=False)
    except CogalignError:
        return None
    items = []
    for row in table.itertuples(index=False):
        category = row.category if isinstance(row.category, str) and row.category else None
        label = row.word if isinstance(row.word, str) and row.word else str(row.name)
        items.append(Item(int(row.item), str(row.name), label, category))
    return items


class _ItemDesign(_Design):
    """Triplet and similarity studies: resolve the item set."""

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        it = definition["items"]
        items: list[Item] | None = None
        if it["source"] == "things-concepts":
            items = _things_items()
            if items is not None:
                self.item_source = "things-concepts"
            elif not it["fallback"]:
                raise self.error(
                    "[items] source: the 'things-concepts' dataset is not available locally "
                    "(run `cogalign datasets fetch things-concepts`, or set fallback = true)"
                )
            else:
                notes.append(
                    "THINGS concepts not available locally; using the item file "
                    f"{definition.resolve(it['file'])}"
                )
        if items is None:
            path = definition.resolve(it["file"])
            items = _read_items(definition, path)
            self.item_source = f"file:{Path(it['file']).name}"
        if it["names"]:
            by_name = {x.name: x for x in items}
            unknown = [n for n in it["names"] if n not in by_name]
            if unknown:
                raise self.error(f"[items] names: not in the item set: {unknown[:10]}")
            items = [by_name[n] for n in dict.fromkeys(it["names"])]
        if it["n"]:
            if it["n"] > len(items):
                raise self.error(f"[items] n: {it['n']} items asked for, the set has {len(items)}")
            pick = np.sort(self.materials_rng.choice(len(items), size=it["n"], replace=False))
            items = [items[int(i)] for i in pick]
        if it["image"]:
            items = [
                Item(x.index, x.name, x.label, x.category,
                     str(definition.resolve(it["image"].format(name=x.name, index=x.index))))
                for x in items
            ]
        else:
            items = [
                Item(x.index, x.name, x.label, x.category,
                     str(definition.resolve(x.image)) if x.image else None)
                for x in items
            ]
        for x in items:
            if x.image is not None and not Path(x.image).is_file():
                raise self.error(f"[items] image: {x.image} (item {x.name!r}) does not exist")
        self.items = items

    def option(self, item: Item) -> Option:
        return Option((item.label,), item.image)

    def materials(self) -> Any:
        return {
            "source": self.item_source,
            "items": [[x.index, x.name, x.label, x.category, x.image and Path(x.image).name]
                      for x in self.items],
        }


class _TripletDesign(_ItemDesign):
    n_options = 3
    stimulus_columns = ("item_1", "item_2", "item_3", "item_1_name", "item_2_name", "item_3_name")
    ORDERS = tuple(itertools.permutations(range(3)))

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        if len(self.items) < 3:
            raise self.error(f"[items]: a triplet study needs at least 3 items, got {len(self.items)}")
        n_checks = definition["trials"]["attention_checks"]
        wanted = definition["items"]["check_categories"]
        by_cat: dict[str, list[int]] = {}
        for k, x in enumerate(self.items):
            if x.category and (not wanted or x.category in wanted):
                by_cat.setdefault(x.category, []).append(k)
        self.categories = {c: v for c, v in sorted(by_cat.items())}
        if n_checks:
            pairs = [c for c, v in self.categories.items() if len(v) >= 2]
            if not pairs or len(self.categories) < 2:
                raise self.error(
                    "[trials] attention_checks: triplet attention checks need items from at "
                    "least two categories (one with two or more items); the item set has "
                    f"{len(self.categories)} usable categories (see [items] check_categories)"
                )

    def _triplets(self, rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
        """n triplets (positions in self.items) in which items appear equally often."""
        out: list[tuple[int, int, int]] = []
        m = len(self.items)
        while len(out) < n:
            perm = rng.permutation(m)
            for k in range(0, m - 2, 3):
                out.append((int(perm[k]), int(perm[k + 1]), int(perm[k + 2])))
                if len(out) == n:
                    break
        return out

    def main(self, rng: np.random.Generator) -> list[_Planned]:
        n = self.d["trials"]["n"]
        return [_Planned("main", {"items": t}) for t in self._triplets(rng, n)]

    def practice(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        return [_Planned("practice", {"items": t}) for t in self._triplets(rng, n)]

    def checks(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        out = []
        cats = list(self.categories)
        pairs = [c for c in cats if len(self.categories[c]) >= 2]
        for _ in range(n):
            same = pairs[int(rng.integers(len(pairs)))]
            others = [c for c in cats if c != same]
            odd_cat = others[int(rng.integers(len(others)))]
            a, b = rng.choice(self.categories[same], size=2, replace=False)
            odd = self.categories[odd_cat][int(rng.integers(len(self.categories[odd_cat])))]
            out.append(_Planned("check", {"items": (int(a), int(b), int(odd)), "odd": int(odd)}))
        return out

    def balanced_sides(self, rng: np.random.Generator, n: int) -> list[int]:
        orders = np.array([k % 6 for k in range(n)])
        rng.shuffle(orders)
        return [int(o) for o in orders]

    def finish(self, planned, *, index, practice, break_before, side, rng) -> Trial:
        triple = planned.content["items"]
        shown = [self.items[triple[j]] for j in self.ORDERS[side]]
        stimulus = {
            "item_1": shown[0].index, "item_2": shown[1].index, "item_3": shown[2].index,
            "item_1_name": shown[0].name, "item_2_name": shown[1].name,
            "item_3_name": shown[2].name,
        }
        expected = None
        if planned.kind == "check":
            expected = self.items[planned.content["odd"]].index
        return Trial(
            index=index, practice=practice, attention_check=planned.kind == "check",
            break_before=break_before, stimulus=stimulus,
            options=tuple(self.option(x) for x in shown), expected=expected,
            prompt="Which one is the odd one out?",
            hidden={"names": [x.name for x in shown]},
        )

    def answer(self, trial: Trial, response: Response) -> dict[str, Any]:
        k = int(response.value)
        if k not in (0, 1, 2):
            raise ValueError(f"triplet response position {k} is not 0, 1 or 2")
        return {
            "response": trial.stimulus[f"item_{k + 1}"],
            "response_name": trial.stimulus[f"item_{k + 1}_name"],
            "response_position": k + 1,
        }


class _SimilarityDesign(_ItemDesign):
    n_options = 0
    stimulus_columns = ("item_a", "item_b", "scale_min", "scale_max", "repeat",
                        "item_a_index", "item_b_index", "pair_id")

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
        return {**super().materials(), "pairs": [list(p) for p in self.pairs]}

    def main(self, rng: np.random.Generator) -> list[_Planned]:
        order = rng.permutation(len(self.pairs))
        out = [_Planned("main", {"pair": self.pairs[int(k)], "pair_id": int(k), "repeat": 0})
               for k in order]
        reps = self.d["trials"]["repeats"]
        if reps:
            again = rng.choice(len(self.pairs), size=reps, replace=False)
            out += [_Planned("main", {"pair": self.pairs[int(k)], "pair_id": int(k), "repeat": 1})
                    for k in again]
        return out

    def practice(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        m = len(self.items)
        out = []
        for _ in range(n):
            a, b = rng.choice(m, size=2, replace=False)
            out.append(_Planned("practice", {"pair": (int(a), int(b)), "pair_id": None, "repeat": 0}))
        return out

    def checks(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        s = self.d["scale"]
        points = _scale_points(s)
        out = []
        for _ in range(n):
            a, b = rng.choice(len(self.items), size=2, replace=False)
            # ask for the low end, the middle or the high end of the scale
            value = points[int(rng.choice([0, len(points) // 2, len(points) - 1]))]
            out.append(_Planned("check", {"pair": (int(a), int(b)), "pair_id": None, "repeat": 0,
                                          "value": value}))
        return out

    def finish(self, planned, *, index, practice, break_before, side, rng) -> Trial:
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
        s = self.d["scale"]
        r = float(response.value)
        if not s["min"] <= r <= s["max"]:
            raise ValueError(f"rating {r:g} is outside the scale [{s['min']:g}, {s['max']:g}]")
        return {"rating": r}


def _scale_points(s: dict[str, Any]) -> list[float]:
    n = int(round((s["max"] - s["min"]) / s["step"])) + 1
    return [round(s["min"] + k * s["step"], 10) for k in range(n)]


def _expected_value(outcomes: Sequence[float], probs: Sequence[float]) -> float:
    return float(round(sum(x * p for x, p in zip(outcomes, probs, strict=True)), 6))


class _ChoiceDesign(_Design):
    """Two options on screen; the first option (A, sooner) goes left when side is 0."""

    def materials(self) -> Any:
        return {"problems": self.problems}

    def main(self, rng: np.random.Generator) -> list[_Planned]:
        order = rng.permutation(len(self.problems))
        return [_Planned("main", {"problem": self.problems[int(k)]}) for k in order]


class _RiskyDesign(_ChoiceDesign):
    stimulus_columns = ("outcomes_a", "probs_a", "outcomes_b", "probs_b", "problem_id",
                        "a_side", "ev_a", "ev_b", "feedback_shown")

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
        g = self.d["gambles"]
        k = int(rng.integers(1, g["max_outcomes"] + 1))
        values = rng.choice(np.arange(g["min_value"], g["max_value"] + 1), size=k, replace=False)
        grid = int(round(1 / g["probability_step"]))
        cuts = np.sort(rng.choice(np.arange(1, grid), size=k - 1, replace=False)) if k > 1 else []
        counts = np.diff(np.concatenate([[0], cuts, [grid]]))
        outcomes = sorted((float(v) for v in values), reverse=True)
        probs = [round(float(c) / grid, 10) for c in counts]
        return outcomes, probs

    def practice(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        out = []
        for _ in range(n):
            a, b = self._gamble(rng), self._gamble(rng)
            out.append(_Planned("practice", {"problem": {
                "problem_id": None, "outcomes_a": a[0], "probs_a": a[1],
                "outcomes_b": b[0], "probs_b": b[1]}}))
        return out

    def checks(self, rng: np.random.Generator, n: int) -> list[_Planned]:
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
            out.append(_Planned("check", {"problem": {
                "problem_id": None, "outcomes_a": a, "probs_a": probs, "outcomes_b": b,
                "probs_b": list(probs)}, "expected": "A" if a_better else "B"}))
        return out

    def finish(self, planned, *, index, practice, break_before, side, rng) -> Trial:
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
    if not path.is_file():
        raise DefinitionError(f"{definition.path}: [gambles] file: {path} does not exist")
    rows: list[dict[str, Any]] = []
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".jsonl", ".json"):
        try:
            raw = (json.loads(text) if path.suffix.lower() == ".json"
                   else [json.loads(line) for line in text.splitlines() if line.strip()])
        except json.JSONDecodeError as exc:
            raise DefinitionError(f"{path}: not valid JSON ({exc})") from None
        rows = list(raw)
    else:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    out = []
    for i, row in enumerate(rows):
        problem = {}
        for key in ("outcomes_a", "probs_a", "outcomes_b", "probs_b"):
            value = row.get(key) if isinstance(row, dict) else None
            try:
                value = json.loads(value) if isinstance(value, str) else value
                problem[key] = [float(v) for v in value]
            except (TypeError, ValueError):
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


class _IntertemporalDesign(_ChoiceDesign):
    stimulus_columns = ("x1", "t1", "x2", "t2", "problem_id", "sooner_side", "delay_unit")

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

    def practice(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        q = self.d["delays"]
        out = []
        for _ in range(n):
            x1 = float(rng.choice(q["sooner_amounts"]))
            inc = float(rng.choice([v for v in q["increases"] if v > 0] or [0.1]))
            t1 = float(rng.choice(q["sooner_delays"]))
            dt = float(rng.choice([v for v in q["extra_delays"] if v > 0] or [1.0]))
            out.append(_Planned("practice", {"problem": {
                "problem_id": None, "x1": x1, "t1": t1, "x2": round(x1 * (1 + inc), 2),
                "t2": t1 + dt}}))
        return out

    def checks(self, rng: np.random.Generator, n: int) -> list[_Planned]:
        """The same amount sooner or later: waiting gains nothing, so the sooner is expected."""
        q = self.d["delays"]
        out = []
        for _ in range(n):
            x = float(rng.choice(q["sooner_amounts"]))
            t1 = float(rng.choice(q["sooner_delays"]))
            dt = float(rng.choice([v for v in q["extra_delays"] if v > 0] or [1.0]))
            out.append(_Planned("check", {"problem": {
                "problem_id": None, "x1": x, "t1": t1, "x2": x, "t2": t1 + dt}, "expected": 0}))
        return out

    def finish(self, planned, *, index, practice, break_before, side, rng) -> Trial:
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
        k = int(response.value)
        if k not in (0, 1):
            raise ValueError(f"intertemporal response position {k} is not 0 or 1")
        return {"response": trial.hidden["at"][k]}
