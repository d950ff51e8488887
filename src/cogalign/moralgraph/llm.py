"""Language models as moral-graph participants: votes on the same edges, and their graph.

:func:`llm_votes` puts a model through every edge of a graph in each of its contexts with
:func:`cogalign.llm.judge` (the answer order counterbalanced), giving the model's answer
probabilities per edge. Two vote templates (:mod:`cogalign.moralgraph.prompts`):

``upgrade-vote``
    the question people answered: did someone who moved from the first value to the second
    become wiser? (yes / no / unsure, all orders of the answers);
``wiser-of-two``
    which of the two cards is wiser (the two cards in both orders), a forced choice.

:func:`llm_participants` draws synthetic participants from the same answer distributions
(:func:`cogalign.llm.sample_answers`) as a tidy vote table, which counts into an
"LLM-voted" moral graph like people's votes do. :func:`llm_vote_alignment` compares both with
people: vote agreement per edge (:func:`~cogalign.moralgraph.agreement.vote_agreement`) and
the LLM graph's ranking against the human ranking with bootstrap intervals
(:func:`~cogalign.moralgraph.agreement.rank_agreement_interval`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import render_card
from cogalign.moralgraph.prompts import vote_task

__all__ = ["VOTE_TASKS", "llm_participants", "llm_vote_alignment", "llm_votes", "vote_trials"]

#: Vote templates and how their answers map onto the MGE votes.
VOTE_TASKS: dict[str, dict[str, str]] = {
    "upgrade-vote": {"yes": "wiser", "no": "not_wiser", "unsure": "unsure"},
    "wiser-of-two": {"wiser_card": "wiser", "source_card": "less_wise"},
}


def _task_name(task: str) -> str:
    if task not in VOTE_TASKS:
        raise CogalignError(f"unknown vote task {task!r}; choose one of {', '.join(VOTE_TASKS)}")
    return task


def vote_trials(graph: MoralGraph, *, edges: pd.DataFrame | None = None) -> pd.DataFrame:
    """One trial per edge and context, with both cards rendered as text.

    Parameters
    ----------
    graph
        Supplies the cards.
    edges
        The edges to vote on (default: all of the graph's).

    Returns
    -------
    pandas.DataFrame
        ``source_value_id``, ``wiser_value_id``, ``context``, ``source_card``, ``wiser_card``.
    """
    edges = graph.edges if edges is None else edges
    cards = {int(r["id"]): render_card(r) for r in graph.values.to_dict("records")}
    rows = []
    for s, w, contexts in zip(edges["source_value_id"], edges["wiser_value_id"], edges["contexts"], strict=True):
        for c in contexts or ("",):
            rows.append({"source_value_id": int(s), "wiser_value_id": int(w), "context": c,
                         "source_card": cards[int(s)], "wiser_card": cards[int(w)]})
    return pd.DataFrame(rows, columns=["source_value_id", "wiser_value_id", "context", "source_card", "wiser_card"])


def llm_votes(
    graph: MoralGraph,
    model: Any = "smollm2-135m",
    *,
    task: str = "upgrade-vote",
    permutations: Any = "all",
    system: str | None = None,
    edges: pd.DataFrame | None = None,
    progress: bool = True,
    **judge_options: Any,
) -> pd.DataFrame:
    """A model's answer probabilities on every edge of a graph, in every context.

    Parameters
    ----------
    graph
        The moral graph (cards and edges).
    model
        Local causal model (preset, id, path) or :class:`cogalign.llm.ChatClient`.
    task
        ``"upgrade-vote"`` or ``"wiser-of-two"`` (see the module docstring).
    permutations
        Counterbalancing of :func:`cogalign.llm.judge` (default all orders).
    system
        System message for every trial (e.g. a persona); default the template's.
    edges
        Edges to vote on (default all).
    progress
        Show progress bars.
    **judge_options
        Passed to :func:`cogalign.llm.judge`.

    Returns
    -------
    pandas.DataFrame
        One row per edge and context: ``source_value_id``, ``wiser_value_id``, ``context``,
        ``p_wiser``, ``p_not_wiser``, ``p_unsure`` (for ``wiser-of-two``, ``p_not_wiser`` is
        the probability of choosing the source card and ``p_unsure`` is 0), ``vote`` (the
        most probable answer as an MGE vote; None on error), ``n_orders``, ``n_errors``,
        ``error``. ``attrs``: ``model_id``, ``task``, ``position_bias`` (per context).
    """
    from cogalign.llm import judge

    _task_name(task)
    trials = vote_trials(graph, edges=edges)
    if trials.empty:
        raise CogalignError(f"{graph.source or 'the graph'} has no edges to vote on")
    parts, bias, model_id = [], {}, None
    for context, group in trials.groupby("context", sort=False):
        t = vote_task(task, context, system=system)
        out = judge(group.reset_index(drop=True), t, model, permutations=permutations, progress=progress,
                    **judge_options)
        bias[context] = out.attrs.get("position_bias")
        model_id = out.attrs.get("model_id", model_id)
        parts.append(out)
    res = pd.concat(parts, ignore_index=True)
    if task == "upgrade-vote":
        res["p_wiser"], res["p_not_wiser"] = res["p_yes"], res["p_no"]
    else:
        res["p_wiser"], res["p_not_wiser"] = res["p_wiser_card"], res["p_source_card"]
        res["p_unsure"] = np.where(res["p_wiser"].notna(), 0.0, np.nan)
    probs = res[["p_wiser", "p_not_wiser", "p_unsure"]].to_numpy(dtype=float)
    labels = ("wiser", "not_wiser", "unsure")
    res["vote"] = [labels[int(np.nanargmax(p))] if np.isfinite(p).any() else None for p in probs]
    keep = ["source_value_id", "wiser_value_id", "context", "p_wiser", "p_not_wiser", "p_unsure", "vote",
            "n_orders", "n_errors", "error"]
    out = res[keep].copy()
    out.attrs.update(model_id=model_id or str(model), task=task, position_bias=bias)
    return out


def llm_participants(
    graph: MoralGraph,
    model: Any = "smollm2-135m",
    *,
    n_participants: int = 20,
    temperature: float = 1.0,
    seed: int = 0,
    task: str = "upgrade-vote",
    permutations: Any = "all",
    system: str | None = None,
    edges: pd.DataFrame | None = None,
    prefix: str = "llm-",
    progress: bool = True,
    **options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic participants voting on every edge: a tidy vote table and the raw answers.

    Each participant answers every edge in every context once, in a presentation order drawn
    from ``permutations`` (:func:`cogalign.llm.sample_answers`).

    Parameters
    ----------
    graph, model, task, permutations, system, edges, progress
        As in :func:`llm_votes`.
    n_participants, temperature, seed
        As in :func:`cogalign.llm.sample_answers`.
    prefix
        Participant ids are ``prefix`` plus a number (``llm-001``).
    **options
        Passed to :func:`cogalign.llm.sample_answers`.

    Returns
    -------
    votes, answers
        ``votes``: the ``MORAL_VOTES`` table of the answers that could be used; ``answers``:
        every answer with its order and ``error`` (nothing is dropped there).
    """
    from cogalign.llm import sample_answers

    mapping = VOTE_TASKS[_task_name(task)]
    trials = vote_trials(graph, edges=edges)
    parts = []
    for context, group in trials.groupby("context", sort=False):
        t = vote_task(task, context, system=system)
        parts.append(sample_answers(group.reset_index(drop=True), t, model, n_participants=n_participants,
                                    temperature=temperature, seed=seed, permutations=permutations,
                                    progress=progress, **options))
    answers = pd.concat(parts, ignore_index=True)
    answers["participant_id"] = answers["participant_id"].str.replace("llm-", prefix, regex=False)
    answers["vote"] = answers["response"].map(mapping)
    ok = answers["vote"].notna()
    votes = answers.loc[ok, ["participant_id", "context", "source_value_id", "wiser_value_id", "vote"]]
    return votes.reset_index(drop=True), answers


def llm_vote_alignment(
    graph: MoralGraph,
    model: Any = "smollm2-135m",
    *,
    task: str = "upgrade-vote",
    permutations: Any = "all",
    n_participants: int = 20,
    temperature: float = 1.0,
    n_boot: int = 200,
    top_k: int = 10,
    seed: int = 0,
    method: str = "mge",
    progress: bool = True,
) -> dict[str, Any]:
    """How a language model's votes and its graph's ranking compare with people's.

    Parameters
    ----------
    graph
        The human moral graph.
    model
        Local causal model or :class:`cogalign.llm.ChatClient`.
    task, permutations
        As in :func:`llm_votes`.
    n_participants, temperature
        Synthetic participants of the LLM-voted graph (:func:`llm_participants`).
    n_boot, top_k
        Bootstrap replicates and top-set size of the ranking comparison.
    seed
        Random seed.
    method
        Ranking method for both graphs.
    progress
        Show progress bars.

    Returns
    -------
    dict
        ``model``, ``task``, ``votes`` (:func:`~cogalign.moralgraph.agreement.vote_agreement`
        without the per-edge table), ``ranking`` (rank agreement with intervals),
        ``top_values`` (the ``top_k`` of both rankings) and ``llm_graph`` (edges, values and
        votes of the LLM-voted graph); JSON-able apart from NaN.
    """
    from cogalign.moralgraph.agreement import rank_agreement_interval, vote_agreement
    from cogalign.moralgraph.io import graph_from_votes
    from cogalign.moralgraph.ranking import rank_values

    votes = llm_votes(graph, model, task=task, permutations=permutations, progress=progress)
    agreement = vote_agreement(votes, graph)
    agreement.pop("per_edge")
    table, answers = llm_participants(graph, model, n_participants=n_participants, temperature=temperature,
                                      seed=seed, task=task, permutations=permutations, progress=progress)
    if table.empty:
        raise CogalignError(f"no usable votes from {votes.attrs.get('model_id', model)}: "
                            f"{answers['error'].dropna().head(1).tolist()}")
    llm_graph = graph_from_votes(table, graph.values, source=f"votes of {votes.attrs.get('model_id', model)}")
    ranking = rank_agreement_interval(graph, llm_graph, method, n_boot=n_boot, seed=seed, top_k=top_k)
    human_rank = rank_values(graph, method)
    llm_rank = rank_values(llm_graph, method)

    def top(table: pd.DataFrame) -> list[dict[str, Any]]:
        return [{"value_id": int(r.value_id), "title": r.title, "score": float(r.score)}
                for r in table.dropna(subset=["score"]).head(top_k).itertuples()]

    return {
        "model": votes.attrs.get("model_id", str(model)),
        "task": task,
        "n_edges": graph.n_edges,
        "n_trials": len(votes),
        "votes": agreement,
        "position_bias": votes.attrs.get("position_bias"),
        "ranking": ranking,
        "top_values": {"human": top(human_rank), "llm": top(llm_rank)},
        "llm_graph": {"n_participants": int(table["participant_id"].nunique()), "n_votes": len(table),
                      "n_answer_errors": int(answers["error"].notna().sum()),
                      "n_edges": llm_graph.n_edges},
    }
