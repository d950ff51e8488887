"""The neural model as a simulated participant.

A :class:`NeuralParticipant` answers same/mirror trials the way
:class:`cogalign.rotation.simulate.SimulatedParticipant` does - ``respond(angle, pair_type,
rng)`` returns answers and response times - but its answers and step counts come from the
neural model run on freshly rendered stimuli (held-out shapes, trial layout), and its
response time is ``non_decision + time_per_step * steps`` times log-normal trial noise.
:func:`simulate_neural` builds a whole validated ``rotation`` table from it, so the study's
simulated participant can be the neural model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError
from cogalign.rotation.neural.evaluation import run_trials, trial_objects
from cogalign.rotation.neural.network import RotationNet
from cogalign.rotation.neural.training import training_shapes
from cogalign.rotation.neural.views import trial_pairs

__all__ = ["NeuralParticipant", "simulate_neural"]


@dataclass
class NeuralParticipant:
    """One simulated person whose decisions come from the neural model.

    Parameters
    ----------
    network
        Trained :class:`~cogalign.rotation.neural.network.RotationNet`.
    variant
        Which variant answers.
    time_per_step, non_decision
        Seconds per rotation step and the non-decision time (s).
    rt_sigma
        Standard deviation of the log-normal noise on each response time.
    temperature
        Decision noise of the agent (0: deterministic).
    """

    network: RotationNet
    variant: str = "full"
    time_per_step: float = 0.25
    non_decision: float = 0.9
    rt_sigma: float = 0.2
    temperature: float = 0.3

    def __post_init__(self) -> None:
        if self.time_per_step < 0 or self.non_decision < 0 or self.rt_sigma < 0:
            raise CogalignError("time_per_step, non_decision and rt_sigma must be at least 0")

    def respond(self, angle: Any, pair_type: Any, rng: np.random.Generator,
                axis: Any = "y") -> tuple[np.ndarray, np.ndarray]:
        """Answers and response times (s) for trials at ``angle`` with ``pair_type``.

        Parameters
        ----------
        angle
            Angular disparities (degrees).
        pair_type
            ``"same"`` or ``"mirror"`` per trial.
        rng
            Random generator: objects, start poses, decision noise and RT noise.
        axis
            Rotation axis, one for all trials or one per trial.

        Returns
        -------
        response, rt
            Arrays shaped like ``angle``.
        """
        angle = np.asarray(angle, dtype=float)
        shape = angle.shape
        angle = angle.ravel()
        pair = np.asarray(pair_type, dtype=object).ravel()
        if not np.isin(pair, ["same", "mirror"]).all():
            raise CogalignError("pair_type must be 'same' or 'mirror'")
        axes = np.broadcast_to(np.asarray(axis, dtype=object), angle.shape)
        shapes = training_shapes(self.network.config)[1]
        objects = trial_objects(shapes, len(angle), rng)
        seeds = rng.integers(0, 2**31 - 1, size=len(angle))
        batch = trial_pairs(objects, angle, list(axes), pair == "mirror", seeds,
                            size=self.network.config.size)
        dec = run_trials(self.network, self.variant, batch, temperature=self.temperature,
                         seed=int(rng.integers(0, 2**31 - 1)))
        rt = (self.non_decision + self.time_per_step * dec.steps) * np.exp(
            self.rt_sigma * rng.standard_normal(len(angle)))
        return dec.answer.astype(object).reshape(shape), rt.reshape(shape)


def simulate_neural(
    network: RotationNet,
    n_participants: int = 10,
    *,
    variant: str = "full",
    angles: Sequence[float] = (0.0, 50.0, 100.0, 150.0),
    axis: str = "y",
    n_repeats: int = 6,
    time_per_step: float = 0.25,
    non_decision: float = 0.9,
    rt_sigma: float = 0.2,
    temperature: float = 0.3,
    seed: int = 0,
) -> pd.DataFrame:
    """A simulated same/mirror study answered by the neural model, as a ``rotation`` table.

    Every simulated person sees every angle x pair type ``n_repeats`` times in random order
    (new objects and start poses for every trial).

    Parameters
    ----------
    network
        Trained model.
    n_participants
        Simulated people.
    variant
        Which variant answers.
    angles, axis
        Angular disparities (degrees) and the rotation axis.
    n_repeats
        Trials per angle and pair type and person.
    time_per_step, non_decision, rt_sigma, temperature
        See :class:`NeuralParticipant`.
    seed
        Seed: the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        A validated ``rotation`` table (``participant_id`` ``n01``, ``n02``, ...).
    """
    from cogalign.data import validate
    from cogalign.data.schemas import ROTATION

    if n_participants < 1 or n_repeats < 1:
        raise CogalignError("n_participants and n_repeats must be at least 1")
    rng = np.random.default_rng(seed)
    person = NeuralParticipant(network, variant, time_per_step, non_decision, rt_sigma, temperature)
    grid = [(float(a), p) for a in angles for p in ("same", "mirror")] * n_repeats
    width = len(str(n_participants))
    frames = []
    for k in range(1, n_participants + 1):
        order = rng.permutation(len(grid))
        angle = np.array([grid[i][0] for i in order])
        pair = np.array([grid[i][1] for i in order], dtype=object)
        response, rt = person.respond(angle, pair, rng, axis)
        frames.append(pd.DataFrame({
            "participant_id": f"n{k:0{width}d}", "trial": np.arange(len(order)),
            "task": "same-mirror", "angle": angle, "axis": axis, "pair_type": pair,
            "response": response, "correct": response == pair, "rt": rt}))
    table = pd.concat(frames, ignore_index=True)
    return validate(table, ROTATION, source="simulate_neural")
