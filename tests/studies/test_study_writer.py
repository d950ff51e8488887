"""The append-only trial writer: synced rows, never overwrite, torn last lines kept aside."""

from __future__ import annotations

import os

import pytest

from cogalign.errors import CogalignError
from cogalign.studies import writer as writer_module
from cogalign.studies.writer import EventLog, TrialWriter, format_cell

COLUMNS = ["participant_id", "trial", "outcomes", "rt"]


def row(i):
    return {"participant_id": "p1", "trial": i, "outcomes": [10.0, -5.5], "rt": 0.25 + i}


def test_each_row_is_synced_before_append_returns(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(writer_module.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    path = tmp_path / "data" / "x_data.csv"
    w = TrialWriter(path, COLUMNS)
    assert w.open(resume=False) == []
    after_header = len(synced)
    assert after_header >= 2  # header, then the folder
    for i in range(3):
        w.append(row(i))
        assert len(synced) == after_header + i + 1
        # what is on disk already holds the row (another reader sees it)
        assert path.read_text().count("\n") == i + 2
    w.close()
    assert path.read_text().splitlines() == [
        "participant_id,trial,outcomes,rt",
        'p1,0,"[10, -5.5]",0.25',
        'p1,1,"[10, -5.5]",1.25',
        'p1,2,"[10, -5.5]",2.25',
    ]


def test_never_overwrites_and_resume_reads_rows(tmp_path):
    path = tmp_path / "x.csv"
    with TrialWriter(path, COLUMNS) as w:
        w.open(resume=False)
        w.append(row(0))
    before = path.read_bytes()
    with pytest.raises(CogalignError, match="exists; refusing to overwrite"):
        TrialWriter(path, COLUMNS).open(resume=False)
    assert path.read_bytes() == before
    with TrialWriter(path, COLUMNS) as w:
        rows = w.open(resume=True)
        assert rows == [{"participant_id": "p1", "trial": "0", "outcomes": "[10, -5.5]", "rt": "0.25"}]
        w.append(row(1))
    assert path.read_bytes().startswith(before)
    assert len(path.read_text().splitlines()) == 3


def test_resume_refuses_other_columns_and_rows_missing_cells(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CogalignError, match="differ from this study's"):
        TrialWriter(path, ["a", "c"]).open(resume=True)
    path.write_text("a,b\n1\n")
    with pytest.raises(CogalignError, match="line 2: 1 cells for 2 columns"):
        TrialWriter(path, ["a", "b"]).open(resume=True)


def test_a_torn_last_line_is_kept_in_a_backup_and_cut(tmp_path):
    path = tmp_path / "x.csv"
    with TrialWriter(path, COLUMNS) as w:
        w.open(resume=False)
        w.append(row(0))
    whole = path.read_bytes()
    with open(path, "ab") as fh:
        fh.write(b'p1,1,"[10')  # the program died in the middle of a write
    torn = path.read_bytes()
    with TrialWriter(path, COLUMNS) as w:
        rows = w.open(resume=True)
        assert [r["trial"] for r in rows] == ["0"]
        w.append(row(1))
    backups = list(tmp_path.glob("x.csv.partial-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == torn
    assert path.read_bytes().startswith(whole)
    assert path.read_text().splitlines()[-1] == 'p1,1,"[10, -5.5]",1.25'


def test_rows_must_match_the_columns(tmp_path):
    with TrialWriter(tmp_path / "x.csv", COLUMNS) as w:
        w.open(resume=False)
        with pytest.raises(CogalignError, match=r"missing columns \['rt'\]"):
            w.append({k: v for k, v in row(0).items() if k != "rt"})
        with pytest.raises(CogalignError, match=r"unknown columns \['extra'\]"):
            w.append({**row(0), "extra": 1})


def test_a_second_writer_on_the_same_file_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    first = TrialWriter(path, COLUMNS)
    first.open(resume=False)
    try:
        with pytest.raises(CogalignError, match="being written by another program"):
            TrialWriter(path, COLUMNS).open(resume=True)
    finally:
        first.close()


def test_event_log_appends_json_lines(tmp_path):
    log = EventLog(tmp_path / "log.jsonl")
    assert log.open(resume=False) == []
    log.write("start", participant_id="p1")
    log.close()
    log = EventLog(tmp_path / "log.jsonl")
    events = log.open(resume=True)
    assert [e["event"] for e in events] == ["start"] and events[0]["time_utc"].endswith("Z")
    log.write("end")
    log.close()
    with pytest.raises(CogalignError, match="refusing to overwrite"):
        EventLog(tmp_path / "log.jsonl").open(resume=False)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (float("nan"), ""), (True, "1"), (3, "3"), (5.0, "5"), (0.1, "0.1"),
     (-2.5, "-2.5"), ([10.0, -5.0], "[10, -5]"), ([0.25, 0.75], "[0.25, 0.75]"), ("A", "A")],
)
def test_format_cell(value, text):
    assert format_cell(value) == text
