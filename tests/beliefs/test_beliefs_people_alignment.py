"""Polarisation, 2-D maps, and issue-by-issue comparisons of belief spaces."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import squareform

from cogalign.beliefs.alignment import compare_belief_spaces, human_issue_rdm, issue_axes, issue_rdm
from cogalign.beliefs.people import polarization, polarization_vs_party, project_beliefs


def test_polarization_and_party_gap():
    vectors = np.zeros((4, 2, 3))
    vectors[:, 0, 0] = [1.0, 2.0, 3.0, 4.0]
    polar = polarization(vectors, ["a", "b", "c", "d"])
    assert polar["distance"].tolist() == [1.0, 2.0, 3.0, 4.0]
    party = pd.DataFrame({"issue": ["a", "b", "c", "d"], "absolute_difference": [0.1, 0.2, 0.3, 0.5],
                          "paper_distance": [4.0, 3.0, 2.0, 1.0]})
    gap = polarization_vs_party(polar, party)
    assert gap["spearman"] == pytest.approx(1.0) and gap["n"] == 4 and gap["pearson"] > 0.95
    assert polarization_vs_party(polar, party, "paper_distance")["spearman"] == pytest.approx(-1.0)


def test_projection_keeps_the_main_axis():
    rng = np.random.default_rng(0)
    vectors = rng.normal(scale=0.01, size=(5, 2, 6))
    vectors[:, 0, 2] += 3.0
    vectors[:, 1, 2] -= 3.0
    statements, people = project_beliefs(vectors, vectors[:, 0])
    assert statements.shape == (5, 2, 2) and people.shape == (5, 2)
    first = statements[..., 0]
    assert np.all(np.sign(first[:, 0]) == -np.sign(first[:, 1]))
    assert np.allclose(people, statements[:, 0])


def test_human_rdm_reads_correlated_stances():
    rows = []
    for i in range(40):
        s = 1 if i % 2 else -1
        rows += [(f"p{i}", "x", s), (f"p{i}", "y", s), (f"p{i}", "z", -s), (f"p{i}", "w", 1 if i % 4 < 2 else -1)]
    table = pd.DataFrame(rows, columns=["participant_id", "issue", "stance"])
    rdm = squareform(human_issue_rdm(table, ["x", "y", "z", "w"]))
    assert rdm[0, 1] == pytest.approx(0.0) and rdm[0, 2] == pytest.approx(2.0)
    assert rdm[0, 3] == pytest.approx(1.0)


def test_fitted_space_matches_people_better_than_hashed_text(believers, tuned_space, hash_encoder):
    from cogalign.beliefs import BeliefSpace

    base = BeliefSpace(hash_encoder, fine_tune=False).fit(believers)
    spaces = {"hashed": base.vectors_, "fitted": tuned_space.vectors_}
    table = compare_belief_spaces(spaces, believers, tuned_space.issues_, reference="fitted")
    assert table.loc["fitted", "rsa_people"] > 0.8 > table.loc["hashed", "rsa_people"] + 0.3
    assert table.loc["fitted", "cka_reference"] == pytest.approx(1.0)
    assert table.loc["fitted", "rsa_reference"] == pytest.approx(1.0)
    assert issue_axes(tuned_space.vectors_).shape == (10, tuned_space.dim)
    assert len(issue_rdm(tuned_space.vectors_)) == 45
