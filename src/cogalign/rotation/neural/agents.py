"""Decision agents: compare two latents and answer same or mirror, rotating in between.

Every agent takes the latents of the left (``a``) and right (``b``) views and returns
:class:`Decisions`: the answer, the number of steps taken (the response-time proxy), whether
it gave up, and the rotation it applied to latent ``a``.

:class:`RecurrentAgent`
    The decision agent of the full model. Each step it compares the current latent of ``a``
    (``a`` turned by everything applied so far) with ``b``: from their symbolic
    descriptions (arm directions and lengths, the per-arm agreement and the Procrustes
    rotation that would align the arms), or - without the symbolic stage - from the two
    latents themselves. A GRU cell integrates the comparisons; its outputs are a decision
    (go on, same, mirror) and a rotation step of at most ``max_step_deg``, which is applied
    to latent ``a`` before the next comparison. It gives up after ``max_steps`` and then
    guesses from its last decision scores.
:class:`OneShotAgent`
    The no-recurrence ablation: one comparison, one same/mirror answer, no rotation.
:class:`SearchAgent`
    The seed paper's public-code variant: Bayesian optimisation (a Gaussian process with
    expected improvement) of the rotation applied to latent ``a``, minimising the mismatch
    plus a cost growing with the angle; each evaluation is a step, a mismatch below the
    calibrated threshold answers same, running out of evaluations answers mirror. It
    searches the angle about the trial's axis when that is known, or the whole rotation
    group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cogalign.rotation.neural.config import NetConfig
from cogalign.rotation.neural.geometry import exp_map, kabsch, log_map
from cogalign.rotation.neural.shapes import max_arm_length
from cogalign.rotation.neural.symbolic import Description

__all__ = [
    "DECISIONS",
    "Decisions",
    "OneShotAgent",
    "RecurrentAgent",
    "SearchAgent",
    "description_features",
    "make_agent",
]

#: The recurrent agent's decision classes, in logit order.
DECISIONS = ("continue", "same", "mirror")


@dataclass
class Decisions:
    """What an agent did on a batch of trials.

    Attributes
    ----------
    answer
        ``(n,)`` ``"same"`` or ``"mirror"``.
    steps
        ``(n,)`` comparisons made (1 for an answer at the first look).
    gave_up
        ``(n,)`` no decision within the step limit (the answer is then a guess).
    rotation
        ``(n, 3, 3)`` rotation applied to latent ``a`` when the agent answered.
    path
        Per step, the ``(n, 3, 3)`` rotation applied so far (recurrent agent only; empty
        unless asked for).
    """

    answer: np.ndarray
    steps: np.ndarray
    gave_up: np.ndarray
    rotation: np.ndarray
    path: list[np.ndarray] = field(default_factory=list)


def description_features(a: Description, b: Description) -> torch.Tensor:
    """The comparison of two descriptions the symbolic agents see, ``(n, features)``.

    Arm directions and length distributions of both, per-arm cosine and length agreement,
    the Procrustes rotation turning ``a``'s arms onto ``b``'s (axis-angle, radians) and its
    misfit.
    """
    pa, pb = a.length_logits.softmax(-1), b.length_logits.softmax(-1)
    cos = (a.vectors * b.vectors).sum(-1)
    agree = (pa * pb).sum(-1)
    rot, residual = kabsch(a.vectors, b.vectors)
    return torch.cat([a.vectors.flatten(1), b.vectors.flatten(1), pa.flatten(1), pb.flatten(1),
                      cos, agree, log_map(rot), residual[:, None]], 1)


def _n_description_features(n_arms: int, max_len: int) -> int:
    return 2 * n_arms * 3 + 2 * n_arms * max_len + 2 * n_arms + 4


class _LatentComparer(nn.Module):
    """Features of two raw latents (the agents without the symbolic stage)."""

    def __init__(self, perception_kind: str, config: NetConfig, out: int) -> None:
        super().__init__()
        if perception_kind == "equivariant":
            c, g = config.volume_channels, config.grid
            self.trunk = nn.Sequential(
                nn.Conv3d(2 * c, 16, 3, stride=2, padding=1), nn.ReLU(),
                nn.Conv3d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten())
            flat = 32 * (g // 4) ** 3
        else:
            self.trunk = nn.Identity()
            flat = 2 * config.latent_dim
        self.out = nn.Linear(flat + 1, out)

    def forward(self, za: torch.Tensor, zb: torch.Tensor, distance: torch.Tensor) -> torch.Tensor:
        return self.out(torch.cat([self.trunk(torch.cat([za, zb], 1)), distance[:, None]], 1))


class _Comparer(nn.Module):
    """What an agent sees of the pair at one step, as a hidden-size vector."""

    def __init__(self, perception_kind: str, symbolic: bool, config: NetConfig) -> None:
        super().__init__()
        self.symbolic = symbolic
        h = config.agent_hidden
        if symbolic:
            n = _n_description_features(config.n_arms, max_arm_length(config.n_cubes, config.n_arms))
            self.net = nn.Linear(n, h)
        else:
            self.net = _LatentComparer(perception_kind, config, h)

    def forward(self, perception: nn.Module, za: torch.Tensor, zb: torch.Tensor,
                desc_b: Description | None) -> torch.Tensor:
        if self.symbolic:
            assert desc_b is not None
            return F.relu(self.net(description_features(perception.describe(za), desc_b)))
        return F.relu(self.net(za, zb, perception.distance(za, zb)))


class RecurrentAgent(nn.Module):
    """Compare, rotate a step, re-encode, until same or mirror (see the module docstring).

    Parameters
    ----------
    perception_kind
        ``"equivariant"`` or ``"plain"``: the latents it compares.
    symbolic
        Compare symbolic descriptions (True) or the latents directly.
    config
        Sizes, step size and step limit.
    """

    kind = "recurrent"

    def __init__(self, perception_kind: str, symbolic: bool, config: NetConfig) -> None:
        super().__init__()
        h = config.agent_hidden
        self.compare = _Comparer(perception_kind, symbolic, config)
        self.cell = nn.GRUCell(h, h)
        self.step_out = nn.Linear(h, 3)
        self.decide_out = nn.Linear(h, len(DECISIONS))
        self.max_step = math.radians(config.max_step_deg)
        self.max_steps = config.max_steps
        self.hidden = h

    def step(self, perception: nn.Module, za_now: torch.Tensor, zb: torch.Tensor,
             desc_b: Description | None, hidden: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One look: new hidden state, the rotation step (axis-angle, radians) and decision logits."""
        hidden = self.cell(self.compare(perception, za_now, zb, desc_b), hidden)
        raw = self.step_out(hidden)
        norm = torch.linalg.vector_norm(raw, dim=-1, keepdim=True)
        step = raw * (torch.tanh(norm) / norm.clamp_min(1e-6)) * self.max_step
        return hidden, step, self.decide_out(hidden)

    @torch.no_grad()
    def act(self, perception: nn.Module, za: torch.Tensor, zb: torch.Tensor, *,
            temperature: float = 0.0, generator: torch.Generator | None = None,
            keep_path: bool = False, axes: Sequence[str] | None = None) -> Decisions:
        """Run the agent on a batch of latent pairs.

        Parameters
        ----------
        perception
            The perception module the latents come from.
        za, zb
            Latents of the left and right views.
        temperature
            0: take the most likely decision at each step; above 0: sample it from the
            decision scores divided by ``temperature`` (a noisier simulated participant).
        generator
            Random generator for sampling.
        keep_path
            Keep the rotation applied so far at every step (:attr:`Decisions.path`).
        axes
            Unused (the agent is not told the axis); accepted for a common signature.
        """
        n = za.shape[0]
        desc_b = perception.describe(zb) if self.compare.symbolic else None
        hidden = za.new_zeros(n, self.hidden)
        applied = torch.eye(3, dtype=za.dtype, device=za.device).expand(n, 3, 3).clone()
        answer = np.full(n, "", dtype=object)
        steps = np.full(n, self.max_steps, dtype=np.int64)
        done = np.zeros(n, dtype=bool)
        final = applied.clone()
        path = []
        logits = za.new_zeros(n, len(DECISIONS))
        for t in range(self.max_steps):
            now = perception.rotate(za, applied)
            hidden, step, logits = self.step(perception, now, zb, desc_b, hidden)
            if temperature > 0:
                probs = torch.softmax(logits / temperature, -1)
                choice = torch.multinomial(probs, 1, generator=generator)[:, 0]
            else:
                choice = logits.argmax(-1)
            choice = choice.cpu().numpy()
            stop = (choice > 0) & ~done
            answer[stop] = np.array(DECISIONS, dtype=object)[choice[stop]]
            steps[stop] = t + 1
            final[torch.as_tensor(stop, device=za.device)] = applied[torch.as_tensor(stop, device=za.device)]
            done |= stop
            if keep_path:
                path.append(applied.cpu().numpy())
            if done.all():
                break
            applied = exp_map(step) @ applied
        gave_up = ~done
        if gave_up.any():
            guess = np.where(logits[:, 1].cpu().numpy() >= logits[:, 2].cpu().numpy(), "same", "mirror")
            answer[gave_up] = guess[gave_up]
            final[torch.as_tensor(gave_up, device=za.device)] = applied[torch.as_tensor(gave_up, device=za.device)]
        return Decisions(answer.astype(str), steps, gave_up, final.cpu().numpy(), path)


class OneShotAgent(nn.Module):
    """Same/mirror from one comparison, no rotation (the no-recurrence ablation).

    Parameters
    ----------
    perception_kind, symbolic, config
        As for :class:`RecurrentAgent`.
    """

    kind = "one-shot"

    def __init__(self, perception_kind: str, symbolic: bool, config: NetConfig) -> None:
        super().__init__()
        h = config.agent_hidden
        self.compare = _Comparer(perception_kind, symbolic, config)
        self.classify = nn.Sequential(nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))

    def logits(self, perception: nn.Module, za: torch.Tensor, zb: torch.Tensor) -> torch.Tensor:
        """``(n, 2)`` scores of same and mirror."""
        desc_b = perception.describe(zb) if self.compare.symbolic else None
        return self.classify(self.compare(perception, za, zb, desc_b))

    @torch.no_grad()
    def act(self, perception: nn.Module, za: torch.Tensor, zb: torch.Tensor, *,
            temperature: float = 0.0, generator: torch.Generator | None = None,
            keep_path: bool = False, axes: Sequence[str] | None = None) -> Decisions:
        """Answer every pair after one look (arguments as :meth:`RecurrentAgent.act`)."""
        logits = self.logits(perception, za, zb)
        if temperature > 0:
            choice = torch.multinomial(torch.softmax(logits / temperature, -1), 1,
                                       generator=generator)[:, 0]
        else:
            choice = logits.argmax(-1)
        n = za.shape[0]
        answer = np.where(choice.cpu().numpy() == 0, "same", "mirror")
        eye = np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
        return Decisions(answer, np.ones(n, dtype=np.int64), np.zeros(n, dtype=bool), eye,
                         [eye] if keep_path else [])


class SearchAgent(nn.Module):
    """Bayesian optimisation of the rotation, mismatch plus rotation cost (public-code variant).

    Parameters
    ----------
    perception_kind
        Unused (any perception works); accepted for a common signature.
    symbolic
        Mismatch between symbolic descriptions (mean arm disagreement) or between latents
        (mean squared difference).
    config
        ``search_budget`` (evaluations) and ``search_cost`` (cost per 180 degrees, in units
        of the match threshold).
    """

    kind = "search"

    def __init__(self, perception_kind: str, symbolic: bool, config: NetConfig) -> None:
        super().__init__()
        self.symbolic = symbolic
        self.budget = config.search_budget
        self.cost = config.search_cost
        self.register_buffer("threshold", torch.tensor(float("nan")))

    def mismatch(self, perception: nn.Module, za_now: torch.Tensor, zb: torch.Tensor,
                 desc_b: Description | None) -> torch.Tensor:
        """``(n,)`` how far the turned latent ``a`` is from ``b`` (0: identical)."""
        if not self.symbolic:
            return perception.distance(za_now, zb)
        desc_a = perception.describe(za_now)
        assert desc_b is not None
        cos = (desc_a.vectors * desc_b.vectors).sum(-1)
        agree = (desc_a.length_logits.softmax(-1) * desc_b.length_logits.softmax(-1)).sum(-1)
        return ((1.0 - cos) + (1.0 - agree)).mean(-1)

    def calibrate(self, match: np.ndarray, no_match: np.ndarray) -> float:
        """Set the match threshold that best separates matches from everything else.

        Parameters
        ----------
        match
            Mismatches of same pairs turned by their true rotation.
        no_match
            Mismatches of what must not count as a match: mirror pairs turned by their true
            rotation, and same pairs not turned (or turned wrongly).

        Returns
        -------
        float
            The threshold (the balanced accuracy of "below threshold = match" is highest).
        """
        values = np.sort(np.concatenate([match, no_match]))
        cuts = (values[1:] + values[:-1]) / 2.0 if len(values) > 1 else values
        acc = [(np.mean(match < c) + np.mean(no_match >= c)) / 2.0 for c in cuts]
        best = float(cuts[int(np.argmax(acc))])
        self.threshold.fill_(best)
        return best

    @torch.no_grad()
    def act(self, perception: nn.Module, za: torch.Tensor, zb: torch.Tensor, *,
            temperature: float = 0.0, generator: torch.Generator | None = None,
            keep_path: bool = False, axes: Sequence[str] | None = None) -> Decisions:
        """Search every pair (arguments as :meth:`RecurrentAgent.act`; ``axes`` per trial)."""
        from sklearn.gaussian_process.kernels import Matern, WhiteKernel

        if not torch.isfinite(self.threshold):
            raise RuntimeError("the search agent's threshold is not calibrated")
        n = za.shape[0]
        desc_b = perception.describe(zb) if self.symbolic else None
        axes = list(axes) if axes is not None else ["random"] * n
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator)) if generator is not None else 0
        rng = np.random.default_rng(seed)
        cands = [self._candidates(a, rng) for a in axes]
        tried: list[list[int]] = [[0] for _ in range(n)]
        values: list[list[float]] = [[] for _ in range(n)]
        answer = np.full(n, "mirror", dtype=object)
        steps = np.full(n, self.budget, dtype=np.int64)
        found = np.zeros(n, dtype=bool)
        final = np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
        kernel = Matern(length_scale=0.3, nu=2.5) + WhiteKernel(1e-3)
        thr = float(self.threshold)
        for t in range(self.budget):
            active = np.flatnonzero(~found)
            if not len(active):
                break
            rot = np.stack([cands[i][0][tried[i][-1]] for i in active])
            now = perception.rotate(za[active], torch.as_tensor(rot, dtype=za.dtype, device=za.device))
            sub_b = None if desc_b is None else Description(desc_b.vectors[active], desc_b.length_logits[active])
            mis = self.mismatch(perception, now, zb[active], sub_b).cpu().numpy() / thr
            for j, i in enumerate(active):
                angle = cands[i][2][tried[i][-1]]
                values[i].append(float(mis[j]) + self.cost * angle / 180.0)
                if mis[j] < 1.0:
                    found[i], answer[i], steps[i], final[i] = True, "same", t + 1, rot[j]
                elif t + 1 < self.budget:
                    tried[i].append(self._next(cands[i][1], tried[i], values[i], kernel))
        return Decisions(answer.astype(str), steps, np.zeros(n, dtype=bool), final, [])

    @staticmethod
    def _candidates(axis: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate rotations, their search coordinates and angles; index 0 is no rotation."""
        from cogalign.rotation.neural.geometry import rotation_about

        if axis in ("x", "y", "z"):
            angles = np.concatenate([[0.0], np.arange(-180.0, 181.0, 5.0)])
            angles = angles[np.r_[True, angles[1:] != 0.0]]
            vec = np.eye(3)["xyz".index(axis)]
            rots = rotation_about(np.tile(vec, (len(angles), 1)), angles)
            return rots, (angles / 180.0)[:, None], np.abs(angles)
        w = rng.standard_normal((255, 3))
        w /= np.linalg.norm(w, axis=1, keepdims=True)
        theta = np.rad2deg(np.arccos(1.0 - 2.0 * rng.random(255)) )
        w = np.concatenate([np.zeros((1, 3)), w * (theta / 180.0)[:, None]])
        theta = np.concatenate([[0.0], theta])
        axes_ = np.where(theta[:, None] > 0, w, np.array([[1.0, 0.0, 0.0]]))
        return rotation_about(axes_, theta), w, theta

    @staticmethod
    def _next(coords: np.ndarray, tried: list[int], values: list[float], kernel) -> int:
        """The untried candidate of highest expected improvement under a Gaussian process."""
        from scipy.stats import norm
        from sklearn.gaussian_process import GaussianProcessRegressor

        gp = GaussianProcessRegressor(kernel=kernel, optimizer=None, normalize_y=True)
        gp.fit(coords[tried], np.asarray(values))
        mean, sd = gp.predict(coords, return_std=True)
        best = min(values)
        z = (best - mean) / np.maximum(sd, 1e-9)
        ei = (best - mean) * norm.cdf(z) + sd * norm.pdf(z)
        ei[tried] = -np.inf
        return int(np.argmax(ei))


def make_agent(kind: str, perception_kind: str, symbolic: bool, config: NetConfig) -> nn.Module:
    """A new agent of ``kind`` (``"recurrent"``, ``"search"`` or ``"one-shot"``)."""
    cls = {"recurrent": RecurrentAgent, "search": SearchAgent, "one-shot": OneShotAgent}[kind]
    return cls(perception_kind, symbolic, config)
