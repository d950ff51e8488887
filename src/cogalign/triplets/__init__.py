"""Triplet odd-one-out: simulation, sparse embeddings (SPoSE, VICE) and LLM alignment."""

from cogalign.triplets.arrays import (
    odd_last,
    shown_triplets,
    split_by_triplet,
    triplet_folds,
    triplet_groups,
)
from cogalign.triplets.feature_spose import FeatureSPoSE
from cogalign.triplets.simulate import random_triplets, simulate_triplets, sparse_embedding
from cogalign.triplets.spose import SPoSE, SPoSECV, holdout_accuracy
from cogalign.triplets.validation import cosine_similarity, cross_validate, similarity_accuracy
from cogalign.triplets.vice import VICE, dimension_reproducibility

__all__ = [
    "FeatureSPoSE",
    "SPoSE",
    "SPoSECV",
    "VICE",
    "cosine_similarity",
    "cross_validate",
    "dimension_reproducibility",
    "holdout_accuracy",
    "odd_last",
    "random_triplets",
    "shown_triplets",
    "similarity_accuracy",
    "simulate_triplets",
    "sparse_embedding",
    "split_by_triplet",
    "triplet_folds",
    "triplet_groups",
]
