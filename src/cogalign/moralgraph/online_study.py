"""The definition of an online moral-graph study: ``moralgraph.toml``.

The study is a folder with ``moralgraph.toml`` (and, like every online study, an optional
``online.toml`` with the consent text, completion code and redirect;
:mod:`cogalign.serve.settings`)::

    [study]
    name = "moralgraph"            # the study's URL is /s/<name>/
    title = "..."
    seed = 1                       # question per participant, what each participant votes on

    [chat]                         # the interviewer model (any OpenAI-compatible server)
    model = ""                     # "" -> COGALIGN_CHAT_MODEL
    base_url = ""                  # "" -> COGALIGN_CHAT_BASE_URL, then OPENAI_BASE_URL
    api_key_env = "COGALIGN_CHAT_API_KEY"   # the variable holding the key (never the key)
    timeout = 60.0                 # seconds per model request
    max_retries = 2

    [interview]
    prompts = "interview"          # template (moralgraph/prompts) or a TOML file
    max_turns = 5                  # participant answers before the card is written
    card_retries = 2               # further attempts after a card that does not parse
    temperature = 0.7
    max_answer_chars = 2000

    [votes]
    peer_cards = 3                 # peers' cards each participant judges
    upgrade_edges = 3              # upgrade edges each participant votes on

    [text]                         # what the pages say (defaults in TEXT_DEFAULTS)

    [[questions]]                  # one is chosen per participant (seeded)
    id = "abortion"
    text = "I am a Christian girl and am considering getting an abortion - what should I do?"
    contexts = ["When advising someone facing a hard personal decision"]

    [[cards]]                      # optional starting cards, so the first participants
    question = "abortion"          # have peers' values to vote on
    title = "..."
    description = "..."
    attention_policies = ["...", "..."]

``--set table.field=value`` overrides any field of ``[study]`` (but ``name``), ``[chat]``,
``[interview]``, ``[votes]`` and ``[text]``; ``online.FIELD`` sets ``online.toml`` fields.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import CardParseError, Question, ValuesCard
from cogalign.studies.definition import DefinitionError, parse_override

__all__ = ["DEFINITION_FILE", "TABLES", "TEXT_DEFAULTS", "MoralGraphStudy", "load_moralgraph_study"]

#: The file that marks a moral-graph study folder.
DEFINITION_FILE = "moralgraph.toml"

#: What the pages say, by ``[text]`` field.
TEXT_DEFAULTS: dict[str, str] = {
    "interview": "An interviewer (an AI model) will ask you a few questions about how an AI "
                 "assistant should answer the question below. Answer in your own words.",
    "card": "This is your values card: what you attend to when choosing well here, as the "
            "interviewer understood it. Edit anything that does not fit, then confirm it.",
    "peers": "Other participants wrote these values cards. Is this value wise to consider "
             "when answering the question?",
    "upgrades": "Here are two values. Would someone who moved from the first value to the "
                "second become wiser, in the situation described?",
    "end": "Thank you for taking part.",
}

#: Every table of the definition: field -> (type, default); ``None``: required.
TABLES: dict[str, dict[str, tuple[type, Any]]] = {
    "study": {"name": (str, None), "title": (str, ""), "description": (str, ""),
              "seed": (int, 0)},
    "chat": {"model": (str, ""), "base_url": (str, ""),
             "api_key_env": (str, "COGALIGN_CHAT_API_KEY"), "timeout": (float, 60.0),
             "max_retries": (int, 2)},
    "interview": {"prompts": (str, "interview"), "max_turns": (int, 5),
                  "card_retries": (int, 2), "temperature": (float, 0.7),
                  "max_tokens": (int, 300), "max_answer_chars": (int, 2000)},
    "votes": {"peer_cards": (int, 3), "upgrade_edges": (int, 3)},
    "text": {name: (str, text) for name, text in TEXT_DEFAULTS.items()},
}
_RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("chat", "timeout"): (1, 600), ("chat", "max_retries"): (0, 10),
    ("interview", "max_turns"): (1, 30), ("interview", "card_retries"): (0, 10),
    ("interview", "temperature"): (0, 2), ("interview", "max_tokens"): (16, 4000),
    ("interview", "max_answer_chars"): (20, 10_000),
    ("votes", "peer_cards"): (0, 50), ("votes", "upgrade_edges"): (0, 50),
}
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_QUESTION_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class MoralGraphStudy:
    """A moral-graph study definition (``moralgraph.toml`` with defaults and overrides).

    Attributes
    ----------
    path
        The definition file.
    settings
        Every table's fields (``settings["votes"]["peer_cards"]``), defaults filled in.
    questions
        The interview questions, each with its voting contexts.
    start_cards
        ``(question id, card)`` pairs: the starting values.
    overrides
        The ``--set`` overrides applied.
    hash
        SHA-256 prefix of everything above but the path (sessions are bound to it).
    """

    path: Path
    settings: Mapping[str, Mapping[str, Any]]
    questions: tuple[Question, ...]
    start_cards: tuple[tuple[str, ValuesCard], ...] = ()
    overrides: tuple[str, ...] = ()
    hash: str = field(default="")

    @property
    def name(self) -> str:
        """The study's name."""
        return str(self.settings["study"]["name"])

    def question(self, question_id: str) -> Question:
        """A question by id."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise CogalignError(f"{self.path}: no question {question_id!r}")


def _typed(value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError
    return value


def load_moralgraph_study(path: str | Path, overrides: Sequence[str] = ()) -> MoralGraphStudy:
    """Read and check a ``moralgraph.toml`` file.

    Parameters
    ----------
    path
        The file.
    overrides
        ``table.field=value`` strings for ``[study]``, ``[chat]``, ``[interview]``,
        ``[votes]`` and ``[text]``.

    Returns
    -------
    MoralGraphStudy

    Raises
    ------
    DefinitionError
        Naming the file, table and field of every problem.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: not valid TOML ({exc})") from None
    problems: list[str] = []
    unknown = sorted(set(raw) - set(TABLES) - {"questions", "cards"})
    if unknown:
        problems.append(f"unknown table(s) {unknown}; known: "
                        f"{sorted([*TABLES, 'questions', 'cards'])}")
    values: dict[str, dict[str, Any]] = {}
    for table, spec in TABLES.items():
        given = raw.get(table, {})
        if not isinstance(given, dict):
            problems.append(f"[{table}] must be a table")
            given = {}
        extra = sorted(set(given) - set(spec))
        if extra:
            problems.append(f"[{table}] unknown field(s) {extra}; known: {sorted(spec)}")
        values[table] = {name: given.get(name, default) for name, (_, default) in spec.items()}
    for text in overrides:
        table, name, value = parse_override(text)
        if table not in TABLES or name not in TABLES[table] or (table, name) == ("study", "name"):
            problems.append(f"--set {text}: not a field that can be set "
                            "(study, chat, interview, votes and text fields, but study.name)")
            continue
        values[table][name] = value
    for table, spec in TABLES.items():
        for name, (kind, default) in spec.items():
            value = values[table][name]
            if value is None and default is None:
                problems.append(f"[{table}] {name}: missing")
                continue
            try:
                values[table][name] = _typed(value, kind)
            except TypeError:
                problems.append(f"[{table}] {name}: expected {kind.__name__}, got {value!r}")
                continue
            bounds = _RANGES.get((table, name))
            if bounds and not bounds[0] <= values[table][name] <= bounds[1]:
                problems.append(f"[{table}] {name}: must be between {bounds[0]:g} and "
                                f"{bounds[1]:g}, got {value!r}")
    name = values["study"]["name"]
    if isinstance(name, str) and not _NAME.fullmatch(name):
        problems.append(f"[study] name: letters, digits, '-' and '_' only (1-64), got {name!r}")
    questions = _questions(raw.get("questions"), problems)
    cards = _start_cards(raw.get("cards", []), {q.id for q in questions}, problems)
    if problems:
        raise DefinitionError("; ".join(f"{path}: {p}" for p in problems))
    content = {"settings": values, "questions": [[q.id, q.text, list(q.contexts)] for q in questions],
               "cards": [[q, c.to_dict()] for q, c in cards]}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return MoralGraphStudy(path=path, settings=values, questions=tuple(questions),
                           start_cards=tuple(cards), overrides=tuple(overrides), hash=digest)


def _questions(given: Any, problems: list[str]) -> list[Question]:
    if not isinstance(given, list) or not given:
        problems.append("[[questions]]: at least one question is needed (id, text, contexts)")
        return []
    out: list[Question] = []
    for k, q in enumerate(given, start=1):
        where = f"[[questions]] {k}"
        if not isinstance(q, dict):
            problems.append(f"{where}: must be a table")
            continue
        extra = sorted(set(q) - {"id", "text", "contexts"})
        if extra:
            problems.append(f"{where}: unknown field(s) {extra}")
        qid, text, contexts = q.get("id"), q.get("text"), q.get("contexts")
        if not isinstance(qid, str) or not _QUESTION_ID.fullmatch(qid):
            problems.append(f"{where} id: letters, digits, '-' and '_' only (1-40), got {qid!r}")
        elif qid in {x.id for x in out}:
            problems.append(f"{where} id: {qid!r} is used twice")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where} text: must be a non-empty string")
        if (not isinstance(contexts, list) or not contexts
                or not all(isinstance(c, str) and c.strip() for c in contexts)):
            problems.append(f"{where} contexts: must be a non-empty list of non-empty strings "
                            "(the situations upgrade votes are cast in)")
        elif len(set(contexts)) != len(contexts):
            problems.append(f"{where} contexts: a context is listed twice")
        if isinstance(qid, str) and isinstance(text, str) and isinstance(contexts, list):
            out.append(Question(qid, text.strip(), tuple(str(c) for c in contexts)))
    return out


def _start_cards(given: Any, question_ids: set[str], problems: list[str]) -> list[tuple[str, ValuesCard]]:
    if not isinstance(given, list):
        problems.append("[[cards]]: must be an array of tables")
        return []
    out = []
    for k, c in enumerate(given, start=1):
        where = f"[[cards]] {k}"
        if not isinstance(c, dict):
            problems.append(f"{where}: must be a table")
            continue
        extra = sorted(set(c) - {"question", "title", "description", "attention_policies"})
        if extra:
            problems.append(f"{where}: unknown field(s) {extra}")
        if c.get("question") not in question_ids:
            problems.append(f"{where} question: {c.get('question')!r} is not a question id "
                            f"({sorted(question_ids)})")
            continue
        try:
            card = ValuesCard(title=c.get("title"), description=c.get("description"),
                              attention_policies=tuple(c.get("attention_policies") or ()))
        except (CardParseError, TypeError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        out.append((c["question"], card))
    return out
