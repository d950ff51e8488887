"""Reading pickles that hold plain data only, without running code from the file.

A pickle is a small program: unpickling it can import any module and call any function the
file names, so ``pickle.load`` on a downloaded file runs whatever its author wanted. The
belief-embedding data of Lee et al. (2024) is published as a pickle of plain containers
(``dict`` of ``dict`` of ``list`` of ``int`` and ``str``). :func:`load_plain_pickle` reads
such files with an unpickler that refuses every global (``find_class`` raises), so a file
that asks for any module attribute - ``os.system``, ``builtins.eval``, a pandas class - is
refused before anything is called. Only the built-in opcodes for ``None``, booleans,
numbers, strings, bytes, lists, tuples, dicts and sets remain.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["UnsafePickleError", "load_plain_pickle", "loads_plain_pickle"]


class UnsafePickleError(CogalignError):
    """A pickle asks for a global (a module attribute) or is not a readable pickle."""


class _NoGlobalsUnpickler(pickle.Unpickler):
    """An unpickler for which every global lookup is refused."""

    def __init__(self, file: Any, source: str):
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:  # noqa: D401 - pickle's hook
        raise UnsafePickleError(
            f"{self._source}: refused to unpickle: the file asks for the global "
            f"{module}.{name}, and only plain data (dicts, lists, strings, numbers) is allowed"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError(
            f"{self._source}: refused to unpickle: the file uses a persistent id ({pid!r})"
        )


def loads_plain_pickle(data: bytes, *, source: str = "<bytes>") -> Any:
    """Unpickle bytes that hold plain data only.

    Parameters
    ----------
    data
        The pickled bytes.
    source
        Name used in error messages.

    Returns
    -------
    object
        The unpickled containers.

    Raises
    ------
    UnsafePickleError
        When the pickle needs any global, or is truncated or not a pickle.
    """
    try:
        return _NoGlobalsUnpickler(io.BytesIO(data), source).load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # truncated, corrupt or not a pickle at all
        raise UnsafePickleError(f"{source}: not a readable pickle ({type(exc).__name__}: {exc})") from None


def load_plain_pickle(path: str | Path) -> Any:
    """Read a pickle file that holds plain data only (never :func:`pickle.load`).

    Parameters
    ----------
    path
        The ``.p`` / ``.pkl`` file.

    Returns
    -------
    object
        The unpickled containers.

    Raises
    ------
    UnsafePickleError
        When the file needs any global (a class, a function), naming the file and the global.
    CogalignError
        When the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    return loads_plain_pickle(path.read_bytes(), source=str(path))
