"""Public surface of cogalign.risky and cogalign.bayes; importing them stays light."""

from __future__ import annotations

import subprocess
import sys

import cogalign.bayes
import cogalign.risky


def test_every_export_resolves():
    for name in cogalign.risky.__all__:
        assert getattr(cogalign.risky, name) is not None, name
    for name in cogalign.bayes.__all__:
        assert getattr(cogalign.bayes, name) is not None, name


def test_import_is_light():
    code = (
        "import sys, cogalign.bayes, cogalign.risky\n"
        "from cogalign.risky import RiskyChoiceModel, simulate_rates, weight_tk\n"
        "heavy = [m for m in ('jax', 'numpyro', 'pymc', 'arviz', 'torch', 'matplotlib')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
