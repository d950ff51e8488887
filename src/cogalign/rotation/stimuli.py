"""Same/mirror trial stimuli: two views of an object side by side, written as PNG files.

The left view shows the object in a start pose drawn from the seed (a random turn about the
vertical axis, then the standard 20-degree tilt toward the viewer); the right view shows the
object - or, for a mirror trial, its mirror image - turned a further ``angle`` degrees about
``axis`` in the viewer's frame (``"y"``: vertical axis, a rotation in depth; ``"z"``: the
line of sight, a rotation in the picture plane; ``"x"``: the horizontal axis). So the angular
disparity between the two views is exactly ``angle``, whatever the seed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cogalign.errors import CogalignError
from cogalign.rotation.objects import CubeObject, generate_objects, rotation_matrix
from cogalign.rotation.renderer import render

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AXES", "pair_image", "pair_poses", "render_stimulus_set", "save_pair"]

#: Rotation axes a trial may use (viewer's frame: x right, y up, z toward the viewer).
AXES = ("x", "y", "z")
_TILT = 20.0


def pair_poses(angle: float, axis: str = "y", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Poses of the left and right views of a trial.

    Parameters
    ----------
    angle
        Angular disparity in degrees (0-360).
    axis
        ``"x"``, ``"y"`` or ``"z"``.
    seed
        Draws the start pose (the same seed, the same pose).

    Returns
    -------
    tuple of numpy.ndarray
        ``(left, right)`` 3x3 rotations with ``right = rotation_matrix(axis, angle) @ left``.
    """
    if axis not in AXES:
        raise CogalignError(f"unknown axis {axis!r}; use one of {AXES}")
    if not np.isfinite(angle) or not 0.0 <= angle <= 360.0:
        raise CogalignError(f"angle must be within 0-360 degrees, got {angle}")
    azimuth = float(np.random.default_rng(seed).uniform(0.0, 360.0))
    left = rotation_matrix("x", _TILT) @ rotation_matrix("y", azimuth)
    return left, rotation_matrix(axis, angle) @ left


def _as_object(obj: CubeObject | str) -> CubeObject:
    if isinstance(obj, CubeObject):
        return obj
    if isinstance(obj, str):
        return CubeObject.from_code(obj)
    raise CogalignError(f"expected a CubeObject or an arm code, got {type(obj).__name__}")


def pair_image(
    obj: CubeObject | str,
    angle: float,
    axis: str = "y",
    mirrored: bool = False,
    seed: int = 0,
    *,
    size: int = 256,
    gap: int | None = None,
    **render_kwargs: Any,
) -> np.ndarray:
    """The two views of a same/mirror trial side by side, as an RGB uint8 image.

    Parameters
    ----------
    obj
        The object, or its arm code (e.g. ``"F2 U3 R2 U2"``).
    angle, axis, seed
        See :func:`pair_poses`.
    mirrored
        Show the mirror image on the right (a "mirror" trial).
    size
        Height and width of each view in pixels.
    gap
        Pixels of background between the views (default ``size // 8``).
    **render_kwargs
        Passed to :func:`cogalign.rotation.renderer.render` (e.g. ``projection``,
        ``face_colors``, ``antialias``).

    Returns
    -------
    numpy.ndarray
        ``(size, 2 * size + gap, 3)`` uint8.
    """
    obj = _as_object(obj)
    left, right = pair_poses(angle, axis, seed)
    second = obj.mirror() if mirrored else obj
    kwargs = {"antialias": 2, **render_kwargs, "rgb": True, "dtype": "uint8", "size": size}
    views = render([obj, second], np.stack([left, right]), **kwargs)
    gap = size // 8 if gap is None else int(gap)
    if gap < 0:
        raise CogalignError(f"gap must be at least 0 pixels, got {gap}")
    bg = np.broadcast_to(np.asarray(kwargs.get("background", 1.0), dtype=float), (3,))
    middle = np.empty((size, gap, 3), dtype=np.uint8)
    middle[:] = np.round(np.clip(bg, 0, 1) * 255).astype(np.uint8)
    return np.concatenate([views[0], middle, views[1]], axis=1)


def save_pair(
    path: str | os.PathLike[str],
    obj: CubeObject | str,
    angle: float,
    axis: str = "y",
    mirrored: bool = False,
    seed: int = 0,
    **kwargs: Any,
) -> Path:
    """Write a trial's two views side by side to a PNG file (see :func:`pair_image`).

    Returns
    -------
    pathlib.Path
        The file written (its folder is created when missing).
    """
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pair_image(obj, angle, axis, mirrored, seed, **kwargs)).save(path, format="PNG")
    return path


def render_stimulus_set(
    out_dir: str | os.PathLike[str],
    *,
    n_objects: int = 4,
    n_cubes: int = 10,
    n_arms: int = 4,
    angles: Sequence[float] = (0.0, 50.0, 100.0, 150.0),
    axis: str = "y",
    size: int = 256,
    projection: str = "orthographic",
    seed: int = 0,
) -> pd.DataFrame:
    """Generate objects and write every same/mirror pair of them to PNG files.

    Writes ``objects.txt`` (the objects, :mod:`cogalign.rotation.objectfile` format), one PNG
    per object x angle x pair type, and ``stimuli.csv`` (the manifest below).

    Parameters
    ----------
    out_dir
        Folder (created when missing).
    n_objects, n_cubes, n_arms
        Objects to generate (distinct, chiral; see
        :func:`cogalign.rotation.objects.generate_objects`).
    angles, axis
        Angular disparities (degrees) and rotation axis.
    size, projection
        Pixels per view and projection.
    seed
        Seed of the objects and of every pair's start pose.

    Returns
    -------
    pandas.DataFrame
        The manifest: ``stimulus_id``, ``object_id``, ``code`` (arm code), ``angle``,
        ``axis``, ``pair_type``, ``seed``, ``file``.
    """
    import pandas as pd

    from cogalign.rotation.objectfile import write_objects

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    objects = generate_objects(n_objects, n_cubes, n_arms, seed=seed)
    write_objects(objects, out / "objects.txt")
    rows = []
    for k, obj in enumerate(objects):
        for angle in angles:
            for mirrored in (False, True):
                pair = "mirror" if mirrored else "same"
                stimulus = f"{obj.name}_{axis}{float(angle):g}_{pair}"
                pose_seed = int(seed) * 1_000_003 + k
                save_pair(out / f"{stimulus}.png", obj, float(angle), axis, mirrored, pose_seed,
                          size=size, projection=projection)
                rows.append({"stimulus_id": stimulus, "object_id": obj.name, "code": obj.code,
                             "angle": float(angle), "axis": axis, "pair_type": pair,
                             "seed": pose_seed, "file": f"{stimulus}.png"})
    manifest = pd.DataFrame(rows)
    manifest.to_csv(out / "stimuli.csv", index=False)
    return manifest
