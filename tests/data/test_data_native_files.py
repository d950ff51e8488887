"""Published datasets' own formats, read from a user's copy, get the checks of any user file."""

import json

import pytest

from cogalign.data import ValidationError, read_header
from cogalign.data.loaders import load_choices13k, load_ericson2015
from cogalign.errors import CogalignError

ERICSON = ('"Subject","Condition","Question","G","R","D","X1","T1","X2","T2","LaterOptionChosen"\n'
           "259,4,1,0.5,1.5,1,1,2,1.5,3,0\n259,4,2,2,4,1,0.67,0,2.67,1,NA\n")
SELECTIONS = ("Problem,Feedback,n,Block,Ha,pHa,La,Hb,pHb,Lb,LotShapeB,LotNumB,Amb,Corr,bRate,"
              "bRate_std\n1,True,15,2,26,0.95,-1,23,0.05,21,0,1,False,0,0.62,0.38\n")
PROBLEMS = {"0": {"A": [[0.95, 26.0], [0.05, -1.0]], "B": [[1.0, 21.0]]}}


def ericson(tmp_path, text):
    path = tmp_path / "choices.csv"
    path.write_text(text)
    return load_ericson2015({"ericson2015/choices.csv": path})


def choices13k(tmp_path, selections=SELECTIONS, problems=PROBLEMS):
    sel, js = tmp_path / "c13k_selections.csv", tmp_path / "c13k_problems.json"
    sel.write_text(selections)
    js.write_text(problems if isinstance(problems, str) else json.dumps(problems))
    return load_choices13k({"choices13k/c13k_selections.csv": sel,
                            "choices13k/c13k_problems.json": js})


def test_a_sound_copy_loads(tmp_path):
    table = ericson(tmp_path, ERICSON)
    assert table["trial"].tolist() == [0, 1] and table["response"].isna().tolist() == [False, True]
    rates = choices13k(tmp_path)
    assert rates["outcomes_a"].iloc[0] == [26.0, -1.0] and rates["feedback"].iloc[0]


def test_a_shifted_ericson_row_is_refused(tmp_path):
    with pytest.raises(ValidationError) as info:
        ericson(tmp_path, ERICSON.replace(",0\n", ",0,\n", 1))
    (p,) = info.value.problems
    assert (p.row, p.line) == (1, 2) and "12 cells" in p.message


@pytest.mark.parametrize(("old", "new", "column"), [
    ("0.67", "inf", "X1"), (",NA\n", ",2\n", "LaterOptionChosen"), ("259,4,2", "259,4,x", "Question"),
])
def test_bad_ericson_values_name_the_native_column(tmp_path, old, new, column):
    with pytest.raises(ValidationError) as info:
        ericson(tmp_path, ERICSON.replace(old, new))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, column)]


def test_a_missing_ericson_column_is_named(tmp_path):
    with pytest.raises(ValidationError) as info:
        ericson(tmp_path, ERICSON.replace('"X2",', '"Y2",'))
    assert any(p.column == "X2" and "missing" in p.message for p in info.value.problems)


@pytest.mark.parametrize(("problems", "message"), [
    ("[1, 2]", "expected an object with one key per row"),
    ("{" * 10 + "}" * 10, "not readable JSON"),
    ("[" * 100_000 + "]" * 100_000, "not readable JSON"),
    ({"0": {"A": [[0.95, True]], "B": [[1.0, 21.0]]}}, "key '0'"),
    ({"0": {"A": [[0.5, 3.0]], "B": [[1.0, 21.0]]}}, "does not match row 1"),
    ({"0": "gamble"}, "key '0'"),
])
def test_a_broken_problems_file_is_refused(tmp_path, problems, message):
    with pytest.raises(CogalignError, match=message):
        choices13k(tmp_path, problems=problems)


def test_a_bad_selections_row_is_named(tmp_path):
    with pytest.raises(ValidationError) as info:
        choices13k(tmp_path, selections=SELECTIONS.replace("0.62", "1.5"))
    assert [(p.row, p.column) for p in info.value.problems] == [(1, "bRate")]


def test_headers_are_read_with_the_same_checks(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text('"a","b"\n1,2\n')
    assert read_header(path) == ["a", "b"]
    assert read_header(tmp_path / "rows.jsonl") == []
    path.write_bytes("a,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        read_header(path)
    path.write_text("a;b\n")
    with pytest.raises(ValidationError, match="semicolon-separated"):
        read_header(path)
    with pytest.raises(ValidationError, match="no such file"):
        read_header(tmp_path / "none.csv")
