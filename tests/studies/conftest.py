"""Fixtures for the study tests: a virtual display and a command runner that presses keys.

The PsychoPy tests open real windows on an ``Xvfb`` server started here and answer them with
key presses (and clicks) sent by ``xdotool``. They skip, with the reason, only when Xvfb,
xdotool or PsychoPy is not installed.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable, Sequence
from contextlib import nullcontext

import pytest
from study_helpers import KeyDriver, clean_env, study_command


@pytest.fixture(scope="session")
def xdisplay():
    """A running Xvfb display (``":N"``) for the whole test session."""
    missing = [name for name in ("Xvfb", "xdotool") if shutil.which(name) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (apt-get install xvfb xdotool)")
    if importlib.util.find_spec("psychopy") is None:
        pytest.skip("psychopy not installed (pip install 'cogalign[studies]')")
    from cogalign.studies.display import start_xvfb, stop_xvfb

    proc, display = start_xvfb((1280, 1024))
    yield display
    stop_xvfb(proc)


@pytest.fixture
def run_study(xdisplay) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``cogalign study ...`` on the virtual display while keys are pressed."""

    def run(args: Sequence[str], keys: Sequence[str] = (), timeout: float = 120,
            interval: float = 0.1) -> subprocess.CompletedProcess:
        env = clean_env(DISPLAY=xdisplay)
        with KeyDriver(xdisplay, keys, interval) if keys else nullcontext():
            return subprocess.run(study_command(*args), env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)

    return run


