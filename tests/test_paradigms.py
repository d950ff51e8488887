"""The paradigm registry: the built-in paradigms, and a toy paradigm added without touching the core.

``toy_bigger_paradigm`` (next to this file) is written as docs/adding-a-paradigm.md says; these
tests run it through ``cogalign fit``, ``cogalign study run --simulate`` and the demo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cogalign.cli import main
from cogalign.data import read_psychds
from cogalign.demo import run_demo
from cogalign.errors import CogalignError
from cogalign.paradigms import (
    BUILTIN,
    Paradigm,
    ParadigmError,
    all_paradigms,
    get_paradigm,
    register_paradigm,
    resolve,
    unregister_paradigm,
)

HERE = Path(__file__).resolve().parent
STUDY = """
[study]
name = "bigger"
paradigm = "bigger"
participant_pattern = "sim[0-9]+"

[trials]
n = 12
practice = 1
attention_checks = 2

[numbers]
min = 1
max = 30
"""


@pytest.fixture
def toy():
    import toy_bigger_paradigm

    register_paradigm(toy_bigger_paradigm.PARADIGM)
    yield toy_bigger_paradigm
    unregister_paradigm("bigger")


def test_builtin_paradigms_are_registered_with_their_parts():
    registry = all_paradigms()
    assert len(registry) >= len(BUILTIN)
    for name in ("triplets", "similarity", "risky", "intertemporal"):
        p = registry[name]
        assert p.study_design is not None and p.part("study_design").__name__.endswith("Design")
        assert p.get_schema().name == p.schema_name


def test_every_declared_part_of_every_paradigm_resolves():
    for p in all_paradigms().values():
        for attribute in ("simulator", "study_design", "demo", "align", "reader", "cv_groups"):
            value = getattr(p, attribute)
            if isinstance(value, str) and ":" in value:
                assert callable(p.part(attribute)), (p.name, attribute)
        for slot in p.commands:
            assert p.command(slot).name, (p.name, slot)
        for name, ref in p.estimators.items():
            assert callable(resolve(ref)), (p.name, name)


def test_unknown_paradigm_and_model_are_named_with_a_suggestion():
    with pytest.raises(ParadigmError, match="unknown paradigm 'tripletz' \\(did you mean 'triplets'"):
        get_paradigm("tripletz")
    with pytest.raises(ParadigmError, match="has no model 'cpx' \\(did you mean 'cpt'"):
        get_paradigm("risky").estimator("cpx")
    with pytest.raises(ParadigmError, match="already registered"):
        register_paradigm(Paradigm("risky", "another risky", "risky"))
    with pytest.raises(ParadigmError, match="lower-case"):
        Paradigm("Risky", "x", "risky")


def test_toy_paradigm_fits_from_the_command_line(toy, tmp_path):
    data = tmp_path / "bigger.csv"
    toy.simulate(n_participants=5, n_trials=60, sensitivity=0.5, seed=3).to_csv(data, index=False)
    listed = CliRunner().invoke(main, ["paradigms", "--json"])
    assert listed.exit_code == 0, listed.output
    assert any(p["name"] == "bigger" and "fit" in p["offers"] for p in json.loads(listed.output))
    result = CliRunner().invoke(main, ["fit", "bigger", "--data", str(data), "--folds", "5",
                                       "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["score_name"] == "log_likelihood" and out["cv"]["grouped_by"] == "participant_id"
    assert len(out["cv"]["per_fold"]) == 5
    assert abs(out["fitted"]["sensitivity_"] - 0.5) < 0.2
    bad = CliRunner().invoke(main, ["fit", "bigger", "--data", str(data), "--folds", "1"])
    assert bad.exit_code == 2 and "1 is not 0 (no cross-validation) or at least 2" in bad.output
    from cogalign.fitting import fit_paradigm

    with pytest.raises(CogalignError, match="folds must be 0"):
        fit_paradigm("bigger", pd.read_csv(data), folds=-1)


def test_toy_paradigm_runs_as_a_simulated_study(toy, tmp_path):
    definition = tmp_path / "bigger.toml"
    definition.write_text(STUDY)
    out = tmp_path / "data"
    result = CliRunner().invoke(main, ["study", "run", str(definition), "-p", "sim001",
                                       "--simulate", "default", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "completed" and summary["trials_total"] == 15
    table = read_psychds(out, "bigger")
    assert len(table) == 14 and set(table["response"]) <= {0, 1}
    assert table["simulated_by"].str.startswith("logistic:").all()
    valid = CliRunner().invoke(main, ["validate", str(out), "--paradigm", "bigger", "--json"])
    assert valid.exit_code == 0 and json.loads(valid.output)["valid"] is True
    # the design's own fields are checked like the core's
    definition.write_text(STUDY.replace("max = 30", "max = 0"))
    bad = CliRunner().invoke(main, ["study", "check", str(definition)])
    assert bad.exit_code == 1 and "[numbers] max: must be above min" in bad.output


def test_toy_paradigm_has_a_demo_section(toy):
    lines: list[str] = []
    report = run_demo(lines.append, only=["bigger"], datasets=False)
    assert set(report) == {"bigger"} and abs(report["bigger"]["sensitivity"] - 0.5) < 0.2
    assert lines and lines[0].startswith("Which is bigger")


def test_a_paradigm_module_named_in_the_environment_is_discovered(tmp_path):
    import toy_bigger_paradigm

    data = tmp_path / "bigger.csv"
    toy_bigger_paradigm.simulate(seed=4).to_csv(data, index=False)
    env = {**os.environ, "COGALIGN_PARADIGMS": "toy_bigger_paradigm",
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "cogalign.cli", "fit", "bigger", "--data",
                           str(data), "--folds", "0", "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["cv"] is None


def test_a_paradigm_adds_a_named_command_to_a_slot(toy):
    from dataclasses import replace

    extra = replace(toy.PARADIGM, name="bigger-extra",
                    commands={"fit:bigger-check": "cogalign.cli:paradigms_command"})
    register_paradigm(extra)
    try:
        listed = CliRunner().invoke(main, ["fit", "--help"])
        assert "bigger-check" in listed.output and "bigger-extra" in listed.output
        ran = CliRunner().invoke(main, ["fit", "bigger-check", "--json"])
        assert ran.exit_code == 0, ran.output
        assert "bigger-extra" in {row["name"] for row in json.loads(ran.output)}
        offers = {row["name"]: row["offers"] for row in json.loads(
            CliRunner().invoke(main, ["paradigms", "--json"]).output)}
        assert "fit bigger-check" in offers["bigger-extra"]
        # the neural rotation model is one such command
        assert "rotation-model" in CliRunner().invoke(main, ["fit", "--help"]).output
        clash = replace(toy.PARADIGM, name="bigger-clash", commands={"fit:bigger-check": "x:y"})
        with pytest.raises(ParadigmError, match="'cogalign fit bigger-check' is already taken"):
            register_paradigm(clash)
        with pytest.raises(ParadigmError, match="'cogalign fit bigger' is already taken"):
            register_paradigm(replace(toy.PARADIGM, name="bigger-2", commands={"fit:bigger": "x:y"}))
    finally:
        unregister_paradigm("bigger-extra")
    with pytest.raises(ParadigmError, match="SLOT:NAME"):
        Paradigm("bad", "bad", "risky", commands={"study:bad-name": "x:y"})
    with pytest.raises(ParadigmError, match="SLOT:NAME"):
        Paradigm("bad", "bad", "risky", commands={"fit:Bad_Name": "x:y"})
