"""The click commands: cogalign fit risky / fit intertemporal / compare risky / compare
intertemporal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

pytest.importorskip("numpyro")

from cogalign.data.tables import to_csv_frame  # noqa: E402
from cogalign.risky.cli import (  # noqa: E402
    compare_intertemporal,
    compare_risky,
    fit_intertemporal,
    fit_risky,
)
from cogalign.risky.simulate import (  # noqa: E402
    random_problems,
    simulate_intertemporal,
    simulate_rates,
)


@pytest.fixture(scope="module")
def rates_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("risky") / "rates.csv"
    table = simulate_rates(random_problems(120, seed=1), "eu", {"alpha": 0.8, "phi": 0.2},
                           seed=2)
    to_csv_frame(table.drop(columns=["p_b"])).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def it_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("it") / "it.csv"
    simulate_intertemporal(30, 20, "hyperbolic", seed=3).to_csv(path, index=False)
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


def test_fit_intertemporal_json(it_csv):
    r = _run(fit_intertemporal, ["--model", "hyperbolic", "--data", str(it_csv), "--pooled",
                                 "--draws", "200", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["method"] == "map" and out["hierarchical"] is False
    assert set(out["parameters"]) == {"k", "phi"}
    assert out["n_obs"] == 600 and out["n_missing_excluded"] == 0
    assert out["loo"]["elpd"] < 0


def test_compare_risky_json(rates_csv):
    r = _run(compare_risky, ["--data", str(rates_csv), "--models", "ev,eu", "--no-llm",
                             "--folds", "3", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    names = [row["model"] for row in out["table"]]
    assert {"EV", "EU", "EV difference (logistic)", "MLP (gamble features)"} == set(names)
    assert out["grouped_by"] == "problem_id" and out["n_rows"] == 120


def test_compare_intertemporal_json_ranks_by_loo(it_csv):
    r = _run(compare_intertemporal, ["--data", str(it_csv), "--models",
                                     "exponential,hyperbolic", "--pooled", "--draws", "300",
                                     "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["method"] == "map" and out["hierarchical"] is False
    assert out["n_obs"] == 600 and out["n_missing_excluded"] == 0
    ranking = out["ranking"]
    assert [row["rank"] for row in ranking] == [0, 1]
    assert {row["model"] for row in ranking} == {"exponential", "hyperbolic"}
    # the simulating model wins, and the table is consistent with itself
    assert ranking[0]["model"] == "hyperbolic"
    assert ranking[0]["elpd_diff"] == 0 and ranking[1]["elpd_diff"] > 0
    assert ranking[0]["elpd_loo"] - ranking[1]["elpd_loo"] == pytest.approx(
        ranking[1]["elpd_diff"], abs=1e-4)
    assert sum(row["weight"] for row in ranking) == pytest.approx(1.0, abs=1e-4)
    assert set(out["fits"]["hyperbolic"]["parameters"]) == {"k", "phi"}
    assert set(out["fits"]["exponential"]["parameters"]) == {"delta", "phi"}
    # the same settings give the same LOO as fit intertemporal
    single = json.loads(_run(fit_intertemporal, ["--model", "hyperbolic", "--data", str(it_csv),
                                                 "--pooled", "--draws", "300", "--json"]).output)
    hyp = next(row for row in ranking if row["model"] == "hyperbolic")
    assert hyp["elpd_loo"] == pytest.approx(single["loo"]["elpd"], abs=1e-6)
    text = _run(compare_intertemporal, ["--data", str(it_csv), "--models",
                                        "exponential,hyperbolic", "--pooled", "--draws", "100"])
    assert text.exit_code == 0 and "elpd_loo" in text.output


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
