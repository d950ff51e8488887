"""The :class:`Representations` container: items x layers x width, plus where it came from.

Two file formats:

``.npz``
    One compressed-free NumPy archive (``array``, ``items``, ``layers``, ``meta``); what
    ``save("out.npz")`` and ``cogalign embed --out out.npz`` write. Loaded into memory.
``folder``
    ``states.npy`` stored layer-major, shape ``(layers, items, width)``, plus ``meta.json``. This
    is what :func:`cogalign.llm.embed` streams to, batch by batch, so a large run never holds more
    than one batch of activations in memory; it is opened memory-mapped, and ``.array`` is a
    ``(items, layers, width)`` view of the file, so reading one layer touches one contiguous block.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from cogalign.atomic import new_temp_dir, publish_dir
from cogalign.llm.cache import atomic_write_json

__all__ = ["Representations"]

STATES_FILE = "states.npy"
META_FILE = "meta.json"


@dataclass
class Representations:
    """Hidden-state representations of items, per layer.

    Attributes
    ----------
    array
        Array of shape ``(n_items, n_layers, width)``. May be a read-only memory-mapped view.
    items
        The items, in the order of the first axis.
    layers
        Model layer number of each entry of the second axis (0 = embedding layer output,
        ``i`` = output of transformer block ``i``).
    model_id
        Readable model identity (name plus a short weights hash).
    meta
        Everything else: pooling, template, dtype, cache key, timings, ...
    """

    array: np.ndarray
    items: list[str]
    layers: list[int]
    model_id: str
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.array.ndim != 3:
            raise ValueError(f"array must be (items, layers, width), got shape {self.array.shape}")
        if self.array.shape[0] != len(self.items) or self.array.shape[1] != len(self.layers):
            raise ValueError(
                f"array shape {self.array.shape} does not match {len(self.items)} items and "
                f"{len(self.layers)} layers"
            )
        self.items = [str(i) for i in self.items]
        self.layers = [int(i) for i in self.layers]

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        n, n_layers, width = self.shape
        return (
            f"Representations(model_id={self.model_id!r}, items={n}, layers={n_layers}, "
            f"width={width}, pooling={self.meta.get('pooling')!r})"
        )

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_items, n_layers, width)``."""
        return tuple(self.array.shape)  # type: ignore[return-value]

    def layer(self, layer: int) -> np.ndarray:
        """Return the ``(n_items, width)`` matrix of one model layer.

        Parameters
        ----------
        layer
            Model layer number as in :attr:`layers`; negative numbers count from the last
            stored layer (``-1`` is the last).
        """
        if layer < 0:
            return np.asarray(self.array[:, layer, :])
        try:
            pos = self.layers.index(int(layer))
        except ValueError:
            raise KeyError(f"layer {layer} not stored; stored layers: {self.layers}") from None
        return np.asarray(self.array[:, pos, :])

    def centered(self) -> Representations:
        """Return a copy with the mean over items subtracted, layer by layer (float32, in memory)."""
        out = np.empty(self.shape, dtype=np.float32)
        for j in range(self.shape[1]):
            block = np.asarray(self.array[:, j, :], dtype=np.float64)
            out[:, j, :] = block - block.mean(axis=0, keepdims=True)
        return replace(self, array=out, meta={**self.meta, "center": True})

    def to_frame(self, layer: int = -1):
        """Return one layer as a DataFrame indexed by item (columns ``0..width-1``)."""
        import pandas as pd

        return pd.DataFrame(self.layer(layer), index=pd.Index(self.items, name="item"))

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike[str], *, dtype: str | None = None) -> Path:
        """Write to ``path``: an ``.npz`` archive, or a folder (layer-major ``states.npy``).

        Parameters
        ----------
        path
            Ends in ``.npz`` for an archive; anything else is a folder.
        dtype
            Storage dtype (e.g. ``"float16"``); the array's own dtype by default.

        Returns
        -------
        pathlib.Path
        """
        path = Path(path)
        store = np.dtype(dtype) if dtype else self.array.dtype
        meta = {**self.meta, "model_id": self.model_id}
        if path.suffix == ".npz":
            from cogalign.llm.cache import atomic_save_npz

            atomic_save_npz(
                path,
                {
                    "array": np.asarray(self.array, dtype=store),
                    "items": np.array(self.items, dtype=str),
                    "layers": np.array(self.layers, dtype=np.int64),
                },
                meta,
            )
            return path
        check_replaceable(path)
        tmp = new_temp_dir(path.parent, path.name)
        states = np.lib.format.open_memmap(
            tmp / STATES_FILE, mode="w+", dtype=store, shape=(self.shape[1], self.shape[0], self.shape[2])
        )
        for j in range(self.shape[1]):
            states[j] = self.array[:, j, :]
        states.flush()
        del states
        write_folder_meta(tmp, self.items, self.layers, meta)
        replace_dir(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, mmap: bool = True) -> Representations:
        """Read representations written by :meth:`save` or by :func:`cogalign.llm.embed`.

        Parameters
        ----------
        path
            An ``.npz`` archive or a representations folder.
        mmap
            Open a folder's states memory-mapped (read-only) instead of reading them into memory.
        """
        path = Path(path)
        if path.is_dir():
            meta = json.loads((path / META_FILE).read_text())
            states = np.load(path / STATES_FILE, mmap_mode="r" if mmap else None)
            array = np.moveaxis(states, 0, 1)
            items = meta.pop("items")
            layers = meta.pop("layers")
            model_id = meta.get("model_id", "")
            return cls(array, items, layers, model_id, meta)
        if not path.is_file():
            raise FileNotFoundError(f"no representations at {path}")
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"])) if "__meta__" in data.files else {}
            return cls(
                data["array"],
                [str(s) for s in data["items"]],
                [int(i) for i in data["layers"]],
                meta.get("model_id", ""),
                meta,
            )


def write_folder_meta(folder: Path, items: list[str], layers: list[int], meta: dict[str, Any]) -> None:
    """Write the ``meta.json`` of a representations folder."""
    atomic_write_json(folder / META_FILE, {**meta, "items": list(items), "layers": list(layers)})


def check_replaceable(path: Path) -> None:
    """Refuse to overwrite anything but a file-free spot or an earlier representations folder."""
    path = Path(path)
    if path.exists() and not (path.is_dir() and (path / STATES_FILE).is_file() and (path / META_FILE).is_file()):
        raise FileExistsError(f"{path} exists and is not a representations folder; choose another path")


def replace_dir(tmp: Path, path: Path) -> Path:
    """Publish the finished folder ``tmp`` as ``path``, replacing an earlier representations folder."""
    import shutil

    check_replaceable(path)
    if path.exists():
        old = new_temp_dir(path.parent, path.name + ".old")
        os.replace(path, old / "previous")
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
        return path
    return publish_dir(tmp, path)
