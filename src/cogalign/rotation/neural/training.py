"""Training the neural model in stages, with checkpoints that resume exactly.

Stages, in order:

``perception:<encoder>``
    The encoder, decoder and symbolic head together: novel-view loss (encode view a, turn
    the latent by the known rotation, decode, squared error to view b, and the other way
    round) plus ``symbolic_weight`` times the symbolic loss on the latents of both views
    and on the turned latent.
``agent:<key>``
    One agent, perception frozen. The recurrent agent learns by imitation with the
    learner's own states (DAgger): every step it is told the ideal move - the remaining
    rotation, cut to one step - and the ideal decision - go on while more than half a step
    is left, then same or mirror (stops weighted up by half the number of looks, as a trial
    has one stop among many looks) - while the rotation actually applied is the teacher's
    (with a share falling from 1 to 0.2 over the stage) or its own. The one-shot agent is a
    same/mirror classifier. The search agent has nothing to learn: its match threshold is
    calibrated on training pairs, to tell same pairs turned into alignment from mirror
    pairs and from same pairs left unturned.

Every batch is drawn from a seed made of the model seed, the stage and the step, so a run
stopped at any checkpoint and resumed gives the same weights as an uninterrupted run.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from cogalign.errors import CogalignError
from cogalign.rotation.neural.config import NetConfig
from cogalign.rotation.neural.geometry import exp_map, log_map
from cogalign.rotation.neural.network import RotationNet, load_checkpoint, save_network
from cogalign.rotation.neural.shapes import all_shapes, split_shapes
from cogalign.rotation.neural.symbolic import symbolic_loss
from cogalign.rotation.neural.views import PairBatch, sample_pairs

__all__ = ["resolve_device", "stage_names", "tensors", "train_network", "training_shapes"]


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"``; refuses missing CUDA."""
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise CogalignError("device 'cuda' asked for, but torch sees no CUDA GPU; use --device cpu")
    return dev


def training_shapes(config: NetConfig) -> tuple[list, list]:
    """Training and held-out shapes of a config (the split is fixed by its seed)."""
    return split_shapes(all_shapes(config.n_cubes, config.n_arms), config.test_fraction, config.seed)


def stage_names(config: NetConfig) -> list[str]:
    """The training stages a config needs, in order."""
    return [f"perception:{k}" for k in config.encoders()] + [f"agent:{k}" for k in config.agents()]


def tensors(batch: PairBatch, device: torch.device) -> dict[str, torch.Tensor]:
    """A batch's arrays as tensors on ``device``."""
    out = {}
    for name in ("images_a", "images_b", "rotation", "vectors_a", "lengths_a", "valid_a",
                 "vectors_b", "lengths_b", "valid_b", "occupancy_a", "occupancy_b"):
        out[name] = torch.as_tensor(getattr(batch, name), device=device)
    out["mirror"] = torch.as_tensor(batch.mirror.astype(np.int64), device=device)
    return out


def _perception_loss(perception: torch.nn.Module, b: dict[str, torch.Tensor], weight: float,
                     shape_weight: float) -> tuple[torch.Tensor, dict[str, float]]:
    za, zb = perception.encode(b["images_a"]), perception.encode(b["images_b"])
    rot = b["rotation"]
    ra, rb = perception.rotate(za, rot), perception.rotate(zb, rot.transpose(1, 2))
    # squared error, not L1: the median of a mostly white view is white, and an L1-trained
    # decoder settles on drawing the background only
    view = (F.mse_loss(perception.decode_raw(ra), b["images_b"])
            + F.mse_loss(perception.decode_raw(rb), b["images_a"])) / 2.0
    sym = (symbolic_loss(perception.describe(za), b["vectors_a"], b["lengths_a"], b["valid_a"])
           + symbolic_loss(perception.describe(zb), b["vectors_b"], b["lengths_b"], b["valid_b"])
           + symbolic_loss(perception.describe(ra), b["vectors_b"], b["lengths_b"], b["valid_b"])) / 3.0
    loss = view + weight * sym
    info = {"view": view.item(), "symbolic": sym.item()}
    if shape_weight > 0 and perception.kind == "equivariant":
        shape = (F.binary_cross_entropy_with_logits(za[:, 0], b["occupancy_a"])
                 + F.binary_cross_entropy_with_logits(zb[:, 0], b["occupancy_b"])
                 + F.binary_cross_entropy_with_logits(ra[:, 0], b["occupancy_b"])) / 3.0
        loss = loss + shape_weight * shape
        info["shape"] = shape.item()
    return loss, info


def _recurrent_loss(agent: torch.nn.Module, perception: torch.nn.Module, b: dict[str, torch.Tensor],
                    config: NetConfig, teacher_share: float, rng: np.random.Generator
                    ) -> tuple[torch.Tensor, dict[str, float]]:
    with torch.no_grad():
        za, zb = perception.encode(b["images_a"]), perception.encode(b["images_b"])
        desc_b = perception.describe(zb) if agent.compare.symbolic else None
    n = za.shape[0]
    target = b["rotation"]
    applied = torch.eye(3, device=za.device).expand(n, 3, 3).clone()
    hidden = za.new_zeros(n, agent.hidden)
    max_step = math.radians(config.max_step_deg)
    horizon = min(config.max_steps, math.ceil(180.0 / config.max_step_deg) + 2)
    total = za.new_zeros(())
    correct = 0.0
    # a trial has one stop among ~horizon looks: weigh the stops up so "go on" is not a safe bet
    weight = torch.tensor([1.0, horizon / 2.0, horizon / 2.0], device=za.device)
    for _ in range(horizon):
        with torch.no_grad():
            now = perception.rotate(za, applied)
            remaining = log_map(target @ applied.transpose(1, 2))
            left = torch.linalg.vector_norm(remaining, dim=-1)
            ideal = remaining * (max_step / left.clamp_min(1e-9)).clamp(max=1.0)[:, None]
            label = torch.where(left > max_step / 2.0, torch.zeros_like(b["mirror"]), 1 + b["mirror"])
        hidden, step, logits = agent.step(perception, now, zb, desc_b, hidden)
        total = (total + F.cross_entropy(logits, label, weight=weight)
                 + ((step - ideal) ** 2).sum(-1).mean() / max_step**2)
        correct += float((logits.argmax(-1) == label).float().mean())
        teach = torch.as_tensor(rng.random(n) < teacher_share, device=za.device)[:, None]
        noise = torch.as_tensor(rng.normal(0.0, 0.15 * max_step, size=(n, 3)), dtype=za.dtype,
                                device=za.device)
        move = torch.where(teach, ideal + noise, step.detach())
        applied = exp_map(move) @ applied
    return total / horizon, {"loss": total.item() / horizon, "decision_accuracy": correct / horizon}


def _one_shot_loss(agent: torch.nn.Module, perception: torch.nn.Module, b: dict[str, torch.Tensor]
                   ) -> tuple[torch.Tensor, dict[str, float]]:
    with torch.no_grad():
        za, zb = perception.encode(b["images_a"]), perception.encode(b["images_b"])
    logits = agent.logits(perception, za, zb)
    loss = F.cross_entropy(logits, b["mirror"])
    return loss, {"loss": loss.item(), "accuracy": (logits.argmax(-1) == b["mirror"]).float().mean().item()}


@torch.no_grad()
def _calibrate_search(agent: torch.nn.Module, perception: torch.nn.Module, config: NetConfig,
                      shapes: list, device: torch.device, stage: int) -> dict[str, float]:
    match, no_match = [], []
    for k in range(max(1, min(8, config.agent_steps))):
        batch = sample_pairs(shapes, config.batch_size, [config.seed, stage, k], size=config.size,
                             mirror_share=0.5, stimulus_share=config.stimulus_share)
        b = tensors(batch, device)
        za, zb = perception.encode(b["images_a"]), perception.encode(b["images_b"])
        desc_b = perception.describe(zb) if agent.symbolic else None
        aligned = agent.mismatch(perception, perception.rotate(za, b["rotation"]), zb, desc_b).cpu().numpy()
        unturned = agent.mismatch(perception, za, zb, desc_b).cpu().numpy()
        # a same pair still more than a step away from alignment is no match either
        far = ~batch.mirror & (batch.angle > config.max_step_deg)
        match.append(aligned[~batch.mirror])
        no_match += [aligned[batch.mirror], unturned[far]]
    s, m = np.concatenate(match), np.concatenate(no_match)
    if not len(s) or not len(m):
        raise CogalignError("calibrating the search agent needs both same and mirror pairs")
    thr = agent.calibrate(s, m)
    return {"threshold": thr, "separation": float((np.mean(s < thr) + np.mean(m >= thr)) / 2.0)}


def train_network(
    config: NetConfig | None = None,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = True,
    device: str | torch.device | None = "cpu",
    progress: bool = True,
    log: Callable[[str], Any] | None = None,
    stop_after: int | None = None,
) -> RotationNet:
    """Train (or resume training) the neural model, stage by stage.

    Parameters
    ----------
    config
        What to train (default :class:`~cogalign.rotation.neural.config.NetConfig`).
    checkpoint
        File written every ``config.checkpoint_every`` steps and at every stage's end; the
        finished model is in it too.
    resume
        When ``checkpoint`` exists, continue from it (its config is used; a different
        ``config`` is refused).
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    progress
        Show a progress bar per stage.
    log
        Called with one line at the end of each stage.
    stop_after
        Stop after this many optimiser steps in this call (for tests of resuming).

    Returns
    -------
    RotationNet
        In evaluation mode, with ``training_history`` (losses by stage), ``training_seconds``
        (seconds by stage) and ``stages_done``.
    """
    from tqdm.auto import tqdm

    dev = resolve_device(device)
    state: dict[str, Any] = {"stage": 0, "step": 0, "optimizer": None, "history": {}, "seconds": {}}
    payload = None
    if checkpoint is not None and resume and Path(checkpoint).is_file():
        payload = load_checkpoint(checkpoint)
        stored = NetConfig.from_dict(payload["config"])
        if config is not None and stored != config:
            raise CogalignError(f"{checkpoint} was trained with other settings; use another file "
                                "or resume=False to start over")
        config = stored
    config = config or NetConfig()
    torch.manual_seed(config.seed)
    net = RotationNet(config)
    if payload is not None:
        net.load_state_dict(payload["state"])
        net.stages_done = list(payload.get("stages_done", []))
        state.update(payload.get("training") or {})
    net.to(dev)
    train_shapes, _ = training_shapes(config)
    stages = stage_names(config)
    budget = stop_after
    while state["stage"] < len(stages):
        index = state["stage"]
        name = stages[index]
        kind, _, key = name.partition(":")
        started = time.perf_counter()
        if kind == "agent" and key.split("/")[1] == "search":
            perception = net.perceptions[key.split("/")[0]]
            info = _calibrate_search(net.agent(key), perception, config, train_shapes, dev, index)
            state["history"][name] = [info]
        else:
            if kind == "perception":
                module = net.perceptions[key]
                params = list(module.parameters())
                n_steps = config.perception_steps
            else:
                module = net.agent(key)
                perception = net.perceptions[key.split("/")[0]]
                perception.requires_grad_(False)
                params = list(module.parameters())
                n_steps = config.agent_steps
            net.train()
            optimizer = torch.optim.Adam(params, lr=config.learning_rate)
            if state["optimizer"] is not None:
                optimizer.load_state_dict(state["optimizer"])
            history = state["history"].setdefault(name, [])
            bar = tqdm(total=n_steps, initial=state["step"], desc=name, disable=not progress,
                       leave=False)
            while state["step"] < n_steps:
                if budget is not None and budget <= 0:
                    bar.close()
                    net.eval()
                    state["optimizer"] = optimizer.state_dict()
                    if checkpoint is not None:
                        save_network(net, checkpoint, training=_state_for_file(state))
                    net.training_history = state["history"]
                    net.training_seconds = state["seconds"]
                    return net
                step = state["step"]
                rng = np.random.default_rng([config.seed, index, step])
                if kind == "perception":
                    batch = sample_pairs(train_shapes, config.batch_size, rng, size=config.size,
                                         stimulus_share=config.stimulus_share)
                    loss, info = _perception_loss(module, tensors(batch, dev), config.symbolic_weight,
                                                  config.shape_weight)
                else:
                    batch = sample_pairs(train_shapes, config.batch_size, rng, size=config.size,
                                         mirror_share=0.5, stimulus_share=config.stimulus_share)
                    if module.kind == "recurrent":
                        share = max(0.2, 1.0 - step / max(1.0, 0.6 * n_steps))
                        loss, info = _recurrent_loss(module, perception, tensors(batch, dev),
                                                     config, share, rng)
                    else:
                        loss, info = _one_shot_loss(module, perception, tensors(batch, dev))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                state["step"] = step + 1
                if budget is not None:
                    budget -= 1
                history.append({"step": step + 1, **info})
                bar.update(1)
                bar.set_postfix({k: f"{v:.3f}" for k, v in info.items()})
                if checkpoint is not None and config.checkpoint_every and (step + 1) % config.checkpoint_every == 0 \
                        and step + 1 < n_steps:
                    state["optimizer"] = optimizer.state_dict()
                    save_network(net, checkpoint, training=_state_for_file(state))
            bar.close()
            if kind == "agent":
                perception.requires_grad_(True)
        state["seconds"][name] = state["seconds"].get(name, 0.0) + time.perf_counter() - started
        net.stages_done.append(name)
        state.update(stage=index + 1, step=0, optimizer=None)
        if checkpoint is not None:
            save_network(net, checkpoint, training=_state_for_file(state))
        if log is not None:
            last = state["history"][name][-1] if state["history"].get(name) else {}
            log(f"{name}: done ({', '.join(f'{k} {v:.3f}' for k, v in last.items() if k != 'step')})")
    net.eval()
    net.training_history = state["history"]
    net.training_seconds = state["seconds"]
    return net


def _state_for_file(state: dict[str, Any]) -> dict[str, Any]:
    """The training state as what ``torch.load(weights_only=True)`` can read back."""
    return {"stage": state["stage"], "step": state["step"], "optimizer": state["optimizer"],
            "history": state["history"], "seconds": state["seconds"]}
