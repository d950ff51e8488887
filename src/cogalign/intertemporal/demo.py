"""The intertemporal-choice section of ``cogalign demo``: discounting models vs the ITCH heuristic.

On Ericson et al. (2015) found locally, pooled exponential and hyperbolic discounting and the
intertemporal choice heuristic (ITCH) are fitted by MAP + Laplace and ranked by PSIS-LOO
(:func:`cogalign.intertemporal.analysis.compare_discounting`). Ericson et al. found that ITCH
predicts held-out choices better than the discounting models.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["HEADER", "demo_section"]

#: First line of the section.
HEADER = "\nIntertemporal choice (Ericson et al. 2015, pooled fits): models ranked by PSIS-LOO"


def demo_section(
    echo: Callable[[str], Any] | None = None,
    *,
    models: Sequence[str] = ("exponential", "hyperbolic", "itch"),
    seed: int = 0,
) -> dict[str, Any]:
    """The intertemporal-choice part of ``cogalign demo``, printed as it goes.

    Parameters
    ----------
    echo
        Where each line goes (``None``: silent).
    models
        Models to rank (pooled, MAP + Laplace).
    seed
        Seed of the fits.

    Returns
    -------
    dict
        ``{"ranking": [{"model", "rank", "elpd_loo", "se", "elpd_diff"}], "n_obs",
        "seconds"}`` or ``{"skipped": [{"what", "reason"}]}`` when the data are not available
        locally.
    """
    from cogalign.data import load
    from cogalign.intertemporal.analysis import compare_discounting

    if echo:
        echo(HEADER)
    try:
        table = load("ericson2015", download=False, progress=False)
    except CogalignError as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        if echo:
            echo(f"  skipped ericson2015: {reason}")
        return {"skipped": [{"what": "ericson2015", "reason": reason}]}
    start = time.perf_counter()
    ranking, _ = compare_discounting(table, models=list(models), hierarchical=False,
                                     method="map", draws=500, seed=seed)
    rows = []
    for name, row in ranking.iterrows():
        rank = float(row["rank"])
        rows.append({"model": str(name), "rank": None if math.isnan(rank) else int(rank),
                     "elpd_loo": float(row["elpd_loo"]), "se": float(row["se"]),
                     "elpd_diff": float(row["elpd_diff"])})
    report = {"ranking": rows, "n_obs": ranking.attrs.get("n_obs"),
              "seconds": round(time.perf_counter() - start, 1)}
    if echo:
        for r in rows:
            echo(f"  {r['model']:<18} elpd_loo {r['elpd_loo']:>10.1f} (se {r['se']:.1f})  "
                 f"difference from the best {r['elpd_diff']:.1f}")
        echo(f"  {report['n_obs']} answers; Ericson et al. (2015): ITCH predicts best")
    return report
