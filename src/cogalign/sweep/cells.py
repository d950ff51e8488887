"""Cells: the independent jobs of a sweep, one per combination of the axes.

A :class:`Cell` is one call of a paradigm's ``align`` function. Its identity
(:attr:`Cell.cell_id`) is a hash of everything that decides its result (paradigm, model,
dataset, layer, template, temperature, seed, limit, options), so a rerun finds the cells it
already finished, and the same cell in two sweeps has the same id.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cogalign.sweep.spec import Resources, SweepSpec

__all__ = ["Cell", "expand_cells"]


@dataclass(frozen=True)
class Cell:
    """One call of a paradigm's ``align`` function.

    Attributes
    ----------
    paradigm, model
        Registry name of the paradigm; the language model.
    dataset, layer, template, temperature
        The axes (``None``: the paradigm's default, or not used).
    seed, limit
        Seed and unit limit passed on.
    options
        The paradigm's own options.
    resources
        What the cell asks of a Ray cluster (not part of its identity).
    """

    paradigm: str
    model: str
    dataset: str | None = None
    layer: str | int | None = None
    template: str | None = None
    temperature: float | None = None
    seed: int = 0
    limit: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources, compare=False)

    def key(self) -> dict[str, Any]:
        """Everything that decides the cell's result, as plain data."""
        return {"paradigm": self.paradigm, "model": self.model, "dataset": self.dataset,
                "layer": self.layer, "template": self.template,
                "temperature": self.temperature, "seed": self.seed, "limit": self.limit,
                "options": dict(self.options)}

    @property
    def cell_id(self) -> str:
        """16 hex digits of the SHA-256 of :meth:`key` (canonical JSON)."""
        text = json.dumps(self.key(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the ``align`` call (axes left at ``None`` are omitted)."""
        out: dict[str, Any] = {"seed": self.seed, "limit": self.limit}
        for name in ("dataset", "layer", "template", "temperature"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self.options)
        return out

    def label(self) -> str:
        """A short human-readable description."""
        parts = [self.paradigm, self.model]
        parts += [f"{name}={getattr(self, name)}" for name in
                  ("dataset", "layer", "template", "temperature")
                  if getattr(self, name) is not None]
        parts.append(f"seed={self.seed}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The cell as plain data (with its id and resources)."""
        return {"cell_id": self.cell_id, **self.key(), "resources": self.resources.to_dict()}


def expand_cells(spec: SweepSpec) -> list[Cell]:
    """Every cell of a sweep: the cross product of each block's axes.

    Cells that two blocks both produce are kept once. The cells are ordered by model (then
    in file order), so a worker that runs several cells of one model loads it once.

    Parameters
    ----------
    spec
        The parsed sweep file.

    Returns
    -------
    list of Cell
    """
    cells: dict[str, Cell] = {}
    for block in spec.blocks:
        for model, dataset, layer, template, temperature, seed in itertools.product(
                block.models, block.datasets, block.layers, block.templates,
                block.temperatures, block.seeds):
            cell = Cell(paradigm=block.paradigm, model=model, dataset=dataset, layer=layer,
                        template=template,
                        temperature=None if temperature is None else float(temperature),
                        seed=seed, limit=block.limit, options=dict(block.options),
                        resources=block.resources)
            cells.setdefault(cell.cell_id, cell)
    order = {m: i for i, m in enumerate(spec.models)}
    return sorted(cells.values(), key=lambda c: order[c.model])
