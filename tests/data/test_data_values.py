"""Impossible values are refused with file, row and column; implausible rows by the schema's rules."""

import json

import numpy as np
import pandas as pd
import pytest

from cogalign.data import ValidationError, read_trials, validate
from cogalign.data.schemas import INTERTEMPORAL, PAIRWISE, RISKY, TRIPLETS
from cogalign.errors import CogalignError

TRIPLET_HEADER = "participant_id,trial,item_1,item_2,item_3,response,rt\n"


def problems(func, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value.problems


def csv_file(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "1e400"])
def test_infinite_rt_in_a_file_is_refused(tmp_path, cell):
    path = csv_file(tmp_path, TRIPLET_HEADER + f"p1,0,0,1,2,0,{cell}\n")
    (p,) = problems(read_trials, path, "triplets")
    assert (p.source, p.row, p.line, p.column) == (str(path), 1, 2, "rt")
    assert "not a finite number" in p.message


def test_infinite_values_in_typed_tables_are_refused():
    intertemporal = pd.DataFrame({"participant_id": ["a", "a"], "trial": [0, 1],
                                  "x1": [5.0, np.inf], "t1": [0.0, 0.0],
                                  "x2": [10.0, 20.0], "t2": [1.0, np.inf], "response": [1, 0]})
    found = problems(validate, intertemporal, INTERTEMPORAL, source="it.csv")
    assert {(p.row, p.column) for p in found} == {(2, "x1"), (2, "t2")}
    assert all("not a finite number" in p.message for p in found)
    ratings = pd.DataFrame({"participant_id": ["a"], "trial": [0], "item_a": ["cat"],
                            "item_b": ["dog"], "rating": [float("inf")]})
    (p,) = problems(validate, ratings, PAIRWISE, source="r.csv")
    assert p.column == "rating" and "not a finite number" in p.message


def test_json_infinity_is_refused(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"participant_id": "p", "trial": 0, "item_1": 0, "item_2": 1,
                                "item_3": 2, "response": 0, "rt": float("inf")}) + "\n")
    (p,) = problems(read_trials, path, "triplets")
    assert (p.row, p.line, p.column) == (1, 1, "rt")


@pytest.mark.parametrize(("cell", "reason"), [
    ("1_000", "without separators"), ("1,000", "without separators"), ("\u0663", ""),
    ("0x10", ""), ("1e3", ""), ("2.5", ""),
])
def test_integers_must_be_written_as_plain_digits(cell, reason):
    table = pd.DataFrame({"participant_id": ["a"], "trial": [cell], "item_1": ["0"],
                          "item_2": ["1"], "item_3": ["2"], "response": ["0"]})
    (p,) = problems(validate, table, TRIPLETS, source="t.csv")
    assert p.column == "trial" and p.message.startswith("expected int, got")
    assert reason in p.message


def test_plain_numbers_still_parse_in_both_paths(tmp_path):
    path = csv_file(tmp_path, TRIPLET_HEADER + "p1,+0,0,1,2,0,.5\np1,1.000,3,4,5,3, 2e-1 \n")
    out = read_trials(path, "triplets")
    assert out["trial"].tolist() == [0, 1] and out["rt"].tolist() == [0.5, 0.2]
    slow = validate(pd.read_csv(path, dtype=object, keep_default_na=False), TRIPLETS)
    pd.testing.assert_frame_equal(out, slow, check_dtype=False)


@pytest.mark.parametrize("huge", ["99999999999999999999999", "-9223372036854775809",
                                  "1" * 5000])
def test_huge_item_indices_are_refused_not_an_overflow(tmp_path, huge):
    path = csv_file(tmp_path, TRIPLET_HEADER + f"p1,0,{huge},1,2,1,1.0\n")
    found = problems(read_trials, path, "triplets", n_items=10)
    assert {(p.row, p.column) for p in found} == {(1, "item_1")}


def test_huge_item_indices_in_json_are_refused(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('[{"participant_id": "p", "trial": 0, "item_1": 1' + "0" * 40
                    + ', "item_2": 1, "item_3": 2, "response": 1}]')
    (p,) = problems(read_trials, path, "triplets", n_items=10)
    assert p.column == "item_1" and "too large" in p.message
    frame = pd.DataFrame({"participant_id": ["a"], "trial": [0], "item_1": [2**70],
                          "item_2": [1], "item_3": [2], "response": [1]})
    (p,) = problems(validate, frame, TRIPLETS)
    assert p.column == "item_1" and "too large" in p.message


def _gambles(**cells):
    row = {"participant_id": "a", "trial": 0, "outcomes_a": "[10, 0]", "probs_a": "[0.5, 0.5]",
           "outcomes_b": "[3]", "probs_b": "[1]", "response": "A"}
    row.update(cells)
    return pd.DataFrame([row])


@pytest.mark.parametrize(("column", "cell", "reason"), [
    ("outcomes_a", "[true, 0]", "true/false"),
    ("probs_a", [True, False], "true/false"),
    ("outcomes_b", '["3"]', "text"),
    ("probs_b", "[Infinity]", "not a finite number"),
    ("outcomes_b", "[1e999]", "not a finite number"),
    ("outcomes_b", [10**400], "too large"),
    ("outcomes_b", "[[3]]", "not a number"),
    ("outcomes_b", "[]", "empty list"),
    ("outcomes_b", "3", "not a list"),
    ("outcomes_b", "[" * 50_000 + "]" * 50_000, "nested too deeply"),
])
def test_gamble_lists_hold_finite_numbers_only(column, cell, reason):
    (p,) = problems(validate, _gambles(**{column: cell}), RISKY, source="g.csv")
    assert (p.row, p.column) == (1, column) and reason in p.message


def test_deeply_nested_list_cell_in_a_file_is_refused(tmp_path):
    header = "participant_id,trial,outcomes_a,probs_a,outcomes_b,probs_b,response\n"
    path = csv_file(tmp_path, header + 'a,0,"' + "[" * 50_000 + "]" * 50_000
                    + '","[1]","[3]","[1]",A\n')
    (p,) = problems(read_trials, path, "risky")
    assert (p.row, p.line, p.column) == (1, 2, "outcomes_a") and "nested too deeply" in p.message
    path = csv_file(tmp_path, header + 'a,0,"' + "[" * 100_000 + "]" * 100_000
                    + '","[1]","[3]","[1]",A\n')
    (p,) = problems(read_trials, path, "risky")
    assert p.line == 2 and "a cell is longer than" in p.message


def test_text_columns_refuse_containers_and_booleans():
    table = pd.DataFrame({"participant_id": [{"id": 1}, True, 7], "trial": [0, 1, 2],
                          "item_1": [0, 3, 6], "item_2": [1, 4, 7], "item_3": [2, 5, 8],
                          "response": [0, 3, 6]})
    found = problems(validate, table, TRIPLETS)
    assert [(p.row, p.column) for p in found] == [(1, "participant_id"), (2, "participant_id")]


def _choices(x1, x2):
    return pd.DataFrame({"participant_id": ["a"] * len(x1), "trial": range(len(x1)),
                         "x1": x1, "t1": [0.0] * len(x1), "x2": x2, "t2": [2.0] * len(x1),
                         "response": [1] * len(x1)})


def test_a_sooner_amount_larger_than_the_later_one_is_flagged():
    (p,) = problems(validate, _choices([5.0, 30.0], [10.0, 20.0]), INTERTEMPORAL, source="c.csv")
    assert (p.row, p.column) == (2, "x2") and "smaller than the sooner amount" in p.message
    assert "x1 <= x2" in INTERTEMPORAL.description


def test_equal_amounts_are_attention_checks_and_pass():
    assert len(validate(_choices([5.0], [5.0]), INTERTEMPORAL)) == 1


def test_a_torn_last_row_of_a_study_file_is_refused(tmp_path):
    from cogalign.studies.writer import TrialWriter

    path = tmp_path / "study-triplets_subject-p1_data.csv"
    writer = TrialWriter(path, TRIPLET_HEADER.strip().split(","))
    writer.open(resume=False)
    writer.append({"participant_id": "p1", "trial": 0, "item_1": 0, "item_2": 1, "item_3": 2,
                   "response": 0, "rt": 1.5})
    writer.close()
    with open(path, "a") as fh:  # the program died while writing the next row
        fh.write("p1,1,3,4")
    before = path.read_bytes()
    (p,) = problems(read_trials, path, "triplets")
    assert (p.source, p.row, p.line) == (str(path), 2, 3) and "incomplete" in p.message
    assert path.read_bytes() == before


@pytest.mark.parametrize("n_items", [0, -3, 2.5, True])
def test_the_number_of_items_must_be_a_positive_integer(n_items):
    table = pd.DataFrame({"participant_id": ["a"], "trial": [0], "item_1": [0], "item_2": [1],
                          "item_3": [2], "response": [0]})
    with pytest.raises(CogalignError, match="positive integer"):
        validate(table, TRIPLETS, n_items=n_items)


def test_a_file_where_every_row_is_bad_gives_a_bounded_report(tmp_path):
    from cogalign.data.schema import MAX_KEPT

    n = 3 * MAX_KEPT
    path = csv_file(tmp_path, TRIPLET_HEADER + "".join(f"p1,{i},0,1,2,9,x\n" for i in range(n)))
    with pytest.raises(ValidationError) as info:
        read_trials(path, "triplets")
    error = info.value
    assert error.n_problems == 2 * n  # rt not a number, response not among the options
    assert len(error.problems) == MAX_KEPT
    report = error.report()
    assert report["truncated"] and report["n_problems"] == 2 * n
    assert {(c["column"], c["problems"]) for c in report["counts"]} == {("rt", n), ("response", n)}
    assert len(json.dumps(report)) < 300 * MAX_KEPT
    assert f"and {2 * n - 50} more" in str(error)
