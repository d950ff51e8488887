"""The PyMC twin of a NumPyro model, written once per model family.

A NumPyro model function names its PyMC version with :func:`pymc_version` (a function or a
``"module:function"`` path, imported only when the PyMC backend is used)::

    @pymc_version("mypackage.pymc_models:coin")
    def coin(n, y=None):
        ...

The PyMC builder takes the same keyword arguments as the NumPyro function and returns a
``pymc.Model`` whose random variables carry the same names.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["get_pymc_builder", "pymc_version", "register_pymc"]

_ATTR = "__cogalign_pymc__"
_REGISTRY: dict[Any, Any] = {}


def _base(model: Callable) -> Callable:
    while isinstance(model, functools.partial):
        model = model.func
    return model


def pymc_version(builder: Callable | str) -> Callable[[Callable], Callable]:
    """Decorator: attach the PyMC version ``builder`` to a NumPyro model function."""

    def decorate(model: Callable) -> Callable:
        setattr(model, _ATTR, builder)
        return model

    return decorate


def register_pymc(model: Callable, builder: Callable | str) -> None:
    """Register ``builder`` as the PyMC version of ``model`` (for models you cannot decorate)."""
    _REGISTRY[_base(model)] = builder


def get_pymc_builder(model: Callable) -> Callable:
    """Return the PyMC builder of a NumPyro model.

    Raises
    ------
    CogalignError
        When the model has no PyMC version.
    """
    base = _base(model)
    builder = _REGISTRY.get(base, getattr(base, _ATTR, None))
    if builder is None:
        name = getattr(base, "__name__", repr(base))
        raise CogalignError(
            f"model '{name}' has no PyMC version; decorate it with "
            "cogalign.bayes.pymc_version(...) or call cogalign.bayes.register_pymc"
        )
    if isinstance(builder, str):
        module, _, attr = builder.partition(":")
        builder = getattr(importlib.import_module(module), attr)
    if isinstance(model, functools.partial):
        builder = functools.partial(builder, *model.args, **model.keywords)
    return builder
