"""Deduplication of values cards: candidates by similarity, an optional judge, recorded merges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogalign.errors import CogalignError
from cogalign.moralgraph import find_duplicates, graph_from_votes, merge_duplicates, rank_values

#: Cards 1 and 2 point the same way, 3 is near them but not above 0.95, 4 is elsewhere.
EMBEDDINGS = np.array([[1.0, 0.0, 0.0], [0.99, 0.05, 0.0], [0.9, 0.4, 0.0], [0.0, 0.0, 1.0]])


def test_near_identical_cards_are_merged_on_record(small_graph):
    dedup = find_duplicates(small_graph, embeddings=EMBEDDINGS, threshold=0.95)
    assert dedup.candidates[["value_a", "value_b"]].to_numpy().tolist() == [[1, 2]]
    assert dedup.merges[["kept_id", "merged_id", "method"]].to_numpy().tolist() == [[1, 2, "embedding"]]
    assert dedup.merges.loc[0, "similarity"] >= 0.95 and dedup.judge_id is None
    merged = merge_duplicates(small_graph, dedup)
    assert merged.values["id"].tolist() == [1, 3, 4]
    e = merged.edges.set_index(["source_value_id", "wiser_value_id"])
    # 1 -> 2 became a loop and was dropped; 1 -> 3 and 2 -> 3 were added up
    assert list(e.index) == [(1, 3), (4, 1)]
    assert e.loc[(1, 3), "marked_wiser"] == 5 and e.loc[(1, 3), "impressions"] == 7
    assert e.loc[(1, 3), "contexts"] == ("When parenting", "When in distress")
    assert e.loc[(1, 3), "wiser_likelihood"] == pytest.approx(5 / 7)
    record = merged.merges.iloc[0]
    assert (record["edges_moved"], record["edges_dropped"], record["impressions_dropped"]) == (1, 1, 2)
    assert rank_values(merged)["value_id"].iloc[0] == 3
    twice = merge_duplicates(merged, pd.DataFrame({"kept_id": [3], "merged_id": [4]}))
    assert len(twice.merges) == 2  # the history is kept


def test_merges_move_votes_and_count_the_dropped_ones():
    values = pd.DataFrame({"id": [1, 2, 3], "title": ["A", "A again", "B"]})
    votes = pd.DataFrame([("p1", "X", 1, 3, "wiser"), ("p2", "X", 2, 3, "wiser"), ("p3", "X", 1, 2, "unsure")],
                         columns=["participant_id", "context", "source_value_id", "wiser_value_id", "vote"])
    graph = graph_from_votes(votes, values)
    merged = merge_duplicates(graph, pd.DataFrame({"kept_id": [1], "merged_id": [2]}))
    assert merged.votes[["source_value_id", "wiser_value_id"]].to_numpy().tolist() == [[1, 3], [1, 3]]
    assert merged.votes["original_source_value_id"].tolist() == [1, 2]
    assert merged.merges.loc[0, "votes_dropped"] == 1
    recount = graph_from_votes(merged.votes[["participant_id", "context", "source_value_id", "wiser_value_id",
                                             "vote"]], merged.values)
    pd.testing.assert_frame_equal(
        recount.edges.set_index(["source_value_id", "wiser_value_id"])[["marked_wiser", "marked_less_wise"]],
        merged.edges.set_index(["source_value_id", "wiser_value_id"])[["marked_wiser", "marked_less_wise"]])


def test_judge_confirms_or_rejects_candidates(chat, fake_server, small_graph):
    fake_server.default = {"content": "different"}
    dedup = find_duplicates(small_graph, embeddings=EMBEDDINGS, threshold=0.9, judge_model=chat)
    assert len(dedup.candidates) == 3 and not dedup.candidates["merge"].any()
    assert dedup.merges.empty and dedup.judge_id.startswith("chat:fake-model")
    assert (dedup.candidates["reason"] == "similar but judged different").all()
    assert len(fake_server.requests) == 3 * 2 * 2  # both card orders, both answer orders
    fake_server.default = {"content": "same"}
    dedup = find_duplicates(small_graph, embeddings=EMBEDDINGS, threshold=0.9, judge_model=chat)
    assert dedup.merges["merged_id"].tolist() == [2, 3] and (dedup.merges["kept_id"] == 1).all()
    assert (dedup.merges["method"] == "embedding+judge").all() and (dedup.merges["p_same"] == 1.0).all()


def test_bad_merges_and_embeddings_are_refused(small_graph):
    with pytest.raises(CogalignError, match="embeddings must be"):
        find_duplicates(small_graph, embeddings=EMBEDDINGS[:2])
    with pytest.raises(CogalignError, match="merged_id \\[9\\] not among"):
        merge_duplicates(small_graph, pd.DataFrame({"kept_id": [1], "merged_id": [9]}))
    with pytest.raises(CogalignError, match="themselves merged"):
        merge_duplicates(small_graph, pd.DataFrame({"kept_id": [1, 2], "merged_id": [2, 3]}))
