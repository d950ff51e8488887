"""Stance readers on hand-made files in every supported format, and on the real data."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from cogalign.beliefs.data import (
    DDO_BIG_ISSUES,
    participant_table,
    read_big_issue_csv,
    read_ddo_debates,
    read_ddo_users,
    read_stances,
    read_vote_table,
    stance_matrix,
    stances_from_groups,
)
from cogalign.beliefs.safe_pickle import UnsafePickleError
from cogalign.data import ValidationError

GROUPS = {
    "Political party": {"Republican": [1], "Democratic": [2]},
    "Religion": {"Christian": [1, 3]},
    "Abortion": {"Pro": [2, 3], "Con": [1]},
    "Death Penalty": {"Pro": [1], "Con": [2]},
    "Gun Rights": {"Pro": [1, 5], "Con": []},
}


def test_groups_become_a_tidy_table():
    t = stances_from_groups(GROUPS)
    assert list(t.columns[:3]) == ["participant_id", "issue", "stance"]
    assert len(t) == 7 and t["stance"].dtype == np.int64
    assert t.attrs == {"n_people": 4, "n_people_without_stance": 0}
    one = t[t["participant_id"] == "1"].set_index("issue")
    assert one.loc["Abortion", "stance"] == -1 and one.loc["Death Penalty", "stance"] == 1
    assert set(one["political_party"]) == {"Republican"} and set(one["religion"]) == {"Christian"}
    assert t.loc[t["participant_id"] == "5", "political_party"].isna().all()
    people = participant_table(t).set_index("participant_id")
    assert people.loc["1", "n_stances"] == 3 and people.loc["2", "share_pro"] == 0.5


@pytest.mark.parametrize("change, message", [
    ({"Astrology": {"Pro": [1]}}, "unknown issue 'Astrology'"),
    ({"Abortion": {"Maybe": [1]}}, "stance label 'Maybe' is not Pro or Con"),
    ({"Abortion": {"Pro": [1], "Con": [1]}}, "duplicate"),
    ({"Abortion": {"Pro": ["1"]}}, "expected a list of user indices"),
    ({"Religion": {"Christian": [1], "Atheist": [1]}}, "both 'Christian' and 'Atheist'"),
])
def test_bad_groups_are_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        stances_from_groups({**GROUPS, **change}, source="groups.p")


def test_pickles_are_read_without_globals(tmp_path):
    path = tmp_path / "issue2groups.p"
    path.write_bytes(pickle.dumps(GROUPS))
    assert len(read_stances(path)) == 7
    evil = tmp_path / "evil.p"
    evil.write_bytes(pickle.dumps({"Abortion": {"Pro": pd.Series([1])}}))
    with pytest.raises(UnsafePickleError, match=f"{evil}.*pandas"):
        read_stances(evil)


def _wide(tmp_path, rows, header=("user_idx", "Abortion", "Death Penalty", "political_party")):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
    return path


def test_wide_csv(tmp_path):
    t = read_big_issue_csv(_wide(tmp_path, [("3", "1", "", "Republican"), ("4", "-1", "pro", "")]))
    assert t[["participant_id", "issue", "stance"]].values.tolist() == [
        ["3", "Abortion", 1], ["4", "Abortion", -1], ["4", "Death Penalty", 1]]
    assert t["political_party"].tolist() == ["Republican", None, None]
    with pytest.raises(ValidationError, match=r"row 2 \(line 3\), column 'Death Penalty'.*'2'"):
        read_big_issue_csv(_wide(tmp_path, [("3", "1", "", ""), ("4", "", "2", "")]))
    with pytest.raises(ValidationError, match="row 2 .*person '3' appears on more than one row"):
        read_big_issue_csv(_wide(tmp_path, [("3", "1", "", ""), ("3", "-1", "", "")]))
    with pytest.raises(ValidationError, match="unknown issue 'Astrology'"):
        read_big_issue_csv(_wide(tmp_path, [("3", "1")], header=("user_idx", "Astrology")))


def test_tidy_files_take_pro_con_or_signs(tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text("participant_id,issue,stance\na,x,Pro\na,y,-1\nb,x,con\nb,y,+1\n")
    assert read_stances(path)["stance"].tolist() == [1, -1, -1, 1]
    path.write_text("participant_id,issue,stance\na,x,Pro\na,y,maybe\n")
    with pytest.raises(ValidationError, match=r"tidy.csv, row 2 \(line 3\), column 'stance'"):
        read_stances(path)
    path.write_text("participant_id,issue,stance\na,x,Pro\na,x,Con\n")
    with pytest.raises(ValidationError, match="row 2.*duplicate.*first seen on row 1"):
        read_stances(path)
    path.write_text("participant_id,issue,stance\na,x,Pro\na,z,Con\n")
    with pytest.raises(ValidationError, match="row 2.*unknown issue 'z'"):
        read_stances(path, issues=["x", "y"])
    lines = tmp_path / "tidy.jsonl"
    lines.write_text('{"participant_id": "a", "issue": "x", "stance": 1}\n'
                     '{"participant_id": "a", "issue": "y", "stance": 0}\n')
    with pytest.raises(ValidationError, match="row 2, column 'stance'"):
        read_stances(lines)


def _users(tmp_path, extra=None):
    users = {
        "alice": {"big_issues_dict": {"Abortion": "Pro", "Death Penalty": "N/O", "Gun Rights": "Con"},
                  "party": "Democratic Party", "religious_ideology": "Not Saying"},
        "bob": {"big_issues_dict": {"Abortion": "Con", "Death Penalty": "Pro", "Welfare": "Und"},
                "party": "Republican Party", "religious_ideology": "Christian"},
    }
    users.update(extra or {})
    path = tmp_path / "users.json"
    path.write_text(json.dumps(users))
    return path


def test_ddo_users_json(tmp_path):
    t = read_stances(_users(tmp_path))
    assert t[["participant_id", "issue", "stance"]].values.tolist() == [
        ["alice", "Abortion", 1], ["alice", "Gun Rights", -1], ["bob", "Abortion", -1],
        ["bob", "Death Penalty", 1]]
    assert t.set_index("participant_id")["religion"].to_dict() == {"alice": None, "bob": "Christian"}
    with pytest.raises(ValidationError, match=r"users.json, row 3, column 'Abortion'.*'carol'.*'Maybe'"):
        read_ddo_users(_users(tmp_path, {"carol": {"big_issues_dict": {"Abortion": "Maybe"}}}))
    with pytest.raises(ValidationError, match="row 3, column 'Astrology'.*unknown issue"):
        read_ddo_users(_users(tmp_path, {"carol": {"big_issues_dict": {"Astrology": "Pro"}}}))


def _vote(name, before, after):
    return {"Agreed with before the debate": before, "Agreed with after the debate": after,
            "Made more convincing arguments": after}


def _debates(tmp_path, position="Con"):
    debates = {
        "Cats-are-better/1/": {
            "title": "Cats are better than dogs", "category": "Society", "start_date": "2014-02-01",
            "participant_1_name": "pat", "participant_1_position": "Pro",
            "participant_2_name": "quinn", "participant_2_position": position,
            "votes": [
                {"user_name": "alice", "votes_map": {"pat": _vote("pat", False, True),
                                                     "quinn": _vote("quinn", True, False)}},
                {"user_name": "bob", "votes_map": {"pat": _vote("pat", False, False),
                                                   "quinn": _vote("quinn", False, True)}},
                {"user_name": "carol", "votes_map": {"pat": _vote("pat", True, True),
                                                     "quinn": _vote("quinn", True, True)}},
            ],
        },
    }
    path = tmp_path / "debates.json"
    path.write_text(json.dumps(debates))
    return path


def test_ddo_debates_json(tmp_path):
    t = read_stances(_debates(tmp_path))
    assert t[["participant_id", "stance"]].values.tolist() == [["alice", 1], ["bob", -1]]
    assert set(t["issue"]) == {"Cats-are-better/1/"}
    assert set(t["issue_text"]) == {"Cats are better than dogs"} and set(t["date"]) == {"2014-02-01"}
    before = read_ddo_debates(_debates(tmp_path), vote="before")
    assert before[["participant_id", "stance"]].values.tolist() == [["alice", -1]]
    with pytest.raises(ValidationError, match="row 1, column 'participant_2_position'.*'tie'"):
        read_ddo_debates(_debates(tmp_path, position="Tie"))


def test_vote_table_of_the_paper(tmp_path):
    path = tmp_path / "votes.csv"
    path.write_text("debate_key,debate_title,debate_date,username,position\n"
                    "k1,Cats are better,2009-02-02,jat93,Con\n"
                    "k2,Tea beats coffee,2010-01-01,jat93,Pro\n")
    t = read_stances(path)
    assert t[["participant_id", "issue", "issue_text", "stance"]].values.tolist() == [
        ["jat93", "k1", "Cats are better", -1], ["jat93", "k2", "Tea beats coffee", 1]]
    path.write_text("debate_title,username,position\nCats,jat93,Tie\n")
    with pytest.raises(ValidationError, match=r"votes.csv, row 1 \(line 2\), column 'stance'.*'Tie'"):
        read_vote_table(path)


def test_stance_matrix():
    t = stances_from_groups(GROUPS)
    matrix, people, issues = stance_matrix(t, issues=["Abortion", "Gun Rights"])
    assert matrix.dtype == np.int8 and issues == ["Abortion", "Gun Rights"]
    row = matrix[people.index("1")]
    assert row.tolist() == [-1, 1]
    assert matrix[people.index("5")].tolist() == [0, 1]


@pytest.mark.realdata
def test_ddo_big_issues_matches_the_published_counts(load_dataset):
    t = load_dataset("ddo-big-issues")
    assert len(t) == 272_923
    assert t["participant_id"].nunique() == 13_524
    assert t.attrs["n_people"] == 14_980
    assert sorted(t["issue"].unique()) == sorted(DDO_BIG_ISSUES)
    people = participant_table(t)
    assert (people["political_party"] == "Republican").sum() <= 1_683
    party = load_dataset("ddo-issue-party")
    assert len(party) == 48 and set(party["issue"]) == set(DDO_BIG_ISSUES)
    abortion = party.set_index("issue").loc["Abortion"]
    assert abortion["absolute_difference"] == pytest.approx(0.6026245155444676)


@pytest.mark.realdata
@pytest.mark.slow
def test_the_csv_conversion_holds_the_same_stances(load_dataset):
    import os
    from pathlib import Path

    t = load_dataset("ddo-big-issues")
    folder = [Path(p) for p in os.environ.get("COGALIGN_DATA_PATH", "").split(os.pathsep) if p]
    csv = next((p / "beliefs" / "ddo_big_issue_stances.csv" for p in folder
                if (p / "beliefs" / "ddo_big_issue_stances.csv").is_file()), None)
    if csv is None:
        pytest.skip("ddo_big_issue_stances.csv is not on COGALIGN_DATA_PATH")
    c = read_big_issue_csv(csv)
    key = ["participant_id", "issue"]
    a = t.sort_values(key).reset_index(drop=True)
    b = c.sort_values(key).reset_index(drop=True)
    assert a[key + ["stance"]].equals(b[key + ["stance"]])
    assert (a["political_party"].fillna("-") == b["political_party"].fillna("-")).all()
