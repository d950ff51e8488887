"""Fit any registered paradigm's model to a trial table, cross-validated: one function, one command.

:func:`fit_paradigm` is what ``cogalign fit NAME`` runs for a paradigm that declares
estimators but no fit command of its own: it scores the chosen model with
:func:`cogalign.crossval.cross_validate` (rows grouped by the paradigm's ``cv_groups``, so
whole people, problems or triplets are held out), then fits it on all rows.

>>> from cogalign.fitting import fit_paradigm            # doctest: +SKIP
>>> result = fit_paradigm("risky", table, model="cpt")   # doctest: +SKIP
>>> result["cv"]["mean"], result["score_name"]           # doctest: +SKIP
"""

from __future__ import annotations

import time
import tomllib
from typing import Any

import click
import numpy as np

from cogalign.errors import CogalignError
from cogalign.estimator import clone
from cogalign.paradigms import Paradigm, get_paradigm, resolve

__all__ = ["fit_command", "fit_paradigm", "fitted_attributes", "parse_settings"]


def fitted_attributes(estimator: Any, max_size: int = 50) -> dict[str, Any]:
    """The fitted attributes (names ending in ``_``) small enough to report.

    Scalars, strings and arrays of at most ``max_size`` numbers are kept; large arrays,
    DataFrames and objects are left out (they stay on the estimator).
    """
    out: dict[str, Any] = {}
    for name, value in vars(estimator).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if isinstance(value, bool | int | float | str | np.integer | np.floating):
            out[name] = value.item() if hasattr(value, "item") else value
        elif isinstance(value, np.ndarray) and value.size <= max_size and value.dtype.kind in "biuf":
            out[name] = value.tolist()
    return out


def fit_paradigm(
    paradigm: str | Paradigm,
    table: Any,
    *,
    model: str | None = None,
    params: dict[str, Any] | None = None,
    folds: int = 5,
    seed: int = 0,
) -> tuple[dict[str, Any], Any]:
    """Cross-validate a paradigm's model on a trial table, then fit it on every row.

    Parameters
    ----------
    paradigm
        Registered paradigm name, or the :class:`~cogalign.paradigms.Paradigm` itself.
    table
        The paradigm's trial table.
    model
        Model name among the paradigm's estimators (default: its ``default_estimator``).
    params
        Settings passed to the estimator's constructor.
    folds
        Cross-validation folds (0: no cross-validation, only the fit on all rows).
    seed
        Seed of the fold assignment.

    Returns
    -------
    result : dict
        ``paradigm``, ``model``, ``score_name``, ``n_rows``, ``cv`` (per-fold scores, mean and
        standard deviation, or ``None`` with ``folds=0``), ``score_in_sample``, ``fitted``
        (small fitted attributes) and ``seconds``.
    estimator : object
        The estimator fitted on every row.

    Raises
    ------
    CogalignError
        For an unknown model, ``folds`` of 1 or below 0, too few groups for the folds, or a
        score that is not defined on the data (NaN: never reported as a result).
    """
    p = get_paradigm(paradigm) if isinstance(paradigm, str) else paradigm
    if folds == 1 or folds < 0:
        raise CogalignError(f"folds must be 0 (no cross-validation) or at least 2, got {folds}")
    if len(table) == 0:
        raise CogalignError("the trial table has no rows")
    name = model or p.default_estimator
    estimator = p.estimator(name, **(params or {}))
    start = time.perf_counter()
    result: dict[str, Any] = {
        "paradigm": p.name,
        "model": name,
        "params": params or {},
        "score_name": getattr(estimator, "score_name", "score"),
        "n_rows": int(len(table)),
        "cv": None,
    }
    if folds:
        from cogalign.crossval import cross_validate

        groups = resolve(p.cv_groups)
        scores = cross_validate(estimator, table, groups=groups, cv=folds, seed=seed)
        column = result["score_name"]
        values = [float(v) for v in scores[column]]
        result["cv"] = {
            "folds": folds,
            "grouped_by": groups if isinstance(groups, str) else getattr(groups, "__name__", "groups"),
            "per_fold": values,
            "mean": float(np.mean(values)),
            "sd": float(np.std(values, ddof=1)) if len(values) > 1 else None,
        }
    final = clone(estimator).fit(table)
    result["score_in_sample"] = float(final.score(table))
    undefined = [what for what, value in (("in sample", result["score_in_sample"]),
                                          ("cross-validated", (result["cv"] or {}).get("mean", 0.0)))
                 if not np.isfinite(value)]
    if undefined:
        raise CogalignError(
            f"the {result['score_name']} {' and '.join(undefined)} is not defined on this data "
            "(e.g. every observed value is the same, or a fold holds a single group); nothing "
            "meaningful to report")
    result["fitted"] = fitted_attributes(final)
    result["seconds"] = time.perf_counter() - start
    return result, final


def parse_settings(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``key=value`` settings, each value read as TOML (``3``, ``0.5``, ``true``, ``"x"``).

    Anything that is not valid TOML is taken as a plain string.

    Raises
    ------
    CogalignError
        When an item is not ``key=value``.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise CogalignError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set n_dims=20")
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        out[key.strip()] = value
    return out


def fit_command(paradigm: Paradigm) -> click.Command:
    """The generic ``cogalign fit NAME`` command of a paradigm that declares estimators."""
    from cogalign.cli_common import emit, folds_option, json_option, load_table

    default_dataset = paradigm.datasets[0] if paradigm.datasets else None

    @click.command(paradigm.name, help=f"Fit a model of {paradigm.title}; cross-validated score.")
    @click.option("--model", "model", type=click.Choice(sorted(paradigm.estimators)),
                  default=paradigm.default_estimator, show_default=True, help="The model.")
    @click.option("--dataset", default=default_dataset, show_default=True,
                  help="Registered dataset (cogalign datasets list).")
    @click.option("--data", "data_path", type=click.Path(), default=None,
                  help="Your own trial file or Psych-DS folder (instead of --dataset).")
    @folds_option(help="Cross-validation folds (0: fit on all rows only).")
    @click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
                  help="A model setting (repeatable), e.g. --set n_dims=20.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
    @json_option
    def command(model: str, dataset: str | None, data_path: str | None, folds: int,
                settings: tuple[str, ...], seed: int, as_json: bool) -> None:
        table, source = load_table(paradigm.schema_name, dataset, data_path)
        result, _ = fit_paradigm(paradigm, table, model=model, params=parse_settings(settings),
                                 folds=folds, seed=seed)
        result["source"] = source
        lines = [f"{paradigm.name}: {model} on {source} ({result['n_rows']} rows)"]
        if result["cv"]:
            cv = result["cv"]
            sd = f" ± {cv['sd']:.4f}" if cv["sd"] is not None else ""
            lines.append(f"  {result['score_name']}, {cv['folds']}-fold cross-validation by "
                         f"{cv['grouped_by']}: {cv['mean']:.4f}{sd}")
        lines.append(f"  {result['score_name']} in sample: {result['score_in_sample']:.4f}")
        lines += [f"  {k} = {v}" for k, v in result["fitted"].items()]
        emit(result, as_json, "\n".join(lines))

    return command
