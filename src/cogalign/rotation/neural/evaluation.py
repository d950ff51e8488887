"""How well each part of a trained model works, on shapes it never saw.

* :func:`novel_view_psnr` - the equivariant renderer's novel-view error by rotation angle:
  encode a view, turn the latent, decode, compare with the true rotated view (PSNR in dB),
  next to the PSNR of the unturned input as a baseline;
* :func:`symbolic_accuracy` - the symbolic stage's object-centred code: exact match and per
  arm;
* :func:`run_trials` - an agent's decisions on a batch of trials;
* :func:`agent_by_angle` - accuracy and steps by angle and pair type on trial-layout pairs;
* :func:`evaluate_network` - all of the above in one summary;
* :func:`latent_rotation` - images decoded from a latent turned in steps, next to the true
  views (for figures).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from cogalign.rotation.neural.agents import Decisions
from cogalign.rotation.neural.config import Variant
from cogalign.rotation.neural.network import RotationNet
from cogalign.rotation.neural.symbolic import code_scores, describe_codes
from cogalign.rotation.neural.training import training_shapes
from cogalign.rotation.neural.views import PairBatch, sample_pairs, trial_pairs
from cogalign.rotation.objects import CubeObject, rotation_matrix

__all__ = ["agent_by_angle", "evaluate_network", "latent_rotation", "novel_view_psnr",
           "run_trials", "symbolic_accuracy", "trial_objects"]


def _images(x: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(x, device=device)


def _psnr(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    mse = ((pred - truth) ** 2).reshape(len(pred), -1).mean(1)
    return 10.0 * np.log10(1.0 / np.maximum(mse, 1e-10))


@torch.no_grad()
def novel_view_psnr(
    net: RotationNet,
    encoder: str = "equivariant",
    *,
    angles: Sequence[float] = (0, 30, 60, 90, 120, 150, 180),
    n_per_angle: int = 64,
    shapes: Sequence[CubeObject] | None = None,
    seed: int = 1,
    batch_size: int = 64,
) -> pd.DataFrame:
    """Novel-view PSNR by rotation angle on held-out shapes.

    Parameters
    ----------
    net
        Trained model.
    encoder
        Which perception module (``"equivariant"`` or ``"plain"``).
    angles
        Rotation angles (degrees); axes and start poses as in training (half trial layout,
        half uniformly random).
    n_per_angle
        Pairs per angle.
    shapes
        Shapes to test on (default: the model's held-out shapes).
    seed
        Seed of the pairs.
    batch_size
        Pairs per forward pass.

    Returns
    -------
    pandas.DataFrame
        One row per angle: ``angle``, ``psnr`` (mean dB), ``psnr_sd``, ``baseline_psnr``
        (the input view taken as the prediction), ``mse``, ``n``.
    """
    perception = net.perceptions[encoder]
    shapes = list(shapes) if shapes is not None else training_shapes(net.config)[1]
    dev = net.device
    rows = []
    for k, angle in enumerate(angles):
        batch = sample_pairs(shapes, n_per_angle, [seed, k], size=net.config.size,
                             stimulus_share=net.config.stimulus_share,
                             angles=[float(angle)] * n_per_angle)
        preds = []
        for s in range(0, n_per_angle, batch_size):
            xa = _images(batch.images_a[s:s + batch_size], dev)
            rot = torch.as_tensor(batch.rotation[s:s + batch_size], device=dev)
            preds.append(perception.decode(perception.rotate(perception.encode(xa), rot)).cpu().numpy())
        pred = np.concatenate(preds)
        psnr = _psnr(pred, batch.images_b)
        rows.append({"angle": float(angle), "psnr": float(psnr.mean()), "psnr_sd": float(psnr.std()),
                     "baseline_psnr": float(_psnr(batch.images_a, batch.images_b).mean()),
                     "mse": float(((pred - batch.images_b) ** 2).mean()), "n": n_per_angle})
    return pd.DataFrame(rows)


@torch.no_grad()
def symbolic_accuracy(
    net: RotationNet,
    encoder: str = "equivariant",
    *,
    n: int = 256,
    shapes: Sequence[CubeObject] | None = None,
    seed: int = 2,
    batch_size: int = 64,
) -> dict[str, float]:
    """The symbolic stage's object-centred code on views of held-out shapes.

    Parameters
    ----------
    net
        Trained model.
    encoder
        Which perception module.
    n
        Views (random poses: half trial layout, half uniform).
    shapes
        Shapes (default: the model's held-out shapes).
    seed
        Seed of the views.
    batch_size
        Views per forward pass.

    Returns
    -------
    dict
        ``exact_match``, ``per_arm``, ``length_accuracy``, ``turn_accuracy`` (see
        :func:`~cogalign.rotation.neural.symbolic.code_scores`), ``direction_error_deg``
        (mean angle between predicted and true arm directions, at the better of the two
        chain readings), and chance levels: ``direction_error_chance_deg`` and
        ``length_accuracy_chance``, the same descriptions scored against the views in a
        shuffled order; ``n``.
    """
    perception = net.perceptions[encoder]
    shapes = list(shapes) if shapes is not None else training_shapes(net.config)[1]
    batch = sample_pairs(shapes, n, seed, size=net.config.size,
                         stimulus_share=net.config.stimulus_share)
    codes, vectors, lengths = [], [], []
    for s in range(0, n, batch_size):
        desc = perception.describe(perception.encode(_images(batch.images_a[s:s + batch_size], net.device)))
        codes += describe_codes(desc)
        vectors.append(desc.vectors.cpu().numpy())
        lengths.append(desc.lengths.cpu().numpy())
    vec, lens = np.concatenate(vectors), np.concatenate(lengths)
    # chance: the same descriptions scored against the views in a shuffled order
    shuffled = np.random.default_rng(seed).permutation(n)
    out = code_scores(codes, batch.codes_a)
    out["direction_error_deg"] = _direction_error(vec, batch.vectors_a, batch.valid_a)
    out["direction_error_chance_deg"] = _direction_error(vec, batch.vectors_a[shuffled],
                                                         batch.valid_a[shuffled])
    out["length_accuracy_chance"] = _length_accuracy(lens, batch.lengths_a[shuffled],
                                                     batch.valid_a[shuffled])
    return out


def _direction_error(vectors: np.ndarray, target: np.ndarray, valid: np.ndarray) -> float:
    """Mean angle (deg) between predicted ``(n, k, 3)`` and true arms, at the better reading."""
    cos = np.clip((vectors[:, None] * target).sum(-1), -1.0, 1.0)    # (n, 2, k)
    err = np.rad2deg(np.arccos(cos)).mean(-1)
    return float(np.where(valid, err, np.inf).min(1).mean())


def _length_accuracy(lengths: np.ndarray, target: np.ndarray, valid: np.ndarray) -> float:
    """Share of arm lengths right ``(n, k)`` vs ``(n, 2, k)``, at the better reading."""
    right = (lengths[:, None] == target).mean(-1)
    return float(np.where(valid, right, -np.inf).max(1).mean())


@torch.no_grad()
def run_trials(
    net: RotationNet,
    variant: str | Variant,
    batch: PairBatch,
    *,
    temperature: float = 0.0,
    seed: int = 0,
    batch_size: int = 64,
    keep_path: bool = False,
) -> Decisions:
    """An agent's decisions on the trials of a :class:`~cogalign.rotation.neural.views.PairBatch`.

    Parameters
    ----------
    net
        Trained model.
    variant
        A name of :data:`~cogalign.rotation.neural.config.VARIANTS` or a :class:`Variant`.
    batch
        Trials (left view a, right view b).
    temperature
        Decision noise (0: always the most likely decision).
    seed
        Seed of sampled decisions and of the search agent.
    batch_size
        Trials per forward pass.
    keep_path
        Keep each trial's rotation at every step.

    Returns
    -------
    Decisions
    """
    mv = net.variant(variant)
    dev = net.device
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    parts = []
    for s in range(0, len(batch), batch_size):
        za = mv.perception.encode(_images(batch.images_a[s:s + batch_size], dev))
        zb = mv.perception.encode(_images(batch.images_b[s:s + batch_size], dev))
        parts.append(mv.agent.act(mv.perception, za, zb, temperature=temperature, generator=gen,
                                  keep_path=keep_path, axes=list(batch.axis[s:s + batch_size])))
    path: list[np.ndarray] = []
    if keep_path:
        longest = max(len(p.path) for p in parts)
        for t in range(longest):
            path.append(np.concatenate([p.path[min(t, len(p.path) - 1)] for p in parts]))
    return Decisions(np.concatenate([p.answer for p in parts]), np.concatenate([p.steps for p in parts]),
                     np.concatenate([p.gave_up for p in parts]), np.concatenate([p.rotation for p in parts]),
                     path)


def trial_objects(shapes: Sequence[CubeObject], n: int, rng: np.random.Generator) -> list[CubeObject]:
    """``n`` trial objects: random shapes in a random handedness."""
    pick = rng.integers(0, len(shapes), size=n)
    hand = rng.random(n) < 0.5
    return [shapes[i].mirror() if h else shapes[i] for i, h in zip(pick, hand, strict=True)]


def agent_by_angle(
    net: RotationNet,
    variant: str | Variant = "full",
    *,
    angles: Sequence[float] = (0, 50, 100, 150),
    axis: str = "y",
    n_per_condition: int = 32,
    shapes: Sequence[CubeObject] | None = None,
    seed: int = 3,
) -> pd.DataFrame:
    """Accuracy and steps of a variant by angle and pair type, on trial-layout pairs.

    Returns
    -------
    pandas.DataFrame
        One row per angle x pair type: ``angle``, ``pair_type``, ``accuracy``, ``steps``
        (mean over correct trials), ``steps_all`` (mean over all), ``gave_up`` (share), ``n``.
    """
    shapes = list(shapes) if shapes is not None else training_shapes(net.config)[1]
    rng = np.random.default_rng(seed)
    conds = [(float(a), m) for a in angles for m in (False, True)]
    ang = np.repeat([c[0] for c in conds], n_per_condition)
    mir = np.repeat([c[1] for c in conds], n_per_condition)
    objs = trial_objects(shapes, len(ang), rng)
    seeds = rng.integers(0, 2**31 - 1, size=len(ang))
    batch = trial_pairs(objs, ang, [axis] * len(ang), mir, seeds, size=net.config.size)
    dec = run_trials(net, variant, batch, seed=seed)
    table = pd.DataFrame({"angle": ang, "pair_type": np.where(mir, "mirror", "same"),
                          "correct": dec.answer == np.where(mir, "mirror", "same"),
                          "steps": dec.steps, "gave_up": dec.gave_up})
    rows = []
    for (a, p), g in table.groupby(["angle", "pair_type"], sort=True):
        rows.append({"angle": a, "pair_type": p, "accuracy": float(g["correct"].mean()),
                     "steps": float(g.loc[g["correct"], "steps"].mean()) if g["correct"].any() else float("nan"),
                     "steps_all": float(g["steps"].mean()), "gave_up": float(g["gave_up"].mean()),
                     "n": len(g)})
    return pd.DataFrame(rows)


@torch.no_grad()
def latent_rotation(
    net: RotationNet,
    obj: CubeObject,
    *,
    axis: str = "y",
    angles: Sequence[float] = (0, 30, 60, 90, 120, 150, 180),
    encoder: str = "equivariant",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """One view's latent turned step by step and decoded, next to the true rotated views.

    Returns
    -------
    decoded, truth
        ``(len(angles), size, size)`` images each.
    """
    from cogalign.rotation.renderer import render
    from cogalign.rotation.stimuli import pair_poses

    perception = net.perceptions[encoder]
    start, _ = pair_poses(0.0, axis, seed)
    rots = np.stack([rotation_matrix(axis, float(a)) for a in angles])
    truth = render([obj] * len(angles), rots @ start, size=net.config.size)
    z = perception.encode(torch.as_tensor(truth[:1, None], device=net.device))
    z = z.expand(len(angles), *z.shape[1:])
    decoded = perception.decode(perception.rotate(z, torch.as_tensor(rots, dtype=torch.float32,
                                                                      device=net.device)))
    return decoded[:, 0].cpu().numpy(), truth


def evaluate_network(net: RotationNet, *, n: int = 64, seed: int = 0) -> dict[str, Any]:
    """Every stage of a trained model on held-out shapes, in one summary.

    Parameters
    ----------
    net
        Trained model.
    n
        Views per angle (novel views), views (symbolic code) and trials per condition
        (agents).
    seed
        Seed of the views and trials.

    Returns
    -------
    dict
        ``encoders``: per encoder kind the novel-view PSNR by angle (``psnr_by_angle``), its
        mean over non-zero angles (``psnr_rotated``) next to the input view taken as the
        prediction (``baseline_psnr_rotated``), and the ``symbolic`` scores of
        :func:`symbolic_accuracy`; ``variants``: per variant the accuracy and steps by angle
        and pair type (:func:`agent_by_angle`), overall ``accuracy`` and
        ``steps_slope_per_100deg`` (slope of mean steps on angle over correct trials).
    """
    out: dict[str, Any] = {"encoders": {}, "variants": {}}
    for kind in net.config.encoders():
        psnr = novel_view_psnr(net, kind, n_per_angle=n, seed=seed)
        turned = psnr.loc[psnr["angle"] > 0]
        out["encoders"][kind] = {
            "psnr_by_angle": psnr.to_dict(orient="records"),
            "psnr_rotated": float(turned["psnr"].mean()),
            "baseline_psnr_rotated": float(turned["baseline_psnr"].mean()),
            "symbolic": symbolic_accuracy(net, kind, n=n, seed=seed + 1),
        }
    for name in net.config.variants:
        table = agent_by_angle(net, name, n_per_condition=max(2, n // 4), seed=seed + 2)
        ok = table["steps"].notna()
        slope = (float(np.polyfit(table.loc[ok, "angle"], table.loc[ok, "steps"], 1)[0] * 100.0)
                 if table.loc[ok, "angle"].nunique() > 1 else float("nan"))
        out["variants"][name] = {"by_angle": table.to_dict(orient="records"),
                                 "accuracy": float(np.average(table["accuracy"], weights=table["n"])),
                                 "steps_slope_per_100deg": slope}
    return out
