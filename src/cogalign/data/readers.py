"""Readers for the output of experiment software: PsychoPy trial CSVs and jsPsych data.

Both return the paradigm's tidy trial table, validated, so data from the lab, from a browser
study and from a public dataset look the same downstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cogalign.data.schema import MISSING_TEXT, Schema, validate
from cogalign.data.schemas import get_schema
from cogalign.data.userfiles import read_table_with_lines
from cogalign.errors import CogalignError

__all__ = [
    "read_jspsych",
    "read_psychopy_csv",
]

def _missing(series: pd.Series) -> np.ndarray:
    return series.map(
        lambda v: v is None or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and v.strip().lower() in MISSING_TEXT)
    ).to_numpy(dtype=bool)


def _apply_mapping(
    table: pd.DataFrame,
    columns: Mapping[str, str],
    recode: Mapping[str, Mapping],
    response_columns: Mapping[str, str],
    source: str,
) -> pd.DataFrame:
    out = table.copy()
    for target, origin in columns.items():
        if origin not in table.columns:
            raise CogalignError(f"{source}: column '{origin}' (for '{target}') is not in the file")
        out[target] = table[origin]
    for column, mapping in recode.items():
        if column not in out.columns:
            raise CogalignError(f"{source}: cannot recode missing column '{column}'")
        text_map = {str(k): v for k, v in mapping.items()}
        out[column] = out[column].map(lambda v, m=text_map: m.get(str(v), v))
    if response_columns:
        if "response" not in out.columns:
            raise CogalignError(f"{source}: no 'response' column to resolve")
        lookup = {str(k): v for k, v in response_columns.items()}
        resolved = []
        for i, value in enumerate(out["response"].to_numpy(dtype=object)):
            col = lookup.get(str(value))
            resolved.append(out[col].iloc[i] if col is not None else value)
        out["response"] = resolved
    return out


def read_psychopy_csv(
    path: str | Path,
    paradigm: str | Schema,
    *,
    loop: str | None = None,
    columns: Mapping[str, str] | None = None,
    recode: Mapping[str, Mapping] | None = None,
    response_columns: Mapping[str, str] | None = None,
    n_items: int | None = None,
) -> pd.DataFrame:
    """Read a PsychoPy (Builder or ``ExperimentHandler``) trial CSV into a tidy trial table.

    PsychoPy writes one row per routine end, with loop bookkeeping columns such as
    ``trials.thisN`` and component columns such as ``key_resp.keys`` / ``key_resp.rt``.
    The rows of the chosen loop are the trials; other rows (instructions, breaks) are not
    trials and are counted in ``attrs["non_trial_rows"]``.

    Parameters
    ----------
    path
        The ``.csv`` PsychoPy wrote.
    paradigm
        Paradigm name or schema to validate against.
    loop
        Name of the trial loop; by default the loop with the most rows.
    columns
        ``{tidy_name: psychopy_column}``, e.g. ``{"response": "key_resp.keys",
        "rt": "key_resp.rt"}``. ``participant_id`` defaults to ``participant``, ``session``
        to ``session`` and ``trial`` to ``<loop>.thisN``.
    recode
        ``{column: {old: new}}`` literal recoding, e.g. ``{"response": {"f": "same"}}``.
    response_columns
        ``{response_value: column}``: replace a response by the value of that column in the
        same row, e.g. ``{"1": "item_1", "2": "item_2", "3": "item_3"}`` for a key press that
        picks a screen position.
    n_items
        Number of items, to range-check item indices.

    Returns
    -------
    pandas.DataFrame
        The validated trial table. Row numbers in errors are the file's rows.
    """
    schema = get_schema(paradigm) if isinstance(paradigm, str) else paradigm
    raw, lines = read_table_with_lines(path)
    source = str(path)
    loops = [c[: -len(".thisN")] for c in raw.columns if c.endswith(".thisN")]
    if loop is None:
        if not loops:
            raise CogalignError(f"{source}: no loop columns ('<loop>.thisN'); pass loop=")
        loop = max(loops, key=lambda name: int((~_missing(raw[f"{name}.thisN"])).sum()))
    elif loop not in loops:
        raise CogalignError(f"{source}: loop '{loop}' not found; loops in the file: {loops}")
    in_loop = ~_missing(raw[f"{loop}.thisN"])
    rows = np.flatnonzero(in_loop)
    if not len(rows):
        raise CogalignError(f"{source}: no trials: the loop '{loop}' has no rows")
    mapping = {"trial": f"{loop}.thisN"}
    if "participant" in raw.columns:
        mapping["participant_id"] = "participant"
    if "session" in raw.columns:
        mapping["session"] = "session"
    mapping.update(columns or {})
    table = _apply_mapping(
        raw.iloc[rows].reset_index(drop=True), mapping, recode or {}, response_columns or {}, source
    )
    out = validate(
        table, schema, source=source, n_items=n_items, file_rows=rows,
        lines=lines[rows],
    )
    out.attrs["non_trial_rows"] = int((~in_loop).sum())
    out.attrs["loop"] = loop
    return out


def read_jspsych(
    path: str | Path,
    paradigm: str | Schema,
    *,
    select: Mapping[str, object] | None = None,
    columns: Mapping[str, str] | None = None,
    recode: Mapping[str, Mapping] | None = None,
    response_columns: Mapping[str, str] | None = None,
    participant_id: str | None = None,
    n_items: int | None = None,
) -> pd.DataFrame:
    """Read jsPsych data (``jsPsych.data.get().json()`` or ``.csv()``) into a tidy trial table.

    jsPsych stores every trial of the timeline (instructions included), ``rt`` in
    milliseconds and ``trial_index`` over the whole timeline. This reader keeps the rows
    matching ``select`` (e.g. ``{"task": "odd-one-out"}``), converts ``rt`` to seconds, and
    numbers the kept trials from 0 per participant in ``trial`` (``trial_index`` is kept).

    Parameters
    ----------
    path
        ``.json`` (a list of trial objects) or ``.csv``.
    paradigm
        Paradigm name or schema to validate against.
    select
        ``{field: value}`` that a row must match to be a trial (all must match).
    columns, recode, response_columns
        As in :func:`read_psychopy_csv`.
    participant_id
        Participant identifier when the file does not hold one in a ``participant_id``
        column (jsPsych writes one file per participant).
    n_items
        Number of items, to range-check item indices.
    """
    schema = get_schema(paradigm) if isinstance(paradigm, str) else paradigm
    path = Path(path)
    source = str(path)
    raw, lines = read_table_with_lines(path)
    keep = np.ones(len(raw), dtype=bool)
    for field, value in (select or {}).items():
        if field not in raw.columns:
            raise CogalignError(f"{source}: field '{field}' (in select=) is not in the data")
        keep &= raw[field].map(lambda v, value=value: str(v) == str(value)).to_numpy(dtype=bool)
    rows = np.flatnonzero(keep)
    if not len(rows):
        raise CogalignError(f"{source}: no trials: no row matches select={dict(select or {})}")
    table = raw.iloc[rows].reset_index(drop=True)
    for column in ("rt", "participant_id", "subject"):
        if column in table.columns:
            nested = table[column].map(lambda v: isinstance(v, list | dict)).to_numpy(dtype=bool)
            if nested.any():
                i = int(np.flatnonzero(nested)[0])
                raise CogalignError(f"{source}, row {rows[i] + 1}, column '{column}': expected a "
                                    f"single value, got {type(table[column].iloc[i]).__name__}")
    if "rt" in table.columns:
        ms = pd.to_numeric(table["rt"].replace({"": None, "null": None}), errors="coerce")
        bad = ms.isna().to_numpy() & ~_missing(table["rt"])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CogalignError(
                f"{source}, row {rows[i] + 1}, column 'rt': not a number ({table['rt'].iloc[i]!r})"
            )
        table["rt"] = ms / 1000.0
    if participant_id is not None:
        table["participant_id"] = participant_id
    elif "participant_id" not in table.columns and "subject" in table.columns:
        table["participant_id"] = table["subject"]
    if "participant_id" in table.columns:
        table["trial"] = table.groupby("participant_id", sort=False).cumcount()
    else:
        table["trial"] = np.arange(len(table))
    table = _apply_mapping(table, columns or {}, recode or {}, response_columns or {}, source)
    return validate(
        table, schema, source=source, n_items=n_items, file_rows=rows,
        lines=None if lines is None else lines[rows],
    )
