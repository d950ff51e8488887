"""Risky choice: classic models, hierarchical Bayesian fits, LLM probes.

Models of risky choice - expected value (EV), expected utility (EU), prospect theory (PT;
Kahneman & Tversky 1979) and cumulative prospect theory (CPT; Tversky & Kahneman 1992) with
Tversky-Kahneman, Prelec (1998) or linear-in-log-odds weighting, loss aversion and a logit
choice rule. Each has a simulator, a NumPyro model (plus its PyMC twin) for aggregate choice
rates or single trials, hierarchical non-centred versions, and a scikit-learn style estimator.
:mod:`cogalign.risky.probes` reads choice rates out of language-model embeddings of the gambles
(Zhu, Yan & Griffiths 2024) with grouped cross-validation; :mod:`cogalign.risky.analysis` holds
the headline analysis. Intertemporal choice is :mod:`cogalign.intertemporal`.

>>> from cogalign.risky import RiskyChoiceModel, simulate_rates
>>> table = simulate_rates(n_problems=100, seed=0)
>>> RiskyChoiceModel("cpt").fit(table).summary_             # doctest: +SKIP

Importing this package is light: jax, numpyro, pymc, arviz and torch load on first use.
"""

from __future__ import annotations

from cogalign.lazy import lazy_exports

_EXPORTS = {
    # functions
    "THEORIES": "functions", "WEIGHTINGS": "functions",
    "choice_logits": "functions", "choice_probability": "functions",
    "cpt_decision_weights": "functions", "cpt_utility": "functions",
    "certainty_equivalent": "functions", "eu_utility": "functions",
    "expected_value": "functions", "gamble_utility": "functions",
    "power_utility": "functions", "pt_utility": "functions", "value_function": "functions",
    "weight": "functions", "weight_lio": "functions", "weight_prelec": "functions",
    "weight_tk": "functions",
    # gambles and data
    "gamble_arrays": "gambles", "problem_arrays": "gambles", "rates_to_counts": "gambles",
    "select_ambiguous": "gambles",
    "load_risky": "data", "read_risky": "data",
    # models
    "risky_rates_model": "models", "risky_trials_model": "models", "risky_params": "models",
    # likelihoods
    "rates_log_likelihood": "likelihoods", "risky_rates_log_likelihood": "likelihoods",
    # simulators
    "random_problems": "simulate", "simulate_rates": "simulate",
    "simulate_risky_trials": "simulate",
    # estimators
    "RiskyChoiceModel": "estimators", "r2_score": "estimators",
    # probes and analyses
    "EmbeddingProbe": "probes", "FeatureRegressor": "probes", "gamble_text": "probes",
    "embed_problems": "probes", "gamble_features": "probes", "grouped_folds": "probes",
    "cross_validate_rates": "probes", "prompted_choice_probabilities": "probes",
    "compare_choices13k": "analysis",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
