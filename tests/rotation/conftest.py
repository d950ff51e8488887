"""Fixtures shared by the mental-rotation tests: a small simulated study and one fitted model.

Compiling a model costs more than fitting it, so the tests reuse one small hierarchical fit.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_study():
    from cogalign.rotation import simulate_rotation

    return simulate_rotation(8, n_repeats=3, seed=3)


@pytest.fixture(scope="session")
def linear_fit(small_study):
    pytest.importorskip("numpyro")
    from cogalign.rotation import RotationModel

    return RotationModel("linear", draws=120, tune=120, chains=1, seed=0).fit(small_study)


@pytest.fixture(scope="session")
def peters_battista_file():
    """The Peters & Battista cube-figure transcription on the data search path, or skip."""
    from cogalign.paths import data_search_path

    for folder in data_search_path():
        path = Path(folder) / "rotation" / "peters_battista_16_cube_models.csv"
        if path.is_file():
            return path
    pytest.skip("rotation/peters_battista_16_cube_models.csv not on COGALIGN_DATA_PATH")
