"""Atomic writes: the file appears whole or not at all, and no temporary file is left."""

import pytest

from cogalign.atomic import (
    atomic_open,
    atomic_write_bytes,
    atomic_write_text,
    new_temp_dir,
    publish_dir,
)


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_writes_replace_the_file_and_leave_nothing_else(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    atomic_write_text(target, "a,b\r\n1,2\n")
    assert target.read_bytes() == b"a,b\r\n1,2\n"  # newlines written as given
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert files_in(target.parent) == ["out.csv"]


def test_a_failed_write_keeps_the_old_content(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target, "w", encoding="utf-8") as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert files_in(tmp_path) == ["out.txt"]
    with pytest.raises(ValueError, match="mode"):
        with atomic_open(target, "a"):
            pass


def test_folders_are_published_once(tmp_path):
    first = new_temp_dir(tmp_path, "entry")
    (first / "x").write_text("1")
    final = publish_dir(first, tmp_path / "entry")
    assert (final / "x").read_text() == "1"
    second = new_temp_dir(tmp_path, "entry")
    (second / "x").write_text("2")
    publish_dir(second, tmp_path / "entry")  # another writer was first: its entry wins
    assert (final / "x").read_text() == "1"
    assert files_in(tmp_path) == ["entry"]
