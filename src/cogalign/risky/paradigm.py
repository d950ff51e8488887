"""The risky-choice paradigm's entry in the paradigm registry."""

from __future__ import annotations

from typing import Any

from cogalign.paradigms import Paradigm

__all__ = ["PARADIGM", "theory_model"]


def theory_model(theory: str) -> Any:
    """A factory of :class:`~cogalign.risky.estimators.RiskyChoiceModel` for one theory."""

    def make(**params: Any) -> Any:
        from cogalign.risky.estimators import RiskyChoiceModel

        return RiskyChoiceModel(theory, **params)

    make.__name__ = f"RiskyChoiceModel_{theory}"
    return make


PARADIGM = Paradigm(
    name="risky",
    title="Risky choice between gambles (choices13k; EV, EU, PT, CPT; language-model probes)",
    schema="risky",
    datasets=("choices13k",),
    simulator="cogalign.risky.simulate:simulate_risky_trials",
    estimators={theory: theory_model(theory) for theory in ("ev", "eu", "pt", "cpt")},
    default_estimator="cpt",
    cv_groups="problem_id",
    study_design="cogalign.risky.study:RiskyDesign",
    commands={
        "fit": "cogalign.risky.cli:fit_risky",
        "compare": "cogalign.risky.cli:compare_risky",
    },
    align="cogalign.risky.alignment:sweep_alignment",
)
