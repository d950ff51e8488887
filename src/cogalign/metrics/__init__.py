"""Alignment metrics: RDMs, RSA, CKA, shape metrics, triplet agreement, ceilings, inference.

The functions depend on numpy and scipy only; the estimator wrappers (:class:`CKA`,
:class:`CCA`, :class:`LinearMetric`, :class:`OddOneOutModel`, in
:mod:`~cogalign.metrics.estimators`) build on :class:`cogalign.estimator.Estimator`
(scikit-learn) and load on first use. One convention for similarity vs distance:

* functions that take **RDMs** take **dissimilarities** (0 on the diagonal), square or
  condensed (:func:`scipy.spatial.distance.squareform` order); similarities are converted
  explicitly with :func:`similarity_to_dissimilarity` (the scale top is never guessed);
* functions that take **representations** (items x features: :func:`cka`,
  :class:`LinearMetric`, :func:`cca`) say in their docstring whether they return a
  similarity (CKA, CCA) or a distance (shape metrics);
* triplet functions take an **embedding** and use a pair **similarity** (dot or cosine).

Modules: :mod:`~cogalign.metrics.rdm` (RDMs), :mod:`~cogalign.metrics.compare` (``rsa``),
:mod:`~cogalign.metrics.large` (chunked large-N RSA), :mod:`~cogalign.metrics.cka`,
:mod:`~cogalign.metrics.shape`, :mod:`~cogalign.metrics.cca`,
:mod:`~cogalign.metrics.triplets`, :mod:`~cogalign.metrics.ceilings`,
:mod:`~cogalign.metrics.inference`, :mod:`~cogalign.metrics.individual`,
:mod:`~cogalign.metrics.rsatoolbox_io`, :mod:`~cogalign.metrics.estimators`.
"""


from cogalign.lazy import lazy_exports
from cogalign.metrics._checks import RDMInputError
from cogalign.metrics.cca import cca, pwcca, svcca
from cogalign.metrics.ceilings import (
    NoiseCeiling,
    SplitHalf,
    pairs_noise_ceiling,
    pool_rdms,
    rdm_noise_ceiling,
    spearman_brown,
    split_half_reliability,
)
from cogalign.metrics.cka import cka, cka_from_kernels, linear_cka, median_bandwidth, rbf_cka
from cogalign.metrics.compare import METHODS, rank_rows, rsa, rsa_paired
from cogalign.metrics.individual import (
    IndividualAlignment,
    individual_alignment,
    individual_alignment_pairs,
)
from cogalign.metrics.inference import (
    BootstrapResult,
    GroupComparison,
    MantelResult,
    PairedBootstrapResult,
    bootstrap_rsa,
    compare_groups,
    mantel_test,
    paired_bootstrap,
    percentile_interval,
)
from cogalign.metrics.large import rsa_embeddings, rsa_large
from cogalign.metrics.rdm import (
    RatingsRDMs,
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
from cogalign.metrics.rsatoolbox_io import from_rsatoolbox, to_rsatoolbox
from cogalign.metrics.shape import angular_shape_distance, partial_whitening, procrustes_distance
from cogalign.metrics.triplets import (
    TripletAgreement,
    TripletCeiling,
    TripletData,
    fit_temperature,
    odd_one_out_probabilities,
    predict_odd_one_out,
    rdm_from_triplets,
    triplet_agreement,
    triplet_noise_ceiling,
    triplet_similarity,
    triplets_from_table,
)

__all__ = [
    "CCA",
    "CKA",
    "METHODS",
    "BootstrapResult",
    "GroupComparison",
    "IndividualAlignment",
    "LinearMetric",
    "MantelResult",
    "NoiseCeiling",
    "NotFittedError",
    "OddOneOutModel",
    "PairedBootstrapResult",
    "RDMInputError",
    "RDMs",
    "RatingsRDMs",
    "SplitHalf",
    "TripletAgreement",
    "TripletCeiling",
    "TripletData",
    "angular_shape_distance",
    "bootstrap_rsa",
    "cca",
    "cka",
    "cka_from_kernels",
    "compare_groups",
    "condensed_index",
    "dissimilarity_to_similarity",
    "fit_temperature",
    "from_rsatoolbox",
    "individual_alignment",
    "individual_alignment_pairs",
    "linear_cka",
    "mantel_test",
    "median_bandwidth",
    "odd_one_out_probabilities",
    "paired_bootstrap",
    "partial_whitening",
    "percentile_interval",
    "pairs_noise_ceiling",
    "pool_rdms",
    "predict_odd_one_out",
    "procrustes_distance",
    "pwcca",
    "rank_rows",
    "rank_transform",
    "rbf_cka",
    "rdm_from_embedding",
    "rdm_from_ratings",
    "rdm_from_triplets",
    "rdm_noise_ceiling",
    "rsa",
    "rsa_embeddings",
    "rsa_large",
    "rsa_paired",
    "similarity_to_dissimilarity",
    "spearman_brown",
    "split_half_reliability",
    "svcca",
    "to_condensed",
    "to_rsatoolbox",
    "to_square",
    "triplet_agreement",
    "triplet_noise_ceiling",
    "triplet_similarity",
    "triplets_from_table",
]

_ESTIMATORS = ("CCA", "CKA", "LinearMetric", "NotFittedError", "OddOneOutModel")


__getattr__, __dir__ = lazy_exports(__name__, {name: "estimators" for name in _ESTIMATORS})
