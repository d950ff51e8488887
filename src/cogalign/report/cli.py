"""``cogalign leaderboard`` and ``cogalign report``: a sweep's results as a table and a report."""

from __future__ import annotations

from pathlib import Path

import click

from cogalign.cli_common import emit, handle_errors, json_option

__all__ = ["leaderboard_command", "report_command"]


@click.command("leaderboard")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--tasks", "show_tasks", is_flag=True,
              help="Also print every model's best and held-out configuration per task.")
@json_option
@handle_errors
def leaderboard_command(results: Path, show_tasks: bool, as_json: bool) -> None:
    """Rank the models of a sweep's RESULTS folder across paradigms (held-out, normalised)."""
    from cogalign.report.leaderboard import leaderboard
    from cogalign.sweep.results import load_results

    board = leaderboard(load_results(results))

    def text() -> str:
        lines = [board.text()]
        if show_tasks:
            for _, r in board.tasks.iterrows():
                lines.append(f"  {r['task']}  {r['model']}: held-out {r['heldout']:.3f} "
                             f"({r['heldout_config']}), best {r['best']:.3f} "
                             f"({r['best_config']})")
        return "\n".join(lines)

    emit(board.to_dict(), as_json, text)


@click.command("report")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--out", "out_path", type=click.Path(path_type=Path), required=True,
              help="The HTML file to write.")
@click.option("--title", default=None, help="Report title (default: from the sweep's name).")
@json_option
@handle_errors
def report_command(results: Path, out_path: Path, title: str | None, as_json: bool) -> None:
    """Write a self-contained HTML report of a sweep's RESULTS folder."""
    from cogalign.report.html import build_report

    path = build_report(results, out_path, title=title)
    emit({"report": str(path), "bytes": path.stat().st_size}, as_json, f"wrote {path}")
