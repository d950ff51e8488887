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
(:func:`~cogalign.moralgraph.agreement.rank_agreement_interval`). :func:`sweep_alignment` is
the same comparison as the paradigm's align entry (the contract of :mod:`cogalign.paradigms`)
that ``cogalign sweep`` calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cogalign.data.containers import MoralGraph
from cogalign.errors import CogalignError
from cogalign.moralgraph.cards import render_card
from cogalign.moralgraph.prompts import vote_task

__all__ = ["DEFAULT_DATASET", "VOTE_TASKS", "llm_participants", "llm_vote_alignment", "llm_votes",
           "sweep_alignment", "vote_trials"]

#: The moral graph a sweep compares with when it names none.
DEFAULT_DATASET = "moralgraph-mge-prolific"

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


def sweep_alignment(
    model: Any,
    *,
    dataset: str | None = None,
    template: str | None = None,
    temperature: float | None = None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = False,
    n_participants: int = 20,
    n_boot: int = 200,
    top_k: int = 10,
    method: str = "mge",
    permutations: Any = "all",
) -> list[dict[str, Any]]:
    """The moral-graph paradigm's align entry: a model's votes and value ranking vs people's.

    Follows the align contract of :mod:`cogalign.paradigms`. The model votes on every edge of
    the graph in each of its contexts (:func:`llm_votes`); its most probable vote per edge is
    compared with the people's majority (:func:`~cogalign.moralgraph.agreement.vote_agreement`)
    on all edges and on a seeded half split of the edges (``train``, ``test``). Synthetic
    participants drawn from the same answer distributions (:func:`llm_participants`) make an
    LLM-voted graph whose ranking of the values is compared with the people's
    (:func:`~cogalign.moralgraph.agreement.rank_agreement_interval`; all edges only, as a
    ranking needs the whole graph).

    Parameters
    ----------
    model
        A causal language model (preset, Hugging Face id, local path) or a
        :class:`cogalign.llm.ChatClient`.
    dataset
        A moral-graph dataset (default ``moralgraph-mge-prolific``; also
        ``moralgraph-mge-all``).
    template
        The vote template: ``"upgrade-vote"`` (default; the question people answered) or
        ``"wiser-of-two"`` (see the module docstring).
    temperature
        Sampling temperature of the synthetic participants; ``None`` is 0: each answers with
        the most probable vote for the order it sees the answers in.
    seed
        Seed of the edge subset, the half split, the synthetic participants and the
        bootstrap.
    limit
        Use a seeded subset of this many edges (the human graph is cut to them too).
    progress
        Progress bars.
    n_participants
        Synthetic participants of the LLM-voted graph.
    n_boot
        Bootstrap replicates (intervals of the vote agreement over edges, and of the ranking
        agreement over both graphs' votes); 0: no intervals.
    top_k
        Size of the top sets whose overlap is reported.
    method
        Ranking method for both graphs (:func:`cogalign.moralgraph.ranking.rank_values`).
    permutations
        Counterbalancing of the answer order (:func:`cogalign.llm.judge`).

    Returns
    -------
    list of dict
        Per split: ``kappa`` (primary; Cohen's kappa of the model's vote against the people's
        three-way majority, chance-corrected, so that answering "wiser" everywhere scores 0
        although the published edges are mostly "wiser"; no noise ceiling is known, as the
        published graphs hold vote counts, not who voted), ``accuracy`` (with
        ``majority_baseline``), ``kappa_oriented`` and ``accuracy_decisive`` (wiser vs not
        wiser), ``correlation`` (the model's probability of "wiser" against people's share).
        On all edges also the ranking agreement: ``spearman``, ``kendall`` and
        ``top_k_overlap``. Rows carry ``layer`` ``"prompt"``, ``template``, ``dataset``,
        ``n`` (edges), ``temperature`` and ``method`` (the ranking method).
    """
    from dataclasses import replace

    from cogalign.crossval import holdout_split
    from cogalign.data import load
    from cogalign.moralgraph.agreement import (
        rank_agreement,
        rank_agreement_interval,
        vote_agreement,
    )
    from cogalign.moralgraph.io import graph_from_votes
    from cogalign.moralgraph.ranking import rank_values
    from cogalign.paradigms import align_row

    name = dataset or DEFAULT_DATASET
    graph = load(name, download=True, progress=progress)
    if not isinstance(graph, MoralGraph):
        raise CogalignError(f"{name} is not a moral graph; choose a moralgraph-* dataset "
                            f"(e.g. {DEFAULT_DATASET})")
    task = _task_name(template or "upgrade-vote")
    if limit is not None and limit < graph.n_edges:
        keep = np.sort(np.random.default_rng(seed).choice(graph.n_edges, size=int(limit),
                                                          replace=False))
        # the cut graph keeps only the counts: a vote table would still hold the other edges
        graph = replace(graph, edges=graph.edges.iloc[keep].reset_index(drop=True), votes=None)
    edges = graph.edges
    votes = llm_votes(graph, model, task=task, permutations=permutations, progress=progress)
    train, test = holdout_split(edges, 0.5, seed=seed)
    voted = list(zip(votes["source_value_id"].astype(int), votes["wiser_value_id"].astype(int),
                     strict=True))
    t = 0.0 if temperature is None else float(temperature)
    rows: list[dict[str, Any]] = []
    for split, part in {"all": edges, "train": edges.iloc[train], "test": edges.iloc[test]}.items():
        keys = set(zip(part["source_value_id"].astype(int), part["wiser_value_id"].astype(int),
                       strict=True))
        mine = votes.loc[[k in keys for k in voted]]
        a = vote_agreement(mine, graph, n_boot=n_boot, seed=seed)
        common = {"layer": "prompt", "template": task, "split": split, "dataset": name,
                  "n": a["n_edges"], "temperature": t, "method": method}
        rows.append(align_row("kappa", a["kappa"], ci=(a["kappa_low"], a["kappa_high"]),
                              primary=True, **common))
        rows.append(align_row("accuracy", a["accuracy"], ci=(a["accuracy_low"], a["accuracy_high"]),
                              majority_baseline=a["majority_baseline"], **common))
        for metric in ("kappa_oriented", "accuracy_decisive"):
            rows.append(align_row(metric, a[metric], ci=(a[f"{metric}_low"], a[f"{metric}_high"]),
                                  **common))
        rows.append(align_row("correlation", a["correlation"], **common))
    table, answers = llm_participants(graph, model, n_participants=n_participants, temperature=t,
                                      seed=seed, task=task, permutations=permutations,
                                      progress=progress)
    if table.empty:
        raise CogalignError(f"no usable votes from {votes.attrs.get('model_id', model)}: "
                            f"{answers['error'].dropna().head(1).tolist()}")
    llm_graph = graph_from_votes(table, graph.values,
                                 source=f"votes of {votes.attrs.get('model_id', model)}")
    if n_boot > 0:
        ranking = rank_agreement_interval(graph, llm_graph, method, n_boot=n_boot, seed=seed,
                                          top_k=top_k)
    else:  # no intervals
        ranking = rank_agreement(rank_values(graph, method), rank_values(llm_graph, method),
                                 top_k=top_k)
    common = {"layer": "prompt", "template": task, "split": "all", "dataset": name,
              "n": graph.n_edges, "temperature": t, "method": method,
              "n_values": ranking["n_values"], "n_participants": n_participants}
    for metric in ("spearman", "kendall", "top_k_overlap"):
        rows.append(align_row(metric, ranking[metric], ci=(ranking.get(f"{metric}_low"),
                                                           ranking.get(f"{metric}_high")),
                              **common))
    return rows
