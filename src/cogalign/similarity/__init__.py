"""Pairwise similarity and Turing RSA: human and LLM ratings, group- and individual-level alignment.

Modules
-------
:mod:`~cogalign.similarity.ratings`
    Ratings table (:data:`SCHEMA`, the ``PAIRWISE`` schema) -> per-participant and group RDMs
    (dissimilarities), reliability (split-half with Spearman-Brown, noise ceiling,
    test-retest).
:mod:`~cogalign.similarity.simulate`
    Raters around a shared latent space with individual variation.
:mod:`~cogalign.similarity.llm`
    Language models as raters: embedding similarity per layer; prompted ratings (expected
    rating, both item orders, several templates); synthetic individuals sampled at a
    temperature. Imports torch only when a model is used.
:mod:`~cogalign.similarity.analysis`
    Word-pair alignment with bootstrap intervals, full-matrix RSA with the noise ceiling,
    individual-level Turing RSA, template x temperature sweeps.

Figures are in :mod:`cogalign.plots.similarity`; the commands are ``cogalign align
similarity`` and ``cogalign turing-rsa``.

Convention: ratings and model pair scores are **similarities**; RDMs are
**dissimilarities** (:mod:`cogalign.metrics.rdm`), converted explicitly with the scale top.
"""

from cogalign.data.schemas import PAIRWISE as SCHEMA
from cogalign.similarity.analysis import (
    TuringRSA,
    align_ratings,
    align_word_pairs,
    population_spread,
    prompt_sweep,
    rsa92_turing,
    rsa_alignment,
    second_order_mds,
    spearman,
    turing_rsa,
    word_pair_alignment,
)
from cogalign.similarity.llm import (
    TEMPLATES,
    embedding_rdms,
    embedding_similarity,
    list_templates,
    load_template,
    prompt_ratings,
    prompt_rdm,
    synthetic_participants,
)
from cogalign.similarity.ratings import (
    Reliability,
    group_rdm,
    participant_rdms,
    reliability,
    retest_reliability,
)
from cogalign.similarity.simulate import Rater, RaterPopulation, latent_space

__all__ = [
    "SCHEMA",
    "TEMPLATES",
    "Rater",
    "RaterPopulation",
    "Reliability",
    "TuringRSA",
    "align_ratings",
    "align_word_pairs",
    "embedding_rdms",
    "embedding_similarity",
    "group_rdm",
    "latent_space",
    "list_templates",
    "load_template",
    "participant_rdms",
    "population_spread",
    "prompt_rdm",
    "prompt_ratings",
    "prompt_sweep",
    "reliability",
    "rsa92_turing",
    "rsa_alignment",
    "second_order_mds",
    "spearman",
    "synthetic_participants",
    "retest_reliability",
    "turing_rsa",
    "word_pair_alignment",
]
