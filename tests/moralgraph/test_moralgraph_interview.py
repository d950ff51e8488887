"""The values interview and the persona flow against the fake OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from cogalign.errors import CogalignError
from cogalign.moralgraph import (
    CardParseError,
    Interviewer,
    InterviewError,
    InterviewState,
    Persona,
    Question,
    check_votes,
    simulate_persona,
)

QUESTION = "My 10-year-old refuses to do homework. What should I do?"
CARD = {"title": "Curious Engagement", "description": "Help the parent find what sparks the child's interest.",
        "attention_policies": ["INTERESTS the child already has", "MOMENTS when effort feels rewarding"]}


def scripted(body: dict) -> dict:
    """Answers by who is asking: the card writer, the persona, the interviewer, or a vote."""
    system = body["messages"][0]["content"] if body["messages"][0]["role"] == "system" else ""
    user = body["messages"][-1]["content"]
    if "values card" in system:
        return {"content": "```json\n" + json.dumps(CARD) + "\n```"}
    if "Stay in character" in system:
        if "Did they become wiser" in user:
            return {"content": "yes"}
        return {"content": "As a teacher, I look at what the child is curious about."}
    if len([m for m in body["messages"] if m["role"] == "user"]) >= 2:
        return {"content": "Thank you, I have a clear picture. [[READY]]"}
    return {"content": "Can you tell me about a time that worked?"}


def test_interview_turn_by_turn_with_saved_state(chat, fake_server):
    fake_server.default = {"answer": scripted}
    interviewer = Interviewer(chat)
    question = Question("homework", QUESTION, ("When parenting",))
    state = interviewer.start(question, "p-01", interview_id="iv-1")
    assert state.status == "asking" and "homework" in state.last_question and not fake_server.requests
    assert state.question == QUESTION and state.question_id == "homework"
    interviewer.reply(state, "I'd want it to ask what the child enjoys.")
    assert state.status == "asking" and state.last_question == "Can you tell me about a time that worked?"
    saved = json.dumps(state.to_dict())  # a server stores this after every answer
    state = InterviewState.from_dict(json.loads(saved))
    interviewer.reply(state, "When we turned maths into a game, she did it happily.")
    assert state.status == "ready" and "[[READY]]" not in state.messages[-1]["content"]
    card = interviewer.articulate(state)
    assert card.title == "Curious Engagement" and state.status == "done"
    assert state.values_card() == card
    assert [c["step"] for c in state.calls] == ["reply to answer 1", "reply to answer 2", "card attempt 1"]
    assert all(c["answer"] and c["error"] is None for c in state.calls)
    assert "Participant: When we turned maths" in state.transcript()
    sent = fake_server.requests[-1]["messages"]
    assert "Participant: I'd want it to ask" in sent[1]["content"]  # the card writer sees the transcript
    with pytest.raises(CogalignError, match="is 'done', not waiting"):
        interviewer.reply(state, "more")


def test_malformed_card_is_retried_then_recorded(chat, fake_server):
    interviewer = Interviewer(chat, max_turns=1, max_retries=1)
    state = interviewer.start(QUESTION, "p-02", interview_id="iv-2")
    interviewer.reply(state, "Honesty with children matters to me.")
    assert state.status == "ready" and not fake_server.requests  # max_turns reached: no model call
    fake_server.push({"content": "Sure! The value is honesty."},
                     {"content": json.dumps({**CARD, "attention_policies": []})})
    with pytest.raises(CardParseError, match="interview iv-2: no valid values card after 2 attempts"):
        interviewer.articulate(state)
    assert state.status == "failed"
    assert [a["error"] is not None for a in state.attempts] == [True, True]
    assert "no JSON object" in state.attempts[0]["error"]
    repair = fake_server.requests[1]["messages"][-1]["content"]
    assert "could not be used" in repair and "no JSON object" in repair  # the model was told why
    assert state.messages[-1]["content"] == "Honesty with children matters to me."  # nothing lost
    fake_server.push({"content": json.dumps(CARD)})
    assert interviewer.articulate(state).title == CARD["title"] and state.status == "done"


def test_failed_model_call_keeps_the_answer_and_can_be_retried(chat, fake_server):
    interviewer = Interviewer(chat)
    state = interviewer.start(QUESTION, "p-03", interview_id="iv-3")
    fake_server.push({"status": 400, "body": b'{"error": {"message": "bad request"}}'})
    with pytest.raises(InterviewError, match="interview iv-3, reply to answer 1: HTTP 400"):
        interviewer.reply(state, "Patience.")
    assert state.messages[-1] == {"role": "participant", "content": "Patience."}
    assert state.calls[-1]["error"].startswith("HTTP 400")
    with pytest.raises(CogalignError, match="has no reply yet"):
        interviewer.reply(state, "Another answer")
    fake_server.push({"content": "Why patience?"})
    interviewer.reply(state)  # ask again
    assert state.last_question == "Why patience?" and state.error is None


def test_interview_settings_and_templates_are_checked(chat, tmp_path):
    with pytest.raises(CogalignError, match="max_turns"):
        Interviewer(chat, max_turns=0)
    broken = tmp_path / "t.toml"
    broken.write_text('name = "x"\nsystem = "s"\n')
    with pytest.raises(CogalignError, match="missing key 'marker'"):
        Interviewer(chat, prompts=str(broken))
    with pytest.raises(CogalignError, match="unknown template"):
        Interviewer(chat, prompts="no-such-template")
    state = Interviewer(chat).start(QUESTION, "p")
    with pytest.raises(CogalignError, match="no answers"):
        Interviewer(chat).articulate(state)
    with pytest.raises(CogalignError, match="unknown status"):
        InterviewState.from_dict({**state.to_dict(), "status": "lost"})


def test_persona_runs_the_whole_flow(chat, fake_server, small_graph):
    fake_server.default = {"answer": scripted}
    persona = Persona("persona-teacher", "A primary-school teacher of twenty years, patient and practical.")
    run = simulate_persona(persona, QUESTION, interviewer=Interviewer(chat), participant_model=chat,
                           graph=small_graph)
    assert run.interview.status == "done" and run.interview.card["title"] == CARD["title"]
    answers = [m["content"] for m in run.interview.messages if m["role"] == "participant"]
    assert answers and all("teacher" in a for a in answers)
    assert "primary-school teacher" in run.participant_calls[0]["messages"][0]["content"]
    assert len(run.votes) == 5 and set(run.votes["vote"]) == {"wiser"}  # 4 edges, one in two contexts
    assert (run.votes["participant_id"] == "persona-teacher").all()
    check_votes(run.votes, small_graph)
    assert run.vote_answers["answer"].eq("yes").all()
    record = json.loads(json.dumps(run.to_dict()))
    assert record["persona"]["id"] == "persona-teacher" and len(record["votes"]) == 5
    vote_prompts = [r["messages"] for r in fake_server.requests if "Did they become wiser" in r["messages"][-1]["content"]]
    assert len(vote_prompts) == 5 and "primary-school teacher" in vote_prompts[0][0]["content"]


def tiny_chat_model():
    """A one-layer random GPT-2 with a word-level tokenizer and a chat template (no download)."""
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    import torch

    from cogalign.llm import LoadedModel
    from cogalign.llm.models import ModelSpec

    words = ["<unk>", "<eos>", "user", "assistant", "system", ":", "hello", "values", "card", "wise"]
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", eos_token="<eos>",
                                                pad_token="<eos>")
    fast.chat_template = ("{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} {% endfor %}"
                          "{% if add_generation_prompt %}assistant : {% endif %}")
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=len(words), n_positions=2048, n_embd=16, n_layer=1, n_head=2,
                                     eos_token_id=1, bos_token_id=1)
    model = transformers.GPT2LMHeadModel(config).eval()
    spec = ModelSpec("tiny", "tiny", local=True, _identity={"model_id": "tiny@0"})
    return LoadedModel(spec=spec, model=model, tokenizer=fast, kind="causal", device="cpu", dtype=torch.float32,
                       n_layers=1, width=16)


@pytest.mark.slow
def test_local_chat_model_generates_like_a_chat_client():
    from cogalign.moralgraph.local_chat import LocalChatModel

    chat = LocalChatModel(tiny_chat_model())
    assert chat.model_id == "local:tiny@0"
    messages = [{"role": "system", "content": "values"}, {"role": "user", "content": "hello"}]
    greedy = chat.complete(messages, temperature=0.0, max_tokens=5)
    assert greedy.error is None and greedy.text and greedy.text == chat.complete(messages, max_tokens=5).text
    a = chat.complete(messages, temperature=1.0, max_tokens=5, seed=3)
    b = chat.complete(messages, temperature=1.0, max_tokens=5, seed=3)
    assert a.text == b.text  # seeded sampling
    assert set(greedy.text.split()) <= {"user", "assistant", "system", ":", "hello", "values", "card", "wise",
                                        "<unk>"}
    interviewer = Interviewer(chat, max_turns=1, max_retries=0)
    state = interviewer.start(QUESTION, "p-local")
    interviewer.reply(state, "hello")
    with pytest.raises(CardParseError, match="no valid values card after 1 attempts"):
        interviewer.articulate(state)  # a random model writes no JSON: recorded, not lost
    assert state.status == "failed" and state.calls[-1]["model"] == "local:tiny@0"
