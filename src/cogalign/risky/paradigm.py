"""The risky-choice paradigm's entry in the paradigm registry."""

from __future__ import annotations

from cogalign.paradigms import Paradigm, factory

__all__ = ["PARADIGM"]


PARADIGM = Paradigm(
    name="risky",
    package="cogalign.risky",
    title="Risky choice between gambles (choices13k; EV, EU, PT, CPT; language-model probes)",
    schema="risky",
    datasets=("choices13k",),
    simulator="cogalign.risky.simulate:simulate_risky_trials",
    estimators={theory: factory("cogalign.risky.estimators:RiskyChoiceModel", theory)
                for theory in ("ev", "eu", "pt", "cpt")},
    default_estimator="cpt",
    cv_groups="problem_id",
    study_design="cogalign.risky.study:RiskyDesign",
    demo="cogalign.risky.demo:demo_section",
    commands={
        "fit": "cogalign.risky.cli:fit_risky",
        "compare": "cogalign.risky.cli:compare_risky",
    },
    align="cogalign.risky.alignment:sweep_alignment",
)
