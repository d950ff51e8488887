"""The values interview: a chat model elicits a values card from a participant, turn by turn.

The engine is made for a web flow as much as for simulation. An :class:`InterviewState`
holds everything about one interview (messages, status, every model call with its request
and answer, every attempt at a card) and is plain JSON (:meth:`InterviewState.to_dict`), so
a server saves it after each answer. An :class:`Interviewer` holds the model and the
templates and moves a state on by one step; nothing blocks waiting for a participant:

>>> interviewer = Interviewer(client)                                   # doctest: +SKIP
>>> state = interviewer.start("My 10-year-old won't do homework...", "p-01")  # doctest: +SKIP
>>> state.last_question                     # show this to the participant  # doctest: +SKIP
>>> interviewer.reply(state, "I'd want the assistant to...")             # doctest: +SKIP
>>> if state.status == "ready":                                         # doctest: +SKIP
...     card = interviewer.articulate(state)

Statuses: ``"asking"`` (waiting for the participant), ``"ready"`` (enough said: the
interviewer ended its message with the template's marker, or ``max_turns`` answers were
given), ``"done"`` (a card was written) and ``"failed"`` (no valid card after the retries).

A model call that fails raises :class:`InterviewError` and a card that does not parse after
every retry raises :class:`~cogalign.moralgraph.cards.CardParseError`; both name the
interview and the step, and the state keeps the participant's answers and the whole
transcript, so nothing collected is lost. :meth:`Interviewer.reply` without an answer asks
the model again for a reply that failed.

The templates are ``moralgraph/prompts/interview.toml`` (see
:mod:`cogalign.moralgraph.prompts`); the model is a :class:`cogalign.llm.ChatClient` (any
OpenAI-compatible server) or anything with the same ``complete`` method, such as
:class:`cogalign.moralgraph.local_chat.LocalChatModel`.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import CardParseError, Question, ValuesCard, parse_card
from cogalign.moralgraph.prompts import load_prompts

__all__ = ["STATUSES", "InterviewError", "InterviewState", "Interviewer"]

#: The statuses of an interview.
STATUSES: tuple[str, ...] = ("asking", "ready", "done", "failed")


class InterviewError(CogalignError):
    """A model call of an interview failed (the state keeps everything said so far)."""


@dataclass
class InterviewState:
    """Everything about one interview, as plain data.

    Attributes
    ----------
    interview_id, participant_id
        Identifiers (the participant id is pseudonymous).
    question
        The question the interview is about (its text).
    question_id
        The :class:`~cogalign.moralgraph.cards.Question`'s id, when one was given.
    messages
        ``{"role": "interviewer" | "participant", "content": str}`` in order.
    status
        One of :data:`STATUSES`.
    card
        The values card (as :meth:`ValuesCard.to_dict`) once written.
    attempts
        Every attempt at a card: ``{"answer": str | None, "error": str | None}``.
    calls
        Every model call: ``{"step", "messages", "answer", "error", "model"}``, the
        transcript of what the model was asked and said.
    error
        The last error, or None.
    """

    interview_id: str
    participant_id: str
    question: str
    question_id: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    status: str = "asking"
    card: dict[str, Any] | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def n_answers(self) -> int:
        """Number of participant answers so far."""
        return sum(m["role"] == "participant" for m in self.messages)

    @property
    def last_question(self) -> str | None:
        """The interviewer's latest message (what the participant should see), if it is its turn."""
        if self.messages and self.messages[-1]["role"] == "interviewer":
            return self.messages[-1]["content"]
        return None

    def values_card(self) -> ValuesCard:
        """The card as a :class:`ValuesCard` (only when ``status == "done"``)."""
        if self.card is None:
            raise CogalignError(f"interview {self.interview_id}: no values card yet (status {self.status!r})")
        return ValuesCard.from_dict(self.card)

    def transcript(self) -> str:
        """The conversation as text, one ``Interviewer:`` / ``Participant:`` line per message."""
        return "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in self.messages)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able copy of the state."""
        return copy.deepcopy(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InterviewState:
        """Restore a state saved by :meth:`to_dict`."""
        state = cls(**copy.deepcopy(dict(data)))
        if state.status not in STATUSES:
            raise CogalignError(f"interview {state.interview_id}: unknown status {state.status!r}")
        return state


class Interviewer:
    """Runs values interviews with a chat model.

    Parameters
    ----------
    client
        A :class:`cogalign.llm.ChatClient` or any object with its ``complete(messages, *,
        temperature, max_tokens, seed, logprobs)`` method returning a
        :class:`cogalign.llm.ChatResponse`.
    prompts
        Template name or TOML file (default ``"interview"``).
    max_turns
        Participant answers after which the interview is ready whatever the model says.
    max_retries
        Further attempts at a card after a malformed one (each told what was wrong).
    temperature, seed
        Decoding settings of the interviewer's replies (cards are written at temperature 0).
    max_tokens, card_max_tokens
        Answer lengths of replies and cards.
    """

    def __init__(self, client: Any, *, prompts: str = "interview", max_turns: int = 5, max_retries: int = 2,
                 temperature: float = 0.7, seed: int = 0, max_tokens: int = 300, card_max_tokens: int = 500):
        if max_turns < 1 or max_retries < 0:
            raise CogalignError("max_turns must be at least 1 and max_retries at least 0")
        self.client = client
        self.prompts = load_prompts(prompts)
        for key in ("marker", "system", "opening", "articulate_system", "articulate", "repair"):
            if key not in self.prompts:
                raise CogalignError(f"interview template {self.prompts['source']}: missing key {key!r}")
        self.max_turns = max_turns
        self.max_retries = max_retries
        self.temperature = temperature
        self.seed = seed
        self.max_tokens = max_tokens
        self.card_max_tokens = card_max_tokens

    @property
    def model_id(self) -> str:
        """Identity of the interviewer model."""
        return str(getattr(self.client, "model_id", repr(self.client)))

    def _fill(self, key: str, **values: str) -> str:
        text = str(self.prompts[key])
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    def start(self, question: Question | str, participant_id: str, *,
              interview_id: str | None = None) -> InterviewState:
        """A new interview whose first interviewer message is the template's opening (no model call).

        Parameters
        ----------
        question
            A :class:`~cogalign.moralgraph.cards.Question` or the question's text.
        participant_id
            Pseudonymous participant id.
        interview_id
            Optional id (a random one by default).
        """
        text = question.text if isinstance(question, Question) else str(question)
        if not text.strip():
            raise CogalignError("an interview needs a question")
        state = InterviewState(interview_id=interview_id or uuid.uuid4().hex[:12],
                               participant_id=str(participant_id), question=text,
                               question_id=question.id if isinstance(question, Question) else "")
        state.messages.append({"role": "interviewer", "content": self._fill("opening", question=state.question)})
        return state

    def _call(self, state: InterviewState, step: str, messages: list[dict[str, str]], *,
              temperature: float, max_tokens: int) -> str:
        seed = self.seed * 1_000 + len(state.calls)
        try:
            response = self.client.complete(messages, temperature=temperature, max_tokens=max_tokens,
                                            seed=seed, logprobs=False)
            answer, error = response.text, response.error
        except CogalignError as exc:
            answer, error = None, str(exc)
        state.calls.append({"step": step, "messages": messages, "answer": answer, "error": error,
                            "model": self.model_id})
        if error is not None:
            state.error = f"interview {state.interview_id}, {step}: {error}"
            raise InterviewError(state.error)
        state.error = None
        return str(answer)

    def _chat_messages(self, state: InterviewState) -> list[dict[str, str]]:
        system = self._fill("system", question=state.question, marker=str(self.prompts["marker"]))
        roles = {"interviewer": "assistant", "participant": "user"}
        return [{"role": "system", "content": system}] + [
            {"role": roles[m["role"]], "content": m["content"]} for m in state.messages]

    def reply(self, state: InterviewState, answer: str | None = None) -> InterviewState:
        """Record the participant's answer and get the interviewer's next message.

        Parameters
        ----------
        state
            An interview with status ``"asking"``; changed in place and returned.
        answer
            The participant's answer; None asks the model again for the reply to the last
            answer (after an :class:`InterviewError`).

        Raises
        ------
        InterviewError
            The model call failed; the answer is kept in ``state``.
        CogalignError
            The interview is not waiting for an answer, or the answer is empty.
        """
        if state.status != "asking":
            raise CogalignError(f"interview {state.interview_id} is {state.status!r}, not waiting for an answer")
        if answer is not None:
            if state.messages and state.messages[-1]["role"] == "participant":
                raise CogalignError(f"interview {state.interview_id}: the last answer has no reply yet; "
                                    "call reply(state) to ask the interviewer again")
            if not str(answer).strip():
                raise CogalignError(f"interview {state.interview_id}: empty answer")
            state.messages.append({"role": "participant", "content": str(answer).strip()})
        elif not state.messages or state.messages[-1]["role"] != "participant":
            raise CogalignError(f"interview {state.interview_id}: no answer waiting for a reply")
        if state.n_answers >= self.max_turns:
            state.status = "ready"
            return state
        text = self._call(state, f"reply to answer {state.n_answers}", self._chat_messages(state),
                          temperature=self.temperature, max_tokens=self.max_tokens)
        marker = str(self.prompts["marker"])
        ready = marker in text
        text = text.replace(marker, "").strip()
        if text:
            state.messages.append({"role": "interviewer", "content": text})
        if ready:
            state.status = "ready"
        elif not text:
            state.error = f"interview {state.interview_id}: the interviewer gave an empty reply"
            raise InterviewError(state.error)
        return state

    def articulate(self, state: InterviewState) -> ValuesCard:
        """Write the participant's values card (validated; retried when malformed).

        The model gets the transcript and must answer with a JSON card
        (:func:`~cogalign.moralgraph.cards.parse_card`); after a malformed answer it is told
        what was wrong and tries again, up to ``max_retries`` times. Every attempt is kept in
        ``state.attempts`` and ``state.calls``.

        Raises
        ------
        CardParseError
            No valid card after the retries (``state.status`` becomes ``"failed"``).
        InterviewError
            A model call failed.
        """
        if state.status not in ("ready", "asking", "failed"):
            raise CogalignError(f"interview {state.interview_id} is {state.status!r}")
        if state.n_answers == 0:
            raise CogalignError(f"interview {state.interview_id}: no answers to write a card from")
        messages = [
            {"role": "system", "content": self._fill("articulate_system", question=state.question)},
            {"role": "user", "content": self._fill("articulate", transcript=state.transcript())},
        ]
        problem = None
        for attempt in range(1, self.max_retries + 2):
            where = f"interview {state.interview_id}, card attempt {attempt}"
            text = self._call(state, f"card attempt {attempt}", list(messages), temperature=0.0,
                              max_tokens=self.card_max_tokens)
            try:
                card = parse_card(text, where=where)
            except CardParseError as exc:
                problem = str(exc)
                state.attempts.append({"answer": text, "error": problem})
                messages += [{"role": "assistant", "content": text},
                             {"role": "user", "content": self._fill("repair", error=problem.split(": ", 1)[-1])}]
                continue
            state.attempts.append({"answer": text, "error": None})
            state.card = card.to_dict()
            state.status = "done"
            state.error = None
            return card
        state.status = "failed"
        state.error = f"no valid values card after {self.max_retries + 1} attempts; last: {problem}"
        raise CardParseError(f"interview {state.interview_id}: {state.error}")

    def run(self, question: Question | str, participant: Callable[[InterviewState], str], participant_id: str, *,
            interview_id: str | None = None) -> InterviewState:
        """A whole interview with a simulated participant (used for personas and tests).

        Parameters
        ----------
        question
            The question (a :class:`~cogalign.moralgraph.cards.Question` or its text).
        participant
            ``state -> answer``: called whenever the interviewer waits for an answer.
        participant_id
            Pseudonymous id.
        interview_id
            Optional id.

        Returns
        -------
        InterviewState
            With status ``"done"`` or ``"failed"`` (a card that would not parse is recorded,
            not raised); model-call failures raise :class:`InterviewError`.
        """
        state = self.start(question, participant_id, interview_id=interview_id)
        while state.status == "asking":
            self.reply(state, participant(state))
        try:
            self.articulate(state)
        except CardParseError:
            pass
        return state
