"""Converters between :class:`cogalign.metrics.RDMs` and rsatoolbox's ``RDMs``.

rsatoolbox is not a dependency of cogalign: it is imported inside these functions only,
so ``import cogalign.metrics`` never needs it. Both sides hold **dissimilarities** in
:func:`scipy.spatial.distance.squareform` order, so the vectors pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cogalign.metrics._checks import parse_rdms
from cogalign.metrics.rdm import RDMs

__all__ = ["from_rsatoolbox", "to_rsatoolbox"]


def _import_rsatoolbox() -> Any:
    try:
        import rsatoolbox
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_rsatoolbox/from_rsatoolbox need rsatoolbox: pip install rsatoolbox"
        ) from exc
    return rsatoolbox


def to_rsatoolbox(
    rdms: Any,
    *,
    labels: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    dissimilarity_measure: str | None = None,
) -> Any:
    """Convert RDMs (dissimilarities) to an ``rsatoolbox.rdm.RDMs``.

    Takes any form :func:`cogalign.metrics.rsa` takes.

    Item labels become the pattern descriptor ``"label"``, RDM names the RDM descriptor
    ``"name"``.
    """
    rsatoolbox = _import_rsatoolbox()
    if labels is None and isinstance(rdms, RDMs):
        labels = rdms.labels
    if names is None and isinstance(rdms, RDMs):
        names = rdms.names
    parsed = parse_rdms(rdms, "rdms")
    pattern = {"label": list(labels)} if labels is not None else None
    rdm_desc = {"name": list(names)} if names is not None else None
    return rsatoolbox.rdm.RDMs(
        dissimilarities=np.array(parsed.vectors, dtype=np.float64),
        dissimilarity_measure=dissimilarity_measure,
        pattern_descriptors=pattern,
        rdm_descriptors=rdm_desc,
    )


def from_rsatoolbox(rsa_rdms: Any) -> RDMs:
    """Convert an ``rsatoolbox.rdm.RDMs`` to :class:`cogalign.metrics.RDMs`.

    Both hold dissimilarities in the same condensed order, so values pass unchanged. Takes
    pattern descriptor ``"label"`` (or ``"conds"``, ``"stimulus"``) as item labels
    and RDM descriptor ``"name"`` as names when present.
    """
    vectors = np.asarray(rsa_rdms.get_vectors(), dtype=np.float64)
    labels = None
    for key in ("label", "labels", "conds", "stimulus"):
        desc = getattr(rsa_rdms, "pattern_descriptors", {}) or {}
        if key in desc:
            labels = [str(s) for s in desc[key]]
            break
    names = None
    rdesc = getattr(rsa_rdms, "rdm_descriptors", {}) or {}
    if "name" in rdesc:
        names = [str(s) for s in rdesc["name"]]
    return RDMs(vectors, labels=labels, names=names)
