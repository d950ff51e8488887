"""SPoSE and VICE: parameter recovery on simulated data, persistence, cross-validation."""

import numpy as np
import pandas as pd
import pytest

from cogalign.data import validate
from cogalign.data.schemas import TRIPLETS
from cogalign.errors import CogalignError
from cogalign.triplets import (
    VICE,
    SPoSE,
    SPoSECV,
    dimension_reproducibility,
    odd_last,
    simulate_triplets,
    sparse_embedding,
    split_by_triplet,
)

pytest.importorskip("torch")
N_ITEMS = 200


@pytest.fixture(scope="module")
def simulated():
    truth = sparse_embedding(N_ITEMS, 10, density=0.3, seed=1)
    table = simulate_triplets(truth, 60_000, n_participants=50, seed=2)
    train, test = split_by_triplet(table, 0.2, seed=0)
    return truth, table.iloc[train], table.iloc[test]


def truth_accuracy(truth, test):
    t = test[["item_1", "item_2", "item_3"]].to_numpy()
    a, b, c = truth[t[:, 0]], truth[t[:, 1]], truth[t[:, 2]]
    s = np.stack([(b * c).sum(1), (a * c).sum(1), (a * b).sum(1)], 1)
    return np.mean(t[np.arange(len(t)), s.argmax(1)] == test["response"].to_numpy())


def similarity_correlation(model, truth):
    iu = np.triu_indices(N_ITEMS, 1)
    return np.corrcoef(model.similarity_matrix()[iu], (truth @ truth.T)[iu])[0, 1]


def test_simulated_table_is_valid_and_choices_follow_the_model():
    truth = sparse_embedding(50, 5, seed=0)
    table = simulate_triplets(truth, 3000, n_participants=3, seed=0)
    validate(table, TRIPLETS, n_items=50)
    # choices are drawn with the model's probabilities: mean p(chosen) > 1/3
    assert table["p_response"].mean() > 0.4
    again = simulate_triplets(truth, 3000, n_participants=3, seed=0)
    pd.testing.assert_frame_equal(table, again)


def test_odd_last_puts_the_chosen_item_last():
    table = pd.DataFrame({"item_1": [1, 4, 7], "item_2": [2, 5, 8], "item_3": [3, 6, 9],
                          "response": [1, 5, 9]})
    assert odd_last(table).tolist() == [[2, 3, 1], [4, 6, 5], [7, 8, 9]]


def test_split_by_triplet_keeps_repeats_together():
    table = pd.DataFrame({"item_1": [1, 2, 3, 1], "item_2": [2, 1, 4, 3], "item_3": [3, 3, 5, 2],
                          "response": [1, 2, 3, 1]})
    train, test = split_by_triplet(table, 0.5, seed=0)
    key = np.sort(table[["item_1", "item_2", "item_3"]].to_numpy(), 1)
    assert not {tuple(k) for k in key[train]} & {tuple(k) for k in key[test]}


@pytest.mark.slow
def test_spose_recovers_the_generating_embedding(simulated):
    truth, train, test = simulated
    model = SPoSE(n_dims=30, l1=0.03, n_items=N_ITEMS, progress=False).fit(train)
    assert model.score(test) > truth_accuracy(truth, test) - 0.01
    assert similarity_correlation(model, truth) > 0.9
    assert (model.embedding_ >= 0).all()
    assert model.n_dims_ < 30  # the L1 penalty pruned dimensions
    proba = model.predict_proba(test)
    assert np.allclose(proba.sum(1), 1)


@pytest.mark.slow
def test_vice_recovers_the_generating_embedding_and_is_reproducible(simulated):
    truth, train, test = simulated
    models = [VICE(n_dims=30, n_items=N_ITEMS, seed=s, progress=False).fit(train) for s in (0, 1)]
    for model in models:
        assert model.score(test) > truth_accuracy(truth, test) - 0.015
        assert similarity_correlation(model, truth) > 0.9
        assert model.n_dims_ < 30
    assert dimension_reproducibility([m.embedding_ for m in models]) > 0.5


def test_dimension_reproducibility_is_one_for_permuted_copies():
    x = sparse_embedding(100, 6, seed=3)
    assert dimension_reproducibility([x, x[:, ::-1]]) == pytest.approx(1.0)
    noise = np.random.default_rng(0).random((100, 6))
    assert dimension_reproducibility([x, noise]) < 0.5


def test_fit_is_seeded_and_saves(tmp_path):
    truth = sparse_embedding(40, 4, seed=0)
    table = simulate_triplets(truth, 4000, seed=1)
    a = SPoSE(n_dims=8, epochs=5, progress=False, seed=3).fit(table)
    b = SPoSE(n_dims=8, epochs=5, progress=False, seed=3).fit(table)
    assert np.array_equal(a.embedding_, b.embedding_)
    path = a.save(tmp_path / "spose.npz")
    loaded = SPoSE.load(path)
    assert np.array_equal(loaded.embedding_, a.embedding_)
    assert loaded.get_params() == a.get_params()
    assert loaded.score(table) == a.score(table)
    with pytest.raises(Exception, match="holds a SPoSE"):
        VICE.load(path)


def test_unfitted_model_says_so():
    with pytest.raises(Exception, match="not fitted"):
        SPoSE().predict_proba(np.array([[0, 1, 2]]))


@pytest.mark.slow
def test_cross_validation_picks_a_sparsity_weight():
    truth = sparse_embedding(60, 5, seed=0)
    table = simulate_triplets(truth, 9000, seed=1)
    cv = SPoSECV(SPoSE(n_dims=10, progress=False), l1s=(0.01, 0.03), n_splits=2).fit(table)
    assert set(cv.cv_results_["l1"]) == {0.01, 0.03} and len(cv.cv_results_) == 4
    assert cv.best_l1_ in (0.01, 0.03)
    assert cv.best_estimator_.l1 == cv.best_l1_


def test_hand_gradient_matches_autograd():
    import torch

    from cogalign.triplets._training import GradientBuffers, nll_and_gradient, triplet_nll

    gen = torch.Generator().manual_seed(0)
    w = torch.rand(30, 5, dtype=torch.float64, generator=gen, requires_grad=True)
    t = torch.as_tensor(odd_last(np.random.default_rng(0).permutation(30)[:27].reshape(9, 3)))
    t = torch.cat([t, t[:3]])  # repeated rows accumulate
    loss = triplet_nll(w, t)
    loss.backward()
    nll, grad = nll_and_gradient(w.detach(), t)
    assert float(nll) == pytest.approx(float(loss.detach()), abs=1e-12)
    x, idx = w.detach().numpy(), t.numpy()
    s = np.stack([(x[idx[:, i]] * x[idx[:, j]]).sum(1) for i, j in ((0, 1), (0, 2), (1, 2))], 1)
    assert float(nll) == pytest.approx(np.mean(np.log(np.exp(s).sum(1)) - s[:, 0]), abs=1e-12)
    buffers = GradientBuffers()
    for rows in (t, t[:5], t):  # reused buffers, two batch sizes
        want = torch.autograd.grad(triplet_nll(w, rows), w)[0]
        assert torch.allclose(nll_and_gradient(w.detach(), rows, buffers)[1], want, atol=1e-12)
    assert torch.allclose(grad, w.grad, atol=1e-12)


def test_training_runs_on_the_threads_asked_for_and_restores_the_setting(simulated, monkeypatch):
    import torch

    from cogalign.triplets import _training
    from cogalign.triplets._training import cpu_threads

    before = torch.get_num_threads()
    torch.set_num_threads(2)  # so that one thread is a change to see
    try:
        seen = []
        with cpu_threads(1, "cpu"):
            seen.append(torch.get_num_threads())
        with cpu_threads(None, "cpu"):
            seen.append(torch.get_num_threads())
        assert seen == [1, 2] and torch.get_num_threads() == 2
        with pytest.raises(CogalignError, match="threads"), cpu_threads(0, "cpu"):
            pass
        during = set()
        step = _training.nll_and_gradient

        def watched(*args, **kwargs):
            during.add(torch.get_num_threads())
            return step(*args, **kwargs)

        monkeypatch.setattr(_training, "nll_and_gradient", watched)
        SPoSE(n_dims=5, epochs=2, progress=False).fit(simulated[1])
        assert during == {1} and torch.get_num_threads() == 2
        during.clear()
        SPoSE(n_dims=5, epochs=2, progress=False, threads=None).fit(simulated[1])
        assert during == {2}
    finally:
        torch.set_num_threads(before)
