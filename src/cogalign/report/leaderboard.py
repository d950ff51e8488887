"""The leaderboard: which language models are most human-like, on what, without tuning on the test.

From a sweep's tidy table (:mod:`cogalign.sweep.results`), for every model and task (a
paradigm on a dataset), using each paradigm's primary metric (higher is better):

* **best**: the configuration (layer, template, method, temperature) with the highest score
  on all units - what a paper that reports "the best layer" would print;
* **held-out**: the configuration chosen on the ``train`` half of the units, scored on the
  ``test`` half - the number the leaderboard ranks on, since choosing on the same data
  inflates it;
* **normalised**: the score divided by the task's noise ceiling on the same units, where one
  is known (a share of what people's own consistency allows).

With several seeds (different halves and bootstraps), the per-seed numbers are averaged.
The wide table has one row per model: each task's held-out score (normalised where a ceiling
exists), its rank among the models, the mean normalised score over the tasks with a ceiling,
and the mean rank.

>>> from cogalign.report import leaderboard
>>> board = leaderboard(load_results("results/"))           # doctest: +SKIP
>>> board.table[["model", "mean_normalised", "mean_rank"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = ["CONFIG", "Leaderboard", "leaderboard"]

#: The columns that make a configuration of one model on one task.
CONFIG: tuple[str, ...] = ("layer", "template", "method", "temperature", "options")


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, int | float | np.floating) and bool(np.isfinite(x))


def _ratio(value: float, ceiling: float) -> float:
    return value / ceiling if _finite(ceiling) and ceiling > 0 and _finite(value) else np.nan


def _describe(row: pd.Series) -> str:
    """``layer 3, {item}: {definition}, prompt`` for the configuration of a row."""
    parts = []
    if row.get("layer") is not None and not pd.isna(row.get("layer")):
        parts.append(f"layer {row['layer']}" if str(row["layer"]).lstrip("-").isdigit()
                     else str(row["layer"]))
    for key in ("template", "method"):
        value = row.get(key)
        if value is not None and not pd.isna(value):
            parts.append(str(value))
    if _finite(row.get("temperature")):
        parts.append(f"T={row['temperature']:g}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Leaderboard:
    """Result of :func:`leaderboard`.

    Attributes
    ----------
    tasks : pandas.DataFrame
        One row per model and task: ``model``, ``task``, ``paradigm``, ``dataset``,
        ``metric``; ``best`` (with ``best_ci_low`` / ``best_ci_high``, ``best_config``,
        ``best_layer``, ``best_template``, ``best_ceiling``, ``best_normalised``) on all
        units; ``heldout`` (with ``heldout_ci_low`` / ``heldout_ci_high``,
        ``heldout_config``, ``heldout_ceiling``, ``heldout_normalised`` and its interval)
        chosen on train and scored on test; ``score`` (the held-out number ranked on:
        normalised where a ceiling exists, else raw), ``normalised`` (whether it is),
        ``selected_on`` (``"train"``; ``"all"`` when the paradigm gave no halves, and the
        best number stands in), ``rank`` among the models on the task, ``n_seeds``.
    table : pandas.DataFrame
        One row per model, best first: ``rank``, ``model``, ``mean_normalised`` (over the
        tasks with a ceiling), ``mean_rank``, ``n_tasks``, then ``<task>`` (score) and
        ``<task> rank`` for every task.
    task_names : list of str
        The tasks, in the order of the table's columns.
    """

    tasks: pd.DataFrame
    table: pd.DataFrame
    task_names: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``tasks`` and ``table`` as lists of records (NaN as ``None``)."""
        from cogalign.cli_common import json_safe

        return {"tasks": json_safe(self.tasks), "table": json_safe(self.table),
                "task_names": list(self.task_names)}

    def text(self, digits: int = 3) -> str:
        """The wide table as plain text."""
        def fmt(x: Any) -> str:
            return "-" if not _finite(x) else f"{x:.{digits}f}"

        head = ["rank", "model", "mean_normalised", "mean_rank", *self.task_names]
        rows = [[str(int(r["rank"])), str(r["model"]), fmt(r["mean_normalised"]),
                 fmt(r["mean_rank"]), *[fmt(r[t]) for t in self.task_names]]
                for _, r in self.table.iterrows()]
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
                  for i, h in enumerate(head)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join(lines)


def _pick(rows: pd.DataFrame) -> pd.Series | None:
    """The row with the highest value (the first in table order on a tie)."""
    rows = rows[np.isfinite(rows["value"].to_numpy(dtype=float))]
    if rows.empty:
        return None
    return rows.loc[rows["value"].astype(float).idxmax()]


def _one_seed(rows: pd.DataFrame) -> dict[str, Any]:
    """Best and held-out numbers of one model, task and seed."""
    key = list(CONFIG)
    rows = rows.assign(_config=rows[key].map(repr).agg("|".join, axis=1))
    out: dict[str, Any] = {}
    best = _pick(rows[rows["split"] == "all"])
    if best is not None:
        out.update(best=best["value"], best_ci_low=best["ci_low"], best_ci_high=best["ci_high"],
                   best_ceiling=best["ceiling"], best_config=_describe(best),
                   best_layer=best["layer"], best_template=best["template"],
                   best_normalised=_ratio(best["value"], best["ceiling"]))
    chosen = _pick(rows[rows["split"] == "train"])
    if chosen is not None:
        test = rows[(rows["split"] == "test") & (rows["_config"] == chosen["_config"])]
        if not test.empty:
            t = test.iloc[0]
            out.update(heldout=t["value"], heldout_ci_low=t["ci_low"],
                       heldout_ci_high=t["ci_high"], heldout_ceiling=t["ceiling"],
                       heldout_config=_describe(t), heldout_layer=t["layer"],
                       heldout_template=t["template"],
                       heldout_normalised=_ratio(t["value"], t["ceiling"]),
                       heldout_normalised_ci_low=_ratio(t["ci_low"], t["ceiling"]),
                       heldout_normalised_ci_high=_ratio(t["ci_high"], t["ceiling"]))
    return out


_NUMBERS = ("best", "best_ci_low", "best_ci_high", "best_ceiling", "best_normalised",
            "heldout", "heldout_ci_low", "heldout_ci_high", "heldout_ceiling",
            "heldout_normalised", "heldout_normalised_ci_low", "heldout_normalised_ci_high")


def _over_seeds(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """Numbers averaged over seeds; the configuration of the first seed."""
    out = dict(per_seed[0])
    for key in _NUMBERS:
        values = [s.get(key, np.nan) for s in per_seed]
        values = [float(v) for v in values if _finite(v)]
        out[key] = float(np.mean(values)) if values else np.nan
    out["n_seeds"] = len(per_seed)
    return out


def leaderboard(results: pd.DataFrame) -> Leaderboard:
    """Rank language models across paradigms from a sweep's results table.

    Parameters
    ----------
    results
        The tidy table of :func:`cogalign.sweep.load_results`.

    Returns
    -------
    Leaderboard
        See the module docstring and :class:`Leaderboard`.

    Raises
    ------
    CogalignError
        When the table holds no successful primary metric.
    """
    need = {"model", "paradigm", "dataset", "metric", "value", "split", "primary", "status"}
    missing = sorted(need - set(results.columns))
    if missing:
        raise CogalignError(f"not a sweep results table: no columns {missing}")
    rows = results[(results["status"] == "ok") & results["primary"].astype(bool)].copy()
    if rows.empty:
        raise CogalignError("the results hold no successful cell: nothing to rank")
    for column in CONFIG:
        if column not in rows.columns:
            rows[column] = None
    rows["dataset"] = rows["dataset"].fillna("default")
    rows["task"] = rows["paradigm"].astype(str) + " / " + rows["dataset"].astype(str)
    records = []
    for (model, task), group in rows.groupby(["model", "task"], sort=False):
        seeds = [_one_seed(g) for _, g in group.groupby("seed", sort=True)]
        seeds = [s for s in seeds if s]
        if not seeds:
            continue
        first = group.iloc[0]
        records.append({"model": model, "task": task, "paradigm": first["paradigm"],
                        "dataset": first["dataset"], "metric": first["metric"],
                        **_over_seeds(seeds)})
    tasks = pd.DataFrame(records)
    for key in (*_NUMBERS, "best_config", "heldout_config", "best_layer", "best_template",
                "heldout_layer", "heldout_template"):
        if key not in tasks.columns:
            tasks[key] = np.nan
    finite = np.isfinite(tasks["heldout_normalised"].to_numpy(dtype=float)) | \
        np.isfinite(tasks["best_normalised"].to_numpy(dtype=float))
    has_ceiling = pd.Series(finite, index=tasks.index).groupby(tasks["task"]).transform("any")
    tasks["normalised"] = has_ceiling.astype(bool)
    heldout = np.where(tasks["normalised"], tasks["heldout_normalised"], tasks["heldout"])
    best = np.where(tasks["normalised"], tasks["best_normalised"], tasks["best"])
    tasks["selected_on"] = np.where(np.isfinite(heldout.astype(float)), "train", "all")
    tasks["score"] = np.where(tasks["selected_on"] == "train", heldout, best).astype(float)
    tasks["rank"] = tasks.groupby("task")["score"].rank(ascending=False, method="average")
    task_names = list(dict.fromkeys(tasks["task"]))
    wide = tasks.pivot(index="model", columns="task", values="score").reindex(
        columns=task_names)
    ranks = tasks.pivot(index="model", columns="task", values="rank").reindex(
        columns=task_names)
    normalised_tasks = [t for t in task_names
                        if tasks.loc[tasks["task"] == t, "normalised"].iloc[0]]
    table = pd.DataFrame({"model": wide.index})
    table["mean_normalised"] = (wide[normalised_tasks].mean(axis=1).to_numpy()
                                if normalised_tasks else np.nan)
    table["mean_rank"] = ranks.mean(axis=1).to_numpy()
    table["n_tasks"] = wide.notna().sum(axis=1).to_numpy()
    for t in task_names:
        table[t] = wide[t].to_numpy()
        table[f"{t} rank"] = ranks[t].to_numpy()
    order = table.sort_values(["mean_normalised", "mean_rank"], ascending=[False, True],
                              na_position="last").index
    table = table.loc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    position = {t: i for i, t in enumerate(task_names)}
    tasks = (tasks.assign(_task=tasks["task"].map(position))
             .sort_values(["_task", "rank"]).drop(columns="_task").reset_index(drop=True))
    return Leaderboard(tasks=tasks, table=table, task_names=task_names)
