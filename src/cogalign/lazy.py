"""Names a package exports but imports only when first used, so importing it stays light.

>>> __getattr__, __dir__ = lazy_exports(__name__, {"RiskyChoiceModel": "estimators"})  # doctest: +SKIP

in a package's ``__init__.py`` makes ``package.RiskyChoiceModel`` import
``package.estimators`` on first access (and keeps it, so later accesses cost nothing).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a package with lazily imported names.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Name to the module that defines it: absolute (``"cogalign.metrics.estimators"``) or
        relative to the package (``"estimators"``).

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign in the package's ``__init__.py``.
    """

    def where(module: str) -> str:
        return module if module.startswith("cogalign.") else f"{package}.{module}"

    def __getattr__(name: str) -> Any:
        if name in exports:
            value = getattr(import_module(where(exports[name])), name)
            vars(sys.modules[package])[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
