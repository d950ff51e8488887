"""Command-line pieces of every Bayesian fit: its options and its parameter table.

:func:`fit_options` adds ``--backend``, ``--method``, ``--draws``, ``--tune``, ``--chains``,
``--seed``, ``--precision`` and ``--progress`` to a click command (the keyword arguments of
:func:`cogalign.bayes.fit`); :func:`method_setting` turns ``--method auto`` into ``None``
(the estimator's choice). :func:`params_payload` and :func:`params_text` print a
:func:`cogalign.bayes.summarize` table as JSON-ready data or aligned text, and
:func:`divergences` counts NUTS divergences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["METHODS", "divergences", "fit_options", "method_setting", "params_payload",
           "params_text"]

#: Choices of ``--method``; ``auto`` lets the estimator choose (NUTS when hierarchical).
METHODS = ("auto", "map", "nuts", "svi")

_OPTIONS = [
    click.option("--backend", type=click.Choice(["numpyro", "pymc"]), default="numpyro",
                 show_default=True, help="Inference backend."),
    click.option("--method", type=click.Choice(METHODS), default="auto", show_default=True,
                 help="NUTS, MAP + Laplace, or SVI; auto: NUTS for hierarchical fits, else MAP."),
    click.option("--draws", type=click.IntRange(min=1), default=1000, show_default=True,
                 help="Posterior draws (per chain for NUTS)."),
    click.option("--tune", type=click.IntRange(min=0), default=1000, show_default=True, help="NUTS warm-up."),
    click.option("--chains", type=click.IntRange(min=1), default=2, show_default=True, help="NUTS chains."),
    click.option("--seed", type=int, default=0, show_default=True, help="Random seed."),
    click.option("--precision", type=click.Choice(["float64", "float32"]), default="float64",
                 show_default=True,
                 help="NumPyro's floating-point precision (float32: faster NUTS on the CPU)."),
    click.option("--progress/--no-progress", default=False, help="Show progress bars."),
]


def fit_options(command: Callable) -> Callable:
    """Add the Bayesian-fit options to a click command (they arrive as keyword arguments)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def method_setting(method: str) -> str | None:
    """The estimator's ``method`` for a ``--method`` value (``"auto"`` -> ``None``)."""
    return None if method == "auto" else method


def params_payload(summary: Any) -> dict[str, dict[str, float]]:
    """``{parameter: {mean, sd, lower, upper, ...}}`` of a :func:`cogalign.bayes.summarize` table."""
    cols = [c for c in ("mean", "sd", "lower", "upper", "mode", "r_hat", "ess_bulk")
            if c in summary.columns]
    return {str(name): {c: float(row[c]) for c in cols} for name, row in summary.iterrows()}


def params_text(summary: Any, interval: float) -> str:
    """The parameter table as aligned text: mean, sd and the central ``interval``."""
    pct = int(round(interval * 100))
    lines = [f"{'parameter':<18}{'mean':>10}{'sd':>10}{f'{pct}% lower':>12}{f'{pct}% upper':>12}"]
    for name, row in summary.iterrows():
        lines.append(f"{str(name):<18}{row['mean']:>10.4g}{row['sd']:>10.3g}"
                     f"{row['lower']:>12.4g}{row['upper']:>12.4g}")
    return "\n".join(lines)


def divergences(idata: Any) -> dict[str, int]:
    """``{"divergences": n}`` for a NUTS fit, ``{}`` for MAP and SVI fits."""
    if "diverging" not in getattr(idata, "sample_stats", {}):
        return {}
    return {"divergences": int(idata.sample_stats["diverging"].values.sum())}
