"""Progress of a sweep: cells done, failed and remaining, and an estimate of the time left."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds: float | None) -> str:
    """``"45 s"``, ``"12 min"``, ``"3.5 h"``; ``"unknown"`` for ``None``."""
    if seconds is None:
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@dataclass
class Progress:
    """Counts of a running sweep.

    Attributes
    ----------
    total
        Cells in the sweep.
    skipped
        Cells finished by an earlier run (not run again).
    done, failed
        Cells this run finished, and those of them that failed.
    started
        ``time.monotonic()`` when this run started.
    """

    total: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def remaining(self) -> int:
        """Cells not finished yet."""
        return self.total - self.skipped - self.done

    def add(self, ok: bool) -> None:
        """Count one finished cell."""
        self.done += 1
        if not ok:
            self.failed += 1

    def seconds_left(self) -> float | None:
        """Time left at the pace of this run so far (``None`` before the first cell ends)."""
        if self.done == 0:
            return None
        return (time.monotonic() - self.started) / self.done * self.remaining

    def line(self, label: str = "") -> str:
        """One line of progress, e.g. ``[3/10] ok 2, failed 1, left 7, about 2 min left``."""
        finished = self.skipped + self.done
        earlier = f" ({self.skipped} from an earlier run)" if self.skipped else ""
        text = (f"[{finished}/{self.total}] ok {finished - self.failed}, failed {self.failed}, "
                f"left {self.remaining}{earlier}, about {format_seconds(self.seconds_left())} "
                "left")
        return f"{text}: {label}" if label else text
