"""The intertemporal-choice paradigm's entry in the paradigm registry."""

from __future__ import annotations

from cogalign.paradigms import Paradigm, factory

__all__ = ["PARADIGM"]


PARADIGM = Paradigm(
    name="intertemporal",
    title="Intertemporal choice (Ericson 2015; exponential, hyperbolic, quasi-hyperbolic, ITCH)",
    schema="intertemporal",
    datasets=("ericson2015",),
    simulator="cogalign.intertemporal.simulate:simulate_intertemporal",
    estimators={m: factory("cogalign.intertemporal.estimators:IntertemporalChoiceModel", m)
                for m in ("exponential", "hyperbolic", "quasi-hyperbolic", "itch")},
    default_estimator="hyperbolic",
    cv_groups="participant_id",
    study_design="cogalign.intertemporal.study:IntertemporalDesign",
    commands={
        "fit": "cogalign.intertemporal.cli:fit_intertemporal",
        "compare": "cogalign.intertemporal.cli:compare_intertemporal",
    },
)
