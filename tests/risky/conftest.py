"""Fixtures shared by the risky-choice tests: one simulated CPT data set and its fit.

Compiling a model costs more than fitting it, so tests reuse one fitted CPT model.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cpt_rates():
    from cogalign.risky import random_problems, simulate_rates

    return simulate_rates(random_problems(400, seed=11), "cpt", seed=12)


@pytest.fixture(scope="session")
def cpt_fit(cpt_rates):
    pytest.importorskip("numpyro")
    from cogalign.risky import RiskyChoiceModel

    return RiskyChoiceModel("cpt", draws=200, seed=0).fit(cpt_rates)
