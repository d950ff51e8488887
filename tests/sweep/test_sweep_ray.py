"""The Ray backend on a local Ray instance: the same table as the local pool, failures kept."""

from __future__ import annotations

import importlib.util
import json
import subprocess

import pandas as pd
import pytest
from sweep_helpers import PYTHON, cli_env, comparable, toy_sweep

from cogalign.sweep import load_results, run_sweep

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                       reason="ray not installed (pip install 'cogalign[sweep]')"),
]


def test_ray_and_the_local_pool_give_identical_results(toy, write_sweep, tmp_path):
    spec = write_sweep(toy_sweep())
    run_sweep(spec, tmp_path / "local", workers=2)
    # the command line, as a user runs it: a local Ray instance with 2 CPUs, no dashboard
    result = subprocess.run(
        [PYTHON, "-m", "cogalign.cli", "sweep", str(spec), "--out", str(tmp_path / "ray"),
         "--backend", "ray", "--num-cpus", "2", "--no-progress", "--json"],
        env=cli_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["backend"] == {"backend": "ray", "address": None, "num_cpus": 2}
    assert summary["ok"] == 16 and len(summary["failed"]) == 8
    assert {f["error"] for f in summary["failed"]} == {
        "CogalignError: template 'boom' is broken"}
    pd.testing.assert_frame_equal(comparable(load_results(tmp_path / "ray")),
                                  comparable(load_results(tmp_path / "local")),
                                  check_dtype=False)
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert manifest["backend"] == "ray" and manifest["versions"]["ray"]
