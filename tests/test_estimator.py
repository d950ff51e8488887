"""Every estimator stands on cogalign.estimator.Estimator: clone, score_name, NotFittedError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.base
import sklearn.exceptions

from cogalign.errors import CogalignError
from cogalign.estimator import Estimator, NotFittedError

TABLE = pd.DataFrame({"item_1": [0, 1], "item_2": [1, 2], "item_3": [2, 0], "response": [2, 0],
                      "b_rate": [0.2, 0.7]})
X = np.arange(12.0).reshape(4, 3) ** 1.5
Y = np.arange(12.0).reshape(4, 3)[::-1] ** 1.2


def _cases():
    from cogalign.intertemporal import IntertemporalChoiceModel
    from cogalign.metrics import CCA, CKA, LinearMetric, OddOneOutModel
    from cogalign.risky import EmbeddingProbe, FeatureRegressor, RiskyChoiceModel
    from cogalign.risky.analysis import _Fixed
    from cogalign.triplets import VICE, FeatureSPoSE, SPoSE, SPoSECV

    features = pd.DataFrame({"f": [1.0, 2.0]})
    embeddings = np.zeros((2, 3, 4))
    return {
        "SPoSE": (SPoSE(n_dims=7, l1=0.02), lambda m: m.predict_proba(np.array([[0, 1, 2]]))),
        "VICE": (VICE(n_dims=5, pi=0.4), lambda m: m.similarity_matrix()),
        "FeatureSPoSE": (FeatureSPoSE(alpha=[0.1, 0.2]), lambda m: m.transform(X)),
        "SPoSECV": (SPoSECV(SPoSE(n_dims=4), l1s=(0.1, 0.2)), lambda m: m.score(TABLE)),
        "RiskyChoiceModel": (RiskyChoiceModel("eu", draws=10, priors={"phi": {"scale": 1.0}}),
                             lambda m: m.predict_proba(TABLE)),
        "IntertemporalChoiceModel": (IntertemporalChoiceModel("itch", hierarchical=False),
                                     lambda m: m.predict_proba(TABLE)),
        "FeatureRegressor": (FeatureRegressor(features, regression="logistic"),
                             lambda m: m.predict(TABLE)),
        "EmbeddingProbe": (EmbeddingProbe(embeddings, TABLE.index, layer=1),
                           lambda m: m.predict(TABLE)),
        "_Fixed": (_Fixed(pd.Series([0.1, 0.9])), lambda m: m.predict(TABLE)),
        "CKA": (CKA("rbf", threshold=0.5), lambda m: m.score(X, Y)),
        "CCA": (CCA(2), lambda m: m.score(X, Y)),
        "LinearMetric": (LinearMetric(0.5), lambda m: m.score(X, Y)),
        "OddOneOutModel": (OddOneOutModel("cosine", temperature=2.0),
                           lambda m: m.predict(np.array([[0, 1, 2]]))),
    }


NAMES = sorted(_cases())


def _same(a, b) -> bool:
    if isinstance(a, Estimator):
        return type(a) is type(b) and _same_params(a, b)
    if isinstance(a, pd.DataFrame | pd.Series | pd.Index):
        return a.equals(b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def _same_params(a, b) -> bool:
    pa, pb = a.get_params(deep=False), b.get_params(deep=False)
    return pa.keys() == pb.keys() and all(_same(pa[k], pb[k]) for k in pa)


@pytest.mark.parametrize("name", NAMES)
def test_clone_keeps_every_setting(name):
    estimator, _ = _cases()[name]
    assert isinstance(estimator, Estimator) and isinstance(estimator, sklearn.base.BaseEstimator)
    copy = sklearn.base.clone(estimator)
    assert copy is not estimator and type(copy) is type(estimator)
    assert _same_params(copy, estimator)
    assert repr(copy) == repr(estimator)


@pytest.mark.parametrize("name", NAMES)
def test_score_is_named(name):
    estimator, _ = _cases()[name]
    cls = type(estimator)
    assert isinstance(cls.score_name, str) and cls.score_name != Estimator.score_name
    assert "higher is better" in (cls.score.__doc__ or "").lower()


@pytest.mark.parametrize("name", NAMES)
def test_unfitted_use_raises_one_not_fitted_error(name):
    estimator, use = _cases()[name]
    with pytest.raises(NotFittedError, match="not fitted") as info:
        use(estimator)
    assert isinstance(info.value, sklearn.exceptions.NotFittedError)
    assert isinstance(info.value, CogalignError)


def test_not_fitted_error_is_shared():
    import cogalign.bayes
    import cogalign.metrics

    assert cogalign.bayes.NotFittedError is NotFittedError
    assert cogalign.metrics.NotFittedError is NotFittedError


def test_set_params_names_the_valid_settings():
    from cogalign.metrics import CKA

    with pytest.raises(ValueError, match="invalid parameter 'kernal'.*kernel"):
        CKA().set_params(kernal="rbf")
    assert CKA().set_params(kernel="rbf").kernel == "rbf"
