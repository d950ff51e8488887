"""Atomic file writes: a file appears complete under its name, or not at all.

Every write goes to a temporary file in the destination folder (so the final rename never
crosses a file system), is flushed and ``fsync``-ed, and is then moved into place with
:func:`os.replace`. When anything fails before the rename the temporary file is removed and
the previous content (if any) is left untouched; a crashed or concurrent writer never leaves a
half-written file behind. Folders are published the same way (:func:`publish_dir`).

>>> from cogalign.atomic import atomic_write_text
>>> atomic_write_text("summary.json", "{}")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = [
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "new_temp_dir",
    "publish_dir",
]


@contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
    suffix: str = ".tmp",
) -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` when the ``with`` block ends without error.

    Parameters
    ----------
    path
        The destination; its folder is created if missing.
    mode
        ``"wb"`` (bytes) or ``"w"`` (text).
    encoding, newline
        Text mode only, as in :func:`open`.
    suffix
        Ending of the temporary file's name (it starts with ``.<name>.``).

    Yields
    ------
    file object
        Write to it; an exception inside the block discards the temporary file and is
        re-raised, leaving ``path`` as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes new files only: mode 'w' or 'wb', got {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, with newlines written as given."""
    with atomic_open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)


def new_temp_dir(parent: Path, name: str) -> Path:
    """Create a fresh temporary folder in ``parent``, next to where ``name`` will be published."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".tmp"))


def publish_dir(tmp: Path, final: Path) -> Path:
    """Move a finished temporary folder to its final name atomically.

    If another process published the same entry first, the temporary folder is discarded and
    the existing entry wins (callers publish content that is the same by construction, e.g. a
    cache entry named by the hash of its request).
    """
    try:
        os.replace(tmp, final)
    except OSError:
        if Path(final).exists():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            raise
    return Path(final)
