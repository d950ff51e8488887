"""Simulated participants answer with the models' math; simulated studies validate."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.errors import CogalignError
from cogalign.rotation.simulate import SimulatedParticipant, draw_participants, simulate_rotation


def test_a_simulated_participant_slows_down_and_errs_more_with_angle():
    person = draw_participants(1, seed=0)[0]
    sim = SimulatedParticipant(person)
    rng = np.random.default_rng(1)
    angle = np.repeat([0.0, 180.0], 4000)
    pair = np.tile(["same", "mirror"], 4000)
    response, rt = sim.respond(angle, pair, rng)
    correct = response == pair
    assert correct[angle == 0].mean() > correct[angle == 180].mean() + 0.05
    same = pair == "same"
    # the median RT of same pairs is shift + intercept + slope * angle (lognormal median)
    slow = np.median(rt[same & (angle == 180)]) - np.median(rt[same & (angle == 0)])
    assert slow == pytest.approx(person["slope"] * 180 / 1000, rel=0.1)
    assert set(np.unique(response)) == {"same", "mirror"} and np.all(rt > 0)
    np.testing.assert_allclose(sim.p_correct([0.0], [0.0]), 1 / (1 + np.exp(-person["acc_intercept"])))
    with pytest.raises(CogalignError, match="pair_type"):
        sim.respond([0.0], ["upside-down"], rng)


@pytest.mark.parametrize(("model", "family"), [("concave", "wald"), ("two-stage", "lognormal")])
def test_other_shapes_and_families(model, family):
    table = simulate_rotation(3, n_repeats=2, model=model, family=family, axis="z", seed=5)
    assert len(table) == 3 * 4 * 2 * 2 and set(table["axis"]) == {"z"}
    assert table["rt"].gt(0).all()


def test_simulated_studies_are_seeded_and_valid():
    a = simulate_rotation(4, n_repeats=2, seed=7)
    b = simulate_rotation(4, n_repeats=2, seed=7)
    assert a.equals(b)
    assert not a.equals(simulate_rotation(4, n_repeats=2, seed=8))
    assert a["participant_id"].unique().tolist() == ["p1", "p2", "p3", "p4"]
    assert (a.groupby("participant_id")["trial"].max() == 15).all()
    assert len(a.attrs["truth"]) == 4 and (a["correct"] == (a["response"] == a["pair_type"])).all()
