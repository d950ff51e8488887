"""The studies that ship with cogalign, found by name.

Each paradigm's package (:attr:`cogalign.paradigms.Paradigm.package`) may hold a ``studies/``
folder with one folder per ready-to-run study: its definition (``study.toml``, or another
definition file such as ``moralgraph.toml`` for an online-only flow), a README, item lists
and ``online.toml``. They are installed with the package, so ``cogalign study list`` shows them
and ``cogalign study run triplets`` runs one by name; ``cogalign study copy triplets
my-study/`` copies one to edit.

A study run by name writes its data under the current folder (``./data/<study>/``), never
inside the installed package.
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cogalign.errors import CogalignError

__all__ = ["DEFINITION_FILES", "ShippedStudy", "copy_study", "default_output", "find_definition",
           "shipped_folder", "shipped_studies"]

#: Definition files a shipped study folder may hold, in order of preference.
DEFINITION_FILES = ("study.toml", "moralgraph.toml")


@dataclass(frozen=True)
class ShippedStudy:
    """A study that ships with cogalign.

    Attributes
    ----------
    name
        Its folder name (what ``cogalign study run NAME`` takes).
    paradigm
        The paradigm whose package holds it.
    folder
        The installed folder.
    definition
        The definition file in it.
    """

    name: str
    paradigm: str
    folder: Path
    definition: Path


def shipped_studies() -> dict[str, ShippedStudy]:
    """Every study shipped in a registered paradigm's ``studies/`` folder, by name.

    Raises
    ------
    CogalignError
        When two paradigms ship a study of the same name.
    """
    from cogalign.paradigms import all_paradigms

    out: dict[str, ShippedStudy] = {}
    for paradigm in all_paradigms().values():
        if not paradigm.package:
            continue
        root = Path(str(resources.files(paradigm.package).joinpath("studies")))
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            definition = next((folder / f for f in DEFINITION_FILES if (folder / f).is_file()),
                              None)
            if definition is None:
                continue
            if folder.name in out:
                raise CogalignError(
                    f"two shipped studies are named {folder.name!r}: in {out[folder.name].folder} "
                    f"and {folder}"
                )
            out[folder.name] = ShippedStudy(folder.name, paradigm.name, folder, definition)
    return out


def find_definition(name_or_path: str | Path) -> tuple[Path, bool]:
    """The definition file a command was given: a path, or the name of a shipped study.

    Parameters
    ----------
    name_or_path
        A definition file, a study folder, or a shipped study's name (``"triplets"``).

    Returns
    -------
    tuple
        ``(path, shipped)``: the path to load, and whether it is a shipped study (whose data
        then go to the current folder).

    Raises
    ------
    CogalignError
        When it is neither an existing path nor a shipped study, suggesting the closest name.
    """
    path = Path(name_or_path).expanduser()
    if path.exists():
        return path, False
    shipped = shipped_studies()
    text = str(name_or_path)
    if text in shipped:
        return shipped[text].definition, True
    close = difflib.get_close_matches(text, list(shipped), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise CogalignError(
        f"{text}: no such definition file or folder, and not a shipped study{hint}; shipped "
        f"studies: {', '.join(shipped) or 'none'} (cogalign study list)"
    )


_FOLDER: list[Path] = []


def shipped_folder() -> Path:
    """One folder holding every shipped study (links to the installed folders).

    For tools that take a folder of study folders, such as ``cogalign serve``; made once per
    process in a temporary folder.
    """
    import atexit
    import tempfile

    if _FOLDER and _FOLDER[0].is_dir():
        return _FOLDER[0]
    folder = Path(tempfile.mkdtemp(prefix="cogalign-studies-"))
    atexit.register(shutil.rmtree, folder, True)
    for study in shipped_studies().values():
        (folder / study.name).symlink_to(study.folder, target_is_directory=True)
    _FOLDER[:] = [folder]
    return folder


def default_output(name: str) -> Path:
    """Where a shipped study run by name writes its data: ``./data/<name>/``."""
    return Path.cwd() / "data" / name


def copy_study(name: str, destination: str | Path) -> Path:
    """Copy a shipped study's folder, to edit it and run it from there.

    Parameters
    ----------
    name
        The shipped study's name.
    destination
        The new folder (must not exist yet).

    Returns
    -------
    pathlib.Path
        The new folder.

    Raises
    ------
    CogalignError
        For an unknown name or an existing destination.
    """
    shipped = shipped_studies()
    if name not in shipped:
        find_definition(name)  # raises with the suggestion
    destination = Path(destination).expanduser()
    if destination.exists():
        raise CogalignError(f"{destination} exists; choose a new folder")
    shutil.copytree(shipped[name].folder, destination,
                    ignore=shutil.ignore_patterns("data", "__pycache__"))
    return destination
