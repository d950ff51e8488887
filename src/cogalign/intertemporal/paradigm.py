"""The intertemporal-choice paradigm's entry in the paradigm registry."""

from __future__ import annotations

from typing import Any

from cogalign.paradigms import Paradigm

__all__ = ["PARADIGM", "discounting_model"]


def discounting_model(model: str) -> Any:
    """A factory of :class:`~cogalign.intertemporal.estimators.IntertemporalChoiceModel`."""

    def make(**params: Any) -> Any:
        from cogalign.intertemporal.estimators import IntertemporalChoiceModel

        return IntertemporalChoiceModel(model, **params)

    make.__name__ = f"IntertemporalChoiceModel_{model}"
    return make


PARADIGM = Paradigm(
    name="intertemporal",
    title="Intertemporal choice (Ericson 2015; exponential, hyperbolic, quasi-hyperbolic, ITCH)",
    schema="intertemporal",
    datasets=("ericson2015",),
    simulator="cogalign.intertemporal.simulate:simulate_intertemporal",
    estimators={m: discounting_model(m)
                for m in ("exponential", "hyperbolic", "quasi-hyperbolic", "itch")},
    default_estimator="hyperbolic",
    cv_groups="participant_id",
    study_design="cogalign.intertemporal.study:IntertemporalDesign",
    commands={
        "fit": "cogalign.intertemporal.cli:fit_intertemporal",
        "compare": "cogalign.intertemporal.cli:compare_intertemporal",
    },
)
