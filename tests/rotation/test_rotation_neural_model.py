"""A tiny trained neural model (32 px, few steps): each stage, each ablation, saving, fitting."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from sklearn.base import clone

from cogalign.cli import main
from cogalign.errors import CogalignError
from cogalign.fitting import fit_paradigm
from cogalign.rotation.neural.agents import OneShotAgent, RecurrentAgent, SearchAgent
from cogalign.rotation.neural.config import VARIANTS, tiny_config
from cogalign.rotation.neural.estimators import NeuralRotationModel
from cogalign.rotation.neural.evaluation import (
    agent_by_angle,
    novel_view_psnr,
    run_trials,
    symbolic_accuracy,
    trial_objects,
)
from cogalign.rotation.neural.network import (
    CheckpointError,
    RotationNet,
    load_network,
    save_network,
)
from cogalign.rotation.neural.people import compare_with_people, comparison_rows, fit_step_time
from cogalign.rotation.neural.training import train_network, training_shapes
from cogalign.rotation.neural.views import trial_pairs
from cogalign.rotation.simulate import simulate_rotation

CONFIG = tiny_config(perception_steps=500, agent_steps=40, seed=0)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.set_num_threads(1)
    path = tmp_path_factory.mktemp("neural") / "tiny.pt"
    net = train_network(CONFIG, checkpoint=path, progress=False)
    return net, path


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    table = simulate_rotation(6, angles=(0.0, 60.0, 120.0), n_repeats=3, seed=4)
    path = tmp_path_factory.mktemp("people") / "people.csv"
    table.to_csv(path, index=False)
    return table, path


def test_every_stage_is_trained_and_the_untrained_model_is_worse(trained):
    net, _ = trained
    assert net.stages_done == [f"perception:{k}" for k in CONFIG.encoders()] + \
        [f"agent:{k}" for k in CONFIG.agents()]
    history = net.training_history["perception:equivariant"]
    first = np.mean([h["view"] for h in history[:10]])
    last = np.mean([h["view"] for h in history[-10:]])
    assert last < 0.7 * first


def test_equivariant_encoder_predicts_held_out_rotated_views_better_than_the_unturned_view(trained):
    """Stated bound: on shapes never seen in training, at 60-180 degrees, decoding the turned
    latent is at least 1 dB closer (PSNR) to the true rotated view than the input view is."""
    net, _ = trained
    table = novel_view_psnr(net, angles=(60, 120, 180), n_per_angle=24)
    assert (table["psnr"] > table["baseline_psnr"] + 1.0).all(), table
    plain = novel_view_psnr(net, "plain", angles=(90,), n_per_angle=8)
    assert np.isfinite(plain["psnr"]).all()


def test_symbolic_code_of_unseen_objects_is_above_chance(trained):
    """Stated bound: arm directions at least 3 degrees closer than chance (the same
    descriptions scored against the views in a shuffled order); an untrained head is not."""
    net, _ = trained
    scores = symbolic_accuracy(net, n=256)
    assert scores["direction_error_deg"] < scores["direction_error_chance_deg"] - 3.0, scores
    untrained = symbolic_accuracy(RotationNet(CONFIG).eval(), n=256)
    assert untrained["direction_error_deg"] > untrained["direction_error_chance_deg"] - 3.0, untrained


def test_each_variant_uses_its_switches_and_decides_every_trial(trained):
    net, _ = trained
    held_out = training_shapes(CONFIG)[1]
    rng = np.random.default_rng(0)
    angles = np.repeat([0.0, 90.0, 180.0], 4)
    mirror = np.tile([False, True], 6)
    objs = trial_objects(held_out, len(angles), rng)
    batch = trial_pairs(objs, angles, ["y"] * len(angles), mirror, rng.integers(0, 2**31 - 1, len(angles)),
                        size=CONFIG.size)
    kinds = {"recurrent": RecurrentAgent, "search": SearchAgent, "one-shot": OneShotAgent}
    for name, v in VARIANTS.items():
        mv = net.variant(name)
        assert mv.perception.kind == v.encoder
        assert isinstance(mv.agent, kinds[v.agent])
        symbolic = mv.agent.symbolic if v.agent == "search" else mv.agent.compare.symbolic
        assert symbolic == v.symbolic
        dec = run_trials(net, name, batch, seed=1)
        again = run_trials(net, name, batch, seed=1)
        assert np.array_equal(dec.answer, again.answer) and np.array_equal(dec.steps, again.steps)
        assert set(dec.answer) <= {"same", "mirror"}
        limit = {"recurrent": CONFIG.max_steps, "search": CONFIG.search_budget, "one-shot": 1}[v.agent]
        assert ((dec.steps >= 1) & (dec.steps <= limit)).all()
        assert (dec.steps[dec.gave_up] == limit).all()
    shared = net.variant("no-symbolic").perception is net.variant("full").perception
    assert shared and net.variant("plain-encoder").perception is not net.variant("full").perception


def test_a_recurrent_agent_path_starts_unturned_and_steps_at_most_the_step_size(trained):
    net, _ = trained
    rng = np.random.default_rng(1)
    objs = trial_objects(training_shapes(CONFIG)[1], 4, rng)
    batch = trial_pairs(objs, [150.0] * 4, ["y"] * 4, [False] * 4, [1, 2, 3, 4], size=CONFIG.size)
    dec = run_trials(net, "full", batch, keep_path=True)
    assert np.allclose(dec.path[0], np.eye(3), atol=1e-6)
    for before, after in zip(dec.path, dec.path[1:], strict=False):
        rel = np.einsum("nij,nkj->nik", after, before)
        angle = np.rad2deg(np.arccos(np.clip((np.trace(rel, axis1=1, axis2=2) - 1) / 2, -1, 1)))
        assert (angle <= CONFIG.max_step_deg + 1e-3).all()


def test_save_and_load_round_trip_and_refusals(trained, tmp_path):
    net, path = trained
    loaded = load_network(path)
    for key, value in net.state_dict().items():
        assert torch.equal(value.cpu(), loaded.state_dict()[key]), key
    assert loaded.stages_done == net.stages_done and loaded.config == net.config
    a = agent_by_angle(net, "full", angles=(0, 120), n_per_condition=3)
    b = agent_by_angle(loaded, "full", angles=(0, 120), n_per_condition=3)
    assert a.equals(b)
    copy = save_network(loaded, tmp_path / "sub" / "copy.pt")
    assert load_network(copy).config == net.config
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(CheckpointError, match="bad.pt: not a readable model file"):
        load_network(bad)
    with pytest.raises(CheckpointError, match="no such model file"):
        load_network(tmp_path / "missing.pt")
    with pytest.raises(CogalignError, match="trained without variant"):
        train_network(tiny_config(perception_steps=1, agent_steps=1, variants=("no-recurrent",)),
                      progress=False).variant("full")


def test_training_stopped_and_resumed_gives_the_same_weights(tmp_path):
    cfg = tiny_config(perception_steps=6, agent_steps=4, checkpoint_every=2, variants=("no-recurrent",))
    whole = train_network(cfg, progress=False)
    path = tmp_path / "resume.pt"
    part = train_network(cfg, checkpoint=path, progress=False, stop_after=5)
    assert part.stages_done == []
    resumed = train_network(cfg, checkpoint=path, progress=False)
    assert resumed.stages_done == whole.stages_done
    for key, value in whole.state_dict().items():
        assert torch.allclose(value, resumed.state_dict()[key], atol=1e-6), key
    with pytest.raises(CogalignError, match="trained with other settings"):
        train_network(cfg.replace(seed=1), checkpoint=path, progress=False)


def test_step_time_map_is_least_squares_and_never_negative():
    assert fit_step_time(np.array([1.0, 2.0, 3.0]), np.array([1.2, 1.4, 1.6])) == pytest.approx((0.2, 1.0))
    assert fit_step_time(np.array([1.0, 2.0, 3.0]), np.array([1.6, 1.4, 1.2])) == pytest.approx((0.0, 1.4))
    with pytest.raises(CogalignError, match="no condition"):
        fit_step_time(np.array([np.nan]), np.array([1.0]))


def test_estimator_fits_a_subset_end_to_end_and_clones(trained, people):
    _, path = trained
    table, _ = people
    est = NeuralRotationModel("full", checkpoint=str(path), n_per_condition=4)
    assert clone(est).get_params() == est.get_params()
    est.fit(table)
    assert est.time_per_step_ >= 0.0 and np.isfinite(est.non_decision_)
    assert np.isfinite(est.score(table)) and est.score(table) <= 1.0
    pred = est.predict(table)
    assert pred.shape == (len(table),) and np.isfinite(pred).all()
    result, fitted = fit_paradigm("rotation", table, model="neural-no-recurrent",
                                  params={"checkpoint": str(path), "n_per_condition": 4}, folds=2)
    assert result["cv"]["folds"] == 2 and len(result["cv"]["per_fold"]) == 2
    assert fitted.variant == "no-recurrent"
    small = {"size": 32, "perception_steps": 2, "agent_steps": 2}
    own = NeuralRotationModel("no-recurrent", config=small, n_per_condition=2).fit(table)
    assert own.network_.stages_done == ["perception:equivariant",
                                        "agent:equivariant/one-shot/symbolic"]
    assert clone(own).fit(table).network_ is own.network_  # trained once per config
    with pytest.raises(CogalignError, match="unknown NetConfig setting"):
        NeuralRotationModel(config={"sise": 32}).fit(table)


def test_comparison_with_people_has_a_ceiling_and_a_row_per_variant(trained, people):
    net, _ = trained
    table, _ = people
    result = compare_with_people(net, table, variants=["full", "no-recurrent"], n_per_condition=4,
                                 n_splits=2)
    assert result["n_people"] == 6 and result["keys"] == ["angle", "pair_type"]
    assert np.isfinite(result["ceiling"]["r2"])
    rows = comparison_rows(result)
    assert [r["variant"] for r in rows] == ["full", "no-recurrent"]
    flat = next(r for r in rows if r["variant"] == "no-recurrent")
    assert flat["slope_model"] == pytest.approx(0.0, abs=1e-9)  # one step at every angle
    assert flat["slope_people"] > 0


def test_commands_train_simulate_fit_and_compare(trained, people, tmp_path):
    _, path = trained
    _, csv = people
    runner = CliRunner()
    out = runner.invoke(main, ["rotation", "simulate", "--model", "neural", "--checkpoint", str(path),
                               "--participants", "2", "--repeats", "1", "--angles", "0,90",
                               "--out", str(tmp_path / "sim.csv"), "--json"])
    assert out.exit_code == 0, out.output
    sim = json.loads(out.output)
    assert sim["n_rows"] == 2 * 2 * 2 and (tmp_path / "sim.csv").is_file()
    out = runner.invoke(main, ["fit", "rotation-model", "--model", str(path), "--data", str(csv),
                               "--folds", "2", "--n-per-condition", "4", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["model"] == "neural"
    out = runner.invoke(main, ["rotation", "people", "--model", str(path), "--data", str(csv),
                               "--splits", "2", "--n-per-condition", "4", "--variants",
                               "full,search", "--json"])
    assert out.exit_code == 0, out.output
    assert set(json.loads(out.output)["variants"]) == {"full", "search"}
    out = runner.invoke(main, ["rotation", "train", "--tiny", "--out", str(tmp_path / "t.pt"),
                               "--perception-steps", "2", "--agent-steps", "2", "--variants",
                               "no-recurrent", "--no-evaluate", "--no-progress", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["stages_done"][0] == "perception:equivariant"
    out = runner.invoke(main, ["rotation", "simulate", "--model", "neural", "--json"])
    assert out.exit_code != 0 and "--checkpoint" in out.output
    out = runner.invoke(main, ["rotation", "train", "--tiny", "--out", str(tmp_path / "u.pt"),
                               "--variants", "full,bogus", "--json"])
    assert out.exit_code != 0 and "bogus" in out.output


def test_figures_of_model_vs_people_and_of_a_latent_rotation(trained, people):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cogalign.plots.rotation import plot_latent_rotation, plot_model_vs_people
    from cogalign.rotation.neural.evaluation import latent_rotation

    net, _ = trained
    table, _ = people
    result = compare_with_people(net, table, variants=["full", "search"], n_per_condition=2,
                                 n_splits=1)
    axes = plot_model_vs_people(result)
    assert len(axes) == 2 and len(axes[0].lines) == 4  # people and model, same and mirror
    angles = (0, 90, 180)
    decoded, truth = latent_rotation(net, training_shapes(CONFIG)[1][0], angles=angles)
    assert decoded.shape == truth.shape == (3, CONFIG.size, CONFIG.size)
    fig = plot_latent_rotation(decoded, truth, angles)
    assert len(fig.axes) == 6
    with pytest.raises(ValueError, match="measure"):
        plot_model_vs_people(result, measure="speed")
    plt.close("all")


def test_the_rotation_study_can_have_the_neural_model_as_its_simulated_participant(trained, tmp_path):
    from cogalign.studies import Session, load_definition, make_model, prepare_study, run_simulated
    from cogalign.studies.library import shipped_studies

    _, path = trained
    definition = shipped_studies()["rotation"].definition
    study = prepare_study(load_definition(definition, ("trials.n=8", "trials.practice=1",
                                                       "trials.attention_checks=1",
                                                       "stimuli.size=64")))
    sim = make_model(f"neural:checkpoint={path},variant=full", study)
    session = Session(study, "nn001", 1, output=tmp_path, simulated_by=sim.spec).open()
    summary = run_simulated(session, sim)
    assert summary["simulated_by"].startswith("neural:")
    with pytest.raises(CogalignError, match="checkpoint=FILE"):
        make_model("neural", study)
    with pytest.raises(CogalignError, match="unknown model variant"):
        make_model(f"neural:checkpoint={path},variant=nope", study)
