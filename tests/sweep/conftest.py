"""Fixtures of the sweep tests: the toy paradigm registered at run time, sweep files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def toy():
    """The toy paradigm of toy_sweep_paradigm.py, registered for the test and removed after."""
    import toy_sweep_paradigm

    from cogalign.paradigms import register_paradigm, unregister_paradigm

    register_paradigm(toy_sweep_paradigm.PARADIGM)
    yield toy_sweep_paradigm
    unregister_paradigm("toysweep")


@pytest.fixture
def write_sweep(tmp_path):
    """Write a sweep file from text; returns its path."""

    def write(text: str, name: str = "sweep.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
