"""Psych-DS folders: ``dataset_description.json`` plus ``data/*_data.csv`` files.

Study output and public data share this layout, so one reader serves both. File names carry
key-value pairs, e.g. ``data/study-triplets_subject-p001_session-1_data.csv``; the metadata
file follows schema.org's ``Dataset`` with a ``variableMeasured`` list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from cogalign.atomic import atomic_write_text
from cogalign.data.schema import Schema, validate
from cogalign.data.schemas import get_schema
from cogalign.data.tables import read_csv_text, to_csv_frame
from cogalign.errors import CogalignError

DESCRIPTION_FILE = "dataset_description.json"


def write_description(
    folder: str | Path,
    schema: Schema,
    *,
    name: str,
    description: str = "",
    extra_columns: list[str] | tuple[str, ...] = (),
    extra: dict | None = None,
) -> Path:
    """Write ``dataset_description.json`` for a paradigm's trial table (atomically).

    ``variableMeasured`` lists the schema's columns plus ``extra_columns`` (columns the data
    files hold beyond the schema). An existing description is never overwritten.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DESCRIPTION_FILE
    if target.exists():
        raise CogalignError(f"{target} exists; refusing to overwrite it")
    meta = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": name,
        "description": description or schema.description,
        "variableMeasured": schema.variable_measured()
        + [{"@type": "PropertyValue", "name": c} for c in extra_columns],
        "keywords": [f"cogalign:{schema.name}"],
    }
    meta.update(extra or {})
    atomic_write_text(target, json.dumps(meta, indent=2) + "\n")
    return target


def data_file_name(**keys: str | int) -> str:
    """Psych-DS file name from key-value pairs: ``data_file_name(subject="p1")``."""
    parts = []
    for key, value in keys.items():
        value = str(value)
        if not re.fullmatch(r"[A-Za-z0-9]+", value):
            raise CogalignError(f"Psych-DS key '{key}': value {value!r} must be letters and digits")
        parts.append(f"{key}-{value}")
    return "_".join(parts) + "_data.csv"


def write_psychds(
    folder: str | Path,
    table: pd.DataFrame,
    paradigm: str | Schema,
    *,
    name: str,
    description: str = "",
    split_by: str | None = "participant_id",
    study: str | None = None,
) -> list[Path]:
    """Validate a trial table and write it as a Psych-DS folder.

    Parameters
    ----------
    folder
        Destination; created if missing. Existing data files are never overwritten.
    table
        The trial table.
    paradigm
        Paradigm name or schema; the table is validated first.
    name, description
        Dataset metadata.
    split_by
        Write one file per value of this column (``None`` for a single file).
    study
        Value of the ``study`` key in file names (defaults to the paradigm name).

    Returns
    -------
    list of pathlib.Path
        The data files written.
    """
    schema = get_schema(paradigm) if isinstance(paradigm, str) else paradigm
    table = validate(table, schema, source="<table to write>")
    folder = Path(folder)
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    study_key = re.sub(r"[^A-Za-z0-9]", "", study or schema.name)
    groups = [(None, table)] if split_by is None else list(table.groupby(split_by, sort=True))
    targets = []
    for value, _ in groups:
        keys: dict[str, str] = {"study": study_key}
        if value is not None:
            keys["subject"] = re.sub(r"[^A-Za-z0-9]", "", str(value))
        target = data_dir / data_file_name(**keys)
        if target.exists() or target in targets:
            raise CogalignError(f"{target} exists; refusing to overwrite it")
        targets.append(target)
    if not (folder / DESCRIPTION_FILE).exists():
        known = {c.name for c in schema.columns}
        extra_columns = [c for c in table.columns if c not in known]
        write_description(
            folder, schema, name=name, description=description, extra_columns=extra_columns
        )
    for target, (_, part) in zip(targets, groups, strict=True):
        atomic_write_text(target, to_csv_frame(part).to_csv(index=False))
    return targets


def read_psychds(folder: str | Path, paradigm: str | Schema | None = None) -> pd.DataFrame:
    """Read every ``*_data.csv`` of a Psych-DS folder, validating each file.

    Parameters
    ----------
    folder
        The dataset folder (holding ``dataset_description.json``).
    paradigm
        Paradigm name or schema; by default taken from the ``cogalign:<paradigm>`` keyword that
        :func:`write_psychds` records.

    Returns
    -------
    pandas.DataFrame
        All files' rows, in file-name order, with a ``source_file`` column.
    """
    folder = Path(folder)
    meta_path = folder / DESCRIPTION_FILE
    if not meta_path.is_file():
        raise CogalignError(f"{folder}: not a Psych-DS folder (no {DESCRIPTION_FILE})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CogalignError(f"{meta_path}: invalid JSON ({exc})") from None
    for key in ("name", "variableMeasured"):
        if key not in meta:
            raise CogalignError(f"{meta_path}: required field '{key}' is missing")
    if paradigm is None:
        tags = [k.split(":", 1)[1] for k in meta.get("keywords", []) if k.startswith("cogalign:")]
        if not tags:
            raise CogalignError(f"{meta_path}: no 'cogalign:<paradigm>' keyword; pass the paradigm")
        paradigm = tags[0]
    schema = get_schema(paradigm) if isinstance(paradigm, str) else paradigm
    files = sorted(folder.rglob("*_data.csv"))
    if not files:
        raise CogalignError(f"{folder}: no '*_data.csv' files")
    declared = {
        v["name"] if isinstance(v, dict) else str(v) for v in meta["variableMeasured"]
    }
    parts = []
    for path in files:
        raw = read_csv_text(path)
        undeclared = [c for c in raw.columns if c not in declared]
        if undeclared and declared:
            raise CogalignError(
                f"{path}: column(s) {undeclared} not declared in {meta_path} variableMeasured"
            )
        table = validate(raw, schema, source=str(path), csv_lines=True)
        table["source_file"] = str(path.relative_to(folder))
        parts.append(table)
    return pd.concat(parts, ignore_index=True)
