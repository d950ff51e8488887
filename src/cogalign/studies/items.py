"""Item sets of item-based studies, and the latent item vectors their simulated participants use.

Paradigms whose trials show items (triplet odd-one-out, pairwise similarity) share the
``[items]`` definition table (:data:`ITEM_TABLE`): where the items come from
(``source = "things-concepts"`` or ``"file"``), a ``fallback`` file, how many (``n``), which
(``names``) and an ``image`` pattern. :class:`ItemDesign` resolves them; a paradigm's design
subclasses it.

Simulated participants of these paradigms (:class:`ItemVectorParticipant`) give every item a
latent vector: a category centre (items of one category lie close) plus item-specific
scatter, unit length, seeded by ``seed`` and the item's name; or, with ``llm``, the item's
label embedded by a language model (:func:`cogalign.llm.embed`). Each paradigm applies its
own choice rule to these vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cogalign.errors import CogalignError
from cogalign.studies.definition import (
    DefinitionError,
    Field,
    StudyDefinition,
    at_least,
    one_of,
    placeholder_problems,
)
from cogalign.studies.design import Design, Option, seeded_rng
from cogalign.studies.simulate import SimulatedParticipant

__all__ = [
    "ITEM_TABLE",
    "Item",
    "ItemDesign",
    "ItemVectorParticipant",
    "LanguageModelVectors",
    "read_items",
    "things_items",
]

#: The ``[items]`` table of item-based study definitions.
ITEM_TABLE: dict[str, Field] = {
    "source": Field("str", "file", one_of("things-concepts", "file")),
    "file": Field("str", ""),
    "fallback": Field("bool", True),
    "n": Field("int", 0, at_least(0)),
    "names": Field("list[str]", []),
    "image": Field("str", ""),
}


@dataclass(frozen=True)
class Item:
    """One item of an item-based study.

    Attributes
    ----------
    index
        The item's index in its item set (the THINGS concept index for THINGS items, the row of
        the item file otherwise). It is what the data's item columns hold.
    name
        Identifier (THINGS ``uniqueID`` or the file's ``name``).
    label
        The text shown to participants.
    category
        Category name, used for attention checks (``None`` if unknown).
    image
        Image file shown instead of the label, if the definition names one.
    """

    index: int
    name: str
    label: str
    category: str | None = None
    image: str | None = None


def read_items(definition: StudyDefinition, path: Path) -> list[Item]:
    """The items of an item file, checked: no empty or repeated names.

    The file is a CSV with ``name`` and optionally ``label``, ``category`` and ``image``.
    """
    from cogalign.data import read_table_with_lines

    if not path.is_file():
        raise DefinitionError(f"{definition.path}: [items] file: {path} does not exist")
    frame, lines = read_table_with_lines(path)
    if "name" not in frame.columns:
        raise DefinitionError(f"{path}: the item file needs a 'name' column")
    rows = frame.fillna("").astype(str).to_dict(orient="records")
    items = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        where = f"{path}: row {i + 1}" + (f" (line {int(lines[i])})" if lines is not None else "")
        if not name:
            raise DefinitionError(f"{where}: empty name")
        if name in seen:
            raise DefinitionError(f"{where}: item {name!r} appears twice")
        seen.add(name)
        label = (row.get("label") or "").strip() or name.replace("_", " ")
        category = (row.get("category") or "").strip() or None
        image = (row.get("image") or "").strip() or None
        items.append(Item(i, name, label, category, image))
    return items


def things_items() -> list[Item] | None:
    """The THINGS concepts as items (``None`` when the dataset is not available locally)."""
    from cogalign.data import load

    try:
        table = load("things-concepts", download=False, progress=False)
    except CogalignError:
        return None
    items = []
    for row in table.itertuples(index=False):
        category = row.category if isinstance(row.category, str) and row.category else None
        label = row.word if isinstance(row.word, str) and row.word else str(row.name)
        items.append(Item(int(row.item), str(row.name), label, category))
    return items


class ItemDesign(Design):
    """Base of item-based designs (triplets, similarity): resolves the item set of ``[items]``."""

    tables: ClassVar[dict[str, dict[str, Field]]] = {"items": ITEM_TABLE}

    @classmethod
    def check_definition(cls, d: dict[str, dict[str, Any]]) -> list[str]:
        """The item file is needed for ``source = "file"`` or a fallback; image placeholders."""
        problems = placeholder_problems(d, "items", "image", {"name", "index"})
        it = d["items"]
        if (it["source"] == "file" or it["fallback"]) and not it["file"]:
            problems.append("[items] file: needed when source = \"file\" or fallback = true")
        return problems

    def __init__(self, definition: StudyDefinition, notes: list[str]):
        super().__init__(definition, notes)
        it = definition["items"]
        items: list[Item] | None = None
        if it["source"] == "things-concepts":
            items = things_items()
            if items is not None:
                self.item_source = "things-concepts"
            elif not it["fallback"]:
                raise self.error(
                    "[items] source: the 'things-concepts' dataset is not available locally "
                    "(run `cogalign datasets fetch things-concepts`, or set fallback = true)"
                )
            else:
                notes.append(
                    "THINGS concepts not available locally; using the item file "
                    f"{definition.resolve(it['file'])}"
                )
        if items is None:
            path = definition.resolve(it["file"])
            items = read_items(definition, path)
            self.item_source = f"file:{Path(it['file']).name}"
        if it["names"]:
            by_name = {x.name: x for x in items}
            unknown = [n for n in it["names"] if n not in by_name]
            if unknown:
                raise self.error(f"[items] names: not in the item set: {unknown[:10]}")
            items = [by_name[n] for n in dict.fromkeys(it["names"])]
        if it["n"]:
            if it["n"] > len(items):
                raise self.error(f"[items] n: {it['n']} items asked for, the set has {len(items)}")
            pick = np.sort(self.materials_rng.choice(len(items), size=it["n"], replace=False))
            items = [items[int(i)] for i in pick]
        if it["image"]:
            items = [
                Item(x.index, x.name, x.label, x.category,
                     str(definition.resolve(it["image"].format(name=x.name, index=x.index))))
                for x in items
            ]
        else:
            items = [
                Item(x.index, x.name, x.label, x.category,
                     str(definition.resolve(x.image)) if x.image else None)
                for x in items
            ]
        for x in items:
            if x.image is not None and not Path(x.image).is_file():
                raise self.error(f"[items] image: {x.image} (item {x.name!r}) does not exist")
        self.items = items

    def option(self, item: Item) -> Option:
        """What is shown for an item: its label, or its image."""
        return Option((item.label,), item.image)

    def images(self) -> list[str]:
        """The items' image files, in name order."""
        return sorted({x.image for x in self.items if x.image})

    def materials(self) -> Any:
        """The resolved item set."""
        return {
            "source": self.item_source,
            "items": [[x.index, x.name, x.label, x.category, x.image and Path(x.image).name]
                      for x in self.items],
        }


class ItemVectorParticipant(SimulatedParticipant):
    """Base of item-based simulated participants: one latent unit vector per item.

    Vectors have category structure: a category centre plus item scatter (``spread``), seeded
    by ``seed`` and the item's name (see the module docstring). Subclasses apply their
    paradigm's choice rule to :meth:`similarity`.
    """

    defaults: ClassVar[dict[str, Any]] = {"dims": 16, "spread": 0.6}

    def __init__(self, study: Any, **params: Any):
        super().__init__(study, **params)
        items = study.items or []
        self.vectors = self.item_vectors([x.name for x in items], [x.category for x in items])
        self.row_of = {x.index: k for k, x in enumerate(items)}
        self.name_of = {x.name: k for k, x in enumerate(items)}

    def item_vectors(self, names: Sequence[str], categories: Sequence[str | None]) -> np.ndarray:
        """Unit vectors: a category centre plus item scatter (``spread``), seeded by name."""
        dims = int(self.params["dims"])
        out = np.empty((len(names), dims))
        for k, (name, category) in enumerate(zip(names, categories, strict=True)):
            own = seeded_rng(self.params["seed"], "item", name).normal(size=dims)
            if category:
                centre = seeded_rng(self.params["seed"], "category", category).normal(size=dims)
                v = centre + self.params["spread"] * own
            else:
                v = own
            out[k] = v / np.linalg.norm(v)
        return out

    def similarity(self, a: int, b: int) -> float:
        """Cosine similarity of two items (rows of :attr:`vectors`)."""
        return float(self.vectors[a] @ self.vectors[b])


class LanguageModelVectors:
    """Mixin: item vectors from a language model's hidden states (:func:`cogalign.llm.embed`).

    Settings ``model`` (default ``minilm-l6``), ``layer`` (default ``-1``) and ``pooling``
    (default ``mean``); the vectors are centred, then scaled to unit length.
    """

    defaults: ClassVar[dict[str, Any]] = {"model": "minilm-l6", "layer": -1, "pooling": "mean"}
    params: dict[str, Any]
    study: Any

    def item_vectors(self, names: Sequence[str], categories: Sequence[str | None]) -> np.ndarray:
        """The items' labels embedded by the language model, centred, unit length."""
        try:
            from cogalign.llm.embed import embed
        except ImportError as exc:
            raise CogalignError(
                f"the llm simulated participant needs cogalign's llm extra ({exc})"
            ) from None
        labels = [x.label for x in (self.study.items or [])]
        reps = embed(labels, model=self.params["model"], layers=[int(self.params["layer"])],
                     pooling=self.params["pooling"], progress=False)
        v = np.asarray(reps.layer(-1), dtype=float)
        v = v - v.mean(axis=0)  # cosine of centred vectors spreads the similarities out
        return v / np.linalg.norm(v, axis=1, keepdims=True)
