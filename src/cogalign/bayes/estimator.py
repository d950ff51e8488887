"""A small scikit-learn style base class for Bayesian estimators.

``__init__`` stores settings only; ``fit(data)`` returns ``self``; fitted attributes end in
``_``. :meth:`get_params` / :meth:`set_params` read the ``__init__`` signature, so
:func:`sklearn.base.clone` works on subclasses without importing scikit-learn here.
"""

from __future__ import annotations

import inspect
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["BayesianEstimator", "NotFittedError"]


class NotFittedError(CogalignError, AttributeError):
    """An estimator was used before ``fit``."""


class BayesianEstimator:
    """Base class: parameter handling, ``repr`` and a fitted-check."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Settings given to ``__init__`` (scikit-learn protocol)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BayesianEstimator:
        """Change settings (scikit-learn protocol); returns ``self``."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name in self._param_names():
            default = sig.parameters[name].default
            value = getattr(self, name)
            if default is inspect.Parameter.empty or value != default:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "idata_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")
