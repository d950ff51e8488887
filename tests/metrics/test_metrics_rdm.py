"""RDM container, conversions, and RDMs from embeddings and ratings."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from cogalign.metrics import (
    RDMInputError,
    RDMs,
    condensed_index,
    dissimilarity_to_similarity,
    rank_transform,
    rdm_from_embedding,
    rdm_from_ratings,
    similarity_to_dissimilarity,
    to_condensed,
    to_square,
)


def test_square_condensed_roundtrip_matches_scipy(rng):
    sq = squareform(pdist(rng.normal(size=(7, 3))))
    vec = to_condensed(sq)
    np.testing.assert_array_equal(vec, squareform(sq, checks=False))
    np.testing.assert_array_equal(to_square(vec), sq)
    stack = np.stack([sq, 2 * sq])
    assert to_condensed(stack).shape == (2, 21)
    np.testing.assert_array_equal(to_square(to_condensed(stack)), stack)


def test_condensed_index_matches_squareform():
    n = 6
    sq = np.zeros((n, n))
    iu, ju = np.triu_indices(n, 1)
    sq[iu, ju] = np.arange(iu.size)
    sq = sq + sq.T
    vec = squareform(sq, checks=False)
    for i in range(n):
        for j in range(n):
            if i != j:
                assert vec[condensed_index(i, j, n)] == sq[i, j]
    with pytest.raises(RDMInputError):
        condensed_index(2, 2, n)


def test_similarity_matrix_is_refused_with_a_hint():
    sim = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.5], [0.2, 0.5, 1.0]])
    with pytest.raises(RDMInputError, match="similarity"):
        to_condensed(sim)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.array([[0, 1, 2], [1, 0, 3], [2, 4, 0.0]]), "not symmetric"),
        (np.array([[0, 1, 2], [1, 0.5, 3], [2, 3, 0.0]]), "non-zero diagonal"),
        (np.ones(4), "n\\*\\(n-1\\)/2"),
        (np.zeros((2, 3, 4)), "shape"),
    ],
)
def test_bad_rdms_raise_clear_errors(matrix, message):
    with pytest.raises(RDMInputError, match=message):
        to_condensed(matrix)


def test_similarity_to_dissimilarity_is_explicit():
    sim = np.array([[7.0, 5.0, 1.0], [5.0, 7.0, 2.0], [1.0, 2.0, 7.0]])
    d = similarity_to_dissimilarity(sim, scale_max=7, scale_min=1)
    np.testing.assert_array_equal(d, [[0, 2, 6], [2, 0, 5], [6, 5, 0]])
    np.testing.assert_array_equal(dissimilarity_to_similarity(d, scale_max=7), sim)
    with pytest.raises(RDMInputError, match="scale_max"):
        similarity_to_dissimilarity(sim, scale_max=4)
    with pytest.raises(RDMInputError, match="scale_min"):
        similarity_to_dissimilarity(sim, scale_max=7, scale_min=2)
    # condensed input keeps NaN
    out = similarity_to_dissimilarity(np.array([0.2, np.nan, 1.0]), scale_max=1.0)
    np.testing.assert_array_equal(np.isnan(out), [False, True, False])


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "correlation", "cosine"])
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_rdm_from_embedding_matches_pdist(rng, metric, chunk):
    x = rng.normal(size=(40, 6))
    ours = rdm_from_embedding(x, metric, chunk_size=chunk)
    np.testing.assert_allclose(ours, pdist(x, metric), rtol=1e-10, atol=1e-12)


def test_rdm_from_embedding_float32_and_out(rng):
    x = rng.normal(size=(30, 5))
    out = np.zeros(435, dtype=np.float32)
    res = rdm_from_embedding(x, "correlation", dtype=np.float32, out=out, chunk_size=4)
    assert res is out and res.dtype == np.float32
    np.testing.assert_allclose(res, pdist(x, "correlation"), rtol=1e-6, atol=1e-7)
    with pytest.raises(RDMInputError, match="zero length"):
        rdm_from_embedding(np.vstack([x, np.zeros(5)]), "cosine")
    with pytest.raises(ValueError, match="unknown metric"):
        rdm_from_embedding(x, "manhattan")


def test_rdm_from_embedding_matches_rsatoolbox(rng):
    rsatoolbox = pytest.importorskip("rsatoolbox")
    x = rng.normal(size=(25, 9))
    ds = rsatoolbox.data.Dataset(x)
    theirs_e = rsatoolbox.rdm.calc_rdm(ds, method="euclidean").get_vectors()[0]
    theirs_c = rsatoolbox.rdm.calc_rdm(ds, method="correlation").get_vectors()[0]
    # rsatoolbox's "euclidean" RDM is the squared distance per feature
    np.testing.assert_allclose(rdm_from_embedding(x, "sqeuclidean") / 9, theirs_e, rtol=1e-10)
    np.testing.assert_allclose(rdm_from_embedding(x, "correlation"), theirs_c, rtol=0, atol=1e-12)


def test_rdm_from_ratings_handles_repeats_missing_and_flip():
    table = {
        "participant_id": ["p1", "p1", "p1", "p1", "p2", "p2"],
        "item_1": ["a", "b", "a", "c", "a", "b"],
        "item_2": ["b", "a", "c", "b", "b", "c"],
        "response": [90.0, 70.0, 10.0, 50.0, 60.0, np.nan],
    }
    r = rdm_from_ratings(table, kind="similarity", scale=(0, 100))
    assert r.labels == ("a", "b", "c")
    assert r.participants == ("p1", "p2")
    # p1: (a,b) rated 90 and (reversed) 70 -> mean 80 -> 20; (a,c) 10 -> 90; (b,c) 50 -> 50
    np.testing.assert_allclose(r.rdms.vectors[0], [20, 90, 50])
    # p2: only (a,b); its (b,c) rating is missing
    np.testing.assert_allclose(r.rdms.vectors[1], [40, np.nan, np.nan])
    np.testing.assert_array_equal(r.counts, [[2, 1, 1], [1, 0, 0]])
    np.testing.assert_allclose(r.mean().vectors[0], [30, 90, 50])
    assert r.coverage() == pytest.approx(4 / 6)
    d = rdm_from_ratings(table, kind="dissimilarity", scale=(0, 100))
    np.testing.assert_allclose(d.rdms.vectors[0], [80, 10, 50])


def test_rdm_from_ratings_errors():
    base = {"participant": ["p"] * 3, "item_a": [0, 0, 1], "item_b": [1, 2, 2]}
    with pytest.raises(RDMInputError, match="outside the scale"):
        rdm_from_ratings(rating=[1, 2, 9], kind="similarity", scale=(1, 7), **base)
    with pytest.raises(RDMInputError, match="itself"):
        rdm_from_ratings(participant=["p"] * 3, item_a=[0, 1, 1], item_b=[1, 1, 2],
                         rating=[1, 2, 3], kind="similarity", scale=(1, 7))
    with pytest.raises(ValueError, match="kind"):
        rdm_from_ratings(rating=[1, 2, 3], kind="distance", scale=(1, 7), **base)
    with pytest.raises(RDMInputError, match="not in labels"):
        rdm_from_ratings(rating=[1, 2, 3], kind="similarity", scale=(1, 7), labels=[0, 1],
                         **base)
    # labels add an unrated item: its pairs stay NaN
    r = rdm_from_ratings(rating=[1, 2, 3], kind="similarity", scale=(1, 7), labels=[0, 1, 2, 3],
                         **base)
    assert r.rdms.n_items == 4 and np.isnan(r.rdms.vectors[0, 2])


def test_rdms_container(rng, make_rdms):
    vec = make_rdms(rng, 3, 5)
    r = RDMs(vec, labels=list("abcde"), names=["x", "y", "z"])
    assert (r.n_rdms, r.n_items, r.n_pairs) == (3, 5, 10)
    assert r[1].names == ("y",)
    np.testing.assert_allclose(r.mean().vectors[0], vec.mean(axis=0))
    np.testing.assert_allclose(r.square()[2], squareform(vec[2]))
    with pytest.raises(RDMInputError, match="labels"):
        RDMs(vec, labels=["a"])
    again = RDMs.from_array(r.square(), labels=r.labels, names=r.names)
    np.testing.assert_allclose(again.vectors, vec)


def test_rank_transform_keeps_nan():
    out = rank_transform(np.array([3.0, np.nan, 1.0, 1.0, 5.0, 2.0]))
    np.testing.assert_array_equal(out, [4.0, np.nan, 1.5, 1.5, 5.0, 3.0])
