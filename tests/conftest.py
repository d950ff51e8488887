"""Shared fixtures: an isolated cache, and real datasets that skip with a reason when absent."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Point COGALIGN_CACHE at a temporary folder unless the caller chose one."""
    if "COGALIGN_CACHE" in os.environ:
        yield
        return
    os.environ["COGALIGN_CACHE"] = str(tmp_path_factory.mktemp("cogalign-cache"))
    yield
    del os.environ["COGALIGN_CACHE"]


@pytest.fixture(scope="session")
def load_dataset():
    """Load a registered dataset from the search path; skip the test when it is absent.

    A file that is present but fails its sha256 fails the test (it does not skip).
    """
    from cogalign.data import load
    from cogalign.errors import DatasetNotFoundError

    loaded: dict = {}

    def _load(name: str):
        if name not in loaded:
            try:
                loaded[name] = load(name, download=False, progress=False)
            except DatasetNotFoundError as exc:
                pytest.skip(f"dataset '{name}' not available (set COGALIGN_DATA_PATH): {exc}")
        return loaded[name]

    return _load
