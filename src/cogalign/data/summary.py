"""One-line summaries of loaded datasets (used by ``cogalign datasets`` and ``cogalign demo``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cogalign.data.containers import MoralGraph, RDMStack

__all__ = [
    "summarize",
]


def summarize(obj: Any) -> dict[str, Any]:
    """Size and content of a loaded dataset as a flat dict of plain values.

    Parameters
    ----------
    obj
        What :func:`cogalign.data.load` returned.

    Returns
    -------
    dict
        ``rows`` always; ``participants``, ``items``, ``missing_responses``, ``values``,
        ``edges``, ``rdms`` and ``kinds`` where they apply.
    """
    if isinstance(obj, RDMStack):
        kinds = {k: obj.kinds.count(k) for k in dict.fromkeys(obj.kinds)}
        return {"rows": len(obj), "rdms": len(obj), "items": obj.n_items, "kinds": kinds}
    if isinstance(obj, MoralGraph):
        return {"rows": obj.n_edges, "values": len(obj.values), "edges": obj.n_edges}
    if isinstance(obj, pd.DataFrame):
        out: dict[str, Any] = {"rows": len(obj)}
        if "participant_id" in obj.columns:
            out["participants"] = int(obj["participant_id"].nunique())
        item_cols = [c for c in ("item_1", "item_2", "item_3") if c in obj.columns]
        if item_cols:
            out["items"] = int(pd.unique(obj[item_cols].to_numpy().ravel()).size)
        if "response" in obj.columns:
            out["missing_responses"] = int(obj["response"].isna().sum())
        return out
    return {"rows": len(obj)}
