"""The one-file HTML report of a sweep: leaderboard, figures, methods, citations, versions.

The file is self-contained: figures are embedded as base64 PNG, the style sheet is inline,
there is no script and nothing is loaded from elsewhere, so it opens offline and can be sent
as one attachment.

>>> from cogalign.report import build_report
>>> build_report("results/", "report.html")   # doctest: +SKIP
PosixPath('report.html')
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.atomic import atomic_write_text
from cogalign.errors import CogalignError

__all__ = ["build_report", "render_report"]

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { margin-top: 1.5em; } .muted { color: #666; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.failed { color: #a00; }
"""


def _e(value: Any) -> str:
    missing = value is None or (isinstance(value, float) and not np.isfinite(value))
    return html.escape("" if missing else str(value))


def _num(value: Any, digits: int = 3) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return _e(value)
    return "&ndash;" if not np.isfinite(x) else f"{x:.{digits}f}"


def _interval(low: Any, high: Any, digits: int = 3) -> str:
    if low is None or high is None or not np.isfinite(float(low)) or not np.isfinite(float(high)):
        return ""
    return f" <span class='muted'>[{_num(low, digits)}, {_num(high, digits)}]</span>"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]], numeric: Iterable[int] = ()
           ) -> str:
    """An HTML table; cells are given as HTML (escape them first)."""
    numbers = set(numeric)
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td class='num'>{c}</td>" if i in numbers else f"<td>{c}</td>"
                         for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(draw: Callable[[Any], Any], size: tuple[float, float], caption: str) -> str:
    """A figure drawn by ``draw(ax)``, embedded as a base64 PNG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    draw(fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"<figure><img alt='{_e(caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _leaderboard_html(board: Any) -> str:
    header = ["#", "model", "mean normalised", "mean rank", "tasks"] + list(board.task_names)
    rows = []
    for _, r in board.table.iterrows():
        cells = [str(int(r["rank"])), _e(r["model"]), _num(r["mean_normalised"]),
                 _num(r["mean_rank"], 2), str(int(r["n_tasks"]))]
        for t in board.task_names:
            rank = r[f"{t} rank"]
            cells.append(_num(r[t]) + (f" <span class='muted'>({rank:g})</span>"
                                       if np.isfinite(rank) else ""))
        rows.append(cells)
    return _table(header, rows, numeric=range(2, len(header)))


def _task_table(tasks: pd.DataFrame) -> str:
    header = ["model", "held-out", "chosen on train", "normalised", "best (all units)",
              "best configuration", "ceiling", "rank"]
    rows = []
    for _, r in tasks.iterrows():
        rows.append([
            _e(r["model"]),
            _num(r["heldout"]) + _interval(r["heldout_ci_low"], r["heldout_ci_high"]),
            _e(r["heldout_config"]) if isinstance(r["heldout_config"], str) else "&ndash;",
            _num(r["heldout_normalised"]),
            _num(r["best"]) + _interval(r["best_ci_low"], r["best_ci_high"]),
            _e(r["best_config"]) if isinstance(r["best_config"], str) else "&ndash;",
            _num(r["heldout_ceiling"] if np.isfinite(r["heldout_ceiling"]) else r["best_ceiling"]),
            _num(r["rank"], 1),
        ])
    return _table(header, rows, numeric=(1, 3, 4, 6, 7))


def _task_section(task: str, rows: pd.DataFrame, tasks: pd.DataFrame) -> str:
    from cogalign.plots.sweep import (
        plot_layer_curves,
        plot_percentiles,
        plot_synthetic_spread,
        plot_task_scores,
    )

    metric = tasks["metric"].iloc[0]
    parts = [f"<h3 id='{_e(task)}'>{_e(task)}</h3>",
             f"<p class='muted'>Primary metric: {_e(metric)}; "
             f"{'normalised by the noise ceiling' if tasks['normalised'].iloc[0] else 'no noise ceiling known (raw scores)'}.</p>",
             _task_table(tasks)]
    primary = rows[rows["primary"].astype(bool)]
    layers = pd.to_numeric(primary["layer"], errors="coerce")
    if layers.nunique() >= 2:
        band = ", with the noise ceiling" if primary["ceiling"].notna().any() else ""
        parts.append(_figure(lambda ax: plot_layer_curves(primary, ax=ax, title=task),
                             (7.0, 3.8), f"{task}: {metric} by depth in the model (all units, "
                                         f"95% interval){band}"))
    parts.append(_figure(lambda ax: plot_task_scores(tasks, ax=ax, title=task),
                         (7.0, 0.9 + 0.5 * len(tasks)),
                         f"{task}: held-out and best {metric} per model"))
    if (rows["metric"] == "percentile").any():
        n = rows.loc[rows["metric"] == "percentile", ["model", "layer"]].drop_duplicates()
        parts.append(_figure(lambda ax: plot_percentiles(rows, ax=ax, title=task),
                             (7.0, 0.9 + 0.28 * len(n)),
                             f"{task}: Turing RSA, each model's percentile among the people"))
    if (rows["metric"] == "synthetic_agreement").any():
        parts.append(_figure(lambda ax: plot_synthetic_spread(rows, ax=ax, title=task),
                             (7.0, 3.5), f"{task}: agreement among synthetic individuals by "
                                         "temperature, and among people"))
    return "\n".join(parts)


def render_report(results: pd.DataFrame, manifest: Mapping[str, Any], sweep_text: str, *,
                  title: str | None = None) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    results
        The sweep's results table.
    manifest
        Its ``manifest.json`` (cells, backend, versions).
    sweep_text
        The sweep file as run.
    title
        Title (default: the sweep's name).

    Returns
    -------
    str
        The HTML.
    """
    from cogalign.report.leaderboard import leaderboard
    from cogalign.report.methods import dataset_references, methods_paragraphs

    board = leaderboard(results)
    name = title or f"Sweep report: {manifest.get('name', 'sweep')}"
    ok = results[results["status"] == "ok"].copy()
    ok["task"] = ok["paradigm"].astype(str) + " / " + ok["dataset"].fillna("default").astype(str)
    sections = []
    for task in board.task_names:
        sections.append(_task_section(task, ok[ok["task"] == task],
                                      board.tasks[board.tasks["task"] == task]))
    failed = results[results["status"] == "failed"].drop_duplicates("cell_id")
    failed_html = _table(["cell", "paradigm", "model", "dataset", "template", "error"],
                         [[_e(r["cell_id"]), _e(r["paradigm"]), _e(r["model"]),
                           _e(r["dataset"]), _e(r["template_spec"]),
                           f"<span class='failed'>{_e(r['error'])}</span>"]
                          for _, r in failed.iterrows()]) if len(failed) else \
        "<p>Every cell finished.</p>"
    names = list(ok["dataset"].dropna())
    if "sources" in ok.columns:
        names += [s.strip() for v in ok["sources"].dropna() for s in str(v).split(",")]
    refs = dataset_references(names)
    refs_html = _table(["dataset", "what", "cite", "licence", "source"],
                       [[_e(d["name"]), _e(d["title"]), _e(d["citation"]), _e(d["licence"]),
                         _e(d["source"])] for d in refs])
    versions = manifest.get("versions") or {}
    versions_html = _table(["package", "version"],
                           [[_e(k), _e(v or "not installed")] for k, v in versions.items()])
    methods = "".join(f"<p>{_e(p)}</p>" for p in methods_paragraphs(manifest, results))
    when = manifest.get("finished") or manifest.get("started") or ""
    made = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    n_cells = results["cell_id"].nunique()
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(name)}</title><style>{_STYLE}</style></head>
<body>
<h1>{_e(name)}</h1>
<p class="muted">{n_cells} cells, {len(board.table)} models, {len(board.task_names)} tasks;
sweep finished {_e(when)}; report made {_e(made)} by cogalign {_e(versions.get('cogalign'))}.</p>
<h2 id="leaderboard">Leaderboard</h2>
<p>Held-out score per task (layer, template and method chosen on one half of the units,
scored on the other), divided by the noise ceiling where one is known; the rank within the
task in brackets. Models are ordered by their mean normalised score.</p>
{_leaderboard_html(board)}
<h2 id="tasks">Results by task</h2>
{''.join(sections)}
<h2 id="methods">Methods</h2>
{methods}
<h2 id="failed">Failed cells</h2>
{failed_html}
<h2 id="datasets">Datasets</h2>
{refs_html}
<h2 id="versions">Package versions</h2>
{versions_html}
<h2 id="sweep-file">Sweep file</h2>
<pre>{_e(sweep_text)}</pre>
</body></html>
"""


def build_report(results: str | Path, out: str | Path, *, title: str | None = None) -> Path:
    """Write the HTML report of a sweep's results folder.

    Parameters
    ----------
    results
        The results folder of :func:`cogalign.sweep.run_sweep`.
    out
        The HTML file to write.
    title
        Title (default: from the sweep's name).

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    CogalignError
        When the folder holds no results, or its manifest cannot be read.
    """
    from cogalign.sweep.results import load_results

    folder = Path(results)
    table = load_results(folder)
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) \
            if manifest_path.is_file() else {}
    except (OSError, ValueError) as exc:
        raise CogalignError(f"{manifest_path}: cannot be read ({exc})") from None
    sweep_file = folder / "sweep.toml"
    text = sweep_file.read_text(encoding="utf-8") if sweep_file.is_file() else ""
    out = Path(out)
    atomic_write_text(out, render_report(table, manifest, text, title=title))
    return out
