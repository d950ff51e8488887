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
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from cogalign.atomic import atomic_open, atomic_write_bytes
from cogalign.paths import cache_dir

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
    """
    root = cache_dir("llm")
    if kind is None:
        return root
    if kind not in KINDS and kind != "models":
        raise ValueError(f"unknown cache kind {kind!r}; expected one of {KINDS}")
    path = root / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


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
        data = str(value).encode("utf-8")
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
    so a cache hit never re-reads weights.
    """
    path = Path(path).resolve()
    st = path.stat()
    memo_path = llm_cache_dir() / "hashes.json"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    entry = memo.get(str(path))
    if entry and entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns:
        return entry["sha256"]
    value = _sha256_file(path)
    memo[str(path)] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": value}
    try:
        atomic_write_json(memo_path, memo)
    except OSError:  # a read-only cache still works, it just re-hashes
        pass
    return value


# --------------------------------------------------------------------------- info / clear


def _entries(kind: str) -> list[Path]:
    folder = llm_cache_dir() / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


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
    except (OSError, ValueError, KeyError):
        return None
    return meta.get("model_id") or meta.get("model")


def cache_info() -> dict[str, Any]:
    """Summarise the language-model cache.

    Returns
    -------
    dict
        ``{"path": str, "total_bytes": int, "kinds": {kind: {"entries": int, "bytes": int}}}``.
    """
    kinds = {}
    total = 0
    for kind in (*KINDS, "models"):
        entries = _entries(kind)
        size = sum(_size(p) for p in entries)
        kinds[kind] = {"entries": len(entries), "bytes": size}
        total += size
    return {"path": str(llm_cache_dir()), "total_bytes": total, "kinds": kinds}


def cache_clear(
    kind: str | None = None, *, model: str | None = None, older_than_days: float | None = None
) -> dict[str, int]:
    """Delete cache entries.

    Parameters
    ----------
    kind
        Only this kind (``"embed"``, ``"judge"``, ``"chat"``, ``"models"``); all kinds when None.
    model
        Only entries whose recorded model id contains this string.
    older_than_days
        Only entries last modified more than this many days ago.

    Returns
    -------
    dict
        ``{"entries": removed count, "bytes": freed bytes}``.
    """
    kinds = (*KINDS, "models") if kind is None else (kind,)
    for k in kinds:
        if k not in (*KINDS, "models"):
            raise ValueError(f"unknown cache kind {k!r}; expected one of {(*KINDS, 'models')}")
    removed = 0
    freed = 0
    now = time.time()
    for k in kinds:
        for entry in _entries(k):
            if model is not None:
                recorded = _entry_model(entry)
                if recorded is None or model not in recorded:
                    continue
            if older_than_days is not None:
                if now - entry.stat().st_mtime < older_than_days * 86400:
                    continue
            size = _size(entry)
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
            freed += size
    if kind is None and model is None and older_than_days is None:
        (llm_cache_dir() / "hashes.json").unlink(missing_ok=True)
    return {"entries": removed, "bytes": freed}
