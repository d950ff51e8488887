"""Cube objects in a plain text file: one object per line, by arm code or by cube positions.

Format (``#`` starts a comment; blank lines are ignored)::

    # name: arm code [@ start cube]
    sm-1: F2 U3 R2 U2 @ 0,0,0
    # name: cubes x,y,z x,y,z ...  (chain order)
    m1: cubes 1,1,0 1,0,0 0,0,0 -1,0,0 -2,0,0 -2,0,1 -2,0,2 -2,0,3 -2,-1,3 -2,-2,3

:func:`write_objects` writes the first form (code and start cube: exact, and readable).
:func:`read_objects` also reads a CSV with the columns ``model, cube_index, x, y, z`` (one
row per cube; the layout of the Peters & Battista (2008) cube-figure transcription of Jost &
Jansen's MRlibrary). Every object is validated: a bad line is refused with the file, the line
and the reason; an invalid object with the cube that breaks the chain.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from cogalign.errors import CogalignError
from cogalign.rotation.objects import CubeObject, InvalidObjectError, cubes_from_code

__all__ = ["ObjectFileError", "format_objects", "parse_objects", "read_objects", "write_objects"]

_CSV_COLUMNS = ("model", "cube_index", "x", "y", "z")


class ObjectFileError(CogalignError):
    """An object file cannot be read; the message names the file, the line and why."""


def _triple(text: str) -> tuple[int, int, int]:
    parts = text.split(",")
    if len(parts) != 3:
        raise ValueError(f"expected x,y,z, got {text!r}")
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def parse_objects(text: str, source: str = "<text>") -> list[CubeObject]:
    """Parse the text format (see the module docstring).

    Raises
    ------
    ObjectFileError
        For a malformed line, a duplicate name or an invalid object (with the line number).
    """
    out: list[CubeObject] = []
    names: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}, line {lineno}"
        name, sep, body = line.partition(":")
        name = name.strip()
        if not sep or not name or not body.strip():
            raise ObjectFileError(f"{where}: expected 'name: arm code' or 'name: cubes x,y,z ...'")
        if name in names:
            raise ObjectFileError(f"{where}: object {name!r} already defined on line {names[name]}")
        names[name] = lineno
        body = body.strip()
        try:
            if body.split()[0].lower() == "cubes":
                cubes = np.array([_triple(t) for t in body.split()[1:]], dtype=np.int64)
                if cubes.size == 0:
                    raise ValueError("no cube positions after 'cubes'")
            else:
                code, at, start = body.partition("@")
                cubes = cubes_from_code(code, _triple(start.strip()) if at else (0, 0, 0))
            out.append(CubeObject(cubes, name=name))
        except InvalidObjectError as exc:
            raise ObjectFileError(f"{where}: {exc}") from None
        except ValueError as exc:
            raise ObjectFileError(f"{where}: {exc}") from None
    if not out:
        raise ObjectFileError(f"{source}: no objects found")
    return out


def _read_csv(path: Path) -> list[CubeObject]:
    import pandas as pd

    table = pd.read_csv(path)
    missing = [c for c in _CSV_COLUMNS if c not in table.columns]
    if missing:
        raise ObjectFileError(f"{path}: missing column(s) {missing}; expected {list(_CSV_COLUMNS)}")
    out = []
    for name, group in table.groupby("model", sort=False):
        values = group[["x", "y", "z"]]
        bad = ~values.apply(pd.to_numeric, errors="coerce").notna().all(axis=1)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            line = int(group.index[row]) + 2
            raise ObjectFileError(f"{path}, line {line}: cube position is not three integers")
        order = np.argsort(group["cube_index"].to_numpy(), kind="stable")
        try:
            out.append(CubeObject(values.to_numpy()[order], name=str(name)))
        except InvalidObjectError as exc:
            raise ObjectFileError(f"{path}: {exc}") from None
    return out


def read_objects(path: str | os.PathLike[str]) -> list[CubeObject]:
    """Read objects from a text file (this module's format) or a ``model,cube_index,x,y,z`` CSV.

    Raises
    ------
    ObjectFileError
        For a missing file, a malformed line or an invalid object.
    """
    path = Path(path)
    if not path.is_file():
        raise ObjectFileError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if [h.strip() for h in first.split(",")][:5] == list(_CSV_COLUMNS):
        return _read_csv(path)
    return parse_objects(text, str(path))


def format_objects(objects: Iterable[CubeObject]) -> str:
    """The text format of ``objects`` (unnamed ones are called ``object-1``, ...)."""
    lines = ["# cogalign cube objects: 'name: arm code @ first cube' (x right, y up, z to viewer)"]
    for i, obj in enumerate(objects, start=1):
        name = obj.name or f"object-{i}"
        if any(ch in name for ch in ":#") or not name.strip():
            raise CogalignError(f"object name {name!r} cannot contain ':' or '#'")
        start = ",".join(str(v) for v in obj.cubes[0].tolist())
        lines.append(f"{name}: {obj.code} @ {start}")
    return "\n".join(lines) + "\n"


def write_objects(objects: Iterable[CubeObject], path: str | os.PathLike[str]) -> Path:
    """Write objects in the text format; returns the path."""
    path = Path(path)
    path.write_text(format_objects(objects), encoding="utf-8")
    return path
