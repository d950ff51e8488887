"""Where cogalign looks for files: the dataset search path and the on-disk cache.

``COGALIGN_DATA_PATH``
    Folders searched first for dataset files (read-only is fine), separated by ``os.pathsep``
    (``:`` on Linux and macOS). An entry that exists but is not a folder is an error.
``COGALIGN_CACHE``
    The cache folder (downloads, language-model representations and judgments).
    Defaults to the user cache directory, e.g. ``~/.cache/cogalign`` on Linux.

Files and folders cogalign creates get the permissions the user's umask allows (``0644`` and
``0755`` with the usual ``022``), so colleagues sharing a lab folder can read them; temporary
files are created private and opened up just before they are moved into place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

from cogalign.errors import CogalignError

__all__ = [
    "TEMP_SUFFIXES",
    "CacheError",
    "DataPathError",
    "FolderError",
    "apply_umask",
    "cache_dir",
    "cache_root",
    "current_umask",
    "data_search_path",
    "ensure_folder",
    "is_temporary",
    "temp_file",
    "temp_folder",
    "usable_folder",
]

#: Endings of the names of temporary files and folders (their names also start with ``.``).
TEMP_SUFFIXES = (".tmp", ".part")


class FolderError(CogalignError):
    """A folder cogalign must write to cannot be used (a file is in the way, or no permission)."""


class CacheError(FolderError):
    """The cache folder cannot be used (it is a file, or it cannot be created or written)."""


class DataPathError(CogalignError):
    """An entry of ``COGALIGN_DATA_PATH`` is not a folder."""


def cache_root() -> Path:
    """The cache folder named by ``COGALIGN_CACHE`` (or the default), without creating it."""
    root = os.environ.get("COGALIGN_CACHE", "").strip()
    return Path(root).expanduser() if root else Path(platformdirs.user_cache_dir("cogalign"))


def _blocking_file(path: Path) -> Path | None:
    """The first existing component of ``path`` (itself included) that is not a folder."""
    for part in [*reversed(path.parents), path]:
        if part.exists() and not part.is_dir():
            return part
    return None


def ensure_folder(path: str | Path, *, what: str = "cache") -> Path:
    """Create a folder (and its parents) or explain in one line why it cannot be.

    Parameters
    ----------
    path
        The folder.
    what
        What the folder is for, used in the message (``"cache"`` adds the hint to set
        ``COGALIGN_CACHE``).

    Returns
    -------
    pathlib.Path
        The folder, which exists.

    Raises
    ------
    FolderError
        When a file stands where a folder is needed, or the folder cannot be created
        (read-only file system, no permission); a :class:`CacheError` for the cache.
    """
    path = Path(path)
    error = CacheError if what == "cache" else FolderError
    hint = " (set COGALIGN_CACHE to a writable folder)" if what == "cache" else ""
    blocking = _blocking_file(path)
    if blocking is not None:
        raise error(
            f"the {what} folder {path} cannot be used: {blocking} is a file, not a folder{hint}"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise error(f"cannot create the {what} folder {path}: {exc.strerror or exc}{hint}") from None
    return path


def usable_folder(path: str | Path, *, what: str = "cache") -> bool:
    """Whether a folder exists, without creating it; an error when a file is in its way.

    Returns
    -------
    bool
        ``True`` when the folder exists, ``False`` when it does not (yet).

    Raises
    ------
    FolderError
        When the path, or a folder above it, is a file (:class:`CacheError` for the cache).
    """
    path = Path(path)
    blocking = _blocking_file(path)
    if blocking is not None:
        error = CacheError if what == "cache" else FolderError
        hint = " (set COGALIGN_CACHE to a folder)" if what == "cache" else ""
        raise error(f"the {what} folder {path} cannot be used: {blocking} is a file, not a folder{hint}")
    return path.is_dir()


def cache_dir(subdir: str | None = None, *, create: bool = True) -> Path:
    """Return the cogalign cache folder, or one of its sub-folders.

    Parameters
    ----------
    subdir
        Optional sub-folder name, e.g. ``"datasets"`` or ``"llm"``.
    create
        Create the folder if it does not exist.

    Returns
    -------
    pathlib.Path
        ``$COGALIGN_CACHE[/subdir]``, or the user cache directory when the variable is unset.

    Raises
    ------
    CacheError
        With ``create=True``, when the folder cannot be created (see :func:`ensure_folder`).
    """
    path = cache_root()
    if subdir:
        path = path / subdir
    if create:
        ensure_folder(path)
    return path


def data_search_path() -> list[Path]:
    """Return the folders of ``COGALIGN_DATA_PATH`` in order (empty entries are ignored).

    Raises
    ------
    DataPathError
        When an entry exists but is a file (a common slip: naming the data file itself
        instead of the folder holding it).
    """
    raw = os.environ.get("COGALIGN_DATA_PATH", "")
    folders = [Path(p.strip()).expanduser() for p in raw.split(os.pathsep) if p.strip()]
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise DataPathError(
                f"COGALIGN_DATA_PATH entry {folder} is a file; list the folders that hold the "
                f"dataset files (e.g. {folder.parent}), separated by '{os.pathsep}'"
            )
    return folders


def current_umask() -> int:
    """The process's file-creation mask (e.g. ``0o022``), read without changing it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it, then put it back at once
    os.umask(mask)
    return mask


def apply_umask(path: str | Path, *, fd: int | None = None) -> None:
    """Give a file or folder the permissions a plain ``open``/``mkdir`` would have given.

    :func:`tempfile.mkstemp` and :func:`tempfile.mkdtemp` create private entries (``0600``,
    ``0700``); once renamed into place they would stay unreadable to the user's group. Call
    this on a temporary file or folder before publishing it.

    Parameters
    ----------
    path
        The file or folder.
    fd
        An open descriptor of the file, if there is one (used instead of the path).
    """
    folder = fd is None and Path(path).is_dir()
    mode = (0o777 if folder else 0o666) & ~current_umask()
    if fd is not None:
        os.fchmod(fd, mode)
    else:
        os.chmod(path, mode)


def is_temporary(name: str) -> bool:
    """Whether a file or folder name is one :func:`temp_file` or :func:`temp_folder` makes."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIXES)


def _role(folder: Path) -> str:
    try:
        inside = folder.resolve().is_relative_to(cache_root().resolve())
    except OSError:
        inside = False
    return "cache" if inside else "output"


def temp_file(folder: str | Path, name: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """Create a temporary file in ``folder``, to be renamed to ``name`` once complete.

    Its name is ``.<name>.<random><suffix>`` (see :func:`is_temporary`) and its permissions
    those the umask allows (:func:`apply_umask`).

    Parameters
    ----------
    folder
        Where the final file will be (created if missing).
    name
        The final file's name.
    suffix
        ``".tmp"``, or ``".part"`` for downloads.

    Returns
    -------
    tuple
        ``(descriptor, path)``, the file open for writing.

    Raises
    ------
    FolderError
        When the folder cannot be created or written (:class:`CacheError` in the cache).
    """
    folder = Path(folder)
    role = _role(folder)
    ensure_folder(folder, what=role)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=suffix)
    except OSError as exc:
        raise _unwritable(folder, role, exc) from None
    apply_umask(tmp, fd=fd)
    return fd, Path(tmp)


def temp_folder(folder: str | Path, name: str) -> Path:
    """Create a temporary folder in ``folder``, to be renamed to ``name`` once complete.

    Named ``.<name>.<random>.tmp``, with the permissions the umask allows.

    Raises
    ------
    FolderError
        When the folder cannot be created or written (:class:`CacheError` in the cache).
    """
    folder = Path(folder)
    role = _role(folder)
    ensure_folder(folder, what=role)
    try:
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=f".{name}.", suffix=".tmp"))
    except OSError as exc:
        raise _unwritable(folder, role, exc) from None
    apply_umask(tmp)
    return tmp


def _unwritable(folder: Path, role: str, exc: OSError) -> FolderError:
    if role == "cache":
        return CacheError(
            f"cannot write to the cache folder {folder}: {exc.strerror or exc} "
            "(set COGALIGN_CACHE to a writable folder)"
        )
    return FolderError(f"cannot write to the folder {folder}: {exc.strerror or exc}")
