"""`import cogalign.llm` stays light: no torch, no transformers."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_torch():
    code = (
        "import sys, cogalign.llm, cogalign.llm.cli; "
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
