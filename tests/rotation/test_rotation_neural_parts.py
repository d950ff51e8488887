"""The neural model's untrained parts: geometry, feature volumes, symbolic codes, agents."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cogalign.errors import CogalignError
from cogalign.rotation.neural.agents import SearchAgent
from cogalign.rotation.neural.config import (
    VARIANTS,
    NetConfig,
    build_config,
    get_variant,
    tiny_config,
)
from cogalign.rotation.neural.geometry import (
    exp_map,
    kabsch,
    log_map,
    random_rotations,
    rotation_about,
)
from cogalign.rotation.neural.shapes import all_shapes, arm_targets, code_from_arms, split_shapes
from cogalign.rotation.neural.views import occupancy, sample_pairs
from cogalign.rotation.neural.volume import rotate_volume
from cogalign.rotation.objects import generate_object, rotation_matrix
from cogalign.rotation.stimuli import pair_poses


def test_exp_and_log_maps_invert_each_other_and_kabsch_finds_the_rotation():
    rng = np.random.default_rng(0)
    rots = torch.as_tensor(random_rotations(50, rng))
    back = exp_map(log_map(rots))
    assert torch.allclose(back, rots, atol=1e-5)
    near_pi = torch.as_tensor(rotation_about(np.eye(3), [180.0, 179.99, 180.0]))
    assert torch.allclose(exp_map(log_map(near_pi)), near_pi, atol=1e-4)
    a = torch.as_tensor(rng.standard_normal((50, 4, 3)))
    found, misfit = kabsch(a, a @ rots.transpose(1, 2))
    assert torch.allclose(found, rots, atol=1e-6)
    assert float(misfit.max()) < 1e-10


def test_turning_an_occupancy_volume_gives_the_turned_objects_occupancy():
    """The volume convention matches the renderer: R applied to the volume = R applied to the pose."""
    objects = [generate_object(seed=s) for s in range(6)]
    rng = np.random.default_rng(1)
    poses = random_rotations(6, rng)
    rot = rotation_about(rng.standard_normal((6, 3)), rng.uniform(30.0, 180.0, 6))
    grid = 24
    before = torch.as_tensor(occupancy(objects, poses, grid))[:, None]
    after = occupancy(objects, rot @ poses, grid)
    turned = rotate_volume(before, torch.as_tensor(rot, dtype=torch.float32))[:, 0].numpy() > 0.5
    iou = (turned & (after > 0.5)).sum((1, 2, 3)) / (turned | (after > 0.5)).sum((1, 2, 3))
    unturned = before[:, 0].numpy() > 0.5
    iou_unturned = (unturned & (after > 0.5)).sum((1, 2, 3)) / (unturned | (after > 0.5)).sum((1, 2, 3))
    assert iou.min() > 0.6
    assert iou.mean() > iou_unturned.mean() + 0.3


def test_the_code_read_from_true_arms_is_the_canonical_code_in_any_pose_and_differs_for_the_mirror():
    shapes = all_shapes(10, 4)
    assert len(shapes) == len({s.canonical_code() for s in shapes})
    rng = np.random.default_rng(2)
    for obj in shapes[::15]:
        for pose in random_rotations(3, rng):
            for thing in (obj, obj.mirror()):
                t = arm_targets(thing, pose)
                for reading in (0, 1):
                    assert code_from_arms(t.vectors[reading], t.lengths[reading]) == thing.canonical_code()
        assert obj.canonical_code() != obj.mirror().canonical_code()


def test_the_shape_split_is_seeded_and_disjoint():
    shapes = all_shapes(10, 4)
    train, test = split_shapes(shapes, 0.2, seed=3)
    again = split_shapes(shapes, 0.2, seed=3)
    assert [s.name for s in train] == [s.name for s in again[0]]
    assert not {s.canonical_code() for s in train} & {s.canonical_code() for s in test}
    assert len(test) == round(0.2 * len(shapes))
    with pytest.raises(CogalignError, match="test_fraction"):
        split_shapes(shapes, 1.0, seed=0)


def test_pairs_are_a_pure_function_of_the_seed():
    shapes = all_shapes(10, 4)[:5]
    a = sample_pairs(shapes, 4, [0, 1], size=32, mirror_share=0.5)
    b = sample_pairs(shapes, 4, [0, 1], size=32, mirror_share=0.5)
    c = sample_pairs(shapes, 4, [0, 2], size=32, mirror_share=0.5)
    assert np.array_equal(a.images_b, b.images_b) and a.codes_b == b.codes_b
    assert not np.array_equal(a.images_b, c.images_b)
    assert a.images_a.shape == (4, 1, 32, 32) and a.occupancy_a.shape == (4, 8, 8, 8)


class _Oracle:
    """Perfect perception for agent tests: the latent is the object's exact occupancy volume."""

    def rotate(self, latent: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
        return rotate_volume(latent, rotation)

    def distance(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return ((a - b) ** 2).flatten(1).mean(1)


def _oracle_trials(angles, mirror, grid=24, seed=5):
    """Exact occupancy volumes of the two views of same/mirror trials about the y axis."""
    shapes = all_shapes(10, 4)
    rng = np.random.default_rng(seed)
    objs = [shapes[i] for i in rng.integers(0, len(shapes), len(angles))]
    poses = [pair_poses(float(a), "y", int(s))
             for a, s in zip(angles, rng.integers(0, 2**31 - 1, len(angles)), strict=True)]
    second = [o.mirror() if m else o for o, m in zip(objs, mirror, strict=True)]
    za = torch.as_tensor(occupancy(objs, np.stack([p[0] for p in poses]), grid))[:, None]
    zb = torch.as_tensor(occupancy(second, np.stack([p[1] for p in poses]), grid))[:, None]
    return za, zb


def test_search_agent_with_perfect_perception_answers_known_trials_and_searches_longer_at_larger_angles():
    angles = np.repeat([0.0, 60.0, 120.0, 180.0], 6)
    mirror = np.tile([False, False, False, True, True, True], 4)
    za, zb = _oracle_trials(angles, mirror)
    agent = SearchAgent("equivariant", False, tiny_config(search_budget=24, search_cost=0.3))
    oracle = _Oracle()
    rot = torch.as_tensor(np.stack([rotation_matrix("y", a) for a in angles]), dtype=torch.float32)
    aligned = oracle.distance(oracle.rotate(za, rot), zb).numpy()
    unturned = oracle.distance(za, zb).numpy()
    agent.calibrate(aligned[~mirror], np.concatenate([aligned[mirror], unturned[~mirror & (angles > 30)]]))
    dec = agent.act(oracle, za, zb, axes=["y"] * len(angles), generator=torch.Generator().manual_seed(0))
    truth = np.where(mirror, "mirror", "same")
    assert (dec.answer == truth).mean() >= 0.9
    same_steps = [dec.steps[(angles == a) & ~mirror].mean() for a in (0.0, 60.0, 120.0, 180.0)]
    assert same_steps[0] == 1.0
    assert np.polyfit([0, 60, 120, 180], same_steps, 1)[0] > 0
    assert (dec.steps[mirror] == agent.budget).all()


def test_an_uncalibrated_search_agent_refuses_to_act():
    agent = SearchAgent("equivariant", False, tiny_config())
    z = torch.zeros(2, 1, 8, 8, 8)
    with pytest.raises(RuntimeError, match="not calibrated"):
        agent.act(_Oracle(), z, z)


def test_each_ablation_is_one_switch_away_from_the_full_model():
    full = get_variant("full")
    for name in ("plain-encoder", "no-symbolic", "no-recurrent"):
        v = VARIANTS[name]
        changed = [f for f in ("encoder", "symbolic", "agent") if getattr(v, f) != getattr(full, f)]
        assert len(changed) == 1, name
    assert VARIANTS["search"].agent == "search"
    with pytest.raises(CogalignError, match="unknown model variant 'nope'"):
        get_variant("nope")


def test_config_checks_and_round_trips():
    cfg = tiny_config(variants=("full", "no-recurrent"))
    assert NetConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.encoders() == ["equivariant"]
    assert cfg.agents() == ["equivariant/recurrent/symbolic", "equivariant/one-shot/symbolic"]
    with pytest.raises(CogalignError, match="multiple of 16"):
        NetConfig(size=40)
    with pytest.raises(CogalignError, match="unknown NetConfig setting"):
        build_config(settings={"sise": 32})
    with pytest.raises(CogalignError, match="unknown model variant"):
        build_config(variants=["full", "bogus"])
    assert build_config(tiny=True, perception_steps=5).perception_steps == 5
