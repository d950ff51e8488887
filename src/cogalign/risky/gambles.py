"""Gambles as padded arrays, and the risky-choice tables as model inputs.

A gamble is a list of outcomes and a list of probabilities. :func:`gamble_arrays` turns a
column of gambles into two ``(n, K)`` arrays with each row's distinct outcomes sorted
ascending (identical outcomes merged, zero-probability outcomes dropped) and padded with
``(x=0, p=0)`` entries, which every model in :mod:`cogalign.risky.functions` ignores.

Ambiguous problems
------------------
In choices13k's ambiguous problems (``ambiguous=True``, about 19% of rows) people saw gamble
B's outcomes but not their probabilities (Peterson et al. 2021, following the CPC15/CPC18
design of Erev et al. 2017). The models here need probabilities, so :func:`problem_arrays`
offers ``ambiguous="exclude"`` (the default: drop those rows, as the models are not defined
for them), ``"uniform"`` (the decision maker treats the shown outcomes as equally likely, the
ambiguity assumption of the BEAST baseline's uniform prior) or ``"true"`` (use the hidden
probabilities, as if they had been shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError

__all__ = [
    "AMBIGUOUS",
    "gamble_arrays",
    "problem_arrays",
    "rates_to_counts",
    "select_ambiguous",
]

AMBIGUOUS = ("exclude", "uniform", "true")
#: Trials each choices13k participant made on a problem (Peterson et al. 2021: 5 per problem).
CHOICES13K_TRIALS_PER_PERSON = 5


def _merge(outcomes: Sequence[float], probs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(outcomes, dtype=float)
    p = np.asarray(probs, dtype=float)
    if x.shape != p.shape or x.ndim != 1:
        raise CogalignError(f"a gamble needs as many probabilities as outcomes: {outcomes} / {probs}")
    keep = p > 0
    x, p = x[keep], p[keep]
    values, inverse = np.unique(x, return_inverse=True)
    merged = np.zeros(len(values))
    np.add.at(merged, inverse, p)
    return values, merged


def gamble_arrays(
    outcomes: Sequence[Sequence[float]], probs: Sequence[Sequence[float]], width: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Padded, sorted outcome and probability arrays.

    Parameters
    ----------
    outcomes, probs
        One list per gamble.
    width
        Number of columns (default: the most distinct outcomes of any gamble).

    Returns
    -------
    x, p
        Arrays of shape ``(n, width)``; each row's outcomes ascending, padding at the end with
        ``x = 0, p = 0``; probabilities renormalised to sum to 1.

    Raises
    ------
    CogalignError
        For mismatched lists, negative probabilities, or a gamble wider than ``width``.
    """
    rows = [_merge(x, p) for x, p in zip(outcomes, probs, strict=True)]
    k = max((len(r[0]) for r in rows), default=1)
    width = k if width is None else width
    if k > width:
        raise CogalignError(f"a gamble has {k} distinct outcomes, more than width={width}")
    xs = np.zeros((len(rows), width))
    ps = np.zeros((len(rows), width))
    for i, (x, p) in enumerate(rows):
        if np.any(p < 0) or p.sum() <= 0:
            raise CogalignError(f"gamble {i}: probabilities must be non-negative and sum to 1")
        xs[i, : len(x)] = x
        ps[i, : len(x)] = p / p.sum()
    # padding (x=0, p=0) sits after the real outcomes; with p=0 it never changes a cumulative
    # sum, and the CPT weights telescope regardless of position, but keep rows ascending:
    order = np.argsort(np.where(ps > 0, xs, np.inf), axis=1, kind="stable")
    return np.take_along_axis(xs, order, 1), np.take_along_axis(ps, order, 1)


def select_ambiguous(table: pd.DataFrame, ambiguous: str = "exclude") -> pd.DataFrame:
    """Apply an ambiguity policy (see the module docstring) and return the table to model."""
    if ambiguous not in AMBIGUOUS:
        raise CogalignError(f"ambiguous must be one of {AMBIGUOUS}, got {ambiguous!r}")
    if "ambiguous" not in table.columns or ambiguous == "true":
        return table
    amb = table["ambiguous"].astype(bool).to_numpy()
    if ambiguous == "exclude":
        return table.loc[~amb]
    out = table.copy()
    out["probs_b"] = [
        [1.0 / len(x)] * len(x) if a else list(p)
        for x, p, a in zip(out["outcomes_b"], out["probs_b"], amb, strict=True)
    ]
    return out


def problem_arrays(
    table: pd.DataFrame, width: int | None = None, *, same_width: bool = True
) -> dict[str, np.ndarray]:
    """The ``xa, pa, xb, pb`` arrays of a table of gamble pairs.

    The table has ``outcomes_a``, ``probs_a``, ``outcomes_b``, ``probs_b`` columns.

    Parameters
    ----------
    table
        One row per problem (or trial).
    width
        Smallest number of columns (default: as many as the widest gamble needs).
    same_width
        Pad both gambles to the same width (the default), or each gamble to its own: in
        choices13k, A has at most two outcomes and B up to nine, so padding A only to two
        columns leaves the models 11 outcomes per problem to evaluate instead of 18. Every
        function of :mod:`cogalign.risky.functions` gives the same values either way.
    """
    for col in ("outcomes_a", "probs_a", "outcomes_b", "probs_b"):
        if col not in table.columns:
            raise CogalignError(f"the table has no column '{col}'")
    xa, pa = gamble_arrays(table["outcomes_a"], table["probs_a"])
    xb, pb = gamble_arrays(table["outcomes_b"], table["probs_b"])
    if same_width:
        ka = kb = max(xa.shape[1], xb.shape[1], width or 0)
    else:
        ka, kb = max(xa.shape[1], width or 0), max(xb.shape[1], width or 0)
    return {
        "xa": _pad(xa, ka), "pa": _pad(pa, ka), "xb": _pad(xb, kb), "pb": _pad(pb, kb),
    }


def _pad(a: np.ndarray, k: int) -> np.ndarray:
    if a.shape[1] == k:
        return a
    return np.pad(a, ((0, 0), (0, k - a.shape[1])))


def rates_to_counts(
    table: pd.DataFrame, trials_per_person: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Number of B choices and number of choices behind each choice rate.

    Parameters
    ----------
    table
        Aggregate table with ``b_rate`` and ``n`` (people).
    trials_per_person
        Choices each person made on the problem; default 5 (choices13k) when the table has
        choices13k's ``block`` column, else 1. An ``n_choices`` column overrides both.

    Returns
    -------
    k, total
        Integer arrays: ``round(b_rate * total)`` and ``total = n * trials_per_person``.
    """
    if "n_choices" in table.columns:
        total = table["n_choices"].to_numpy(dtype=np.int64)
    else:
        if trials_per_person is None:
            trials_per_person = CHOICES13K_TRIALS_PER_PERSON if "block" in table.columns else 1
        total = table["n"].to_numpy(dtype=np.int64) * int(trials_per_person)
    k = np.rint(table["b_rate"].to_numpy(dtype=float) * total).astype(np.int64)
    return np.clip(k, 0, total), total


def describe_problem(outcomes: Any, probs: Any) -> str:
    """A gamble in words, e.g. ``"26 with probability 0.95, -1 with probability 0.05"``."""
    x, p = _merge(outcomes, probs)
    return ", ".join(f"{xi:g} with probability {pi:.4g}" for xi, pi in zip(x[::-1], p[::-1],
                                                                         strict=True))
