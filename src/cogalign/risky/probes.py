"""Reading choice rates out of language-model embeddings, with honest cross-validation.

Zhu, Yan & Griffiths (2024) embed the two gambles of each choices13k problem with a small
language model pretrained on arithmetic and regress the choice rates on the embeddings; they
report about 70.8% of variance explained against 51.5% for cumulative prospect theory, without
cross-validation. Here every predictor - the embedding probes and the baselines - is fitted on
training folds and scored on held-out problems, with folds grouped by ``problem_id`` (the two
feedback conditions of a problem always fall in the same fold):

* :class:`EmbeddingProbe` - ridge (or logistic) regression on the embeddings of gamble A and
  gamble B (plus the feedback flag), the layer chosen inside each training fold by the ridge's
  generalised cross-validation error (so layer selection never sees the test fold);
* :class:`FeatureRegressor` - the same on any feature table: the expected-value difference
  (logistic), hand-made gamble features (a multilayer perceptron), or a prompted model's
  choice probability (logistic calibration);
* :func:`cross_validate_rates` - runs any set of estimators with ``fit(table)`` /
  ``predict(table)`` on the same folds (the driver :mod:`cogalign.crossval`) and reports
  :math:`R^2` and MSE of the choice rates.

Gambles are rendered as text in two formats (:func:`gamble_text`): ``"text"`` ("a 95% chance
of $26, otherwise -$1") and ``"arithmetic"`` (``"0.95*26+0.05*-1"``, the format the
Arithmetic-GPT was trained on).

References
----------
Zhu, J.-Q., Yan, H. & Griffiths, T. L. (2024). Language models trained to do arithmetic
predict human risky and intertemporal choice. arXiv:2405.19313.

Peterson, J. C., Bourgin, D. D., Agrawal, M., Reichman, D. & Griffiths, T. L. (2021). Using
large-scale experiments and machine learning to discover theories of human decision-making.
*Science*, 372(6547), 1209-1214.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cogalign.bayes.params import expit
from cogalign.crossval import cross_val_predict, fold_labels
from cogalign.errors import CogalignError
from cogalign.estimator import Estimator, clone
from cogalign.risky.estimators import r2_score
from cogalign.risky.functions import expected_value
from cogalign.risky.gambles import _merge, problem_arrays

__all__ = [
    "FORMATS",
    "EmbeddingProbe",
    "FeatureRegressor",
    "cross_validate_rates",
    "embed_problems",
    "gamble_features",
    "gamble_text",
    "grouped_folds",
    "prompted_choice_probabilities",
]

FORMATS = ("text", "arithmetic")
EmbedFn = Callable[[list[str]], np.ndarray]


# --------------------------------------------------------------------------- rendering


def _money(x: float) -> str:
    sign = "-" if x < 0 else ""
    v = abs(x)
    return f"{sign}${v:g}"


def gamble_text(outcomes: Sequence[float], probs: Sequence[float], fmt: str = "text") -> str:
    """A gamble as text.

    Parameters
    ----------
    outcomes, probs
        The gamble (identical outcomes are merged, zero-probability outcomes dropped).
    fmt
        ``"text"``: ``"$26 with 95% chance, -$1 with 5% chance"`` (``"$10 for sure"`` for a
        sure thing); ``"arithmetic"``: ``"0.95*26+0.05*-1"``, the expected-value expression.

    Examples
    --------
    >>> gamble_text([26, -1], [0.95, 0.05])
    '$26 with 95% chance, -$1 with 5% chance'
    >>> gamble_text([26, -1], [0.95, 0.05], "arithmetic")
    '0.95*26+0.05*-1'
    """
    x, p = _merge(outcomes, probs)
    order = np.argsort(-p, kind="stable")
    x, p = x[order], p[order]
    if fmt == "text":
        if len(x) == 1:
            return f"{_money(x[0])} for sure"
        return ", ".join(f"{_money(xi)} with {100 * pi:.4g}% chance" for xi, pi in zip(x, p,
                                                                                   strict=True))
    if fmt == "arithmetic":
        return "+".join(f"{pi:.4g}*{xi:g}" for xi, pi in zip(x, p, strict=True))
    raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")


def embed_problems(
    table: pd.DataFrame,
    embed_fn: EmbedFn | str = "minilm-l6",
    *,
    fmt: str = "text",
    layers: Any = "all",
    pooling: str = "mean",
    progress: bool = False,
) -> np.ndarray:
    """Embeddings of gamble A and gamble B of every problem.

    Each distinct gamble text is embedded once.

    Parameters
    ----------
    table
        A table with the four gamble columns.
    embed_fn
        A ``cogalign.llm`` model name (``"minilm-l6"``, ``"smollm2-135m"``, ...), embedded with
        :func:`cogalign.llm.embed` (cached on disk), or a function from a list of texts to an
        array ``(n_texts, n_layers, width)`` or ``(n_texts, width)``.
    fmt
        ``"text"`` or ``"arithmetic"`` (:func:`gamble_text`).
    layers, pooling
        Passed to :func:`cogalign.llm.embed`.
    progress
        Progress bar while embedding.

    Returns
    -------
    numpy.ndarray
        ``(n_problems, n_layers, 2 * width)``: A's embedding then B's, per layer.
    """
    texts_a = [gamble_text(x, p, fmt) for x, p in zip(table["outcomes_a"], table["probs_a"],
                                                      strict=True)]
    texts_b = [gamble_text(x, p, fmt) for x, p in zip(table["outcomes_b"], table["probs_b"],
                                                      strict=True)]
    unique = sorted(set(texts_a) | set(texts_b))
    if isinstance(embed_fn, str):
        from cogalign.llm import embed

        # gambles are descriptions, not bare items: read as written, never in an item context
        reps = embed(unique, model=embed_fn, layers=layers, pooling=pooling, template=None,
                     progress=progress)
        arr = np.asarray(reps.array, dtype=np.float32)
    else:
        arr = np.asarray(embed_fn(unique), dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[:, None, :]
    if arr.shape[0] != len(unique):
        raise CogalignError(f"the embedding function returned {arr.shape[0]} rows for "
                            f"{len(unique)} texts")
    pos = {t: i for i, t in enumerate(unique)}
    ia = np.array([pos[t] for t in texts_a])
    ib = np.array([pos[t] for t in texts_b])
    return np.concatenate([arr[ia], arr[ib]], axis=-1)


def gamble_features(table: pd.DataFrame) -> pd.DataFrame:
    """Hand-made features of each problem for the MLP baseline.

    Sorted outcomes and probabilities of both gambles (padded), expected values, standard
    deviations, minimum and maximum outcomes, probability of a loss, the EV difference, and the
    ``feedback`` and ``ambiguous`` flags when present.
    """
    arr = problem_arrays(table)
    cols: dict[str, np.ndarray] = {}
    for side in ("a", "b"):
        x, p = arr[f"x{side}"], arr[f"p{side}"]
        for j in range(x.shape[1]):
            cols[f"x{side}{j}"] = x[:, j]
            cols[f"p{side}{j}"] = p[:, j]
        ev = expected_value(x, p)
        cols[f"ev_{side}"] = ev
        cols[f"sd_{side}"] = np.sqrt(np.sum(p * (x - ev[:, None]) ** 2, axis=1))
        cols[f"min_{side}"] = np.where(p > 0, x, np.inf).min(axis=1)
        cols[f"max_{side}"] = np.where(p > 0, x, -np.inf).max(axis=1)
        cols[f"ploss_{side}"] = np.sum(p * (x < 0), axis=1)
        cols[f"n_{side}"] = np.sum(p > 0, axis=1).astype(float)
    cols["ev_diff"] = cols["ev_b"] - cols["ev_a"]
    for flag in ("feedback", "ambiguous"):
        if flag in table.columns:
            cols[flag] = table[flag].to_numpy(dtype=float)
    return pd.DataFrame(cols, index=table.index)


# --------------------------------------------------------------------------- folds and CV


def grouped_folds(groups: Sequence[Any], n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Fold number of every row, with all rows of a group in one fold.

    The folds of :func:`cogalign.crossval.fold_labels` (shuffled ``GroupKFold``): groups are
    dealt at random (``seed``) in near-equal numbers per fold.
    """
    groups = np.asarray(groups)
    return fold_labels(groups, groups=groups, cv=n_splits, seed=seed)


def _same_shapes(estimator: Any, n_train: int) -> Any:
    """A copy padding every fold's fit to ``n_train`` rows (one compiled model for all folds)."""
    if "pad_to" not in estimator.get_params():
        return estimator
    return clone(estimator).set_params(pad_to=n_train)


def cross_validate_rates(
    table: pd.DataFrame,
    models: Mapping[str, Any],
    *,
    n_splits: int = 5,
    seed: int = 0,
    group: str = "problem_id",
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every model on the same grouped folds and score the held-out choice rates.

    The driver is :func:`cogalign.crossval.cross_val_predict`: each model is cloned and
    fitted per fold, and every row is predicted by the copy that never saw its group.

    Parameters
    ----------
    table
        ``risky-rates`` table (choice rate ``b_rate`` per row).
    models
        ``{name: estimator}`` with ``fit(table) -> self`` and ``predict(table) -> rates``
        (e.g. :class:`~cogalign.risky.RiskyChoiceModel`, :class:`EmbeddingProbe`,
        :class:`FeatureRegressor`).
    n_splits, seed
        Folds, grouped by ``group`` (:func:`grouped_folds`).
    group
        Column holding the group of each row.
    progress
        Progress bar over folds.

    Returns
    -------
    summary, predictions
        ``summary``: one row per model with ``r2`` (of all out-of-fold predictions pooled),
        ``mse``, ``r2_fold_mean``, ``r2_fold_sd``, ``n``; sorted by ``r2``.
        ``predictions``: out-of-fold predicted rate per row and model (plus ``fold``,
        ``b_rate``).
    """
    folds = grouped_folds(table[group].to_numpy(), n_splits, seed)
    n_train = max(int((folds != k).sum()) for k in range(n_splits))
    preds = cross_val_predict({name: _same_shapes(est, n_train) for name, est in models.items()},
                              table, groups=group, cv=n_splits, seed=seed, progress=progress)
    y = table["b_rate"].to_numpy(dtype=float)
    preds.insert(1, "b_rate", y)
    rows = []
    for name in models:
        oof = preds[name].to_numpy()
        fold_r2 = [r2_score(y[folds == k], oof[folds == k]) for k in range(n_splits)]
        rows.append({
            "model": name,
            "r2": r2_score(y, oof),
            "mse": float(np.mean((y - oof) ** 2)),
            "r2_fold_mean": float(np.mean(fold_r2)),
            "r2_fold_sd": float(np.std(fold_r2, ddof=1)),
            "n": len(table),
        })
    summary = pd.DataFrame(rows).set_index("model").sort_values("r2", ascending=False)
    summary.attrs.update(n_splits=n_splits, seed=seed, group=group)
    return summary, preds


# --------------------------------------------------------------------------- regressors


def _fit_logistic_rates(X: np.ndarray, y: np.ndarray, weight: np.ndarray | None, C: float):
    """Logistic regression on proportions: each row counted as y successes, 1 - y failures."""
    from sklearn.linear_model import LogisticRegression

    n = len(y)
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    XX = np.concatenate([X, X])
    yy = np.concatenate([np.ones(n), np.zeros(n)])
    ww = np.concatenate([w * y, w * (1 - y)])
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(XX, yy, sample_weight=ww)
    return model


class _Regressor(Estimator):
    """Ridge (alpha by GCV), logistic-on-proportions, or MLP on standardised features.

    ``score_`` is the selection score of the fit (higher is better): the ridge's negative
    generalised cross-validation error, the logistic fit's negative training MSE, or the
    MLP's validation :math:`R^2`.
    """

    fitted_attribute = "model_"

    def __init__(self, kind: str, alphas: Sequence[float], hidden: tuple[int, ...], seed: int,
                 C: float) -> None:
        self._set_init_params(locals())

    def fit(self, X: np.ndarray, y: np.ndarray) -> _Regressor:
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        Z = (X - self.mean_) / self.scale_
        if self.kind == "ridge":
            from sklearn.linear_model import RidgeCV

            self.model_ = RidgeCV(alphas=np.asarray(self.alphas, dtype=float)).fit(Z, y)
            self.score_ = float(self.model_.best_score_)  # higher is better (neg. GCV MSE)
        elif self.kind == "logistic":
            self.model_ = _fit_logistic_rates(Z, y, None, self.C)
            p = self.model_.predict_proba(Z)[:, 1]
            self.score_ = -float(np.mean((y - p) ** 2))
        elif self.kind == "mlp":
            from sklearn.neural_network import MLPRegressor

            self.model_ = MLPRegressor(hidden_layer_sizes=self.hidden, early_stopping=True,
                                       max_iter=500, random_state=self.seed,
                                       validation_fraction=0.1, n_iter_no_change=20)
            self.model_.fit(Z, y)
            self.score_ = float(self.model_.best_validation_score_)
        else:
            raise CogalignError(f"regression must be 'ridge', 'logistic' or 'mlp', got {self.kind!r}")
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        self._check_fitted()
        Z = (X - self.mean_) / self.scale_
        if self.kind == "logistic":
            return self.model_.predict_proba(Z)[:, 1]
        return np.clip(self.model_.predict(Z), 0.0, 1.0)


class FeatureRegressor(Estimator):
    """Regress choice rates on a feature table aligned with the data table by index.

    Parameters
    ----------
    features
        ``DataFrame`` indexed like the tables passed to ``fit``/``predict`` (e.g.
        :func:`gamble_features`), or a function ``table -> DataFrame``.
    regression
        ``"ridge"`` (penalty by generalised cross-validation over ``alphas``), ``"logistic"``
        (logistic regression on the proportions) or ``"mlp"`` (multilayer perceptron with early
        stopping).
    alphas
        Ridge penalties to choose from.
    hidden
        MLP hidden-layer sizes.
    C
        Inverse L2 penalty of the logistic regression.
    seed
        Seed (MLP initialisation).
    """

    score_name = "r2"
    fitted_attribute = "regressor_"

    def __init__(
        self,
        features: pd.DataFrame | Callable[[pd.DataFrame], pd.DataFrame],
        *,
        regression: str = "ridge",
        alphas: Sequence[float] = tuple(np.logspace(-3, 5, 17)),
        hidden: tuple[int, ...] = (64, 64),
        C: float = 1e4,
        seed: int = 0,
    ) -> None:
        self._set_init_params(locals())

    def _X(self, table: pd.DataFrame) -> np.ndarray:
        f = self.features(table) if callable(self.features) else self.features.loc[table.index]
        return np.asarray(f, dtype=float)

    def fit(self, table: pd.DataFrame) -> FeatureRegressor:
        """Fit on ``table``'s rows (target ``b_rate``); returns ``self``."""
        self.regressor_ = _Regressor(self.regression, self.alphas, self.hidden, self.seed,
                                     self.C).fit(self._X(table),
                                                 table["b_rate"].to_numpy(dtype=float))
        return self

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Predicted choice rate of B."""
        self._check_fitted()
        return self.regressor_.predict(self._X(table))

    def score(self, table: pd.DataFrame) -> float:
        """:math:`R^2` of the predicted choice rates ``b_rate`` (higher is better)."""
        return r2_score(table["b_rate"], self.predict(table))


class EmbeddingProbe(Estimator):
    """Ridge probe from per-layer embeddings of both gambles to the choice rate.

    Parameters
    ----------
    embeddings
        Array ``(n_rows, n_layers, d)`` aligned with ``index`` (from :func:`embed_problems`).
    index
        Row labels of ``embeddings`` (the data table's index).
    layer
        ``"best"``: choose the layer inside each ``fit`` by the ridge's generalised
        cross-validation error on the training rows; or a position along the layer axis.
    regression
        ``"ridge"`` or ``"logistic"``.
    extra
        Optional ``DataFrame`` of extra features (e.g. the ``feedback`` flag) indexed like the
        table.
    alphas
        Ridge penalties.
    n_components
        Optional PCA dimension per layer (fitted on the training rows) to speed up wide models.

    Attributes
    ----------
    layer_
        Chosen layer position; ``layer_scores_`` the per-layer selection scores.
    """

    score_name = "r2"
    fitted_attribute = "regressor_"

    def __init__(
        self,
        embeddings: np.ndarray,
        index: Sequence[Any],
        *,
        layer: int | str = "best",
        regression: str = "ridge",
        extra: pd.DataFrame | None = None,
        alphas: Sequence[float] = tuple(np.logspace(-2, 5, 15)),
        n_components: int | None = None,
        seed: int = 0,
    ) -> None:
        self._set_init_params(locals())

    def __sklearn_clone__(self) -> EmbeddingProbe:
        """An unfitted copy that shares the (read-only) embedding array instead of copying it.

        The embeddings of a large table run to gigabytes; every cross-validation fold clones
        the probe, and :func:`sklearn.base.clone` would deep-copy them each time.
        """
        return type(self)(**self.get_params(deep=False))

    def _rows(self, table: pd.DataFrame) -> np.ndarray:
        pos = pd.Index(self.index).get_indexer(table.index)
        if (pos < 0).any():
            raise CogalignError("some rows of the table have no embedding (index mismatch)")
        return pos

    def _X(self, table: pd.DataFrame, layer: int) -> np.ndarray:
        X = np.asarray(self.embeddings[self._rows(table), layer, :], dtype=float)
        if self.extra is not None:
            X = np.concatenate([X, np.asarray(self.extra.loc[table.index], dtype=float)], axis=1)
        return X

    def _project(self, X: np.ndarray, layer: int, fit: bool) -> np.ndarray:
        if self.n_components is None or self.n_components >= X.shape[1]:
            return X
        if fit:
            mean = X.mean(axis=0)
            _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
            self._pca[layer] = (mean, vt[: self.n_components].T)
        mean, comp = self._pca[layer]
        return (X - mean) @ comp

    def fit(self, table: pd.DataFrame) -> EmbeddingProbe:
        """Fit on ``table``'s rows (target ``b_rate``); returns ``self``."""
        y = table["b_rate"].to_numpy(dtype=float)
        n_layers = self.embeddings.shape[1]
        layers = range(n_layers) if self.layer == "best" else [int(self.layer) % n_layers]
        self._pca: dict[int, Any] = {}
        best, scores = None, {}
        for j in layers:
            X = self._project(self._X(table, j), j, fit=True)
            reg = _Regressor(self.regression, self.alphas, (), self.seed, 1.0).fit(X, y)
            scores[j] = reg.score_
            if best is None or reg.score_ > scores[best[0]]:
                best = (j, reg)
        assert best is not None
        self.layer_, self.regressor_ = best
        self.layer_scores_ = scores
        return self

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Predicted choice rate of B."""
        self._check_fitted()
        X = self._project(self._X(table, self.layer_), self.layer_, fit=False)
        return self.regressor_.predict(X)

    def score(self, table: pd.DataFrame) -> float:
        """:math:`R^2` of the predicted choice rates ``b_rate`` (higher is better)."""
        return r2_score(table["b_rate"], self.predict(table))


# --------------------------------------------------------------------------- prompting


def prompted_choice_probabilities(
    table: pd.DataFrame,
    model: Any = "smollm2-135m",
    *,
    fmt: str = "text",
    permutations: Any = "all",
    batch_size: int = 32,
    progress: bool = False,
) -> np.ndarray:
    """A causal language model's probability of choosing gamble B, by prompting.

    Uses :func:`cogalign.llm.judge` with the built-in ``"gamble-choice"`` task (the answer's
    log-probability, "A" vs "B", normalised over the two), averaged over both presentation
    orders by default so position bias cancels.

    Returns
    -------
    numpy.ndarray
        :math:`P(B)` per row.
    """
    from cogalign.llm import judge

    trials = pd.DataFrame({
        "gamble_a": [gamble_text(x, p, fmt) for x, p in zip(table["outcomes_a"],
                                                            table["probs_a"], strict=True)],
        "gamble_b": [gamble_text(x, p, fmt) for x, p in zip(table["outcomes_b"],
                                                            table["probs_b"], strict=True)],
    })
    unique = trials.drop_duplicates().reset_index(drop=True)
    out = judge(unique, "gamble-choice", model=model, permutations=permutations,
                batch_size=batch_size, progress=progress)
    col = "p_gamble_b" if "p_gamble_b" in out.columns else [c for c in out.columns
                                                           if c.startswith("p_")][-1]
    lookup = {(a, b): float(v) for a, b, v in zip(unique["gamble_a"], unique["gamble_b"],
                                                  out[col], strict=True)}
    return np.array([lookup[(a, b)] for a, b in zip(trials["gamble_a"], trials["gamble_b"],
                                                    strict=True)])


def logit_feature(p: np.ndarray, index: Any, eps: float = 1e-4) -> pd.DataFrame:
    """``log(p / (1 - p))`` as a one-column feature table (for a logistic calibration)."""
    q = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return pd.DataFrame({"logit_p": np.log(q) - np.log1p(-q)}, index=index)


def expit_rates(x: np.ndarray) -> np.ndarray:
    """Logistic function (NumPy)."""
    return expit(np.asarray(x, dtype=float))
