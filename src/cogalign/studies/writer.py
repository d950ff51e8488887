"""Append-only, crash-safe trial files.

:class:`TrialWriter` appends one CSV row per finished trial and makes it durable before the
next trial starts: the row is written with a single ``write`` to a file opened in append mode,
then ``fsync``-ed. The header is written (and synced, with the folder) when the file is
created, and creation uses ``O_EXCL``, so an existing file is never truncated or replaced.
An exclusive ``flock`` keeps a second program from writing the same file at the same time.

Reopening an existing file (``resume=True``) reads back every complete row. A last line
without its newline (the program died in the middle of a write) is not a finished trial: the
whole file is first copied to ``<name>.partial-<UTC time>`` next to it, so nothing is lost,
and the incomplete line is then cut off so the trial runs again.

:class:`EventLog` appends JSON lines the same way (session start, resume, breaks, stop, end).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["EventLog", "TrialWriter", "format_cell", "utc_now"]


def utc_now() -> str:
    """The current time as ISO 8601 UTC with microseconds, e.g. ``2026-01-31T12:00:00.123456Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_cell(value: Any) -> str:
    """The CSV text of one value.

    ``None`` and NaN become an empty cell; whole floats are written without a decimal point
    (``5.0`` -> ``5``); other floats with the shortest text that reads back exactly; lists
    become JSON text (``[10, -5]``); booleans become ``1``/``0``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, list | tuple):
        return json.dumps([_json_number(v) for v in value])
    if hasattr(value, "item"):  # numpy scalar
        return format_cell(value.item())
    return str(value)


def _json_number(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def _row_text(cells: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _lock(fd: int, path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise CogalignError(f"{path} is being written by another program") from None


class _AppendFile:
    """A file opened for appending, locked, with each write synced to disk."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def create(self, first: str) -> None:
        """Create the file (it must not exist) and write its first text."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o666)
        except FileExistsError:
            raise CogalignError(f"{self.path} exists; refusing to overwrite it") from None
        _lock(fd, self.path)
        self.fd = fd
        if first:
            self.append(first)
        _fsync_folder(self.path.parent)

    def reopen(self) -> str:
        """Open an existing file for appending; return its text (after repairing a torn end)."""
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        _lock(fd, self.path)
        self.fd = fd
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            stamp = utc_now().replace(":", "").replace("-", "")
            backup = self.path.with_name(f"{self.path.name}.partial-{stamp}")
            shutil.copy2(self.path, backup)
            with open(backup, "rb+") as fh:
                os.fsync(fh.fileno())
            os.ftruncate(fd, keep)
            os.fsync(fd)
            _fsync_folder(self.path.parent)
            data = data[:keep]
        return data.decode("utf-8")

    def append(self, text: str) -> None:
        if self.fd is None:
            raise CogalignError(f"{self.path} is not open")
        _write_all(self.fd, text.encode("utf-8"))
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class TrialWriter:
    """Append one row per finished trial to a CSV file, durably.

    Parameters
    ----------
    path
        The CSV file.
    columns
        Its columns, in order (the header).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p1.csv"
    >>> w = TrialWriter(path, ["participant_id", "trial", "rt"])
    >>> w.open(resume=False)                  # creates the file; no rows yet
    []
    >>> w.append({"participant_id": "p1", "trial": 0, "rt": 0.8})  # written and synced
    >>> w.close()
    >>> path.read_text().splitlines()
    ['participant_id,trial,rt', 'p1,0,0.8']
    """

    def __init__(self, path: str | Path, columns: Sequence[str]):
        self.path = Path(path)
        self.columns = list(columns)
        self._file = _AppendFile(self.path)
        self.rows_written = 0

    def __enter__(self) -> TrialWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self, *, resume: bool) -> list[dict[str, str]]:
        """Create the file, or reopen it to continue.

        Parameters
        ----------
        resume
            ``False``: the file must not exist; it is created with its header. ``True``: the
            file is reopened if it exists (its header must equal :attr:`columns`) and created
            otherwise.

        Returns
        -------
        list of dict
            The rows already in the file (cell text by column); empty for a new file.

        Raises
        ------
        CogalignError
            When the file exists and ``resume`` is false, when its header differs, or when
            another program holds it.
        """
        if not self.path.exists():
            self._file.create(_row_text(self.columns))
            return []
        if not resume:
            raise CogalignError(f"{self.path} exists; refusing to overwrite it")
        text = self._file.reopen()
        if not text:
            # created but the header never reached the disk: write it now
            self._file.append(_row_text(self.columns))
            return []
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        if header != self.columns:
            self.close()
            raise CogalignError(
                f"{self.path}: its columns {header} differ from this study's {self.columns}; "
                "was it written by another study or version?"
            )
        rows = []
        for n, cells in enumerate(reader, start=2):
            if len(cells) != len(header):
                self.close()
                raise CogalignError(
                    f"{self.path}, line {n}: {len(cells)} cells for {len(header)} columns"
                )
            rows.append(dict(zip(header, cells, strict=True)))
        return rows

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one row and sync it to disk before returning.

        Raises
        ------
        CogalignError
            When the row lacks a column or has one the file does not.
        """
        missing = [c for c in self.columns if c not in row]
        unknown = [c for c in row if c not in self.columns]
        if missing or unknown:
            raise CogalignError(
                f"{self.path}: row has missing columns {missing} / unknown columns {unknown}"
            )
        self._file.append(_row_text([format_cell(row[c]) for c in self.columns]))
        self.rows_written += 1

    def close(self) -> None:
        """Release the file (every row is already on disk)."""
        self._file.close()


class EventLog:
    """Append-only JSON-lines log of a session's events, each line synced to disk.

    Parameters
    ----------
    path
        The ``.jsonl`` file.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = _AppendFile(self.path)

    def open(self, *, resume: bool) -> list[dict[str, Any]]:
        """Create the log (or reopen it with ``resume``) and return the events already in it."""
        if not self.path.exists():
            self._file.create("")
            return []
        if not resume:
            raise CogalignError(f"{self.path} exists; refusing to overwrite it")
        text = self._file.reopen()
        events = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                raise CogalignError(f"{self.path}, line {n}: not valid JSON") from None
        return events

    def write(self, event: str, **fields: Any) -> None:
        """Append one event with the current UTC time."""
        record = {"time_utc": utc_now(), "event": event, **fields}
        self._file.append(json.dumps(record, default=str) + "\n")

    def close(self) -> None:
        """Release the log."""
        self._file.close()


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Read a trial CSV file as text rows (for checks and tests)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))

