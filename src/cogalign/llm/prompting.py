"""What a local causal model reads: chat formatting of a prompt and the token ids of its answers.

A prompt is formatted once (the model's chat template when it has one, else plain text ending
in the answer prefix) and each answer is tokenized *as a continuation* of it, so tokenizers
that merge across the boundary are handled.
"""

from __future__ import annotations

from collections.abc import Sequence

from cogalign.errors import shorten
from cogalign.llm.models import LoadedModel

__all__ = ["format_prompt"]


def _use_chat(lm: LoadedModel, chat: bool | str) -> bool:
    if chat == "auto":
        return getattr(lm.tokenizer, "chat_template", None) is not None
    return bool(chat)


def format_prompt(
    lm: LoadedModel, text: str, *, system: str | None = None, answer_prefix: str = "", chat: bool | str = "auto"
) -> str:
    """Return the exact text a local model continues.

    With chat formatting the text becomes the user turn of the model's chat template and the
    assistant turn starts with ``answer_prefix``; without it the prompt is
    ``[system + blank line] + text + newline + answer_prefix``.
    """
    if lm.kind != "causal":
        raise ValueError(f"judgments need a causal language model; {lm.name!r} is {lm.kind}")
    if _use_chat(lm, chat):
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": text}
        ]
        rendered = lm.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return rendered + answer_prefix
    head = f"{system}\n\n" if system else ""
    return f"{head}{text}\n{answer_prefix}"


def _encode_prompt(lm: LoadedModel, prompt: str, chat_formatted: bool) -> list[int]:
    tok = lm.tokenizer
    ids = list(tok(prompt, add_special_tokens=not chat_formatted)["input_ids"])
    special = set(tok.all_special_ids)
    sink = lm.sink_token_id()
    if sink is not None and (not ids or ids[0] not in special):
        ids = [sink] + ids
    return ids


def _encode_continuations(lm: LoadedModel, prompt: str, answers: Sequence[str], chat_formatted: bool) -> list[list[int]]:
    """Token ids of each answer as a continuation of ``prompt``.

    The prompt and prompt + answer are tokenized together, so a tokenizer that merges across
    the boundary is handled; when the merge changes the prompt's own tokens, the answer is
    tokenized on its own.
    """
    tok = lm.tokenizer
    sep = "" if (not prompt or prompt[-1].isspace()) else " "
    base = list(tok(prompt, add_special_tokens=not chat_formatted)["input_ids"])
    texts = [prompt + sep + a for a in answers]
    joint = tok(texts, add_special_tokens=not chat_formatted)["input_ids"]
    out = []
    for answer, ids in zip(answers, joint, strict=True):
        ids = list(ids)
        if ids[: len(base)] == base and len(ids) > len(base):
            cont = ids[len(base) :]
        else:
            cont = list(tok(sep + answer, add_special_tokens=False)["input_ids"])
        if not cont:
            raise ValueError(f"answer {shorten(answer)} has no tokens")
        out.append(cont)
    return out


def _digit_mask(lm: LoadedModel, size: int):
    """Boolean mask over the vocabulary: tokens that would continue a number (start with a digit)."""
    import torch

    if lm._digit_ids is None or lm._digit_ids.shape[0] != size:
        tokens = lm.tokenizer.convert_ids_to_tokens(list(range(min(size, len(lm.tokenizer)))))
        mask = torch.zeros(size, dtype=torch.bool)
        for i, t in enumerate(tokens):
            if t and t[0].isdigit():
                mask[i] = True
        lm._digit_ids = mask
    return lm._digit_ids
