"""Layer specs: which hidden layers of a language model to use, written the same way everywhere.

A spec is ``"all"``, ``"first"``, ``"last"``, an integer, a list of integers, or text such as
``"3,5"``, ``"10:20"`` (a Python slice: start included, end excluded; an optional step
``"0:24:4"``) or ``"0,4:8,-1"``. Negative numbers count from the end (``-1`` is the last
layer); layer 0 is the embedding layer of a transformer.

>>> parse_layers("10:13", 30)
[10, 11, 12]
>>> parse_layers("last", 12)
[11]
>>> parse_layers("5,0,-1", 12, sort=False)
[5, 0, 11]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cogalign.errors import CogalignError, shorten

__all__ = ["LayerSpecError", "parse_layers"]


class LayerSpecError(CogalignError, ValueError):
    """A layer spec that is malformed or names a layer the model does not have."""


def parse_layers(spec: str | int | Iterable[int], n_total: int, *, sort: bool = True) -> list[int]:
    """Turn a layer spec into layer indices.

    Parameters
    ----------
    spec
        The spec (see the module docstring).
    n_total
        Number of layers (hidden states) the model has.
    sort
        Return the indices sorted (the default); otherwise in the order given. Repeats are
        dropped either way.

    Returns
    -------
    list of int
        Non-negative layer indices.

    Raises
    ------
    LayerSpecError
        For a malformed spec, an index out of range, or a spec that selects nothing.
    """
    if isinstance(spec, str):
        values = _parse_text(spec, n_total)
    elif isinstance(spec, int | np.integer):
        values = [int(spec)]
    else:
        try:
            values = [int(v) for v in spec]
        except (TypeError, ValueError):
            raise LayerSpecError(f"layers must be integers, got {shorten(spec)}") from None
    out = []
    for v in values:
        if not -n_total <= v < n_total:
            raise LayerSpecError(
                f"layer {v} is out of range for a model with {n_total} layers "
                f"(0 to {n_total - 1}, or negative from the end)"
            )
        out.append(v % n_total)
    if not out:
        raise LayerSpecError(f"no layers selected by {shorten(spec)} (the model has {n_total})")
    unique = list(dict.fromkeys(out))
    return sorted(unique) if sort else unique


def _parse_text(spec: str, n_total: int) -> list[int]:
    text = spec.strip().lower()
    if text == "all":
        return list(range(n_total))
    if text == "last":
        return [n_total - 1]
    if text == "first":
        return [0]
    picked: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        try:
            if ":" in part:
                bits = [int(b) if b.strip() else None for b in part.split(":")]
                if len(bits) > 3 or (len(bits) == 3 and bits[2] == 0):
                    raise ValueError(part)
                chosen = list(range(n_total))[slice(*bits)]
                if not chosen:
                    raise LayerSpecError(
                        f"layer range {part!r} selects no layer of a model with {n_total} layers"
                    )
                picked.extend(chosen)
            elif part:
                picked.append(int(part))
        except ValueError:
            raise LayerSpecError(
                f"layer spec {shorten(spec)}: expected 'all', 'first', 'last', or indices and ranges "
                "such as '3,5' or '10:20'"
            ) from None
    return picked
