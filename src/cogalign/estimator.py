"""The one estimator base every cogalign model, probe and metric wrapper builds on.

It is scikit-learn's :class:`sklearn.base.BaseEstimator` with three promises on top:

- ``__init__`` stores settings only; ``fit(data, ...)`` returns ``self``; fitted attributes
  end in ``_``. So :func:`sklearn.base.clone`, ``get_params`` / ``set_params`` and the
  ``repr`` work on every estimator, and grid searches and pipelines can use them.
- ``score(data)`` is **higher-is-better**, and what it measures is named in the class
  attribute :attr:`Estimator.score_name` (``"accuracy"``, ``"r2"``, ...) and in the method's
  docstring.
- Using an estimator before ``fit`` raises :class:`NotFittedError`, which is both a
  :class:`~cogalign.errors.CogalignError` (so the command line reports it in one line) and
  scikit-learn's :class:`sklearn.exceptions.NotFittedError`.

>>> from sklearn.base import clone
>>> from cogalign.estimator import Estimator
>>> class Mean(Estimator):
...     score_name = "negative squared error"
...     def __init__(self, shrink=0.0):
...         self.shrink = shrink
...     def fit(self, y):
...         self.mean_ = (1 - self.shrink) * sum(y) / len(y)
...         return self
...     def score(self, y):
...         self._check_fitted()
...         return -sum((v - self.mean_) ** 2 for v in y) / len(y)
>>> clone(Mean(shrink=0.5))
Mean(shrink=0.5)
>>> Mean().fit([1.0, 3.0]).score([2.0])
-0.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sklearn.base import BaseEstimator
from sklearn.base import clone as _sklearn_clone
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

from cogalign.errors import CogalignError

__all__ = ["Estimator", "NotFittedError", "clone"]


class NotFittedError(CogalignError, _SklearnNotFittedError):
    """An estimator was used before ``fit`` (call ``fit(...)`` first; it returns ``self``)."""


class Estimator(BaseEstimator):
    """Base class of every cogalign estimator (scikit-learn's ``BaseEstimator``).

    Subclasses list their settings as ``__init__`` arguments stored under the same names
    (``self._set_init_params(locals())`` stores them all), implement ``fit`` returning ``self``, and, where they can be scored, ``score`` returning a
    number where higher is better, with :attr:`score_name` saying what it is.

    Attributes
    ----------
    score_name
        What :meth:`score` returns, e.g. ``"accuracy"`` or ``"r2"`` (higher is better).
    fitted_attribute
        The attribute whose presence marks a fitted estimator; ``None`` means any attribute
        whose name ends in ``_`` (scikit-learn's rule).
    """

    score_name: ClassVar[str] = "score"
    fitted_attribute: ClassVar[str | None] = None

    def _set_init_params(self, values: Mapping[str, Any]) -> None:
        """Store every ``__init__`` argument under its own name.

        Call it as ``self._set_init_params(locals())`` from ``__init__``: the settings are
        stored unchanged, as :func:`sklearn.base.clone` requires.
        """
        for name in self._get_param_names():
            setattr(self, name, values[name])

    def set_params(self, **params: Any) -> Estimator:
        """Change settings (scikit-learn's protocol; ``component__name`` for nested ones).

        Raises
        ------
        ValueError
            For a name that is not an ``__init__`` argument; the message lists the valid ones.
        """
        valid = self._get_param_names()
        for key in params:
            if key.partition("__")[0] not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; "
                                 f"valid parameters: {', '.join(valid)}")
        return super().set_params(**params)

    def __sklearn_is_fitted__(self) -> bool:
        """Whether :meth:`fit` has run (scikit-learn's ``check_is_fitted`` protocol)."""
        if self.fitted_attribute is not None:
            return hasattr(self, self.fitted_attribute)
        return any(
            name.endswith("_") and not name.startswith("__") for name in vars(self)
        )

    def _check_fitted(self, attribute: str | None = None) -> None:
        """Raise :class:`NotFittedError` unless the estimator is fitted.

        Parameters
        ----------
        attribute
            A fitted attribute to look for; default: :attr:`fitted_attribute`.
        """
        fitted = hasattr(self, attribute) if attribute else self.__sklearn_is_fitted__()
        if not fitted:
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(...) first"
            )


def clone(estimator: Any) -> Any:
    """An unfitted copy with the same settings (:func:`sklearn.base.clone`).

    Parameters
    ----------
    estimator
        Any estimator following the scikit-learn protocol.

    Returns
    -------
    object
        A new, unfitted estimator.
    """
    return _sklearn_clone(estimator)
