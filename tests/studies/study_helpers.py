"""Helpers for the study tests (shared by the test modules and conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from cogalign.studies.library import shipped_folder

REPO = Path(__file__).resolve().parents[2]
STUDIES = shipped_folder()  # a folder of the studies that ship with cogalign
PARADIGMS = ("triplets", "similarity", "risky", "intertemporal", "rotation")

#: Overrides that make a study quick to run in a test (few trials, short screens).
FAST = (
    "display.check_timing=false",
    "display.size=[800, 600]",
    "timing.fixation=0",
    "timing.iti=0",
    "timing.confirm=0",
    "timing.feedback=0.05",
)


def definition_path(name: str) -> Path:
    """The shipped definition of a study."""
    return STUDIES / name / "study.toml"


def sets(*overrides: str) -> list[str]:
    """``--set`` arguments for the command line."""
    out: list[str] = []
    for o in overrides:
        out += ["--set", o]
    return out


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a study subprocess: no dataset search path (the shipped item lists
    are used), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "COGALIGN_DATA_PATH"}
    env.update(extra)
    return env


class KeyDriver:
    """Press keys in turn (every ``interval`` seconds) on a display until stopped."""

    def __init__(self, display: str, keys: Sequence[str], interval: float = 0.2):
        self.display = display
        self.keys = list(keys)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        env = {**os.environ, "DISPLAY": self.display}
        while not self._stop.is_set():
            for key in self.keys:
                if self._stop.is_set():
                    return
                subprocess.run(["xdotool", "key", key], env=env, check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self._stop.wait(self.interval)

    def __enter__(self) -> KeyDriver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def study_command(*args: str) -> list[str]:
    """The study command line (``python -m cogalign.studies ...``)."""
    return [sys.executable, "-m", "cogalign.studies", *args]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until ``predicate()`` is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def make_image_study(tmp_path: Path, *overrides: str):
    """A triplet study of four colour patches (PNG files) in ``tmp_path``."""
    Image = pytest.importorskip("PIL.Image")

    from cogalign.studies import load_definition, prepare_study

    items = tmp_path / "items.csv"
    items.write_text("name,category\nred,warm\norange,warm\nblue,cold\nteal,cold\n")
    (tmp_path / "images").mkdir()
    for name, colour in [("red", "#d22"), ("orange", "#e82"), ("blue", "#22d"), ("teal", "#2aa")]:
        Image.new("RGB", (64, 48), colour).save(tmp_path / "images" / f"{name}.png")
    definition = tmp_path / "study.toml"
    definition.write_text(
        '[study]\nname = "colours"\nparadigm = "triplets"\nparticipant_pattern = "p[0-9]+"\n'
        '[items]\nsource = "file"\nfile = "items.csv"\nimage = "images/{name}.png"\n'
        "[trials]\nn = 4\npractice = 1\nattention_checks = 1\n")
    return definition, prepare_study(load_definition(definition, overrides))
