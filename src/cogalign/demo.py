"""The main job, ``cogalign demo``: everything cogalign can show on the data found locally.

It never needs the network: datasets come from ``COGALIGN_DATA_PATH`` or the cache, and
anything missing is skipped with the reason said.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from cogalign.data import REGISTRY
from cogalign.data.summary import summarize
from cogalign.errors import CogalignError

__all__ = [
    "dataset_summary",
    "run_demo",
]

Echo = Callable[[str], None] | None


def dataset_summary(echo: Echo = None) -> dict[str, Any]:
    """Load every registered dataset available locally and summarise it.

    Returns
    -------
    dict
        ``{"loaded": [...rows...], "skipped": [{"name", "reason"}]}``.
    """
    loaded, skipped = [], []
    for ds in REGISTRY.values():
        start = time.perf_counter()
        try:
            obj = ds.load(download=False, progress=False)
        except CogalignError as exc:
            skipped.append({"name": ds.name, "reason": str(exc).splitlines()[0]})
            continue
        row = {"name": ds.name, "paradigm": ds.paradigm, **summarize(obj)}
        row["seconds"] = round(time.perf_counter() - start, 2)
        loaded.append(row)
    if echo:
        echo("Datasets found locally")
        columns = ["name", "paradigm", "rows", "participants", "items", "seconds"]
        width = {c: max(len(c), *(len(str(r.get(c, "-"))) for r in loaded)) for c in columns} if loaded else {}
        if loaded:
            echo("  " + "  ".join(c.ljust(width[c]) for c in columns))
            for r in loaded:
                echo("  " + "  ".join(str(r.get(c, "-")).ljust(width[c]) for c in columns))
        for s in skipped:
            echo(f"  skipped {s['name']}: {s['reason']}")
    return {"loaded": loaded, "skipped": skipped}


def run_demo(echo: Echo = print, *, only: Sequence[str] = (),
             datasets: bool = True) -> dict[str, Any]:
    """Run every part of the main job and return its report.

    The parts are the datasets found locally, then the demo section of every registered
    paradigm that declares one (:mod:`cogalign.paradigms`), in registration order.

    Parameters
    ----------
    echo
        Where to print progress and results (``None`` for silence, e.g. with ``--json``).
    only
        Run only these paradigms' sections (default: all).
    datasets
        Include the summary of the datasets found locally.

    Raises
    ------
    CogalignError
        When ``only`` names a paradigm that is not registered or has no demo section.
    """
    from cogalign.paradigms import get_paradigm, with_part

    sections = list(with_part("demo"))
    if only:
        for name in only:
            if get_paradigm(name).demo is None:
                raise CogalignError(f"paradigm {name!r} has no demo section")
        sections = [p for p in sections if p.name in only]
    report: dict[str, Any] = {"datasets": dataset_summary(echo)} if datasets else {}
    for paradigm in sections:
        report[paradigm.name] = paradigm.part("demo")(echo)
    return report
