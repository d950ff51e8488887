"""The one reader of users' files: ragged rows, delimiters, encodings, JSON rows, item lists."""

import json

import pandas as pd
import pytest

from cogalign.data import (
    ValidationError,
    read_items_file,
    read_psychopy_csv,
    read_table_file,
    read_table_with_lines,
    read_trials,
)
from cogalign.data.schema import Problem

HEADER = "participant_id,trial,item_1,item_2,item_3,response,rt\n"
GOOD = "p1,0,0,1,2,0,1.0\np1,1,3,4,5,4,0.8\n"


def refusal(func, *args, **kwargs) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value.problems


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_a_row_with_one_cell_too_many_is_refused_not_shifted(tmp_path):
    # pandas would take the first column as the index and shift every cell of every row
    path = write(tmp_path, "t.csv", HEADER + "p1,0,0,1,2,0,1.0,\np1,1,3,4,5,4,0.8\n")
    for read in (read_table_file, lambda p: read_trials(p, "triplets")):
        (p,) = refusal(read, path)
        assert (p.source, p.row, p.line, p.column) == (str(path), 1, 2, None)
        assert "8 cells, but the header has 7 columns" in p.message
        assert "comma too many" in p.message


def test_every_ragged_row_is_named(tmp_path):
    path = write(tmp_path, "t.csv", HEADER + "p1,0,0,1,2,0\n" + GOOD + "p1,2,6,7,8,6,1.1,x,y\n")
    found = refusal(read_table_file, path)
    assert [(p.row, p.line) for p in found] == [(1, 2), (4, 5)]
    assert "6 cells" in found[0].message and "9 cells" in found[1].message


def test_a_torn_last_row_is_called_incomplete(tmp_path):
    path = write(tmp_path, "t.csv", HEADER + GOOD + "p1,2,6,7")  # no newline: a torn write
    (p,) = refusal(read_trials, path, "triplets")
    assert (p.row, p.line) == (3, 4) and "the last row is incomplete" in p.message


@pytest.mark.parametrize(("name", "text", "hint"), [
    ("t.csv", HEADER.replace(",", ";") + GOOD.replace(",", ";"), "semicolon-separated"),
    ("t.csv", HEADER.replace(",", "\t") + GOOD.replace(",", "\t"), "name it .tsv"),
    ("t.tsv", HEADER + GOOD, "comma-separated"),
])
def test_a_file_with_another_delimiter_gets_a_hint(tmp_path, name, text, hint):
    path = write(tmp_path, name, text)
    (p,) = refusal(read_trials, path, "triplets")
    assert p.source == str(path) and p.line == 1
    assert "single column" in p.message and hint in p.message


def test_tsv_is_read_with_tabs(tmp_path):
    path = write(tmp_path, "t.tsv", HEADER.replace(",", "\t") + GOOD.replace(",", "\t"))
    assert read_trials(path, "triplets")["response"].tolist() == [0, 4]


@pytest.mark.parametrize(("data", "message", "line"), [
    ((HEADER + "p\u00e9,0,0,1,2,0,1.0\n").encode("latin-1"), "not UTF-8", 2),
    ((HEADER + "p1,0,0,1,2,0,1.0\x00\n").encode(), "NUL byte", 2),
    ((HEADER + 'p1,0,0,1,2,0,"1.0\n').encode(), "never closed", 2),
    (b"", "empty", None),
    (b"\n\n  \n", "empty", None),
])
def test_unreadable_text_is_refused_with_the_line(tmp_path, data, message, line):
    path = write(tmp_path, "t.csv", data)
    (p,) = refusal(read_trials, path, "triplets")
    assert p.source == str(path) and message in p.message
    if line is not None:
        assert p.line == line


def test_a_header_without_rows_is_empty_not_valid(tmp_path):
    path = write(tmp_path, "t.csv", HEADER)
    (p,) = refusal(read_trials, path, "triplets")
    assert "the file is empty: it has a header but no data rows" in p.message
    assert len(read_table_file(path, allow_empty=True)) == 0


def test_header_names_must_be_present_and_distinct(tmp_path):
    (p,) = refusal(read_table_file, write(tmp_path, "a.csv", "a,b,\n1,2,\n"))
    assert "column 3 of the header has no name" in p.message and "end of the header" in p.message
    (p,) = refusal(read_table_file, write(tmp_path, "b.csv", "a,b,a\n1,2,3\n"))
    assert p.column == "a" and "more than once" in p.message


def test_missing_file_folder_and_device_are_refused(tmp_path):
    assert "no such file" in refusal(read_table_file, tmp_path / "none.csv")[0].message
    assert "is a folder" in refusal(read_table_file, tmp_path)[0].message
    assert "not a regular file" in refusal(read_table_file, "/dev/null")[0].message


def test_lines_follow_blank_lines_and_cells_spanning_lines(tmp_path):
    text = 'a,b\n\n1,"two\nlines"\n\n3,x\n'
    table, lines = read_table_with_lines(write(tmp_path, "t.csv", text))
    assert table["b"].tolist() == ["two\nlines", "x"]
    assert lines.tolist() == [3, 6]


def test_cells_are_text_as_written(tmp_path):
    table = read_table_file(write(tmp_path, "t.csv", "a,b\n007,\n1e3,NA\n"))
    assert table["a"].tolist() == ["007", "1e3"] and table["b"].tolist() == ["", "NA"]


def test_problems_in_a_blank_lined_file_name_the_real_line(tmp_path):
    path = write(tmp_path, "t.csv", HEADER + "\n" + GOOD.replace("0.8", "fast"))
    (p,) = refusal(read_trials, path, "triplets")
    assert (p.row, p.line, p.column) == (2, 4, "rt")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("t.json", '{"participant_id": "p1"}', "expected a JSON list of objects"),
    ("t.json", '[{"trial": 0}, 5]', "row 2: expected an object (one row), got a number"),
    ("t.json", '[{"trial": 0, "trial": 1}]', "repeats the key 'trial'"),
    ("t.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("t.json", '[{"trial": 0},]', "not valid JSON"),
    ("t.jsonl", '{"trial": 0}\n{"trial": \n', "line 2: not valid JSON"),
])
def test_bad_json_rows_are_refused(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    (p,) = refusal(read_trials, path, "triplets")
    assert p.source == str(path) and message in str(p)


def test_json_lines_report_their_lines(tmp_path):
    rows = [{"participant_id": "p1", "trial": i, "item_1": 0, "item_2": 1, "item_3": 2,
             "response": 1} for i in range(2)]
    rows[1]["response"] = 7
    path = write(tmp_path, "t.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    (p,) = refusal(read_trials, path, "triplets")
    assert (p.row, p.line, p.column) == (2, 2, "response")


def test_psychopy_reader_refuses_ragged_rows_and_empty_loops(tmp_path):
    head = "participant,trials.thisN,item_1,item_2,item_3,key_resp.keys\n"
    path = write(tmp_path, "p.csv", head + "p01,0,10,11,12,1,\n")
    (p,) = refusal(read_psychopy_csv, path, "triplets", columns={"response": "key_resp.keys"})
    assert (p.row, p.line) == (1, 2)
    path = write(tmp_path, "q.csv", head + "p01,,10,11,12,1\n")
    with pytest.raises(Exception, match="no trials"):
        read_psychopy_csv(path, "triplets", columns={"response": "key_resp.keys"})


# ----------------------------------------------------------------------------- item lists


def test_items_from_text_csv_and_json(tmp_path):
    assert read_items_file(write(tmp_path, "i.txt", "cat\n\ndog\n")) == ["cat", "dog"]
    assert read_items_file(write(tmp_path, "i.csv", "id,word\n1,cat\n2,dog\n")) == ["cat", "dog"]
    assert read_items_file(write(tmp_path, "j.csv", "x,y\n1,cat\n"), column="y") == ["cat"]
    assert read_items_file(write(tmp_path, "i.json", '["cat", "dog"]')) == ["cat", "dog"]


def test_an_items_csv_with_a_trailing_comma_is_refused_not_shifted(tmp_path):
    path = write(tmp_path, "i.csv", "item,category\ncat,animal,\ndog,animal\n")
    (p,) = refusal(read_items_file, path)
    assert (p.source, p.row, p.line) == (str(path), 1, 2)


@pytest.mark.parametrize(("name", "text", "column", "message"), [
    ("a.csv", "x,y\n1,cat\n", None, "which column holds the items"),
    ("b.csv", "item\ncat\n", "word", "no column 'word'"),
    ("c.csv", 'item\ncat\n""\n', None, "empty item"),
    ("d.json", '["cat", 3]', None, "row 2: expected text, got a number"),
    ("e.json", '{"cat": 1}', None, "expected a JSON list of strings"),
    ("f.txt", "\n  \n", None, "no items"),
    ("g.txt", "caf\u00e9\n".encode("latin-1"), None, "not UTF-8"),
])
def test_bad_item_files_are_refused(tmp_path, name, text, column, message):
    path = write(tmp_path, name, text)
    (p,) = refusal(read_items_file, path, column)
    assert p.source == str(path) and message in str(p)


def test_reader_agrees_with_pandas_on_sound_files(tmp_path):
    frame = pd.DataFrame({"a": ["1", "x y", 'say "hi"', "a,b"], "b": ["", "2", "3", "4"]})
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    pd.testing.assert_frame_equal(read_table_file(path), frame.astype(str), check_dtype=False)
