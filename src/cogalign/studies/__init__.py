"""Human-subject studies: definitions, trial lists, crash-safe data, PsychoPy, simulations.

A study is a TOML definition file (:mod:`cogalign.studies.definition`) for a registered
paradigm whose package declares a study design (triplet odd-one-out, pairwise similarity
rating, risky choice, intertemporal choice, ...). Ready-made studies ship in the paradigms'
packages (:mod:`cogalign.studies.library`; ``cogalign study list``).

>>> from cogalign.studies import find_definition, load_definition, prepare_study
>>> path, _ = find_definition("risky")          # a shipped study, by name
>>> study = prepare_study(load_definition(path))
>>> len(study.trials("p001", session=1)) > 0
True

Run one from the command line::

    cogalign study run triplets --participant p001
    cogalign study run risky --participant sim001 --simulate ev

PsychoPy is imported only by :mod:`cogalign.studies.runner`; everything else (including
simulated participants) works without it.
"""

from cogalign.studies.definition import DefinitionError, StudyDefinition, load_definition
from cogalign.studies.design import Response, Study, Trial, prepare_study
from cogalign.studies.library import copy_study, find_definition, shipped_studies
from cogalign.studies.session import Session, check_participant, session_paths
from cogalign.studies.simulate import make_model, run_simulated
from cogalign.studies.writer import TrialWriter

__all__ = [
    "DefinitionError",
    "Response",
    "Session",
    "Study",
    "StudyDefinition",
    "Trial",
    "TrialWriter",
    "check_participant",
    "copy_study",
    "find_definition",
    "load_definition",
    "make_model",
    "prepare_study",
    "run_simulated",
    "session_paths",
    "shipped_studies",
]
