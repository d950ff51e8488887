"""The click commands: cogalign fit risky / compare risky, and the one-line errors of every
choice command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

pytest.importorskip("numpyro")

from cogalign.data.tables import to_csv_frame  # noqa: E402
from cogalign.intertemporal.cli import compare_intertemporal, fit_intertemporal  # noqa: E402
from cogalign.risky.cli import compare_risky, fit_risky  # noqa: E402
from cogalign.risky.simulate import random_problems, simulate_rates  # noqa: E402


@pytest.fixture(scope="module")
def rates_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("risky") / "rates.csv"
    table = simulate_rates(random_problems(120, seed=1), "eu", {"alpha": 0.8, "phi": 0.2},
                           seed=2)
    to_csv_frame(table.drop(columns=["p_b"])).to_csv(path, index=False)
    return path


def _run(cmd, args):
    result = CliRunner().invoke(cmd, args, catch_exceptions=False)
    return result


def test_fit_risky_json(rates_csv):
    r = _run(fit_risky, ["--model", "eu", "--data", str(rates_csv), "--folds", "3",
                         "--draws", "200", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["method"] == "map" and out["kind"] == "rates" and out["n_obs"] == 120
    assert set(out["parameters"]) == {"alpha", "phi"}
    alpha = out["parameters"]["alpha"]
    assert alpha["lower"] < 0.8 < alpha["upper"] or abs(alpha["mean"] - 0.8) < 0.1
    assert out["cv"]["folds"] == 3 and 0 < out["cv"]["r2"] <= 1 and out["cv"]["mse"] > 0
    r = _run(fit_risky, ["--model", "ev", "--data", str(rates_csv), "--folds", "0",
                         "--draws", "50"])
    assert r.exit_code == 0 and "in-sample R2" in r.output


def test_compare_risky_json(rates_csv):
    r = _run(compare_risky, ["--data", str(rates_csv), "--models", "ev,eu", "--no-llm",
                             "--folds", "3", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    names = [row["model"] for row in out["table"]]
    assert {"EV", "EU", "EV difference (logistic)", "MLP (gamble features)"} == set(names)
    assert out["grouped_by"] == "problem_id" and out["n_rows"] == 120


def test_errors_are_one_line_and_nonzero(tmp_path, rates_csv):
    cases = [
        (fit_risky, ["--data", str(tmp_path / "missing.csv")], "no such file"),
        (fit_risky, ["--dataset", "no-such-dataset"], "unknown dataset"),
        (compare_risky, ["--data", str(rates_csv), "--models", "ev,rdu", "--no-llm"],
         "unknown model"),
        (fit_intertemporal, ["--data", str(rates_csv)], "intertemporal"),
        (compare_intertemporal, ["--models", "hyperbolic,rdu"], "unknown model"),
        (compare_intertemporal, ["--models", "hyperbolic"], "at least two"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    cases.append((fit_risky, ["--data", str(bad)], "not a risky-choice file"))
    for cmd, args, message in cases:
        r = CliRunner().invoke(cmd, args)
        assert r.exit_code != 0, (args, r.output)
        lines = [line for line in r.output.strip().splitlines() if line]
        assert len(lines) == 1 and lines[0].startswith("Error:"), r.output
        assert message in lines[0].lower() or message in lines[0], lines[0]
