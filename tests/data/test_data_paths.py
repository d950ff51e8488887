"""A misconfigured or read-only cache, a file on the search path, killed runs' temporary files,
and file permissions that follow the user's umask."""

import hashlib
import os
import stat
import tempfile
import time

import numpy as np
import pytest

from cogalign.atomic import atomic_write_bytes, new_temp_dir
from cogalign.data import write_psychds
from cogalign.data.files import RemoteFile, download_file, find_local
from cogalign.errors import CogalignError
from cogalign.llm.cache import atomic_save_npz, cache_clear, cache_info, file_sha256, llm_cache_dir
from cogalign.paths import (
    CacheError,
    DataPathError,
    FolderError,
    cache_dir,
    data_search_path,
    temp_file,
)

REMOTE = RemoteFile("toy/file.txt", ("http://127.0.0.1:9/never-contacted",),
                    hashlib.sha256(b"x").hexdigest())


def tree(folder):
    """Every path under ``folder`` with its size, mode and modification time."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        out[str(path)] = (st.st_size, st.st_mode, st.st_mtime_ns)
    return out


@pytest.fixture()
def cache_is_a_file(tmp_path, monkeypatch):
    blocker = tmp_path / "cache.txt"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COGALIGN_CACHE", str(blocker))
    monkeypatch.delenv("COGALIGN_DATA_PATH", raising=False)
    return blocker


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("COGALIGN_DATA_PATH", raising=False)
    return tmp_path / "cache"


def _no_network(*args, **kwargs):
    raise AssertionError("the network was contacted")


@pytest.mark.parametrize("below", ["", "sub/folder"])
def test_a_cache_that_is_a_file_is_named_in_one_line(cache_is_a_file, tmp_path, monkeypatch, below):
    if below:
        monkeypatch.setenv("COGALIGN_CACHE", str(cache_is_a_file / below))
    monkeypatch.setattr("urllib.request.urlopen", _no_network)
    before = tree(tmp_path)
    for action in (lambda: cache_dir("llm"), lambda: llm_cache_dir("embed"), cache_info,
                   cache_clear, lambda: download_file(REMOTE, progress=False)):
        with pytest.raises(CacheError, match=f"{cache_is_a_file} is a file, not a folder"):
            action()
    assert tree(tmp_path) == before


def test_lookups_do_not_fail_on_a_misconfigured_cache(cache_is_a_file):
    assert find_local(REMOTE) is None


def test_file_hashes_work_without_a_usable_cache(cache_is_a_file, tmp_path):
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"abc")
    assert file_sha256(weights) == hashlib.sha256(b"abc").hexdigest()


def test_a_corrupt_hash_memo_is_ignored(fresh, tmp_path):
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"abc")
    llm_cache_dir()
    (fresh / "llm" / "hashes.json").write_text('["not", "a", "memo"]')
    assert file_sha256(weights) == hashlib.sha256(b"abc").hexdigest()


def _deny(*args, **kwargs):
    raise PermissionError(13, "Permission denied")


def test_a_read_only_cache_refuses_downloads_before_the_network(fresh, monkeypatch):
    (fresh / "datasets" / "toy").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "mkstemp", _deny)
    monkeypatch.setattr("urllib.request.urlopen", _no_network)
    before = tree(fresh)
    with pytest.raises(CacheError, match="cannot write to the cache folder .*Permission denied"):
        download_file(REMOTE, progress=False)
    assert tree(fresh) == before


def test_a_read_only_cache_refuses_new_entries_clearly(fresh, monkeypatch):
    llm_cache_dir("chat")
    monkeypatch.setattr(tempfile, "mkstemp", _deny)
    monkeypatch.setattr(tempfile, "mkdtemp", _deny)
    with pytest.raises(CacheError, match="COGALIGN_CACHE"):
        atomic_write_bytes(fresh / "llm" / "chat" / "k.json", b"{}")
    with pytest.raises(CacheError, match="COGALIGN_CACHE"):
        new_temp_dir(fresh / "llm" / "embed", "k")


def test_outside_the_cache_the_error_does_not_blame_the_cache(tmp_path, monkeypatch, fresh):
    monkeypatch.setattr(tempfile, "mkstemp", _deny)
    with pytest.raises(FolderError, match="cannot write to the folder") as info:
        atomic_write_bytes(tmp_path / "out" / "x.csv", b"")
    assert not isinstance(info.value, CacheError)


def test_clearing_a_read_only_cache_says_what_was_not_removed(fresh, monkeypatch):
    atomic_write_bytes(llm_cache_dir("chat") / "k1.json", b"{}")
    monkeypatch.setattr(os, "unlink", _deny)
    with pytest.raises(CacheError, match=r"1 could not be removed .*k1.json"):
        cache_clear(kind="chat")
    assert (fresh / "llm" / "chat" / "k1.json").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_a_really_read_only_cache(fresh):
    atomic_write_bytes(llm_cache_dir("chat") / "k1.json", b"{}")
    (fresh / "llm" / "chat").chmod(0o555)
    try:
        with pytest.raises(CacheError):
            cache_clear(kind="chat")
        assert cache_info()["kinds"]["chat"]["entries"] == 1
    finally:
        (fresh / "llm" / "chat").chmod(0o755)


@pytest.mark.parametrize("days", [-1.0, float("nan"), float("inf")])
def test_a_meaningless_age_limit_removes_nothing(fresh, days):
    atomic_write_bytes(llm_cache_dir("chat") / "k1.json", b"{}")
    with pytest.raises(CogalignError, match="number of days"):
        cache_clear(older_than_days=days)
    assert cache_info()["kinds"]["chat"]["entries"] == 1


def test_a_file_on_the_search_path_is_an_error(tmp_path, monkeypatch):
    folder, data_file = tmp_path / "data", tmp_path / "choices.csv"
    folder.mkdir()
    data_file.write_text("x\n")
    monkeypatch.setenv("COGALIGN_DATA_PATH", f"{folder}{os.pathsep}{data_file}")
    with pytest.raises(DataPathError, match=f"{data_file} is a file"):
        data_search_path()
    with pytest.raises(DataPathError):
        find_local(REMOTE)
    monkeypatch.setenv("COGALIGN_DATA_PATH", f"{folder}{os.pathsep}{tmp_path / 'absent'}")
    assert data_search_path() == [folder, tmp_path / "absent"]


def _age(path, seconds):
    old = time.time() - seconds
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (old, old))


def test_killed_runs_temporary_files_are_counted_and_cleared(fresh):
    atomic_write_bytes(llm_cache_dir("chat") / "k1.json", b"{}")
    stale_download = fresh / "datasets" / "toy" / ".file.txt.abc123.part"
    stale_download.parent.mkdir(parents=True)
    stale_download.write_bytes(b"x" * 5000)
    stale_entry = new_temp_dir(llm_cache_dir("embed"), "key")
    (stale_entry / "states.npy").write_bytes(b"y" * 7000)
    fresh_file = llm_cache_dir("judge") / ".k2.npz.def456.tmp"
    fresh_file.write_bytes(b"z" * 300)  # a run writing it right now
    _age(stale_download, 7200)
    _age(stale_entry, 7200)
    info = cache_info()
    assert info["temporary"] == {"entries": 3, "bytes": 12_300}
    assert info["total_bytes"] == 12_300 + 2
    assert info["kinds"]["embed"]["entries"] == 0  # a temporary folder is not an entry
    removed = cache_clear(kind="temporary")
    assert (removed["temporary"], removed["temporary_kept"], removed["entries"]) == (2, 1, 0)
    assert removed["bytes"] == 12_000
    assert not stale_download.exists() and not stale_entry.exists() and fresh_file.exists()
    assert cache_info()["kinds"]["chat"]["entries"] == 1


def test_clearing_an_entry_never_leaves_half_of_it(fresh, monkeypatch):
    entry = llm_cache_dir("embed") / "k1"
    entry.mkdir()
    (entry / "meta.json").write_text("{}")
    (entry / "states.npy").write_bytes(b"1")
    import shutil

    def fail_midway(path, *args, **kwargs):
        os.unlink(os.path.join(path, "meta.json"))
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(shutil, "rmtree", fail_midway)
    with pytest.raises(CacheError):
        cache_clear(kind="embed")
    assert not entry.exists()  # moved aside whole: what is left is a temporary folder
    assert cache_info()["temporary"]["entries"] == 1


@pytest.mark.parametrize(("umask", "file_mode", "folder_mode"), [
    (0o022, 0o644, 0o755), (0o002, 0o664, 0o775), (0o077, 0o600, 0o700),
])
def test_written_files_follow_the_umask(fresh, tmp_path, umask, file_mode, folder_mode):
    old = os.umask(umask)
    try:
        atomic_write_bytes(llm_cache_dir("chat") / "a.json", b"{}")
        atomic_save_npz(llm_cache_dir("judge") / "b.npz", {"x": np.ones(2)}, {})
        folder = new_temp_dir(llm_cache_dir("embed"), "c")
        written = write_psychds(tmp_path / "ds", _one_trial(), "triplets", name="x")
        fd, tmp = temp_file(tmp_path / "out", "d.csv", suffix=".part")
        os.close(fd)
    finally:
        os.umask(old)
    for path in [fresh / "llm" / "chat" / "a.json", fresh / "llm" / "judge" / "b.npz", tmp,
                 *written, tmp_path / "ds" / "dataset_description.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == file_mode, path
    assert stat.S_IMODE(folder.stat().st_mode) == folder_mode


def test_downloads_follow_the_umask(fresh, monkeypatch):
    import io

    class Response(io.BytesIO):
        headers = {"Content-Length": "1"}

    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout: Response(b"x"))
    old = os.umask(0o022)
    try:
        path = download_file(REMOTE, progress=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def _one_trial():
    import pandas as pd

    return pd.DataFrame({"participant_id": ["p1"], "trial": [0], "item_1": [0], "item_2": [1],
                         "item_3": [2], "response": [0]})
