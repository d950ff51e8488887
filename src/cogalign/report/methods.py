"""Methods text, dataset references and versions, generated from a sweep's settings.

Everything here comes from what the sweep ran: the cells recorded in its manifest, the
paradigm registry (titles, the ``align`` functions' own descriptions) and the dataset
registry (titles, citations, licences, sources). Nothing is written by hand per paradigm.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["dataset_references", "methods_paragraphs"]


def _first_paragraph(func: Any) -> str:
    doc = inspect.getdoc(func) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _join(values: Iterable[Any]) -> str:
    items = [str(v) for v in dict.fromkeys(values) if v is not None]
    return ", ".join(items) if items else "the default"


def _quoted(values: Iterable[Any]) -> str:
    items = [f"'{v}'" for v in dict.fromkeys(values) if v is not None]
    return ", ".join(items) if items else "the default"


def _paradigm_paragraph(name: str, cells: Sequence[Mapping[str, Any]],
                        results: pd.DataFrame) -> str:
    from cogalign.paradigms import ParadigmError, get_paradigm

    try:
        paradigm = get_paradigm(name)
        title = paradigm.title
        what = _first_paragraph(paradigm.part("align"))
        where = paradigm.align if isinstance(paradigm.align, str) else \
            f"{paradigm.align.__module__}:{paradigm.align.__qualname__}"
    except ParadigmError:
        title, what, where = name, "", "its align entry"
    rows = results[(results["paradigm"] == name) & results["primary"].astype(bool)]
    datasets = _join(rows["dataset"].dropna()) if len(rows) else _join(c.get("dataset")
                                                                         for c in cells)
    metric = _join(rows["metric"]) if len(rows) else "its primary metric"
    has_ceiling = bool(rows["ceiling"].notna().any()) if len(rows) else False
    options = [o for o in dict.fromkeys(json.dumps(c.get("options") or {}, sort_keys=True)
                                        for c in cells) if o != "{}"]
    ceiling = (", divided by the noise ceiling of the same units in the leaderboard"
               if has_ceiling else " (no noise ceiling is known for these data: it is "
               "reported raw)")
    text = (f"{title}. Measured by {where}: {what} Datasets: {datasets}. Layers: "
            f"{_join(c.get('layer') for c in cells)}; templates: "
            f"{_quoted(c.get('template') for c in cells)}; temperatures: "
            f"{_join(c.get('temperature') for c in cells)}; seeds: "
            f"{_join(c.get('seed') for c in cells)}; units: "
            f"{_join(c.get('limit') or 'all' for c in cells)}; options: "
            f"{', '.join(options) or 'none'}. Primary metric: {metric}{ceiling}.")
    return " ".join(text.split())


def methods_paragraphs(manifest: Mapping[str, Any], results: pd.DataFrame) -> list[str]:
    """The methods section as paragraphs of plain text.

    Parameters
    ----------
    manifest
        The sweep's ``manifest.json`` (its ``cells`` and settings).
    results
        The sweep's results table.

    Returns
    -------
    list of str
        An overview, one paragraph per paradigm, and how the leaderboard is made.
    """
    cells = list(manifest.get("cells") or [])
    models = list(dict.fromkeys(c["model"] for c in cells)) or \
        list(dict.fromkeys(results["model"]))
    failed = results.loc[results["status"] == "failed", "cell_id"].nunique()
    n_cells = len(cells) or results["cell_id"].nunique()
    backend = manifest.get("backend", "local")
    paragraphs = [
        f"The sweep '{manifest.get('name', 'sweep')}' measured {len(models)} language "
        f"model{'s' if len(models) != 1 else ''} ({', '.join(models)}) in {n_cells} cells, one "
        f"call of a paradigm's align function each, on the {backend} backend"
        f"{f' ({failed} failed; listed below)' if failed else ''}. Every cell was run with "
        "its own seed for bootstrap intervals, sampling and the split of the units, and its "
        "result is the set of metric rows the function returned."
    ]
    by_paradigm: dict[str, list[Mapping[str, Any]]] = {}
    for cell in cells:
        by_paradigm.setdefault(cell["paradigm"], []).append(cell)
    for name in by_paradigm or dict.fromkeys(results["paradigm"]):
        paragraphs.append(_paradigm_paragraph(name, by_paradigm.get(name, []), results))
    paragraphs.append(
        "Leaderboard. For every model and task (a paradigm on a dataset) the units (triplets, "
        "word pairs, problems) are split in half with each seed. The configuration (layer, "
        "template, method, temperature) with the highest primary score on the first half is "
        "chosen, and its score on the second half is reported as the held-out score, so the "
        "table is not tuned on the numbers it shows; the 'best' score, chosen and measured "
        "on all units, is shown beside it and is optimistic. Where the people's noise "
        "ceiling is known the score is divided by the ceiling of the same units (a share of "
        "what the people's own consistency allows). Intervals are 95% bootstrap percentile "
        "intervals over units. Models are ranked within each task; the mean normalised "
        "score averages the normalised held-out scores over the tasks that have a ceiling, "
        "and several seeds are averaged.")
    return paragraphs


def dataset_references(names: Iterable[str]) -> list[dict[str, str]]:
    """Title, citation, licence and source of each registered dataset named.

    Names not in the registry (a user's own file) are listed with what is known: the name.
    """
    from cogalign.data import REGISTRY

    out = []
    for name in dict.fromkeys(n for n in names if n):
        ds = REGISTRY.get(name)
        if ds is None:
            out.append({"name": name, "title": "", "citation": "", "licence": "", "source": ""})
        else:
            out.append({"name": name, "title": ds.title, "citation": ds.citation,
                        "licence": ds.licence, "source": ds.source})
    return out
