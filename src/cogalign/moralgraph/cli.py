"""``cogalign moralgraph ...``: rank a moral graph, have a language model vote, draw it.

A click group, mounted by the main command line as ``cogalign moralgraph``:

``rank``
    rank the values of a dataset, an MGE export or a vote table (``--method
    mge|pagerank|bradley-terry|bayes-bradley-terry``, ``--bootstrap N`` for intervals);
``llm-votes``
    a language model votes on the graph's edges: agreement with the human votes and its
    graph's ranking against the human ranking;
``plot``
    the graph figure and the rank intervals as image files.

Every command takes ``--json``; errors end as one line and a non-zero exit status.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cogalign.errors import CogalignError

__all__ = ["llm_votes_command", "moralgraph_group", "plot_command", "rank_command"]


def _errors(fn: Callable) -> Callable:
    """Errors a user can cause become one line and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except click.ClickException:
            raise
        except (CogalignError, ValueError, KeyError, FileNotFoundError) as exc:
            problems = getattr(exc, "problems", None)
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise click.ClickException(f"invalid data: {problems[0]}{more}") from None
            text = str(exc).strip().splitlines()
            raise click.ClickException(text[0] if text else type(exc).__name__) from None

    return wrapper


def _dump(payload: Any) -> str:
    from cogalign.moralgraph.analysis import json_ready

    return json.dumps(json_ready(payload), allow_nan=False, indent=2)


def _graph_options(fn: Callable) -> Callable:
    fn = click.option("--votes", "votes_path", type=click.Path(path_type=Path), default=None,
                      help="A tidy vote table (MORAL_VOTES): count the graph from it, with the cards "
                           "of --dataset or --file.")(fn)
    fn = click.option("--file", "file_path", type=click.Path(path_type=Path), default=None,
                      help="An MGE JSON export instead of --dataset.")(fn)
    fn = click.option("--dataset", default=None,
                      help="Registered moral graph (moralgraph-mge-prolific, moralgraph-mge-all).")(fn)
    return fn


def _load(dataset: str | None, file_path: Path | None, votes_path: Path | None) -> Any:
    from cogalign.moralgraph.analysis import load_graph

    if dataset is None and file_path is None:
        dataset = "moralgraph-mge-prolific"
    return load_graph(dataset, path=file_path, votes=votes_path)


@click.group("moralgraph")
def moralgraph_group() -> None:
    """Moral graph elicitation: values cards, wisdom-upgrade votes, rankings."""


@moralgraph_group.command("rank")
@_graph_options
@click.option("--method", type=click.Choice(["mge", "pagerank", "bradley-terry", "bayes-bradley-terry"]),
              default="mge", show_default=True, help="mge: the published rule (PageRank that leaks rank at "
              "values without a wiser successor); pagerank: no rank lost; Bradley-Terry on the votes.")
@click.option("--bootstrap", "n_boot", type=int, default=0, show_default=True,
              help="Bootstrap replicates for rank intervals (0: none).")
@click.option("--resample", type=click.Choice(["auto", "participants", "votes"]), default="auto",
              show_default=True, help="Bootstrap over participants (vote tables) or votes within edges.")
@click.option("--dangling", type=click.Choice(["uniform", "self"]), default="uniform", show_default=True,
              help="pagerank: rank of values without a wiser successor is spread evenly or kept.")
@click.option("--top", type=int, default=10, show_default=True, help="Values shown (and top-k of intervals).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def rank_command(dataset: str | None, file_path: Path | None, votes_path: Path | None, method: str, n_boot: int,
                 resample: str, dangling: str, top: int, seed: int, as_json: bool) -> None:
    """Rank a moral graph's values, wisest first."""
    from cogalign.moralgraph.analysis import rank_graph

    if n_boot < 0 or top < 1:
        raise CogalignError("--bootstrap must be >= 0 and --top >= 1")
    graph = _load(dataset, file_path, votes_path)
    result = rank_graph(graph, method, n_boot=n_boot, seed=seed, resample=resample, top_k=top,
                        dangling=dangling, progress=not as_json)
    if as_json:
        click.echo(_dump(result))
        return
    click.echo(f"{result['source']}: {result['n_values']} values, {result['n_edges']} edges "
               f"({result['n_edges_ranked']} ranked), method {method}")
    for v in result["values"][:top]:
        interval = ""
        if "rank_low" in v and v["rank_low"] is not None:
            interval = f"  rank {v['rank_low']}-{v['rank_high']}"
        score = "nan" if v["score"] is None or v["score"] != v["score"] else f"{v['score']:.4f}"
        click.echo(f"  {str(v['rank']):>3}. {str(v['title'])[:50]:<50} {score}{interval}")
    s = result["structure"]
    click.echo(f"cycles: {len(s['strong_components'])} strongly connected groups, "
               f"{s['n_cyclic_triads']} cyclic and {s['n_transitive_triads']} transitive triads")


@moralgraph_group.command("llm-votes")
@_graph_options
@click.option("--model", "-m", required=True,
              help="Local causal model (preset, hub id, path) or, with --backend chat, the server's model.")
@click.option("--backend", type=click.Choice(["local", "chat"]), default="local", show_default=True)
@click.option("--base-url", default=None, help="Chat server URL (default: COGALIGN_CHAT_BASE_URL).")
@click.option("--task", type=click.Choice(["upgrade-vote", "wiser-of-two"]), default="upgrade-vote",
              show_default=True, help="The question the model answers per edge.")
@click.option("--participants", "n_participants", type=int, default=20, show_default=True,
              help="Synthetic participants of the LLM-voted graph.")
@click.option("--temperature", type=float, default=1.0, show_default=True)
@click.option("--n-boot", type=int, default=200, show_default=True)
@click.option("--top-k", type=int, default=10, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def llm_votes_command(dataset: str | None, file_path: Path | None, votes_path: Path | None, model: str,
                      backend: str, base_url: str | None, task: str, n_participants: int, temperature: float,
                      n_boot: int, top_k: int, seed: int, as_json: bool) -> None:
    """A language model votes on the graph's edges; agreement with people."""
    from cogalign.moralgraph.llm import llm_vote_alignment

    graph = _load(dataset, file_path, votes_path)
    client: Any = model
    if backend == "chat":
        from cogalign.llm import ChatClient

        client = ChatClient(model, base_url, progress=not as_json)
    result = llm_vote_alignment(graph, client, task=task, n_participants=n_participants, temperature=temperature,
                                n_boot=n_boot, top_k=top_k, seed=seed, progress=not as_json)
    if as_json:
        click.echo(_dump(result))
        return
    v, r = result["votes"], result["ranking"]
    click.echo(f"{result['model']} on {graph.source} ({task}): {v['n_edges']} edges, {v['n_errors']} errors")
    click.echo(f"  majority vote: accuracy {v['accuracy']:.3f} (always '{v['majority_label']}': "
               f"{v['majority_baseline']:.3f}), kappa {v['kappa']:.3f}")
    click.echo(f"  wiser vs not: accuracy {v['accuracy_decisive']:.3f}, kappa {v['kappa_decisive']:.3f}, "
               f"oriented kappa {v['kappa_oriented']:.3f}, Brier {v['brier']:.3f}, ECE {v['ece']:.3f}")
    click.echo(f"  ranking vs people: Spearman {r['spearman']:.3f} [{r['spearman_low']:.3f}, "
               f"{r['spearman_high']:.3f}], top-{r['top_k']} overlap {r['top_k_overlap']:.2f} "
               f"[{r['top_k_overlap_low']:.2f}, {r['top_k_overlap_high']:.2f}]")


@moralgraph_group.command("plot")
@_graph_options
@click.option("--method", type=click.Choice(["mge", "pagerank", "bradley-terry"]), default="mge",
              show_default=True)
@click.option("--bootstrap", "n_boot", type=int, default=200, show_default=True)
@click.option("--top", type=int, default=10, show_default=True, help="Values labelled / shown.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Folder for moralgraph_graph.png and moralgraph_intervals.png.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def plot_command(dataset: str | None, file_path: Path | None, votes_path: Path | None, method: str, n_boot: int,
                 top: int, seed: int, out_dir: Path, as_json: bool) -> None:
    """Draw the graph (node size by score, edge width by votes) and the rank intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cogalign.moralgraph.bootstrap import bootstrap_ranks
    from cogalign.plots.moralgraph import plot_moral_graph, plot_rank_intervals

    if n_boot < 1:
        raise CogalignError("--bootstrap must be at least 1 for the interval figure")
    graph = _load(dataset, file_path, votes_path)
    table = bootstrap_ranks(graph, method, n_boot=n_boot, seed=seed, top_k=top)
    out_dir.mkdir(parents=True, exist_ok=True)
    ax = plot_moral_graph(graph, table, top=top, seed=seed)
    graph_png = out_dir / "moralgraph_graph.png"
    ax.figure.savefig(graph_png, dpi=130, bbox_inches="tight")
    plt.close(ax.figure)
    ax = plot_rank_intervals(table, top=max(top, 10), what="rank")
    intervals_png = out_dir / "moralgraph_intervals.png"
    ax.figure.savefig(intervals_png, dpi=130, bbox_inches="tight")
    plt.close(ax.figure)
    files = {"graph": str(graph_png), "intervals": str(intervals_png)}
    click.echo(_dump(files) if as_json else f"wrote {graph_png} and {intervals_png}")
