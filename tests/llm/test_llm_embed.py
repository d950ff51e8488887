"""Hidden states per layer: shapes, agreement with direct transformers calls, padding, cache."""

from __future__ import annotations

import time

import numpy as np
import pytest

from cogalign.llm import Representations
from cogalign.llm import embed as embed_by_rule
from cogalign.llm.context import DEFAULT_CONTEXT
from cogalign.llm.embed import parse_layers, render_items

WORDS = ["cat", "dog", "aardvark", "a red double-decker bus", "New York", "spoon"]


def embed(*args, **kwargs):
    """``embed`` with explicit reading settings (mean over all content tokens, no template).

    These tests check the mechanics against direct transformers calls; the reading rule that
    ``embed`` applies by default is tested in ``test_the_reading_rule_is_the_default``.
    """
    kwargs.setdefault("pooling", "mean")
    kwargs.setdefault("template", None)
    kwargs.setdefault("span", "text")
    return embed_by_rule(*args, **kwargs)


def rel_close(actual, expected, rtol=1e-5):
    """Agreement to ``rtol`` of each layer's largest magnitude (float32 sums differ by batch shape)."""
    scale = np.abs(expected).max(axis=(0, 2), keepdims=True)
    assert np.all(np.abs(actual - expected) <= rtol * scale), np.abs(actual - expected).max()


def direct_minilm(lm, words):
    import torch

    out = []
    for w in words:
        enc = lm.tokenizer(w, return_tensors="pt")
        with torch.no_grad():
            hs = lm.model(**enc, output_hidden_states=True).hidden_states
        out.append(torch.stack([h[0, 1:-1].mean(0) for h in hs]).numpy())  # drop [CLS], [SEP]
    return np.stack(out)


def direct_smollm(lm, words, last=False):
    import torch

    tok = lm.tokenizer
    out = []
    for w in words:
        ids = torch.tensor([[tok.bos_token_id, *tok(w, add_special_tokens=False)["input_ids"]]])
        with torch.no_grad():
            hs = lm.model(input_ids=ids, output_hidden_states=True).hidden_states
        out.append(torch.stack([h[0, -1] if last else h[0, 1:].mean(0) for h in hs]).numpy())
    return np.stack(out)


@pytest.mark.llm
def test_minilm_shape_and_direct_call(minilm):
    reps = embed(WORDS, minilm, cache=False, progress=False)
    assert reps.shape == (len(WORDS), 7, 384)
    assert reps.layers == list(range(7)) and reps.items == WORDS
    assert reps.model_id.startswith("minilm-l6@")
    ref = direct_minilm(minilm, WORDS)
    rel_close(reps.array, ref)
    single = embed(WORDS, minilm, cache=False, progress=False, batch_size=1)
    np.testing.assert_allclose(single.array, ref, rtol=0, atol=1e-5)


@pytest.mark.llm
@pytest.mark.slow
def test_smollm_shape_direct_call_and_padding_sides(smollm):
    words = WORDS[2:]
    right = embed(words, smollm, cache=False, progress=False, padding_side="right")
    assert right.shape == (len(words), 31, 576)
    ref = direct_smollm(smollm, words)
    rel_close(right.array, ref)
    single = embed(words, smollm, cache=False, progress=False, batch_size=1)
    np.testing.assert_allclose(single.array, ref, rtol=0, atol=1e-5)
    left = embed(words, smollm, cache=False, progress=False, padding_side="left")
    rel_close(left.array, ref)
    last = embed(words, smollm, pooling="last", layers="-1", cache=False, progress=False, padding_side="left")
    rel_close(last.array, direct_smollm(smollm, words, last=True)[:, -1:])


@pytest.mark.llm
@pytest.mark.slow
def test_sink_token_keeps_content_states_on_a_normal_scale(smollm):
    reps = embed(["The concept: aardvark"], smollm, cache=False, progress=False)
    norms = np.linalg.norm(reps.array[0], axis=-1)
    assert norms.max() < 2_000  # the first position's attention-sink state is ~25,000


@pytest.mark.llm
def test_minilm_left_padding_matches_right(minilm):
    left = embed(WORDS, minilm, cache=False, progress=False, padding_side="left")
    right = embed(WORDS, minilm, cache=False, progress=False, padding_side="right")
    rel_close(left.array, right.array)


@pytest.mark.llm
@pytest.mark.slow
def test_sentence_pooling_matches_sentence_transformers(minilm):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(minilm.spec.source, device="cpu")
    expected = model.encode(WORDS, convert_to_numpy=True)
    reps = embed(WORDS, minilm, pooling="sentence", cache=False, progress=False)
    np.testing.assert_allclose(reps.layer(6), expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(reps.array, axis=-1), 1.0, atol=1e-5)


@pytest.mark.llm
def test_cache_second_run_reads_it(minilm):
    first = embed(WORDS, "minilm-l6", layers="0,-1", progress=False)
    assert first.meta["cache_hit"] is False
    start = time.perf_counter()
    second = embed(WORDS, "minilm-l6", layers="0,-1", progress=False)
    assert time.perf_counter() - start < 1.0
    assert second.meta["cache_hit"] is True
    np.testing.assert_array_equal(first.array, second.array)
    assert second.layers == [0, 6]
    other = embed(WORDS, "minilm-l6", layers="0,-1", pooling="last", progress=False)
    assert other.meta["cache_hit"] is False
    assert not np.allclose(other.array, first.array)
    reordered = embed(WORDS[::-1], "minilm-l6", layers="0,-1", progress=False)
    assert reordered.meta["cache_hit"] is False
    np.testing.assert_allclose(reordered.array[::-1], first.array, atol=1e-5)


@pytest.mark.llm
def test_save_load_and_streaming(minilm, tmp_path):
    reps = embed(WORDS, minilm, cache=False, progress=False, store_dtype="float16", out=tmp_path / "run")
    assert reps.array.dtype == np.float16
    assert isinstance(reps.array, np.memmap) or isinstance(reps.array.base, np.memmap)
    on_disk = np.load(tmp_path / "run" / "states.npy", mmap_mode="r")
    assert on_disk.shape == (7, len(WORDS), 384)  # layer-major
    full = embed(WORDS, minilm, cache=False, progress=False)
    np.testing.assert_allclose(reps.array.astype(np.float32), full.array, atol=2e-3, rtol=2e-3)
    full.save(tmp_path / "x.npz")
    back = Representations.load(tmp_path / "x.npz")
    np.testing.assert_array_equal(back.array, full.array)
    assert back.items == WORDS and back.layers == full.layers and back.model_id == full.model_id
    assert back.meta["pooling"] == "mean"
    folder = Representations.load(tmp_path / "run")
    assert folder.items == WORDS and folder.shape == full.shape
    np.testing.assert_array_equal(back.layer(3), full.array[:, 3])


@pytest.mark.llm
def test_template_span_center_and_determinism(minilm):
    plain = embed(["cat", "dog"], minilm, cache=False, progress=False)
    item_only = embed(["cat", "dog"], minilm, template=None, span="item", cache=False, progress=False)
    np.testing.assert_array_equal(plain.array, item_only.array)
    templ = embed(["cat", "dog"], minilm, template="The concept: {item}.", cache=False, progress=False)
    span = embed(["cat", "dog"], minilm, template="The concept: {item}.", span="item", cache=False, progress=False)
    assert not np.allclose(templ.array, span.array)
    assert templ.meta["template"] == "The concept: {item}."
    centered = embed(WORDS, minilm, center=True, cache=False, progress=False)
    np.testing.assert_allclose(centered.array.mean(axis=0), 0, atol=1e-5)
    again = embed(["cat", "dog"], minilm, cache=False, progress=False)
    np.testing.assert_array_equal(plain.array, again.array)


@pytest.mark.llm
def test_bad_arguments(minilm, smollm):
    with pytest.raises(ValueError, match="empty"):
        embed([], minilm, progress=False)
    with pytest.raises(TypeError):
        embed("cat", minilm, progress=False)
    with pytest.raises(ValueError, match="pooling"):
        embed(["cat"], minilm, pooling="max", progress=False)
    with pytest.raises(ValueError, match="sentence-transformers"):
        embed(["cat"], smollm, pooling="sentence", progress=False)
    with pytest.raises(ValueError, match="out of range"):
        embed(["cat"], minilm, layers=[9], cache=False, progress=False)
    with pytest.warns(UserWarning, match=r"1 of 2 items .* item 1 \(''\) has no tokens"):
        embed(["cat", ""], minilm, cache=False, progress=False)
    with pytest.raises(ValueError, match="no item could be embedded.*no tokens"):
        embed([""], minilm, cache=False, progress=False)


def test_parse_layers_and_templates():
    assert parse_layers("all", 4) == [0, 1, 2, 3]
    assert parse_layers("0,-1", 31) == [0, 30]
    assert parse_layers("10:13", 31) == [10, 11, 12]
    assert parse_layers("-2:", 31) == [29, 30]
    assert parse_layers(5, 31) == [5]
    assert parse_layers([3, 1, 3], 31) == [1, 3]
    with pytest.raises(ValueError):
        parse_layers([31], 31)
    texts, spans = render_items(["cat"], "The concept: {item}.")
    assert texts == ["The concept: cat."] and spans == [(13, 16)]
    with pytest.raises(ValueError, match="exactly once"):
        render_items(["cat"], "no placeholder")


def test_the_reading_rule_is_the_default(minilm, smollm):
    words = ["cat", "dog"]
    auto = embed_by_rule(words, smollm, cache=False, progress=False)
    ruled = embed(words, smollm, template=DEFAULT_CONTEXT, span="item", cache=False,
                  progress=False)
    np.testing.assert_allclose(auto.array, ruled.array, rtol=1e-6)
    assert auto.meta["template"] == DEFAULT_CONTEXT and auto.meta["span"] == "item"
    sentence = embed_by_rule(words, minilm, cache=False, progress=False)
    assert sentence.meta["pooling"] == "sentence" and sentence.meta["template"] is None
    sentences = embed_by_rule(["The cat sat on the mat."], smollm, layers="-1", cache=False,
                              progress=False)
    assert sentences.meta["template"] is None  # sentences bring their own context


@pytest.mark.llm
def test_an_item_the_tokenizer_refuses_is_reported_and_the_rest_embedded(minilm, tmp_path):
    # one 500-letter word is a single unknown token to a WordPiece tokenizer: nothing to pool
    items = ["cat", "\ud800", "[CLS]", "dog", "x" * 500, "a long sentence " * 50]
    with pytest.warns(UserWarning, match=r"3 of 6 items could not be embedded") as caught:
        reps = embed(items, "minilm-l6", layers="-1", progress=False, out=tmp_path / "r.npz")
    message = str(caught[0].message)
    assert "item 1 ('\\ud800') cannot be tokenized" in message
    assert "item 2 ('[CLS]') has no tokens to pool over" in message
    assert "(500 characters)) has no tokens" in message and "x" * 61 not in message
    failed = np.isnan(reps.array).any(axis=(1, 2))
    assert failed.tolist() == [False, True, True, False, True, False]
    np.testing.assert_allclose(reps.array[[0, 3]], embed(["cat", "dog"], "minilm-l6", layers="-1",
                                                         progress=False).array, atol=1e-5)
    assert [f["index"] for f in reps.meta["failed_items"]] == [1, 2, 4]
    with pytest.warns(UserWarning, match="3 of 6"):  # a cache hit reports them again
        again = embed(items, "minilm-l6", layers="-1", progress=False)
    assert again.meta["cache_hit"] and Representations.load(tmp_path / "r.npz").meta["failed_items"]
    with pytest.raises(ValueError, match=r"no item could be embedded: item 0 \('\[SEP\]'\)"):
        embed(["[SEP]", "\ud800"], "minilm-l6", progress=False)
