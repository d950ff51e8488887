"""On-disk cache of representations and judgments.

Every entry is keyed by a SHA-256 of a canonical JSON description of the request: the model's
identity (name plus revision or a hash of its weight files), the template, pooling, decoding
settings and the items. Entries live under ``cogalign.paths.cache_dir("llm")``::

    embed/<key>/meta.json, states.npy   representations (layer-major, memory-mapped on read)
    judge/<key>.npz                     local-model judgments
    chat/<key>.json                     one chat-completion response
    hashes.json                         memo of weight-file hashes (path, size, mtime -> sha256)
    models/                             model files assembled from packages (e.g. gemma3-270m)

Every write goes through :mod:`cogalign.atomic` (a temporary name in the same folder, moved
into place with :func:`os.replace` or a directory rename), so a crashed or concurrent run
never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from cogalign.atomic import atomic_open, atomic_write_bytes
from cogalign.errors import CogalignError
from cogalign.paths import (
    CacheError,
    cache_dir,
    cache_root,
    ensure_folder,
    is_temporary,
    usable_folder,
)

__all__ = [
    "CACHE_VERSION",
    "KINDS",
    "STALE_SECONDS",
    "atomic_save_npz",
    "atomic_write_json",
    "cache_clear",
    "cache_info",
    "file_sha256",
    "hash_strings",
    "llm_cache_dir",
    "load_npz",
    "make_key",
]

#: Bumped whenever the meaning of a cached entry changes, so old entries are not reused.
CACHE_VERSION = 1

KINDS = ("embed", "judge", "chat")


def llm_cache_dir(kind: str | None = None) -> Path:
    """Return the language-model cache folder, or the sub-folder of one entry kind.

    Parameters
    ----------
    kind
        ``"embed"``, ``"judge"``, ``"chat"`` or ``None`` for the root.

    Returns
    -------
    pathlib.Path
        The folder (created if missing).

    Raises
    ------
    cogalign.paths.CacheError
        When the folder cannot be created (``COGALIGN_CACHE`` is a file, or read-only).
    """
    root = cache_dir("llm")
    if kind is None:
        return root
    if kind not in KINDS and kind != "models":
        raise ValueError(f"unknown cache kind {kind!r}; expected one of {KINDS}")
    return ensure_folder(root / kind)


def _canonical(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def make_key(description: Mapping[str, Any]) -> str:
    """Return the cache key (64 hex digits) of a request description.

    Parameters
    ----------
    description
        JSON-serialisable mapping; key order does not matter.

    Returns
    -------
    str
        SHA-256 of the canonical JSON of ``{"cache_version": ..., **description}``.
    """
    payload = {"cache_version": CACHE_VERSION, **description}
    text = json.dumps(_canonical(payload), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_strings(values: Iterable[str]) -> str:
    """Return a SHA-256 of a sequence of strings (order matters, separators cannot collide)."""
    digest = hashlib.sha256()
    count = 0
    for value in values:
        data = str(value).encode("utf-8", "surrogatepass")  # lone surrogates hash too
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
        count += 1
    digest.update(count.to_bytes(8, "little"))
    return digest.hexdigest()


# --------------------------------------------------------------------------- atomic writes


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as canonical JSON (sorted keys) to ``path`` atomically."""
    text = json.dumps(_canonical(obj), indent=1, sort_keys=True, default=str)
    atomic_write_bytes(Path(path), text.encode("utf-8"))


def atomic_save_npz(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Save arrays plus a JSON ``meta`` record to an ``.npz`` file atomically."""
    with atomic_open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(_canonical(meta), default=str)), **arrays)


def load_npz(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read an ``.npz`` written by :func:`atomic_save_npz`; returns ``(arrays, meta)``."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "__meta__"}
        meta = json.loads(str(data["__meta__"])) if "__meta__" in data.files else {}
    return arrays, meta


# --------------------------------------------------------------------------- file hashes


def _sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return a file's SHA-256, memoised on (path, size, mtime) in ``hashes.json``.

    Hashing a model file once costs a fraction of a second per 100 MB; later calls read the memo,
    so a cache hit never re-reads weights. A cache that cannot be used (read-only, or
    ``COGALIGN_CACHE`` naming a file) only costs the memo: the file is hashed every time.
    """
    path = Path(path).resolve()
    st = path.stat()
    try:
        memo_path = llm_cache_dir() / "hashes.json"
    except CacheError:
        return _sha256_file(path)
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError, RecursionError):
        memo = {}
    if not isinstance(memo, dict):
        memo = {}
    entry = memo.get(str(path))
    if (isinstance(entry, dict) and entry.get("size") == st.st_size
            and entry.get("mtime_ns") == st.st_mtime_ns and isinstance(entry.get("sha256"), str)):
        return entry["sha256"]
    value = _sha256_file(path)
    memo[str(path)] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": value}
    try:
        atomic_write_json(memo_path, memo)
    except (OSError, CacheError):  # a read-only cache still works, it just re-hashes
        pass
    return value


# --------------------------------------------------------------------------- info / clear

#: A temporary file or folder untouched for this long belongs to a run that was killed;
#: younger ones may belong to a run still writing them, and ``cache clear`` keeps them.
STALE_SECONDS = 3600.0


def _llm_root() -> Path:
    """The language-model cache folder, not created; an error when a file is in its way."""
    root = cache_dir("llm", create=False)
    usable_folder(root)
    return root


def _entries(kind: str) -> list[Path]:
    folder = _llm_root() / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _temporaries() -> list[Path]:
    """Temporary files and folders anywhere in the cache (downloads, entries, models)."""
    root = cache_root()
    found: list[Path] = []
    if not root.is_dir():
        return found
    for folder, subfolders, files in os.walk(root):
        for name in list(subfolders):
            if is_temporary(name):
                found.append(Path(folder) / name)
                subfolders.remove(name)
        found += [Path(folder) / name for name in files if is_temporary(name)]
    return sorted(found)


def _size(path: Path) -> int:
    try:
        if not path.is_dir():
            return path.lstat().st_size
        total = 0
        for f in path.rglob("*"):
            try:
                total += f.lstat().st_size if f.is_file() else 0
            except OSError:  # removed meanwhile by another process
                continue
        return total
    except OSError:
        return 0


def _last_modified(path: Path) -> float:
    """The newest modification time of a file, or of anything inside a folder."""
    try:
        newest = path.lstat().st_mtime
    except OSError:
        return 0.0
    if path.is_dir():
        for f in path.rglob("*"):
            try:
                newest = max(newest, f.lstat().st_mtime)
            except OSError:
                continue
    return newest


def _entry_model(path: Path) -> str | None:
    try:
        if path.is_dir():
            meta = json.loads((path / "meta.json").read_text())
        elif path.suffix == ".json":
            meta = json.loads(path.read_text())
        elif path.suffix == ".npz":
            _, meta = load_npz(path)
        else:
            return None
    except (OSError, ValueError, KeyError, RecursionError):
        return None
    if not isinstance(meta, dict):
        return None
    found = meta.get("model_id") or meta.get("model")
    return found if isinstance(found, str) else None


def _remove(path: Path) -> None:
    """Delete a cache entry so that it is either whole or gone, never half-deleted.

    A folder is first renamed to a temporary name (atomic), then deleted; if deleting fails
    midway, what is left is a temporary folder, which ``cache info`` counts and a later
    ``cache clear`` removes.
    """
    if path.is_dir() and not path.is_symlink():
        doomed = path.with_name(f".{path.name}.{os.getpid()}-{time.monotonic_ns()}.tmp")
        os.rename(path, doomed)
        shutil.rmtree(doomed)
    else:
        path.unlink()


def cache_info() -> dict[str, Any]:
    """Summarise the language-model cache.

    Returns
    -------
    dict
        ``{"path": str, "total_bytes": int, "kinds": {kind: {"entries": int, "bytes": int}},
        "temporary": {"entries": int, "bytes": int}}`` for the kinds ``embed``, ``judge``,
        ``chat`` and ``models``; ``temporary`` counts the files and folders that interrupted
        writes left anywhere in the cache (downloads included); ``total_bytes`` counts both.
        Nothing is created.

    Raises
    ------
    cogalign.paths.CacheError
        When ``COGALIGN_CACHE`` (or a folder above it) is a file.
    """
    root = _llm_root()
    kinds = {}
    total = 0
    for kind in (*KINDS, "models"):
        entries = _entries(kind)
        size = sum(_size(p) for p in entries)
        kinds[kind] = {"entries": len(entries), "bytes": size}
        total += size
    temporaries = _temporaries()
    size = sum(_size(p) for p in temporaries)
    total += size
    return {"path": str(root), "total_bytes": total, "kinds": kinds,
            "temporary": {"entries": len(temporaries), "bytes": size}}


def cache_clear(
    kind: str | None = None, *, model: str | None = None, older_than_days: float | None = None
) -> dict[str, Any]:
    """Delete cache entries, and the temporary files that killed runs left behind.

    Parameters
    ----------
    kind
        Only this kind (``"embed"``, ``"judge"``, ``"chat"``, ``"models"``, or ``"temporary"``
        for the temporary files only); all kinds when None.
    model
        Only entries whose recorded model id contains this string (temporary files, which
        record no model, are then kept).
    older_than_days
        Only entries last modified more than this many days ago.

    Returns
    -------
    dict
        ``{"path": the language-model cache folder, "entries": removed count,
        "bytes": freed bytes (entries and temporary files),
        "temporary": temporary files and folders removed, "temporary_kept": those kept because
        they were written to in the last hour (:data:`STALE_SECONDS`), so may belong to a
        running program}``.

    Raises
    ------
    cogalign.paths.CacheError
        When ``COGALIGN_CACHE`` is a file, or some entries could not be deleted (a read-only
        cache); the message says how many were removed and which were not.
    CogalignError
        When ``older_than_days`` is negative, infinite or NaN (which would remove everything
        or nothing without saying so).
    """
    known = (*KINDS, "models", "temporary")
    kinds = known if kind is None else (kind,)
    for k in kinds:
        if k not in known:
            raise ValueError(f"unknown cache kind {k!r}; expected one of {known}")
    if older_than_days is not None and not (math.isfinite(older_than_days) and older_than_days >= 0):
        raise CogalignError(
            f"the age limit must be a number of days >= 0, got {older_than_days!r}; nothing was "
            "removed"
        )
    root = _llm_root()
    removed = 0
    freed = 0
    failed: list[tuple[Path, OSError]] = []
    now = time.time()
    for k in kinds:
        if k == "temporary":
            continue
        for entry in _entries(k):
            if model is not None:
                recorded = _entry_model(entry)
                if recorded is None or model not in recorded:
                    continue
            if older_than_days is not None:
                if now - _last_modified(entry) < older_than_days * 86400:
                    continue
            size = _size(entry)
            try:
                _remove(entry)
            except FileNotFoundError:  # removed meanwhile by another process
                continue
            except OSError as exc:
                failed.append((entry, exc))
                continue
            removed += 1
            freed += size
    temporary = kept = 0
    if model is None:
        stale = max(STALE_SECONDS, (older_than_days or 0.0) * 86400)
        inside = None if kind in (None, "temporary") else root / kind
        for tmp in _temporaries():
            if inside is not None and not tmp.is_relative_to(inside):
                continue
            if now - _last_modified(tmp) < stale:
                kept += 1
                continue
            size = _size(tmp)
            try:
                if tmp.is_dir() and not tmp.is_symlink():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                failed.append((tmp, exc))
                continue
            temporary += 1
            freed += size
    if kind is None and model is None and older_than_days is None:
        try:
            (root / "hashes.json").unlink(missing_ok=True)
        except OSError as exc:
            failed.append((root / "hashes.json", exc))
    if failed:
        path, exc = failed[0]
        raise CacheError(
            f"removed {removed} entries and {temporary} temporary files, but {len(failed)} could "
            f"not be removed ({path}: {exc.strerror or exc}); is the cache folder {root} "
            "read-only?"
        )
    return {"path": str(root), "entries": removed, "bytes": freed, "temporary": temporary,
            "temporary_kept": kept}
