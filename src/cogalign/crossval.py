"""One cross-validation driver: every model and baseline scored on the same held-out folds.

Folds come from scikit-learn's splitters. With ``groups`` (a column, an array, or a function
of the data), all rows of a group fall in the same fold - the repeats of one triplet, the
feedback conditions of one problem, the trials of one participant - so a score measures
prediction for groups the model never saw:

* ``cv=k`` is :class:`sklearn.model_selection.GroupKFold` with ``shuffle=True`` (groups dealt
  at random, ``seed``) when ``groups`` is given, else a shuffled
  :class:`~sklearn.model_selection.KFold`;
* any scikit-learn splitter can be passed instead (``GroupShuffleSplit``, ``LeaveOneGroupOut``).

:func:`cross_validate` fits a fresh copy (:func:`sklearn.base.clone`) of each estimator on
every training fold and returns one row per fold and model; :func:`cross_val_predict` returns
the out-of-fold predictions; :func:`fold_labels` gives each row's fold for code that needs the
labels; :func:`holdout_split` is the one-split version (train / held-out rows).

>>> import pandas as pd
>>> table = pd.DataFrame({"person": [1, 1, 2, 2, 3, 3], "y": [0, 1, 0, 1, 1, 1]})
>>> fold_labels(table, groups="person", cv=3, seed=0).tolist()
[2, 2, 1, 1, 0, 0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cogalign.errors import CogalignError

__all__ = [
    "Groups",
    "cross_val_predict",
    "cross_validate",
    "fold_labels",
    "holdout_split",
    "make_splitter",
]

#: A column name, one group label per row, or a function of the data returning them.
Groups = str | ArrayLike | Callable[[Any], ArrayLike] | None

#: ``{column: scorer(fitted_model, test_rows) -> float}``.
Scoring = Mapping[str, Callable[[Any, Any], float]]


def make_splitter(cv: Any = 5, *, grouped: bool = False, seed: int = 0) -> Any:
    """The scikit-learn splitter that ``cv`` stands for.

    Parameters
    ----------
    cv
        Number of folds, or a splitter (``split`` and ``get_n_splits``), returned as is.
    grouped
        Whether the rows have groups: :class:`~sklearn.model_selection.GroupKFold`
        (shuffled) instead of :class:`~sklearn.model_selection.KFold` (shuffled).
    seed
        Seed of the shuffling.

    Returns
    -------
    object
        A splitter.

    Raises
    ------
    CogalignError
        For fewer than two folds or an object that is not a splitter.
    """
    from sklearn.model_selection import GroupKFold, KFold

    if isinstance(cv, int | np.integer) and not isinstance(cv, bool):
        if cv < 2:
            raise CogalignError(f"cross-validation needs at least 2 folds, got {cv}")
        kind = GroupKFold if grouped else KFold
        return kind(n_splits=int(cv), shuffle=True, random_state=seed)
    if not (hasattr(cv, "split") and hasattr(cv, "get_n_splits")):
        raise CogalignError(f"cv must be a number of folds or a scikit-learn splitter, got {cv!r}")
    return cv


def _group_values(data: Any, groups: Groups) -> NDArray | None:
    if groups is None:
        return None
    if callable(groups):
        values = groups(data)
    elif isinstance(groups, str):
        if not hasattr(data, "columns") or groups not in data.columns:
            raise CogalignError(f"the data has no column {groups!r} to group the folds by")
        values = data[groups]
    else:
        values = groups
    values = np.asarray(values)
    if values.ndim != 1 or len(values) != len(data):
        raise CogalignError(f"groups must give one label per row ({len(data)} rows), got "
                            f"shape {values.shape}")
    return values


def _splits(data: Any, groups: Groups, cv: Any, seed: int) -> list[tuple[NDArray, NDArray]]:
    """``[(train_rows, test_rows), ...]`` as integer positions."""
    labels = _group_values(data, groups)
    splitter = make_splitter(cv, grouped=labels is not None, seed=seed)
    if isinstance(cv, int | np.integer):
        units = len(np.unique(labels)) if labels is not None else len(data)
        what = "groups" if labels is not None else "rows"
        if units < cv:
            raise CogalignError(f"only {units} {what}: too few for {int(cv)} folds")
    try:
        return list(splitter.split(np.zeros((len(data), 1)), None, labels))
    except ValueError as exc:
        raise CogalignError(f"cannot split the data into folds: {exc}") from None


def _take(data: Any, rows: NDArray) -> Any:
    return data.iloc[rows] if hasattr(data, "iloc") else data[rows]


def fold_labels(data: Any, *, groups: Groups = None, cv: Any = 5, seed: int = 0
                ) -> NDArray[np.int64]:
    """The fold of every row: the position of the split whose test rows hold it.

    Parameters
    ----------
    data
        A table or an array (one row per observation).
    groups, cv, seed
        As in :func:`cross_validate`; the same arguments give the same folds.

    Returns
    -------
    numpy.ndarray
        ``int64`` fold per row; ``-1`` for rows in no test set (possible only with a
        splitter whose test sets do not cover the data).
    """
    fold = np.full(len(data), -1, dtype=np.int64)
    for k, (_, test) in enumerate(_splits(data, groups, cv, seed)):
        fold[test] = k
    return fold


def holdout_split(data: Any, test_size: float = 0.2, *, groups: Groups = None, seed: int = 0
                  ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """One seeded split into training and held-out rows, groups kept whole.

    Parameters
    ----------
    data
        A table or an array (one row per observation).
    test_size
        Share of the rows (of the groups, with ``groups``) held out, in (0, 1).
    groups
        As in :func:`cross_validate`.
    seed
        Seed of the split.

    Returns
    -------
    train, test
        Sorted integer row positions.
    """
    from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit

    if not 0.0 < test_size < 1.0:
        raise CogalignError(f"test_size must be in (0, 1), got {test_size}")
    labels = _group_values(data, groups)
    kind = ShuffleSplit if labels is None else GroupShuffleSplit
    splitter = kind(n_splits=1, test_size=test_size, random_state=seed)
    try:
        train, test = next(splitter.split(np.zeros((len(data), 1)), None, labels))
    except ValueError as exc:
        raise CogalignError(f"cannot hold out {test_size:g} of the data: {exc}") from None
    return np.sort(train).astype(np.int64), np.sort(test).astype(np.int64)


def _named(estimator: Any) -> dict[Any, Any]:
    if estimator is None:
        return {}
    if isinstance(estimator, Mapping):
        return dict(estimator)
    return {type(estimator).__name__: estimator}


def _folds(data: Any, splits: list[tuple[NDArray, NDArray]], progress: bool
           ) -> Iterator[tuple[int, NDArray, Any, Any]]:
    """``(fold, test positions, train rows, test rows)`` for every split."""
    from tqdm.auto import tqdm

    for k, (train_rows, test_rows) in enumerate(tqdm(splits, desc="cross-validation",
                                                     disable=not progress, leave=False)):
        yield k, test_rows, _take(data, train_rows), _take(data, test_rows)


def _fit(estimator: Any, train: Any, fit_params: Mapping[str, Any] | None) -> Any:
    """A fresh copy of ``estimator`` fitted on ``train``."""
    from sklearn.base import clone

    return clone(estimator).fit(train, **(fit_params or {}))


def _score(model: Any, test: Any, scoring: Scoring | None) -> dict[str, float]:
    if scoring is None:
        return {getattr(model, "score_name", "score"): float(model.score(test))}
    return {column: float(scorer(model, test)) for column, scorer in scoring.items()}


def cross_validate(
    estimator: Any,
    data: Any,
    *,
    groups: Groups = None,
    cv: Any = 5,
    seed: int = 0,
    baselines: Mapping[str, Any] | None = None,
    scoring: Scoring | None = None,
    fit_params: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Fit on each training fold, score on its held-out rows; models and baselines alike.

    Parameters
    ----------
    estimator
        An unfitted estimator (``fit(train, **fit_params)`` returning ``self``), a mapping
        ``{name: estimator}`` scored on the same folds, or ``None`` (baselines only). Each
        fold fits a fresh :func:`sklearn.base.clone`.
    data
        A table (rows are taken with ``iloc``) or an array.
    groups
        Rows of a group stay in one fold: a column name, one label per row, or a function
        ``data -> labels``. ``None``: rows are split one by one.
    cv
        Number of folds (shuffled ``GroupKFold`` with groups, else shuffled ``KFold``) or a
        scikit-learn splitter.
    seed
        Seed of the fold assignment.
    baselines
        ``{name: baseline}``, each either a function ``(train, test) -> {column: score}``
        (for a fixed comparison that needs no fitting, such as a language model's
        similarities) or an unfitted estimator (scored like ``estimator``).
    scoring
        ``{column: scorer(fitted_model, test) -> float}``; default the model's ``score``
        in a column named by its ``score_name`` (higher is better).
    fit_params
        Keyword arguments of every ``fit`` call (e.g. item features).
    progress
        Progress bar over the folds.

    Returns
    -------
    pandas.DataFrame
        One row per fold and model (models, then baselines): ``fold``, ``model``, the score
        columns, ``n_train`` and ``n_test`` (rows).

    Raises
    ------
    CogalignError
        For fewer than two folds, fewer groups (or rows) than folds, or a missing group
        column.
    """
    models = _named(estimator)
    fixed = {name: b for name, b in (baselines or {}).items() if not hasattr(b, "fit")}
    models.update({name: b for name, b in (baselines or {}).items() if hasattr(b, "fit")})
    if not models and not fixed:
        raise CogalignError("nothing to cross-validate: give an estimator or baselines")
    rows: list[dict[str, Any]] = []
    for k, _, train, test in _folds(data, _splits(data, groups, cv, seed), progress):
        sizes = {"n_train": len(train), "n_test": len(test)}
        for name, unfitted in models.items():
            model = _fit(unfitted, train, fit_params)
            rows.append({"fold": k, "model": name, **_score(model, test, scoring), **sizes})
        for name, baseline in fixed.items():
            rows.append({"fold": k, "model": name, **dict(baseline(train, test)), **sizes})
    table = pd.DataFrame(rows)
    scores = [c for c in table.columns if c not in ("fold", "model", "n_train", "n_test")]
    return table[["fold", "model", *scores, "n_train", "n_test"]]


def cross_val_predict(
    estimator: Any,
    data: Any,
    *,
    groups: Groups = None,
    cv: Any = 5,
    seed: int = 0,
    method: str = "predict",
    fit_params: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Out-of-fold predictions: each row predicted by the copy fitted without its fold.

    Parameters
    ----------
    estimator, data, groups, cv, seed, fit_params, progress
        As in :func:`cross_validate` (the same arguments give the same folds).
    method
        The method giving one number per row (``"predict"``, ``"predict_proba"`` for a
        model returning one probability per row, ...).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data`` (a table) or by position: ``fold``, then one column of
        predictions per model (NaN for rows in no test fold).
    """
    models = _named(estimator)
    out = pd.DataFrame({"fold": np.full(len(data), -1, dtype=np.int64)},
                       index=data.index if hasattr(data, "index") else None)
    for name in models:
        out[name] = np.nan
    for k, test_rows, train, test in _folds(data, _splits(data, groups, cv, seed), progress):
        out.iloc[test_rows, 0] = k
        for name, unfitted in models.items():
            model = _fit(unfitted, train, fit_params)
            column = out.columns.get_loc(name)
            out.iloc[test_rows, column] = np.asarray(getattr(model, method)(test), dtype=float)
    return out
