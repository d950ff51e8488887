"""The chat-completion backend against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from cogalign.llm import (
    ChatClient,
    ChatError,
    ChatServerError,
    choice_logprobs,
    judge,
    rating_distribution,
    sample_answers,
)
from cogalign.llm.chat_answers import parse_choice, parse_rating

LOG = math.log


def client_for(server, **kwargs) -> ChatClient:
    settings = {"timeout": 2.0, "max_retries": 3, "backoff": 0.01, "cache": False, "progress": False, "workers": 1}
    settings.update(kwargs)
    return ChatClient("fake-model", server.base_url, api_key="sk-test", **settings)


def test_success_with_logprobs(fake_server):
    fake_server.default = {"content": "2", "top": {"2": LOG(0.7), "1": LOG(0.2), "3": LOG(0.05), "x": LOG(0.05)}}
    res = choice_logprobs(["Which?"] * 2, ["1", "2", "3"], client_for(fake_server))
    np.testing.assert_allclose(res.prob, [[0.2 / 0.95, 0.7 / 0.95, 0.05 / 0.95]] * 2)
    np.testing.assert_allclose(res.prob.sum(axis=1), 1.0)
    assert res.source == ["logprobs", "logprobs"]
    assert res.errors == [None, None]
    assert res.answers == ["2", "2"]
    sent = fake_server.requests[0]
    assert sent["model"] == "fake-model" and sent["logprobs"] is True and sent["top_logprobs"] == 20
    assert sent["messages"] == [{"role": "user", "content": "Which?"}]
    assert sent["temperature"] == 0.0


def test_parsed_answer_without_logprobs(fake_server):
    fake_server.default = {"content": "Different."}
    res = choice_logprobs("Same or different?", ["same", "different"], client_for(fake_server, top_logprobs=0))
    assert "logprobs" not in fake_server.requests[0]
    np.testing.assert_array_equal(res.prob, [[0.0, 1.0]])
    assert res.source == ["text"]


def test_retry_after_429_and_500(fake_server):
    fake_server.push({"status": 429, "headers": {"Retry-After": "0"}}, {"status": 500}, {"status": 503})
    fake_server.default = {"content": "1"}
    client = client_for(fake_server)
    res = choice_logprobs("Q", ["1", "2"], client)
    assert res.errors == [None]
    np.testing.assert_array_equal(res.prob, [[1.0, 0.0]])
    assert len(fake_server.requests) == 4
    assert client.stats["retries"] == 3


def test_gives_up_after_retries_and_records_the_error(fake_server):
    fake_server.default = {"status": 500}
    res = choice_logprobs(["Q1", "Q2"], ["1", "2"], client_for(fake_server, max_retries=2))
    assert all("HTTP 500" in e and "3 attempts" in e for e in res.errors)
    assert np.isnan(res.prob).all()
    assert list(res.choice) == [-1, -1]
    assert len(fake_server.requests) == 6


def test_timeout_is_retried(fake_server):
    fake_server.push({"sleep": 1.0})
    fake_server.default = {"content": "2"}
    client = client_for(fake_server, timeout=0.25)
    res = choice_logprobs("Q", ["1", "2"], client)
    assert res.errors == [None]
    np.testing.assert_array_equal(res.prob, [[0.0, 1.0]])
    assert client.stats["retries"] == 1


def test_persistent_timeout_is_an_error(fake_server):
    fake_server.default = {"sleep": 0.6}
    res = choice_logprobs("Q", ["1", "2"], client_for(fake_server, timeout=0.2, max_retries=1))
    assert "timed out" in res.errors[0]


def test_malformed_answer_is_recorded_not_retried(fake_server):
    fake_server.push({"raw": b'{"choices": []}'}, {"content": "2"})
    res = choice_logprobs(["Q1", "Q2"], ["1", "2"], client_for(fake_server))
    assert "malformed response" in res.errors[0] and res.errors[1] is None
    assert len(fake_server.requests) == 2


def test_a_body_that_is_not_json_stops_the_run(fake_server):
    fake_server.default = {"raw": b"<html>oops</html>"}
    with pytest.raises(ChatServerError, match="not JSON.*OpenAI-compatible"):
        choice_logprobs(["Q1", "Q2", "Q3"], ["1", "2"], client_for(fake_server))
    assert len(fake_server.requests) == 1  # not retried, and the other trials were not sent


def test_unparseable_and_refused_answers_are_errors(fake_server):
    fake_server.push(
        {"content": "Hmm, both are interesting."},
        {"refusal": "I can't help with that."},
        {"content": "", "finish_reason": "content_filter"},
        {"content": "1"},
    )
    client = client_for(fake_server, top_logprobs=0)
    res = choice_logprobs(["a", "b", "c", "d"], ["1", "2"], client)
    assert res.errors[0].startswith("unparseable answer")
    assert res.errors[1].startswith("refusal")
    assert res.errors[2].startswith("refusal")
    assert res.errors[3] is None
    assert np.isnan(res.prob[:3]).all() and res.prob[3, 0] == 1.0


@pytest.mark.parametrize("status", [401, 403, 404])
def test_rejected_key_or_unknown_model_stops_the_run_at_once(fake_server, status):
    fake_server.default = {"status": status}
    client = client_for(fake_server, workers=2)
    with pytest.raises(ChatServerError, match=f"HTTP {status}"):
        choice_logprobs([f"Q{i}" for i in range(6)], ["1", "2"], client)
    assert len(fake_server.requests) <= 2  # the first answer stops the rest
    assert client.stats["retries"] == 0


def test_refused_connection_stops_the_run_without_retries():
    from llm_fake_server import refused_base_url

    client = ChatClient("m", refused_base_url(), cache=False, progress=False, backoff=5.0,
                        workers=1)
    start = time.monotonic()
    with pytest.raises(ChatServerError, match="connection refused"):
        choice_logprobs(["Q1", "Q2"], ["1", "2"], client)
    assert time.monotonic() - start < 2.0 and client.stats["requests"] == 1


def test_a_server_that_never_answers_is_bounded_by_the_deadline(fake_server):
    fake_server.default = {"hang": True}
    client = client_for(fake_server, timeout=0.3, max_retries=50, backoff=0.01, deadline=1.0)
    start = time.monotonic()
    res = choice_logprobs("Q", ["1", "2"], client)
    spent = time.monotonic() - start
    assert "timed out" in res.errors[0] and "deadline is 1 s" in res.errors[0]
    assert 0.9 < spent < 2.0 and client.stats["requests"] <= 4


def test_settings_come_from_the_environment(fake_server, monkeypatch):
    monkeypatch.setenv("COGALIGN_CHAT_TIMEOUT", "2.5")
    monkeypatch.setenv("COGALIGN_CHAT_CONNECT_TIMEOUT", "1.5")
    monkeypatch.setenv("COGALIGN_CHAT_RETRIES", "0")
    monkeypatch.setenv("COGALIGN_CHAT_DEADLINE", "7")
    client = ChatClient("m", fake_server.base_url, cache=False, progress=False)
    assert (client.timeout, client.connect_timeout, client.max_retries, client.deadline) == \
        (2.5, 1.5, 0, 7.0)
    assert ChatClient("m", fake_server.base_url, timeout=9, max_retries=2).timeout == 9.0
    fake_server.default = {"status": 500}
    assert "1 attempts" in client.complete("hi").error and len(fake_server.requests) == 1
    monkeypatch.setenv("COGALIGN_CHAT_TIMEOUT", "soon")
    with pytest.raises(ChatError, match="COGALIGN_CHAT_TIMEOUT='soon'"):
        ChatClient("m", fake_server.base_url)
    monkeypatch.setenv("COGALIGN_CHAT_TIMEOUT", "-1")
    with pytest.raises(ChatError, match="positive number of seconds"):
        ChatClient("m", fake_server.base_url)
    monkeypatch.setenv("COGALIGN_CHAT_TIMEOUT", "1")
    monkeypatch.setenv("COGALIGN_CHAT_RETRIES", "2.5")
    with pytest.raises(ChatError, match="COGALIGN_CHAT_RETRIES"):
        ChatClient("m", fake_server.base_url)


def test_server_without_logprobs_support_falls_back_to_text(fake_server):
    rejected = {"status": 400, "body": b'{"error": {"message": "logprobs are not supported"}}'}
    fake_server.default = {"answer": lambda b: rejected if b.get("logprobs") else {"content": "agree"}}
    client = client_for(fake_server)
    res = choice_logprobs(["Agree?", "Again?"], ["agree", "disagree"], client)
    assert res.errors == [None, None] and res.source == ["text", "text"]
    assert [bool(r.get("logprobs")) for r in fake_server.requests] == [True, False, False]
    fake_server.default = {"answer": lambda b: {"status": 422}}
    assert "HTTP 422" in client.complete("x").error  # an unrelated 4xx is reported as is


def test_rate_limit_spaces_requests(fake_server):
    client = client_for(fake_server, requests_per_minute=600, workers=3)  # one per 0.1 s
    start = time.monotonic()
    client.complete_many([{"messages": f"q{i}"} for i in range(4)])
    assert time.monotonic() - start >= 0.28
    gaps = np.diff(sorted(fake_server.times))
    assert gaps.min() >= 0.08


def test_responses_are_cached(fake_server, tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path))
    fake_server.default = {"content": "1"}
    client = client_for(fake_server, cache=True)
    first = client.complete("same question")
    second = client.complete("same question")
    assert not first.cached and second.cached and second.text == "1"
    assert len(fake_server.requests) == 1
    fake_server.default = {"status": 500}
    failed = client_for(fake_server, cache=True, max_retries=0).complete("other")
    assert failed.error and not list((tmp_path / "llm" / "chat").glob("*other*"))
    assert len(list((tmp_path / "llm" / "chat").glob("*.json"))) == 1


def test_environment_configuration(fake_server, monkeypatch):
    monkeypatch.setenv("COGALIGN_CHAT_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("COGALIGN_CHAT_MODEL", "env-model")
    monkeypatch.delenv("COGALIGN_CHAT_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = ChatClient(cache=False, progress=False)
    assert client.base_url == fake_server.base_url and client.model == "env-model"
    assert client.complete("hi").text == "1"
    assert fake_server.requests[0]["model"] == "env-model"
    monkeypatch.delenv("COGALIGN_CHAT_MODEL")
    with pytest.raises(ChatError, match="no chat model"):
        ChatClient()


def test_ratings(fake_server):
    fake_server.push(
        {"content": "5", "top": {"5": LOG(0.5), "6": LOG(0.3), "4": LOG(0.1), "9": LOG(0.1)}},
        {"content": "Rating: 73"},
        {"content": "150"},
    )
    client = client_for(fake_server)
    res = rating_distribution(["q"], (1, 7), client)
    np.testing.assert_allclose(res.prob[0], [0, 0, 0, 1 / 9, 5 / 9, 3 / 9, 0])
    assert res.valid_mass[0] == pytest.approx(0.9)
    res = rating_distribution(["q", "q2"], (0, 100), client)
    assert res.expected[0] == 73 and res.source[0] == "text"
    assert res.errors[1].startswith("unparseable")


def test_judge_through_chat_records_errors(fake_server):
    fake_server.push({"content": "2"}, {"status": 400}, {"content": "3"})
    fake_server.default = {"content": "1"}
    trials = pd.DataFrame({"item_1": ["cat", "sun"], "item_2": ["dog", "moon"], "item_3": ["car", "tree"]})
    out = judge(trials, "odd-one-out", client_for(fake_server, top_logprobs=0), permutations="cyclic")
    assert list(out["n_orders"]) == [3, 3]
    assert list(out["n_errors"]) == [1, 0]
    assert "HTTP 400" in out.loc[0, "error"] and pd.isna(out.loc[1, "error"])
    probs = out[["p_item_1", "p_item_2", "p_item_3"]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert out.attrs["position_bias"]["n"] == 5
    fake_server.default = {"content": "The odd one out is car."}
    named = judge(trials.iloc[:1], "odd-one-out", client_for(fake_server, top_logprobs=0))
    assert named.loc[0, "p_item_3"] == 1.0 and named.loc[0, "choice_item"] == "car"


def test_sampled_participants_through_chat(fake_server):
    fake_server.default = {"answer": lambda b: {"content": "agree" if b["seed"] % 2 else "Disagree!"}}
    trials = pd.DataFrame({"statement": ["Cats are great.", "Rain is wet."]})
    out = sample_answers(trials, "agree-disagree", client_for(fake_server), n_participants=3,
                         temperature=0.9, seed=4)
    assert len(out) == 6 and out["error"].isna().all()
    assert set(out["response"]) == {"agree", "disagree"}
    seeds = sorted({r["seed"] for r in fake_server.requests})
    assert len(seeds) == 3 and all(r["temperature"] == 0.9 for r in fake_server.requests)


def test_parsers():
    assert parse_choice("2.", ["1", "2", "3"]) == 1
    assert parse_choice("**B**", ["A", "B"]) == 1
    assert parse_choice("Different, because the shapes are mirrored", ["same", "different"]) == 1
    assert parse_choice("same or different", ["same", "different"]) == 0
    assert parse_choice("I cannot say", ["same", "different"]) is None
    assert parse_choice(None, ["a", "b"]) is None
    assert parse_rating("I'd say 6/7", range(1, 8)) == 6
    assert parse_rating("8", range(1, 8)) is None
    assert parse_rating("3.5", range(1, 8)) is None
