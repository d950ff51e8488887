import json

import pytest

from cogalign.data import ValidationError, read_jspsych, read_psychopy_csv

PSYCHOPY = """participant,session,date,expName,instr.started,trials.thisRepN,trials.thisTrialN,trials.thisN,trials.thisIndex,item_1,item_2,item_3,key_resp.keys,key_resp.rt
p01,1,2026-11-25,odd,0.1,,,,,,,,space,3.2
p01,1,2026-11-25,odd,,0,0,0,4,10,11,12,1,1.25
p01,1,2026-11-25,odd,,0,1,1,2,20,21,22,3,0.98
p01,1,2026-11-25,odd,,0,2,2,0,30,31,32,2,2.5
"""


def test_psychopy_csv_to_triplets(tmp_path):
    path = tmp_path / "p01_odd_2026-11-25.csv"
    path.write_text(PSYCHOPY)
    table = read_psychopy_csv(
        path, "triplets",
        columns={"response": "key_resp.keys", "rt": "key_resp.rt"},
        response_columns={"1": "item_1", "2": "item_2", "3": "item_3"},
    )
    assert table["response"].tolist() == [10, 22, 31]
    assert table["trial"].tolist() == [0, 1, 2]
    assert table["rt"].tolist() == [1.25, 0.98, 2.5]
    assert table.attrs["non_trial_rows"] == 1 and table.attrs["loop"] == "trials"


def test_psychopy_errors_name_the_row_in_the_file(tmp_path):
    path = tmp_path / "p01.csv"
    path.write_text(PSYCHOPY.replace("30,31,32,2,2.5", "30,31,32,2,oops"))
    with pytest.raises(ValidationError) as info:
        read_psychopy_csv(
            path, "triplets", columns={"response": "key_resp.keys", "rt": "key_resp.rt"},
            response_columns={"1": "item_1", "2": "item_2", "3": "item_3"},
        )
    (p,) = info.value.problems
    assert (p.row, p.line, p.column) == (4, 5, "rt")


def test_jspsych_json_rt_in_seconds_and_trials_renumbered(tmp_path):
    rows = [
        {"trial_type": "html-keyboard-response", "trial_index": 0, "rt": 5000, "response": " "},
        {"trial_type": "html-button-response", "trial_index": 1, "rt": 1500, "response": 0,
         "task": "similarity", "item_a": "cat", "item_b": "dog", "rating": 6},
        {"trial_type": "html-button-response", "trial_index": 2, "rt": None, "response": 1,
         "task": "similarity", "item_a": "cat", "item_b": "car", "rating": 2},
    ]
    path = tmp_path / "p7.json"
    path.write_text(json.dumps(rows))
    table = read_jspsych(path, "similarity", select={"task": "similarity"}, participant_id="p7")
    assert table["trial"].tolist() == [0, 1]
    assert table["rt"].iloc[0] == pytest.approx(1.5)
    assert table["rt"].isna().iloc[1]
    assert table["trial_index"].tolist() == [1, 2]
