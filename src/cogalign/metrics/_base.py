"""Scikit-learn style base class for the estimator wrappers (internal).

Convention (DESIGN.md): ``__init__`` stores settings only, ``fit(...)`` returns ``self``,
fitted attributes end in ``_``.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["BaseMetric", "NotFittedError"]


class NotFittedError(AttributeError):
    """An estimator was used before ``fit`` (call ``fit(...)`` first; it returns ``self``)."""


class BaseMetric:
    """Minimal scikit-learn compatible base: ``get_params``, ``set_params``, ``repr``."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Settings given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseMetric:
        """Change settings; returns ``self``."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {key!r}")
            setattr(self, key, value)
        return self

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(...) first"
            )

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
