"""Public surface of cogalign.intertemporal; importing it stays light; risky keeps to risk."""

from __future__ import annotations

import subprocess
import sys

import cogalign.intertemporal
import cogalign.risky


def test_every_export_resolves():
    for name in cogalign.intertemporal.__all__:
        assert getattr(cogalign.intertemporal, name) is not None, name


def test_risky_no_longer_exports_intertemporal_names():
    moved = {"DISCOUNTING", "discount", "intertemporal_logits", "IntertemporalChoiceModel",
             "simulate_intertemporal", "read_intertemporal", "compare_discounting"}
    assert not moved & set(cogalign.risky.__all__)
    assert moved <= set(cogalign.intertemporal.__all__)


def test_import_is_light():
    code = (
        "import sys, cogalign.intertemporal\n"
        "from cogalign.intertemporal import discount, simulate_intertemporal\n"
        "heavy = [m for m in ('jax', 'numpyro', 'pymc', 'arviz', 'torch', 'sklearn',"
        " 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
