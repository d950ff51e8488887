"""Intertemporal choice: discounting models, the ITCH heuristic, hierarchical Bayesian fits."""
