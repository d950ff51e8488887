"""The sweep file: which models, paradigms, datasets, layers, templates, temperatures and seeds.

A sweep file is TOML::

    [sweep]
    name = "offline models"
    models = ["minilm-l6", "smollm2-135m"]
    seeds = [0]                      # default [0]
    limit = 300                      # optional: seeded subset of units, for every block

    [resources]                      # requested per cell (Ray); all optional
    num_cpus = 1
    num_gpus = 0
    memory_gb = 4

    [[paradigm]]                     # one block per paradigm setting; repeat freely
    name = "triplets"
    datasets = ["things-triplets-test"]
    layers = ["all"]
    templates = ["{item}", "{item}: {definition}"]
    options = { n_boot = 200 }

    [[paradigm]]
    name = "similarity"
    models = ["smollm2-135m"]        # this block only
    datasets = ["wordsim353-raters-set1"]
    templates = ["similarity-0-10"]
    temperatures = [0.5, 1.0]
    options = { method = "prompt" }

Every block runs the cross product of its models, datasets, layers, templates, temperatures
and seeds (:func:`cogalign.sweep.cells.expand_cells`). A block leaves out an axis to use the
paradigm's default. ``name = "all"`` stands for every registered paradigm (with models,
seeds, limit, layers and resources only). A paradigm that declares no ``align`` entry
(:mod:`cogalign.paradigms`) is skipped, and :attr:`SweepSpec.skipped` says why. An axis a
paradigm's ``align`` function does not take (a temperature for a paradigm that samples
nothing) is refused here, before anything runs. Every problem names the file and the field.
"""

from __future__ import annotations

import difflib
import inspect
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError

__all__ = [
    "ALL",
    "AXES",
    "Block",
    "Resources",
    "SweepFileError",
    "SweepSpec",
    "align_axes",
    "align_options",
    "load_spec",
    "parse_spec",
]

#: The axes a block may set, with the ``align`` parameter each one feeds.
AXES: dict[str, str] = {"datasets": "dataset", "layers": "layer", "templates": "template",
                        "temperatures": "temperature"}

_SWEEP_KEYS = ("name", "models", "seeds", "limit", "layers")
_RESOURCE_KEYS = ("num_cpus", "num_gpus", "memory_gb")
_BLOCK_KEYS = ("name", "models", "seeds", "limit", *AXES, "options", "resources")
_ALL_KEYS = ("name", "models", "seeds", "limit", "layers", "resources")
#: The block name that stands for every registered paradigm.
ALL = "all"
_TOP_KEYS = ("sweep", "resources", "paradigm")


class SweepFileError(CogalignError):
    """A sweep file that cannot be read or holds a wrong field (the message names both)."""


@dataclass(frozen=True)
class Resources:
    """What one cell asks of a Ray cluster (the local backend runs one cell per worker).

    Attributes
    ----------
    num_cpus, num_gpus
        CPUs and GPUs per cell (fractions allowed).
    memory_gb
        Memory per cell in GiB (``None``: no request).
    """

    num_cpus: float = 1.0
    num_gpus: float = 0.0
    memory_gb: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict."""
        return {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus,
                "memory_gb": self.memory_gb}


@dataclass(frozen=True)
class Block:
    """One ``[[paradigm]]`` block: a paradigm and the values of each axis.

    An axis given as ``(None,)`` uses the paradigm's default.
    """

    paradigm: str
    models: tuple[str, ...]
    seeds: tuple[int, ...]
    datasets: tuple[str | None, ...] = (None,)
    layers: tuple[str | int | None, ...] = (None,)
    templates: tuple[str | None, ...] = (None,)
    temperatures: tuple[float | None, ...] = (None,)
    limit: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file.

    Attributes
    ----------
    name
        The sweep's name (default: the file's stem).
    blocks
        The ``[[paradigm]]`` blocks, in file order.
    skipped
        ``(paradigm, reason)`` for each paradigm named (or covered by ``"all"``) that the
        sweep cannot run.
    source
        The file it came from (``"<string>"`` for text).
    text
        The file's text, kept for the report.
    """

    name: str
    blocks: tuple[Block, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    source: str = "<string>"
    text: str = ""

    @property
    def paradigms(self) -> list[str]:
        """The paradigms of the blocks, each once, in file order."""
        return list(dict.fromkeys(b.paradigm for b in self.blocks))

    @property
    def models(self) -> list[str]:
        """Every model of the sweep, each once, in file order."""
        return list(dict.fromkeys(m for b in self.blocks for m in b.models))


def align_axes(align: Any) -> set[str]:
    """The contract parameters an ``align`` function takes (``dataset``, ``layer``, ...).

    A function with ``**options`` still takes only the axes it names.
    """
    try:
        params = inspect.signature(align).parameters
    except (TypeError, ValueError):
        return set(AXES.values())
    return {p for p in AXES.values() if p in params}


def align_options(align: Any) -> list[str] | None:
    """The paradigm's own options of an ``align`` function (``None``: it takes any)."""
    try:
        params = inspect.signature(align).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    contract = {"model", "seed", "limit", "progress", *AXES.values()}
    return [name for name in params if name not in contract]


class _Where:
    """Builds ``file: field: problem`` messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, where: str, problem: str) -> SweepFileError:
        return SweepFileError(f"{self.source}: {where}: {problem}")


def _closest(name: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str, at: _Where
                ) -> None:
    for key in table:
        if key not in allowed:
            raise at.error(where, f"unknown field {key!r}{_closest(key, allowed)}; "
                                  f"allowed: {', '.join(allowed)}")


def _list(value: Any, where: str, at: _Where, kind: tuple[type, ...], what: str) -> tuple:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise at.error(where, "must not be empty")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, kind):
            raise at.error(where, f"expected {what}, got {v!r}")
    if len(set(map(repr, values))) != len(values):
        raise at.error(where, f"lists a value twice: {values}")
    return tuple(values)


def _models(value: Any, where: str, at: _Where) -> tuple[str, ...]:
    models = _list(value, where, at, (str,), "a model name (text)")
    if any(not m.strip() for m in models):
        raise at.error(where, "a model name is empty")
    return models


def _limit(value: Any, where: str, at: _Where) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise at.error(where, f"expected a positive whole number, got {value!r}")
    return value


def _resources(table: Any, where: str, at: _Where, base: Resources) -> Resources:
    if not isinstance(table, Mapping):
        raise at.error(where, "expected a table such as { num_cpus = 1, memory_gb = 4 }")
    _check_keys(table, _RESOURCE_KEYS, where, at)
    values = base.to_dict()
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise at.error(f"{where}.{key}", f"expected a number >= 0, got {value!r}")
        values[key] = float(value)
    if values["num_cpus"] <= 0 and values["num_gpus"] <= 0:
        raise at.error(where, "a cell needs some CPU or GPU (num_cpus or num_gpus > 0)")
    return Resources(**values)


def _block(raw: Mapping[str, Any], where: str, name: str, defaults: dict[str, Any],
           resources: Resources, at: _Where, *, strict: bool = True) -> Block | str:
    """One block of one paradigm, or the reason the paradigm cannot be swept.

    ``strict=False`` (a block for every paradigm) drops the axes a paradigm does not take
    instead of refusing them.
    """
    from cogalign.paradigms import ParadigmError, get_paradigm

    try:
        paradigm = get_paradigm(name)
    except ParadigmError as exc:
        raise at.error(f"{where}.name", str(exc)) from None
    if paradigm.align is None:
        return "declares no align entry (cogalign.paradigms), so no language model can be " \
               "measured on it"
    try:
        align = paradigm.part("align")
    except ParadigmError as exc:
        raise at.error(f"{where}.name", str(exc)) from None
    takes = align_axes(align)
    models = _models(raw["models"], f"{where}.models", at) if "models" in raw \
        else defaults["models"]
    if not models:
        raise at.error(f"{where}.models", "no models: give [sweep] models or the block's own")
    seeds = _list(raw["seeds"], f"{where}.seeds", at, (int,), "an integer seed") \
        if "seeds" in raw else defaults["seeds"]
    axes: dict[str, tuple] = {}
    kinds = {"datasets": ((str,), "a dataset name"), "layers": ((str, int), "a layer spec"),
             "templates": ((str,), "a template (text)"),
             "temperatures": ((int, float), "a temperature >= 0")}
    for key, parameter in AXES.items():
        value = raw.get(key, defaults.get(key) if parameter in takes else None)
        if value is None or (parameter not in takes and not strict):
            axes[key] = (None,)
            continue
        if parameter not in takes:
            raise at.error(f"{where}.{key}", f"the {name} align function takes no {parameter}")
        kind, what = kinds[key]
        axes[key] = _list(value, f"{where}.{key}", at, kind, what)
    for t in axes["temperatures"]:
        if t is not None and t < 0:
            raise at.error(f"{where}.temperatures", f"temperatures must be >= 0, got {t}")
    from cogalign.data import REGISTRY

    for d in axes["datasets"]:
        if d is not None and d not in REGISTRY:
            raise at.error(f"{where}.datasets", f"unknown dataset {d!r}"
                                                f"{_closest(d, list(REGISTRY))}")
        if d is not None and paradigm.datasets and d not in paradigm.datasets:
            raise at.error(f"{where}.datasets", f"dataset {d!r} is not one of {name}'s: "
                                                f"{', '.join(paradigm.datasets)}")
    options = raw.get("options", {})
    if not isinstance(options, Mapping):
        raise at.error(f"{where}.options", "expected a table such as { n_boot = 200 }")
    reserved = set(AXES.values()) | {"model", "seed", "limit", "progress"}
    clash = sorted(set(options) & reserved)
    if clash:
        raise at.error(f"{where}.options", f"{clash} are sweep axes, not options; set them as "
                                           "fields of the block")
    known = align_options(align)
    if known is not None:
        for key in options:
            if key not in known:
                raise at.error(f"{where}.options", f"the {name} align function has no option "
                                                   f"{key!r}{_closest(key, known)}; its options: "
                                                   f"{', '.join(known) or 'none'}")
    limit = _limit(raw["limit"], f"{where}.limit", at) if "limit" in raw else defaults["limit"]
    block_resources = _resources(raw["resources"], f"{where}.resources", at, resources) \
        if "resources" in raw else resources
    return Block(paradigm=name, models=models, seeds=seeds, limit=limit,
                 options=dict(options), resources=block_resources, **axes)


def parse_spec(data: Mapping[str, Any], *, source: str = "<string>", text: str = "") -> SweepSpec:
    """Check a sweep description (the TOML as a dict) and return the spec.

    Parameters
    ----------
    data
        The parsed TOML.
    source
        Where it came from (named in every error).
    text
        The original text (kept for the report).

    Returns
    -------
    SweepSpec

    Raises
    ------
    SweepFileError
        For every problem, naming the file and the field.
    """
    at = _Where(source)
    _check_keys(data, _TOP_KEYS, "top level", at)
    sweep = data.get("sweep", {})
    if not isinstance(sweep, Mapping):
        raise at.error("[sweep]", "expected a table")
    _check_keys(sweep, _SWEEP_KEYS, "[sweep]", at)
    defaults: dict[str, Any] = {
        "models": _models(sweep["models"], "[sweep].models", at) if "models" in sweep else (),
        "seeds": _list(sweep.get("seeds", [0]), "[sweep].seeds", at, (int,), "an integer seed"),
        "limit": _limit(sweep.get("limit"), "[sweep].limit", at),
    }
    if "layers" in sweep:
        defaults["layers"] = list(_list(sweep["layers"], "[sweep].layers", at, (str, int),
                                        "a layer spec"))
    resources = _resources(data.get("resources", {}), "[resources]", at, Resources())
    blocks_raw = data.get("paradigm")
    if not blocks_raw:
        raise at.error("[[paradigm]]", "the sweep names no paradigm; add a [[paradigm]] block "
                                       "with a name")
    if not isinstance(blocks_raw, list):
        raise at.error("[[paradigm]]", "write each paradigm as a [[paradigm]] block")
    blocks: list[Block] = []
    skipped: dict[str, str] = {}
    for i, raw in enumerate(blocks_raw):
        where = f"[[paradigm]] {i + 1}"
        if not isinstance(raw, Mapping):
            raise at.error(where, "expected a table")
        name = raw.get("name")
        if not isinstance(name, str):
            raise at.error(f"{where}.name", "every [[paradigm]] block needs a paradigm name "
                                            f"(or {ALL!r})")
        if name == ALL:
            from cogalign.paradigms import all_paradigms

            _check_keys(raw, _ALL_KEYS, f"{where} ({ALL})", at)
            names = list(all_paradigms())
        else:
            _check_keys(raw, _BLOCK_KEYS, f"{where} ({name})", at)
            names = [name]
        for one in names:
            block = _block(raw, f"{where} ({one})", one, defaults, resources, at,
                           strict=name != ALL)
            if isinstance(block, str):
                skipped.setdefault(one, block)
            else:
                blocks.append(block)
    if not blocks:
        reasons = "; ".join(f"{k} {v}" for k, v in skipped.items())
        raise at.error("[[paradigm]]", f"nothing to run: {reasons}")
    title = sweep.get("name", Path(source).stem if source != "<string>" else "sweep")
    if not isinstance(title, str) or not title.strip():
        raise at.error("[sweep].name", "expected a non-empty text")
    return SweepSpec(name=title, blocks=tuple(blocks), skipped=tuple(skipped.items()),
                     source=source, text=text)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep file.

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    SweepSpec

    Raises
    ------
    SweepFileError
        A missing or unreadable file, invalid TOML (with its line and column), or a wrong
        field (named).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SweepFileError(f"{path}: no such sweep file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepFileError(f"{path}: cannot be read ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepFileError(f"{path}: not valid TOML: {exc}") from None
    return parse_spec(data, source=str(path), text=text)
