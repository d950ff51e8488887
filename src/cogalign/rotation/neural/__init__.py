"""The three-stage neural model of mental rotation, its ablations, and its fit to people.

Stages
------
1. Perception (:mod:`~cogalign.rotation.neural.encoders`): an equivariant neural renderer,
   image -> 3-D feature volume -> image, trained so that turning the volume by ``R`` and
   decoding gives the view turned by ``R`` (:mod:`~cogalign.rotation.neural.volume`); the
   ablation is a plain CNN code vector turned by a learned network.
2. The neuro-symbolic object code (:mod:`~cogalign.rotation.neural.symbolic`): from the
   latent, each arm's direction and length, from which the object-centred arm code of the
   stimulus generator is read exactly (:mod:`~cogalign.rotation.neural.shapes`).
3. Decision agents (:mod:`~cogalign.rotation.neural.agents`): a recurrent agent that
   compares the two descriptions and turns the latent step by step until it answers same or
   mirror; the seed paper's public-code variant (Bayesian optimisation of the angle with a
   rotation cost); and a one-shot classifier.

:mod:`~cogalign.rotation.neural.config` holds the settings and the ablation switches,
:mod:`~cogalign.rotation.neural.training` trains (resumable, seeded),
:mod:`~cogalign.rotation.neural.network` saves and loads,
:mod:`~cogalign.rotation.neural.evaluation` measures each stage on held-out shapes,
:mod:`~cogalign.rotation.neural.people` fits the step-to-seconds map on half the people and
scores the other half, :mod:`~cogalign.rotation.neural.estimators` wraps that as an
estimator and :mod:`~cogalign.rotation.neural.simulate` makes the model a simulated
participant. Importing this package does not import torch; its modules do.
"""

from __future__ import annotations

__all__: list[str] = []
