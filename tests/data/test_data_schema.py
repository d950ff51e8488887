import numpy as np
import pandas as pd
import pytest

from cogalign.data import ValidationError, validate
from cogalign.data.schemas import INTERTEMPORAL, PAIRWISE, RISKY, TRIPLETS, get_schema
from cogalign.errors import CogalignError


def triplet_table(n=4):
    return pd.DataFrame(
        {
            "participant_id": ["p1"] * n,
            "trial": list(range(n)),
            "item_1": [0, 3, 6, 9][:n],
            "item_2": [1, 4, 7, 10][:n],
            "item_3": [2, 5, 8, 11][:n],
            "response": [0, 4, 8, 9][:n],
            "rt": [1.2, 0.9, np.nan, 2.0][:n],
        }
    )


def problems_of(table, schema=TRIPLETS, **kwargs):
    with pytest.raises(ValidationError) as info:
        validate(table, schema, source="trials.csv", **kwargs)
    return info.value.problems


def test_valid_table_is_typed_and_keeps_every_row():
    table = triplet_table()
    out = validate(table, TRIPLETS, n_items=12)
    assert len(out) == len(table)
    assert out["item_1"].dtype == np.int64
    assert out["rt"].dtype == np.float64
    assert out["rt"].isna().sum() == 1
    # the input is not modified
    assert table["item_1"].dtype == np.int64


def test_text_cells_parse_exactly():
    table = triplet_table().astype(str)
    table.loc[2, "rt"] = ""
    out = validate(table, TRIPLETS)
    assert out["item_2"].tolist() == [1, 4, 7, 10]
    assert np.isnan(out["rt"].iloc[2])


def test_missing_column_is_named():
    (p,) = problems_of(triplet_table().drop(columns="response"))
    assert p.column == "response" and p.row is None
    assert "required column is missing" in str(p)
    assert str(p).startswith("trials.csv")


def test_wrong_type_names_row_line_and_column():
    table = triplet_table().astype(object)
    table.loc[2, "item_2"] = "seven"
    table.loc[3, "rt"] = "fast"
    found = problems_of(table, csv_lines=True)
    assert {(p.row, p.line, p.column) for p in found} == {(3, 4, "item_2"), (4, 5, "rt")}
    assert "expected int, got 'seven'" in str(found[0])
    assert "trials.csv, row 3 (line 4), column 'item_2'" in str(found[0])


def test_fractional_value_in_integer_column_is_not_truncated():
    table = triplet_table().astype(object)
    table.loc[1, "trial"] = "1.5"
    (p,) = problems_of(table)
    assert p.column == "trial" and p.row == 2


def test_missing_value_where_not_allowed():
    table = triplet_table()
    table["participant_id"] = ["p1", None, "p1", "p1"]
    (p,) = problems_of(table)
    assert (p.row, p.column) == (2, "participant_id")
    assert "missing value not allowed" in p.message


def test_duplicate_trial_points_to_first_occurrence():
    table = triplet_table()
    table.loc[3, "trial"] = 1
    (p,) = problems_of(table)
    assert p.row == 4
    assert "duplicate trial" in p.message and "first seen on row 2" in p.message


def test_item_index_out_of_range():
    table = triplet_table()
    table.loc[0, "item_3"] = 12
    found = problems_of(table, n_items=12)
    assert any(p.row == 1 and p.column == "item_3" and "out of range" in p.message for p in found)


def test_response_not_among_options():
    table = triplet_table()
    table.loc[1, "response"] = 7
    (p,) = problems_of(table)
    assert (p.row, p.column) == (2, "response")
    assert "not among the options (3, 4, 5)" in p.message


def test_same_item_twice_in_a_triplet():
    table = triplet_table()
    table.loc[0, "item_2"] = 0
    (p,) = problems_of(table)
    assert p.row == 1 and "appears twice" in p.message


def test_every_problem_is_reported_at_once():
    table = triplet_table().astype(object)
    table.loc[0, "item_1"] = "x"
    table.loc[1, "rt"] = -1.0
    table.loc[2, "participant_id"] = None
    assert len(problems_of(table)) == 3


def test_allowed_values_and_ranges():
    table = pd.DataFrame(
        {"participant_id": ["a", "a"], "trial": [0, 1], "x1": [5.0, 5.0], "t1": [0.0, 1.0],
         "x2": [10.0, 10.0], "t2": [2.0, 3.0], "response": [1, 2]}
    )
    (p,) = problems_of(table, INTERTEMPORAL)
    assert (p.row, p.column) == (2, "response") and "not one of" in p.message


def test_row_checks_run_on_typed_values():
    table = pd.DataFrame(
        {"participant_id": ["a"], "trial": [0], "item_a": ["cat"], "item_b": ["dog"],
         "rating": [9.0], "scale_min": [1.0], "scale_max": [7.0]}
    )
    (p,) = problems_of(table, PAIRWISE)
    assert p.column == "rating" and "outside the scale [1, 7]" in p.message


def test_gamble_lists_parse_from_json_text_and_are_checked():
    table = pd.DataFrame(
        {"participant_id": ["a", "a"], "trial": [0, 1],
         "outcomes_a": ["[10, 0]", "[5]"], "probs_a": ["[0.5, 0.5]", "[1]"],
         "outcomes_b": ["[3]", "[1, 2]"], "probs_b": ["[1.0]", "[0.2, 0.7]"],
         "response": ["A", "B"]}
    )
    (p,) = problems_of(table, RISKY)
    assert (p.row, p.column) == (2, "probs_b") and "sum to 1" in p.message
    table.loc[1, "probs_b"] = "[0.3, 0.7]"
    out = validate(table, RISKY)
    assert out["outcomes_a"].iloc[0] == [10.0, 0.0]


def test_unknown_paradigm_lists_the_known_ones():
    with pytest.raises(CogalignError, match="triplets"):
        get_schema("nope")
