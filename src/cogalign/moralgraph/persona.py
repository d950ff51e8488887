"""Synthetic participants described by a persona: the whole flow, interview and votes.

A :class:`Persona` is a short description of a person. :func:`simulate_persona` has a chat
model play that person: it is interviewed by the :class:`~cogalign.moralgraph.interview.Interviewer`
(its answers come from the ``participant`` template with the persona), its values card is
written, and it votes on upgrade edges with the persona as system message
(:func:`~cogalign.moralgraph.llm.llm_participants`, one participant). Everything said and
answered is kept: the interview state with every model call, and every vote answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import Question
from cogalign.moralgraph.interview import Interviewer, InterviewError, InterviewState
from cogalign.moralgraph.prompts import load_prompts

__all__ = ["Persona", "PersonaParticipant", "PersonaRun", "simulate_persona"]


@dataclass(frozen=True)
class Persona:
    """A synthetic participant.

    Attributes
    ----------
    id
        Pseudonymous participant id (``persona-nurse``).
    description
        Who they are, in a few sentences.
    """

    id: str
    description: str

    def __post_init__(self) -> None:
        if not self.id.strip() or not self.description.strip():
            raise CogalignError("a persona needs an id and a description")


class PersonaParticipant:
    """Answers an interviewer as a persona would (``state -> answer``).

    Parameters
    ----------
    persona
        Who answers.
    client
        Chat model (:class:`cogalign.llm.ChatClient` or a local chat model).
    prompts
        Template name or TOML file with a ``system`` text (default ``"participant"``).
    temperature, seed, max_tokens
        Decoding settings.
    """

    def __init__(self, persona: Persona, client: Any, *, prompts: str = "participant", temperature: float = 0.7,
                 seed: int = 0, max_tokens: int = 200):
        self.persona = persona
        self.client = client
        self.prompts = load_prompts(prompts)
        self.temperature = temperature
        self.seed = seed
        self.max_tokens = max_tokens
        self.calls: list[dict[str, Any]] = []

    def system(self, question: str) -> str:
        """The persona's system message for a question."""
        return (str(self.prompts["system"]).replace("{persona}", self.persona.description)
                .replace("{question}", question))

    def __call__(self, state: InterviewState) -> str:
        """The persona's next answer to the interviewer."""
        roles = {"interviewer": "user", "participant": "assistant"}
        messages = [{"role": "system", "content": self.system(state.question)}] + [
            {"role": roles[m["role"]], "content": m["content"]} for m in state.messages]
        response = self.client.complete(messages, temperature=self.temperature, max_tokens=self.max_tokens,
                                        seed=self.seed * 1_000 + 500 + len(self.calls), logprobs=False)
        self.calls.append({"messages": messages, "answer": response.text, "error": response.error})
        if response.error is not None:
            raise InterviewError(f"persona {self.persona.id} in interview {state.interview_id}: {response.error}")
        return str(response.text).strip()


@dataclass
class PersonaRun:
    """What a persona did.

    Attributes
    ----------
    persona
        Who.
    interview
        The interview state (messages, card, every interviewer call).
    participant_calls
        Every call that produced the persona's answers (messages and answer).
    votes
        Its tidy votes (``MORAL_VOTES``).
    vote_answers
        Every vote answer with its prompt order and error.
    """

    persona: Persona
    interview: InterviewState
    participant_calls: list[dict[str, Any]] = field(default_factory=list)
    votes: pd.DataFrame = field(default_factory=pd.DataFrame)
    vote_answers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record of the run."""
        return {"persona": {"id": self.persona.id, "description": self.persona.description},
                "interview": self.interview.to_dict(), "participant_calls": self.participant_calls,
                "votes": self.votes.to_dict("records"),
                "vote_answers": self.vote_answers.astype(object).where(self.vote_answers.notna(), None)
                .to_dict("records")}


def simulate_persona(
    persona: Persona,
    question: Question | str,
    *,
    interviewer: Interviewer,
    participant_model: Any,
    graph: MoralGraph | None = None,
    vote_model: Any = None,
    task: str = "upgrade-vote",
    temperature: float = 0.7,
    seed: int = 0,
    edges: pd.DataFrame | None = None,
    progress: bool = False,
) -> PersonaRun:
    """Run one persona through the interview and, given a graph, the votes.

    Parameters
    ----------
    persona
        Who takes part.
    question
        The interview question (a :class:`~cogalign.moralgraph.cards.Question` or its text).
    interviewer
        The interview engine (and its model).
    participant_model
        The chat model that plays the persona.
    graph
        Edges to vote on (optional; no votes without it).
    vote_model
        Model that casts the persona's votes (default ``participant_model``).
    task
        Vote template (see :mod:`cogalign.moralgraph.llm`).
    temperature, seed
        Sampling of the persona's answers and votes.
    edges
        A subset of the graph's edges to vote on.
    progress
        Show progress bars.

    Returns
    -------
    PersonaRun
        With the interview (status ``"done"`` or ``"failed"``), the persona's calls and votes.
    """
    from cogalign.moralgraph.llm import llm_participants

    participant = PersonaParticipant(persona, participant_model, temperature=temperature, seed=seed)
    state = interviewer.run(question, participant, persona.id, interview_id=f"{persona.id}-interview")
    run = PersonaRun(persona=persona, interview=state, participant_calls=participant.calls)
    if graph is not None:
        votes, answers = llm_participants(
            graph, participant_model if vote_model is None else vote_model, n_participants=1,
            temperature=temperature, seed=seed, task=task, system=participant.system(state.question),
            edges=edges, prefix="persona-", progress=progress)
        votes = votes.assign(participant_id=persona.id)
        run.votes = votes
        run.vote_answers = answers.assign(participant_id=persona.id)
    return run

