"""Language models voting on upgrade edges, their agreement with people, and their graph."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cogalign.errors import CogalignError
from cogalign.moralgraph import (
    graph_from_votes,
    human_edge_votes,
    llm_participants,
    llm_vote_alignment,
    llm_votes,
    vote_agreement,
)
from cogalign.moralgraph.llm import vote_trials
from cogalign.moralgraph.prompts import TEMPLATES, load_prompts, vote_task

#: The fake voter's order of wisdom: only upgrades to Shared Wisdom (id 3) are real upgrades.
PREFERENCE = ["Shared Wisdom", "Quiet Doubt", "Honest Answers", "Caring Listening"]


def voter(body: dict) -> dict:
    """Calls an upgrade "wiser" exactly when the proposed value is Shared Wisdom (id 3)."""
    prompt = body["messages"][-1]["content"]
    if "Did they become wiser" in prompt:
        second = prompt.split("Second value:")[1]
        return {"content": "yes" if "Shared Wisdom" in second else "no"}
    first, second = re.split(r"Value 2:", prompt.split("Value 1:")[1])
    rank = [next(i for i, t in enumerate(PREFERENCE) if t in card) for card in (first, second)]
    return {"content": "1" if rank[0] < rank[1] else "2"}


def test_templates_load_and_fill_the_context():
    assert {load_prompts(t)["name"] for t in TEMPLATES} == set(TEMPLATES)
    task = vote_task("upgrade-vote", "When {seeking} support")
    prompt, answers = task.render({"source_card": "A", "wiser_card": "B"}, (2, 0, 1))
    assert "situation: When {seeking} support." in prompt and answers == ["unsure", "yes", "no"]
    assert vote_task("wiser-of-two", "x").alternative_names() == ["source_card", "wiser_card"]
    assert vote_task("upgrade-vote", "x", system="You are Ann.").system == "You are Ann."


def test_vote_trials_render_every_edge_in_every_context(small_graph):
    trials = vote_trials(small_graph)
    assert len(trials) == 5 and trials["context"].tolist()[1:3] == ["When parenting", "When in distress"]
    assert trials.loc[0, "wiser_card"].startswith("Caring Listening\nChoose by caring listening.")


@pytest.mark.parametrize("task", ["upgrade-vote", "wiser-of-two"])
def test_llm_votes_through_a_chat_server(chat, fake_server, small_graph, task):
    fake_server.default = {"answer": voter}
    votes = llm_votes(small_graph, chat, task=task, progress=False)
    assert len(votes) == 5 and votes.attrs["task"] == task and votes["n_errors"].eq(0).all()
    to_three = (votes["wiser_value_id"] == 3).to_numpy()
    assert votes.loc[to_three, "vote"].eq("wiser").all()
    assert votes.loc[~to_three, "vote"].eq("not_wiser").all()
    n_orders = 6 if task == "upgrade-vote" else 2  # every order of the answers / of the two cards
    assert votes["n_orders"].eq(n_orders).all() and len(fake_server.requests) == 5 * n_orders
    assert set(votes.attrs["position_bias"]) == {"When parenting", "When in distress"}


def test_unparseable_answers_are_kept_as_errors(chat, fake_server, small_graph):
    fake_server.default = {"content": "Well, it depends."}
    votes = llm_votes(small_graph, chat, progress=False)
    assert votes["vote"].isna().all() and votes["error"].str.contains("unparseable").all()
    out = vote_agreement(votes, small_graph)
    assert out["n_errors"] == 5 and out["n_edges"] == 0
    table, answers = llm_participants(small_graph, chat, n_participants=2, progress=False)
    assert table.empty and len(answers) == 10 and answers["error"].notna().all()


def test_vote_agreement_by_hand(small_graph):
    human = human_edge_votes(small_graph)
    assert human["human_majority"].tolist() == ["wiser", None, "wiser", "wiser"]  # 1 -> 3: 2 wiser, 2 unsure
    model = pd.DataFrame({"source_value_id": [1, 1, 2, 4], "wiser_value_id": [2, 3, 3, 1],
                          "p_wiser": [0.9, 0.6, 0.2, 0.7], "p_not_wiser": [0.1, 0.2, 0.7, 0.2],
                          "p_unsure": [0.0, 0.2, 0.1, 0.1]})
    out = vote_agreement(model, small_graph)
    assert out["n_edges"] == 4 and out["n_labelled"] == 3
    assert out["accuracy"] == pytest.approx(2 / 3)  # 2 -> 3 called not wiser
    assert out["majority_baseline"] == 1.0 and out["majority_label"] == "wiser"
    assert out["accuracy_decisive"] == pytest.approx(3 / 4)
    p = np.array([0.9, 0.6 / 0.8, 0.2 / 0.9, 0.7 / 0.9])
    assert out["brier"] == pytest.approx(np.mean((p - 1.0) ** 2))
    assert np.isnan(out["kappa_decisive"]) or out["kappa_decisive"] == pytest.approx(0.0)
    # oriented: every pair lower id first; 4 -> 1 turns into "1 is wiser than 4? no"
    assert out["kappa_oriented"] == pytest.approx(0.5)
    assert sum(r["n"] for r in out["reliability"]) == 4
    assert out["accuracy_decisive_low"] <= 0.75 <= out["accuracy_decisive_high"] <= 1.0
    assert out["accuracy_decisive_low"] < out["accuracy_decisive_high"]  # 4 edges: wide
    assert np.isnan(vote_agreement(model, small_graph, n_boot=0)["accuracy_low"])  # no bootstrap, no interval
    unknown = model.assign(wiser_value_id=[2, 3, 3, 9])
    with pytest.raises(CogalignError, match="model vote row 4: no edge 4 -> 9"):
        vote_agreement(unknown, small_graph)


def test_llm_participants_make_a_graph_and_a_ranking(chat, fake_server, small_graph):
    fake_server.default = {"answer": voter}
    table, answers = llm_participants(small_graph, chat, n_participants=3, temperature=0.7, progress=False)
    assert len(table) == 15 and table["participant_id"].nunique() == 3
    graph = graph_from_votes(table, small_graph.values)
    assert graph.edges.set_index(["source_value_id", "wiser_value_id"]).loc[(2, 3), "marked_wiser"] == 3
    out = llm_vote_alignment(small_graph, chat, n_participants=3, n_boot=10, top_k=2, progress=False)
    assert out["votes"]["accuracy_decisive"] == pytest.approx(2 / 4)
    assert out["top_values"]["human"][0]["value_id"] == 3 and out["top_values"]["llm"][0]["value_id"] == 3
    assert out["ranking"]["n_common"] >= 2 and "spearman_low" in out["ranking"]
    assert out["llm_graph"]["n_votes"] == 15



def test_sweep_entry_rows_follow_the_align_contract(chat, fake_server, small_graph, monkeypatch):
    from cogalign.moralgraph.llm import sweep_alignment
    from cogalign.paradigms import check_align_rows, get_paradigm

    assert get_paradigm("moralgraph").part("align") is sweep_alignment
    fake_server.default = {"answer": voter}
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: small_graph)
    rows = check_align_rows(sweep_alignment(chat, n_participants=3, n_boot=20, top_k=2),
                            where="moralgraph align")
    by = {(r["metric"], r["split"]): r for r in rows}
    # the voter calls only upgrades to Shared Wisdom wiser: of the three edges with a human
    # majority (all "wiser") it gets one, and its "wiser" share is chance level for kappa
    assert by[("accuracy", "all")]["value"] == pytest.approx(1 / 3)
    assert by[("kappa", "all")]["value"] == pytest.approx(0.0)
    assert by[("accuracy_decisive", "all")]["value"] == pytest.approx(2 / 4)
    assert by[("kappa", "all")]["primary"] and by[("kappa", "all")]["dataset"] == "moralgraph-mge-prolific"
    assert by[("kappa", "train")]["n"] + by[("kappa", "test")]["n"] == by[("kappa", "all")]["n"] == 4
    assert {r["temperature"] for r in rows} == {0.0} and {r["template"] for r in rows} == {"upgrade-vote"}
    # the LLM-voted graph ranks Shared Wisdom first, as people do
    assert by[("top_k_overlap", "all")]["value"] >= 0.5 and ("spearman", "train") not in by
    assert -1 <= by[("spearman", "all")]["value"] <= 1
    again = sweep_alignment(chat, template="wiser-of-two", temperature=0.5, limit=3, seed=1,
                            n_participants=2, n_boot=0)
    assert {r["template"] for r in check_align_rows(again)} == {"wiser-of-two"}
    assert {r["n"] for r in again if r["metric"] == "kappa" and r["split"] == "all"} <= {3}
    with pytest.raises(CogalignError, match="unknown vote task"):
        sweep_alignment(chat, template="nope")
    monkeypatch.setattr("cogalign.data.load", lambda name, **kwargs: pd.DataFrame())
    with pytest.raises(CogalignError, match="not a moral graph"):
        sweep_alignment(chat, dataset="rotation-ganis-kievit-2015")
