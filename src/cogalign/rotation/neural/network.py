"""The trained model as one object: perception modules, agents, config; saving and loading.

A :class:`RotationNet` holds one perception module per encoder kind and one agent per
variant that needs it (:data:`~cogalign.rotation.neural.config.VARIANTS`), so the full model
and its ablations share what they have in common (the no-symbolic and no-recurrent variants
use the full model's trained encoder). :meth:`RotationNet.variant` picks the pieces of one
variant. :func:`save_network` writes weights, config and training state to one file that
:func:`load_network` reads back (``torch.load`` with ``weights_only=True``: no code runs when
a file is read).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cogalign.atomic import atomic_write_bytes
from cogalign.errors import CogalignError
from cogalign.rotation.neural.agents import make_agent
from cogalign.rotation.neural.config import NetConfig, Variant, get_variant
from cogalign.rotation.neural.encoders import make_perception

__all__ = ["FORMAT", "CheckpointError", "ModelVariant", "RotationNet", "load_checkpoint",
           "load_network", "save_network"]

#: Marker of a saved model file.
FORMAT = "cogalign-rotation-net/1"


class CheckpointError(CogalignError):
    """A model file is missing, unreadable, or not a cogalign rotation model."""


def _module_name(key: str) -> str:
    return key.replace("/", "__").replace("-", "_")


@dataclass
class ModelVariant:
    """The perception module and agent of one variant of a :class:`RotationNet`."""

    name: str
    variant: Variant
    perception: nn.Module
    agent: nn.Module


class RotationNet(nn.Module):
    """Perception modules and agents of the neural mental-rotation model.

    Parameters
    ----------
    config
        Architecture and the variants to hold.

    Attributes
    ----------
    config
        The :class:`~cogalign.rotation.neural.config.NetConfig`.
    perceptions
        One module per encoder kind (``"equivariant"``, ``"plain"``).
    agents
        One agent per variant's agent key.
    stages_done
        Training stages completed (names like ``"perception:equivariant"``).
    """

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        self.perceptions = nn.ModuleDict({k: make_perception(k, config) for k in config.encoders()})
        agents = {}
        for key in config.agents():
            encoder, kind, compare = key.split("/")
            agents[_module_name(key)] = make_agent(kind, encoder, compare == "symbolic", config)
        self.agents = nn.ModuleDict(agents)
        self.stages_done: list[str] = []

    def variant(self, name: str | Variant) -> ModelVariant:
        """The pieces of one variant (a name of :data:`VARIANTS` or a :class:`Variant`)."""
        v = get_variant(name)
        key = _module_name(v.agent_key)
        if v.encoder not in self.perceptions or key not in self.agents:
            raise CogalignError(f"this model was trained without variant {name!r}; it has "
                                f"{', '.join(self.config.variants)}")
        label = name if isinstance(name, str) else v.agent_key
        return ModelVariant(label, v, self.perceptions[v.encoder], self.agents[key])

    def agent(self, key: str) -> nn.Module:
        """The agent stored under an agent key (``encoder/agent/symbolic|latent``)."""
        return self.agents[_module_name(key)]

    @property
    def device(self) -> torch.device:
        """Where the weights are."""
        return next(self.parameters()).device


def save_network(net: RotationNet, path: str | os.PathLike[str], *,
                 training: dict[str, Any] | None = None) -> Path:
    """Write a model (and optionally its training state) to one file, atomically.

    Parameters
    ----------
    net
        The model.
    path
        Destination (its folder is created).
    training
        Optimiser state, stage and step, history: what resuming needs.

    Returns
    -------
    pathlib.Path
    """
    payload = {"format": FORMAT, "config": net.config.to_dict(),
               "state": {k: v.detach().cpu() for k, v in net.state_dict().items()},
               "stages_done": list(net.stages_done), "training": training or {}}
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The raw content of a model file (config, weights, training state).

    Raises
    ------
    CheckpointError
        When the file is missing or not a cogalign rotation model.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such model file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a damaged or foreign file: torch raises many kinds
        raise CheckpointError(f"{path}: not a readable model file ({type(exc).__name__}); "
                              "write one with cogalign rotation train") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a cogalign rotation model (format {FORMAT!r})")
    return payload


def load_network(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> RotationNet:
    """Read a model written by :func:`save_network` (or a training checkpoint).

    Parameters
    ----------
    path
        The file.
    device
        Where to put the weights (``"cpu"``, ``"cuda"``).

    Returns
    -------
    RotationNet
        In evaluation mode.
    """
    payload = load_checkpoint(path)
    net = RotationNet(NetConfig.from_dict(payload["config"]))
    try:
        net.load_state_dict(payload["state"])
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not fit the stored config: {exc}") from None
    net.stages_done = list(payload.get("stages_done", []))
    return net.to(device).eval()
