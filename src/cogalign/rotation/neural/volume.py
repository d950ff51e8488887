"""Feature volumes in the camera frame, and turning them.

A feature volume is a tensor ``(batch, channels, depth, height, width)`` laid out like the
camera frame of :mod:`cogalign.rotation.renderer`: width runs along x (right), height along
-y (image rows run downward), depth along z (toward the viewer); the volume's centre is the
object's centre, and the cube it fills is the box around the object's bounding sphere. So
rotating an object about its centre by ``R`` corresponds to resampling the volume at
``R^T p`` for each voxel position ``p`` (trilinear interpolation, zeros outside).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["grid_transform", "rotate_volume"]

_FLIP = torch.diag(torch.tensor([1.0, -1.0, 1.0]))


def grid_transform(rotation: torch.Tensor) -> torch.Tensor:
    """The ``affine_grid`` matrices ``(n, 3, 4)`` that turn volumes by ``rotation`` ``(n, 3, 3)``.

    ``affine_grid`` maps each output voxel's normalised coordinates (x, y, z = width,
    height, depth) to where it samples the input; camera coordinates are those with y
    flipped, so the sampling map is ``F R^T F`` with ``F = diag(1, -1, 1)``.
    """
    flip = _FLIP.to(dtype=rotation.dtype, device=rotation.device)
    theta = flip @ rotation.transpose(-1, -2) @ flip
    return torch.cat([theta, torch.zeros_like(theta[..., :1])], dim=-1)


def rotate_volume(volume: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
    """Turn feature volumes about their centre.

    Parameters
    ----------
    volume
        ``(n, c, d, h, w)`` feature volumes.
    rotation
        ``(n, 3, 3)`` rotations in the camera frame (or ``(3, 3)`` for all).

    Returns
    -------
    torch.Tensor
        The turned volumes, same shape: the content at camera point ``p`` moves to ``R p``.
    """
    if rotation.dim() == 2:
        rotation = rotation.expand(volume.shape[0], 3, 3)
    grid = F.affine_grid(grid_transform(rotation.to(volume.dtype)), list(volume.shape),
                         align_corners=False)
    return F.grid_sample(volume, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False)
