"""Language models as raters: embedding similarity, prompted ratings, synthetic individuals.

The prompted tests share one item set (every pair of five words, one item order) so each
template's prompts are scored once per session and read from the cache afterwards.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from cogalign.data import validate
from cogalign.data.schemas import PAIRWISE
from cogalign.errors import CogalignError
from cogalign.similarity import (
    TEMPLATES,
    embedding_rdms,
    embedding_similarity,
    list_templates,
    load_template,
    participant_rdms,
    prompt_ratings,
    prompt_rdm,
    prompt_sweep,
    synthetic_participants,
)
from cogalign.similarity.llm import task_for_scale

WORDS = ("cat", "dog", "car", "truck", "apple")
PAIRS = list(itertools.combinations(WORDS, 2))
A = [a for a, _ in PAIRS]
B = [b for _, b in PAIRS]
#: a rough human similarity (0-10) for the ten pairs, for the sweep's correlations
HUMAN = np.array([7.0, 1.0, 1.0, 1.5, 1.0, 1.0, 1.5, 8.0, 0.5, 0.5])


def test_every_template_loads_as_a_two_item_rating_task():
    assert set(TEMPLATES) <= set(list_templates())
    for name in list_templates():
        task = load_template(name)
        assert task.kind == "rating" and set(task.fields) == {"item_1", "item_2"}
        prompt, answers = task.render({"item_1": "cat", "item_2": "dog"}, (1, 0))
        assert prompt.index("dog") < prompt.index("cat")
        assert answers[0] == str(task.scale[0]) and answers[-1] == str(task.scale[1])
    assert task_for_scale((1, 7)) == "similarity-1-7"
    with pytest.raises(CogalignError, match="scale"):
        task_for_scale((1, 5))
    with pytest.raises(CogalignError, match="unknown prompt template"):
        load_template("no-such-template")
    with pytest.raises(CogalignError, match="rating task"):
        load_template("odd-one-out")


@pytest.mark.llm
def test_embedding_similarity_is_the_cosine_of_embed():
    from cogalign.llm import embed

    sim, layers = embedding_similarity(A, B, model="minilm-l6", layers="last", progress=False)
    assert layers == [6] and sim.shape == (10, 1)
    reps = embed(sorted(WORDS), model="minilm-l6", layers=[6], pooling="sentence",
                 progress=False)
    x = {w: reps.array[i, 0] for i, w in enumerate(reps.items)}
    cos = [x[a] @ x[b] / np.linalg.norm(x[a]) / np.linalg.norm(x[b]) for a, b in PAIRS]
    np.testing.assert_allclose(sim[:, 0], cos, atol=1e-6)
    # cat-dog and car-truck are the most similar pairs
    top = {PAIRS[i] for i in np.argsort(sim[:, 0])[-2:]}
    assert top == {("cat", "dog"), ("car", "truck")}
    rdms = embedding_rdms(list(WORDS), model="minilm-l6", layers="0,-1", progress=False)
    assert rdms.names == ("layer 0", "layer 6") and rdms.labels == WORDS
    # RDM = cosine distance: condensed order of the pairs above is itertools.combinations
    np.testing.assert_allclose(rdms.vectors[1], 1 - sim[:, 0], atol=1e-6)
    with pytest.raises(CogalignError, match="out of range"):
        embedding_similarity(A, B, model="minilm-l6", layers="40", progress=False)


@pytest.mark.llm
def test_prompt_method_needs_a_causal_model():
    with pytest.raises(CogalignError, match="causal"):
        prompt_ratings(A, B, model="minilm-l6", progress=False)


@pytest.mark.llm
@pytest.mark.slow
def test_prompt_ratings_expected_value_of_the_answer_distribution():
    from cogalign.llm import judge

    out = prompt_ratings(A, B, model="smollm2-135m", orders="one", progress=False)
    assert list(out.columns[:3]) == ["item_a", "item_b", "expected"]
    assert out.attrs["template"] == "similarity-0-10" and out.attrs["scale"] == (0, 10)
    assert out["expected"].between(0, 10).all() and out["valid_mass"].between(0, 1).all()
    assert out["order_effect"].isna().all()
    ref = judge(pd.DataFrame({"item_1": A, "item_2": B}), "similarity-0-10",
                model="smollm2-135m", progress=False)
    np.testing.assert_allclose(out["expected"], ref["expected"], rtol=1e-9)
    np.testing.assert_allclose(out["sd"], ref["sd"], rtol=1e-6, atol=1e-9)
    rdm, ratings = prompt_rdm(list(WORDS), model="smollm2-135m", template="similarity-0-10",
                              orders="one", progress=False)
    # dissimilarity = scale top - expected rating, in condensed (combinations) order
    np.testing.assert_allclose(rdm.vectors[0], 10 - out["expected"].to_numpy())
    assert rdm.labels == WORDS and len(ratings) == 10


@pytest.mark.llm
@pytest.mark.slow
def test_align_word_pairs_prompt_method():
    from cogalign.similarity import align_word_pairs, spearman

    table = pd.DataFrame({"word_a": A, "word_b": B, "similarity": HUMAN})
    summary, values = align_word_pairs(table, model="smollm2-135m", method="prompt",
                                       orders="one", n_boot=100, progress=False)
    assert summary["layer"].tolist() == ["prompt"] and summary["n_pairs"].iloc[0] == 10
    assert summary["template"].iloc[0] == "similarity-0-10"
    assert summary["spearman"].iloc[0] == pytest.approx(spearman(HUMAN, values["prompt"]))
    assert 0 < summary["valid_mass"].iloc[0] <= 1


@pytest.mark.llm
@pytest.mark.slow
def test_synthetic_individuals_form_a_pairwise_table():
    table = synthetic_participants(A, B, model="smollm2-135m", n_participants=4,
                                   temperature=1.0, orders="one", seed=1, progress=False)
    validate(table.drop(columns=["template", "temperature"]), PAIRWISE)
    assert table["participant_id"].nunique() == 4 and len(table) == 40
    assert table["rating"].between(0, 10).all()
    again = synthetic_participants(A, B, model="smollm2-135m", n_participants=4,
                                   temperature=1.0, orders="one", seed=1, progress=False)
    pd.testing.assert_frame_equal(table, again)
    greedy = synthetic_participants(A, B, model="smollm2-135m", n_participants=3,
                                    temperature=0.0, orders="one", seed=2, progress=False)
    # temperature 0: every individual gives the mode, so they are identical
    wide = greedy.pivot(index="trial", columns="participant_id", values="rating")
    assert (wide.nunique(axis=1) == 1).all()
    rdms = participant_rdms(table, labels=list(WORDS)).rdms
    assert rdms.n_rdms == 4 and not np.isnan(rdms.vectors).any()


@pytest.mark.llm
@pytest.mark.slow
def test_prompt_sweep_is_a_tidy_table():
    table = prompt_sweep(A, B, HUMAN, model="smollm2-135m",
                         templates=["similarity-0-10", "similarity-0-10-meaning"],
                         temperatures=[0.0, 1.0], n_participants=3, orders="one", seed=0,
                         progress=False)
    assert len(table) == 2 * 3
    assert table["rater"].tolist() == ["expected", "synthetic", "synthetic"] * 2
    assert table["template"].unique().tolist() == ["similarity-0-10",
                                                   "similarity-0-10-meaning"]
    synth = table[table["rater"] == "synthetic"]
    assert synth["temperature"].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert (synth.loc[synth["temperature"] == 0, "synthetic_agreement"].dropna() > 0.99).all()
    # NaN where the greedy individuals give one rating to every pair (a constant vector)
    rho = table["group_spearman"]
    assert (rho.between(-1, 1) | rho.isna()).all() and rho.notna().sum() >= 3
    assert table["human_agreement"].isna().all()
