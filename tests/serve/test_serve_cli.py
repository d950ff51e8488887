"""The ``cogalign serve`` commands and ``cogalign study export-jspsych`` (click, in-process)."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner
from serve_helpers import SHORT, STUDIES, answer
from starlette.testclient import TestClient

from cogalign.serve.cli import export_jspsych_command, serve_group

COMMON = [a for o in SHORT if ":" not in o.split("=")[0] for a in ("--set", o)]


def test_export_jspsych_command(tmp_path):
    runner = CliRunner()
    result = runner.invoke(export_jspsych_command, [
        str(STUDIES / "risky" / "study.toml"), "--out", str(tmp_path / "site"),
        "--n-participants", "3", "--prefix", "pil", *COMMON, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["participants"] == ["pil001", "pil002", "pil003"]
    assert (tmp_path / "site" / "trials" / "pil003-1.json").is_file()
    again = runner.invoke(export_jspsych_command, [
        str(STUDIES / "risky"), "--out", str(tmp_path / "site"), "--participants", "p1"])
    assert again.exit_code == 1 and "not empty" in again.output
    both = runner.invoke(export_jspsych_command, [
        str(STUDIES / "risky"), "--out", str(tmp_path / "x"), "--participants", "p1",
        "--n-participants", "2"])
    assert both.exit_code == 1 and "either" in both.output


def test_export_and_import_commands(make_app, sqlite_url, tmp_path):
    with TestClient(make_app(sqlite_url)) as client:
        started = client.post("/s/risky/api/start", json={"params": {"participant": "p001"}}).json()
        for t in started["trials"]:
            client.post("/s/risky/api/trial", json=answer(t["index"], 1),
                        headers={"Authorization": f"Bearer {started['token']}"})
    runner = CliRunner()
    result = runner.invoke(serve_group, ["export", "--db", sqlite_url, "--out",
                                         str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["risky"]["rows"] == len(started["trials"]) - 1
    missing = runner.invoke(serve_group, ["export", "--db", f"sqlite:///{tmp_path / 'new.db'}",
                                          "--out", str(tmp_path / "o2")])
    assert missing.exit_code == 1 and "no such database file" in missing.output
    assert not (tmp_path / "new.db").exists()  # exporting creates no database
    (tmp_path / "empty.db").write_bytes(b"")
    empty = runner.invoke(serve_group, ["export", "--db", f"sqlite:///{tmp_path / 'empty.db'}",
                                        "--out", str(tmp_path / "o2")])
    assert empty.exit_code == 1 and "not a cogalign serve database" in empty.output
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({
        "format": "cogalign-responses/1", "study": "risky", "participant": "p002",
        "session": 1, "finished": False, "responses": [answer(0, 0)],
        "definition_hash": make_app(sqlite_url).state.serve.studies["risky"].study.hash}))
    imported = runner.invoke(serve_group, ["import", str(answers), "--db", sqlite_url,
                                           "--studies", str(STUDIES), *[
                                               a for o in SHORT for a in ("--set", o)]])
    assert imported.exit_code == 0, imported.output
    assert "1 saved" in imported.output


def test_bad_options_end_with_one_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(serve_group, [str(STUDIES), "--rate-limit", "start=fast"])
    assert result.exit_code == 1 and "--rate-limit" in result.output
    result = runner.invoke(serve_group, [str(STUDIES), "--db", "mysql://x/y"])
    assert result.exit_code == 1 and "only sqlite" in result.output
    result = runner.invoke(serve_group, [str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(serve_group, ["--help"])
    assert result.exit_code == 0 and "export" in result.output and "import" in result.output


def test_module_runs_as_a_program():
    result = subprocess.run([sys.executable, "-m", "cogalign.serve", "export", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Psych-DS" in result.stdout
