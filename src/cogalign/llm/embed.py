"""Hidden states per layer, pooled per item: :func:`embed`.

Pooling
-------
``"mean"``
    Mean over the item's content tokens: special tokens (BOS, CLS, SEP, EOS, chat markers) and
    padding are left out. Causal models get a begin-of-sequence token at position 0 when their
    tokenizer adds none: the first position of a causal model carries an attention-sink state
    whose norm is hundreds of times that of other tokens, so it must be a token that is then
    excluded, not the first word of the item.
``"last"``
    The state of the last content token (for causal models, the only one that has seen the
    whole item).
``"sentence"``
    The pooling recipe of a sentence-transformers model (its ``Pooling`` module over all real
    tokens, specials included, then ``Normalize`` when the model has one), applied at every
    layer; at the last layer this equals ``SentenceTransformer.encode``.

Batches are sorted by length (less padding), padded on the tokenizer's side (left or right,
both give the same numbers: position ids are computed from the attention mask) and streamed to
disk layer-major, so memory holds at most one batch of activations.
"""

from __future__ import annotations

import inspect
import os
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cogalign.atomic import new_temp_dir, publish_dir
from cogalign.errors import shorten
from cogalign.llm.cache import hash_strings, llm_cache_dir, make_key
from cogalign.llm.context import reading
from cogalign.llm.layers import parse_layers
from cogalign.llm.models import LoadedModel, ModelSpec, load_model, resolve_model
from cogalign.llm.representations import (
    STATES_FILE,
    Representations,
    check_replaceable,
    replace_dir,
    write_folder_meta,
)

__all__ = ["embed", "failed_items_text", "parse_layers", "render_items"]

POOLINGS = ("mean", "last", "sentence")
SPANS = ("text", "item")


def render_items(items: Sequence[str], template: str | None) -> tuple[list[str], list[tuple[int, int]]]:
    """Put each item into the template and return the texts and the item's character span.

    Parameters
    ----------
    items
        The items.
    template
        A string containing ``{item}`` once (e.g. ``"The concept: {item}"``), or None.

    Returns
    -------
    texts, spans
        Rendered texts and ``(start, end)`` character offsets of the item in each text.
    """
    if template is None:
        return list(items), [(0, len(item)) for item in items]
    if template.count("{item}") != 1:
        raise ValueError(f"template must contain '{{item}}' exactly once, got {shorten(template)}")
    head, tail = template.split("{item}")
    texts = [head + item + tail for item in items]
    spans = [(len(head), len(head) + len(item)) for item in items]
    return texts, spans


def _as_items(items: Iterable[str]) -> list[str]:
    if isinstance(items, str):
        raise TypeError("items must be a sequence of strings, not one string")
    out = list(items)
    if not out:
        raise ValueError("items is empty")
    bad = [i for i, x in enumerate(out) if not isinstance(x, str)]
    if bad:
        raise TypeError(f"items must be strings; item {bad[0]} is {type(out[bad[0]]).__name__}")
    return out


def _dtype_name(dtype: Any, device: str | None) -> str:
    if dtype is None:
        return "float32"
    if dtype == "auto":
        if device == "cpu":
            return "float32"
        from cogalign.llm.models import pick_device, pick_dtype

        return str(pick_dtype("auto", pick_device(device))).replace("torch.", "")
    return str(dtype).replace("torch.", "")


def embed(
    items: Iterable[str],
    model: str | os.PathLike[str] | LoadedModel = "minilm-l6",
    *,
    layers: Any = "all",
    pooling: str = "auto",
    template: str | None = "auto",
    span: str = "auto",
    center: bool = False,
    batch_size: int = 32,
    max_length: int | None = None,
    device: str | None = "auto",
    dtype: Any = None,
    store_dtype: str = "float32",
    out: str | os.PathLike[str] | None = None,
    cache: bool = True,
    progress: bool = True,
    padding_side: str | None = None,
) -> Representations:
    """Represent items by a model's hidden states at every (or selected) layer.

    Parameters
    ----------
    items
        Strings (words, concept names, sentences).
    model
        Preset (``"minilm-l6"``, ``"smollm2-135m"``, ``"gemma3-270m"``), Hugging Face id, local
        folder or ``.gguf`` file, or a model from :func:`cogalign.llm.load_model`.
    layers
        ``"all"`` (default: embedding layer plus every block), an int, a list of ints, or a
        string like ``"0,6,-1"`` or ``"10:20"``. Negative numbers count from the end.
    pooling
        ``"mean"`` over content tokens, ``"last"`` content token, or ``"sentence"`` (the
        sentence-transformers recipe; sentence models only). See the module docstring.
        ``"auto"`` (default): ``"sentence"`` for sentence-transformers models, else ``"mean"``.
    template
        Prompt template with one ``{item}``, e.g. ``"The concept: {item}"``; ``None`` for the
        items as they are. ``"auto"`` (default): the reading rule of
        :mod:`cogalign.llm.context` (causal models read bare items in
        ``"The concept: {item}"``; encoders and sentences are read as they are).
    span
        ``"text"``: pool over all content tokens of the rendered template; ``"item"``: only over
        the tokens that overlap the item itself (needs a template to differ). ``"auto"``
        (default): ``"item"`` when a template is used, else ``"text"``.
    center
        Subtract the mean over items from every layer (the cache keeps uncentred values).
    batch_size
        Items per forward pass.
    max_length
        Truncate inputs to this many tokens (default: the model's limit; 256 for minilm-l6).
    device
        ``"auto"`` (CUDA, then MPS, then CPU) or a torch device string.
    dtype
        Compute precision (``None``/``"float32"``, ``"bfloat16"``, ``"float16"``, ``"auto"``).
    store_dtype
        Storage precision of the result, ``"float32"`` or ``"float16"`` (halves disk and memory).
    out
        Optional folder to stream the result into (layer-major ``states.npy`` + ``meta.json``);
        useful with ``cache=False`` for runs too big for memory.
    cache
        Read and write the on-disk cache (keyed by model identity, layers, pooling, template,
        span, dtype, truncation and the items). A second identical call reads the cache.
    progress
        Show a progress bar.
    padding_side
        ``"left"`` or ``"right"``; the tokenizer's own side by default. Results do not depend on it.

    Returns
    -------
    Representations
        ``.array`` of shape ``(n_items, n_layers, width)``; ``.meta["cache_hit"]`` says whether
        it came from the cache. An item the tokenizer refuses (e.g. a lone surrogate from a
        JSON escape) or that leaves no token to pool over does not stop the run: its rows
        are NaN, ``.meta["failed_items"]`` lists it with the reason (``index``, ``item``,
        ``reason``) and a :class:`UserWarning` names it.

    Raises
    ------
    ValueError
        When no item at all can be embedded, or for a bad setting.

    Examples
    --------
    >>> reps = embed(["cat", "dog"], model="minilm-l6")  # doctest: +SKIP
    >>> reps.shape  # doctest: +SKIP
    (2, 7, 384)
    """
    t0 = time.perf_counter()
    items = _as_items(items)
    if pooling not in (*POOLINGS, "auto"):
        raise ValueError(f"pooling must be one of {POOLINGS} or 'auto', got {pooling!r}")
    if span not in (*SPANS, "auto"):
        raise ValueError(f"span must be one of {SPANS} or 'auto', got {span!r}")
    if store_dtype not in ("float32", "float16"):
        raise ValueError(f"store_dtype must be 'float32' or 'float16', got {store_dtype!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if padding_side not in (None, "left", "right"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    if type(model).__name__ == "ChatClient":
        raise TypeError("embed needs a local model: a chat server gives no hidden states")
    if isinstance(model, LoadedModel):
        spec: ModelSpec = model.spec
        dtype_name = str(model.dtype).replace("torch.", "")
    else:
        spec = resolve_model(model)
        dtype_name = _dtype_name(dtype, device)
    if "auto" in (template, span, pooling):
        kind = spec.kind
        if kind is None:  # a hub id or folder whose kind shows only once loaded
            kind = load_model(model, device=device, dtype=dtype).kind
        rule = reading(kind, items, template=template, span=span, pooling=pooling)
        template, span, pooling = rule.template, rule.span, rule.pooling
    if template == "{item}":  # the bare item: the same texts, one cache entry
        template, span = None, "text"
    texts, spans = render_items(items, template)
    if pooling == "sentence" and spec.kind not in (None, "sentence"):
        raise ValueError(
            f"pooling='sentence' needs a sentence-transformers model; {spec.name!r} is {spec.kind}"
        )
    layers_key = layers if isinstance(layers, str) else np.atleast_1d(layers).astype(int).tolist()
    description = {
        "op": "embed",
        "model": spec.identity(),
        "layers": layers_key,
        "pooling": pooling,
        "template": template,
        "span": span,
        "dtype": dtype_name,
        "store_dtype": store_dtype,
        "max_length": max_length,
        "n_items": len(items),
        "items": hash_strings(items),
    }
    key = make_key(description)
    entry = llm_cache_dir("embed") / key if cache else None
    if entry is not None and (entry / STATES_FILE).is_file():
        reps = Representations.load(entry)
        reps.meta.update(cache_hit=True, seconds=time.perf_counter() - t0)
        _warn_failed(reps.meta.get("failed_items") or [], len(items))
        if out is not None:
            reps.save(out)
        return reps.centered() if center else reps

    lm = load_model(model, device=device, dtype=dtype, kind=spec.kind)
    n_total = lm.n_layers + 1
    layer_idx = parse_layers(layers, n_total)
    if pooling == "sentence" and lm.kind != "sentence":
        raise ValueError(
            f"pooling='sentence' needs a sentence-transformers model; {spec.name!r} is {lm.kind}"
        )
    if pooling == "sentence" and (lm.sentence_config or {}).get("unsupported"):
        raise ValueError(
            f"{spec.name!r} has sentence-transformers modules cogalign cannot apply per layer: "
            f"{lm.sentence_config['unsupported']}"
        )
    meta = {
        "model_id": lm.model_id,
        "model": spec.name,
        "kind": lm.kind,
        "pooling": pooling,
        "template": template,
        "span": span,
        "dtype": dtype_name,
        "store_dtype": store_dtype,
        "max_length": max_length,
        "n_hidden_states": n_total,
        "cache_key": key,
    }

    if entry is not None:
        folder: Path | None = new_temp_dir(entry.parent, key)
    elif out is not None and Path(out).suffix != ".npz":
        check_replaceable(Path(out))
        folder = new_temp_dir(Path(out).parent, Path(out).name)
    else:
        folder = None
    shape = (len(layer_idx), len(items), lm.width)
    if folder is not None:
        states = np.lib.format.open_memmap(folder / STATES_FILE, mode="w+", dtype=store_dtype, shape=shape)
    else:
        states = np.empty(shape, dtype=store_dtype)

    try:
        failed = _extract(lm, texts, spans, layer_idx, pooling, span, states, batch_size,
                          max_length, progress, padding_side)
    except BaseException:
        if folder is not None:
            import shutil

            del states
            shutil.rmtree(folder, ignore_errors=True)
        raise
    meta["seconds_compute"] = time.perf_counter() - t0
    meta["failed_items"] = [{"index": i, "item": items[i], "reason": why}
                            for i, why in sorted(failed.items())]

    if folder is not None:
        states.flush()
        del states
        write_folder_meta(folder, items, layer_idx, meta)
        if entry is not None:
            final = publish_dir(folder, entry)
        else:
            final = replace_dir(folder, Path(out))  # type: ignore[arg-type]
        reps = Representations.load(final)
        if entry is not None and out is not None:
            reps.save(out)
    else:
        reps = Representations(np.moveaxis(states, 0, 1), items, layer_idx, lm.model_id, dict(meta))
        if out is not None:
            reps.save(out)
    reps.meta.update(cache_hit=False, seconds=time.perf_counter() - t0)
    _warn_failed(reps.meta.get("failed_items") or [], len(items))
    return reps.centered() if center else reps


def failed_items_text(failed: Sequence[dict[str, Any]], n_items: int, show: int = 3) -> str:
    """One line naming the items that could not be embedded (the first ``show`` of them)."""
    named = "; ".join(f"item {f['index']} ({shorten(f['item'])}) {f['reason']}"
                      for f in failed[:show])
    more = f"; and {len(failed) - show} more" if len(failed) > show else ""
    return (f"{len(failed)} of {n_items} items could not be embedded (their rows are NaN): "
            f"{named}{more}")


def _warn_failed(failed: Sequence[dict[str, Any]], n_items: int) -> None:
    if failed:
        warnings.warn(failed_items_text(failed, n_items), UserWarning, stacklevel=3)


def _tokenize(lm: LoadedModel, texts: list[str], spans, pooling: str, span: str, max_length: int | None, chunk: int = 1024):
    """Token ids and the mask of tokens to pool over, packed flat (one int32 and one bool array).

    Tokenizing in chunks and packing keeps the bookkeeping of a large run at a few bytes per
    token instead of Python objects.

    Returns
    -------
    ids, pool, starts, failed
        Item ``i`` has ``ids[starts[i]:starts[i + 1]]``; ``failed`` maps the items that cannot
        be embedded (the tokenizer refuses them, or no token is left to pool over) to why,
        and they have no tokens.

    Raises
    ------
    ValueError
        When no item at all can be embedded.
    """
    tok = lm.tokenizer
    if max_length is None:
        if lm.sentence_config is not None:
            max_length = int(lm.sentence_config.get("max_seq_length") or 512)
        else:
            limit = int(getattr(tok, "model_max_length", 0) or 0)
            max_length = limit if 0 < limit < 1_000_000 else None
    add_sink = lm.kind == "causal" and not lm.adds_bos() and lm.sink_token_id() is not None
    sink = lm.sink_token_id()
    special_ids = np.array(sorted(set(tok.all_special_ids)), dtype=np.int64)
    settings = {"add_special_tokens": True, "return_offsets_mapping": span == "item",
                "return_special_tokens_mask": True, "truncation": max_length is not None,
                "max_length": (max_length - 1 if add_sink else max_length) if max_length else None}
    id_parts, pool_parts, lengths = [], [], []
    failed: dict[int, str] = {}
    for c0 in range(0, len(texts), chunk):
        enc = _encode(tok, texts[c0 : c0 + chunk], settings, c0, failed)
        chunk_ids, chunk_pool = [], []
        for j, ids in enumerate(enc["input_ids"]):
            i = c0 + j
            if i in failed:
                lengths.append(0)
                continue
            ids = np.asarray(ids, dtype=np.int64)
            if pooling == "sentence":
                pool = np.ones(len(ids), dtype=bool)
            else:
                smask = np.asarray(enc["special_tokens_mask"][j], dtype=bool)
                pool = ~smask & ~np.isin(ids, special_ids)
                if span == "item":
                    offsets = np.asarray(enc["offset_mapping"][j], dtype=np.int64).reshape(-1, 2)
                    item_start, item_end = spans[i]
                    pool &= (offsets[:, 0] < item_end) & (offsets[:, 1] > item_start)
            if add_sink:
                ids = np.concatenate([[sink], ids])
                pool = np.concatenate([[False], pool])
            if not pool.any():
                failed[i] = "has no tokens to pool over"
                lengths.append(0)
                continue
            chunk_ids.append(ids.astype(np.int32))
            chunk_pool.append(pool)
            lengths.append(len(ids))
        if chunk_ids:
            id_parts.append(np.concatenate(chunk_ids))
            pool_parts.append(np.concatenate(chunk_pool))
        del enc
    starts = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))])
    if len(failed) == len(texts):
        first = min(failed)
        raise ValueError(f"no item could be embedded: item {first} ({shorten(texts[first])}) "
                         f"{failed[first]}")
    return (np.concatenate(id_parts), np.concatenate(pool_parts), starts, failed)


def _encode(tok: Any, texts: list[str], settings: dict[str, Any], offset: int,
            failed: dict[int, str]) -> dict[str, list]:
    """Tokenize a chunk; when the tokenizer refuses it, item by item, recording the refused.

    Refused items get empty entries and a reason in ``failed`` (keyed by the item's index).
    """
    try:
        return tok(texts, **settings)
    except Exception:  # noqa: BLE001 - a tokenizer raises TypeError, ValueError, its own errors
        pass
    out: dict[str, list] = {}
    for j, text in enumerate(texts):
        try:
            one = tok([text], **settings)
        except Exception as exc:  # noqa: BLE001 - see above
            failed[offset + j] = f"cannot be tokenized ({type(exc).__name__})"
            one = {key: [[]] for key in ("input_ids", "special_tokens_mask", "offset_mapping")}
        for key, value in one.items():
            out.setdefault(key, []).append(value[0])
    return out


def _extract(lm, texts, spans, layer_idx, pooling, span, states, batch_size, max_length, progress, padding_side):
    import torch
    from tqdm.auto import tqdm

    flat_ids, flat_pool, starts, failed = _tokenize(lm, texts, spans, pooling, span, max_length)
    lengths = np.diff(starts)
    order = np.argsort(-lengths, kind="stable")
    if failed:
        order = order[~np.isin(order, list(failed))]
        states[:, sorted(failed), :] = np.nan
    tok = lm.tokenizer
    side = padding_side or getattr(tok, "padding_side", "right")
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    net = lm.base_model
    accepts_positions = "position_ids" in inspect.signature(net.forward).parameters
    sentence_mode = (lm.sentence_config or {}).get("pooling", "mean") if pooling == "sentence" else None
    normalize = pooling == "sentence" and (lm.sentence_config or {}).get("normalize", False)
    bar = tqdm(total=len(texts), unit="item", disable=not progress, desc=f"embed {lm.name}")
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            length = int(lengths[batch].max())
            input_ids = torch.full((len(batch), length), pad_id, dtype=torch.long)
            attn = torch.zeros((len(batch), length), dtype=torch.long)
            pool = torch.zeros((len(batch), length), dtype=torch.bool)
            for row, i in enumerate(batch):
                n = int(lengths[i])
                sl = slice(length - n, length) if side == "left" else slice(0, n)
                input_ids[row, sl] = torch.from_numpy(flat_ids[starts[i] : starts[i + 1]].astype(np.int64))
                attn[row, sl] = 1
                pool[row, sl] = torch.from_numpy(flat_pool[starts[i] : starts[i + 1]])
            kwargs: dict[str, Any] = {"input_ids": input_ids.to(lm.device), "attention_mask": attn.to(lm.device)}
            if accepts_positions:
                kwargs["position_ids"] = (attn.cumsum(-1) - 1).clamp(min=0).to(lm.device)
            output = net(**kwargs, output_hidden_states=True, return_dict=True)
            hidden = output.hidden_states
            pool = pool.to(lm.device)
            pooled = torch.stack(
                [_pool(hidden[j], pool, pooling, sentence_mode) for j in layer_idx], dim=0
            )  # (layers, batch, width)
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=-1)
            values = pooled.float().cpu().numpy()
            positions = np.sort(batch)
            values = values[:, np.argsort(batch)]
            for j in range(len(layer_idx)):
                states[j, positions, :] = values[j]
            bar.update(len(batch))
    bar.close()
    return failed


def _pool(h, mask, pooling: str, sentence_mode: str | None):
    """Pool hidden states ``h`` (batch, tokens, width) over ``mask`` (batch, tokens)."""
    import torch

    h = h.float()
    m = mask.unsqueeze(-1)
    if pooling == "last" or sentence_mode == "lasttoken":
        positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
        last = torch.where(mask, positions, -1).max(dim=1).values
        return h[torch.arange(h.shape[0], device=h.device), last]
    if sentence_mode == "cls":
        first = torch.where(mask, torch.arange(mask.shape[1], device=mask.device), mask.shape[1]).min(dim=1).values
        return h[torch.arange(h.shape[0], device=h.device), first]
    if sentence_mode == "max":
        return torch.where(m, h, torch.finfo(h.dtype).min).max(dim=1).values
    total = torch.where(m, h, 0.0).sum(dim=1)
    count = mask.sum(dim=1, keepdim=True).clamp(min=1).to(h.dtype)
    if sentence_mode == "mean_sqrt_len_tokens":
        return total / count.sqrt()
    if sentence_mode not in (None, "mean"):
        raise ValueError(f"sentence-transformers pooling {sentence_mode!r} is not supported")
    return total / count
