"""The pairwise-similarity (Turing RSA) paradigm's entry in the paradigm registry."""

from __future__ import annotations

from cogalign.paradigms import Paradigm

__all__ = ["PARADIGM"]

PARADIGM = Paradigm(
    name="similarity",
    package="cogalign.similarity",
    title="Pairwise similarity ratings and Turing RSA (word pairs, RDMs, individual raters)",
    schema="similarity",
    datasets=("rsa92", "simlex999", "wordsim353", "wordsim353-raters-set1",
              "wordsim353-raters-set2", "card660"),
    simulator="cogalign.similarity.simulate:RaterPopulation",
    study_design="cogalign.similarity.study:SimilarityDesign",
    commands={
        "align": "cogalign.similarity.cli:align_similarity",
        "turing-rsa": "cogalign.similarity.cli:turing_rsa",
    },
    demo="cogalign.similarity.demo:demo_section",
    align="cogalign.similarity.sweep:sweep_alignment",
)
