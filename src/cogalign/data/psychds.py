"""Psych-DS folders: ``dataset_description.json`` plus ``data/*_data.csv`` files.

Study output and public data share this layout, so one reader serves both. File names carry
key-value pairs, e.g. ``data/study-triplets_subject-p001_session-1_data.csv``; the metadata
file follows schema.org's ``Dataset`` with a ``variableMeasured`` list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from cogalign.atomic import atomic_write_text
from cogalign.data.schema import (
    Problem,
    ProblemLog,
    Schema,
    ValidationError,
    duplicate_rows,
    validate,
)
from cogalign.data.schemas import get_schema
from cogalign.data.tables import to_csv_frame
from cogalign.data.userfiles import read_table_with_lines
from cogalign.errors import CogalignError

__all__ = [
    "DESCRIPTION_FILE",
    "data_file_name",
    "read_psychds",
    "write_description",
    "write_psychds",
]

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
    """Read and validate a Psych-DS folder as a whole: every ``*_data.csv`` and its metadata.

    Every file is read and validated, and the problems of all of them are reported together
    (the first :data:`~cogalign.data.schema.MAX_KEPT` in full, all counted); a trial that
    appears in two files (same participant, session and trial) is a problem too. Files with a
    header and no rows (a participant who left before the first trial) are accepted as long
    as some file has trials.

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

    Raises
    ------
    ValidationError
        Listing the problems of the metadata file and of every data file, each with its file
        (and row, line and column).
    CogalignError
        When the folder is not a Psych-DS folder, or names no paradigm and none is given.
    """
    folder = Path(folder)
    meta_path = folder / DESCRIPTION_FILE
    if not meta_path.is_file():
        raise CogalignError(f"{folder}: not a Psych-DS folder (no {DESCRIPTION_FILE})")
    log = ProblemLog()
    declared, tags = _read_description(meta_path, log)
    if paradigm is None:
        if not tags:
            log.add(Problem(str(meta_path), None, "keywords",
                            "no 'cogalign:<paradigm>' keyword; pass the paradigm"))
            log.raise_if_any()
        paradigm = tags[0]
    schema = get_schema(paradigm) if isinstance(paradigm, str) else paradigm
    files = sorted(folder.rglob("*_data.csv"))
    if not files:
        log.add(Problem(str(folder), None, None, "no '*_data.csv' files"))
    parts: list[tuple[Path, pd.DataFrame, np.ndarray]] = []
    for path in files:
        try:
            raw, lines = read_table_with_lines(path, allow_empty=True)
        except ValidationError as exc:
            log.extend(exc)
            continue
        if declared:
            for column in (c for c in raw.columns if c not in declared):
                log.add(Problem(str(path), None, column,
                                f"column not declared in {meta_path} variableMeasured"))
        try:
            table = validate(raw, schema, source=str(path), lines=lines)
        except ValidationError as exc:
            log.extend(exc)
            continue
        table["source_file"] = str(path.relative_to(folder))
        parts.append((path, table, lines))
    if not log and parts:
        _duplicates_across_files(parts, schema, log)
    log.raise_if_any()
    table = pd.concat([t for _, t, _ in parts], ignore_index=True)
    if not len(table):
        raise CogalignError(
            f"{folder}: no trials: all {len(parts)} data file(s) have a header but no rows"
        )
    return table


def _read_description(meta_path: Path, log: ProblemLog) -> tuple[set[str], list[str]]:
    """The declared column names and the ``cogalign:`` tags; problems go to ``log``."""
    source = str(meta_path)
    try:
        meta = json.loads(meta_path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        log.add(Problem(source, None, None, f"not UTF-8 text (byte {exc.start}); save it as UTF-8"))
        return set(), []
    except RecursionError:
        log.add(Problem(source, None, None, "JSON nested too deeply"))
        return set(), []
    except ValueError as exc:
        log.add(Problem(source, None, None, f"invalid JSON ({exc})"))
        return set(), []
    except OSError as exc:
        log.add(Problem(source, None, None, f"cannot be read ({exc.strerror or exc})"))
        return set(), []
    if not isinstance(meta, dict):
        log.add(Problem(source, None, None,
                        f"must hold a JSON object (schema.org Dataset), not a {type(meta).__name__}"))
        return set(), []
    for key in ("name", "variableMeasured"):
        if key not in meta:
            log.add(Problem(source, None, key, "required field is missing"))
    if "name" in meta and (not isinstance(meta["name"], str) or not meta["name"].strip()):
        log.add(Problem(source, None, "name", "must be a non-empty text"))
    declared: set[str] = set()
    variables = meta.get("variableMeasured", [])
    if not isinstance(variables, list):
        log.add(Problem(source, None, "variableMeasured",
                        f"must be a list of column names or PropertyValue objects, not "
                        f"{json.dumps(variables)[:40]}"))
    else:
        for i, entry in enumerate(variables):
            name = entry.get("name") if isinstance(entry, dict) else entry
            if not isinstance(name, str) or not name:
                log.add(Problem(source, None, "variableMeasured",
                                f"entry {i + 1} is neither a column name nor an object with a "
                                "'name'"))
            else:
                declared.add(name)
    keywords = meta.get("keywords", [])
    if not isinstance(keywords, list):
        log.add(Problem(source, None, "keywords", "must be a list of texts"))
        keywords = []
    tags = [k.split(":", 1)[1] for k in keywords
            if isinstance(k, str) and k.startswith("cogalign:")]
    return declared, tags


def _duplicates_across_files(
    parts: list[tuple[Path, pd.DataFrame, np.ndarray]], schema: Schema, log: ProblemLog
) -> None:
    """Trials whose key (participant, session, trial) appears in more than one file."""
    key = [k for k in schema.key if any(k in t.columns for _, t, _ in parts)]
    if not key or any(k not in key for k in schema.required if k in schema.key):
        return
    whole = pd.concat([t.reindex(columns=key).astype(object) for _, t, _ in parts],
                      ignore_index=True)
    file_of = np.concatenate([np.full(len(t), j) for j, (_, t, _) in enumerate(parts)])
    row_of = np.concatenate([np.arange(len(t)) for _, t, _ in parts])
    dup, first = duplicate_rows(whole, key)
    across = np.array([i for i in dup if file_of[i] != file_of[first[i]]], dtype=int)

    def message(i: int) -> str:
        j = first[i]
        path = parts[file_of[j]][0]
        values = ", ".join(f"{k}={whole[k].iloc[i]}" for k in key)
        return f"duplicate trial ({values}), first seen in {path} row {row_of[j] + 1}"

    for i in across:
        path, _, lines = parts[file_of[i]]
        log.add(Problem(str(path), int(row_of[i]) + 1, ",".join(key), message(int(i)),
                        int(lines[row_of[i]])))

