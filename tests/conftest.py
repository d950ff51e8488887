"""Shared fixtures: an isolated cache, real datasets that skip with a reason when absent, the
benchmark scripts as modules, and one Chromium for the browser tests."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

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
def benchmark_module():
    """Load a script of ``benchmarks/`` as a module: ``benchmark_module("bayes")``."""
    folder = Path(__file__).resolve().parents[1] / "benchmarks"

    def _load(name: str):
        spec = importlib.util.spec_from_file_location(f"cogalign_{name}_benchmark",
                                                      folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return _load


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


#: Debian's Chromium in a container: no sandbox, no GPU, no network calls of its own.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, one for the whole session.

    Playwright's own browser download is not used. There is one such fixture for every test
    folder: a second ``sync_playwright()`` cannot start while the first is open.
    """
    import importlib.util
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium not installed (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright not installed (pip install 'cogalign[serve]')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
