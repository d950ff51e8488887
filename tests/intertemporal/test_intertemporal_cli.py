"""The click commands: cogalign fit intertemporal / compare intertemporal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

pytest.importorskip("numpyro")

from cogalign.intertemporal.cli import compare_intertemporal, fit_intertemporal  # noqa: E402
from cogalign.intertemporal.simulate import simulate_intertemporal  # noqa: E402


@pytest.fixture(scope="module")
def it_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("it") / "it.csv"
    simulate_intertemporal(30, 20, "hyperbolic", seed=3).to_csv(path, index=False)
    return path


def _run(cmd, args):
    result = CliRunner().invoke(cmd, args, catch_exceptions=False)
    return result


def test_fit_intertemporal_json(it_csv):
    r = _run(fit_intertemporal, ["--model", "hyperbolic", "--data", str(it_csv), "--pooled",
                                 "--draws", "200", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["method"] == "map" and out["hierarchical"] is False
    assert set(out["parameters"]) == {"k", "phi"}
    assert out["n_obs"] == 600 and out["n_missing_excluded"] == 0
    assert out["loo"]["elpd"] < 0


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


@pytest.mark.parametrize("cmd, extra", [(fit_intertemporal, ["--model", "hyperbolic"]),
                                        (compare_intertemporal, ["--models", "exponential,hyperbolic"])])
def test_the_shared_precision_option_reaches_the_estimator(it_csv, cmd, extra):
    args = [*extra, "--data", str(it_csv), "--pooled", "--draws", "100"]
    assert _run(cmd, [*args, "--precision", "float32", "--json"]).exit_code == 0
    refused = CliRunner().invoke(cmd, [*args, "--backend", "pymc", "--precision", "float32"])
    assert refused.exit_code == 1 and "NumPyro setting" in refused.output
