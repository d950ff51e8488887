"""Simulators: every risky-choice model generates data in the tidy tables.

The simulators use the same NumPy functions as the likelihoods
(:mod:`cogalign.risky.functions`), so simulate-then-fit recovers the parameters (tested).

* :func:`random_problems` - choices13k-like pairs of gambles (A: two outcomes, B: up to 9);
* :func:`simulate_rates` - aggregate choice rates (``risky-rates`` table);
* :func:`simulate_risky_trials` - single choices by participants with their own parameters
  (``risky`` table), drawn by :func:`cogalign.bayes.population.participant_params`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cogalign.bayes.params import expit
from cogalign.bayes.population import fill_params, participant_params
from cogalign.risky.functions import choice_logits
from cogalign.risky.gambles import problem_arrays
from cogalign.risky.models import risky_params

__all__ = ["DEFAULT_RISKY", "random_problems", "simulate_rates", "simulate_risky_trials"]

#: Tversky & Kahneman (1992) median estimates, with a sensitivity suited to outcomes in tens.
DEFAULT_RISKY: dict[str, float] = {
    "alpha": 0.88, "beta": 0.88, "lam": 2.25, "gamma_gain": 0.61, "gamma_loss": 0.69,
    "delta_gain": 1.0, "delta_loss": 1.0, "phi": 0.15, "kappa": 20.0,
}


def _round_probs(p: np.ndarray) -> list[float]:
    p = np.round(p, 4)
    p[-1] = round(1.0 - p[:-1].sum(), 4)
    return [float(v) for v in p]


def random_problems(n: int = 200, seed: int | np.random.Generator = 0,
                    max_outcomes_b: int = 9) -> pd.DataFrame:
    """Random choice problems in the style of choices13k.

    Gamble A has two outcomes (possibly a sure amount); gamble B has one to ``max_outcomes_b``
    outcomes; outcomes are whole numbers in [-50, 150] and probabilities multiples of 0.05 (A)
    or Dirichlet draws rounded to 4 decimals (B).

    Returns
    -------
    pandas.DataFrame
        ``problem_id``, ``outcomes_a``, ``probs_a``, ``outcomes_b``, ``probs_b``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        h = float(rng.integers(-10, 120))
        lo = float(rng.integers(-50, int(h) + 1))
        pa = float(rng.choice(np.arange(0.05, 1.0001, 0.05)).round(2))
        k = int(rng.integers(1, max_outcomes_b + 1))
        center = h * pa + lo * (1 - pa) + rng.normal(0, 10)
        xb = np.sort(np.round(center + rng.normal(0, 25, size=k)))
        xb = np.clip(xb, -50, 150)
        pb = rng.dirichlet(np.ones(k))
        rows.append({
            "problem_id": i,
            "outcomes_a": [h, lo],
            "probs_a": [pa, round(1.0 - pa, 2)],
            "outcomes_b": [float(x) for x in xb],
            "probs_b": _round_probs(pb),
        })
    return pd.DataFrame(rows)


def simulate_rates(
    problems: pd.DataFrame | None = None,
    theory: str = "cpt",
    params: Mapping[str, float] | None = None,
    *,
    n_problems: int = 200,
    n_people: int = 16,
    trials_per_person: int = 5,
    weighting: str = "tk",
    choice: str = "utility",
    likelihood: str = "binomial",
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """Aggregate choice rates from a risky-choice model.

    Parameters
    ----------
    problems
        Problems with the four gamble columns (default: :func:`random_problems`).
    theory, weighting, choice, likelihood
        The model (see :func:`cogalign.risky.models.risky_rates_model`).
    params
        Parameter values (default :data:`DEFAULT_RISKY`, TK92's medians).
    n_problems
        Number of random problems when ``problems`` is None.
    n_people, trials_per_person
        ``n`` and choices per person behind each rate.
    seed
        Seed or generator.

    Returns
    -------
    pandas.DataFrame
        A ``risky-rates`` table with ``n``, ``n_choices`` and ``b_rate``; ``attrs["params"]``
        holds the true parameters and ``p_b`` the true choice probabilities.
    """
    rng = np.random.default_rng(seed)
    if problems is None:
        problems = random_problems(n_problems, rng)
    names = [p.name for p in risky_params(theory, weighting, likelihood)]
    values = fill_params(DEFAULT_RISKY, names, params)
    arr = problem_arrays(problems)
    p_b = expit(choice_logits(theory, arr["xa"], arr["pa"], arr["xb"], arr["pb"], values,
                              weighting, choice, np))
    total = np.full(len(problems), n_people * trials_per_person, dtype=np.int64)
    if likelihood == "binomial":
        k = rng.binomial(total, p_b)
    else:
        kappa = values["kappa"]
        q = rng.beta(np.maximum(kappa * p_b, 1e-9), np.maximum(kappa * (1 - p_b), 1e-9))
        k = rng.binomial(total, q)
    out = problems.reset_index(drop=True).copy()
    if "problem_id" not in out.columns:
        out.insert(0, "problem_id", np.arange(len(out)))
    out["n"] = n_people
    out["n_choices"] = total
    out["b_rate"] = k / total
    out["p_b"] = p_b
    out.attrs["params"] = values
    return out


def simulate_risky_trials(
    n_participants: int = 20,
    n_trials: int = 100,
    theory: str = "cpt",
    params: Mapping[str, float] | None = None,
    *,
    sd: Mapping[str, float] | float = 0.3,
    problems: pd.DataFrame | None = None,
    weighting: str = "tk",
    choice: str = "utility",
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """Single risky choices by participants whose parameters vary around population values.

    Each participant's raw parameter is the raw population value plus ``sd`` times a standard
    Normal draw (the generative model of the hierarchical fit).

    Returns
    -------
    pandas.DataFrame
        A ``risky`` table (``participant_id``, ``trial``, gambles, ``response`` ``"A"``/``"B"``);
        ``attrs["params"]`` is a DataFrame of each participant's true parameters and
        ``attrs["population"]`` the population values.
    """
    rng = np.random.default_rng(seed)
    if problems is None:
        problems = random_problems(max(n_trials * 3, 50), rng)
    specs = risky_params(theory, weighting)
    values = fill_params(DEFAULT_RISKY, [p.name for p in specs], params)
    per = participant_params(specs, values, sd, n_participants, rng)
    rows = []
    idx = np.concatenate([
        rng.choice(len(problems), size=n_trials, replace=n_trials > len(problems))
        for _ in range(n_participants)
    ])
    sub = problems.iloc[idx].reset_index(drop=True)
    arr = problem_arrays(sub)
    who = np.repeat(np.arange(n_participants), n_trials)
    theta = {k: per[k].to_numpy()[who] for k in per.columns}
    p_b = expit(choice_logits(theory, arr["xa"], arr["pa"], arr["xb"], arr["pb"], theta,
                              weighting, choice, np))
    chose_b = rng.random(len(p_b)) < p_b
    for t in range(len(sub)):
        rows.append({
            "participant_id": f"p{who[t]:03d}",
            "trial": int(t % n_trials),
            "outcomes_a": sub.at[t, "outcomes_a"],
            "probs_a": sub.at[t, "probs_a"],
            "outcomes_b": sub.at[t, "outcomes_b"],
            "probs_b": sub.at[t, "probs_b"],
            "response": "B" if chose_b[t] else "A",
        })
    out = pd.DataFrame(rows)
    per.index = [f"p{j:03d}" for j in range(n_participants)]
    out.attrs["params"] = per
    out.attrs["population"] = values
    return out
