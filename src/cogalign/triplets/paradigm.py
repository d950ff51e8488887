"""The triplet odd-one-out paradigm's entry in the paradigm registry."""

from __future__ import annotations

from cogalign.paradigms import Paradigm

__all__ = ["PARADIGM"]

PARADIGM = Paradigm(
    name="triplets",
    package="cogalign.triplets",
    title="Triplet odd-one-out similarity (THINGS; SPoSE, VICE, language models)",
    schema="triplets",
    datasets=("things-triplets-test", "things-concepts"),
    simulator="cogalign.triplets.simulate:simulate_triplets",
    estimators={
        "feature-spose": "cogalign.triplets.feature_spose:FeatureSPoSE",
        "spose": "cogalign.triplets.spose:SPoSE",
        "vice": "cogalign.triplets.vice:VICE",
    },
    default_estimator="feature-spose",
    cv_groups="cogalign.triplets.arrays:triplet_groups",
    study_design="cogalign.triplets.study:TripletDesign",
    commands={
        "fit": "cogalign.triplets.cli:fit_triplets",
        "align": "cogalign.triplets.cli:align_triplets",
    },
    demo="cogalign.triplets.demo:demo_section",
    align="cogalign.triplets.alignment:sweep_alignment",
)
