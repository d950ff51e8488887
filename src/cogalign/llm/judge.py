"""Prompted judgments: forced choice, ratings, counterbalancing and synthetic participants.

Local causal models are scored exactly, not sampled: the probability of an answer is the
probability of its tokens as a continuation of the prompt. For a choice among ``k`` options
that is the summed log-probability of each option's tokens, normalised over the options; for a
numeric rating it is the probability of each number's tokens *followed by a non-digit*, so that
"7" and "70" are different answers on a 0-100 scale, however the tokenizer splits numbers.

The prompt is computed once per trial and its key/value cache is reused for every answer, so a
101-value 0-100 scale costs about as much as one forward pass over the prompt.

The same functions accept a :class:`cogalign.llm.chat.ChatClient` as ``model``; see that module
for what a hosted model can give (log-probabilities when the server returns them, parsed
answers otherwise, errors recorded per trial).
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.llm.cache import atomic_write_json, hash_strings, llm_cache_dir, make_key
from cogalign.llm.models import LoadedModel, load_model, resolve_model
from cogalign.llm.results import ChoiceResult, RatingResult, softmax
from cogalign.llm.tasks import Task, load_task, orders

__all__ = [
    "choice_logprobs",
    "judge",
    "rating_distribution",
    "sample_answers",
    "score_continuations",
]

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


# --------------------------------------------------------------------------- prompt building


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
            raise ValueError(f"answer {answer!r} has no tokens")
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


# --------------------------------------------------------------------------- scoring


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


def _local_scores(
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
    is missing.
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
    if todo:
        lm = load_model(model, device=device, dtype=dtype)
        chat_formatted = _use_chat(lm, chat)
        full = [format_prompt(lm, prompts[i], system=system, answer_prefix=answer_prefix, chat=chat) for i in todo]
        prompt_ids = [_encode_prompt(lm, p, chat_formatted) for p in full]
        conts = [_encode_continuations(lm, p, answers[i], chat_formatted) for p, i in zip(full, todo, strict=True)]
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
    records = [found[k] for k in keys]
    logprob = np.array([r["logprob"] for r in records], dtype=np.float64)
    n_tokens = np.array([r["n_tokens"] for r in records], dtype=np.int64)
    log_end = np.array([r["log_end"] for r in records], dtype=np.float64) if numeric_end else None
    meta["chat_formatted"] = records[0].get("chat_formatted")
    return logprob, n_tokens, log_end, spec.model_id, meta


# --------------------------------------------------------------------------- public functions


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
    logprob, n_tokens, _, model_id, meta = _local_scores(
        prompts, answers, model, op="choice", system=system, answer_prefix=answer_prefix,
        chat=chat, numeric_end=False, batch_size=batch_size, device=device, dtype=dtype,
        cache=cache, progress=progress,
    )
    scores = logprob / n_tokens if length_normalize else logprob
    meta["length_normalize"] = length_normalize
    return ChoiceResult(
        prompts=prompts, options=answers, logprob=logprob, n_tokens=n_tokens,
        prob=softmax(scores, axis=1), model_id=model_id, meta=meta,
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


def _scale_values(scale: Any) -> np.ndarray:
    if isinstance(scale, tuple) and len(scale) == 2 and all(isinstance(v, (int, np.integer)) for v in scale):
        low, high = int(scale[0]), int(scale[1])
        if low >= high:
            raise ValueError(f"scale {scale} must be (low, high) with low < high")
        return np.arange(low, high + 1)
    values = np.asarray(list(scale), dtype=np.int64)
    if values.ndim != 1 or len(values) < 2 or len(set(values.tolist())) != len(values):
        raise ValueError(f"scale must be (low, high) or a list of distinct integers, got {scale!r}")
    return values


def rating_distribution(
    prompts: str | Sequence[str],
    scale: tuple[int, int] | Sequence[int] = (1, 7),
    model: ModelLike = "smollm2-135m",
    *,
    system: str | None = None,
    answer_prefix: str = "Rating:",
    chat: bool | str = "auto",
    terminate: bool = True,
    batch_size: int = 128,
    device: str | None = "auto",
    dtype: Any = None,
    cache: bool = True,
    progress: bool = True,
) -> RatingResult:
    """Distribution of a numeric rating over the scale's values, and its expected value.

    Parameters
    ----------
    prompts
        One prompt or a list.
    scale
        ``(low, high)`` inclusive integers (``(1, 7)``, ``(0, 10)``, ``(0, 100)``) or an explicit
        list of integer values.
    model
        Local causal model or :class:`~cogalign.llm.chat.ChatClient`.
    system, answer_prefix, chat
        As in :func:`choice_logprobs`.
    terminate
        Score each value as its tokens followed by a non-digit token (so "1" excludes "10"
        and "100"). Turn off only to reproduce first-token-only scoring.
    batch_size, device, dtype, cache, progress
        As in :func:`choice_logprobs`.

    Returns
    -------
    RatingResult
        ``.prob`` (n, m), ``.expected`` (n,), ``.valid_mass`` (n,).
    """
    prompts = _as_list(prompts)
    values = _scale_values(scale)
    if _is_chat(model):
        return model.rating(prompts, values, system=system)
    answers = [[str(v) for v in values] for _ in prompts]
    logprob, _, log_end, model_id, meta = _local_scores(
        prompts, answers, model, op="rating", system=system, answer_prefix=answer_prefix,
        chat=chat, numeric_end=True, batch_size=batch_size, device=device, dtype=dtype,
        cache=cache, progress=progress,
    )
    if terminate and log_end is not None:
        logprob = logprob + log_end
    meta["terminate"] = terminate
    with np.errstate(over="ignore"):
        valid = np.exp(np.logaddexp.reduce(logprob, axis=1))
    return RatingResult(
        prompts=prompts, values=values, logprob=logprob, prob=softmax(logprob, axis=1),
        valid_mass=valid, model_id=model_id, meta=meta,
    )


# --------------------------------------------------------------------------- task level


def _trials_frame(trials: Any, task: Task) -> pd.DataFrame:
    frame = trials.reset_index(drop=True) if isinstance(trials, pd.DataFrame) else pd.DataFrame(list(trials))
    missing = [f for f in task.fields if f not in frame.columns]
    if missing:
        raise ValueError(
            f"task {task.name!r} needs columns {list(task.fields)}; missing {missing} "
            f"(have {list(frame.columns)})"
        )
    if frame.empty:
        raise ValueError("no trials given")
    return frame


def _expand(frame: pd.DataFrame, task: Task, permutations: Any, seed: int | None):
    k = task.n_alternatives
    per_row = orders(k, permutations, seed=seed, n_rows=len(frame))
    flat_rows, flat_orders, prompts, answers = [], [], [], []
    records = frame.to_dict("records")
    for i, row in enumerate(records):
        for order in per_row[i]:
            text, ans = task.render(row, order)
            flat_rows.append(i)
            flat_orders.append(tuple(order))
            prompts.append(text)
            answers.append(ans)
    return np.array(flat_rows), flat_orders, prompts, answers


def _score_task(frame, task, model, permutations, seed, chat, batch_size, device, dtype, cache, progress):
    rows, flat_orders, prompts, answers = _expand(frame, task, permutations, seed)
    system = task.system or None
    if task.kind == "choice" and _is_chat(model):
        # a chat model may answer with the alternative itself instead of its label
        records = frame.to_dict("records")
        aliases = [
            [task.alternative_values(records[r])[a] for a in order]
            for r, order in zip(rows, flat_orders, strict=True)
        ]
        res = model.choice(prompts, answers, system=system, aliases=aliases if task.labels else None)
    elif task.kind == "choice":
        res = choice_logprobs(
            prompts, answers, model, system=system, answer_prefix=task.answer_prefix, chat=chat,
            batch_size=batch_size, device=device, dtype=dtype, cache=cache, progress=progress,
        )
    else:
        res = rating_distribution(
            prompts, tuple(task.scale), model, system=system, answer_prefix=task.answer_prefix,
            chat=chat, batch_size=batch_size, device=device, dtype=dtype, cache=cache,
            progress=progress,
        )
    return rows, flat_orders, prompts, res


def judge(
    trials: pd.DataFrame | Sequence[Mapping[str, Any]],
    task: str | os.PathLike[str] | Task,
    model: ModelLike = "smollm2-135m",
    *,
    permutations: Any = None,
    seed: int | None = 0,
    per_order: bool = False,
    chat: bool | str = "auto",
    batch_size: int = 64,
    device: str | None = "auto",
    dtype: Any = None,
    cache: bool = True,
    progress: bool = True,
) -> pd.DataFrame:
    """Put a model through a task's trials and return its judgments.

    Parameters
    ----------
    trials
        Trial table with the task's fields as columns (e.g. ``item1, item2, item3`` for
        ``"odd-one-out"``); other columns are kept.
    task
        Built-in task name (see :func:`cogalign.llm.list_tasks`), TOML path, or :class:`Task`.
    model
        Local causal model or :class:`~cogalign.llm.chat.ChatClient`.
    permutations
        Counterbalancing of the order the alternatives are shown in: None (as given), ``"all"``,
        ``"cyclic"`` or an int (that many orders per trial, drawn with ``seed``). Results are
        averaged over orders in the alternatives' own terms, so with ``"all"`` or ``"cyclic"``
        they do not depend on the order of the input columns.
    seed
        Seed for a random subset of orders.
    per_order
        Return one row per trial and order (with the position probabilities and the prompt)
        instead of one row per trial.
    chat, batch_size, device, dtype, cache, progress
        As in :func:`choice_logprobs`.

    Returns
    -------
    pandas.DataFrame
        Choice tasks: the trial columns, ``p_<alternative>`` for each alternative (e.g.
        ``p_item1``, or ``p_same``), ``choice`` (the most probable alternative), ``n_orders``,
        ``n_errors``, ``error``. Rating tasks: ``expected``, ``sd``, ``mode``, ``valid_mass``,
        ``p_<value>`` for each scale value, ``n_orders``, ``n_errors``, ``error``.
        ``.attrs["position_bias"]`` (choice) holds the mean probability given to each position
        across all trials and orders, next to chance (``1/k``); ``.attrs["order_means"]``
        (rating) the mean expected rating per presentation order.
    """
    task = load_task(task)
    frame = _trials_frame(trials, task)
    rows, flat_orders, prompts, res = _score_task(
        frame, task, model, permutations, seed, chat, batch_size, device, dtype, cache, progress
    )
    names = task.alternative_names()
    errors = np.array([e is not None for e in res.errors])
    if task.kind == "choice":
        k = len(names)
        pos_prob = res.prob
        alt_prob = np.full_like(pos_prob, np.nan)
        for q, order in enumerate(flat_orders):
            alt_prob[q, list(order)] = pos_prob[q]
        bias = {
            "position": list(range(1, k + 1)),
            "mean_prob": np.nanmean(pos_prob, axis=0).tolist() if np.isfinite(pos_prob).any() else [np.nan] * k,
            "chance": 1.0 / k,
            "n": int((~errors).sum()),
        }
        if per_order:
            detail = frame.iloc[rows].reset_index(names="trial")
            detail["order"] = [",".join(str(a + 1) for a in o) for o in flat_orders]
            detail["prompt"] = prompts
            for p in range(k):
                detail[f"p_position{p + 1}"] = pos_prob[:, p]
            for a, name in enumerate(names):
                detail[f"p_{name}"] = alt_prob[:, a]
            detail["error"] = res.errors
            if res.answers is not None:
                detail["answer"] = res.answers
            detail.attrs["position_bias"] = bias
            return detail
        out = frame.copy()
        agg = _group_mean(alt_prob, rows, len(frame))
        for a, name in enumerate(names):
            out[f"p_{name}"] = agg[:, a]
        best = np.argmax(np.nan_to_num(agg, nan=-1.0), axis=1)
        out["choice"] = [names[b] if np.isfinite(agg[i]).any() else None for i, b in enumerate(best)]
        if task.alternatives == "fields":
            out["choice_item"] = [
                frame.iloc[i][names[b]] if np.isfinite(agg[i]).any() else None for i, b in enumerate(best)
            ]
        _add_counts(out, rows, errors, res.errors, len(frame))
        out.attrs["position_bias"] = bias
        out.attrs["model_id"] = res.model_id
        out.attrs["task"] = task.name
        return out

    values = res.values
    expected = res.expected
    order_means = {}
    for order in sorted(set(flat_orders)):
        sel = np.array([o == order for o in flat_orders])
        order_means[",".join(str(a + 1) for a in order)] = float(np.nanmean(expected[sel])) if sel.any() else np.nan
    if per_order:
        detail = frame.iloc[rows].reset_index(names="trial")
        detail["order"] = [",".join(str(a + 1) for a in o) for o in flat_orders]
        detail["prompt"] = prompts
        detail["expected"] = expected
        detail["sd"] = res.sd
        detail["valid_mass"] = res.valid_mass
        for j, v in enumerate(values):
            detail[f"p_{v}"] = res.prob[:, j]
        detail["error"] = res.errors
        if res.answers is not None:
            detail["answer"] = res.answers
        detail.attrs["order_means"] = order_means
        return detail
    out = frame.copy()
    prob = _group_mean(res.prob, rows, len(frame))
    out["expected"] = prob @ values.astype(np.float64)
    var = prob @ (values.astype(np.float64) ** 2) - out["expected"].to_numpy() ** 2
    out["sd"] = np.sqrt(np.clip(var, 0, None))
    out["mode"] = [float(values[np.argmax(p)]) if np.isfinite(p).any() else np.nan for p in prob]
    out["valid_mass"] = _group_mean(res.valid_mass[:, None], rows, len(frame))[:, 0]
    probs = pd.DataFrame(prob, columns=[f"p_{v}" for v in values], index=out.index)
    out = pd.concat([out, probs], axis=1)
    _add_counts(out, rows, errors, res.errors, len(frame))
    out.attrs["order_means"] = order_means
    out.attrs["model_id"] = res.model_id
    out.attrs["task"] = task.name
    return out


def _groups(rows: np.ndarray, n: int) -> list[np.ndarray]:
    """Positions of each row's entries (rows holds the trial index of every scored prompt)."""
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


def _group_mean(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    out = np.full((n, values.shape[1]), np.nan)
    for i, idx in enumerate(_groups(rows, n)):
        block = values[idx]
        ok = np.isfinite(block).all(axis=1)
        if ok.any():
            out[i] = block[ok].mean(axis=0)
    return out


def _add_counts(out: pd.DataFrame, rows, errors, messages, n: int) -> None:
    out["n_orders"] = np.bincount(rows, minlength=n)
    out["n_errors"] = np.bincount(rows, weights=errors.astype(float), minlength=n).astype(int)
    joined = []
    for idx in _groups(rows, n):
        msgs = sorted({messages[q] for q in idx if messages[q]})
        joined.append("; ".join(msgs) if msgs else None)
    out["error"] = joined


def sample_answers(
    trials: pd.DataFrame | Sequence[Mapping[str, Any]],
    task: str | os.PathLike[str] | Task,
    model: ModelLike = "smollm2-135m",
    *,
    n_participants: int = 20,
    temperature: float = 1.0,
    seed: int = 0,
    permutations: Any = None,
    chat: bool | str = "auto",
    batch_size: int = 64,
    device: str | None = "auto",
    dtype: Any = None,
    cache: bool = True,
    progress: bool = True,
) -> pd.DataFrame:
    """Synthetic participants: sampled answers to every trial, as a tidy trial table.

    For a local model the answer distribution of each trial is computed exactly (as in
    :func:`judge`) and answers are drawn from it with ``p ∝ exp(log p(answer) / temperature)``
    (``temperature=0``: always the most probable answer). Each participant sees each trial in
    one of its presentation orders, drawn at random when ``permutations`` gives several. For a
    :class:`~cogalign.llm.chat.ChatClient` each participant's answer is a separate request at
    the temperature (seeded per participant), parsed, with failures kept in ``error``.

    Parameters
    ----------
    trials, task, model
        As in :func:`judge`.
    n_participants
        Number of synthetic participants.
    temperature
        Sampling temperature (>= 0).
    seed
        Seed: the same seed gives the same answers.
    permutations
        Presentation orders to draw from per participant and trial (see :func:`judge`).
    chat, batch_size, device, dtype, cache, progress
        As in :func:`choice_logprobs`.

    Returns
    -------
    pandas.DataFrame
        One row per participant and trial: ``participant_id``, ``trial``, the trial columns,
        ``order``, ``response`` (the chosen alternative's name, or the rating), plus
        ``response_item`` (choice tasks whose alternatives are fields) and ``error``.
    """
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if n_participants < 1:
        raise ValueError("n_participants must be at least 1")
    task = load_task(task)
    frame = _trials_frame(trials, task)
    names = task.alternative_names()
    if _is_chat(model):
        return model.sample_task(
            frame, task, n_participants=n_participants, temperature=temperature, seed=seed,
            permutations=permutations,
        )
    rows, flat_orders, _, res = _score_task(
        frame, task, model, permutations, seed, chat, batch_size, device, dtype, cache, progress
    )
    rng = np.random.default_rng(seed)
    by_row = _groups(rows, len(frame))
    records = frame.to_dict("records")
    out = []
    for p in range(n_participants):
        for i, row in enumerate(records):
            q = by_row[i][rng.integers(len(by_row[i]))]
            weights = _tempered(res.logprob[q], temperature)
            pick = int(rng.choice(len(weights), p=weights))
            order = flat_orders[q]
            rec = {"participant_id": f"llm-{p + 1:03d}", "trial": i, **row}
            rec["order"] = ",".join(str(a + 1) for a in order)
            if task.kind == "choice":
                alt = order[pick]
                rec["response"] = names[alt]
                if task.alternatives == "fields":
                    rec["response_item"] = row[names[alt]]
            else:
                rec["response"] = int(res.values[pick])
            rec["error"] = None
            out.append(rec)
    result = pd.DataFrame(out)
    result.attrs.update(model_id=res.model_id, task=task.name, temperature=temperature, seed=seed)
    return result


def _tempered(logprob: np.ndarray, temperature: float) -> np.ndarray:
    logprob = np.asarray(logprob, dtype=np.float64)
    if temperature == 0:
        weights = (logprob == np.max(logprob)).astype(np.float64)
        return weights / weights.sum()
    return softmax(logprob / temperature)
