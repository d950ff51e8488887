"""Settings of the neural mental-rotation model, and the ablations as one switch each.

:class:`NetConfig` holds everything that defines a trained model - image size, layer widths,
object size, step size of a mental rotation, training schedule - and travels inside every
checkpoint, so a saved model is rebuilt exactly. :class:`Variant` holds the three switches
of the ablation study; :data:`VARIANTS` names the full model, the public-code search agent
and the three ablations:

============== ============ ========= ===========
variant        encoder      symbolic  agent
============== ============ ========= ===========
full           equivariant  yes       recurrent
search         equivariant  no        search
plain-encoder  plain        yes       recurrent
no-symbolic    equivariant  no        recurrent
no-recurrent   equivariant  yes       one-shot
============== ============ ========= ===========
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["AGENTS", "ENCODERS", "VARIANTS", "NetConfig", "Variant", "build_config", "get_variant",
           "tiny_config"]

#: Encoder kinds: a 3-D feature volume turned by resampling, or a plain CNN code vector
#: turned by a learned network.
ENCODERS = ("equivariant", "plain")
#: Decision agents.
AGENTS = ("recurrent", "search", "one-shot")


@dataclass(frozen=True)
class Variant:
    """One model of the ablation study.

    Parameters
    ----------
    encoder
        ``"equivariant"`` (image -> 3-D feature volume, turned by resampling) or
        ``"plain"`` (image -> code vector; a learned network applies rotations).
    symbolic
        Whether the agent compares symbolic descriptions (arm codes read from the latent) or
        the latents themselves.
    agent
        ``"recurrent"`` (rotation steps until it decides), ``"search"`` (Bayesian
        optimisation of the angle with a rotation cost, as in the seed paper's public code)
        or ``"one-shot"`` (a same/mirror classifier, no rotation).
    """

    encoder: str = "equivariant"
    symbolic: bool = True
    agent: str = "recurrent"

    def __post_init__(self) -> None:
        if self.encoder not in ENCODERS:
            raise CogalignError(f"unknown encoder {self.encoder!r}; use one of {ENCODERS}")
        if self.agent not in AGENTS:
            raise CogalignError(f"unknown agent {self.agent!r}; use one of {AGENTS}")

    @property
    def agent_key(self) -> str:
        """Name of the trained agent this variant uses (``encoder/agent/symbolic|latent``)."""
        return f"{self.encoder}/{self.agent}/{'symbolic' if self.symbolic else 'latent'}"


#: The full model, the public-code variant and the ablations (one switch each from full).
VARIANTS: dict[str, Variant] = {
    "full": Variant(),
    "search": Variant(symbolic=False, agent="search"),
    "plain-encoder": Variant(encoder="plain"),
    "no-symbolic": Variant(symbolic=False),
    "no-recurrent": Variant(agent="one-shot"),
}


def get_variant(name: str | Variant) -> Variant:
    """The :class:`Variant` a name stands for (a :class:`Variant` is returned as is)."""
    if isinstance(name, Variant):
        return name
    if name not in VARIANTS:
        raise CogalignError(f"unknown model variant {name!r}; use one of {', '.join(VARIANTS)}")
    return VARIANTS[name]


@dataclass(frozen=True)
class NetConfig:
    """Architecture, task and training schedule of the neural model.

    Parameters
    ----------
    size
        Image width and height in pixels (a multiple of 16, at least 32). The feature volume
        has ``size / 4`` voxels a side.
    features
        Channels of the two 2-D convolution stages of the encoder and decoder.
    volume_channels
        Channels per voxel of the feature volume.
    latent_dim
        Size of the plain encoder's code vector.
    head_hidden, agent_hidden
        Hidden units of the symbolic head and of the agents.
    n_cubes, n_arms
        Size of the Shepard-Metzler objects.
    test_fraction
        Share of shapes held out of training (never seen in either handedness).
    max_step_deg
        Largest rotation of one mental-rotation step (degrees); the agent stops when it is
        within half a step of a match.
    max_steps
        Steps before the recurrent agent gives up.
    search_budget, search_cost
        Evaluations of the search agent, and its rotation cost (added to the mismatch per
        180 degrees searched away from the start).
    stimulus_share
        Share of training views in the trial layout (turn about the vertical axis then the
        20-degree tilt, rotations about x, y or z); the rest are uniformly random poses and
        axes.
    symbolic_weight
        Weight of the symbolic loss next to the novel-view loss.
    shape_weight
        Weight of the shape loss: the first channel of the feature volume is taught which
        voxels lie inside a cube (0: the novel-view and symbolic losses alone).
    batch_size, perception_steps, agent_steps, learning_rate
        Training schedule: pairs per batch and optimiser steps of the encoder stage and of
        each agent.
    checkpoint_every
        Optimiser steps between checkpoints.
    seed
        Seed of the weights, the shape split and every training batch.
    """

    size: int = 64
    features: tuple[int, int] = (16, 32)
    volume_channels: int = 8
    latent_dim: int = 256
    head_hidden: int = 256
    agent_hidden: int = 128
    n_cubes: int = 10
    n_arms: int = 4
    test_fraction: float = 0.2
    max_step_deg: float = 20.0
    max_steps: int = 16
    search_budget: int = 16
    search_cost: float = 0.3
    stimulus_share: float = 0.5
    symbolic_weight: float = 0.5
    shape_weight: float = 1.0
    batch_size: int = 16
    perception_steps: int = 3000
    agent_steps: int = 800
    learning_rate: float = 2e-3
    checkpoint_every: int = 100
    seed: int = 0
    variants: tuple[str, ...] = field(default=tuple(VARIANTS))

    def __post_init__(self) -> None:
        if self.size < 32 or self.size % 16:
            raise CogalignError(f"size must be a multiple of 16 of at least 32, got {self.size}")
        if not 0.0 < self.max_step_deg <= 90.0:
            raise CogalignError(f"max_step_deg must be in (0, 90], got {self.max_step_deg}")
        for name in ("batch_size", "max_steps", "search_budget", "volume_channels", "latent_dim"):
            if getattr(self, name) < 1:
                raise CogalignError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("perception_steps", "agent_steps", "checkpoint_every"):
            if getattr(self, name) < 0:
                raise CogalignError(f"{name} must be at least 0, got {getattr(self, name)}")
        for v in self.variants:
            get_variant(v)
        object.__setattr__(self, "features", tuple(int(f) for f in self.features))
        object.__setattr__(self, "variants", tuple(self.variants))

    @property
    def grid(self) -> int:
        """Voxels along each side of the feature volume."""
        return self.size // 4

    def encoders(self) -> list[str]:
        """Encoder kinds the chosen variants need, in training order."""
        kinds = {get_variant(v).encoder for v in self.variants}
        return [k for k in ENCODERS if k in kinds]

    def agents(self) -> list[str]:
        """Agent keys the chosen variants need, in training order."""
        keys = []
        for v in self.variants:
            key = get_variant(v).agent_key
            if key not in keys:
                keys.append(key)
        return keys

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists for tuples), for a checkpoint or JSON."""
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetConfig:
        """Rebuild from :meth:`to_dict` output (unknown keys are refused)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise CogalignError(f"unknown NetConfig setting(s): {', '.join(unknown)}; known: "
                                f"{', '.join(sorted(names))}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        try:
            return cls(**values)
        except TypeError as exc:
            raise CogalignError(f"bad NetConfig setting: {exc}") from None

    def replace(self, **changes: Any) -> NetConfig:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)


def tiny_config(**changes: Any) -> NetConfig:
    """A small, fast configuration (32 px, few steps) for tests, demos and fast mode."""
    base = NetConfig(size=32, features=(8, 16), volume_channels=4, latent_dim=64,
                     head_hidden=64, agent_hidden=32, perception_steps=60, agent_steps=30,
                     batch_size=8, max_step_deg=30.0, max_steps=10, search_budget=8,
                     checkpoint_every=20)
    return base.replace(**changes)


def build_config(
    *,
    size: int | None = None,
    perception_steps: int | None = None,
    agent_steps: int | None = None,
    variants: list[str] | tuple[str, ...] | None = None,
    tiny: bool = False,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
) -> NetConfig:
    """A :class:`NetConfig` from command-line style options (``None``: keep the default).

    Parameters
    ----------
    size, perception_steps, agent_steps, variants, seed
        The settings of the same name.
    tiny
        Start from :func:`tiny_config` instead of the defaults.
    settings
        Any other settings by name (unknown names are refused).

    Returns
    -------
    NetConfig
    """
    base = tiny_config() if tiny else NetConfig()
    values = base.to_dict()
    values.update(settings or {})
    for name, value in (("size", size), ("perception_steps", perception_steps),
                        ("agent_steps", agent_steps), ("variants", variants)):
        if value is not None:
            values[name] = list(value) if isinstance(value, tuple | list) else value
    values["seed"] = seed
    return NetConfig.from_dict(values)
