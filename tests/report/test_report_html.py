"""The HTML report: one self-contained file, rendered in a real headless Chromium."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from cogalign.cli import main
from cogalign.report import build_report

pytestmark = pytest.mark.slow


def test_the_report_is_one_file_that_loads_nothing_else(results_folder, tmp_path, chromium):
    out = build_report(results_folder, tmp_path / "report.html")
    text = out.read_text()
    # no external resource at all: no links to fetch, no scripts, figures inline
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "<script" not in text and "<link" not in text
    images = re.findall(r"src='data:image/png;base64,", text)
    # triplets: layer curves + scores; similarity: layer curves + scores + Turing + spread
    assert len(images) == 6
    assert "&lt;b&gt;no&lt;/b&gt; data" in text  # an error message is escaped, not markup
    for needed in ("Leaderboard", "Methods", "Datasets", "Package versions", "Sweep file",
                   "Hebart", "Finkelstein", "things-concepts", "known numbers"):
        assert needed in text, needed
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []

    def route(r):
        requests.append(r.request.url)
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(out.as_uri())
    assert [u for u in requests if not u.startswith("data:")] == [out.as_uri()]
    assert page.title() == "Sweep report: known numbers"
    loaded = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth)")
    assert len(loaded) == 6 and all(w and w > 300 for w in loaded)
    rows = page.locator("#leaderboard + p + table tbody tr")
    assert rows.count() == 2 and rows.first.locator("td").nth(1).inner_text() == "alpha"
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.close()


def test_report_command(results_folder, tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["report", str(results_folder), "--out", str(out),
                                  "--title", "My sweep", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["report"] == str(out)
    assert "<title>My sweep</title>" in out.read_text()
