"""The NumPy renderer: determinism, a ray-casting oracle, a reference image, trial stimuli."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cogalign.errors import CogalignError
from cogalign.rotation.objects import CubeObject, generate_objects, rotation_matrix
from cogalign.rotation.renderer import DEFAULT_POSE, render, render_one
from cogalign.rotation.stimuli import pair_image, pair_poses, render_stimulus_set, save_pair

REFERENCE = Path(__file__).parent / "data" / "render_reference_64.png"
LIGHT = np.array([-0.35, 0.6, 0.72]) / np.linalg.norm([-0.35, 0.6, 0.72])


def _oracle(obj: CubeObject, pose: np.ndarray, size: int, perspective: bool,
            margin: float = 0.9, distance: float = 3.5) -> np.ndarray:
    """Plain per-pixel ray casting against every cube (slab method), Lambert shading, grey."""
    half = size / 2.0
    r = obj.radius
    cols, rows = np.meshgrid(np.arange(size), np.arange(size))
    x = (cols + 0.5 - half).ravel()
    y = (half - 0.5 - rows).ravel()
    if perspective:
        cam = distance * r
        f = margin * half * np.sqrt(cam**2 - r**2) / r
        origin = np.tile([0.0, 0.0, cam], (x.size, 1))
        direction = np.stack([x / f, y / f, -np.ones_like(x)], axis=1)
    else:
        s = margin * half / r
        origin = np.stack([x / s, y / s, np.full_like(x, r + 5.0)], axis=1)
        direction = np.tile([0.0, 0.0, -1.0], (x.size, 1))
    o = origin @ pose + obj.centre  # into object coordinates (pose.T applied row-wise)
    d = direction @ pose
    best_t = np.full(x.size, np.inf)
    best_n = np.zeros((x.size, 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in obj.cubes:
            t1 = (c - o) / d
            t2 = (c + 1 - o) / d
            tmin = np.minimum(t1, t2)
            t_enter = np.nanmax(tmin, axis=1)
            t_exit = np.nanmin(np.maximum(t1, t2), axis=1)
            hit = (t_enter <= t_exit) & (t_enter > 0) & (t_enter < best_t)
            axis = np.nanargmax(tmin, axis=1)
            n = np.zeros((x.size, 3))
            n[np.arange(x.size), axis] = -np.sign(d[np.arange(x.size), axis])
            best_t = np.where(hit, t_enter, best_t)
            best_n = np.where(hit[:, None], n, best_n)
    shade = 0.35 + 0.65 * np.maximum((best_n @ pose.T) @ LIGHT, 0.0)
    grey = np.array([0.80, 0.82, 0.86]) @ [0.299, 0.587, 0.114]
    return np.where(np.isfinite(best_t), shade * grey, 1.0).reshape(size, size)


@pytest.mark.parametrize("perspective", [False, True])
def test_renderer_matches_a_ray_casting_oracle(perspective):
    objs = generate_objects(3, seed=4)
    rng = np.random.default_rng(0)
    poses = np.stack([rotation_matrix(rng.normal(size=3), rng.uniform(0, 360)) @ DEFAULT_POSE
                      for _ in objs])
    images = render(objs, poses, size=48, edges=False, dtype="float64",
                    projection="perspective" if perspective else "orthographic")
    for obj, pose, image in zip(objs, poses, images, strict=True):
        ref = _oracle(obj, pose, 48, perspective)
        differ = np.abs(image - ref) > 1e-6
        assert differ.mean() < 0.01  # only pixels exactly on a face boundary may differ
        assert (ref < 1).sum() > 150  # the object is actually drawn


def test_rendering_is_deterministic_and_batch_independent():
    objs = generate_objects(5, seed=2)
    rng = np.random.default_rng(1)
    poses = np.stack([rotation_matrix(rng.normal(size=3), rng.uniform(0, 360)) for _ in objs])
    a = render(objs, poses, size=64)
    b = render(objs, poses, size=64)
    assert a.tobytes() == b.tobytes()
    one = np.stack([render_one(o, p, size=64) for o, p in zip(objs, poses, strict=True)])
    np.testing.assert_array_equal(a, one)
    assert a.shape == (5, 64, 64) and a.dtype == np.float32
    c = render(objs, poses, size=32, rgb=True, dtype="uint8", antialias=2, projection="perspective")
    assert c.shape == (5, 32, 32, 3) and c.dtype == np.uint8


def test_a_mirror_image_renders_as_the_flipped_picture():
    """Reflecting the object across x, with the pose conjugated by the reflection, flips the
    image left to right (with a light on the symmetry plane)."""
    obj = generate_objects(1, seed=9)[0]
    flip = np.diag([-1.0, 1.0, 1.0])
    pose = rotation_matrix([0.3, 1.0, 0.2], 40)
    kw = dict(size=64, light=(0.0, 0.6, 0.8), dtype="float64")
    left = render_one(obj, pose, **kw)
    right = render_one(obj.mirror(), flip @ pose @ flip, **kw)
    assert (np.abs(right - left[:, ::-1]) > 1e-6).mean() < 0.01


def test_colours_edges_and_options():
    obj = CubeObject.from_code("F2 U3 R2 U2")
    plain = render_one(obj, size=64, rgb=True, edges=False)
    edged = render_one(obj, size=64, rgb=True)
    assert (edged.min(axis=2) < 0.05).sum() > 50 and (plain.min(axis=2) < 0.05).sum() == 0
    faces = render_one(obj, size=64, rgb=True, edges=False,
                       face_colors=np.eye(3).repeat(2, axis=0))
    colours = {tuple(np.round(p / p.max(), 3)) for p in faces.reshape(-1, 3) if p.max() < 0.999}
    assert {(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)} <= colours
    per_cube = render_one(obj, size=64, rgb=True, edges=False,
                          color=np.tile([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], (5, 1)))
    assert (per_cube[..., 0] > 0.3).any() and (per_cube[..., 2] > 0.3).any()
    assert render_one(obj, size=32, background=0.0).max() < 1.0
    with pytest.raises(CogalignError, match="at least 32"):
        render_one(obj, size=16)
    with pytest.raises(CogalignError, match="projection"):
        render_one(obj, projection="fisheye")
    with pytest.raises(CogalignError, match="rotation matri"):
        render([obj], np.ones((1, 3, 3)))
    with pytest.raises(CogalignError, match="2 poses for 1 objects"):
        render([obj], np.stack([np.eye(3)] * 2))
    with pytest.raises(CogalignError, match="face_colors"):
        render_one(obj, face_colors=np.ones((5, 3)))


def test_rendered_image_matches_the_stored_reference():
    """A fixed object and pose against a stored 64 px image (regenerate after an intended
    change of the renderer's look with ``python tests/rotation/test_rotation_render.py``)."""
    from PIL import Image

    image = _reference_image()
    ref = np.asarray(Image.open(REFERENCE))
    assert ref.shape == image.shape
    close = np.abs(image.astype(int) - ref.astype(int)) <= 2
    assert close.mean() > 0.995


def _reference_image() -> np.ndarray:
    obj = CubeObject.from_code("F2 U3 R2 U2")
    return render_one(obj, rotation_matrix("y", 40) @ DEFAULT_POSE, size=64, dtype="uint8",
                      antialias=2)


def test_trial_pair_poses_and_png(tmp_path):
    left, right = pair_poses(100, "y", seed=5)
    np.testing.assert_allclose(right, rotation_matrix("y", 100) @ left)
    relative = right @ left.T
    assert np.degrees(np.arccos((np.trace(relative) - 1) / 2)) == pytest.approx(100)
    assert pair_poses(100, "y", seed=5)[0].tobytes() == left.tobytes()
    image = pair_image("F2 U3 R2 U2", 50, "z", mirrored=True, seed=1, size=64, gap=8)
    assert image.shape == (64, 136, 3) and image.dtype == np.uint8
    path = save_pair(tmp_path / "sub" / "pair.png", "F2 U3 R2 U2", 150, "y", False, seed=2, size=48)
    from PIL import Image

    assert Image.open(path).size == (48 * 2 + 6, 48)
    with pytest.raises(CogalignError, match="unknown axis"):
        pair_poses(10, "w")
    with pytest.raises(CogalignError, match="0-360"):
        pair_poses(400, "y")


def test_stimulus_set_writes_objects_pngs_and_a_manifest(tmp_path):
    from cogalign.rotation.objectfile import read_objects

    manifest = render_stimulus_set(tmp_path, n_objects=2, angles=(0, 90), size=32, seed=1)
    assert len(manifest) == 2 * 2 * 2
    assert all((tmp_path / f).is_file() for f in manifest["file"])
    objects = read_objects(tmp_path / "objects.txt")
    assert [o.code for o in objects] == manifest["code"].unique().tolist()
    assert set(manifest["pair_type"]) == {"same", "mirror"}


if __name__ == "__main__":
    from PIL import Image

    Image.fromarray(_reference_image()).save(REFERENCE)
    print(f"wrote {REFERENCE}")
