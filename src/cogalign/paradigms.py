"""The paradigm registry: every paradigm declares itself here once, and the core finds it.

A paradigm is one package under ``cogalign/`` (or in any installed distribution) with a
module that holds a :class:`Paradigm` named ``PARADIGM``: its trial schema, dataset names,
simulator, estimators, study design, commands, demo section and language-model alignment
entry. The command line (``cogalign fit``, ``align``, ``compare``, ``study``), the demo, the
study runner and the sweep runner ask this registry what exists; none of them branches on a
paradigm's name.

Paradigms are found, in this order, in

1. :data:`BUILTIN` (the modules of the paradigms that ship with cogalign),
2. the ``cogalign.paradigms`` entry-point group of installed distributions
   (``[project.entry-points."cogalign.paradigms"] toy = "my_package.paradigm"``),
3. the environment variable ``COGALIGN_PARADIGMS``: module names separated by commas,
4. :func:`register_paradigm` calls made at run time.

Heavy parts are named as ``"module:attribute"`` strings and imported on first use
(:func:`resolve`), so listing the paradigms imports no model code.

The align contract
------------------
A paradigm's :attr:`Paradigm.align` names the one function that measures a language model
against people on that paradigm; the sweep runner (:mod:`cogalign.sweep`) calls nothing else::

    align(model: str, *, dataset: str | None = None, layer: str | int | None = None,
          template: str | None = None, temperature: float | None = None, seed: int = 0,
          limit: int | None = None, progress: bool = False, **options) -> list[dict]

``model``
    A :mod:`cogalign.llm` model: preset, Hugging Face id or local path.
``dataset``
    A registry name the function supports (``None``: the paradigm's default dataset).
``layer``
    A layer spec of :mod:`cogalign.llm.layers` (``"all"``, ``"last"``, ``3``, ``"0:6"``);
    ``None``: the paradigm's default. Rows are per layer actually measured.
``template``
    How the items are put to the model (an item template, a prompt template, a format);
    what it means is the paradigm's and its docstring says so. ``None``: the default.
``temperature``
    Sampling temperature of synthetic participants; ``None``: no sampling.
``seed``
    Seed of every random step: bootstrap intervals, the train/test split, sampling.
``limit``
    Use a seeded subset of this many units (triplets, pairs, problems) for quick runs;
    ``None``: all of them.
``progress``
    Show progress bars.
``**options``
    The paradigm's own settings (``method="prompt"``, ``n_boot=200``) as keyword
    parameters, documented by the function; the sweep runner checks a sweep file's options
    against the signature before anything runs.

A paradigm with no use for ``layer``, ``template`` or ``temperature`` leaves that parameter
out of its signature, and the sweep runner refuses a sweep file that sets it for the
paradigm. The function returns **tidy metric rows**, one number each, as plain dicts of
``str``, ``int``, ``float``, ``bool`` or ``None`` (:data:`ALIGN_KEYS` are required):

``metric``
    Name of the measure (``"accuracy"``, ``"spearman"``, ``"r2"``, ``"percentile"``).
``value``, ``ci_low``, ``ci_high``
    The estimate and its interval (NaN when there is none).
``ceiling``
    The noise ceiling in the same units (what a perfect model of the people would reach,
    given how noisy they are), NaN where none is known. The leaderboard divides by it.
``layer``
    The layer measured (an int), or a label (``"prompt"``), or ``None``.
``template``
    The template actually used (the default spelled out), or ``None``.
``split``
    ``"all"`` (every unit), or ``"train"`` / ``"test"``: the same measure on a seeded half
    split of the units (:func:`cogalign.crossval.holdout_split`), identical for every model,
    layer, template and temperature of a dataset, seed and limit. The leaderboard chooses
    layer and template on ``"train"`` and reports ``"test"``, so it is not tuned on the data
    it reports. The primary metric comes in the three splits (or in ``"all"`` alone, from a
    function that cannot split its units; the leaderboard then has no held-out score).
``primary``
    ``True`` on the paradigm's headline measure (higher is better), which the leaderboard
    ranks on; one primary metric name per paradigm and dataset.

Rows may carry more keys: ``dataset`` (the dataset measured, its default spelled out),
``sources`` (other registry datasets the measure drew on, comma-separated, cited in the
report), ``n`` (units), ``relative_depth``, ``method``, ``ceiling_upper``, ``temperature``.
:func:`align_row` builds a row, :func:`check_align_rows` checks a function's rows against the
contract.

>>> from cogalign.paradigms import get_paradigm
>>> get_paradigm("triplets").schema_name
'triplets'
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from cogalign.errors import CogalignError

__all__ = [
    "ALIGN_KEYS",
    "ALIGN_SPLITS",
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "ENV_VARIABLE",
    "Paradigm",
    "ParadigmError",
    "align_row",
    "all_paradigms",
    "check_align_rows",
    "factory",
    "get_paradigm",
    "register_paradigm",
    "resolve",
    "unregister_paradigm",
    "with_part",
]

#: Modules of the paradigms that ship with cogalign; each defines ``PARADIGM``.
BUILTIN: tuple[str, ...] = (
    "cogalign.triplets.paradigm",
    "cogalign.similarity.paradigm",
    "cogalign.risky.paradigm",
    "cogalign.intertemporal.paradigm",
    "cogalign.moralgraph.paradigm",
    "cogalign.rotation.paradigm",
    "cogalign.beliefs.paradigm",
)

#: Entry-point group through which installed distributions add paradigms.
ENTRY_POINT_GROUP = "cogalign.paradigms"

#: Environment variable naming extra paradigm modules (comma-separated).
ENV_VARIABLE = "COGALIGN_PARADIGMS"

#: A value or a ``"module:attribute"`` string naming it (imported on first use).
Ref = Any

#: Keys every row returned by a paradigm's ``align`` function must have.
ALIGN_KEYS: tuple[str, ...] = ("metric", "value", "ci_low", "ci_high", "ceiling", "layer",
                               "template", "split", "primary")

#: The values of a row's ``split``.
ALIGN_SPLITS: tuple[str, ...] = ("all", "train", "test")


class ParadigmError(CogalignError):
    """A paradigm is unknown, declared twice, or declares something it does not have."""


def factory(ref: str, *args: Any) -> Any:
    """An estimator factory for :attr:`Paradigm.estimators`: ``ref`` called with ``args`` first.

    For estimators that take the model's name as their first argument, e.g.
    ``{"cpt": factory("cogalign.risky.estimators:RiskyChoiceModel", "cpt")}``; the class is
    imported when the first estimator is made.

    >>> make = factory("fractions:Fraction", 3)
    >>> make(denominator=4)
    Fraction(3, 4)
    """

    def make(**params: Any) -> Any:
        return resolve(ref)(*args, **params)

    make.__name__ = make.__qualname__ = f"{ref.rpartition(':')[2]}({', '.join(map(repr, args))})"
    return make


def resolve(ref: Ref) -> Any:
    """Return the object a reference names.

    Parameters
    ----------
    ref
        ``"package.module:attribute"`` (imported now), or any other object (returned as is).

    Returns
    -------
    object
        The named object.

    Raises
    ------
    ParadigmError
        When the module or attribute does not exist.
    """
    if not isinstance(ref, str) or ":" not in ref:
        return ref
    module, _, attribute = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module)
    except ImportError as exc:
        raise ParadigmError(f"cannot import {module!r} (named by {ref!r}): {exc}") from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ParadigmError(f"{module!r} has no attribute {attribute!r}") from None
    return obj


#: The command groups whose sub-commands are paradigms (``cogalign fit NAME``), with their help.
SLOTS = {
    "fit": "Fit a cognitive model to a paradigm's data.",
    "align": "How closely a language model matches people, per paradigm.",
    "compare": "Compare cognitive models and language-model probes, cross-validated.",
}


def _command_name(name: str) -> bool:
    return bool(name) and name.replace("-", "").isalnum() and name == name.lower()


@dataclass(frozen=True)
class Paradigm:
    """One paradigm's declaration: what it has and where each part lives.

    Every part but ``name``, ``title`` and ``schema`` is optional; the core offers only what
    a paradigm declares. Parts given as ``"module:attribute"`` strings are imported on use.

    Attributes
    ----------
    name
        Registry name, used on the command line (``cogalign fit NAME``); lower case.
    title
        One line saying what the paradigm is.
    schema
        Name of its trial-table schema in :data:`cogalign.data.SCHEMAS`, or the
        :class:`~cogalign.data.Schema` itself (registered there on registration).
    datasets
        Registry names of its public datasets (:mod:`cogalign.data.registry`).
    simulator
        Function returning a simulated trial table (keyword arguments, one of them
        ``seed``).
    estimators
        Model name to estimator class (a :class:`cogalign.estimator.Estimator` subclass whose
        ``fit`` takes the trial table).
    default_estimator
        The estimator ``cogalign fit NAME`` uses without ``--model``.
    cv_groups
        Column whose values keep rows together in cross-validation (``"participant_id"``:
        whole people are held out), or a function ``table -> group labels``.
    study_design
        The :class:`cogalign.studies.design.Design` subclass that turns a study definition
        into trial lists, screens and simulated participants.
    commands
        Click commands by slot: ``"fit"``, ``"align"`` and ``"compare"`` are mounted as
        ``cogalign SLOT NAME``; ``"group"`` (a click group) as ``cogalign NAME``; a key
        ``"SLOT:OTHER"`` (``"fit:rotation-model"``) as a further command of a slot,
        ``cogalign SLOT OTHER``; any other key as a top-level command of that name.
    demo
        Function ``(echo) -> dict``: the paradigm's section of ``cogalign demo``.
    align
        Function measuring a language model against people on this paradigm, the entry the
        sweep runner calls: ``align(model, *, dataset=None, layer=None, template=None,
        temperature=None, seed=0, limit=None, progress=False, **options) -> list[dict]``,
        returning tidy metric rows (see "The align contract" in :mod:`cogalign.paradigms`
        and :func:`check_align_rows`).
    reader
        Function ``(path) -> trial table`` for users' files, if not the schema's generic reader.
    package
        The paradigm's package (``"cogalign.triplets"``). Its ``prompts/`` folder, if any,
        joins the one template registry of :mod:`cogalign.llm.tasks`; its ``studies/`` folder,
        if any, holds the study definitions that ship with cogalign, one folder each
        (:mod:`cogalign.studies.library`).
    online_flow
        The :class:`cogalign.serve.flows.FlowKind` of a participant flow ``cogalign serve``
        runs for this paradigm, where its online study is not a trial list.
    """

    name: str
    title: str
    schema: Any
    datasets: tuple[str, ...] = ()
    simulator: Ref = None
    estimators: Mapping[str, Ref] = field(default_factory=dict)
    default_estimator: str | None = None
    cv_groups: Ref = "participant_id"
    study_design: Ref = None
    commands: Mapping[str, Ref] = field(default_factory=dict)
    demo: Ref = None
    align: Ref = None
    reader: Ref = None
    package: str | None = None
    online_flow: Ref = None

    def __post_init__(self) -> None:
        if not _command_name(self.name):
            raise ParadigmError(f"paradigm name {self.name!r}: use lower-case letters, digits, '-'")
        for key in self.commands:
            slot, _, name = key.partition(":")
            if name and (slot not in SLOTS or not _command_name(name)):
                raise ParadigmError(
                    f"paradigm {self.name!r}: command key {key!r}: use SLOT:NAME with SLOT one "
                    f"of {', '.join(SLOTS)} and NAME of lower-case letters, digits, '-'"
                )
        if self.default_estimator is not None and self.default_estimator not in self.estimators:
            raise ParadigmError(
                f"paradigm {self.name!r}: default_estimator {self.default_estimator!r} is not "
                f"among its estimators {sorted(self.estimators)}"
            )

    @property
    def schema_name(self) -> str:
        """The name of the trial schema (the ``--paradigm`` of ``cogalign validate``)."""
        return self.schema if isinstance(self.schema, str) else self.schema.name

    def get_schema(self) -> Any:
        """The :class:`~cogalign.data.Schema` of the paradigm's trial table."""
        from cogalign.data.schemas import get_schema

        return self.schema if not isinstance(self.schema, str) else get_schema(self.schema)

    def estimator(self, name: str | None = None, **params: Any) -> Any:
        """A new estimator by model name (default: :attr:`default_estimator`).

        Raises
        ------
        ParadigmError
            For an unknown model name, listing the known ones and the closest.
        """
        name = name or self.default_estimator
        if name is None or name not in self.estimators:
            known = sorted(self.estimators)
            raise ParadigmError(
                f"paradigm {self.name!r} has no model {name!r}{_closest(name, known)}; "
                f"known: {', '.join(known) or 'none'}"
            )
        return resolve(self.estimators[name])(**params)

    def part(self, attribute: str) -> Any:
        """A declared part, imported (``None`` when the paradigm does not declare it)."""
        return resolve(getattr(self, attribute))

    @property
    def extra_commands(self) -> dict[tuple[str, str], str]:
        """The further commands it adds to slots: ``{(slot, name): key in commands}``."""
        return {tuple(key.split(":", 1)): key for key in self.commands if ":" in key}

    def command(self, slot: str) -> Any:
        """The click command in a slot (``"fit"``, ``"align"``, ...), or ``None``."""
        ref = self.commands.get(slot)
        return None if ref is None else resolve(ref)


_REGISTRY: dict[str, Paradigm] = {}
_ORIGIN: dict[str, str] = {}
_DISCOVERED = False


def register_paradigm(paradigm: Paradigm, *, origin: str = "register_paradigm()") -> Paradigm:
    """Add a paradigm to the registry.

    Its schema is added to :data:`cogalign.data.SCHEMAS` when given as an object.

    Parameters
    ----------
    paradigm
        The declaration.
    origin
        Where it came from (shown when a name is declared twice).

    Returns
    -------
    Paradigm
        The same declaration.

    Raises
    ------
    ParadigmError
        When another paradigm already has the name.
    """
    if not isinstance(paradigm, Paradigm):
        raise ParadigmError(f"{origin}: expected a Paradigm, got {type(paradigm).__name__}")
    previous = _REGISTRY.get(paradigm.name)
    if previous is not None and previous is not paradigm:
        raise ParadigmError(
            f"paradigm {paradigm.name!r} from {origin} is already registered "
            f"(from {_ORIGIN[paradigm.name]})"
        )
    def claims(p: Paradigm) -> set[tuple[str, str]]:
        """Every ``cogalign SLOT NAME`` the paradigm may take."""
        return {(slot, p.name) for slot in SLOTS} | set(p.extra_commands)

    taken = set().union(*(claims(p) for name, p in _REGISTRY.items() if name != paradigm.name))
    clash = sorted(claims(paradigm) & taken)
    if clash:
        slot, name = clash[0]
        raise ParadigmError(f"paradigm {paradigm.name!r} from {origin}: 'cogalign {slot} {name}' "
                            "is already taken")
    if not isinstance(paradigm.schema, str):
        from cogalign.data.schemas import register_schema

        register_schema(paradigm.schema)
    _REGISTRY[paradigm.name] = paradigm
    _ORIGIN[paradigm.name] = origin
    return paradigm


def unregister_paradigm(name: str) -> None:
    """Remove a paradigm registered at run time (tests use this to clean up)."""
    _REGISTRY.pop(name, None)
    _ORIGIN.pop(name, None)


def _load_module(module: str, origin: str) -> None:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ParadigmError(f"{origin}: cannot import paradigm module {module!r}: {exc}") from None
    paradigm = getattr(mod, "PARADIGM", None)
    if paradigm is None:
        raise ParadigmError(f"{origin}: module {module!r} defines no PARADIGM")
    if _REGISTRY.get(getattr(paradigm, "name", None)) is not paradigm:
        register_paradigm(paradigm, origin=f"{origin} ({module})")


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    for module in BUILTIN:
        _load_module(module, "cogalign")
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        _load_module(entry.value.partition(":")[0], f"entry point {entry.name!r}")
    for module in filter(None, (m.strip() for m in os.environ.get(ENV_VARIABLE, "").split(","))):
        _load_module(module, f"${ENV_VARIABLE}")


def all_paradigms() -> dict[str, Paradigm]:
    """Every registered paradigm by name, in registration order."""
    _discover()
    return dict(_REGISTRY)


def get_paradigm(name: str) -> Paradigm:
    """A paradigm by name.

    Raises
    ------
    ParadigmError
        For an unknown name, listing the known ones and suggesting the closest.
    """
    registry = all_paradigms()
    try:
        return registry[name]
    except KeyError:
        raise ParadigmError(
            f"unknown paradigm {name!r}{_closest(name, registry)}; known: {', '.join(registry)}"
        ) from None


def with_part(attribute: str) -> Iterator[Paradigm]:
    """The paradigms that declare a part (e.g. ``"demo"`` or ``"study_design"``)."""
    for paradigm in all_paradigms().values():
        if getattr(paradigm, attribute):
            yield paradigm


def _closest(name: str | None, known: Mapping[str, Any] | list[str]) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def align_row(metric: str, value: Any, *, ci: tuple[Any, Any] = (None, None),
              ceiling: Any = None, layer: Any = None, template: str | None = None,
              split: str = "all", primary: bool = False, **extra: Any) -> dict[str, Any]:
    """One metric row of the align contract, with numbers as plain floats (NaN for none).

    Parameters
    ----------
    metric, value
        The measure's name and estimate.
    ci
        ``(low, high)`` interval (``None`` for none).
    ceiling
        Noise ceiling in the same units (``None`` for none).
    layer, template, split, primary
        As in the contract (module docstring).
    **extra
        More keys (``n``, ``relative_depth``...); NumPy scalars become plain numbers.

    Returns
    -------
    dict
    """
    row = {"metric": metric, "value": _number(value), "ci_low": _number(ci[0]),
           "ci_high": _number(ci[1]), "ceiling": _number(ceiling),
           "layer": int(layer) if isinstance(layer, int) or hasattr(layer, "dtype") else layer,
           "template": template, "split": split, "primary": bool(primary)}
    for key, item in extra.items():
        row[key] = item.item() if hasattr(item, "item") else item
    return row


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def check_align_rows(rows: Any, *, where: str = "align") -> list[dict[str, Any]]:
    """Check rows returned by a paradigm's ``align`` function against the contract.

    Parameters
    ----------
    rows
        What the function returned.
    where
        Who returned them, for the messages (e.g. ``"triplets align"``).

    Returns
    -------
    list of dict
        The rows, unchanged.

    Raises
    ------
    ParadigmError
        Naming the row and key: not a list of dicts, a missing key, a value that is not a
        plain ``str`` / ``int`` / ``float`` / ``bool`` / ``None``, a ``split`` outside
        :data:`ALIGN_SPLITS`, a ``value`` that is not a number, no primary row, two primary
        metric names, or a primary metric not in the splits ``all``, ``train`` and ``test``
        (or ``all`` alone).
    """
    if not isinstance(rows, list) or not rows:
        raise ParadigmError(f"{where}: must return a non-empty list of dicts, got "
                            f"{type(rows).__name__}")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ParadigmError(f"{where}: row {i} is a {type(row).__name__}, not a dict")
        missing = [k for k in ALIGN_KEYS if k not in row]
        if missing:
            raise ParadigmError(f"{where}: row {i} ({row.get('metric')!r}) lacks {missing}")
        for key, value in row.items():
            if not isinstance(key, str) or not _plain(value):
                raise ParadigmError(f"{where}: row {i} key {key!r} holds a "
                                    f"{type(value).__name__}; use str, int, float, bool or None")
        if row["split"] not in ALIGN_SPLITS:
            raise ParadigmError(f"{where}: row {i} split {row['split']!r} is not one of "
                                f"{ALIGN_SPLITS}")
        for key in ("value", "ci_low", "ci_high", "ceiling"):
            if isinstance(row[key], bool) or not isinstance(row[key], int | float):
                raise ParadigmError(f"{where}: row {i} {key} must be a number (NaN for none), "
                                    f"got {row[key]!r}")
        if not isinstance(row["metric"], str) or not row["metric"]:
            raise ParadigmError(f"{where}: row {i} metric must be a non-empty string")
        if not isinstance(row["primary"], bool):
            raise ParadigmError(f"{where}: row {i} primary must be True or False")
    primary = {row["metric"] for row in rows if row["primary"]}
    if len(primary) != 1:
        raise ParadigmError(f"{where}: exactly one metric must be primary, got "
                            f"{sorted(primary) or 'none'}")
    have = {row["split"] for row in rows if row["primary"]}
    if have not in ({"all"}, set(ALIGN_SPLITS)):
        raise ParadigmError(f"{where}: the primary metric {primary.pop()!r} must come in the "
                            f"splits 'all', 'train' and 'test' (or 'all' alone), got "
                            f"{sorted(have)}")
    return rows
