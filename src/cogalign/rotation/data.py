"""Mental-rotation trial tables: reading files, and the arrays the models take.

:func:`read_rotation` reads a user's file - the tidy ``rotation`` table (CSV, TSV, JSON lines),
or the native files of Ganis & Kievit (2015) and Jost & Jansen (2020) - and validates it, so
a bad angle, axis, response or RT is refused with its file, row and column.
:func:`model_data` turns a table into the keyword data of the models in
:mod:`cogalign.rotation.models`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = ["DATASETS", "model_data", "read_rotation", "trial_level"]

#: Registered mental-rotation datasets (the first is the primary one).
DATASETS = ("rotation-ganis-kievit-2015", "rotation-jost-jansen-2020",
            "rotation-hamrick-griffiths-2014")


def _header(path: Path) -> list[str]:
    if path.suffix.lower() in (".json", ".jsonl"):
        return []
    with path.open(encoding="utf-8-sig") as fh:
        line = fh.readline().rstrip("\r\n")
    sep = ";" if line.count(";") > line.count(",") else ("\t" if "\t" in line else ",")
    return [h.strip().strip('"') for h in line.split(sep)]


def read_rotation(path: str | Path) -> pd.DataFrame:
    """Read and validate a mental-rotation trial file, or a rotation study's Psych-DS folder.

    Formats: the tidy ``rotation`` table (see :data:`cogalign.data.schemas.ROTATION`) as
    CSV, TSV or JSON lines; Ganis & Kievit's ``MentalRotation.csv`` (columns ``Subject``,
    ``Angle``, ``Matching``, ``Response``, ``Time``, ...); Jost & Jansen's ``dataset.csv``
    (``;``-separated, ``reactionTime``, ``deg``, ``axis``, ...); the Psych-DS folder that
    ``cogalign study run rotation`` or ``cogalign serve`` export writes (every session file;
    attention checks, flagged ``is_attention_check``, are left out: their answer is known
    from the picture, not from a rotation).

    Raises
    ------
    cogalign.data.ValidationError
        Naming the file, row (and CSV line) and column of every problem.
    CogalignError
        For a missing file.
    """
    from cogalign.data import loaders, read_trials

    path = Path(path)
    if path.is_dir():
        from cogalign.data import read_psychds

        table = read_psychds(path, "rotation")
        if "is_attention_check" in table.columns:
            checks = pd.to_numeric(table["is_attention_check"], errors="coerce").fillna(0)
            table = table.loc[checks.astype(int) == 0].reset_index(drop=True)
        return table
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    header = set(_header(path))
    if {"Subject", "Angle", "Matching", "Response", "Time"} <= header:
        return loaders.load_ganis_kievit_2015({"rotation/ganis_kievit_2015.csv": path})
    if {"ID", "deg", "axis", "reactionTime", "correctSide"} <= header:
        return loaders.load_jost_jansen_2020({"rotation/jost_jansen_2020.csv": path})
    return read_trials(path, "rotation")


def trial_level(table: Any) -> pd.DataFrame:
    """Check that ``table`` is a trial-level rotation table (not the aggregated one)."""
    if not isinstance(table, pd.DataFrame):
        raise CogalignError(f"expected a trial table (pandas DataFrame), got {type(table).__name__}")
    missing = [c for c in ("participant_id", "angle", "pair_type", "rt") if c not in table.columns]
    if missing:
        hint = " (an aggregated table cannot be fitted trial by trial)" if "accuracy" in table.columns else ""
        raise CogalignError(f"the table has no column(s) {missing}{hint}")
    return table


def _correct(table: pd.DataFrame) -> np.ndarray:
    if "correct" in table.columns:
        return table["correct"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return (table["response"] == table["pair_type"]).to_numpy(dtype=bool)


def model_data(
    table: pd.DataFrame,
    model: str = "linear",
    *,
    family: str = "lognormal",
    hierarchical: bool = True,
    participants: Sequence[str] | None = None,
    exclude: str | None = None,
    rt_max: float | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The keyword data of a model, built from a trial table.

    Response-time models take the correct trials with a response time; the accuracy model
    every answered trial; the joint model both.

    Parameters
    ----------
    table
        A validated ``rotation`` table.
    model
        ``"linear"``, ``"concave"``, ``"two-stage"``, ``"accuracy"`` or ``"joint"``.
    family
        ``"lognormal"`` or ``"wald"`` for the linear, concave and joint models.
    hierarchical
        Per-person parameters (``n_participants`` set) or one pooled set.
    participants
        Participant order (default: sorted ids in the table); rows of other people are
        dropped.
    exclude
        A boolean column whose true rows are left out (e.g. ``"outlier"``).
    rt_max
        Upper end of the contaminant (default: 1.05 times the slowest response used, and at
        least 1 s).

    Returns
    -------
    data, participants
        The model's keyword arguments (arrays and static settings), and the participant ids
        in index order.
    """
    table = trial_level(table)
    t = table
    if exclude is not None:
        t = t.loc[~t[exclude].astype(bool).to_numpy()]
    answered = t["response"].notna().to_numpy() if "response" in t.columns else np.ones(len(t), bool)
    t = t.loc[answered]
    ids = sorted(t["participant_id"].astype(str).unique()) if participants is None else [str(p) for p in participants]
    index = {p: i for i, p in enumerate(ids)}
    pid = t["participant_id"].astype(str).map(index)
    t = t.loc[pid.notna().to_numpy()]
    pid = pid.loc[t.index].to_numpy(dtype=np.int64)
    correct = _correct(t)
    has_rt = t["rt"].notna().to_numpy()
    angle = t["angle"].to_numpy(dtype=float)
    mirror = (t["pair_type"] == "mirror").to_numpy(dtype=float)
    if not hierarchical:
        pid = np.zeros_like(pid)
    n_groups = len(ids) if hierarchical else 1
    static: dict[str, Any] = {"n_participants": len(ids) if hierarchical else None}
    if model == "accuracy":
        if len(t) == 0:
            raise CogalignError("no answered trials to fit")
        return {"angle": angle, "mirror": mirror, "participant": pid,
                "y": correct.astype(np.int64), **static}, ids
    use = correct & has_rt
    rt = t["rt"].to_numpy(dtype=float)
    if not use.any():
        raise CogalignError("no correct trials with a response time to fit")
    min_rt = np.full(n_groups, np.inf)
    np.minimum.at(min_rt, pid[use], rt[use])
    empty = ~np.isfinite(min_rt)
    if empty.any():
        who = [ids[i] for i in np.flatnonzero(empty)] if hierarchical else ["everyone"]
        raise CogalignError(f"participant(s) {who[:5]} have no correct trial with a response time")
    limit = float(rt_max) if rt_max is not None else max(1.0, 1.05 * float(rt[use].max()))
    static["rt_max"] = limit
    if model == "joint":
        keep = has_rt | ~correct
        sel = np.flatnonzero(keep)
        position = np.cumsum(keep) - 1
        rt_index = position[np.flatnonzero(use)]
        return {"angle": angle[sel], "mirror": mirror[sel], "participant": pid[sel],
                "min_rt": min_rt, "rt_index": rt_index, "y": rt[use],
                "correct": correct[sel].astype(np.int64), "family": family, **static}, ids
    from cogalign.rotation.models import model_spec

    shape, family = model_spec(model, family)
    return {"angle": angle[use], "mirror": mirror[use], "participant": pid[use],
            "min_rt": min_rt, "y": rt[use], "shape": shape, "family": family, **static}, ids
