r"""Command-line entry points of the belief-embedding paradigm.

Two click commands, to be mounted as ``cogalign fit beliefs`` and ``cogalign align beliefs``;
each is a thin wrapper over :func:`cogalign.beliefs.analysis.fit_beliefs` and
:func:`~cogalign.beliefs.analysis.align_beliefs`. Each takes ``--json``; every error a user
can cause ends as a one-line reason and a non-zero exit status.

Examples
--------
::

    cogalign fit beliefs --dataset ddo-big-issues --model minilm-l6 --fine-tune \
        --protocol stances --folds 5 --json
"""

from __future__ import annotations

import math
from typing import Any

import click

from cogalign.beliefs.statements import DEFAULT_TEMPLATES
from cogalign.cli_common import emit, handle_errors
from cogalign.errors import CogalignError

__all__ = ["align_beliefs_command", "fit_beliefs_command"]





def _load(dataset: str, data_path: str | None) -> Any:
    from cogalign.beliefs.data import load_stances

    return load_stances(None if data_path else dataset, data_path)


def _statements(path: str | None) -> Any:
    if path is None:
        return None
    from cogalign.data.tables import read_csv_text

    return read_csv_text(path)


def _table_text(result: dict[str, Any]) -> str:
    data, settings = result["data"], result["settings"]
    lines = [f"{data['n_stances']:,} stances of {data['n_people']:,} people on "
             f"{data['n_issues']} issues; protocol {settings['protocol']}, "
             f"{settings['n_folds']} folds, model {settings['model']}",
             f"{'method':<30}{'accuracy':>9}{'95% interval':>18}{'macro-F1':>10}"
             f"{'log loss':>10}{'ECE':>8}"]

    def num(v: Any, width: int) -> str:
        return f"{v:>{width}.4f}" if isinstance(v, float) and math.isfinite(v) else f"{'-':>{width}}"

    for row in result["methods"]:
        interval = f"[{row['accuracy_low']:.4f}, {row['accuracy_high']:.4f}]"
        lines.append(f"{row['method']:<30}{row['accuracy']:>9.4f}{interval:>18}"
                     f"{num(row['macro_f1'], 10)}{num(row['log_loss'], 10)}{num(row['ece'], 8)}")
    for label, part in result["dissonance"].items():
        trend = part["trend"]
        first, last = part["bins"][0], part["bins"][-1]
        lines.append(f"relative dissonance ({label} space): accuracy {first['accuracy']:.3f} in the "
                     f"lowest bin, {last['accuracy']:.3f} in the highest; logistic slope "
                     f"{trend['slope']:.3f} (SE {trend['slope_se']:.3f})")
    for label, polar in (result.get("polarization") or {}).items():
        gap = polar.get("party_gap")
        if gap:
            lines.append(f"Pro-Con distance ({label} space) vs party gap: Pearson r = "
                         f"{gap['pearson']:.3f} (p = {gap['pearson_p']:.3g}), Spearman "
                         f"{gap['spearman']:.3f}, {gap['n']} issues")
    if result.get("bayes"):
        best = result["bayes"]["comparison"][0]
        sens = result["bayes"]["sensitivity_per_sd"]
        lines.append(f"Bayesian choice model: best by PSIS-LOO {best['model']}; population "
                     f"sensitivity {sens['mean']:.3f} per SD [{sens['low']:.3f}, {sens['high']:.3f}]")
    return "\n".join(lines)


@click.command("beliefs")
@click.option("--dataset", default="ddo-big-issues", show_default=True,
              help="Registered stance dataset (ignored with --data).")
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A stance file: tidy table, the wide big-issue CSV, DDO users.json or "
                   "debates.json, the paper's per-vote table, or its issue pickle.")
@click.option("--model", default="minilm-l6", show_default=True,
              help="Sentence model of the belief space (preset, Hugging Face id or folder).")
@click.option("--fine-tune/--no-fine-tune", default=False, show_default=True,
              help="Add the space fine-tuned on co-held beliefs to the model's own.")
@click.option("--protocol", type=click.Choice(["stances", "issues"]), default="stances",
              show_default=True, help="Held-out stances (folds by person) or held-out issues.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Cross-validation folds (at least 2).")
@click.option("--hide", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.2,
              show_default=True,
              help="Held-out stances: share of each test person's stances hidden.")
@click.option("--template", "templates", multiple=True, default=DEFAULT_TEMPLATES,
              show_default=True, help="Statement template(s) (repeat to average several).")
@click.option("--statements", "statements_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Your own statements: CSV with issue, side, text.")
@click.option("--loss", type=click.Choice(["triplet", "infonce"]), default="triplet",
              show_default=True, help="Contrastive loss of the fine-tuning.")
@click.option("--negatives", type=click.Choice(["paper", "opposite"]), default="paper",
              show_default=True, help="How negatives are drawn (see cogalign.beliefs.training).")
@click.option("--head", type=click.Choice(["linear", "mlp"]), default="mlp", show_default=True,
              help="Head trained on the frozen statement embeddings.")
@click.option("--epochs", type=click.IntRange(min=1), default=30, show_default=True,
              help="Most fine-tuning epochs (early stopping on held-out people).")
@click.option("--llm", default=None, help="A causal model to prompt as a believer, e.g. smollm2-135m.")
@click.option("--llm-people", type=click.IntRange(min=1), default=20, show_default=True,
              help="Test people per fold the prompted model answers for.")
@click.option("--bins", type=click.IntRange(min=2), default=10, show_default=True,
              help="Bins of relative dissonance.")
@click.option("--bayes/--no-bayes", default=False, show_default=True,
              help="Fit the Bayesian dissonance model and the distance-free one; compare by LOO.")
@click.option("--bayes-people", type=click.IntRange(min=2), default=300, show_default=True,
              help="People in the Bayesian fits.")
@click.option("--party-dataset", default="ddo-issue-party", show_default=True,
              help="Per-issue party table for polarisation ('none' to skip).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Use a random subset of N people.")
@click.option("--save", type=click.Path(dir_okay=False), default=None,
              help="Write the space fitted on all stances to this .npz file.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--progress/--no-progress", default=False, help="Show progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def fit_beliefs_command(dataset: str, data_path: str | None, model: str, fine_tune: bool,
                        protocol: str, folds: int, hide: float, templates: tuple[str, ...],
                        statements_path: str | None, loss: str, negatives: str, head: str,
                        epochs: int,
                        llm: str | None, llm_people: int, bins: int, bayes: bool,
                        bayes_people: int, party_dataset: str, limit: int | None,
                        save: str | None, seed: int, progress: bool, as_json: bool) -> None:
    """Predict held-out stances with every method; relative dissonance; polarisation."""
    from cogalign.beliefs.analysis import fit_beliefs

    table = _load(dataset, data_path)
    party = None
    if party_dataset.lower() != "none" and data_path is None:
        from cogalign.data import load

        try:
            party = load(party_dataset, progress=False)
        except CogalignError as exc:
            click.echo(f"polarisation skipped: {str(exc).splitlines()[0]}", err=True)
    echo = None if as_json else (lambda text: click.echo(text, err=True))
    result = fit_beliefs(table, party=party, model=model, fine_tune=fine_tune, protocol=protocol,
                         n_folds=folds, hide=hide, templates=templates,
                         statements=_statements(statements_path), loss=loss, negatives=negatives,
                         head=head, max_epochs=epochs, llm=llm, llm_people=llm_people, n_bins=bins,
                         bayes=bayes, bayes_people=bayes_people, limit_people=limit, save=save,
                         seed=seed, progress=progress, echo=echo)
    result["source"] = data_path or dataset
    emit(result, as_json, lambda: _table_text(result))


@click.command("beliefs")
@click.option("--dataset", default="ddo-big-issues", show_default=True,
              help="Registered stance dataset (ignored with --data).")
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A stance file (see 'cogalign fit beliefs --help').")
@click.option("--models", default="minilm-l6,smollm2-135m", show_default=True,
              help="Comma-separated models whose own belief spaces are compared.")
@click.option("--fitted-model", default="minilm-l6", show_default=True,
              help="Model of the fine-tuned reference space.")
@click.option("--epochs", type=click.IntRange(min=1), default=30, show_default=True, help="Most fine-tuning epochs.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Use a random subset of N people.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--progress/--no-progress", default=False, help="Show progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def align_beliefs_command(dataset: str, data_path: str | None, models: str, fitted_model: str,
                          epochs: int, limit: int | None, seed: int, progress: bool,
                          as_json: bool) -> None:
    """Language models' belief spaces vs the fitted one and vs people (RSA, CKA)."""
    from cogalign.beliefs.analysis import align_beliefs, subsample_people

    table = subsample_people(_load(dataset, data_path), limit, seed)
    names = [m.strip() for m in models.split(",") if m.strip()]
    result = align_beliefs(table, models=names, fitted_model=fitted_model, max_epochs=epochs,
                           seed=seed, progress=progress)
    result["source"] = data_path or dataset
    if as_json:
        emit(result, True, "")
        return
    lines = [f"issue-by-issue structure over {result['n_issues']} issues",
             f"{'space':<32}{'RSA people':>12}{'RSA fitted':>12}{'CKA fitted':>12}"]
    for row in result["spaces"]:
        cells = "".join(f"{row[k]:>12.4f}" if row[k] is not None and math.isfinite(row[k])
                        else f"{'-':>12}" for k in ("rsa_people", "rsa_reference", "cka_reference"))
        lines.append(f"{row['space']:<32}{cells}")
    click.echo("\n".join(lines))
