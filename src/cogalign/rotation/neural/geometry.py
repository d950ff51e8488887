"""Rotations for the neural model: random draws, axis-angle maps and Procrustes alignment.

NumPy functions serve the data side (poses of rendered views); the torch functions serve the
network side (latent rotations chosen by an agent), batched over a leading axis. An
axis-angle vector ``w`` is the rotation by ``|w|`` radians about ``w / |w|`` (right-hand
rule), as in :func:`cogalign.rotation.objects.rotation_matrix`.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "angle_between",
    "exp_map",
    "kabsch",
    "log_map",
    "random_rotations",
    "rotation_about",
]


def random_rotations(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rotations drawn uniformly over SO(3) (unit quaternions from a normal draw).

    Parameters
    ----------
    n
        Number of rotations.
    rng
        Random generator.

    Returns
    -------
    numpy.ndarray
        ``(n, 3, 3)`` rotation matrices.
    """
    q = rng.standard_normal((n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
    ], axis=1)


def rotation_about(axes: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """Rotations by ``angles_deg`` about unit ``axes`` (Rodrigues), batched.

    Parameters
    ----------
    axes
        ``(n, 3)`` axes (normalised here).
    angles_deg
        ``(n,)`` angles in degrees.

    Returns
    -------
    numpy.ndarray
        ``(n, 3, 3)``.
    """
    axes = np.asarray(axes, dtype=float)
    axes = axes / np.linalg.norm(axes, axis=1, keepdims=True)
    theta = np.deg2rad(np.asarray(angles_deg, dtype=float))
    k = np.zeros((len(axes), 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axes[:, 2], axes[:, 1], -axes[:, 0]
    k = k - k.transpose(0, 2, 1)
    s, c = np.sin(theta)[:, None, None], np.cos(theta)[:, None, None]
    return np.eye(3)[None] + s * k + (1.0 - c) * (k @ k)


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees of the rotation taking ``a`` to ``b`` (batched ``(n, 3, 3)``)."""
    rel = np.einsum("nij,nkj->nik", b, a)
    cos = (np.trace(rel, axis1=1, axis2=2) - 1.0) / 2.0
    return np.rad2deg(np.arccos(np.clip(cos, -1.0, 1.0)))


def _skew(w: torch.Tensor) -> torch.Tensor:
    zero = torch.zeros_like(w[..., 0])
    return torch.stack([
        torch.stack([zero, -w[..., 2], w[..., 1]], -1),
        torch.stack([w[..., 2], zero, -w[..., 0]], -1),
        torch.stack([-w[..., 1], w[..., 0], zero], -1),
    ], -2)


def exp_map(w: torch.Tensor) -> torch.Tensor:
    """Rotation matrices ``(..., 3, 3)`` of axis-angle vectors ``(..., 3)`` (radians)."""
    theta = torch.linalg.vector_norm(w, dim=-1, keepdim=True).unsqueeze(-1)
    k = _skew(w)
    small = theta < 1e-6
    safe = torch.where(small, torch.ones_like(theta), theta)
    a = torch.where(small, torch.ones_like(theta), torch.sin(safe) / safe)
    b = torch.where(small, 0.5 * torch.ones_like(theta), (1.0 - torch.cos(safe)) / safe**2)
    eye = torch.eye(3, dtype=w.dtype, device=w.device).expand(k.shape)
    return eye + a * k + b * (k @ k)


def log_map(rot: torch.Tensor) -> torch.Tensor:
    """Axis-angle vectors ``(..., 3)`` (radians, angle in [0, pi]) of rotations ``(..., 3, 3)``."""
    cos = ((rot.diagonal(dim1=-2, dim2=-1).sum(-1) - 1.0) / 2.0).clamp(-1.0, 1.0)
    theta = torch.arccos(cos)
    vee = torch.stack([rot[..., 2, 1] - rot[..., 1, 2], rot[..., 0, 2] - rot[..., 2, 0],
                       rot[..., 1, 0] - rot[..., 0, 1]], -1)
    sin = torch.sin(theta)
    generic = vee * (theta / (2.0 * sin.clamp_min(1e-6))).unsqueeze(-1)
    # near pi the antisymmetric part vanishes: the axis is the dominant column of (R + I) / 2
    sym = (rot + torch.eye(3, dtype=rot.dtype, device=rot.device)) / 2.0
    col = sym.diagonal(dim1=-2, dim2=-1).argmax(-1)
    axis = torch.gather(sym, -1, col[..., None, None].expand(*sym.shape[:-1], 1)).squeeze(-1)
    axis = axis / torch.linalg.vector_norm(axis, dim=-1, keepdim=True).clamp_min(1e-9)
    sign = torch.sign((axis * vee).sum(-1, keepdim=True))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    near_pi = (theta > np.pi - 1e-3).unsqueeze(-1)
    return torch.where(near_pi, axis * sign * theta.unsqueeze(-1), generic)


def kabsch(a: torch.Tensor, b: torch.Tensor, weights: torch.Tensor | None = None
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """The rotation that best turns the vectors ``a`` onto ``b`` (Kabsch), and the misfit.

    Parameters
    ----------
    a, b
        ``(n, k, 3)`` sets of ``k`` vectors.
    weights
        ``(n, k)`` non-negative weights (default: equal).

    Returns
    -------
    rotation, residual
        ``(n, 3, 3)`` proper rotations ``R`` minimising ``sum_k w_k |R a_k - b_k|^2``, and
        that weighted mean squared misfit ``(n,)``.
    """
    w = torch.ones(a.shape[:-1], dtype=a.dtype, device=a.device) if weights is None else weights
    w = w / w.sum(-1, keepdim=True).clamp_min(1e-9)
    h = torch.einsum("nk,nki,nkj->nij", w, a, b)
    u, _, vt = torch.linalg.svd(h)
    d = torch.sign(torch.linalg.det(vt.transpose(-1, -2) @ u.transpose(-1, -2)))
    d = torch.where(d == 0, torch.ones_like(d), d)
    fix = torch.diag_embed(torch.stack([torch.ones_like(d), torch.ones_like(d), d], -1))
    rot = vt.transpose(-1, -2) @ fix @ u.transpose(-1, -2)
    residual = (w * ((a @ rot.transpose(-1, -2) - b) ** 2).sum(-1)).sum(-1)
    return rot, residual
