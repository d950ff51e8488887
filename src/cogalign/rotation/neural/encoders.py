"""Perception: image -> latent -> image, latent rotations, and the symbolic head on top.

Both perception modules offer the same operations, which is all the agents use:
``encode(images)``, ``rotate(latent, rotation)``, ``decode(latent)`` (``decode_raw`` before
clipping to [0, 1], for the loss), ``describe(latent)`` (the
:class:`~cogalign.rotation.neural.symbolic.SymbolicHead`) and ``distance(a, b)``.

:class:`EquivariantPerception`
    The equivariant neural renderer: 2-D convolutions lift the image to a stack of feature
    maps that is reshaped into a 3-D feature volume (``size / 4`` voxels a side) and refined
    by 3-D convolutions. A rotation of the object is a rotation of the volume
    (:func:`~cogalign.rotation.neural.volume.rotate_volume`); the decoder mirrors the
    encoder. Trained with the novel-view loss: encode view a, turn by the known rotation,
    decode, compare with view b (and the other way round).
:class:`PlainPerception`
    The ablation: the same 2-D convolutions end in a code vector; a learned network takes
    the code and the rotation matrix and returns the turned code. Same loss, no built-in
    geometry.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cogalign.rotation.neural.config import NetConfig
from cogalign.rotation.neural.shapes import max_arm_length
from cogalign.rotation.neural.symbolic import Description, SymbolicHead
from cogalign.rotation.neural.volume import rotate_volume

__all__ = ["EquivariantPerception", "PlainPerception", "init_weights", "make_perception"]


def init_weights(module: nn.Module) -> None:
    """He initialisation of every convolution and linear layer, zero biases.

    PyTorch's default initialisation shrinks the signal at every ReLU layer, so a network
    this deep starts with almost no gradient in its first layers; He initialisation keeps
    the variance of the activations about constant through depth.
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.Conv3d | nn.ConvTranspose2d | nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _image_trunk(c1: int, c2: int) -> nn.Sequential:
    """Size -> size / 4 feature maps."""
    return nn.Sequential(
        nn.Conv2d(1, c1, 4, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(c2, c2, 3, padding=1), nn.ReLU())


def _image_head(c1: int, c2: int) -> nn.Sequential:
    """Size / 4 feature maps (c2 channels) -> image."""
    return nn.Sequential(
        nn.ConvTranspose2d(c2, c2, 4, stride=2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(c1, 1, 1))


class EquivariantPerception(nn.Module):
    """Image -> 3-D feature volume -> image, with volume rotations (see the module docstring).

    Parameters
    ----------
    config
        Sizes (:class:`~cogalign.rotation.neural.config.NetConfig`).
    """

    kind = "equivariant"

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        c1, c2 = config.features
        g, vc = config.grid, config.volume_channels
        self.grid, self.channels = g, vc
        self.occupancy = config.shape_weight > 0
        self.lift = nn.Sequential(_image_trunk(c1, c2), nn.Conv2d(c2, vc * g, 3, padding=1))
        self.refine = nn.Sequential(nn.ReLU(), nn.Conv3d(vc, vc, 3, padding=1), nn.ReLU(),
                                    nn.Conv3d(vc, vc, 3, padding=1))
        self.unrefine = nn.Sequential(nn.Conv3d(vc, vc, 3, padding=1), nn.ReLU(),
                                      nn.Conv3d(vc, vc, 3, padding=1), nn.ReLU())
        self.project = nn.Sequential(nn.Conv2d(vc * g, c2, 3, padding=1), nn.ReLU(),
                                     _image_head(c1, c2))
        self.head = SymbolicHead("volume", vc, g, config.n_arms,
                                 max_arm_length(config.n_cubes, config.n_arms), config.head_hidden)
        init_weights(self)
        # 3-D convolutions run about twice as fast on channels-last volumes
        for part in (self.refine, self.unrefine, self.head.trunk):
            part.to(memory_format=torch.channels_last_3d)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """``(n, 1, s, s)`` images -> ``(n, c, g, g, g)`` volumes."""
        n = images.shape[0]
        vol = self.lift(images).view(n, self.channels, self.grid, self.grid, self.grid)
        return self.refine(vol.contiguous(memory_format=torch.channels_last_3d))

    def rotate(self, latent: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
        """Turn volumes by ``(n, 3, 3)`` camera-frame rotations."""
        return rotate_volume(latent, rotation)

    def decode_raw(self, latent: torch.Tensor) -> torch.Tensor:
        """Volumes -> ``(n, 1, s, s)`` unclipped images (what the loss sees)."""
        n = latent.shape[0]
        vol = self.unrefine(latent)
        # the network draws darkness on a white page: zero output is the background
        return 1.0 - self.project(vol.reshape(n, self.channels * self.grid, self.grid, self.grid))

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Volumes -> ``(n, 1, s, s)`` images clipped to [0, 1]."""
        return self.decode_raw(latent).clamp(0.0, 1.0)

    def describe(self, latent: torch.Tensor) -> Description:
        """The symbolic description of each latent."""
        return self.head(latent)

    def distance(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """How far apart two batches of volumes are, ``(n,)``.

        With the shape loss on (``shape_weight > 0``) the first channel holds the log-odds
        that a voxel lies inside a cube: the distance is the mean squared difference of
        those occupancy probabilities. Without it, the mean squared difference of every
        channel.
        """
        if self.occupancy:
            return ((torch.sigmoid(a[:, 0]) - torch.sigmoid(b[:, 0])) ** 2).flatten(1).mean(1)
        return ((a - b) ** 2).flatten(1).mean(1)


class PlainPerception(nn.Module):
    """The non-equivariant ablation: image -> code vector; rotations by a learned network.

    Parameters
    ----------
    config
        Sizes (:class:`~cogalign.rotation.neural.config.NetConfig`).
    """

    kind = "plain"

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        c1, c2 = config.features
        g, d = config.grid, config.latent_dim
        self.grid, self.c2 = g, c2
        self.to_code = nn.Sequential(_image_trunk(c1, c2), nn.Flatten(), nn.Linear(c2 * g * g, d))
        self.turn = nn.Sequential(nn.Linear(d + 9, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.from_code = nn.Linear(d, c2 * g * g)
        self.project = _image_head(c1, c2)
        self.head = SymbolicHead("vector", d, g, config.n_arms,
                                 max_arm_length(config.n_cubes, config.n_arms), config.head_hidden)
        init_weights(self)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """``(n, 1, s, s)`` images -> ``(n, d)`` codes."""
        return self.to_code(images)

    def rotate(self, latent: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
        """Turn codes by ``(n, 3, 3)`` rotations (a residual learned network)."""
        if rotation.dim() == 2:
            rotation = rotation.expand(latent.shape[0], 3, 3)
        return latent + self.turn(torch.cat([latent, rotation.flatten(1).to(latent.dtype)], 1))

    def decode_raw(self, latent: torch.Tensor) -> torch.Tensor:
        """Codes -> ``(n, 1, s, s)`` unclipped images (what the loss sees)."""
        maps = F.relu(self.from_code(latent)).view(-1, self.c2, self.grid, self.grid)
        return 1.0 - self.project(maps)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Codes -> ``(n, 1, s, s)`` images clipped to [0, 1]."""
        return self.decode_raw(latent).clamp(0.0, 1.0)

    def describe(self, latent: torch.Tensor) -> Description:
        """The symbolic description of each latent."""
        return self.head(latent)

    def distance(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Mean squared difference of two batches of codes, ``(n,)``."""
        return ((a - b) ** 2).mean(1)


def make_perception(kind: str, config: NetConfig) -> nn.Module:
    """A new, untrained perception module of ``kind`` (``"equivariant"`` or ``"plain"``)."""
    return {"equivariant": EquivariantPerception, "plain": PlainPerception}[kind](config)
