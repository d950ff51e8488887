"""Converters to and from rsatoolbox keep values, labels and names."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.metrics import RDMs, from_rsatoolbox, rsa, to_rsatoolbox

rsatoolbox = pytest.importorskip("rsatoolbox")


def test_roundtrip(rng, make_rdms):
    vec = make_rdms(rng, 3, 6)
    ours = RDMs(vec, labels=list("abcdef"), names=["p1", "p2", "p3"])
    theirs = to_rsatoolbox(ours)
    assert isinstance(theirs, rsatoolbox.rdm.RDMs)
    np.testing.assert_array_equal(theirs.get_vectors(), vec)
    assert list(theirs.pattern_descriptors["label"]) == list("abcdef")
    back = from_rsatoolbox(theirs)
    np.testing.assert_array_equal(back.vectors, vec)
    assert back.labels == ours.labels and back.names == ours.names
    # rsatoolbox objects are accepted wherever RDMs are
    assert rsa(theirs, vec[0]).shape == (3,)


def test_square_input(rng, make_rdms):
    from scipy.spatial.distance import squareform

    vec = make_rdms(rng, 1, 5)[0]
    theirs = to_rsatoolbox(squareform(vec), dissimilarity_measure="euclidean")
    assert theirs.dissimilarity_measure == "euclidean"
    np.testing.assert_array_equal(theirs.get_vectors()[0], vec)
