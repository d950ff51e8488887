"""Moral graph elicitation: values cards, wisdom-upgrade votes, rankings, LLM interviewers and voters.

Moral Graph Elicitation (MGE; Klingefjord, Lowe & Edelman 2024, "What are human values, and
how do we align AI to them?") interviews people about a contentious question, distils each
answer into a **values card** (a title and the things one attends to when choosing well),
asks people whether one value is a wiser successor of another in a context, and ranks the
values by PageRank over those wisdom-upgrade edges.

Modules
-------
:mod:`~cogalign.moralgraph.cards`
    Values cards, questions, card parsing and validation, pseudonymous participant ids.
:mod:`~cogalign.moralgraph.io`
    The MGE JSON export (read, validate, write), tidy vote tables (``MORAL_VOTES``),
    counting votes into a graph by the app's rule, a vote recorder for a participant flow.
:mod:`~cogalign.moralgraph.ranking`
    The published rule (wiser-likelihood, entropy, edge filter, PageRank) and PageRank with
    no rank lost at values without a wiser successor.
:mod:`~cogalign.moralgraph.bradley_terry`
    Bradley-Terry rankings: penalised maximum likelihood and NumPyro (PyMC twin in
    :mod:`~cogalign.moralgraph.pymc_models`).
:mod:`~cogalign.moralgraph.bootstrap`
    Rank intervals by the bootstrap over participants (vote tables) or votes (exports).
:mod:`~cogalign.moralgraph.structure`
    Cycles and intransitive triads.
:mod:`~cogalign.moralgraph.agreement`
    Ranking agreement; model votes against human votes (accuracy, kappa, calibration).
:mod:`~cogalign.moralgraph.interview`
    The values interview engine (turn by turn, saveable state, validated cards, retries).
:mod:`~cogalign.moralgraph.dedup`
    Near-identical cards found (embeddings, then an optional judge) and merged, on record.
:mod:`~cogalign.moralgraph.llm`, :mod:`~cogalign.moralgraph.persona`
    Language models voting on the same edges; persona participants through the whole flow.
:mod:`~cogalign.moralgraph.simulate`
    Simulated studies with known value wisdom.
:mod:`~cogalign.moralgraph.analysis`, :mod:`~cogalign.moralgraph.cli`
    One function per headline analysis; the ``cogalign moralgraph`` commands.
:mod:`~cogalign.moralgraph.online`, :mod:`~cogalign.moralgraph.online_study`, :mod:`~cogalign.moralgraph.online_data`
    The participant flow on ``cogalign serve`` (interview, card, votes, admin page), its
    ``moralgraph.toml`` definition, and the graph and export made from what it collected
    (these need ``cogalign[serve]`` and are not imported here).

Figures are in :mod:`cogalign.plots.moralgraph`; prompt templates in ``moralgraph/prompts/``
(:mod:`~cogalign.moralgraph.prompts`). The graph container is :class:`cogalign.data.MoralGraph`.
"""

from cogalign.data.containers import MoralGraph
from cogalign.data.schemas import MORAL_VOTES as SCHEMA
from cogalign.moralgraph.agreement import (
    human_edge_votes,
    rank_agreement,
    rank_agreement_interval,
    vote_agreement,
)
from cogalign.moralgraph.analysis import demo_section, load_graph, rank_graph
from cogalign.moralgraph.bootstrap import bootstrap_ranks, resampled_graphs
from cogalign.moralgraph.bradley_terry import BayesianBradleyTerry, BradleyTerry, comparisons
from cogalign.moralgraph.cards import (
    CardParseError,
    Question,
    ValuesCard,
    parse_card,
    pseudonymize,
    render_card,
)
from cogalign.moralgraph.dedup import Deduplication, find_duplicates, merge_duplicates
from cogalign.moralgraph.interview import Interviewer, InterviewError, InterviewState
from cogalign.moralgraph.io import (
    UnknownEdgeError,
    VoteRecorder,
    check_votes,
    graph_from_votes,
    read_mge_json,
    read_votes,
    to_mge_dict,
    write_mge_json,
    write_votes,
)
from cogalign.moralgraph.llm import llm_participants, llm_vote_alignment, llm_votes
from cogalign.moralgraph.persona import Persona, PersonaRun, simulate_persona
from cogalign.moralgraph.ranking import (
    edge_statistics,
    filter_edges,
    mge_pagerank,
    pagerank,
    rank_values,
)
from cogalign.moralgraph.simulate import simulate_study
from cogalign.moralgraph.structure import graph_structure

__all__ = [
    "SCHEMA",
    "BayesianBradleyTerry",
    "BradleyTerry",
    "CardParseError",
    "Deduplication",
    "InterviewError",
    "InterviewState",
    "Interviewer",
    "MoralGraph",
    "Persona",
    "PersonaRun",
    "Question",
    "UnknownEdgeError",
    "ValuesCard",
    "VoteRecorder",
    "bootstrap_ranks",
    "check_votes",
    "comparisons",
    "demo_section",
    "edge_statistics",
    "filter_edges",
    "find_duplicates",
    "graph_from_votes",
    "graph_structure",
    "human_edge_votes",
    "llm_participants",
    "llm_vote_alignment",
    "llm_votes",
    "load_graph",
    "merge_duplicates",
    "mge_pagerank",
    "pagerank",
    "parse_card",
    "pseudonymize",
    "rank_agreement",
    "rank_agreement_interval",
    "rank_graph",
    "rank_values",
    "read_mge_json",
    "read_votes",
    "render_card",
    "resampled_graphs",
    "simulate_persona",
    "simulate_study",
    "to_mge_dict",
    "vote_agreement",
    "write_mge_json",
    "write_votes",
]
