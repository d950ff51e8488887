"""The online export has exactly the lab studies' layout, schema and cell format."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from serve_helpers import PARADIGMS, short_studies

from cogalign.cli import main as cogalign_main
from cogalign.data import read_psychds
from cogalign.errors import CogalignError
from cogalign.serve.db import Database
from cogalign.serve.export import export_psychds
from cogalign.serve.loadtest import answer_payload
from cogalign.serve.recording import Identity, record_answer
from cogalign.studies import Session, make_model, run_simulated

#: Columns that differ by design between a simulated lab session and the same answers sent
#: from a browser: when, with which device and key, and the simulated-participant model.
ANSWER_CONTEXT = {"onset_utc", "response_utc", "response_device", "response_key", "simulated_by"}


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same simulated answers written by the lab runner and through the server."""
    tmp = tmp_path_factory.mktemp("export")
    db = Database(f"sqlite:///{tmp / 'studies.db'}")
    db.migrate()
    studies = short_studies()
    for name, served in studies.items():
        study = served.study
        db.register_study(name, study.hash, study.paradigm, served.meta())
        model = make_model("default", study)
        lab = Session(study, "p007", 1, output=tmp / "lab" / name, simulated_by=model.spec).open()
        run_simulated(lab, model)
        trials = served.trials("p007", 1)
        db.open_session(study=name, participant="p007", session=1, definition_hash=study.hash,
                        n_trials=len(trials), platform="link")
        identity = Identity("p007", 1, "link")
        for trial in trials:
            response = model.respond(trial, model.rng("p007", 1, trial))
            record_answer(db, served, identity, answer_payload(served, trial, response))
        db.finish_session(name, "p007", 1)
    report = export_psychds(db, tmp / "online")
    return tmp, report, db


@pytest.mark.parametrize("name", PARADIGMS)
def test_same_files_header_and_cells_as_the_lab(both, name):
    tmp, report, _ = both
    assert report[name]["valid"] and report[name]["sessions"] == 1
    lab, online = tmp / "lab" / name, tmp / "online" / name
    files = sorted(p.relative_to(lab) for p in lab.rglob("*.csv"))
    assert files == sorted(p.relative_to(online) for p in online.rglob("*.csv"))
    assert len(files) == 2  # data and practice
    for relative in files:
        lab_header, lab_rows = _rows(lab / relative)
        online_header, online_rows = _rows(online / relative)
        assert online_header == lab_header
        assert len(online_rows) == len(lab_rows) > 0
        for a, b in zip(lab_rows, online_rows, strict=True):
            same = {c for c in lab_header if c not in ANSWER_CONTEXT}
            assert {c: a[c] for c in same} == {c: b[c] for c in same}
            assert b["simulated_by"] == "" and b["response_device"] in ("keyboard", "mouse")
    lab_meta = json.loads((lab / "dataset_description.json").read_text())
    online_meta = json.loads((online / "dataset_description.json").read_text())
    assert online_meta == lab_meta
    logs = list((online / "logs").glob("*_log.jsonl"))
    assert [json.loads(line)["event"] for line in logs[0].read_text().splitlines()] == ["start", "end"]


@pytest.mark.parametrize("name", PARADIGMS)
def test_cogalign_validate_and_the_readers_take_the_export(both, name):
    tmp, _, _ = both
    folder = tmp / "online" / name
    result = CliRunner().invoke(cogalign_main, ["validate", str(folder), "--paradigm", name, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True
    table = read_psychds(folder)
    (data_file,) = (folder / "data").glob("*_data.csv")
    if name == "triplets":
        from cogalign.triplets.arrays import odd_last

        assert odd_last(table).shape == (len(table), 3)
    elif name == "similarity":
        from cogalign.similarity.ratings import participant_rdms

        # read_psychds keeps the undeclared-type extra columns as text ("0"/"1"), which
        # similarity.ratings.main_trials reads as booleans; give them their integer type
        flags = ["is_practice", "is_attention_check"]
        table[flags] = table[flags].astype(int)
        assert participant_rdms(table).participants == ("p007",)
    elif name == "risky":
        from cogalign.risky.data import read_risky

        assert len(read_risky(data_file)) == len(table)
    elif name == "rotation":
        from cogalign.rotation.data import read_rotation

        assert len(read_rotation(data_file)) == len(table)
    else:
        from cogalign.intertemporal.data import read_intertemporal

        assert len(read_intertemporal(data_file)) == len(table)


def test_export_refuses_a_used_folder_and_unknown_studies(both, tmp_path):
    _, _, db = both
    (tmp_path / "risky").mkdir()
    (tmp_path / "risky" / "keep.txt").write_text("x")
    with pytest.raises(CogalignError, match="not empty"):
        export_psychds(db, tmp_path, studies=["risky"])
    with pytest.raises(CogalignError, match="no study named"):
        export_psychds(db, tmp_path / "new", studies=["nosuch"])


def test_unfinished_sessions_can_be_left_out(both, tmp_path):
    _, _, db = both
    served = short_studies()["risky"]
    db.open_session(study="risky", participant="p008", session=1,
                    definition_hash=served.study.hash, n_trials=3, platform="link")
    everything = export_psychds(db, tmp_path / "all", studies=["risky"])
    finished = export_psychds(db, tmp_path / "finished", studies=["risky"], finished_only=True)
    assert everything["risky"]["sessions"] == 2 and finished["risky"]["sessions"] == 1
    header, rows = _rows(tmp_path / "all" / "risky" / "data" /
                         "study-risky_subject-p008_session-1_data.csv")
    assert rows == [] and header[0] == "participant_id"
