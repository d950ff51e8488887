"""The on-disk cache: keys, atomic writes, file-hash memo, info and clear."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from cogalign.llm import cache as llm_cache
from cogalign.llm.cache import (
    atomic_save_npz,
    atomic_write_json,
    cache_clear,
    cache_info,
    file_sha256,
    hash_strings,
    llm_cache_dir,
    load_npz,
    make_key,
)
from cogalign.llm.representations import Representations


@pytest.fixture()
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "llm"


def test_key_ignores_mapping_order_but_not_values():
    a = make_key({"model": {"name": "m", "rev": "1"}, "pooling": "mean"})
    b = make_key({"pooling": "mean", "model": {"rev": "1", "name": "m"}})
    c = make_key({"pooling": "last", "model": {"rev": "1", "name": "m"}})
    assert a == b != c
    assert len(a) == 64


def test_hash_strings_separates_items():
    assert hash_strings(["ab", "c"]) != hash_strings(["a", "bc"])
    assert hash_strings(["a"]) != hash_strings(["a", ""])
    assert hash_strings(["x", "y"]) == hash_strings(iter(["x", "y"]))


def test_cache_dir_follows_environment(fresh_cache):
    assert llm_cache_dir() == fresh_cache
    assert llm_cache_dir("embed") == fresh_cache / "embed"
    with pytest.raises(ValueError, match="unknown cache kind"):
        llm_cache_dir("nope")


def test_atomic_writes_leave_no_temporary_files(fresh_cache):
    target = llm_cache_dir("judge") / "x.npz"
    atomic_save_npz(target, {"a": np.arange(3)}, {"model_id": "m@1"})
    arrays, meta = load_npz(target)
    np.testing.assert_array_equal(arrays["a"], np.arange(3))
    assert meta == {"model_id": "m@1"}
    atomic_write_json(llm_cache_dir("chat") / "y.json", {"b": 1})
    leftovers = [p for p in fresh_cache.rglob(".*") if p.is_file()]
    assert leftovers == []


def test_failed_write_keeps_old_file(fresh_cache, monkeypatch):
    target = llm_cache_dir("chat") / "z.json"
    atomic_write_json(target, {"v": 1})

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(llm_cache.os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_json(target, {"v": 2})
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in target.parent.iterdir()] == ["z.json"]


def test_file_hash_is_memoised_and_notices_changes(fresh_cache, tmp_path):
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"abc")
    first = file_sha256(weights)
    assert first == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    memo = json.loads((fresh_cache / "hashes.json").read_text())
    assert memo[str(weights.resolve())]["sha256"] == first
    weights.write_bytes(b"abcd")
    os.utime(weights, ns=(0, 10**9))
    assert file_sha256(weights) != first


def test_info_and_clear(fresh_cache, tmp_path):
    reps = Representations(np.zeros((2, 1, 3), np.float32), ["a", "b"], [0], "toy@1", {})
    reps.save(llm_cache_dir("embed") / "k1")
    atomic_save_npz(llm_cache_dir("judge") / "k2.npz", {"a": np.ones(2)}, {"model_id": "other@2"})
    atomic_write_json(llm_cache_dir("chat") / "k3.json", {"model_id": "chat:gpt@host"})
    info = cache_info()
    assert info["path"] == str(fresh_cache)
    assert {k: v["entries"] for k, v in info["kinds"].items()} == {
        "embed": 1, "judge": 1, "chat": 1, "models": 0,
    }
    assert info["total_bytes"] > 0
    assert cache_clear(model="toy")["entries"] == 1
    assert cache_info()["kinds"]["embed"]["entries"] == 0
    assert cache_clear(kind="chat")["entries"] == 1
    assert cache_clear(older_than_days=1)["entries"] == 0
    removed = cache_clear()
    assert removed["entries"] == 1 and removed["bytes"] > 0
    assert cache_info()["total_bytes"] == 0
    with pytest.raises(ValueError):
        cache_clear(kind="bogus")
