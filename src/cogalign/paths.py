"""Where cogalign looks for files: the dataset search path and the on-disk cache.

``COGALIGN_DATA_PATH``
    Colon-separated folders searched first for dataset files (read-only is fine).
``COGALIGN_CACHE``
    The cache folder (downloads, language-model representations and judgments).
    Defaults to the user cache directory, e.g. ``~/.cache/cogalign`` on Linux.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


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
    """
    root = os.environ.get("COGALIGN_CACHE")
    path = Path(root).expanduser() if root else Path(platformdirs.user_cache_dir("cogalign"))
    if subdir:
        path = path / subdir
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def data_search_path() -> list[Path]:
    """Return the folders of ``COGALIGN_DATA_PATH`` in order (empty entries are ignored)."""
    raw = os.environ.get("COGALIGN_DATA_PATH", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]
