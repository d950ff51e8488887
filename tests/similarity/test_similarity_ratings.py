"""Ratings -> per-participant and group RDMs (dissimilarities), and their reliability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cogalign.errors import CogalignError
from cogalign.metrics import rdm_noise_ceiling, split_half_reliability
from cogalign.similarity import group_rdm, participant_rdms, reliability, retest_reliability


def _table(**extra):
    base = {
        "participant_id": ["p1", "p1", "p1", "p1", "p2", "p2"],
        "trial": [0, 1, 2, 3, 0, 1],
        "item_a": ["a", "b", "a", "b", "a", "c"],
        "item_b": ["b", "a", "c", "c", "b", "b"],
        "rating": [7.0, 5.0, 1.0, 4.0, 2.0, 6.0],
        "scale_min": 1.0,
        "scale_max": 7.0,
    }
    base.update(extra)
    return pd.DataFrame(base)


def test_rdms_average_repeats_in_either_order_and_flip_the_scale():
    r = participant_rdms(_table())
    assert r.labels == ("a", "b", "c") and r.participants == ("p1", "p2")
    # condensed order ab, ac, bc; d = 7 - rating; p1 rated ab twice (7 and 5 -> 6 -> d 1)
    np.testing.assert_allclose(r.rdms.vectors[0], [1.0, 6.0, 3.0])
    np.testing.assert_allclose(r.rdms.vectors[1], [5.0, np.nan, 1.0])
    np.testing.assert_array_equal(r.counts, [[2, 1, 1], [1, 0, 1]])
    np.testing.assert_allclose(group_rdm(_table()).vectors[0], [3.0, 6.0, 2.0])


def test_scale_argument_overrides_and_is_required_without_columns():
    table = _table().drop(columns=["scale_min", "scale_max"])
    with pytest.raises(CogalignError, match="scale"):
        participant_rdms(table)
    r = participant_rdms(table, scale=(0, 10))
    np.testing.assert_allclose(r.rdms.vectors[0], [4.0, 9.0, 6.0])


def test_mixed_scales_and_out_of_scale_ratings_are_refused():
    with pytest.raises(CogalignError, match="mixes rating scales"):
        participant_rdms(_table(scale_max=[7, 7, 7, 7, 100, 100]))
    with pytest.raises(CogalignError, match="outside the scale"):
        participant_rdms(_table(rating=[7.0, 5.0, 1.0, 4.0, 2.0, 9.0]))


def test_attention_checks_and_practice_are_left_out():
    table = _table(is_attention_check=[False, False, False, True, False, False],
                   is_practice=[False] * 5 + [True])
    r = participant_rdms(table)
    np.testing.assert_allclose(r.rdms.vectors[0], [1.0, 6.0, np.nan])
    np.testing.assert_allclose(r.rdms.vectors[1], [5.0, np.nan, np.nan])


def test_labels_fix_the_row_order():
    r = participant_rdms(_table(), labels=["c", "b", "a"])
    # pairs cb, ca, ba
    np.testing.assert_allclose(r.rdms.vectors[0], [3.0, 6.0, 1.0])


def test_reliability_uses_the_metrics_module(ratings):
    rdms = participant_rdms(ratings).rdms
    rel = reliability(ratings, n_splits=50, seed=4)
    half = split_half_reliability(rdms, "spearman", n_splits=50, seed=4)
    ceiling = rdm_noise_ceiling(rdms, "spearman")
    assert rel.split_half_r == pytest.approx(half.r)
    assert rel.split_half_reliability == pytest.approx(2 * half.r / (1 + half.r))
    assert (rel.noise_ceiling_lower, rel.noise_ceiling_upper) == pytest.approx(
        (ceiling.lower, ceiling.upper))
    assert rel.n_participants == 15
    assert 0 < rel.noise_ceiling_lower < rel.noise_ceiling_upper < 1
    assert 0.3 < rel.test_retest < 1
    assert rel.to_dict()["method"] == "spearman"
    # from RDMs: no repeats to compare
    assert np.isnan(reliability(rdms, n_splits=10).test_retest)


def test_retest_matches_scipy(ratings):
    out = retest_reliability(ratings)
    assert len(out) == 15 and (out["n_pairs"] == 10).all()
    one = ratings[ratings["participant_id"] == out["participant_id"].iloc[0]]
    key = one.apply(lambda r: tuple(sorted((r["item_a"], r["item_b"]))), axis=1)
    first = one[one["repeat"] == 0].set_index(key[one["repeat"] == 0])["rating"]
    again = one[one["repeat"] == 1].set_index(key[one["repeat"] == 1])["rating"]
    x, y = first[again.index].to_numpy(), again.to_numpy()
    assert out["pearson"].iloc[0] == pytest.approx(stats.pearsonr(x, y)[0])
    assert out["spearman"].iloc[0] == pytest.approx(stats.spearmanr(x, y)[0])
    with pytest.raises(CogalignError, match="repeat"):
        retest_reliability(ratings.drop(columns="repeat"))
