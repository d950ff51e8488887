"""The headline analyses of the belief-embedding paradigm, one function each.

* :func:`fit_beliefs` - the stance-prediction table under a protocol, the accuracy of the
  nearer-side rule by relative dissonance, polarisation against the party gap, and
  (optionally) the Bayesian dissonance model compared with the distance-free one;
* :func:`align_beliefs` - language models' own belief spaces against the fitted one and
  against people (RSA, CKA);
* :func:`demo_section` - the paradigm's part of ``cogalign demo``.

Every function returns plain data (dicts of lists and numbers) ready for JSON.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.beliefs.statements import DEFAULT_TEMPLATES
from cogalign.errors import CogalignError

__all__ = ["align_beliefs", "demo_section", "fast_mode", "fit_beliefs", "subsample_people"]


def fast_mode() -> bool:
    """True when the environment variable ``COGALIGN_FAST`` is set to a true value."""
    return os.environ.get("COGALIGN_FAST", "").strip().lower() in ("1", "true", "yes")


def subsample_people(table: pd.DataFrame, n_people: int | None, seed: int = 0) -> pd.DataFrame:
    """Keep every stance of ``n_people`` randomly chosen people (all when ``None``)."""
    if n_people is None:
        return table
    people = pd.unique(table["participant_id"])
    if n_people >= len(people):
        return table
    keep = np.random.default_rng(seed).choice(people, n_people, replace=False)
    return table[table["participant_id"].isin(keep)].reset_index(drop=True)


def _records(frame: pd.DataFrame, index: str | None = None) -> list[dict[str, Any]]:
    out = frame.reset_index() if index else frame
    return out.to_dict("records")


def fit_beliefs(
    table: pd.DataFrame,
    *,
    party: pd.DataFrame | None = None,
    model: Any = "minilm-l6",
    fine_tune: bool = True,
    protocol: str = "stances",
    n_folds: int = 5,
    hide: float = 0.2,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    statements: pd.DataFrame | None = None,
    loss: str = "triplet",
    negatives: str = "paper",
    head: str = "mlp",
    max_epochs: int = 30,
    predictor_settings: dict[str, dict[str, Any]] | None = None,
    llm: Any = None,
    llm_people: int = 20,
    n_bins: int = 10,
    bayes: bool = False,
    bayes_people: int = 300,
    bayes_draws: int = 500,
    limit_people: int | None = None,
    save: str | os.PathLike[str] | None = None,
    seed: int = 0,
    progress: bool = False,
    echo: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """Stance prediction, relative dissonance and polarisation on one stance table.

    Parameters
    ----------
    table
        Stance table (``participant_id``, ``issue``, ``stance``; ``political_party``
        enables the party baseline).
    party
        ``ddo-issue-party`` for the polarisation analysis (skipped when ``None``).
    model
        Sentence model of the belief space.
    fine_tune
        Add the fine-tuned belief space to the model's own.
    protocol, n_folds, hide
        See :func:`cogalign.beliefs.evaluation.stance_folds`.
    templates, statements, loss, negatives, head, max_epochs
        Belief-space settings (:class:`cogalign.beliefs.BeliefSpace`).
    predictor_settings
        Settings of individual methods, e.g. ``{"cf-low-rank": {"rank": 4}}``.
    llm, llm_people
        A causal model to prompt, and the test people per fold it answers for.
    n_bins
        Bins of relative dissonance.
    bayes, bayes_people, bayes_draws
        Fit the Bayesian dissonance model and the distance-free model (NUTS, 2 chains) on
        this many people's held-out choices, and compare them by PSIS-LOO.
    limit_people
        Use a random subset of people.
    save
        Write the belief space fitted on the whole table to this ``.npz`` file.
    seed
        Seed of everything random.
    progress
        Progress bars.
    echo
        Where to report progress in words (``None``: silent).

    Returns
    -------
    dict
        ``data`` (counts), ``settings``, ``methods`` (one record per method: each metric
        with ``_low``/``_high`` interval over folds), ``per_fold``, ``llm_subset``,
        ``dissonance`` (``bins`` and ``trend`` per space), ``polarization`` (per space: each
        issue's Pro-Con distance, and its correlation with the party gap, also in cosine
        distance, and with the paper's own distances), ``bayes``,
        ``fine_tuning`` (epochs per fold) and ``seconds``.
    """
    from cogalign.beliefs.dissonance import accuracy_by_dissonance
    from cogalign.beliefs.evaluation import cross_validate_stances

    say = echo or (lambda _text: None)
    t_start = time.perf_counter()
    table = subsample_people(table, limit_people, seed)
    space_settings = {"templates": tuple(templates), "statements": statements, "loss": loss,
                      "negatives": negatives, "head": head, "max_epochs": max_epochs}
    data = {"n_stances": int(len(table)), "n_people": int(table["participant_id"].nunique()),
            "n_issues": int(table["issue"].nunique()),
            "share_pro": float(np.mean(table["stance"].to_numpy() > 0))}
    say(f"{data['n_stances']:,} stances of {data['n_people']:,} people on {data['n_issues']} "
        f"issues; protocol {protocol!r}, {n_folds} folds")

    def report(fold: int, rows: pd.DataFrame) -> None:
        best = rows.loc[rows["accuracy"].idxmax()]
        say(f"  fold {fold + 1}/{n_folds}: best {best['method']} accuracy {best['accuracy']:.4f}")

    cv = cross_validate_stances(
        table, protocol=protocol, n_folds=n_folds, hide=hide, model=model, fine_tune=fine_tune,
        space_settings=space_settings, predictor_settings=predictor_settings, llm=llm,
        llm_people=llm_people, seed=seed,
        progress=progress, on_fold=report)
    result: dict[str, Any] = {
        "data": data,
        "settings": {"model": model if isinstance(model, str) else repr(model),
                     "fine_tune": fine_tune, "protocol": protocol, "n_folds": n_folds,
                     "hide": hide, "templates": list(templates), "loss": loss,
                     "negatives": negatives, "head": head, "max_epochs": max_epochs,
                     "llm": llm if llm is None or isinstance(llm, str) else repr(llm),
                     "llm_people": llm_people, "seed": seed, "limit_people": limit_people},
        "methods": _records(cv.summary, "method"),
        "per_fold": _records(cv.per_fold),
        "llm_subset": _records(cv.llm_summary, "method") if len(cv.llm_summary) else [],
        "fine_tuning": {str(k): {"epochs": int(len(h)),
                                 "final_val_loss": float(h["val_loss"].iloc[-1]) if len(h) else None,
                                 "val_triplet_accuracy": float(h["val_triplet_accuracy"].max())
                                 if len(h) else None}
                        for k, h in cv.histories.items()},
    }
    dissonance = {}
    for label in ("base", "fine-tuned"):
        part = cv.predictions[cv.predictions["method"] == f"space-nearest ({label})"]
        if len(part):
            bins = accuracy_by_dissonance(part, n_bins=n_bins)
            dissonance[label] = {"bins": _records(bins), "trend": bins.attrs["trend"]}
    result["dissonance"] = dissonance
    result["polarization"] = None
    if party is not None or save is not None:
        from cogalign.beliefs.people import polarization, polarization_vs_party
        from cogalign.beliefs.space import BeliefSpace

        say("fitting the belief space on every stance (polarisation, saved space)")
        space = BeliefSpace(model, fine_tune=fine_tune, seed=seed, progress=progress,
                            **space_settings).fit(table)
        polar = {"base": polarization(space.base_, space.issues_)}
        if fine_tune:
            polar["fine-tuned"] = polarization(space.vectors_, space.issues_)
        entry: dict[str, Any] = {label: {"issues": _records(frame)} for label, frame in polar.items()}
        if party is not None:
            for label, frame in polar.items():
                cosine = frame.assign(distance=frame["cosine_distance"])
                entry[label]["party_gap"] = polarization_vs_party(frame, party)
                entry[label]["party_gap_cosine"] = polarization_vs_party(cosine, party)
                entry[label]["paper_distance"] = polarization_vs_party(frame, party, "paper_distance")
        result["polarization"] = entry
        if save is not None:
            result["saved"] = str(space.save(save))
    result["bayes"] = None
    if bayes:
        from cogalign.beliefs.models import compare_dissonance_models

        label = "fine-tuned" if fine_tune else "base"
        part = cv.predictions[cv.predictions["method"] == f"space-nearest ({label})"]
        say(f"Bayesian dissonance model vs distance-free model on {bayes_people} people (NUTS)")
        out = compare_dissonance_models(part, n_people=bayes_people, draws=bayes_draws,
                                        tune=bayes_draws, seed=seed)
        comparison = out["comparison"][["rank", "elpd_loo", "p_loo", "elpd_diff", "se", "dse",
                                        "weight", "n_bad_k"]]
        result["bayes"] = {"space": label, "comparison": _records(comparison, "model"),
                           "sensitivity_per_sd": out["sensitivity"], "scale": out["scale"],
                           "n_choices": out["n_choices"], "n_people": out["n_people"],
                           "divergences": {k: int(v.attrs.get("divergences", 0))
                                           for k, v in out["fits"].items()},
                           "max_rhat": {k: float(v.attrs.get("max_rhat", np.nan))
                                        for k, v in out["fits"].items()}}
    result["seconds"] = {**{k: round(v, 2) for k, v in cv.seconds.items()},
                         "total": round(time.perf_counter() - t_start, 2)}
    return result


def align_beliefs(
    table: pd.DataFrame,
    *,
    models: Sequence[Any] = ("minilm-l6", "smollm2-135m"),
    fitted_model: Any = "minilm-l6",
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    max_epochs: int = 30,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:
    """Language models' own belief spaces against the fitted space and against people.

    Parameters
    ----------
    table
        Stance table.
    models
        Models whose own (not fine-tuned) statement embeddings are compared.
    fitted_model
        Model of the fitted (fine-tuned on the whole table) space, the reference.
    templates, max_epochs, seed, progress
        Belief-space settings.

    Returns
    -------
    dict
        ``spaces``: one record per space with ``rsa_people``, ``rsa_reference``,
        ``cka_reference`` and ``dim`` (:func:`cogalign.beliefs.alignment.compare_belief_spaces`).
    """
    from cogalign.beliefs.alignment import compare_belief_spaces, model_spaces
    from cogalign.beliefs.data import issue_texts
    from cogalign.beliefs.space import BeliefSpace

    fitted = BeliefSpace(fitted_model, templates=tuple(templates), max_epochs=max_epochs,
                         seed=seed, progress=progress).fit(table)
    spaces = model_spaces(fitted.issues_, models, texts=issue_texts(table), templates=templates,
                          progress=progress)
    spaces = {f"{name} (own)": v for name, v in spaces.items()}
    name = fitted_model if isinstance(fitted_model, str) else repr(fitted_model)
    spaces[f"{name} (fine-tuned)"] = fitted.vectors_
    out = compare_belief_spaces(spaces, table, fitted.issues_, reference=f"{name} (fine-tuned)")
    return {"spaces": _records(out, "space"), "n_issues": len(fitted.issues_)}


def demo_section(echo: Callable[[str], Any] | None = None, *, n_people: int = 1500,
                 model: str = "minilm-l6") -> dict[str, Any]:
    """The belief-embedding part of ``cogalign demo``: stance prediction on debate.org data.

    On ``ddo-big-issues`` (found locally; never downloaded), for a random ``n_people``: every
    stance predictor under held-out stances (3 folds, the fine-tuned space trained for at
    most 10 epochs), the nearer-side accuracy by relative dissonance, and, with
    ``ddo-issue-party``, the correlation of polarisation with the party gap. Anything missing
    (data, model package) is skipped with the reason.

    Returns
    -------
    dict
        ``{"methods": [{"method", "accuracy", "accuracy_low", "accuracy_high"}, ...],
        "dissonance_trend": {...}, "polarization": {...}, "skipped": [...]}``.
    """
    from cogalign.data import load

    report: dict[str, Any] = {"methods": [], "skipped": []}

    def skip(what: str, exc: BaseException) -> dict[str, Any]:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        report["skipped"].append({"what": what, "reason": reason})
        if echo:
            echo(f"  skipped {what}: {reason}")
        return report

    if echo:
        echo("\nBelief embeddings (ddo-big-issues): predicting held-out stances")
    try:
        table = load("ddo-big-issues", download=False, progress=False)
    except CogalignError as exc:
        return skip("belief embeddings", exc)
    try:
        party = load("ddo-issue-party", download=False, progress=False)
    except CogalignError as exc:
        skip("polarisation", exc)
        party = None
    try:
        result = fit_beliefs(table, party=party, model=model, n_folds=3, max_epochs=10,
                             limit_people=n_people, seed=0)
    except Exception as exc:  # a missing model package or weights: say so, go on
        return skip(f"{model} belief space", exc)
    for row in result["methods"]:
        entry = {k: row[k] for k in ("method", "accuracy", "accuracy_low", "accuracy_high")}
        report["methods"].append(entry)
        if echo:
            echo(f"  {entry['method']:<28} accuracy {entry['accuracy']:.3f} "
                 f"[{entry['accuracy_low']:.3f}, {entry['accuracy_high']:.3f}]")
    trend = result["dissonance"].get("fine-tuned", {}).get("trend")
    report["dissonance_trend"] = trend
    if echo and trend:
        echo(f"  nearer-side accuracy rises with relative dissonance: logistic slope "
             f"{trend['slope']:.2f} (SE {trend['slope_se']:.2f}) over {trend['n']} predictions")
    polar = (result.get("polarization") or {}).get("fine-tuned") or {}
    report["polarization"] = polar.get("party_gap")
    if echo and report["polarization"]:
        echo(f"  Pro-Con distance vs party gap across issues: Pearson r = "
             f"{report['polarization']['pearson']:.2f}")
    report["n_people"] = result["data"]["n_people"]
    return report
