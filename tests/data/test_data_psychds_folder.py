"""A Psych-DS folder is validated as a whole, and its metadata file never ends in a traceback."""

import json

import pandas as pd
import pytest

from cogalign.data import ValidationError, read_psychds, write_psychds
from cogalign.data.schema import MAX_KEPT
from cogalign.errors import CogalignError


def _table(people=("p1", "p2")):
    rows = []
    for person in people:
        for trial in range(2):
            rows.append({"participant_id": person, "trial": trial, "item_1": 0, "item_2": 1,
                         "item_3": 2, "response": 1, "rt": 1.0})
    return pd.DataFrame(rows)


@pytest.fixture()
def folder(tmp_path):
    write_psychds(tmp_path / "ds", _table(), "triplets", name="pilot")
    return tmp_path / "ds"


def data_files(folder):
    return sorted((folder / "data").glob("*_data.csv"))


def problems_of(folder, paradigm=None):
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(ValidationError) as info:
        read_psychds(folder, paradigm)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    return info.value.problems


def test_the_same_trial_in_two_files_is_a_duplicate(folder):
    first, second = data_files(folder)
    second.write_text(second.read_text().replace("p2,", "p1,"))
    found = problems_of(folder)
    assert [(p.source, p.row, p.line) for p in found] == [(str(second), 1, 2), (str(second), 2, 3)]
    assert f"first seen in {first} row 1" in found[0].message
    assert "participant_id=p1" in found[0].message


def test_the_same_trial_in_different_sessions_is_not_a_duplicate(folder):
    first, second = data_files(folder)
    second.write_text(second.read_text().replace("p2,", "p1,"))
    for k, path in enumerate((first, second), start=1):
        frame = pd.read_csv(path, dtype=str)
        frame.insert(1, "session", str(k))
        frame.to_csv(path, index=False)
    assert len(read_psychds(folder)) == 4


def test_every_files_problems_are_reported(folder):
    first, second = data_files(folder)
    first.write_text(first.read_text().replace("p1,1,0,1,2,1,1.0", "p1,1,0,1,2,7,1.0"))
    second.write_text(second.read_text() + "p2,2,0,1,2,1,1.0,extra\n")
    found = problems_of(folder)
    assert {p.source for p in found} == {str(first), str(second)}
    assert any(p.column == "response" and p.row == 2 for p in found)
    assert any("8 cells" in p.message and p.line == 4 for p in found)


def test_undeclared_columns_of_every_file_are_named(folder):
    for path in data_files(folder):
        frame = pd.read_csv(path, dtype=str)
        frame["secret"] = "x"
        frame.to_csv(path, index=False)
    found = problems_of(folder)
    assert [(p.source, p.column) for p in found] == [(str(f), "secret") for f in data_files(folder)]
    assert all("not declared" in p.message for p in found)


@pytest.mark.parametrize(("content", "fragment"), [
    (b"[1, 2]", "must hold a JSON object"),
    (b'"just text"', "must hold a JSON object"),
    (json.dumps({"name": "x", "variableMeasured": None}).encode(), "variableMeasured"),
    (json.dumps({"name": "x", "variableMeasured": 3}).encode(), "variableMeasured"),
    (json.dumps({"name": "x", "variableMeasured": [{"unit": "s"}]}).encode(), "entry 1"),
    (json.dumps({"name": 5, "variableMeasured": []}).encode(), "non-empty text"),
    (json.dumps({"variableMeasured": []}).encode(), "required field is missing"),
    (json.dumps({"name": "x", "variableMeasured": [], "keywords": "cogalign:triplets"}).encode(),
     "list of texts"),
    ('{"name": "caf\u00e9", "variableMeasured": []}'.encode("latin-1"), "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"{not json", "invalid JSON"),
])
def test_a_broken_description_is_reported_not_a_traceback(folder, content, fragment):
    (folder / "dataset_description.json").write_bytes(content)
    found = problems_of(folder, "triplets")
    assert any(p.source == str(folder / "dataset_description.json") and fragment in str(p)
               for p in found)


def test_description_and_data_problems_come_together(folder):
    (folder / "dataset_description.json").write_text('{"variableMeasured": null}')
    first, _ = data_files(folder)
    first.write_text(first.read_text().replace("p1,0,0,1,2,1,1.0", "p1,0,0,1,2,1,fast"))
    found = problems_of(folder, "triplets")
    assert {p.source for p in found} == {str(folder / "dataset_description.json"), str(first)}


def test_header_only_files_pass_when_others_have_trials(folder):
    first, second = data_files(folder)
    second.write_text(second.read_text().splitlines()[0] + "\n")
    assert read_psychds(folder)["participant_id"].unique().tolist() == ["p1"]
    first.write_text(first.read_text().splitlines()[0] + "\n")
    with pytest.raises(CogalignError, match="no trials"):
        read_psychds(folder)


def test_a_folder_of_bad_files_gives_a_bounded_report(folder):
    first, second = data_files(folder)
    header = first.read_text().splitlines()[0]
    for path, person in ((first, "p1"), (second, "p2")):
        path.write_text(header + "\n" + "".join(f"{person},{i},0,1,2,1,x\n"
                                                for i in range(MAX_KEPT)))
    with pytest.raises(ValidationError) as info:
        read_psychds(folder)
    error = info.value
    assert error.n_problems == 2 * MAX_KEPT and len(error.problems) == MAX_KEPT
    assert {c["file"]: c["problems"] for c in error.report()["counts"]} == {
        str(first): MAX_KEPT, str(second): MAX_KEPT}
