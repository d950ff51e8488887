"""Helpers for the online-study tests: short studies, answers, servers on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cogalign.serve.local import ServerProcess as _ServerProcess
from cogalign.studies.library import shipped_folder

REPO = Path(__file__).resolve().parents[2]
STUDIES = shipped_folder()  # a folder of the studies that ship with cogalign
PARADIGMS = ("intertemporal", "risky", "rotation", "similarity", "triplets")

#: Overrides that make every shipped study short and quick (item lists from the study folder).
SHORT = (
    "trials.n=4",
    "trials.practice=1",
    "trials.attention_checks=1",
    "trials.break_every=2",
    "timing.fixation=0",
    "timing.iti=0",
    "timing.confirm=0",
    "triplets:items.source=file",
    "similarity:items.n=5",
    "similarity:trials.repeats=1",
)

#: Rate limits high enough for many simulated participants from one address.
OPEN_LIMITS = ("start=100000/1", "trial=100000/1")

ADMIN_TOKEN = "admin-token-for-tests"


def short_studies(overrides: tuple[str, ...] = SHORT) -> dict[str, Any]:
    """The shipped studies, short, as the server loads them."""
    from cogalign.serve.studyset import load_studies

    return load_studies(STUDIES, overrides)


def answer(trial: int, value: float, *, key: str | None = None, device: str | None = None,
           rt: float = 0.8) -> dict[str, Any]:
    """An answer as the page sends it."""
    return {"trial": trial, "value": value, "rt": rt, "key": key,
            "device": device or ("keyboard" if key is not None else "mouse"),
            "onset_utc": "2026-01-01T12:00:00.000Z", "response_utc": "2026-01-01T12:00:00.800Z"}


def server_process(db: str, log: Path, *, studies: Path = STUDIES,
                   overrides: tuple[str, ...] = SHORT, workers: int = 1) -> _ServerProcess:
    """A ``cogalign serve`` subprocess for the tests (open rate limits, the test admin token,
    no dataset search path so the shipped item lists are used)."""
    env = {k: v for k, v in os.environ.items() if k != "COGALIGN_DATA_PATH"}
    env.setdefault("PYTHONPATH", str(REPO / "src"))
    return _ServerProcess(studies, db, log, overrides=overrides, rate_limits=OPEN_LIMITS,
                          admin_token=ADMIN_TOKEN, workers=workers, env=env)


def run_async(coroutine: Coroutine) -> Any:
    """Run a coroutine to completion in its own thread (Playwright's sync API may already
    run an event loop in this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_until(page: Any, function: str, arg: Any = None, timeout: float = 20.0) -> Any:
    """Poll a JavaScript function in the page until it returns something true.

    ``page.evaluate`` goes through the DevTools protocol, which the page's content security
    policy does not restrict (Playwright's own ``wait_for_function`` polls with ``eval``).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(function, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g} s for {function}")
        time.sleep(0.02)


@contextmanager
def watched_page(browser: Any, width: int, height: int) -> Iterator[Any]:
    """A page in a fresh browser context whose errors, console errors and dialogs are
    collected in ``page.problems`` (a test asserts it stays empty)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    try:
        yield page
    finally:
        context.close()
