"""Running sweeps locally: failures recorded, resume after a kill, the tidy table, the command."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sweep_helpers import PYTHON, cli_env, comparable, toy_sweep

from cogalign.cli import main
from cogalign.paradigms import ALIGN_KEYS, register_paradigm, unregister_paradigm
from cogalign.sweep import expand_cells, load_results, load_spec, run_sweep
from cogalign.sweep.results import CELL_COLUMNS


def _calls(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_a_failing_cell_is_recorded_and_the_others_finish(toy, write_sweep, tmp_path):
    lines: list[str] = []
    summary = run_sweep(write_sweep(toy_sweep()), tmp_path / "out", workers=0,
                        echo=lines.append)
    assert summary["cells"] == 24 and summary["ran"] == 24
    assert len(summary["failed"]) == 8 and summary["ok"] == 16
    assert all("CogalignError: template 'boom' is broken" in f["error"]
               for f in summary["failed"])
    table = load_results(tmp_path / "out")
    assert list(table.columns[:len(CELL_COLUMNS)]) == list(CELL_COLUMNS)
    assert set(ALIGN_KEYS) <= set(table.columns)
    failed = table[table["status"] == "failed"]
    assert len(failed) == 8 and failed["metric"].isna().all()  # one row per failed cell
    ok = table[table["status"] == "ok"]
    # one row per cell and metric: 'all' layers give 4 layers x (3 splits + 1), 'last' gives 4
    assert len(ok) == 8 * 16 + 8 * 4
    assert ok["primary"].dtype == bool and ok.groupby("cell_id")["primary"].any().all()
    assert lines[0].startswith("toy: 24 cells, 24 to run")
    assert lines[-1].startswith("[24/24] ok 16, failed 8, left 0")


def test_finished_cells_are_skipped_and_failed_ones_retried(toy, write_sweep, tmp_path):
    calls = tmp_path / "calls.txt"
    spec = write_sweep(toy_sweep(f', calls = "{calls}"'))
    run_sweep(spec, tmp_path / "out", workers=0)
    assert len(_calls(calls)) == 24
    first = load_results(tmp_path / "out")
    again = run_sweep(spec, tmp_path / "out", workers=0, retry_failed=False)
    assert again["ran"] == 0 and len(_calls(calls)) == 24
    retried = run_sweep(spec, tmp_path / "out", workers=0)
    assert retried["ran"] == 8 and retried["skipped"] == 16
    assert all(line.split()[2] == "boom" for line in _calls(calls)[24:])
    pd.testing.assert_frame_equal(comparable(load_results(tmp_path / "out")), comparable(first))


def test_a_process_pool_gives_the_same_table_as_one_process(toy, write_sweep, tmp_path):
    spec = write_sweep(toy_sweep())
    run_sweep(spec, tmp_path / "serial", workers=0)
    run_sweep(spec, tmp_path / "pool", workers=2, fmt="csv")
    assert (tmp_path / "pool" / "results.csv").is_file()
    assert not (tmp_path / "pool" / "results.parquet").exists()
    pd.testing.assert_frame_equal(comparable(load_results(tmp_path / "serial")),
                                  comparable(load_results(tmp_path / "pool")),
                                  check_dtype=False)


def test_a_worker_that_dies_fails_its_cell_only(toy, write_sweep, tmp_path):
    spec = write_sweep("[sweep]\nmodels = ['m1']\n[[paradigm]]\nname = 'toysweep'\n"
                       "templates = ['plain', 'boom', 'fancy']\noptions = { exit_on = 'boom' }\n")
    summary = run_sweep(spec, tmp_path / "out", workers=2)
    assert summary["ok"] == 2
    assert [f["cell"].split()[2] for f in summary["failed"]] == ["template=boom"]
    assert {f["error"].split(":")[0] for f in summary["failed"]} == {"WorkerDied"}


def test_a_killed_sweep_resumes_without_redoing_finished_cells(toy, write_sweep, tmp_path):
    calls = tmp_path / "calls.txt"
    spec = write_sweep(toy_sweep(f', calls = "{calls}", sleep = 0.2'))
    out = tmp_path / "out"
    command = [PYTHON, "-m", "cogalign.cli", "sweep", str(spec), "--out", str(out),
               "--workers", "0", "--no-progress"]
    proc = subprocess.Popen(command, env=cli_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "cells").glob("*.json"))) < 5:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    records = {p.stem: json.loads(p.read_text()) for p in (out / "cells").glob("*.json")}
    assert 5 <= len(records) < 24 and not (out / "results.parquet").exists()
    partial = load_results(out)  # rebuilt from the cell records of the killed run
    assert set(partial["cell_id"]) == set(records)
    finished = {c for c, r in records.items() if r["status"] == "ok"}  # failed ones rerun
    done_calls = len(_calls(calls))
    result = subprocess.run(command[:-1] + ["--json"], env=cli_env(), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["skipped"] == len(finished) and summary["ran"] == 24 - len(finished)
    redone = _calls(calls)[done_calls:]
    cells = expand_cells(load_spec(spec))
    expected = {f"{c.model} {c.layer} {c.template} {c.seed}" for c in cells
                if c.cell_id not in finished}
    assert len(redone) == len(expected) and set(redone) == expected  # nothing finished reran


def test_sweep_command(toy, write_sweep, tmp_path):
    runner = CliRunner()
    spec = write_sweep(toy_sweep())
    dry = runner.invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "o"), "--dry-run",
                               "--json"])
    assert dry.exit_code == 0, dry.output
    assert len(json.loads(dry.output)["cells"]) == 24
    ran = runner.invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers",
                               "0", "--no-progress", "--json"])
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.output)
    assert summary["ok"] == 16 and Path(summary["table"]).is_file()
    bad = runner.invoke(main, ["sweep", str(write_sweep("[sweep]\nmodels = ['m1']\n"
                                                        "[[paradigm]]\nname = 'toysweep'\n"
                                                        "temperatures = [1.0]\n", "bad.toml")),
                               "--out", str(tmp_path / "o2")])
    assert bad.exit_code == 1
    assert "bad.toml: [[paradigm]] 1 (toysweep).temperatures: the toysweep align function " \
           "takes no temperature" in bad.output
    wrong = runner.invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "o3"),
                                 "--backend", "ray", "--workers", "2"])
    assert wrong.exit_code == 1 and "--workers is for the local backend" in wrong.output


@pytest.mark.parametrize("rows, problem", [
    ([], "non-empty list"),
    ([{"metric": "a", "value": 1.0}], "lacks"),
    ([{"metric": "a", "value": "high", "ci_low": 0.0, "ci_high": 1.0, "ceiling": 1.0,
       "layer": 0, "template": None, "split": "all", "primary": True}], "must be a number"),
    ([{"metric": "a", "value": 1.0, "ci_low": 0.0, "ci_high": 1.0, "ceiling": 1.0,
       "layer": [0], "template": None, "split": "all", "primary": True}], "holds a list"),
    ([{"metric": "a", "value": 1.0, "ci_low": 0.0, "ci_high": 1.0, "ceiling": 1.0,
       "layer": 0, "template": None, "split": "half", "primary": True}], "split 'half'"),
    ([{"metric": "a", "value": 1.0, "ci_low": 0.0, "ci_high": 1.0, "ceiling": 1.0,
       "layer": 0, "template": None, "split": "all", "primary": False}], "exactly one metric"),
    ([{"metric": "a", "value": 1.0, "ci_low": 0.0, "ci_high": 1.0, "ceiling": 1.0,
       "layer": 0, "template": None, "split": s, "primary": True} for s in ("all", "train")],
     "must come in the splits"),
])
def test_rows_that_break_the_contract_fail_their_cell(toy, write_sweep, tmp_path, rows,
                                                       problem):
    def broken(model, *, seed=0, limit=None, progress=False):
        return rows

    unregister_paradigm("toysweep")
    register_paradigm(dataclasses.replace(toy.PARADIGM, align=broken))
    summary = run_sweep(write_sweep("[sweep]\nmodels = ['m1']\n[[paradigm]]\n"
                                    "name = 'toysweep'\n"), tmp_path / "out", workers=0)
    assert len(summary["failed"]) == 1
    error = summary["failed"][0]["error"]
    assert error.startswith("ParadigmError: toysweep align") and problem in error
