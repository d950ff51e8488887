"""What the online moral-graph flow stores, and the moral graph, tables and export made from it.

The flow (:mod:`cogalign.moralgraph.online`) keeps its data in the server's generic flow
tables (:mod:`cogalign.serve.db`):

``flow_states``, name ``"interview"``
    Each participant's :class:`~cogalign.moralgraph.interview.InterviewState` (transcript,
    every model call, every attempt at a card), saved after each answer.
``flow_records``, kind ``"card"``
    A confirmed values card (item ``"card"``) with the model's draft and whether the
    participant edited it; the starting cards of the definition belong to no participant
    (participant ``""``, session 0). The record's id is the value's id in the graph.
``flow_records``, kind ``"assignment"``
    What a participant votes on, chosen once when the card is confirmed: peers' cards and
    upgrade edges ``(source, wiser, context)``.
``flow_records``, kinds ``"value-vote"`` and ``"upgrade-vote"``
    One record per vote, keyed by the card or by the edge and context, so a repeated request
    never stores a vote twice.

:func:`collected_graph` counts the upgrade votes into a :class:`~cogalign.data.MoralGraph`
(:func:`~cogalign.moralgraph.io.graph_from_votes`); :func:`export_moralgraph` writes the MGE
JSON export, the ``MORAL_VOTES`` table and the rest, and reads them back to validate them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import ValuesCard, cards_frame
from cogalign.moralgraph.io import graph_from_votes, read_mge_json, read_votes, to_mge_dict
from cogalign.serve.db import Database

__all__ = [
    "ASSIGNMENT",
    "CARD",
    "INTERVIEW",
    "UPGRADE_VOTE",
    "VALUE_VOTE",
    "VALUE_VOTES",
    "collected_cards",
    "collected_graph",
    "edge_item",
    "export_moralgraph",
    "graph_svg",
    "value_votes_table",
    "votes_table",
]

#: Name of the interview state.
INTERVIEW = "interview"
#: Record kinds.
CARD = "card"
ASSIGNMENT = "assignment"
VALUE_VOTE = "value-vote"
UPGRADE_VOTE = "upgrade-vote"

#: Answers of a vote on a peer's values card ("is this wise to consider?").
VALUE_VOTES: tuple[str, ...] = ("wise", "not_wise", "unsure")

_VOTE_COLUMNS = ["participant_id", "context", "source_value_id", "wiser_value_id", "vote"]
_FIGURE_LOCK = threading.Lock()


def edge_item(source_value_id: int, wiser_value_id: int, context: str) -> str:
    """The record key of an upgrade vote: the edge and a digest of its context."""
    digest = hashlib.sha256(context.encode("utf-8")).hexdigest()[:16]
    return f"{int(source_value_id)}-{int(wiser_value_id)}-{digest}"


def collected_cards(db: Database, study: str) -> list[dict[str, Any]]:
    """Every values card of a study: the starting cards, then participants' confirmed cards.

    Returns
    -------
    list of dict
        ``id`` (the value id), ``question_id``, ``source`` (``"start"`` or ``"participant"``),
        ``participant`` and ``session`` (empty and 0 for starting cards), ``card`` (the card's
        fields), ``draft`` (the model's card) and ``edited``.
    """
    out = []
    for r in db.records(study, CARD):
        value = r["value"]
        out.append({"id": r["id"], "question_id": value["question_id"],
                    "source": "start" if not r["participant"] else "participant",
                    "participant": r["participant"], "session": r["session"],
                    "card": value["card"], "draft": value.get("draft"),
                    "edited": bool(value.get("edited", False))})
    return out


def _values(cards: list[dict[str, Any]]) -> pd.DataFrame:
    return cards_frame([
        ValuesCard(title=c["card"]["title"], description=c["card"]["description"],
                   attention_policies=tuple(c["card"]["attention_policies"]), id=c["id"],
                   extra={"questionId": c["question_id"], "source": c["source"],
                          "edited": c["edited"]})
        for c in cards])


def votes_table(db: Database, study: str) -> pd.DataFrame:
    """The upgrade votes as a tidy ``MORAL_VOTES`` table, in the order they were stored."""
    rows = [{"participant_id": r["participant"], "context": r["value"]["context"],
             "source_value_id": int(r["value"]["source_value_id"]),
             "wiser_value_id": int(r["value"]["wiser_value_id"]), "vote": r["value"]["vote"]}
            for r in db.records(study, UPGRADE_VOTE)]
    return pd.DataFrame(rows, columns=_VOTE_COLUMNS).astype(
        {"source_value_id": "int64", "wiser_value_id": "int64"})


def value_votes_table(db: Database, study: str) -> pd.DataFrame:
    """The votes on peers' cards: ``participant_id``, ``value_id``, ``vote`` (see :data:`VALUE_VOTES`)."""
    rows = [{"participant_id": r["participant"], "value_id": int(r["value"]["value_id"]),
             "vote": r["value"]["vote"]} for r in db.records(study, VALUE_VOTE)]
    return pd.DataFrame(rows, columns=["participant_id", "value_id", "vote"]).astype(
        {"value_id": "int64"})


def collected_graph(db: Database, study: str) -> MoralGraph:
    """The moral graph collected so far: every card as a value, upgrade votes counted into edges.

    The counting is the published app's rule (:func:`~cogalign.moralgraph.io.graph_from_votes`);
    every value keeps its question id, where it came from and whether its author edited the
    model's draft in ``extra``.
    """
    values = _values(collected_cards(db, study))
    return graph_from_votes(votes_table(db, study), values, source=f"cogalign serve: {study}")


def _csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue()


def export_moralgraph(db: Database, study: str, folder: str | Path) -> dict[str, Any]:
    """Write what a moral-graph study collected into a folder, and validate it.

    Files::

        moral-graph.json   the MGE JSON export: every card as a value, the edges counted
                           from the upgrade votes (read back with read_mge_json)
        votes.csv          the upgrade votes, one row per participant, context and edge
                           (MORAL_VOTES; read back with read_votes against the graph)
        value_votes.csv    the votes on peers' cards (participant_id, value_id, vote)
        interviews.jsonl   per participant: the interview (transcript, every model call and
                           card attempt), the confirmed card and whether it was edited
        sessions.csv       participant_id, started_utc, finished_utc, platform

    Parameters
    ----------
    db
        The server's database.
    study
        The study's name.
    folder
        Destination (must not exist or be empty).

    Returns
    -------
    dict
        ``folder``, ``sessions``, ``finished``, ``values``, ``edges``, ``rows`` (upgrade
        votes), ``value_votes`` and ``valid`` (true: a failed validation raises).

    Raises
    ------
    CogalignError
        For a non-empty destination or data that fail validation.
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise CogalignError(f"{folder} exists and is not empty; export into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    graph = collected_graph(db, study)
    data = to_mge_dict(graph)
    data["study"] = study
    (folder / "moral-graph.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    votes = votes_table(db, study)
    (folder / "votes.csv").write_text(_csv(votes), encoding="utf-8")
    value_votes = value_votes_table(db, study)
    (folder / "value_votes.csv").write_text(_csv(value_votes), encoding="utf-8")
    sessions = db.sessions(study)
    cards = {(c["participant"], c["session"]): c for c in collected_cards(db, study)}
    lines = []
    for s in sessions:
        key = (s["participant"], s["session"])
        stored = db.load_state(study, *key, INTERVIEW)
        card = cards.get(key)
        lines.append(json.dumps({
            "participant_id": s["participant"], "session": s["session"],
            "interview": None if stored is None else stored[1],
            "value_id": None if card is None else card["id"],
            "card": None if card is None else card["card"],
            "edited": None if card is None else card["edited"],
        }, ensure_ascii=False, sort_keys=True))
    (folder / "interviews.jsonl").write_text("".join(line + "\n" for line in lines),
                                             encoding="utf-8")
    frame = pd.DataFrame([{"participant_id": s["participant"], "started_utc": s["started_utc"],
                           "finished_utc": s["finished_utc"], "platform": s["platform"]}
                          for s in sessions],
                         columns=["participant_id", "started_utc", "finished_utc", "platform"])
    (folder / "sessions.csv").write_text(_csv(frame), encoding="utf-8")
    back = read_mge_json(folder / "moral-graph.json")
    if back.n_values != graph.n_values or back.n_edges != graph.n_edges:
        raise CogalignError(f"{folder / 'moral-graph.json'}: read back {back.n_values} values and "
                            f"{back.n_edges} edges, wrote {graph.n_values} and {graph.n_edges}")
    if len(votes):
        table = read_votes(folder / "votes.csv", graph=back)
        if len(table) != len(votes):
            raise CogalignError(f"{folder / 'votes.csv'}: read back {len(table)} votes, "
                                f"wrote {len(votes)}")
    return {"folder": str(folder), "sessions": len(sessions),
            "finished": sum(s["finished_utc"] is not None for s in sessions),
            "values": graph.n_values, "edges": graph.n_edges, "rows": len(votes),
            "value_votes": len(value_votes), "valid": True}


def graph_svg(graph: MoralGraph, *, seed: int = 0) -> bytes:
    """The graph drawn as SVG (:func:`cogalign.plots.moralgraph.plot_moral_graph`), for the admin page.

    The published edge filter needs several votes per edge; to show something from the first
    votes on, the figure draws every pair voted wiser more often than less wise (positive
    wiser-likelihood) and ranks the values by PageRank over those pairs. Text is drawn as
    outlines and read literally (no TeX math), whatever participants or the model wrote.
    """
    import matplotlib
    from matplotlib.figure import Figure

    from cogalign.moralgraph.ranking import rank_values
    from cogalign.plots.moralgraph import plot_moral_graph

    with _FIGURE_LOCK, matplotlib.rc_context({"text.parse_math": False, "svg.fonttype": "path"}):
        figure = Figure(figsize=(9, 6))
        ax = figure.add_subplot()
        edges = graph.edges[graph.edges["wiser_likelihood"] > 0].reset_index(drop=True)
        if len(edges) == 0:
            ax.text(0.5, 0.5, f"{graph.n_values} values, no upgrade voted wiser yet",
                    ha="center", va="center", fontsize=11)
            ax.set_axis_off()
        else:
            shown = MoralGraph(graph.values, edges, source=graph.source)
            ranking = rank_values(shown, "pagerank", filtered=False)
            plot_moral_graph(shown, ranking, filtered=False, ax=ax, seed=seed, top=10,
                             title=f"{graph.n_values} values; {len(edges)} pairs voted wiser "
                                   "(PageRank over them)")
        buf = io.BytesIO()
        figure.savefig(buf, format="svg", bbox_inches="tight")
    return buf.getvalue()
