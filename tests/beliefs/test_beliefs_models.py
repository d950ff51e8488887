"""The Bayesian dissonance model: NumPyro and PyMC agree; parameters are recovered; LOO ranks."""

import functools

import numpy as np
import pandas as pd
import pytest

from cogalign.beliefs.models import choice_data, compare_dissonance_models, dissonance_choice_model

pytest.importorskip("numpyro")


def _design(n=240, people=30, seed=0):
    rng = np.random.default_rng(seed)
    return {"delta": rng.normal(size=n), "participant": rng.integers(0, people, n),
            "n_participants": people}


@pytest.mark.parametrize("hierarchical, distance", [(True, True), (True, False), (False, True)])
def test_numpyro_and_pymc_log_densities_agree(hierarchical, distance):
    pytest.importorskip("pymc")
    import jax
    from numpyro import handlers
    from numpyro.infer.util import log_density

    from cogalign.bayes import get_pymc_builder, split_data

    data = _design()
    data["y"] = np.random.default_rng(1).integers(0, 2, len(data["delta"]))
    data["distance"] = distance
    if not hierarchical:
        data.pop("participant")
        data.pop("n_participants")
    arrays, static = split_data(data)
    bound = functools.partial(dissonance_choice_model, **static)
    rng = np.random.default_rng(2)
    with jax.enable_x64(True):
        trace = handlers.trace(handlers.seed(bound, 0)).get_trace(**arrays)
        point = {}
        for name, site in trace.items():
            if site["type"] == "sample" and not site["is_observed"]:
                value = rng.normal(0, 0.5, np.shape(site["value"]))
                point[name] = np.abs(value) + 0.1 if name.endswith("_sigma") else value
        lp_numpyro = float(log_density(bound, (), arrays, point)[0])
    pm_model = get_pymc_builder(dissonance_choice_model)(**data)
    values = {v.name: np.log(point[v.name[:-6]]) if v.name.endswith("_log__") else point[v.name]
              for v in pm_model.value_vars}
    lp_pymc = float(pm_model.compile_logp(jacobian=False, mode="FAST_COMPILE")(values))
    assert lp_pymc == pytest.approx(lp_numpyro, rel=1e-7, abs=1e-8)


def test_pooled_parameters_are_recovered():
    from cogalign.bayes import recover, recovery_summary

    design = _design(n=600)
    design.pop("participant")
    design.pop("n_participants")
    table = recover(dissonance_choice_model, {"bias": 0.4, "sensitivity": 1.5}, design,
                    n_sims=4, interval=0.95, seed=3, method="map", draws=200)
    summary = recovery_summary(table)
    assert summary.loc["sensitivity", "coverage"] >= 0.75
    assert abs(summary.loc["sensitivity", "bias"]) < 0.25 and abs(summary.loc["bias", "bias"]) < 0.2


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")
def test_hierarchical_fit_recovers_sensitivity_and_loo_prefers_distance():
    """People choose by a known sensitivity to dissonance; NUTS finds it, LOO prefers it."""
    rng = np.random.default_rng(4)
    n_people, per_person = 40, 12
    person = np.repeat(np.arange(n_people), per_person)
    d_pro, d_con = rng.uniform(0.5, 2.0, person.size), rng.uniform(0.5, 2.0, person.size)
    frame = pd.DataFrame({"participant_id": person.astype(str), "d_pro": d_pro, "d_con": d_con})
    data = choice_data(frame.assign(stance=1))
    sensitivity = 1.2 + 0.3 * rng.normal(size=n_people)
    eta = 0.2 + sensitivity[data["participant"]] * data["delta"]
    frame["stance"] = np.where(rng.random(person.size) < 1 / (1 + np.exp(-eta)), 1, -1)
    out = compare_dissonance_models(frame, n_people=None, draws=150, tune=150, chains=1, seed=0)
    assert out["comparison"].index[0] == "dissonance"
    assert out["comparison"].loc["distance-free", "elpd_diff"] > 4 * out["comparison"].loc["distance-free", "dse"]
    assert out["sensitivity"]["low"] < 1.2 < out["sensitivity"]["high"]
    assert out["n_people"] == n_people and out["n_choices"] == person.size
