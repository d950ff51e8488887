"""The similarity analyses under one name: each lives in the module of its concern.

* :mod:`~cogalign.similarity.wordpairs`: word-pair alignment (Spearman with bootstrap
  intervals; a language model on ``simlex999`` / ``wordsim353``);
* :mod:`~cogalign.similarity.group`: group-level RSA with the noise ceiling;
* :mod:`~cogalign.similarity.individual`: individual-level Turing RSA;
* :mod:`~cogalign.similarity.mds`: classical and second-order MDS;
* :mod:`~cogalign.similarity.sweep`: prompt-template x temperature sweeps;
* :mod:`~cogalign.similarity.demo`: the section of ``cogalign demo``.

This module keeps the earlier import path (``cogalign.similarity.analysis``) working for all
of them.
"""

from cogalign.similarity.demo import demo_section
from cogalign.similarity.group import align_ratings, rsa_alignment
from cogalign.similarity.individual import TuringRSA, population_spread, rsa92_turing, turing_rsa
from cogalign.similarity.mds import classical_mds, second_order_mds
from cogalign.similarity.sweep import prompt_sweep
from cogalign.similarity.wordpairs import (
    WORD_PAIR_DATASETS,
    align_word_pairs,
    spearman,
    subsample_pairs,
    word_pair_alignment,
)

__all__ = [
    "WORD_PAIR_DATASETS",
    "TuringRSA",
    "align_ratings",
    "align_word_pairs",
    "classical_mds",
    "demo_section",
    "population_spread",
    "prompt_sweep",
    "rsa92_turing",
    "rsa_alignment",
    "second_order_mds",
    "spearman",
    "subsample_pairs",
    "turing_rsa",
    "word_pair_alignment",
]
