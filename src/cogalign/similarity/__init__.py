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
:mod:`~cogalign.similarity.wordpairs`
    Word-pair alignment: Spearman with the human mean ratings, bootstrap intervals.
:mod:`~cogalign.similarity.group`
    Full-matrix (group-level) RSA with the noise ceiling.
:mod:`~cogalign.similarity.individual`
    Individual-level Turing RSA and the spread between individuals.
:mod:`~cogalign.similarity.mds`
    Classical and second-order MDS.
:mod:`~cogalign.similarity.sweep`
    Prompt-template x temperature sweeps.
:mod:`~cogalign.similarity.demo`
    The section of ``cogalign demo``.

Figures are in :mod:`cogalign.plots.similarity`; the commands are ``cogalign align
similarity`` and ``cogalign turing-rsa``.

Convention: ratings and model pair scores are **similarities**; RDMs are
**dissimilarities** (:mod:`cogalign.metrics.rdm`), converted explicitly with the scale top.
"""

from cogalign.data.schemas import PAIRWISE as SCHEMA
from cogalign.similarity.group import align_ratings, rsa_alignment
from cogalign.similarity.individual import TuringRSA, population_spread, rsa92_turing, turing_rsa
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
from cogalign.similarity.mds import second_order_mds
from cogalign.similarity.ratings import (
    Reliability,
    group_rdm,
    participant_rdms,
    reliability,
    retest_reliability,
)
from cogalign.similarity.simulate import Rater, RaterPopulation, latent_space
from cogalign.similarity.sweep import prompt_sweep
from cogalign.similarity.wordpairs import align_word_pairs, spearman, word_pair_alignment

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
