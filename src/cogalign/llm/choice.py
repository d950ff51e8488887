"""Forced choice: the probability of each answer option, from log-probabilities.

For a choice among ``k`` options the score of an option is the summed log-probability of its
tokens as a continuation of the prompt, normalised over the options. A
:class:`cogalign.llm.chat.ChatClient` answers through the chat API instead (log-probabilities
when the server returns them, the parsed answer otherwise, errors recorded per prompt).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cogalign.llm.results import ChoiceResult, softmax
from cogalign.llm.scoring import ModelLike, _as_list, _is_chat, local_scores

__all__ = ["choice_logprobs"]


def choice_logprobs(
    prompts: str | Sequence[str],
    options: Sequence[str] | Sequence[Sequence[str]],
    model: ModelLike = "smollm2-135m",
    *,
    system: str | None = None,
    answer_prefix: str = "Answer:",
    chat: bool | str = "auto",
    length_normalize: bool = False,
    batch_size: int = 64,
    device: str | None = "auto",
    dtype: Any = None,
    cache: bool = True,
    progress: bool = True,
) -> ChoiceResult:
    """Forced choice: probability of each option as the answer to each prompt.

    Parameters
    ----------
    prompts
        One prompt or a list (the question, without the answer).
    options
        Answer texts: one list shared by all prompts, or one list per prompt (same length each).
    model
        A local causal model (preset, hub id, path, :class:`LoadedModel`) or a
        :class:`~cogalign.llm.chat.ChatClient`.
    system
        Optional system message.
    answer_prefix
        Text the answer follows (``"Answer:"``); options are scored as ``" " + option``.
    chat
        Use the model's chat template: ``"auto"`` (when it has one), True or False.
    length_normalize
        Normalise by the mean log-probability per token instead of the sum (for options of
        very different token lengths).
    batch_size
        Continuations per forward pass.
    device, dtype
        See :func:`cogalign.llm.load_model`.
    cache
        Read/write the on-disk cache.
    progress
        Show a progress bar.

    Returns
    -------
    ChoiceResult
        ``.prob`` rows sum to 1; ``.logprob`` holds the summed log-probabilities.
    """
    prompts = _as_list(prompts)
    answers = _options_per_prompt(options, len(prompts))
    if _is_chat(model):
        return model.choice(prompts, answers, system=system)
    logprob, n_tokens, _, model_id, meta = local_scores(
        prompts, answers, model, op="choice", system=system, answer_prefix=answer_prefix,
        chat=chat, numeric_end=False, batch_size=batch_size, device=device, dtype=dtype,
        cache=cache, progress=progress,
    )
    scores = logprob / n_tokens if length_normalize else logprob
    meta["length_normalize"] = length_normalize
    return ChoiceResult(
        prompts=prompts, options=answers, logprob=logprob, n_tokens=n_tokens,
        prob=softmax(scores, axis=1), model_id=model_id, errors=meta.pop("errors"), meta=meta,
    )


def _options_per_prompt(options: Any, n: int) -> list[list[str]]:
    if isinstance(options, str):
        raise TypeError("options must be a list of answer texts")
    opts = list(options)
    if not opts:
        raise ValueError("no options given")
    if all(isinstance(o, str) for o in opts):
        per = [list(opts) for _ in range(n)]
    else:
        per = [[str(x) for x in o] for o in opts]
        if len(per) != n:
            raise ValueError(f"{len(per)} option lists for {n} prompts")
    k = len(per[0])
    if k < 2 or any(len(o) != k for o in per):
        raise ValueError("every prompt needs the same number (at least 2) of options")
    return per
