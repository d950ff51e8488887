"""The moral-graph participant flow on ``cogalign serve``.

A participant goes through consent, a values interview with a chat model, their values card
(drafted by the model, edited and confirmed by them), votes on peers' cards ("is this wise to
consider?"), votes on wisdom upgrades between peers' cards in a context, and ends with the
completion code. Every answer is saved as it is given (:mod:`cogalign.moralgraph.online_data`
says where); a reload resumes where the participant was. The interview's model calls are made
by the server (the browser never talks to the chat server), with the client's timeout and
retries, and every text a participant or the model wrote is put on the page as text.

The study is a folder with ``moralgraph.toml`` (:mod:`cogalign.moralgraph.online_study`)
and, like every online study, an optional ``online.toml`` with the consent text, completion
code and redirect (:mod:`cogalign.serve.settings`).

Participants' API (JSON, the session token in ``Authorization: Bearer``), under
``/s/<name>/api/``: ``start``, ``answer`` (``{"turn", "text"}``), ``retry`` (ask the model
again after a failed reply), ``draft`` (write the card), ``confirm`` (``{"title",
"description", "attention_policies"}``), ``value-vote`` (``{"value_id", "vote"}``),
``upgrade-vote`` (``{"source_value_id", "wiser_value_id", "context", "vote"}``) and
``finish``. Each answers with the participant's whole view of the flow (:meth:`MoralGraphFlow.view`).
Admin pages: ``/admin/<name>/`` (counts, the live graph, the cards), with downloads of the
export (:func:`~cogalign.moralgraph.online_data.export_moralgraph`).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import random
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import MAX_POLICIES, CardParseError, Question, ValuesCard
from cogalign.moralgraph.interview import Interviewer, InterviewError, InterviewState
from cogalign.moralgraph.io import VOTES, UnknownEdgeError, VoteRecorder
from cogalign.moralgraph.online_data import (
    ASSIGNMENT,
    CARD,
    INTERVIEW,
    UPGRADE_VOTE,
    VALUE_VOTE,
    VALUE_VOTES,
    collected_cards,
    collected_graph,
    edge_item,
    export_moralgraph,
    graph_svg,
    votes_table,
)
from cogalign.moralgraph.online_study import (
    DEFINITION_FILE,
    TABLES,
    MoralGraphStudy,
    load_moralgraph_study,
)
from cogalign.moralgraph.prompts import TEMPLATES
from cogalign.serve.admin import admin_page, require_admin
from cogalign.serve.db import Database, StateConflict
from cogalign.serve.flows import FlowKind
from cogalign.serve.pages import Templates
from cogalign.serve.participants import (
    authorised,
    json_body,
    limit,
    open_identity,
    server_state,
    start_identity,
)
from cogalign.serve.recording import Identity, RequestError
from cogalign.serve.security import client_address
from cogalign.serve.settings import OnlineSettings, load_online_settings
from cogalign.studies.definition import DefinitionError

__all__ = ["FLOW_KIND", "MODEL_THREADS", "MoralGraphFlow", "load_flow"]

#: Worker threads (per server process) for the steps that wait for the chat model.
MODEL_THREADS = 32

WEB = Path(__file__).with_name("web")

_CARD_LIMITS = {"title": 120, "description": 600, "policy": 300}
#: Cards (the least voted on) among which a participant's upgrade edges are chosen.
_POOL = 40


# --------------------------------------------------------------------------- the chat model


class _ChatModel:
    """The interviewer's chat client, made on first use.

    A missing setting fails that call, which the interview records, not the server's start.
    """

    def __init__(self, chat: Mapping[str, Any]):
        self.chat = dict(chat)
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._client.model_id if self._client is not None else f"chat:{self.chat['model']}"

    def problem(self) -> str | None:
        """Why no client can be made (a missing model name), or ``None``."""
        try:
            self.client()
        except CogalignError as exc:
            return str(exc)
        return None

    def client(self) -> Any:
        import os

        from cogalign.llm import ChatClient

        with self._lock:
            if self._client is None:
                c = self.chat
                self._client = ChatClient(
                    c["model"] or None, c["base_url"] or None,
                    os.environ.get(c["api_key_env"]) or None, timeout=c["timeout"],
                    max_retries=c["max_retries"], backoff=0.5, max_backoff=5.0, workers=1,
                    top_logprobs=0, cache=False, progress=False)
            return self._client

    def complete(self, messages: Any, **options: Any) -> Any:
        return self.client().complete(messages, **options)


# --------------------------------------------------------------------------- the flow


def _text(body: Mapping[str, Any], name: str, limit_chars: int, *, where: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise RequestError(f"{where}: {name} must be non-empty text")
    value = value.strip()
    if len(value) > limit_chars:
        raise RequestError(f"{where}: {name} has {len(value)} characters (at most {limit_chars})")
    return value


def _integer(body: Mapping[str, Any], name: str, *, where: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{where}: {name} must be an integer")
    return value


def _public_card(card_id: int | None, card: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": card_id, "title": card["title"], "description": card["description"],
            "attention_policies": list(card["attention_policies"])}


class MoralGraphFlow:
    """One moral-graph study as ``cogalign serve`` runs it (a :class:`cogalign.serve.flows.Flow`).

    Every step is a method taking the participant's :class:`~cogalign.serve.recording.Identity`
    and the request body and returning the participant's view (:meth:`view`); the routes only
    check the token and the rate limit and call them in a worker thread.

    Parameters
    ----------
    study
        The definition.
    online
        The online settings (consent, ids, completion code).
    """

    kind = "moralgraph"
    paradigm = "moralgraph"

    def __init__(self, study: MoralGraphStudy, online: OnlineSettings):
        self.study = study
        self.online = online
        s = study.settings
        self.chat = _ChatModel(s["chat"])
        prompts = s["interview"]["prompts"]
        if prompts.replace("_", "-") not in TEMPLATES and (study.path.parent / prompts).is_file():
            prompts = str(study.path.parent / prompts)  # a template file next to the definition
        try:
            self.interviewer = Interviewer(
                self.chat, prompts=prompts, max_turns=s["interview"]["max_turns"],
                max_retries=s["interview"]["card_retries"],
                temperature=s["interview"]["temperature"], seed=s["study"]["seed"],
                max_tokens=s["interview"]["max_tokens"])
        except CogalignError as exc:
            raise DefinitionError(f"{study.path}: [interview] prompts: {exc}") from None
        self.max_calls = 3 * (s["interview"]["max_turns"] + s["interview"]["card_retries"] + 1) + 6
        self.templates = Templates(WEB / "templates")
        self._db: Database | None = None
        self._locks: dict[tuple[str, int], threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._cards: dict[int, dict[str, Any]] = {}
        self._cards_lock = threading.Lock()
        self._model_threads: anyio.CapacityLimiter | None = None

    # ----------------------------------------------------------------- Flow protocol

    @property
    def name(self) -> str:
        """The study's name."""
        return self.study.name

    @property
    def title(self) -> str:
        """The study's title."""
        return self.study.settings["study"]["title"] or self.name

    @property
    def definition_hash(self) -> str:
        """The definition's hash."""
        return self.study.hash

    def meta(self) -> dict[str, Any]:
        """What the database keeps about the study."""
        s = self.study.settings
        return {"flow": self.kind, "title": s["study"]["title"],
                "description": s["study"]["description"],
                "questions": [{"id": q.id, "text": q.text, "contexts": list(q.contexts)}
                              for q in self.study.questions],
                "settings": {k: v for k, v in s.items() if k != "text"},
                "overrides": list(self.study.overrides)}

    def prepare(self, db: Database) -> None:
        """Keep the database and store the starting cards.

        Each card is stored once, keyed by its content, so a restart or a changed setting never
        adds a card twice.
        """
        self._db = db
        for question_id, card in self.study.start_cards:
            value = {"question_id": question_id, "card": card.to_dict()}
            digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8"))
            db.add_record(study=self.name, participant="", session=0, kind=CARD,
                          item=f"start-{digest.hexdigest()[:32]}", value=value)

    def notes(self) -> list[str]:
        """A missing chat setting, said at start."""
        problem = self.chat.problem()
        return [] if problem is None else [f"the interviewer model is not ready: {problem}"]

    @property
    def db(self) -> Database:
        """The database (after :meth:`prepare`)."""
        if self._db is None:
            raise CogalignError(f"study {self.name}: prepare(db) was not called")
        return self._db

    # ----------------------------------------------------------------- state

    def _lock(self, identity: Identity) -> threading.Lock:
        key = (identity.participant, identity.session)
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                if len(self._locks) > 50_000:
                    for k in [k for k, v in self._locks.items() if not v.locked()]:
                        del self._locks[k]
                lock = self._locks[key] = threading.Lock()
            return lock

    def _interview(self, identity: Identity) -> tuple[int, InterviewState]:
        stored = self.db.load_state(self.name, identity.participant, identity.session, INTERVIEW)
        if stored is None:
            raise RequestError("no interview for this session; start again", status=409)
        return stored[0], InterviewState.from_dict(stored[1])

    def _save(self, identity: Identity, state: InterviewState, version: int) -> int:
        try:
            return self.db.save_state(self.name, identity.participant, identity.session,
                                      INTERVIEW, state.to_dict(), version)
        except StateConflict:
            raise RequestError("this interview was changed by another request; reload the page",
                               status=409) from None

    def question_for(self, participant: str) -> Question:
        """The question a participant is interviewed about (seeded by the study and the id)."""
        rng = random.Random(f"{self.study.settings['study']['seed']}/{participant}/question")
        return self.study.questions[rng.randrange(len(self.study.questions))]

    def begin(self, identity: Identity) -> None:
        """Open the participant's interview (its first message needs no model call)."""
        key = (self.name, identity.participant, identity.session, INTERVIEW)
        if self.db.load_state(*key) is not None:
            return
        state = self.interviewer.start(
            self.question_for(identity.participant), identity.participant,
            interview_id=f"{self.name}/{identity.participant}/{identity.session}")
        try:
            self.db.save_state(*key, state.to_dict(), 0)
        except StateConflict:
            pass  # a simultaneous start made it

    def _cards_by_id(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        with self._cards_lock:
            if any(i not in self._cards for i in ids):
                for c in collected_cards(self.db, self.name):
                    self._cards[c["id"]] = c
            return {i: self._cards[i] for i in ids if i in self._cards}

    def _own(self, kind: str, identity: Identity) -> list[dict[str, Any]]:
        return self.db.records(self.name, kind, participant=identity.participant,
                               session=identity.session)

    # ----------------------------------------------------------------- the view

    def view(self, identity: Identity, state: InterviewState | None = None) -> dict[str, Any]:
        """Everything the page shows the participant now.

        Returns
        -------
        dict
            ``stage`` (``"interview"``, ``"card"``, ``"values"``, ``"upgrades"``,
            ``"finish"`` or ``"done"``), ``question``, ``messages`` (the transcript),
            ``waiting`` (an answer has no reply yet), ``answers`` / ``max_turns``,
            ``error`` (what went wrong, for the participant), ``draft`` (the model's card,
            until confirmed), ``card`` (the confirmed card), ``values`` (peers' cards with the
            participant's ``vote``), ``upgrades`` (``source``, ``wiser``, ``context``,
            ``vote``), and at the end ``completion_code`` and ``redirect``.
        """
        if state is None:
            _, state = self._interview(identity)
        own: dict[str, list[dict[str, Any]]] = {}
        for r in self.db.records(self.name, None, participant=identity.participant,
                                 session=identity.session):
            own.setdefault(r["kind"], []).append(r)
        cards, assignment = own.get(CARD, []), own.get(ASSIGNMENT, [])
        out: dict[str, Any] = {
            "question": state.question,
            "messages": [dict(m) for m in state.messages],
            "waiting": bool(state.messages) and state.messages[-1]["role"] == "participant",
            "answers": state.n_answers,
            "max_turns": self.interviewer.max_turns,
            "status": state.status,
            "error": self._public_error(state),
            "draft": None, "card": None, "values": [], "upgrades": [],
        }
        if not cards:
            out["stage"] = "interview" if state.status == "asking" else "card"
            if state.status == "done":
                out["draft"] = _public_card(None, state.card or {})
            return out
        card = cards[0]
        out["card"] = _public_card(card["id"], card["value"]["card"])
        if not assignment:  # the card was stored, its assignment not yet (a request cut short)
            self._assign(identity, card["value"]["question_id"], card["id"])
            assignment = self._own(ASSIGNMENT, identity)
        plan = assignment[0]["value"]
        voted = {r["value"]["value_id"]: r["value"]["vote"] for r in own.get(VALUE_VOTE, [])}
        upgrades = {r["item"]: r["value"]["vote"] for r in own.get(UPGRADE_VOTE, [])}
        shown = self._cards_by_id([*plan["values"], *[i for e in plan["edges"] for i in e[:2]]])
        out["values"] = [{**_public_card(i, shown[i]["card"]), "vote": voted.get(i)}
                         for i in plan["values"]]
        out["upgrades"] = [{"source": _public_card(s, shown[s]["card"]),
                            "wiser": _public_card(w, shown[w]["card"]), "context": c,
                            "vote": upgrades.get(edge_item(s, w, c))}
                           for s, w, c in plan["edges"]]
        if any(v["vote"] is None for v in out["values"]):
            out["stage"] = "values"
        elif any(u["vote"] is None for u in out["upgrades"]):
            out["stage"] = "upgrades"
        else:
            record = self.db.get_session(self.name, identity.participant, identity.session)
            out["stage"] = "done" if record is not None and record.finished else "finish"
            if out["stage"] == "done":
                out.update(self._completion())
        return out

    def _public_error(self, state: InterviewState) -> str | None:
        if state.error is None:
            return None
        if state.status == "failed":  # says what was wrong with the card, names no server
            return (f"Your values card could not be written: {state.error}. Your answers are "
                    "saved; please try again.")
        place = state.error.split(": ", 1)[0]
        return (f"The interviewer did not answer ({place}). What you wrote is saved; "
                "please try again.")

    def _completion(self) -> dict[str, Any]:
        return {"completion_code": self.online.completion_code or None,
                "redirect": self.online.redirect_url()}

    # ----------------------------------------------------------------- steps

    def start(self, identity: Identity, record_created: bool) -> dict[str, Any]:
        """Open the interview and answer with the view (used by the ``start`` route)."""
        self.begin(identity)
        return {"participant": identity.participant, "resumed": not record_created,
                **self.view(identity)}

    def _ask(self, identity: Identity, state: InterviewState, version: int) -> int:
        if len(state.calls) >= self.max_calls:
            raise RequestError(f"interview {state.interview_id}: all {self.max_calls} model calls "
                               "of this interview are used", status=409)
        try:
            self.interviewer.reply(state)
        except InterviewError:
            pass  # recorded in the state (the call and state.error); the answer is kept
        return self._save(identity, state, version)

    @staticmethod
    def _given(state: InterviewState, turn: int, text: str) -> bool:
        answers = [m["content"] for m in state.messages if m["role"] == "participant"]
        return turn < len(answers) and answers[turn] == text

    def answer(self, identity: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
        """Save the participant's answer, then get the interviewer's reply.

        ``turn`` counts the participant's answers from 0; an answer sent again with its turn
        (a retry) is not stored twice, and its reply is asked for again when it is missing.
        The answer is committed before the model is called, so a model that fails or times
        out loses nothing.
        """
        where = f"{self.name}: answer of {identity.participant}"
        turn = _integer(body, "turn", where=where)
        text = _text(body, "text", self.study.settings["interview"]["max_answer_chars"],
                     where=where)
        with self._lock(identity):
            version, state = self._interview(identity)
            if self._given(state, turn, text):
                if state.status == "asking" and state.messages[-1]["role"] == "participant":
                    version = self._ask(identity, state, version)
                return self.view(identity, state)
            if state.status != "asking":
                raise RequestError(f"{where}: the interview is over ({state.status})", status=409)
            if turn != state.n_answers:
                raise RequestError(f"{where}: answer {turn} does not follow the {state.n_answers} "
                                   "answer(s) given; reload the page", status=409)
            if state.messages and state.messages[-1]["role"] == "participant":
                raise RequestError(f"{where}: the last answer has no reply yet; try it again "
                                   "first", status=409)
            state.messages.append({"role": "participant", "content": text})
            version = self._save(identity, state, version)
            self._ask(identity, state, version)
            return self.view(identity, state)

    def retry(self, identity: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
        """Ask the interviewer again for the reply to the last answer (after a failure)."""
        with self._lock(identity):
            version, state = self._interview(identity)
            if state.status == "asking" and state.messages[-1]["role"] == "participant":
                self._ask(identity, state, version)
            return self.view(identity, state)

    def draft(self, identity: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
        """Have the model write the participant's values card from the interview.

        A card that does not parse is asked for again (``card_retries`` times, the model told
        what was wrong); after the last attempt the view carries the error, naming the
        interview and the attempt, and the transcript and every attempt stay saved. Calling
        again starts new attempts.
        """
        with self._lock(identity):
            version, state = self._interview(identity)
            if state.status == "done":
                return self.view(identity, state)
            if state.status == "asking":
                raise RequestError(f"{self.name}: the interview of {identity.participant} is not "
                                   "over yet", status=409)
            if len(state.calls) >= self.max_calls:
                raise RequestError(f"interview {state.interview_id}: all {self.max_calls} model "
                                   "calls of this interview are used", status=409)
            try:
                self.interviewer.articulate(state)
            except (CardParseError, InterviewError):
                pass  # state.status / state.error say what happened; nothing is lost
            self._save(identity, state, version)
            return self.view(identity, state)

    def confirm(self, identity: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store the participant's card as they edited it, and choose what they vote on.

        Raises
        ------
        RequestError
            422 for a card that is not valid (naming the field), 409 before a draft.
        """
        where = f"{self.name}: values card of {identity.participant}"
        policies = body.get("attention_policies")
        if not isinstance(policies, list) or not all(isinstance(p, str) for p in policies):
            raise RequestError(f"{where}: attention_policies must be a list of texts")
        policies = [p.strip() for p in policies if p.strip()]
        if len(policies) > MAX_POLICIES or any(len(p) > _CARD_LIMITS["policy"] for p in policies):
            raise RequestError(f"{where}: at most {MAX_POLICIES} attention policies of at most "
                               f"{_CARD_LIMITS['policy']} characters each")
        title = _text(body, "title", _CARD_LIMITS["title"], where=where)
        description = _text(body, "description", _CARD_LIMITS["description"], where=where)
        try:
            card = ValuesCard(title=title, description=description,
                              attention_policies=tuple(policies))
        except CardParseError as exc:
            raise RequestError(f"{where}: {str(exc).removeprefix('invalid values card: ')}") from None
        with self._lock(identity):
            _, state = self._interview(identity)
            if state.status != "done" or state.card is None:
                raise RequestError(f"{where}: there is no drafted card to confirm yet", status=409)
            draft = state.card
            edited = (card.title, card.description, list(card.attention_policies)) != (
                draft["title"], draft["description"], list(draft["attention_policies"]))
            question_id = state.question_id or self.question_for(identity.participant).id
            card_id, _, _ = self.db.add_record(
                study=self.name, participant=identity.participant, session=identity.session,
                kind=CARD, item="card",
                value={"question_id": question_id, "card": card.to_dict(), "draft": draft,
                       "edited": edited, "interview_id": state.interview_id})
            self._assign(identity, question_id, card_id)
            return self.view(identity, state)

    def _assign(self, identity: Identity, question_id: str, own: int) -> None:
        """Choose (once) the peers' cards and the upgrade edges the participant votes on.

        The cards and pairs of cards with the fewest votes so far come first (ties in a
        seeded random order); each edge gets a random direction and one of the question's
        contexts.
        """
        if self._own(ASSIGNMENT, identity):
            return
        votes = self.study.settings["votes"]
        question = self.study.question(question_id)
        rng = random.Random(f"{self.study.settings['study']['seed']}/{identity.participant}/"
                            f"{identity.session}/votes")
        pool = [c["id"] for c in collected_cards(self.db, self.name)
                if c["question_id"] == question_id and c["id"] != own]
        seen = Counter(r["value"]["value_id"] for r in self.db.records(self.name, VALUE_VOTE))
        values = sorted(pool, key=lambda i: (seen[i], rng.random()))[:votes["peer_cards"]]
        pairs_seen: Counter = Counter()
        for r in self.db.records(self.name, UPGRADE_VOTE):
            v = r["value"]
            pairs_seen[frozenset((v["source_value_id"], v["wiser_value_id"]))] += 1
        by_use = Counter()
        for pair, n in pairs_seen.items():
            for i in pair:
                by_use[i] += n
        few = sorted(pool, key=lambda i: (by_use[i], rng.random()))[:_POOL]
        pairs = [(a, b) for k, a in enumerate(few) for b in few[k + 1:]]
        pairs.sort(key=lambda p: (pairs_seen[frozenset(p)], rng.random()))
        edges = []
        for a, b in pairs[:votes["upgrade_edges"]]:
            source, wiser = (a, b) if rng.random() < 0.5 else (b, a)
            edges.append([source, wiser, rng.choice(question.contexts)])
        self.db.add_record(study=self.name, participant=identity.participant,
                           session=identity.session, kind=ASSIGNMENT, item="votes",
                           value={"question_id": question_id, "values": values, "edges": edges})

    def _plan(self, identity: Identity, where: str) -> dict[str, Any]:
        plan = self._own(ASSIGNMENT, identity)
        if not plan:
            raise RequestError(f"{where}: confirm your values card first", status=409)
        return plan[0]["value"]

    def value_vote(self, identity: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store a vote on a peer's card (``wise``, ``not_wise`` or ``unsure``), once.

        Raises
        ------
        RequestError
            422 for a card that was not shown to this participant or an unknown answer.
        """
        where = f"{self.name}: value vote of {identity.participant}"
        value_id = _integer(body, "value_id", where=where)
        vote = body.get("vote")
        plan = self._plan(identity, where)
        if value_id not in plan["values"]:
            raise RequestError(f"{where}: value {value_id} was not shown to this participant "
                               f"(shown: {plan['values']})")
        if vote not in VALUE_VOTES:
            raise RequestError(f"{where}: vote must be one of {list(VALUE_VOTES)}")
        _, created, stored = self.db.add_record(
            study=self.name, participant=identity.participant, session=identity.session,
            kind=VALUE_VOTE, item=f"value-{value_id}", value={"value_id": value_id, "vote": vote})
        return {"saved": created, "vote": stored["vote"], **self.view(identity)}

    def upgrade_vote(self, identity: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store a vote on an upgrade edge offered to this participant, once.

        The vote is checked by a :class:`~cogalign.moralgraph.io.VoteRecorder` holding the
        participant's edges: an edge or context that was not offered is refused with the
        recorder's message (:class:`~cogalign.moralgraph.io.UnknownEdgeError`).
        """
        where = f"{self.name}: upgrade vote of {identity.participant}"
        source = _integer(body, "source_value_id", where=where)
        wiser = _integer(body, "wiser_value_id", where=where)
        context = body.get("context")
        if not isinstance(context, str):
            raise RequestError(f"{where}: context must be text")
        plan = self._plan(identity, where)
        recorder = VoteRecorder(tuple(e) for e in plan["edges"])
        try:
            recorder.record(identity.participant, source, wiser, context, body.get("vote"))
        except UnknownEdgeError as exc:
            raise RequestError(f"{where}: {exc}") from None
        except CogalignError as exc:
            raise RequestError(f"{where}: {exc} (votes: {list(VOTES)})") from None
        _, created, stored = self.db.add_record(
            study=self.name, participant=identity.participant, session=identity.session,
            kind=UPGRADE_VOTE, item=edge_item(source, wiser, context),
            value={"source_value_id": source, "wiser_value_id": wiser, "context": context,
                   "vote": body["vote"]})
        return {"saved": created, "vote": stored["vote"], **self.view(identity)}

    def finish(self, identity: Identity, body: Mapping[str, Any]) -> dict[str, Any]:
        """End the session once every vote is in; hand out the completion code.

        Raises
        ------
        RequestError
            409 naming the stage the participant is still in.
        """
        view = self.view(identity)
        if view["stage"] not in ("finish", "done"):
            raise RequestError(f"{self.name}: {identity.participant} is still at the "
                               f"{view['stage']!r} stage", status=409)
        self.db.finish_session(self.name, identity.participant, identity.session)
        return self.view(identity)

    # ----------------------------------------------------------------- routes

    def routes(self) -> list[BaseRoute]:
        """The participant's page, its files and the API."""
        base = f"/s/{self.name}"
        actions: dict[str, Callable[[Identity, Mapping[str, Any]], dict[str, Any]]] = {
            "answer": self.answer, "retry": self.retry, "draft": self.draft,
            "confirm": self.confirm, "value-vote": self.value_vote,
            "upgrade-vote": self.upgrade_vote, "finish": self.finish,
        }
        calls_model = {"answer", "retry", "draft"}
        return [
            Route(base, self._redirect),
            Route(f"{base}/", self._page),
            Route(f"{base}/api/start", self._start, methods=["POST"]),
            *[Route(f"{base}/api/{name}", self._action(method, name in calls_model),
                    methods=["POST"])
              for name, method in actions.items()],
            Mount(f"{base}/static", StaticFiles(directory=str(WEB / "static"))),
        ]

    async def _redirect(self, request: Request) -> Response:
        query = request.url.query
        return RedirectResponse(f"/s/{self.name}/" + (f"?{query}" if query else ""),
                                status_code=308)

    async def _page(self, request: Request) -> Response:
        text = self.study.settings["text"]
        online = self.online
        config = {
            "study": self.name, "title": self.title, "api": f"/s/{self.name}/api",
            "max_answer_chars": self.study.settings["interview"]["max_answer_chars"],
            "card_limits": _CARD_LIMITS, "max_policies": MAX_POLICIES,
            "texts": {**text, "end": online.end or text["end"], "consent": online.consent,
                      "consent_button": online.consent_button,
                      "decline_button": online.decline_button, "declined": online.declined,
                      "preview": online.preview},
            "redirect_delay": int(round(1000 * online.redirect_delay)),
        }
        return HTMLResponse(self.templates.render("moralgraph_flow.html", title=self.title,
                                                  config=config,
                                                  static=f"/s/{self.name}/static"))

    async def _start(self, request: Request) -> Response:
        limit(request, "start", client_address(request))
        body = await json_body(request)
        if not isinstance(body, dict):
            raise RequestError("the request must be a JSON object")
        state = server_state(request)

        def run() -> dict[str, Any]:
            identity = start_identity(state, self, body)
            if identity.session != 1:
                raise RequestError("this study has one session per participant (session=1)")
            record, token = open_identity(state, self, identity, 0)
            return {"token": token, **self.start(identity, record.created)}

        return JSONResponse(await run_in_threadpool(run))

    def _action(self, method: Callable[[Identity, Mapping[str, Any]], dict[str, Any]],
                calls_model: bool) -> Callable:
        """A route running one step in a worker thread.

        Steps that wait for the chat model take threads of their own (:data:`MODEL_THREADS`),
        so slow model answers never hold up the other participants' votes.
        """

        async def handler(request: Request) -> Response:
            identity = await authorised(request, self)
            limit(request, "trial", f"{self.name}/{identity.participant}/{identity.session}")
            body = await json_body(request)
            if not isinstance(body, dict):
                raise RequestError("the request must be a JSON object")
            if not calls_model:
                return JSONResponse(await run_in_threadpool(method, identity, body))
            if self._model_threads is None:
                self._model_threads = anyio.CapacityLimiter(MODEL_THREADS)
            return JSONResponse(await anyio.to_thread.run_sync(
                functools.partial(method, identity, body), limiter=self._model_threads))

        return handler

    # ----------------------------------------------------------------- admin

    def admin_routes(self) -> list[BaseRoute]:
        """The admin page, its live numbers and figure, and the downloads."""
        base = f"/admin/{self.name}"
        return [
            Route(f"{base}/", self._admin_page),
            Route(f"{base}/stats.json", self._admin_stats),
            Route(f"{base}/graph.svg", self._admin_graph),
            Route(f"{base}/export.zip", self._admin_zip),
            Route(f"{base}/moral-graph.json", self._admin_file("moral-graph.json")),
            Route(f"{base}/votes.csv", self._admin_file("votes.csv")),
        ]

    def stats(self) -> dict[str, Any]:
        """The admin page's numbers: sessions, cards, votes, card failures."""
        db = self.db
        stats = db.study_stats(self.name)
        counts = db.record_counts(self.name)
        cards = collected_cards(db, self.name)
        return {"started": stats["started"], "finished": stats["finished"],
                "median_duration_s": stats["median_duration_s"],
                "cards": sum(c["source"] == "participant" for c in cards),
                "edited_cards": sum(c["edited"] for c in cards),
                "start_cards": sum(c["source"] == "start" for c in cards),
                "value_votes": counts.get(VALUE_VOTE, 0),
                "upgrade_votes": counts.get(UPGRADE_VOTE, 0)}

    async def _admin_page(self, request: Request) -> Response:
        refused = require_admin(request)
        if refused is not None:
            return refused

        def collect() -> dict[str, Any]:
            cards = collected_cards(self.db, self.name)
            tally: dict[int, Counter] = {}
            for r in self.db.records(self.name, VALUE_VOTE):
                tally.setdefault(r["value"]["value_id"], Counter())[r["value"]["vote"]] += 1
            votes = votes_table(self.db, self.name)
            return {"stats": self.stats(), "cards": [
                {**c, "votes": dict(tally.get(c["id"], {})),
                 "upgrades": int(((votes["source_value_id"] == c["id"])
                                  | (votes["wiser_value_id"] == c["id"])).sum())}
                for c in cards]}

        data = await run_in_threadpool(collect)
        return admin_page(request, "moralgraph_admin.html", templates=self.templates,
                          flow=self, questions=self.study.questions, **data,
                          static=f"/s/{self.name}/static")

    async def _admin_stats(self, request: Request) -> Response:
        refused = require_admin(request)
        if refused is not None:
            raise HTTPException(401, "log in first")
        return JSONResponse(await run_in_threadpool(self.stats))

    async def _admin_graph(self, request: Request) -> Response:
        refused = require_admin(request)
        if refused is not None:
            raise HTTPException(401, "log in first")

        def draw() -> bytes:
            return graph_svg(collected_graph(self.db, self.name),
                             seed=self.study.settings["study"]["seed"])

        return Response(await run_in_threadpool(draw), media_type="image/svg+xml")

    def _export_files(self) -> dict[str, bytes]:
        with tempfile.TemporaryDirectory(prefix="cogalign-moralgraph-") as tmp:
            folder = Path(tmp) / self.name
            export_moralgraph(self.db, self.name, folder)
            return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    async def _admin_zip(self, request: Request) -> Response:
        refused = require_admin(request)
        if refused is not None:
            return refused

        def pack() -> bytes:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in self._export_files().items():
                    archive.writestr(f"{self.name}/{name}", data)
            return buf.getvalue()

        return Response(await run_in_threadpool(pack), media_type="application/zip", headers={
            "content-disposition": f'attachment; filename="{self.name}-moralgraph.zip"'})

    def _admin_file(self, file: str) -> Callable:
        media = "application/json" if file.endswith(".json") else "text/csv; charset=utf-8"

        async def download(request: Request) -> Response:
            refused = require_admin(request)
            if refused is not None:
                return refused
            files = await run_in_threadpool(self._export_files)
            return Response(files[file], media_type=media, headers={
                "content-disposition": f'attachment; filename="{self.name}-{file}"'})

        return download


# --------------------------------------------------------------------------- the kind


def load_flow(path: str | Path, common: Sequence[str] = (),
              by_study: Mapping[str, Sequence[str]] | None = None) -> MoralGraphFlow:
    """Load a moral-graph study for the server (the :class:`~cogalign.serve.flows.FlowKind` loader).

    Parameters
    ----------
    path
        The ``moralgraph.toml`` file.
    common
        ``--set`` overrides for every study: those of this definition's tables (and
        ``online.``) apply, the rest belong to other kinds of study.
    by_study
        Overrides by study name; this study's all apply.
    """
    path = Path(path)
    probe = load_moralgraph_study(path)
    mine = [o for o in common if o.strip().partition(".")[0] in (*TABLES, "online")]
    mine += list((by_study or {}).get(probe.name, []))
    online = [o for o in mine if o.strip().startswith("online.")]
    rest = [o for o in mine if not o.strip().startswith("online.")]
    study = load_moralgraph_study(path, rest) if rest else probe
    return MoralGraphFlow(study, load_online_settings(path.parent, online))


#: The moral-graph flow as the server's registry sees it (declared by the paradigm).
FLOW_KIND = FlowKind(name="moralgraph", definition_file=DEFINITION_FILE,
                     load="cogalign.moralgraph.online:load_flow",
                     export="cogalign.moralgraph.online_data:export_moralgraph")
