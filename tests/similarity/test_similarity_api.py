"""The public surface of cogalign.similarity: everything exported exists, imports stay light."""

from __future__ import annotations

import subprocess
import sys

import cogalign.similarity as similarity


def test_every_export_exists_and_is_documented():
    for name in similarity.__all__:
        obj = getattr(similarity, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"


def test_import_does_not_load_torch_or_matplotlib():
    code = ("import sys, cogalign.similarity, cogalign.similarity.cli, "
            "cogalign.plots.similarity; "
            "print(sorted(m for m in ('torch', 'transformers', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
