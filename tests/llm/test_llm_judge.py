"""Prompted judgments with a local model: forced choice, ratings, counterbalancing, sampling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogalign.llm import choice_logprobs, judge, rating_distribution, sample_answers
from cogalign.llm.prompting import _digit_mask, _encode_continuations, _encode_prompt, format_prompt

pytestmark = pytest.mark.llm

TRIPLETS = pd.DataFrame(
    {"item_1": ["dog", "apple"], "item_2": ["cat", "banana"], "item_3": ["hammer", "bicycle"]}
)


def naive_logprobs(lm, prompt, answers, prefix, end=False):
    """Score each answer with a full forward pass over prompt + answer (no key/value cache)."""
    import torch

    full = format_prompt(lm, prompt, answer_prefix=prefix)
    pid = _encode_prompt(lm, full, True)
    out = []
    for cont in _encode_continuations(lm, full, answers, True):
        with torch.no_grad():
            logits = lm.model(input_ids=torch.tensor([pid + cont])).logits[0].float()
        lsm = torch.log_softmax(logits, -1)
        total = sum(float(lsm[len(pid) - 1 + t, cont[t]]) for t in range(len(cont)))
        if end:
            mask = _digit_mask(lm, lsm.shape[-1])
            total += float(torch.log1p(-lsm[-1][mask].exp().sum()))
        out.append(total)
    return np.array(out)


def test_choice_probabilities_sum_to_one_and_match_full_passes(smollm):
    prompts = ["Which one is an animal?", "Which word names a fruit?"]
    options = [["hammer", "aardvark", "cloud"], ["banana", "carburettor", "sky"]]
    res = choice_logprobs(prompts, options, smollm, progress=False)
    np.testing.assert_allclose(res.prob.sum(axis=1), 1.0)
    assert res.logprob.shape == (2, 3) and (res.n_tokens >= 1).all()
    assert (res.n_tokens > 1).any()  # multi-token options are summed
    np.testing.assert_allclose(res.logprob[1], naive_logprobs(smollm, prompts[1], options[1], "Answer:"), atol=2e-4)
    frame = res.to_frame()
    assert list(frame.columns) == ["prompt_index", "option_index", "option", "logprob", "n_tokens", "prob", "error"]
    norm = choice_logprobs(prompts, options, smollm, length_normalize=True, progress=False)
    assert norm.meta["cache_hit"]  # same scores, normalised differently
    np.testing.assert_allclose(norm.prob.sum(axis=1), 1.0)


def test_rating_0_100_scores_whole_numbers(smollm):
    prompt = "How similar are a cat and a dog, from 0 (not at all) to 100 (identical)? Answer with a number."
    res = rating_distribution(prompt, (0, 100), smollm, progress=False)
    assert res.prob.shape == (1, 101)
    np.testing.assert_allclose(res.prob.sum(), 1.0)
    assert 0 <= res.expected[0] <= 100 and 0 < res.valid_mass[0] <= 1
    values = [1, 10, 100]
    expected = naive_logprobs(smollm, prompt, [str(v) for v in values], "Rating:", end=True)
    np.testing.assert_allclose(res.logprob[0, values], expected, atol=2e-4)
    loose = rating_distribution(prompt, (0, 100), smollm, terminate=False, progress=False)
    assert loose.meta["cache_hit"]
    # without the end-of-number factor "1" would also count "10" and "100"
    assert loose.logprob[0, 1] > res.logprob[0, 1]
    seven = rating_distribution([prompt, prompt], (1, 7), smollm, progress=False)
    assert seven.meta["n_computed"] == 1  # the same prompt twice is scored once
    assert seven.prob.shape == (2, 7) and np.allclose(seven.prob.sum(axis=1), 1)
    assert 1 <= seven.expected[0] <= 7 and seven.mode[0] in range(1, 8)


def test_counterbalanced_choice_does_not_depend_on_column_order(smollm):
    out = judge(TRIPLETS, "odd-one-out", smollm, permutations="all", progress=False)
    shuffled = TRIPLETS.rename(columns={"item_1": "item_3", "item_2": "item_1", "item_3": "item_2"})
    out2 = judge(shuffled, "odd-one-out", smollm, permutations="all", progress=False)
    for item_col in ("item_1", "item_2", "item_3"):
        for i in range(len(TRIPLETS)):
            word = TRIPLETS.loc[i, item_col]
            col2 = next(c for c in ("item_1", "item_2", "item_3") if shuffled.loc[i, c] == word)
            assert out.loc[i, f"p_{item_col}"] == pytest.approx(out2.loc[i, f"p_{col2}"], abs=1e-9)
    probs = out[["p_item_1", "p_item_2", "p_item_3"]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert list(out["n_orders"]) == [6, 6] and (out["n_errors"] == 0).all()
    assert out.loc[0, "choice_item"] == TRIPLETS.loc[0, out.loc[0, "choice"]]
    bias = out.attrs["position_bias"]
    assert bias["position"] == [1, 2, 3] and bias["chance"] == pytest.approx(1 / 3)
    assert sum(bias["mean_prob"]) == pytest.approx(1.0) and bias["n"] == 12
    detail = judge(TRIPLETS, "odd-one-out", smollm, permutations="all", per_order=True, progress=False)
    assert len(detail) == 12 and {"trial", "order", "prompt", "p_position1", "p_item_1"} <= set(detail.columns)
    # without counterbalancing the result follows the order shown
    plain = judge(TRIPLETS, "odd-one-out", smollm, progress=False)
    plain2 = judge(shuffled, "odd-one-out", smollm, progress=False)
    assert not np.isclose(plain.loc[0, "p_item_3"], plain2.loc[0, "p_item_2"])


def test_rating_task_and_other_choice_tasks(smollm):
    pairs = pd.DataFrame({"item_1": ["cup"], "item_2": ["mug"]})
    out = judge(pairs, "similarity-1-7", smollm, permutations="all", progress=False)
    assert 1 <= out.loc[0, "expected"] <= 7 and out.loc[0, "n_orders"] == 2
    assert sum(out.loc[0, [f"p_{v}" for v in range(1, 8)]]) == pytest.approx(1.0)
    assert set(out.attrs["order_means"]) == {"1,2", "2,1"}
    gambles = pd.DataFrame({"gamble_a": ["$10 for sure"], "gamble_b": ["50% chance of $25, else $0"]})
    g = judge(gambles, "gamble-choice", smollm, permutations="all", progress=False)
    assert g.loc[0, "p_gamble_a"] + g.loc[0, "p_gamble_b"] == pytest.approx(1.0)
    s = judge(pairs, "same-different", smollm, permutations="all", progress=False)
    assert s.loc[0, "p_same"] + s.loc[0, "p_different"] == pytest.approx(1.0)
    assert s.loc[0, "choice"] in ("same", "different")
    a = judge([{"statement": "Exercise is good for health."}], "agree-disagree", smollm, progress=False)
    assert a.loc[0, "p_agree"] + a.loc[0, "p_disagree"] == pytest.approx(1.0)


def test_judgments_are_cached(smollm):
    prompts = ["Is water wet? Answer yes or no."]
    first = choice_logprobs(prompts, ["yes", "no"], smollm, progress=False)
    second = choice_logprobs(prompts, ["yes", "no"], "smollm2-135m", progress=False)
    assert first.meta["cache_hit"] is False and second.meta["cache_hit"] is True
    assert second.model_id == first.model_id
    np.testing.assert_array_equal(first.prob, second.prob)
    third = choice_logprobs(prompts, ["yes", "no"], smollm, system="Answer briefly.", progress=False)
    assert third.meta["cache_hit"] is False


def test_synthetic_participants_are_seeded(smollm):
    kw = {"n_participants": 25, "progress": False, "permutations": "all"}
    a = sample_answers(TRIPLETS, "odd-one-out", smollm, temperature=1.0, seed=3, **kw)
    b = sample_answers(TRIPLETS, "odd-one-out", smollm, temperature=1.0, seed=3, **kw)
    c = sample_answers(TRIPLETS, "odd-one-out", smollm, temperature=1.0, seed=4, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert not a["response"].equals(c["response"]) or not a["order"].equals(c["order"])
    assert len(a) == 50 and set(a["participant_id"]) == {f"llm-{i:03d}" for i in range(1, 26)}
    assert set(a["response"]) <= {"item_1", "item_2", "item_3"}
    assert (a["response_item"] == [row[r] for row, r in zip(a.to_dict("records"), a["response"], strict=True)]).all()
    greedy = sample_answers(TRIPLETS, "odd-one-out", smollm, temperature=0.0, seed=0, n_participants=5, progress=False)
    best = judge(TRIPLETS, "odd-one-out", smollm, progress=False)
    for i in range(len(TRIPLETS)):
        assert set(greedy.loc[greedy["trial"] == i, "response"]) == {best.loc[i, "choice"]}
    ratings = sample_answers([{"item_1": "cup", "item_2": "mug"}], "similarity-1-7", smollm, n_participants=10, progress=False)
    assert ratings["response"].between(1, 7).all()


def test_encoder_models_cannot_judge(minilm):
    with pytest.raises(ValueError, match="causal"):
        choice_logprobs("Q", ["a", "b"], minilm, cache=False, progress=False)


def test_a_prompt_the_tokenizer_refuses_is_an_error_of_that_trial(monkeypatch):
    """Local scoring: one prompt that cannot be encoded is recorded, the others are scored."""
    import cogalign.llm.scoring as scoring

    class FakeModel:
        model_id = "fake@0"

    def encode(lm, prompt, chat_formatted):
        if "BAD" in prompt:
            raise TypeError("TextEncodeInput must be Union[TextInputSequence, ...]")
        return [1, 2]

    def score(lm, prompt_ids, conts, **kwargs):
        n, k = len(prompt_ids), len(conts[0])
        return np.log(np.full((n, k), 1 / k)), np.ones((n, k), dtype=np.int64), None

    monkeypatch.setattr(scoring, "load_model", lambda *a, **k: FakeModel())
    monkeypatch.setattr(scoring, "_use_chat", lambda lm, chat: False)
    monkeypatch.setattr(scoring, "format_prompt", lambda lm, p, **k: p)
    monkeypatch.setattr(scoring, "_encode_prompt", encode)
    monkeypatch.setattr(scoring, "_encode_continuations", lambda lm, p, a, c: [[3]] * len(a))
    monkeypatch.setattr(scoring, "score_continuations", score)
    res = choice_logprobs(["fine", "BAD" + "x" * 300, "also fine"], ["1", "2"], "smollm2-135m",
                          cache=False, progress=False)
    assert res.errors[0] is None and res.errors[2] is None
    assert "prompt 1 ('BADxxx" in res.errors[1] and "(303 characters)" in res.errors[1]
    assert "cannot be tokenized (TypeError" in res.errors[1]
    assert np.isnan(res.prob[1]).all() and np.allclose(res.prob[[0, 2]], 0.5)
    with pytest.raises(ValueError, match="no prompt could be scored"):
        choice_logprobs(["BAD"], ["1", "2"], "smollm2-135m", cache=False, progress=False)
