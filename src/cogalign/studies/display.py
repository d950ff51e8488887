"""A virtual X display (Xvfb) for running studies and taking screenshots without a monitor.

>>> with virtual_display() as display:      # doctest: +SKIP
...     print(display)                       # e.g. ":3"; DISPLAY is set inside the block
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from cogalign.errors import CogalignError

__all__ = ["start_xvfb", "stop_xvfb", "virtual_display"]


def start_xvfb(size: tuple[int, int] = (1920, 1080), timeout: float = 20.0) -> tuple[subprocess.Popen, str]:
    """Start ``Xvfb`` on a free display number.

    Parameters
    ----------
    size
        Screen width and height in pixels.
    timeout
        Seconds to wait for the server to be ready.

    Returns
    -------
    tuple
        The server process and its display name (``":N"``).

    Raises
    ------
    CogalignError
        When ``Xvfb`` is not installed or does not start.
    """
    exe = shutil.which("Xvfb")
    if exe is None:
        raise CogalignError("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write_fd), "-screen", "0", f"{size[0]}x{size[1]}x24",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    text = b""
    deadline = time.monotonic() + timeout
    try:
        while not text.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or proc.poll() is not None:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                break
            chunk = os.read(read_fd, 64)
            if not chunk:
                break
            text += chunk
    finally:
        os.close(read_fd)
    if not text.strip().isdigit():
        stop_xvfb(proc)
        raise CogalignError("Xvfb did not start (no display number within the timeout)")
    return proc, f":{text.strip().decode()}"


def stop_xvfb(proc: subprocess.Popen) -> None:
    """Stop an ``Xvfb`` process started by :func:`start_xvfb`."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()


@contextmanager
def virtual_display(size: tuple[int, int] = (1920, 1080)) -> Iterator[str]:
    """Run the block with ``DISPLAY`` pointing at a fresh ``Xvfb`` server.

    Parameters
    ----------
    size
        Screen width and height in pixels.

    Yields
    ------
    str
        The display name.
    """
    proc, display = start_xvfb(size)
    before = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    try:
        yield display
    finally:
        if before is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = before
        stop_xvfb(proc)
