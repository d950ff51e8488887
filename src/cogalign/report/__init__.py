"""The leaderboard and the one-file HTML report of a sweep.

:func:`leaderboard` ranks language models across paradigms from a sweep's results table
(scores chosen on held-out data, normalised by noise ceilings); :func:`build_report` writes a
self-contained HTML file: the leaderboard, figures per task, methods text generated from the
settings, dataset citations and licences, package versions and the sweep file.

Modules
-------
:mod:`~cogalign.report.leaderboard`
    The leaderboard.
:mod:`~cogalign.report.methods`
    Methods text, dataset references and versions from a sweep's settings.
:mod:`~cogalign.report.html`
    The HTML report.
:mod:`~cogalign.report.cli`
    ``cogalign leaderboard`` and ``cogalign report``.
"""

from cogalign.report.html import build_report
from cogalign.report.leaderboard import Leaderboard, leaderboard

__all__ = ["Leaderboard", "build_report", "leaderboard"]
