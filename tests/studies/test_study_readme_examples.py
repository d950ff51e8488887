"""The ``cogalign study run`` examples in the READMEs work with the studies that ship."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogalign.cli import main
from cogalign.studies.library import shipped_studies

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "studies.md",
        *sorted(s.folder / "README.md" for s in shipped_studies().values())]


def _examples() -> list[tuple[str, str, str]]:
    """``(document, study definition, participant)`` of every example run in the READMEs."""
    found = []
    for doc in DOCS:
        for line in doc.read_text().splitlines():
            match = re.search(r"cogalign study run (\S+)(.*)", line)
            if not match:
                continue
            words = shlex.split(match.group(2).split("#")[0].replace("[", " ").replace("]", " "))
            if "--participant" in words:
                found.append((doc.name, match.group(1), words[words.index("--participant") + 1]))
    return found


def test_the_readmes_have_examples():
    assert len(_examples()) >= 5


@pytest.mark.parametrize("doc, definition, participant", _examples())
def test_readme_participant_ids_fit_the_shipped_studies(doc, definition, participant):
    result = CliRunner().invoke(main, ["study", "check", definition,
                                       "--participant", participant, "--json"])
    assert result.exit_code == 0, f"{doc}: {definition} --participant {participant}: {result.output}"
