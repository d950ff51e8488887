"""Human-subject studies: definitions, trial lists, crash-safe data, PsychoPy, simulations.

A study is a TOML definition file (:mod:`cogalign.studies.definition`) for one of four
paradigms: triplet odd-one-out, pairwise similarity rating, risky choice and intertemporal
choice. Ready-made studies are in the repository's ``studies/`` folder.

>>> from cogalign.studies import load_definition, prepare_study, Session
>>> study = prepare_study(load_definition("studies/risky/study.toml"))  # doctest: +SKIP
>>> trials = study.trials("p001", session=1)                            # doctest: +SKIP

Run one from the command line::

    cogalign study run studies/triplets/study.toml --participant p001
    cogalign study run studies/risky/study.toml --participant sim001 --simulate ev

PsychoPy is imported only by :mod:`cogalign.studies.runner`; everything else (including
simulated participants) works without it.
"""

from cogalign.studies.definition import DefinitionError, StudyDefinition, load_definition
from cogalign.studies.design import Response, Study, Trial, prepare_study
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
    "load_definition",
    "make_model",
    "prepare_study",
    "run_simulated",
    "session_paths",
]
