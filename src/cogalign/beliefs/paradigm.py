"""The belief-embeddings paradigm's entry in the paradigm registry."""

from __future__ import annotations

from cogalign.paradigms import Paradigm

__all__ = ["PARADIGM"]

PARADIGM = Paradigm(
    name="beliefs",
    package="cogalign.beliefs",
    title="Belief embeddings (debate.org stances; belief space, relative dissonance)",
    schema="beliefs",
    datasets=("ddo-big-issues", "ddo-issue-party"),
    simulator="cogalign.beliefs.simulate:simulate_believers",
    estimators={"belief-space": "cogalign.beliefs.space:BeliefSpace"},
    default_estimator="belief-space",
    cv_groups="participant_id",
    commands={
        "fit": "cogalign.beliefs.cli:fit_beliefs_command",
        "align": "cogalign.beliefs.cli:align_beliefs_command",
    },
    demo="cogalign.beliefs.analysis:demo_section",
    align="cogalign.beliefs.sweep:sweep_alignment",
    reader="cogalign.beliefs.data:read_stances",
)
