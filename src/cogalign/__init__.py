"""cogalign: human-subject studies, cognitive models and human-vs-language-model alignment.

The package is organised as a core (``cogalign.data``, ``cogalign.metrics``, ``cogalign.llm``,
``cogalign.bayes``, ``cogalign.studies``, ``cogalign.paradigms``) and one subpackage per
paradigm (``cogalign.triplets``, ``cogalign.similarity``, ``cogalign.risky``, ...). Importing
``cogalign`` imports none of them.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
