"""Participant flows other than trial lists: the online server's extension point.

``cogalign serve`` runs two kinds of study. A **trial study** (a folder with ``study.toml``)
is a list of trials the page shows with jsPsych (:mod:`cogalign.serve.studyset`). Any other
**participant flow** (an interview followed by votes, say) is declared by its paradigm, in
:attr:`cogalign.paradigms.Paradigm.online_flow`, as a :class:`FlowKind`: the name of the
definition file that marks its study folders, a function that loads such a file into a
:class:`Flow`, and a function that exports what the flow collected. The server loads every
study folder through its kind, mounts each flow's routes (its pages and API under
``/s/<name>/``, its admin pages under ``/admin/<name>/``) and never branches on a kind's name.

A flow gets from the server what every study gets: participants' sessions and tokens
(:mod:`cogalign.serve.participants`), the database with two generic tables for flows
(:meth:`~cogalign.serve.db.Database.add_record` stores an answer once;
:meth:`~cogalign.serve.db.Database.save_state` saves a running state after every answer),
the security middleware and rate limits, the admin log-in
(:func:`cogalign.serve.admin.require_admin`) and templates that extend the server's
(:class:`cogalign.serve.pages.Templates`).

Kinds come from the paradigm registry (:func:`cogalign.paradigms.with_part`) and from
:func:`register_flow_kind` calls made at run time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cogalign.errors import CogalignError
from cogalign.paradigms import resolve, with_part
from cogalign.serve.db import Database
from cogalign.serve.settings import OnlineSettings
from cogalign.serve.studyset import ServedStudy, find_definitions, load_studies, split_overrides

__all__ = [
    "TRIAL_DEFINITION",
    "Flow",
    "FlowKind",
    "export_flows",
    "find_flow_definitions",
    "flow_kinds",
    "load_served",
    "register_flow_kind",
    "unregister_flow_kind",
]

#: The definition file of a trial study.
TRIAL_DEFINITION = "study.toml"


@dataclass(frozen=True)
class FlowKind:
    """A kind of participant flow, as a paradigm declares it.

    Attributes
    ----------
    name
        The kind's name (stored with each study, so an export knows how to write it).
    definition_file
        The file name that marks a study folder of this kind (``moralgraph.toml``).
    load
        ``(path, common, by_study) -> Flow``, or a ``"module:function"`` string naming it:
        reads a definition file and applies ``--set`` overrides (``common`` for every study,
        ``by_study`` by study name; a flow ignores common overrides of tables it does not
        have).
    export
        ``(db, study, folder) -> dict``, or a ``"module:function"`` string: writes one
        study's collected data into ``folder`` (which must not exist or be empty), validates
        it, and reports what it wrote.
    """

    name: str
    definition_file: str
    load: Any
    export: Any

    def __post_init__(self) -> None:
        if self.definition_file == TRIAL_DEFINITION or "/" in self.definition_file:
            raise CogalignError(f"flow kind {self.name!r}: definition_file must be a file name "
                                f"other than {TRIAL_DEFINITION}")


class Flow(Protocol):
    """One study of a flow kind, as the server runs it."""

    @property
    def name(self) -> str:
        """The study's name (``/s/<name>/``)."""

    @property
    def title(self) -> str:
        """The study's title."""

    @property
    def paradigm(self) -> str:
        """The paradigm it collects data for."""

    @property
    def definition_hash(self) -> str:
        """Hash of the definition; a session is bound to the one it started under."""

    @property
    def online(self) -> OnlineSettings:
        """Consent text, participant ids, completion code and redirect."""

    def meta(self) -> dict[str, Any]:
        """What the database keeps about the study; ``meta()["flow"]`` is the kind's name."""

    def prepare(self, db: Database) -> None:
        """Store what the flow needs before the first participant (called at every start)."""

    def routes(self) -> list[Any]:
        """Its pages and API, every path under ``/s/<name>/``."""

    def admin_routes(self) -> list[Any]:
        """Its admin pages, every path under ``/admin/<name>/`` (behind the admin log-in)."""

    def notes(self) -> list[str]:
        """Lines ``cogalign serve`` prints at start (e.g. a missing setting)."""


_RUNTIME: dict[str, FlowKind] = {}


def register_flow_kind(kind: FlowKind) -> FlowKind:
    """Add a flow kind at run time (tests, plug-ins).

    Raises
    ------
    CogalignError
        When another kind has the name or the definition file.
    """
    for other in flow_kinds().values():
        if other is not kind and (other.name == kind.name
                                  or other.definition_file == kind.definition_file):
            raise CogalignError(f"flow kind {kind.name!r} ({kind.definition_file}) clashes with "
                                f"{other.name!r} ({other.definition_file})")
    _RUNTIME[kind.name] = kind
    return kind


def unregister_flow_kind(name: str) -> None:
    """Remove a flow kind registered at run time."""
    _RUNTIME.pop(name, None)


def flow_kinds() -> dict[str, FlowKind]:
    """Every flow kind by name: the paradigms' (``online_flow``), then run-time ones."""
    out: dict[str, FlowKind] = {}
    for paradigm in with_part("online_flow"):
        kind = resolve(paradigm.online_flow)
        if not isinstance(kind, FlowKind):
            raise CogalignError(f"paradigm {paradigm.name!r}: online_flow is not a FlowKind")
        out[kind.name] = kind
    out.update(_RUNTIME)
    return out


def find_flow_definitions(path: str | Path, file_name: str) -> list[Path]:
    """The definition files of one flow kind under a path.

    ``path`` is such a file, a study folder holding it, or a folder of study folders (every
    ``*/<file_name>`` one level down). Nothing found is an empty list.
    """
    path = Path(path)
    if path.is_file():
        return [path] if path.name == file_name else []
    if (path / file_name).is_file():
        return [path / file_name]
    return sorted(path.glob(f"*/{file_name}"))


def _has_trial_studies(path: Path, flow_files: Sequence[Path]) -> bool:
    if path.is_file():
        return path not in flow_files
    try:
        find_definitions(path)
    except CogalignError:
        return False
    return True


def load_served(
    path: str | Path, overrides: Sequence[str] = ()
) -> tuple[dict[str, ServedStudy], dict[str, Flow]]:
    """Load the studies to serve: trial studies and flows.

    Parameters
    ----------
    path
        A definition file, a study folder, or a folder of study folders.
    overrides
        ``--set`` strings: ``table.field=value`` for every study (a flow ignores tables it does
        not have), ``NAME:table.field=value`` for study NAME.

    Returns
    -------
    tuple
        Trial studies by name (:func:`~cogalign.serve.studyset.load_studies`) and flows by
        name, each in name order.

    Raises
    ------
    CogalignError
        For a bad definition, two studies with one name, an override naming no study, or a
        path with no study at all.
    """
    path = Path(path)
    common, by_study = split_overrides(overrides)
    flows: dict[str, Flow] = {}
    files: list[Path] = []
    for kind in flow_kinds().values():
        load = resolve(kind.load)
        for file in find_flow_definitions(path, kind.definition_file):
            flow = load(file, common, by_study)
            if flow.name in flows:
                raise CogalignError(f"{file}: study name {flow.name!r} is used twice")
            flows[flow.name] = flow
            files.append(file)
    rest = list(common) + [f"{name}:{text}" for name, texts in by_study.items()
                           if name not in flows for text in texts]
    if flows and not _has_trial_studies(path, files):
        unknown = sorted(set(by_study) - set(flows))
        if unknown:
            raise CogalignError(f"--set names unknown studies {unknown}; known: {sorted(flows)}")
        studies: dict[str, ServedStudy] = {}
    else:
        studies = load_studies(path, rest)
    both = sorted(set(studies) & set(flows))
    if both:
        raise CogalignError(f"{path}: study name(s) {both} used by a trial study and a flow")
    return studies, dict(sorted(flows.items()))


def export_flows(db: Database, out: str | Path, *,
                 studies: Sequence[str] | None = None) -> dict[str, Any]:
    """Export every flow study in a database, each through its kind, into ``out/<study>/``.

    Parameters
    ----------
    db
        The server's database.
    out
        Destination folder.
    studies
        Study names to export (default: every flow study with a session); names of trial
        studies are skipped (:func:`~cogalign.serve.export.export_psychds` writes those).

    Returns
    -------
    dict
        Per study, the report of its kind's exporter.

    Raises
    ------
    CogalignError
        For a study of a kind that is not installed.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for version in db.study_versions():
        latest[version["name"]] = version["meta"]
    flows = {name: meta["flow"] for name, meta in latest.items() if "flow" in meta}
    started = {s["study"] for s in db.sessions()}
    names = [n for n in (studies if studies is not None else sorted(started)) if n in flows]
    kinds = flow_kinds()
    report: dict[str, Any] = {}
    for name in names:
        kind = kinds.get(flows[name])
        if kind is None:
            raise CogalignError(f"{db.describe()}: study {name!r} is a {flows[name]!r} flow, and "
                                f"no installed paradigm offers that kind (known: {sorted(kinds)})")
        report[name] = resolve(kind.export)(db, name, Path(out) / name)
    return report
