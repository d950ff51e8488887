"""Belief embeddings: a language-model belief space fitted to people's stances.

After Lee et al. (2024): each (issue, side) becomes a statement ("I am in favor of the death
penalty."), a sentence model embeds it, and contrastive fine-tuning on the beliefs people hold
together shapes the space (:class:`BeliefSpace`). A person sits at the mean of their beliefs;
a new stance is predicted by the nearer side; the relative distance of the two sides measures
the dissonance a choice would cause (:mod:`cogalign.beliefs.dissonance`), with a hierarchical
Bayesian choice model (:mod:`cogalign.beliefs.models`). Stance prediction is scored against
strong baselines under two protocols (:mod:`cogalign.beliefs.evaluation`), and language models
take part as believers (:mod:`cogalign.beliefs.predictors`, :mod:`cogalign.beliefs.alignment`).

>>> from cogalign.beliefs import BeliefSpace, load_stances      # doctest: +SKIP
>>> table = load_stances("ddo-big-issues")                        # doctest: +SKIP
>>> space = BeliefSpace("minilm-l6").fit(table)                   # doctest: +SKIP

Importing this package is light: torch, transformers, jax and pymc load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    # data
    "DDO_BIG_ISSUES": "data", "load_stances": "data", "read_stances": "data",
    "read_big_issue_csv": "data", "read_ddo_users": "data", "read_ddo_debates": "data",
    "read_vote_table": "data", "stances_from_groups": "data", "stance_table": "data",
    "participant_table": "data", "stance_matrix": "data",
    "load_plain_pickle": "safe_pickle", "UnsafePickleError": "safe_pickle",
    # statements and the space
    "belief_statements": "statements", "list_templates": "statements",
    "load_template": "statements", "StatementTemplate": "statements",
    "BeliefSpace": "space", "embed_texts": "space", "person_vectors": "space",
    "side_vectors": "space",
    "train_head": "training", "TripletSampler": "training",
    # simulation
    "simulate_believers": "simulate", "HashEncoder": "simulate",
    # prediction and evaluation
    "AlwaysPro": "predictors", "IssueMajority": "predictors", "PersonMajority": "predictors",
    "PartyMajority": "predictors", "LogisticCF": "predictors", "LowRankCF": "predictors",
    "SpaceNearest": "predictors", "SpaceReadout": "predictors", "PromptedLM": "predictors",
    "stance_folds": "evaluation", "cross_validate_stances": "evaluation",
    "classification_metrics": "evaluation", "summarize_folds": "evaluation",
    # people, dissonance, models
    "polarization": "people", "polarization_vs_party": "people", "project_beliefs": "people",
    "relative_dissonance": "dissonance", "signed_dissonance": "dissonance",
    "accuracy_by_dissonance": "dissonance",
    "dissonance_choice_model": "models", "compare_dissonance_models": "models",
    "issue_rdm": "alignment", "human_issue_rdm": "alignment", "compare_belief_spaces": "alignment",
    "stance_correlations": "alignment",
    # headline analysis
    "fit_beliefs": "analysis", "demo_section": "analysis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f"cogalign.beliefs.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cogalign.beliefs' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
