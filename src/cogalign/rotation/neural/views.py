"""Rendered views for training and testing the neural model.

Every batch is a pure function of its shapes, its size and a seed: :func:`sample_pairs`
draws pairs of views of an object (or of it and its mirror image) related by a known
rotation, with the symbolic targets of both views; :func:`trial_pairs` renders the left and
right views of same/mirror trials exactly as :mod:`cogalign.rotation.stimuli` lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cogalign.errors import CogalignError
from cogalign.rotation.neural.geometry import random_rotations, rotation_about
from cogalign.rotation.neural.shapes import arm_targets
from cogalign.rotation.objects import CubeObject, rotation_matrix
from cogalign.rotation.renderer import render
from cogalign.rotation.stimuli import pair_poses

__all__ = ["PairBatch", "occupancy", "sample_pairs", "trial_pairs"]

_TILT = rotation_matrix("x", 20.0)
_AXES = {"x": np.array([1.0, 0, 0]), "y": np.array([0, 1.0, 0]), "z": np.array([0, 0, 1.0])}


@dataclass
class PairBatch:
    """Pairs of views: the right view is the left one turned by ``rotation``.

    Attributes
    ----------
    images_a, images_b
        ``(n, 1, size, size)`` float32 grey images in [0, 1].
    rotation
        ``(n, 3, 3)``: pose of view b = ``rotation @`` pose of view a (camera frame).
    angle
        ``(n,)`` rotation angle in degrees.
    axis
        ``(n,)`` axis labels (``"x"``, ``"y"``, ``"z"``, or ``"random"``).
    mirror
        ``(n,)`` whether view b shows the mirror image.
    vectors_a, lengths_a, valid_a, vectors_b, lengths_b, valid_b
        Symbolic targets of each view (see :class:`~cogalign.rotation.neural.shapes.ArmTargets`).
    codes_a, codes_b
        Canonical codes of the two objects.
    occupancy_a, occupancy_b
        ``(n, g, g, g)`` float32: which voxel centres of the feature volume (``g = size / 4``
        a side, camera frame, see :mod:`~cogalign.rotation.neural.volume`) lie inside a cube.
    """

    images_a: np.ndarray
    images_b: np.ndarray
    rotation: np.ndarray
    angle: np.ndarray
    axis: np.ndarray
    mirror: np.ndarray
    vectors_a: np.ndarray
    lengths_a: np.ndarray
    valid_a: np.ndarray
    vectors_b: np.ndarray
    lengths_b: np.ndarray
    valid_b: np.ndarray
    codes_a: list[str]
    codes_b: list[str]
    occupancy_a: np.ndarray
    occupancy_b: np.ndarray

    def __len__(self) -> int:
        return len(self.angle)


def _targets(objects: Sequence[CubeObject], poses: np.ndarray) -> tuple:
    t = [arm_targets(o, p) for o, p in zip(objects, poses, strict=True)]
    return (np.stack([x.vectors for x in t]).astype(np.float32),
            np.stack([x.lengths for x in t]).astype(np.int64),
            np.stack([x.valid for x in t]), [x.code for x in t])


def occupancy(objects: Sequence[CubeObject], poses: np.ndarray, grid: int,
              margin: float = 0.9) -> np.ndarray:
    """Which voxel centres of a ``grid``-sided volume lie inside the posed objects' cubes.

    The volume spans the rendered image's field of view in x and y (an orthographic view
    framing the bounding sphere at ``margin`` of the width) and the same extent in depth;
    its layout is that of :mod:`~cogalign.rotation.neural.volume` (depth, height = -y,
    width = x).

    Returns
    -------
    numpy.ndarray
        ``(n, grid, grid, grid)`` float32 of 0 and 1.
    """
    c = (2.0 * np.arange(grid) + 1.0) / grid - 1.0
    d, h, w = np.meshgrid(c, c, c, indexing="ij")
    cam = np.stack([w, -h, d], axis=-1).reshape(-1, 3)
    out = np.zeros((len(objects), grid, grid, grid), dtype=np.float32)
    for k, (obj, pose) in enumerate(zip(objects, poses, strict=True)):
        pts = cam * (obj.radius / margin) @ np.asarray(pose) + obj.centre
        cell = np.floor(pts).astype(np.int64) - obj.cubes.min(axis=0)
        top = obj.cubes.max(axis=0) - obj.cubes.min(axis=0) + 1
        solid = np.zeros(tuple(top), dtype=bool)
        solid[tuple((obj.cubes - obj.cubes.min(axis=0)).T)] = True
        inside = np.all((cell >= 0) & (cell < top), axis=1)
        hit = np.zeros(len(cell), dtype=bool)
        hit[inside] = solid[tuple(cell[inside].T)]
        out[k] = hit.reshape(grid, grid, grid)
    return out


def _render(objects: Sequence[CubeObject], poses: np.ndarray, size: int) -> np.ndarray:
    return render(list(objects), poses, size=size)[:, None].astype(np.float32)


def _batch(first: list[CubeObject], second: list[CubeObject], pose_a: np.ndarray,
           rot: np.ndarray, angle: np.ndarray, axis: np.ndarray, mirror: np.ndarray,
           size: int) -> PairBatch:
    pose_b = rot @ pose_a
    va, la, ka, ca = _targets(first, pose_a)
    vb, lb, kb, cb = _targets(second, pose_b)
    grid = size // 4
    return PairBatch(_render(first, pose_a, size), _render(second, pose_b, size),
                     rot.astype(np.float32), angle.astype(np.float32), axis, mirror,
                     va, la, ka, vb, lb, kb, ca, cb,
                     occupancy(first, pose_a, grid), occupancy(second, pose_b, grid))


def sample_pairs(
    shapes: Sequence[CubeObject],
    n: int,
    seed: int | Sequence[int] | np.random.Generator,
    *,
    size: int = 64,
    mirror_share: float = 0.0,
    stimulus_share: float = 0.5,
    max_angle: float = 180.0,
    angles: Sequence[float] | None = None,
) -> PairBatch:
    """Random pairs of views with known rotations and symbolic targets.

    Each pair takes a random shape in a random handedness; with probability
    ``mirror_share`` the second view shows its mirror image. With probability
    ``stimulus_share`` the first view is posed as in a trial (random turn about the vertical
    axis, then the 20-degree tilt) and the rotation is about the x, y or z axis; otherwise
    the pose and the axis are uniformly random.

    Parameters
    ----------
    shapes
        Shapes to draw from (see :func:`~cogalign.rotation.neural.shapes.all_shapes`).
    n
        Pairs.
    seed
        Seed (or seed sequence, or generator) of every draw.
    size
        Pixels.
    mirror_share, stimulus_share
        See above.
    max_angle
        Angles are uniform in ``[0, max_angle]`` degrees ...
    angles
        ... unless given: one angle per pair.

    Returns
    -------
    PairBatch
    """
    if not shapes:
        raise CogalignError("no shapes to draw views from")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    pick = rng.integers(0, len(shapes), size=n)
    hand = rng.random(n) < 0.5
    mirror = rng.random(n) < mirror_share
    first = [shapes[i].mirror() if h else shapes[i] for i, h in zip(pick, hand, strict=True)]
    second = [o.mirror() if m else o for o, m in zip(first, mirror, strict=True)]
    angle = (rng.uniform(0.0, max_angle, size=n) if angles is None
             else np.asarray(angles, dtype=float).reshape(n))
    layout = rng.random(n) < stimulus_share
    axis_pick = rng.integers(0, 3, size=n)
    azimuth = rng.uniform(0.0, 360.0, size=n)
    uniform_poses = random_rotations(n, rng)
    uniform_axes = rng.standard_normal((n, 3))
    pose_a = np.where(layout[:, None, None],
                      _TILT[None] @ rotation_about(np.tile(_AXES["y"], (n, 1)), azimuth),
                      uniform_poses)
    axes = np.where(layout[:, None], np.eye(3)[axis_pick], uniform_axes)
    labels = np.where(layout, np.array(["x", "y", "z"])[axis_pick], "random")
    rot = rotation_about(axes, angle)
    return _batch(first, second, pose_a, rot, angle, labels, mirror, size)


def trial_pairs(
    objects: Sequence[CubeObject],
    angles: Sequence[float],
    axes: Sequence[str],
    mirror: Sequence[bool],
    seeds: Sequence[int],
    *,
    size: int = 64,
) -> PairBatch:
    """The two views of same/mirror trials, posed as :func:`cogalign.rotation.stimuli.pair_poses`.

    Parameters
    ----------
    objects
        The left-hand object of each trial.
    angles, axes, mirror, seeds
        Per trial: angular disparity (degrees), axis (``"x"``, ``"y"``, ``"z"``), whether the
        right view shows the mirror image, and the seed of the start pose.
    size
        Pixels.

    Returns
    -------
    PairBatch
    """
    n = len(objects)
    if not (len(angles) == len(axes) == len(mirror) == len(seeds) == n):
        raise CogalignError("trial_pairs needs one angle, axis, pair type and seed per object")
    poses = [pair_poses(float(a), str(x), int(s)) for a, x, s in zip(angles, axes, seeds, strict=True)]
    pose_a = np.stack([p[0] for p in poses])
    rot = np.stack([rotation_matrix(str(x), float(a)) for a, x in zip(angles, axes, strict=True)])
    mirror_arr = np.asarray(mirror, dtype=bool)
    second = [o.mirror() if m else o for o, m in zip(objects, mirror_arr, strict=True)]
    return _batch(list(objects), second, pose_a, rot, np.asarray(angles, dtype=float),
                  np.asarray(axes, dtype=object), mirror_arr, size)
