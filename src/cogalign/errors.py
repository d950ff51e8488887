"""Exceptions shared across cogalign.

Every error a user can cause derives from :class:`CogalignError`, so the command line can turn
it into a one-line reason and a non-zero exit status.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChecksumError",
    "CogalignError",
    "DatasetNotFoundError",
    "shorten",
]


class CogalignError(Exception):
    """Base class of the errors cogalign raises for bad input or missing resources."""


class DatasetNotFoundError(CogalignError):
    """A dataset file is neither on the search path, nor in the cache, nor downloadable."""


class ChecksumError(CogalignError):
    """A dataset file's sha256 does not match the registry."""


def shorten(text: Any, limit: int = 60) -> str:
    """``repr`` of a text for a message, its first ``limit`` characters when longer.

    >>> shorten("x" * 100, 12)
    "'xxxxxxxxxxxx'... (100 characters)"
    >>> shorten("cat")
    "'cat'"
    """
    value = str(text)
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"
