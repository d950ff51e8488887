"""The risky-choice section of ``cogalign demo``: which theory predicts people's choice rates.

On a seeded subset of choices13k (Peterson et al. 2021) found locally, expected value, expected
utility and cumulative prospect theory are fitted by MAP and scored by cross-validated
:math:`R^2` of the choice rates, folds grouped by problem
(:func:`cogalign.risky.analysis.compare_choices13k`), next to a gamble-feature MLP. The
published figures on all of choices13k: CPT about 0.515, a neural network on the gambles
about 0.71.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["HEADER", "demo_section"]

#: First line of the section.
HEADER = "\nRisky choice (choices13k subset): cross-validated R2 of choice rates, by problem"


def demo_section(
    echo: Callable[[str], Any] | None = None,
    *,
    theories: Sequence[str] = ("ev", "eu", "cpt"),
    n_problems: int = 1500,
    n_splits: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """The risky-choice part of ``cogalign demo``, printed as it goes.

    Parameters
    ----------
    echo
        Where each line goes (``None``: silent).
    theories
        Theories to compare (fitted by MAP).
    n_problems, n_splits, seed
        Size of the seeded subset, cross-validation folds (grouped by problem), seed.

    Returns
    -------
    dict
        ``{"results": [{"model", "r2", "mse", "r2_fold_sd"}], "n_rows", "seconds"}`` or
        ``{"skipped": [{"what", "reason"}]}`` when choices13k is not available locally.
    """
    from cogalign.data import load
    from cogalign.risky.analysis import compare_choices13k

    if echo:
        echo(HEADER)
    try:
        table = load("choices13k", download=False, progress=False)
    except CogalignError as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        if echo:
            echo(f"  skipped choices13k: {reason}")
        return {"skipped": [{"what": "choices13k", "reason": reason}]}
    start = time.perf_counter()
    summary, _ = compare_choices13k(table, theories=theories, n_splits=n_splits, seed=seed,
                                    baselines=False, mlp=True, n_problems=n_problems)
    rows = [{"model": str(name), "r2": float(row["r2"]), "mse": float(row["mse"]),
             "r2_fold_sd": float(row["r2_fold_sd"])} for name, row in summary.iterrows()]
    report = {"results": rows, "n_rows": summary.attrs.get("n_rows"),
              "seconds": round(time.perf_counter() - start, 1)}
    if echo:
        for r in rows:
            echo(f"  {r['model']:<32} R2 {r['r2']:.3f} (fold sd {r['r2_fold_sd']:.3f})")
        echo(f"  {report['n_rows']} problems, {n_splits} folds; published on all of choices13k: "
             "CPT 0.515, neural network 0.71")
    return report
