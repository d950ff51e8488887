"""Log-probabilities of answers as continuations of prompts, with a local causal model.

Local causal models are scored exactly, not sampled: the probability of an answer is the
probability of its tokens as a continuation of the prompt. The prompt is computed once per
trial and its key/value cache is reused for every answer, so a 101-value 0-100 scale costs
about as much as one forward pass over the prompt. Scores are cached on disk per (prompt,
answers) and model settings.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from cogalign.errors import shorten
from cogalign.llm.cache import atomic_write_json, hash_strings, llm_cache_dir, make_key
from cogalign.llm.models import LoadedModel, load_model, resolve_model
from cogalign.llm.prompting import (
    _digit_mask,
    _encode_continuations,
    _encode_prompt,
    _use_chat,
    format_prompt,
)

__all__ = ["ModelLike", "local_scores", "score_continuations"]

#: A local model (preset, hub id, path, :class:`LoadedModel`) or a chat client.
ModelLike = str | os.PathLike[str] | LoadedModel | Any


def _is_chat(model: Any) -> bool:
    from cogalign.llm.chat import ChatClient

    return isinstance(model, ChatClient)


def _as_list(prompts: str | Sequence[str]) -> list[str]:
    if isinstance(prompts, str):
        return [prompts]
    out = [str(p) for p in prompts]
    if not out:
        raise ValueError("no prompts given")
    return out


def score_continuations(
    lm: LoadedModel,
    prompt_ids: Sequence[Sequence[int]],
    continuations: Sequence[Sequence[Sequence[int]]],
    *,
    end_mask: Any = None,
    batch_rows: int = 64,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Log-probabilities of token continuations of token prompts.

    Parameters
    ----------
    lm
        A loaded causal model.
    prompt_ids
        ``n`` prompts as token ids.
    continuations
        ``continuations[i]`` is a list of ``k`` continuations (token ids) of prompt ``i``; every
        prompt has the same ``k``.
    end_mask
        Optional boolean tensor over the vocabulary of tokens that *continue* an answer; the
        third result is then ``log P(next token not in end_mask)`` after each continuation.
    batch_rows
        Continuations per forward pass.
    progress
        Show a progress bar.

    Returns
    -------
    logprob, n_tokens, log_end
        ``(n, k)`` arrays (``log_end`` None without ``end_mask``).
    """
    import torch
    from tqdm.auto import tqdm

    n = len(prompt_ids)
    k = len(continuations[0]) if n else 0
    if any(len(c) != k for c in continuations):
        raise ValueError("every prompt needs the same number of options")
    logprob = np.zeros((n, k))
    n_tokens = np.array([[len(c) for c in conts] for conts in continuations], dtype=np.int64).reshape(n, k)
    log_end = np.zeros((n, k)) if end_mask is not None else None
    model = lm.model
    params = inspect.signature(model.forward).parameters
    keep_kw = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
    cache_arg = "cache" if "cache" in params else "past_key_values"
    pad_id = lm.tokenizer.pad_token_id or 0
    dev = lm.device
    per_group = max(1, batch_rows // max(k, 1))
    order = sorted(range(n), key=lambda i: -len(prompt_ids[i]))
    bar = tqdm(total=n, unit="prompt", disable=not progress, desc=f"score {lm.name}")
    with torch.inference_mode():
        for start in range(0, n, per_group):
            group = order[start : start + per_group]
            plen = max(len(prompt_ids[i]) for i in group)
            inp = torch.full((len(group), plen), pad_id, dtype=torch.long)
            attn = torch.zeros((len(group), plen), dtype=torch.long)
            for r, i in enumerate(group):
                ids = prompt_ids[i]
                inp[r, plen - len(ids) :] = torch.tensor(list(ids))
                attn[r, plen - len(ids) :] = 1
            pos = (attn.cumsum(-1) - 1).clamp(min=0)
            out = model(
                input_ids=inp.to(dev),
                attention_mask=attn.to(dev),
                position_ids=pos.to(dev),
                use_cache=True,
                **keep_kw,
            )
            first = torch.log_softmax(out.logits[:, -1, :].float(), dim=-1)
            rows = [(r, j, list(continuations[i][j])) for r, i in enumerate(group) for j in range(k)]
            need_second = end_mask is not None or any(len(c) > 1 for _, _, c in rows)
            second = None
            if need_second:
                past = getattr(out, "cache", None) or out.past_key_values
                row_b = torch.tensor([r for r, _, _ in rows], dtype=torch.long)
                past.reorder_cache(row_b.to(dev))
                clen = max(len(c) for _, _, c in rows)
                cin = torch.full((len(rows), clen), pad_id, dtype=torch.long)
                cmask = torch.zeros((len(rows), clen), dtype=torch.long)
                for q, (_, _, c) in enumerate(rows):
                    cin[q, : len(c)] = torch.tensor(c)
                    cmask[q, : len(c)] = 1
                attn2 = torch.cat([attn[row_b], cmask], dim=1)
                pos2 = attn.sum(1)[row_b].unsqueeze(1) + torch.arange(clen).unsqueeze(0)
                out2 = model(
                    input_ids=cin.to(dev),
                    attention_mask=attn2.to(dev),
                    position_ids=pos2.to(dev),
                    use_cache=True,
                    **{cache_arg: past},
                )
                second = out2.logits.float()  # (rows, tokens, vocab); normalised lazily below
                second_lse = torch.logsumexp(second, dim=-1)
                del past, out2
            row_b_dev = torch.tensor([r for r, _, _ in rows], dtype=torch.long, device=first.device)
            heads = torch.tensor([c[0] for _, _, c in rows], dtype=torch.long, device=first.device)
            totals = first[row_b_dev, heads]
            if second is not None:
                targets = cin[:, 1:].to(second.device)
                valid = cmask[:, 1:].bool().to(second.device)
                steps = second[:, :-1].gather(-1, targets.unsqueeze(-1)).squeeze(-1) - second_lse[:, :-1]
                totals = totals + torch.where(valid, steps, 0.0).sum(dim=1)
            ends = None
            if end_mask is not None:
                if second is None:
                    after = first[row_b_dev]
                else:
                    last = cmask.sum(dim=1).to(second.device) - 1
                    ar = torch.arange(len(rows), device=second.device)
                    after = second[ar, last] - second_lse[ar, last].unsqueeze(1)
                mask = end_mask.to(after.device)[: after.shape[1]]
                cont = torch.logsumexp(after[:, : mask.shape[0]][:, mask], dim=1)
                ends = torch.log1p(-torch.exp(cont).clamp(max=1 - 1e-12)).cpu().numpy()
            totals_np = totals.double().cpu().numpy()
            for q, (r, j, _) in enumerate(rows):
                logprob[group[r], j] = totals_np[q]
                if ends is not None:
                    log_end[group[r], j] = ends[q]
            bar.update(len(group))
    bar.close()
    return logprob, n_tokens, log_end


def local_scores(
    prompts: list[str],
    answers: list[list[str]],
    model: ModelLike,
    *,
    op: str,
    system: str | None,
    answer_prefix: str,
    chat: bool | str,
    numeric_end: bool,
    batch_size: int,
    device: str | None,
    dtype: Any,
    cache: bool,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str, dict[str, Any]]:
    """Scores of answers to prompts with a local model, cached per (prompt, answers).

    Identical (prompt, answers) pairs are scored once per call, and pairs scored by an earlier
    call with the same model and settings (any call: another permutation set, a judge run
    before a sampling run, ...) are read from the cache. The model is loaded only if some pair
    is missing. A prompt the tokenizer refuses is not scored: its scores are NaN and
    ``meta["errors"]`` (one entry per prompt, None when scored) says why; when no prompt can
    be scored, ``ValueError``.
    """
    spec = model.spec if isinstance(model, LoadedModel) else resolve_model(model)
    dtype_name = (
        str(model.dtype).replace("torch.", "") if isinstance(model, LoadedModel) else str(dtype or "float32")
    )
    base = make_key({
        "op": op, "model": spec.identity(), "dtype": dtype_name, "system": system,
        "answer_prefix": answer_prefix, "chat": chat, "numeric_end": numeric_end,
    })
    keys = [hash_strings([base, p, *a]) for p, a in zip(prompts, answers, strict=True)]
    folder = llm_cache_dir("judge")
    found: dict[str, dict[str, Any]] = {}
    if cache:
        for key in set(keys):
            path = folder / f"{key}.json"
            if path.is_file():
                try:
                    found[key] = json.loads(path.read_text())
                except (OSError, ValueError):
                    pass
    first_index: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in found:
            first_index.setdefault(key, i)
    todo = list(first_index.values())
    meta: dict[str, Any] = {
        "model_id": spec.model_id, "chat": chat, "answer_prefix": answer_prefix,
        "cache_hit": not todo, "n_computed": len(todo), "n_cached": len(keys) - len(todo) if cache else 0,
    }
    errors: dict[int, str] = {}
    if todo:
        lm = load_model(model, device=device, dtype=dtype)
        chat_formatted = _use_chat(lm, chat)
        prompt_ids, conts, encoded = [], [], []
        for i in todo:
            try:
                full = format_prompt(lm, prompts[i], system=system, answer_prefix=answer_prefix,
                                     chat=chat)
                ids = _encode_prompt(lm, full, chat_formatted)
                cont = _encode_continuations(lm, full, answers[i], chat_formatted)
            except Exception as exc:  # noqa: BLE001 - tokenizers raise their own error types
                errors[i] = (f"prompt {i} ({shorten(prompts[i])}) cannot be tokenized "
                             f"({type(exc).__name__}: {shorten(str(exc), 100)})")
                continue
            prompt_ids.append(ids)
            conts.append(cont)
            encoded.append(i)
        if not encoded:
            first = min(errors)
            raise ValueError(f"no prompt could be scored: {errors[first]}")
        todo = encoded
        end_mask = None
        if numeric_end:
            size = lm.model.get_output_embeddings().weight.shape[0]
            end_mask = _digit_mask(lm, size)
        logprob, n_tokens, log_end = score_continuations(
            lm, prompt_ids, conts, end_mask=end_mask, batch_rows=batch_size, progress=progress
        )
        for q, i in enumerate(todo):
            record = {
                "model_id": lm.model_id,
                "logprob": logprob[q].tolist(),
                "n_tokens": n_tokens[q].tolist(),
                "log_end": None if log_end is None else log_end[q].tolist(),
                "chat_formatted": chat_formatted,
            }
            found[keys[i]] = record
            if cache:
                atomic_write_json(folder / f"{keys[i]}.json", record)
    k = len(answers[0]) if answers else 0
    failed = {"logprob": [np.nan] * k, "n_tokens": [1] * k,
              "log_end": [np.nan] * k if numeric_end else None}
    records = [found.get(key, failed) for key in keys]  # a key is missing only if it failed
    logprob = np.array([r["logprob"] for r in records], dtype=np.float64)
    n_tokens = np.array([r["n_tokens"] for r in records], dtype=np.int64)
    log_end = np.array([r["log_end"] for r in records], dtype=np.float64) if numeric_end else None
    meta["chat_formatted"] = next((r.get("chat_formatted") for r in records if r is not failed),
                                  None)
    by_key = {keys[i]: why for i, why in errors.items()}
    meta["errors"] = [by_key.get(key) for key in keys]
    return logprob, n_tokens, log_end, spec.model_id, meta
