"""Finding, checking and downloading dataset files.

Lookup order for a registry file ``things/triplets_test.txt``:

1. each folder on ``COGALIGN_DATA_PATH`` (``<folder>/things/triplets_test.txt``);
2. the cache, ``$COGALIGN_CACHE/datasets/things/triplets_test.txt``;
3. a download from the file's source URL(s) into the cache.

Every file found is checked against the registry's sha256 before use. A download is written
to a temporary file next to its destination, checked, then renamed, so an interrupted or
corrupted download never leaves a file that looks valid.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from cogalign.atomic import atomic_open
from cogalign.errors import ChecksumError, DatasetNotFoundError
from cogalign.paths import cache_dir, data_search_path

_HASHES: dict[tuple[str, int, int], str] = {}
CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset.

    Parameters
    ----------
    path
        Relative path used on the search path and in the cache, e.g. ``"rsa92/92_behavRDMs.mat"``.
    urls
        Original source URL(s), tried in order.
    sha256
        Expected hex digest.
    """

    path: str
    urls: tuple[str, ...]
    sha256: str


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file (memoised per path, size and modification time)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(CHUNK), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def _check(path: Path, remote: RemoteFile) -> None:
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise ChecksumError(
            f"{path}: sha256 {actual} does not match the registry's {remote.sha256} for "
            f"'{remote.path}'. The file is corrupted or a different version; it was not used. "
            f"Delete it and fetch again (cogalign datasets fetch --force replaces a cached copy)."
        )


def cached_path(remote: RemoteFile) -> Path:
    """Where a file lives in the cache (whether or not it is there)."""
    return cache_dir("datasets", create=False) / remote.path


def find_local(remote: RemoteFile) -> Path | None:
    """Return the checked local copy of a file (search path first, then cache), or ``None``.

    Raises
    ------
    ChecksumError
        When a copy exists but its sha256 does not match.
    """
    for folder in data_search_path():
        candidate = folder / remote.path
        if candidate.is_file():
            _check(candidate, remote)
            return candidate
    candidate = cached_path(remote)
    if candidate.is_file():
        _check(candidate, remote)
        return candidate
    return None


def locate(remote: RemoteFile, *, download: bool = True, progress: bool = True) -> Path:
    """Return a checked local path for a file, downloading it into the cache if needed.

    Raises
    ------
    DatasetNotFoundError
        When the file is not local and cannot be downloaded; the message names the URL(s) tried
        and where to put the file by hand.
    ChecksumError
        When a local or downloaded copy does not match its sha256.
    """
    found = find_local(remote)
    if found is not None:
        return found
    if not download:
        raise DatasetNotFoundError(_where_to_put(remote, tried=None))
    return download_file(remote, progress=progress)


def _where_to_put(remote: RemoteFile, tried: list[str] | None) -> str:
    search = data_search_path()
    places = [str(cached_path(remote))] + [str(f / remote.path) for f in search]
    text = f"'{remote.path}' is not available locally"
    if tried:
        text += "; download failed: " + "; ".join(tried)
    text += ". Put the file at " + " or ".join(places)
    if not search:
        text += " (or set COGALIGN_DATA_PATH to a folder holding it)"
    return text


def download_file(
    remote: RemoteFile, *, progress: bool = True, force: bool = False, timeout: float = 60.0
) -> Path:
    """Download a file into the cache through a temporary file, check sha256, then rename.

    Parameters
    ----------
    remote
        The file to fetch.
    progress
        Show a progress bar.
    force
        Replace a cached copy (the replacement happens only once the new copy checks out).
    timeout
        Seconds to wait for the server.

    Returns
    -------
    pathlib.Path
        The cached file.
    """
    target = cached_path(remote)
    if target.is_file() and not force:
        _check(target, remote)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tried: list[str] = []
    for url in remote.urls:
        try:
            with atomic_open(target, "wb", suffix=".part") as out, \
                    urllib.request.urlopen(url, timeout=timeout) as resp:
                _receive(resp, out, remote, url, progress)
            return target
        except ChecksumError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            tried.append(f"{url} ({reason})")
    raise DatasetNotFoundError(_where_to_put(remote, tried=tried))


def _receive(resp, out, remote: RemoteFile, url: str, progress: bool) -> None:
    """Copy a response into ``out``, checking its length and sha256 (raises on a mismatch)."""
    total = resp.headers.get("Content-Length")
    expected = int(total) if total and total.isdigit() else None
    received = 0
    digest = hashlib.sha256()
    with tqdm(
        total=expected, unit="B", unit_scale=True, desc=remote.path,
        disable=not progress, leave=False,
    ) as bar:
        for block in iter(lambda: resp.read(CHUNK), b""):
            out.write(block)
            digest.update(block)
            received += len(block)
            bar.update(len(block))
    if expected is not None and received != expected:
        raise OSError(f"incomplete: {received} of {expected} bytes")
    if digest.hexdigest() != remote.sha256:
        raise ChecksumError(
            f"{url}: downloaded file has sha256 {digest.hexdigest()}, expected "
            f"{remote.sha256}; it was discarded"
        )
