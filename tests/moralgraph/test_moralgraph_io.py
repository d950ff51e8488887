"""MGE export round trip, bad input with its place named, vote tables and the vote recorder."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cogalign.data import MoralGraph, ValidationError
from cogalign.errors import CogalignError
from cogalign.moralgraph import (
    CardParseError,
    UnknownEdgeError,
    ValuesCard,
    VoteRecorder,
    check_votes,
    graph_from_votes,
    parse_card,
    pseudonymize,
    read_mge_json,
    read_votes,
    to_mge_dict,
    write_mge_json,
    write_votes,
)
from cogalign.moralgraph.io import from_mge_dict


@pytest.mark.realdata
@pytest.mark.parametrize("name, n_values, n_edges", [("moralgraph-mge-prolific", 59, 67),
                                                     ("moralgraph-mge-all", 60, 69)])
def test_real_exports_round_trip(load_dataset, tmp_path, name, n_values, n_edges):
    graph = load_dataset(name)
    assert isinstance(graph, MoralGraph)
    assert (graph.n_values, graph.n_edges) == (n_values, n_edges)
    original = json.loads(open(graph.source, encoding="utf-8").read())
    assert to_mge_dict(graph) == original
    again = read_mge_json(write_mge_json(graph, tmp_path / "out.json"))
    assert to_mge_dict(again) == original
    pd.testing.assert_frame_equal(again.edges, graph.edges)
    assert "When parenting" in graph.contexts
    assert graph.edges["contexts"].map(len).max() == 2  # one edge was voted on in two contexts


def test_small_export_round_trip_keeps_unknown_fields(small_export, tmp_path):
    small_export["version"] = 3
    small_export["edges"][0]["note"] = "kept"
    small_export["edges"][0]["summary"]["demographics"] = {"Democrat": 1}
    graph = from_mge_dict(small_export)
    assert graph.values.loc[0, "extra"] == {"createdAt": "2023-10-01T00:00:00.000Z"}
    assert to_mge_dict(graph) == small_export
    path = write_mge_json(graph, tmp_path / "g.json")
    assert json.loads(path.read_text()) == small_export


@pytest.mark.parametrize("change, where", [
    (lambda d: d["values"][1].pop("id"), "[values], row 2, column 'id': missing value id"),
    (lambda d: d["values"][2].update(id=1), "row 3, column 'id': duplicate value id 1"),
    (lambda d: d["edges"][1].update(wiserValueId=99), "[edges], row 2, column 'wiserValueId': value id 99"),
    (lambda d: d["edges"][2]["counts"].update(markedWiser=-1), "row 3, column 'counts.markedWiser': count must "
                                                              "be a non-negative integer, got -1"),
    (lambda d: d["edges"][0]["counts"].update(impressions=1), "row 1, column 'counts.impressions': 1 impressions "
                                                             "but 2 votes"),
    (lambda d: d["edges"][0].update(contexts="When parenting"), "row 1, column 'contexts'"),
    (lambda d: d["edges"].append(dict(d["edges"][0])), "row 5: edge 1 -> 2 repeats edge 1"),
])
def test_malformed_exports_name_the_place(small_export, tmp_path, change, where):
    change(small_export)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(small_export))
    with pytest.raises(ValidationError) as info:
        read_mge_json(path)
    assert str(path) in str(info.value)
    assert where in str(info.value)


def test_every_problem_is_reported_and_not_json_gives_the_line(small_export, tmp_path):
    small_export["edges"][0]["sourceValueId"] = 77
    small_export["edges"][1]["counts"]["markedUnsure"] = "two"
    with pytest.raises(ValidationError) as info:
        from_mge_dict(small_export, source="x.json")
    assert len(info.value.problems) == 2
    path = tmp_path / "broken.json"
    path.write_text('{"values": [\n  {"id": 1,}\n]}')
    with pytest.raises(ValidationError, match=r"broken.json.*line 2"):
        read_mge_json(path)


def test_graph_from_votes_counts_by_the_app_rule():
    values = pd.DataFrame({"id": [1, 2, 3], "title": ["A", "B", "C"]})
    votes = pd.DataFrame([
        ("p1", "X", 1, 2, "wiser"), ("p2", "X", 1, 2, "not_wiser"), ("p3", "Y", 1, 2, "wiser"),
        ("p1", "X", 2, 1, "unsure"), ("p2", "X", 2, 3, "less_wise"),
    ], columns=["participant_id", "context", "source_value_id", "wiser_value_id", "vote"])
    graph = graph_from_votes(votes, values)
    e = graph.edges.set_index(["source_value_id", "wiser_value_id"])
    # votes on 1 -> 2: wiser, not wiser, wiser; one vote (unsure) on 2 -> 1
    assert e.loc[(1, 2), ["marked_wiser", "marked_not_wiser", "marked_less_wise", "marked_unsure",
                          "impressions"]].tolist() == [2, 1, 0, 0, 4]
    assert e.loc[(1, 2), "contexts"] == ("X", "Y")
    assert e.loc[(2, 1), ["marked_wiser", "marked_not_wiser", "marked_less_wise", "marked_unsure",
                          "impressions"]].tolist() == [0, 0, 2, 1, 4]
    # "2 -> 3 less wise" is "3 -> 2 wiser"
    assert e.loc[(3, 2), "marked_wiser"] == 1 and e.loc[(2, 3), "marked_less_wise"] == 1
    assert e.loc[(1, 2), "wiser_likelihood"] == pytest.approx(2 / 3)
    assert graph.votes is not None and len(graph.votes) == 5
    # the app's order: voted directions first, then the reverses
    assert list(zip(graph.edges.source_value_id, graph.edges.wiser_value_id, strict=True)) == [(1, 2), (2, 1), (3, 2), (2, 3)]


def test_votes_on_unknown_values_or_edges_name_the_row(small_graph, tmp_path):
    votes = pd.DataFrame([("p1", "When parenting", 1, 2, "wiser"), ("p2", "When parenting", 1, 9, "wiser"),
                          ("p3", "When parenting", 3, 3, "unsure")],
                         columns=["participant_id", "context", "source_value_id", "wiser_value_id", "vote"])
    with pytest.raises(ValidationError) as info:
        check_votes(votes, small_graph, source="votes.csv")
    text = str(info.value)
    assert "votes.csv, row 2, column 'wiser_value_id': value id 9 is not among the values" in text
    assert "row 3, column 'wiser_value_id': a vote must compare two different values" in text
    off_edge = votes.iloc[[0]].assign(context="When in distress")
    with pytest.raises(ValidationError, match="row 1, column 'context': no edge 1 -> 2 in context"):
        check_votes(off_edge, small_graph)
    bad_vote = votes.iloc[[0]].assign(vote="maybe")
    with pytest.raises(ValidationError, match="vote"):
        check_votes(bad_vote)
    path = write_votes(votes.iloc[[0]], tmp_path / "votes.csv")
    assert read_votes(path, small_graph)["vote"].tolist() == ["wiser"]


def test_vote_recorder_checks_each_vote_and_keeps_the_others(small_graph):
    rec = VoteRecorder.for_graph(small_graph)
    rec.record("p-1", 1, 2, "When parenting", "wiser")
    with pytest.raises(UnknownEdgeError, match="vote 2 by 'p-1': no edge 2 -> 4 in context 'When parenting'"):
        rec.record("p-1", 2, 4, "When parenting", "wiser")
    with pytest.raises(CogalignError, match="already voted"):
        rec.record("p-1", 1, 2, "When parenting", "unsure")
    with pytest.raises(CogalignError, match="unknown vote 'yes'"):
        rec.record("p-2", 1, 2, "When parenting", "yes")
    with pytest.raises(UnknownEdgeError):  # the reverse direction was not offered
        rec.record("p-2", 3, 1, "When in distress", "unsure")
    rec.record("p-2", 1, 3, "When in distress", "unsure")
    saved = json.loads(json.dumps(rec.to_dict()))
    restored = VoteRecorder.from_dict(saved)
    table = restored.table()
    assert table["participant_id"].tolist() == ["p-1", "p-2"]
    assert len(check_votes(table, small_graph)) == 2


def test_cards_parse_and_validate():
    card = parse_card('Here it is:\n```json\n{"title": "Gentle Honesty", "description": "Say hard things kindly.",'
                      ' "attention_policies": ["MOMENTS when truth helps", "FEELINGS of the listener"]}\n```')
    assert card.title == "Gentle Honesty" and len(card.attention_policies) == 2
    assert ValuesCard.from_dict(card.to_dict()) == card
    with pytest.raises(CardParseError, match="interview 7, attempt 1: no JSON object"):
        parse_card("I think honesty matters.", where="interview 7, attempt 1")
    with pytest.raises(CardParseError, match="'attention_policies' must be a non-empty list"):
        parse_card('{"title": "T", "description": "D.", "attention_policies": []}')
    with pytest.raises(CardParseError, match="'title' has 12 words"):
        parse_card('{"title": "' + "word " * 12 + '", "description": "D.", "attention_policies": ["x"]}')
    truncated = '```json\n{"title": "T", "description": "D.", "attention_policies": [{"key": "x"}, {"key": '
    with pytest.raises(CardParseError, match="invalid JSON"):  # the nested object is not the card
        parse_card(truncated)
    alias = parse_card('{"title": "T", "description": "D.", "evaluationCriteria": ["x"]}')
    assert alias.attention_policies == ("x",)


def test_pseudonyms_are_stable_and_keyed():
    a = pseudonymize("5f2e-prolific", "secret")
    assert a == pseudonymize("5f2e-prolific", "secret") and a.startswith("p-") and len(a) == 14
    assert a != pseudonymize("5f2e-prolific", "other secret")
    assert "5f2e" not in a
    with pytest.raises(CogalignError):
        pseudonymize("x", "")


def test_moralgraph_container_is_importable_from_data():
    from cogalign.data import MoralGraph as FromData
    from cogalign.moralgraph import MoralGraph as FromPackage

    assert FromData is FromPackage
    with pytest.raises(CogalignError, match="missing columns"):
        FromData(pd.DataFrame({"id": [1]}), pd.DataFrame({"source_value_id": [1]}))
    empty = from_mge_dict({"values": [], "edges": []})
    assert empty.n_edges == 0 and empty.n_values == 0 and empty.contexts == []
