import json

import pandas as pd
import pytest

from cogalign.data import ValidationError, read_psychds, read_trials, write_psychds
from cogalign.errors import CogalignError

HEADER = "participant_id,trial,item_1,item_2,item_3,response,rt\n"


def test_read_trials_reports_file_row_line_and_column(tmp_path):
    path = tmp_path / "p1.csv"
    path.write_text(HEADER + "p1,0,0,1,2,0,1.0\np1,1,3,4,5,9,0.8\n")
    with pytest.raises(ValidationError) as info:
        read_trials(path, "triplets")
    (p,) = info.value.problems
    assert str(p) == (
        f"{path}, row 2 (line 3), column 'response': response 9 is not among the options (3, 4, 5)"
    )


def test_read_trials_rejects_a_header_with_a_repeated_column(tmp_path):
    path = tmp_path / "p1.csv"
    path.write_text("participant_id,trial,trial\np1,0,1\n")
    with pytest.raises(ValidationError, match="more than once"):
        read_trials(path, "triplets")


def test_read_trials_json_rows(tmp_path):
    path = tmp_path / "p1.json"
    rows = [{"participant_id": "p1", "trial": i, "item_1": 0, "item_2": 1, "item_3": 2,
             "response": 1} for i in range(3)]
    path.write_text(json.dumps(rows))
    assert len(read_trials(path, "triplets")) == 3


def test_missing_and_empty_files_are_clear(tmp_path):
    with pytest.raises(CogalignError, match="no such file"):
        read_trials(tmp_path / "none.csv", "triplets")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(CogalignError, match="empty"):
        read_trials(tmp_path / "empty.csv", "triplets")


def _table():
    return pd.DataFrame(
        {"participant_id": ["p1", "p1", "p2"], "trial": [0, 1, 0],
         "outcomes_a": [[10.0, 0.0], [4.0], [1.0]], "probs_a": [[0.5, 0.5], [1.0], [1.0]],
         "outcomes_b": [[3.0], [8.0, 0.0], [2.0]], "probs_b": [[1.0], [0.5, 0.5], [1.0]],
         "response": ["A", "B", "B"], "rt": [1.5, 0.7, 2.2], "block": [1, 1, 2]}
    )


def test_psychds_round_trip(tmp_path):
    files = write_psychds(tmp_path / "ds", _table(), "risky", name="pilot")
    assert [f.name for f in files] == ["study-risky_subject-p1_data.csv", "study-risky_subject-p2_data.csv"]
    meta = json.loads((tmp_path / "ds" / "dataset_description.json").read_text())
    assert meta["@type"] == "Dataset"
    names = [v["name"] for v in meta["variableMeasured"]]
    assert "rt" in names and "block" in names
    back = read_psychds(tmp_path / "ds")
    assert back["outcomes_b"].tolist() == _table()["outcomes_b"].tolist()
    assert back["response"].tolist() == ["A", "B", "B"]
    assert set(back["source_file"]) == {f"data/{f.name}" for f in files}


def test_psychds_never_overwrites(tmp_path):
    write_psychds(tmp_path / "ds", _table(), "risky", name="pilot")
    before = (tmp_path / "ds" / "data" / "study-risky_subject-p1_data.csv").read_text()
    with pytest.raises(CogalignError, match="refusing to overwrite"):
        write_psychds(tmp_path / "ds", _table(), "risky", name="pilot")
    assert (tmp_path / "ds" / "data" / "study-risky_subject-p1_data.csv").read_text() == before


def test_psychds_invalid_table_writes_nothing(tmp_path):
    bad = _table()
    bad.loc[1, "response"] = "C"
    with pytest.raises(ValidationError):
        write_psychds(tmp_path / "ds", bad, "risky", name="pilot")
    assert not (tmp_path / "ds" / "data").exists() or not any((tmp_path / "ds" / "data").iterdir())


def test_psychds_reader_names_the_bad_file(tmp_path):
    files = write_psychds(tmp_path / "ds", _table(), "risky", name="pilot")
    text = files[1].read_text().replace(",B,", ",Z,")
    files[1].chmod(0o644)
    files[1].write_text(text)
    with pytest.raises(ValidationError) as info:
        read_psychds(tmp_path / "ds")
    (p,) = info.value.problems
    assert p.source == str(files[1]) and p.column == "response" and p.line == 2


def test_psychds_undeclared_column(tmp_path):
    files = write_psychds(tmp_path / "ds", _table(), "risky", name="pilot")
    df = pd.read_csv(files[0])
    df["secret"] = 1
    df.to_csv(files[0], index=False)
    with pytest.raises(CogalignError, match="not declared"):
        read_psychds(tmp_path / "ds")


def test_not_a_psychds_folder(tmp_path):
    with pytest.raises(CogalignError, match="not a Psych-DS folder"):
        read_psychds(tmp_path, "risky")
