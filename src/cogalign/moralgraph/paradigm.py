"""The moral-graph paradigm's declaration for the paradigm registry (:mod:`cogalign.paradigms`)."""

from __future__ import annotations

from cogalign.paradigms import Paradigm

__all__ = ["PARADIGM"]

PARADIGM = Paradigm(
    name="moralgraph",
    package="cogalign.moralgraph",
    title="Moral graph elicitation: values cards, wisdom-upgrade votes, value rankings",
    schema="moralgraph",
    datasets=("moralgraph-mge-prolific", "moralgraph-mge-all"),
    estimators={
        "bradley-terry": "cogalign.moralgraph.bradley_terry:BradleyTerry",
        "bayes-bradley-terry": "cogalign.moralgraph.bradley_terry:BayesianBradleyTerry",
    },
    default_estimator="bradley-terry",
    commands={"group": "cogalign.moralgraph.cli:moralgraph_group"},
    demo="cogalign.moralgraph.analysis:demo_section",
    align="cogalign.moralgraph.llm:sweep_alignment",
    online_flow="cogalign.moralgraph.online:FLOW_KIND",
)
