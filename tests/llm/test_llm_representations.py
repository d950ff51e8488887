"""The Representations container and its two file formats (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.llm import Representations


def toy(n=4, layers=(0, 3, 6), width=5, seed=0):
    rng = np.random.default_rng(seed)
    return Representations(rng.normal(size=(n, len(layers), width)).astype(np.float32),
                           [f"item{i}" for i in range(n)], list(layers), "toy@123", {"pooling": "mean"})


def test_layers_by_model_number_and_centering():
    reps = toy()
    assert reps.shape == (4, 3, 5) and len(reps) == 4
    np.testing.assert_array_equal(reps.layer(3), reps.array[:, 1])
    np.testing.assert_array_equal(reps.layer(-1), reps.array[:, 2])
    with pytest.raises(KeyError, match="not stored"):
        reps.layer(2)
    centered = reps.centered()
    np.testing.assert_allclose(centered.array.mean(axis=0), 0, atol=1e-6)
    assert centered.meta["center"] and not reps.meta.get("center")
    frame = reps.to_frame(6)
    assert list(frame.index) == reps.items and frame.shape == (4, 5)
    with pytest.raises(ValueError, match="does not match"):
        Representations(np.zeros((2, 1, 3)), ["a"], [0], "m")


def test_round_trips(tmp_path):
    reps = toy()
    for target in (tmp_path / "r.npz", tmp_path / "folder"):
        reps.save(target)
        back = Representations.load(target)
        np.testing.assert_array_equal(np.asarray(back.array), reps.array)
        assert back.items == reps.items and back.layers == reps.layers and back.model_id == "toy@123"
        assert back.meta["pooling"] == "mean"
    half = tmp_path / "half"
    reps.save(half, dtype="float16")
    assert Representations.load(half).array.dtype == np.float16
    assert np.load(half / "states.npy", mmap_mode="r").shape == (3, 4, 5)  # layer-major on disk


def test_save_never_clobbers_other_folders(tmp_path):
    reps = toy()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a representations folder"):
        reps.save(precious)
    assert (precious / "notes.txt").read_text() == "keep me"
    target = tmp_path / "reps"
    reps.save(target)
    toy(seed=1).save(target)  # replacing an earlier result is fine
    np.testing.assert_array_equal(Representations.load(target).array, toy(seed=1).array)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious", "reps"]
