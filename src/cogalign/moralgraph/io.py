"""Moral graphs in and out: the MGE JSON export, tidy vote tables, and votes as they come in.

The **MGE export** (Klingefjord, Lowe & Edelman 2024; github.com/meaningalignment/dft,
``data/moral-graph-*.json``) is one JSON object::

    {"values": [{"id", "title", "instructionsShort", "instructionsDetailed",
                 "evaluationCriteria", ...}],
     "edges":  [{"sourceValueId", "wiserValueId", "contexts",
                 "counts": {"markedWiser", "markedNotWiser", "markedLessWise",
                            "markedUnsure", "impressions"},
                 "summary": {"wiserLikelihood", "entropy"}}]}

:func:`read_mge_json` checks every id, reference and count and reports every problem with the
file, the entry and the field; :func:`write_mge_json` writes the same format back (fields the
reader does not know are kept, so a round trip gives the same JSON).

The **tidy vote table** has the ``MORAL_VOTES`` schema: one row per participant, context and
edge, with ``vote`` one of ``wiser``, ``not_wiser``, ``less_wise``, ``unsure``.
:func:`graph_from_votes` counts it into edges by the published app's rule;
:class:`VoteRecorder` takes votes one at a time (as a web flow does) and refuses a vote on an
edge that was not offered.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.containers import (
    MORAL_GRAPH_COUNTS,
    MORAL_GRAPH_EDGE_COLUMNS,
    MORAL_GRAPH_VALUE_COLUMNS,
    MoralGraph,
)
from cogalign.data.schema import Problem, ValidationError, validate
from cogalign.data.schemas import MORAL_VOTES
from cogalign.errors import CogalignError

__all__ = [
    "COUNT_KEYS",
    "VOTES",
    "UnknownEdgeError",
    "VoteRecorder",
    "check_votes",
    "edges_frame",
    "from_mge_dict",
    "graph_from_votes",
    "read_mge_json",
    "read_votes",
    "to_mge_dict",
    "write_mge_json",
    "write_votes",
]

#: The export's count keys, by edge column.
COUNT_KEYS: dict[str, str] = {
    "marked_wiser": "markedWiser",
    "marked_not_wiser": "markedNotWiser",
    "marked_less_wise": "markedLessWise",
    "marked_unsure": "markedUnsure",
    "impressions": "impressions",
}
_VALUE_KEYS = {"id": "id", "title": "title", "instructions_short": "instructionsShort",
               "instructions_detailed": "instructionsDetailed",
               "evaluation_criteria": "evaluationCriteria"}
_EDGE_KEYS = ("sourceValueId", "wiserValueId", "contexts", "counts", "summary")

#: The vote answers of the tidy table.
VOTES: tuple[str, ...] = ("wiser", "not_wiser", "less_wise", "unsure")


class UnknownEdgeError(CogalignError):
    """A vote names an edge (pair of values in a context) that was not offered for voting."""


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def edges_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """An :attr:`~cogalign.data.MoralGraph.edges` table from row dicts (typed columns)."""
    frame = pd.DataFrame(list(rows), columns=list(MORAL_GRAPH_EDGE_COLUMNS))
    for c in ("edge_index", "source_value_id", "wiser_value_id", *MORAL_GRAPH_COUNTS):
        frame[c] = frame[c].astype(np.int64)
    for c in ("wiser_likelihood", "entropy"):
        frame[c] = frame[c].astype(np.float64)
    return frame


def from_mge_dict(data: Any, source: str = "<moral graph>") -> MoralGraph:
    """Build a :class:`~cogalign.data.MoralGraph` from a parsed MGE export.

    Parameters
    ----------
    data
        The decoded JSON object.
    source
        Named in error messages (normally the file path).

    Raises
    ------
    ValidationError
        Listing every problem: missing or duplicate value ids, missing fields, edges naming a
        value that is not in ``values``, counts that are not non-negative integers, fewer
        impressions than votes.
    """
    problems: list[Problem] = []

    def bad(part: str, row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(f"{source} [{part}]", row, column, message))

    if not isinstance(data, Mapping):
        raise ValidationError([Problem(source, None, None, "expected a JSON object with 'values' and 'edges'")])
    for key in ("values", "edges"):
        if not isinstance(data.get(key), list):
            bad(key, None, None, f"'{key}' must be a list")
    if problems:
        raise ValidationError(problems)
    value_rows, ids = [], set()
    for i, v in enumerate(data["values"]):
        if not isinstance(v, Mapping):
            bad("values", i + 1, None, "expected an object")
            continue
        if "id" not in v:
            bad("values", i + 1, "id", "missing value id")
        elif not _is_int(v["id"]):
            bad("values", i + 1, "id", f"value id must be an integer, got {v['id']!r}")
        elif v["id"] in ids:
            bad("values", i + 1, "id", f"duplicate value id {v['id']}")
        else:
            ids.add(v["id"])
        if not isinstance(v.get("title"), str) or not v.get("title", "").strip():
            bad("values", i + 1, "title", "missing title")
        criteria = v.get("evaluationCriteria", [])
        if not isinstance(criteria, list) or not all(isinstance(c, str) for c in criteria):
            bad("values", i + 1, "evaluationCriteria", "must be a list of strings")
        value_rows.append({
            "id": v.get("id"), "title": v.get("title"),
            "instructions_short": v.get("instructionsShort", ""),
            "instructions_detailed": v.get("instructionsDetailed", ""),
            "evaluation_criteria": list(criteria) if isinstance(criteria, list) else [],
            "extra": {k: x for k, x in v.items() if k not in _VALUE_KEYS.values()},
        })
    edge_rows = []
    for i, e in enumerate(data["edges"]):
        row = i + 1
        if not isinstance(e, Mapping):
            bad("edges", row, None, "expected an object")
            continue
        for end in ("sourceValueId", "wiserValueId"):
            if end not in e:
                bad("edges", row, end, "missing value id")
            elif not _is_int(e[end]):
                bad("edges", row, end, f"value id must be an integer, got {e[end]!r}")
            elif e[end] not in ids:
                bad("edges", row, end, f"value id {e[end]} is not among the values")
        if e.get("sourceValueId") == e.get("wiserValueId") and "sourceValueId" in e:
            bad("edges", row, "wiserValueId", "an edge must join two different values")
        contexts = e.get("contexts")
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            bad("edges", row, "contexts", "must be a list of strings")
            contexts = []
        counts = e.get("counts")
        if not isinstance(counts, Mapping):
            bad("edges", row, "counts", "missing vote counts")
            counts = {}
        values = {}
        for column, key in COUNT_KEYS.items():
            x = counts.get(key)
            if x is None:
                bad("edges", row, f"counts.{key}", "missing count")
            elif not _is_int(x) or x < 0:
                bad("edges", row, f"counts.{key}", f"count must be a non-negative integer, got {x!r}")
            else:
                values[column] = x
        if len(values) == len(COUNT_KEYS):
            voted = sum(values[c] for c in MORAL_GRAPH_COUNTS if c != "impressions")
            if values["impressions"] < voted:
                bad("edges", row, "counts.impressions",
                    f"{values['impressions']} impressions but {voted} votes")
        summary = e.get("summary") or {}
        if not isinstance(summary, Mapping):
            bad("edges", row, "summary", "must be an object")
            summary = {}
        stats = {}
        for column, key in (("wiser_likelihood", "wiserLikelihood"), ("entropy", "entropy")):
            x = summary.get(key)
            if x is not None and (isinstance(x, bool) or not isinstance(x, int | float)
                                  or not math.isfinite(x)):
                bad("edges", row, f"summary.{key}", f"must be a finite number, got {x!r}")
                x = None
            stats[column] = np.nan if x is None else float(x)
        extra = {k: x for k, x in e.items() if k not in _EDGE_KEYS}
        summary_extra = {k: x for k, x in summary.items() if k not in ("wiserLikelihood", "entropy")}
        if summary_extra:
            extra["summary"] = summary_extra
        edge_rows.append({"edge_index": i, "source_value_id": e.get("sourceValueId"),
                          "wiser_value_id": e.get("wiserValueId"), "contexts": tuple(contexts),
                          **values, **stats, "extra": extra})
    seen: dict[tuple, int] = {}
    for i, r in enumerate(edge_rows):
        pair = (r["source_value_id"], r["wiser_value_id"])
        if pair in seen:
            bad("edges", i + 1, None, f"edge {pair[0]} -> {pair[1]} repeats edge {seen[pair] + 1}")
        seen.setdefault(pair, i)
    if problems:
        raise ValidationError(problems)
    values_frame = pd.DataFrame(value_rows, columns=list(MORAL_GRAPH_VALUE_COLUMNS))
    values_frame["id"] = values_frame["id"].astype(np.int64)
    meta = {k: v for k, v in data.items() if k not in ("values", "edges")}
    return MoralGraph(values_frame, edges_frame(edge_rows), source=source, meta=meta)


def read_mge_json(path: str | os.PathLike[str]) -> MoralGraph:
    """Read a moral graph from an MGE JSON export file.

    Parameters
    ----------
    path
        The ``.json`` file.

    Returns
    -------
    MoralGraph

    Raises
    ------
    ValidationError
        For text that is not JSON (with line and column) and every problem
        :func:`from_mge_dict` finds.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CogalignError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError([Problem(str(path), None, None,
                                       f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                                       exc.lineno)]) from None
    return from_mge_dict(data, source=str(path))


def _number(x: Any) -> Any:
    """A float as the JSON writer of the app would give it (integers stay integers)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    if isinstance(x, np.generic):
        x = x.item()
    return x


def to_mge_dict(graph: MoralGraph) -> dict[str, Any]:
    """The graph as an MGE export object (the inverse of :func:`from_mge_dict`).

    Summary numbers that are NaN (never computed) are left out of ``summary``.
    """
    values = []
    for row in graph.values.to_dict("records"):
        out = {"id": int(row["id"]), "title": row["title"]}
        for column in ("instructions_short", "instructions_detailed", "evaluation_criteria"):
            if column in row:
                value = row[column]
                out[_VALUE_KEYS[column]] = list(value) if column == "evaluation_criteria" else value
        out.update(row.get("extra") or {})
        values.append(out)
    edges = []
    for row in graph.edges.to_dict("records"):
        extra = dict(row.get("extra") or {})
        summary = {}
        for column, key in (("wiser_likelihood", "wiserLikelihood"), ("entropy", "entropy")):
            value = _number(row.get(column))
            if value is not None:
                summary[key] = value
        summary.update(extra.pop("summary", {}))
        edge = {"sourceValueId": int(row["source_value_id"]), "wiserValueId": int(row["wiser_value_id"]),
                "contexts": list(row.get("contexts", ())),
                "counts": {COUNT_KEYS[c]: int(row[c]) for c in MORAL_GRAPH_COUNTS},
                "summary": summary, **extra}
        edges.append(edge)
    return {"values": values, "edges": edges, **dict(graph.meta)}


def write_mge_json(graph: MoralGraph, path: str | os.PathLike[str], *, indent: int = 2) -> Path:
    """Write a graph as an MGE JSON export (UTF-8, ``indent`` spaces).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    path.write_text(json.dumps(to_mge_dict(graph), indent=indent, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------- votes


def check_votes(votes: pd.DataFrame, graph: MoralGraph | None = None, *, value_ids: Iterable[int] | None = None,
                source: str = "<votes>") -> pd.DataFrame:
    """Validate a tidy vote table (``MORAL_VOTES``) and its references.

    Parameters
    ----------
    votes
        One row per vote.
    graph
        If given, every vote must be on one of its edges (that direction, in one of the
        edge's contexts).
    value_ids
        If given (and no graph), the values the votes may name.
    source
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        The typed table.

    Raises
    ------
    ValidationError
        Schema problems, a vote joining a value to itself, a vote naming an unknown value or
        an edge not in the graph, each with its row and column.
    """
    table = validate(votes, MORAL_VOTES, source=source)
    problems: list[Problem] = []
    src = table["source_value_id"].to_numpy()
    wis = table["wiser_value_id"].to_numpy()
    for i in np.flatnonzero(src == wis):
        problems.append(Problem(source, int(i) + 1, "wiser_value_id", "a vote must compare two different values"))
    known = None
    if graph is not None:
        known = set(graph.values["id"].astype(int))
    elif value_ids is not None:
        known = {int(v) for v in value_ids}
    if known is not None:
        for column in ("source_value_id", "wiser_value_id"):
            for i in np.flatnonzero(~table[column].isin(known).to_numpy()):
                problems.append(Problem(source, int(i) + 1, column,
                                        f"value id {table[column].iloc[i]} is not among the values"))
    if graph is not None and not problems:
        offered = _offered(graph)
        for i, (s, w, c) in enumerate(zip(src, wis, table["context"], strict=True)):
            if (int(s), int(w), c) not in offered:
                problems.append(Problem(source, i + 1, "context",
                                        f"no edge {s} -> {w} in context {c!r} in the graph"))
    if problems:
        raise ValidationError(problems)
    return table


def _offered(graph: MoralGraph) -> set[tuple[int, int, str]]:
    out = set()
    for s, w, contexts in zip(graph.edges["source_value_id"], graph.edges["wiser_value_id"],
                              graph.edges["contexts"], strict=True):
        for c in contexts:
            out.add((int(s), int(w), c))
    return out


def read_votes(path: str | os.PathLike[str], graph: MoralGraph | None = None) -> pd.DataFrame:
    """Read and validate a vote table file (CSV, TSV, JSON or JSON lines).

    Parameters
    ----------
    path
        The file.
    graph
        If given, the votes must be on its edges (see :func:`check_votes`).
    """
    from cogalign.data.tables import read_trials

    table = read_trials(path, MORAL_VOTES)
    return check_votes(table, graph, source=str(path))


def write_votes(votes: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a vote table as CSV (the format :func:`read_votes` reads)."""
    path = Path(path)
    table = check_votes(votes, source=str(path))
    table.to_csv(path, index=False)
    return path


def graph_from_votes(
    votes: pd.DataFrame,
    values: pd.DataFrame,
    *,
    source: str = "<votes>",
    check: bool = True,
) -> MoralGraph:
    """Count a tidy vote table into a moral graph, by the published app's rule.

    The rule of ``summarizeGraph`` in github.com/meaningalignment/dft
    (``app/values-tools/generate-moral-graph.ts``): a vote on ``a -> b`` (is ``b`` wiser
    than ``a``?) adds one impression to the pair ``a -> b`` and one to the reverse pair
    ``b -> a``; ``a -> b`` counts it as marked wiser, not wiser or unsure, and an answer
    "wiser" also counts as marked *less wise* on ``b -> a``. Both pairs list the vote's
    context. A ``less_wise`` row on ``a -> b`` (the participant found ``b`` less wise) is
    counted as a ``wiser`` vote on ``b -> a``. Pairs come out in the app's order (every
    voted direction first, then the reverse directions not yet seen).

    Parameters
    ----------
    votes
        Tidy table (``MORAL_VOTES``).
    values
        The values cards (:attr:`~cogalign.data.MoralGraph.values`); every voted id must be
        among them.
    source
        Named in error messages and kept as the graph's source.
    check
        Validate the table first (:func:`check_votes`).

    Returns
    -------
    MoralGraph
        All voted pairs and their reverses, unfiltered, with the summary statistics of
        :func:`cogalign.moralgraph.ranking.edge_statistics`, and ``votes`` kept.
    """
    from cogalign.moralgraph.ranking import edge_statistics

    table = check_votes(votes, value_ids=values["id"], source=source) if check else votes
    pairs: dict[tuple[int, int], dict[str, Any]] = {}

    def pair(a: int, b: int) -> dict[str, Any]:
        if (a, b) not in pairs:
            pairs[(a, b)] = {"source_value_id": a, "wiser_value_id": b, "contexts": {},
                             **{c: 0 for c in MORAL_GRAPH_COUNTS}}
        return pairs[(a, b)]

    normal = []
    for s, w, c, vote in zip(table["source_value_id"], table["wiser_value_id"], table["context"],
                             table["vote"], strict=True):
        s, w = int(s), int(w)
        normal.append((w, s, c, "wiser") if vote == "less_wise" else (s, w, c, vote))
    field = {"wiser": "marked_wiser", "not_wiser": "marked_not_wiser", "unsure": "marked_unsure"}
    for s, w, c, vote in normal:
        p = pair(s, w)
        p["contexts"].setdefault(c, None)
        p["impressions"] += 1
        p[field[vote]] += 1
    for s, w, c, vote in normal:
        p = pair(w, s)
        p["contexts"].setdefault(c, None)
        p["impressions"] += 1
        if vote == "wiser":
            p["marked_less_wise"] += 1
    rows = [{**p, "edge_index": i, "contexts": tuple(p["contexts"]), "wiser_likelihood": np.nan,
             "entropy": np.nan, "extra": {}} for i, p in enumerate(pairs.values())]
    edges = edge_statistics(edges_frame(rows))
    return MoralGraph(values.reset_index(drop=True), edges, votes=table.reset_index(drop=True),
                      source=source)


class VoteRecorder:
    """Collect votes one at a time on the edges offered, as a participant flow does.

    Every call checks the vote and returns the row it stored; nothing blocks and the whole
    state is :meth:`to_dict` / :meth:`from_dict` JSON, so a server can save it after each
    answer.

    Parameters
    ----------
    offered
        The edges open for voting: ``(source_value_id, wiser_value_id, context)`` triples.

    Examples
    --------
    >>> rec = VoteRecorder([(1, 2, "When parenting")])
    >>> rec.record("p-01", 1, 2, "When parenting", "wiser")["vote"]
    'wiser'
    >>> len(rec.table())
    1
    """

    def __init__(self, offered: Iterable[tuple[int, int, str]]):
        self.offered = [(int(s), int(w), str(c)) for s, w, c in offered]
        self._offered = set(self.offered)
        self.rows: list[dict[str, Any]] = []
        self._keys: set[tuple[str, str, int, int]] = set()

    @classmethod
    def for_graph(cls, graph: MoralGraph) -> VoteRecorder:
        """A recorder offering every edge of a graph in each of its contexts."""
        return cls((int(s), int(w), c) for s, w, cs in zip(graph.edges["source_value_id"],
                                                             graph.edges["wiser_value_id"],
                                                             graph.edges["contexts"], strict=True)
                   for c in cs)

    def record(self, participant_id: str, source_value_id: int, wiser_value_id: int, context: str,
               vote: str) -> dict[str, Any]:
        """Store one vote and return its row.

        Raises
        ------
        UnknownEdgeError
            The edge (in that context) was not offered.
        CogalignError
            An unknown vote, an empty participant id, or a second vote by the same participant
            on the same edge and context; the votes already stored are kept.
        """
        edge = (int(source_value_id), int(wiser_value_id), str(context))
        if edge not in self._offered:
            raise UnknownEdgeError(
                f"vote {len(self.rows) + 1} by {participant_id!r}: no edge {edge[0]} -> {edge[1]} "
                f"in context {edge[2]!r} was offered for voting"
            )
        if vote not in VOTES:
            raise CogalignError(f"vote {len(self.rows) + 1} by {participant_id!r}: unknown vote "
                                f"{vote!r}; use one of {', '.join(VOTES)}")
        if not str(participant_id).strip():
            raise CogalignError(f"vote {len(self.rows) + 1}: empty participant id")
        key = (str(participant_id), edge[2], edge[0], edge[1])
        if key in self._keys:
            raise CogalignError(f"participant {participant_id!r} already voted on {edge[0]} -> "
                                f"{edge[1]} in context {edge[2]!r}")
        row = {"participant_id": str(participant_id), "context": edge[2], "source_value_id": edge[0],
               "wiser_value_id": edge[1], "vote": vote}
        self.rows.append(row)
        self._keys.add(key)
        return row

    def table(self) -> pd.DataFrame:
        """The votes so far as a tidy ``MORAL_VOTES`` table."""
        columns = ["participant_id", "context", "source_value_id", "wiser_value_id", "vote"]
        return pd.DataFrame(self.rows, columns=columns).astype(
            {"source_value_id": np.int64, "wiser_value_id": np.int64})

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state."""
        return {"offered": [list(e) for e in self.offered], "rows": list(self.rows)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VoteRecorder:
        """Restore a recorder saved by :meth:`to_dict` (every row is checked again)."""
        rec = cls(tuple(e) for e in data["offered"])
        for row in data["rows"]:
            rec.record(row["participant_id"], row["source_value_id"], row["wiser_value_id"],
                       row["context"], row["vote"])
        return rec
