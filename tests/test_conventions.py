"""Conventions checked by tools: ``__all__`` everywhere, absolute imports, doctests that run, typing marker."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import cogalign

SRC = Path(cogalign.__file__).resolve().parent


def _public_modules() -> list[Path]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).parts
        if "migrations" in parts or any(p.startswith("_") and p != "__init__.py" for p in parts):
            continue
        out.append(path)
    return out


def _defines_all(tree: ast.Module) -> bool:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(getattr(t, "id", None) == "__all__" for t in targets):
            return True
    return False


def test_every_public_module_declares_all_and_imports_absolutely():
    missing, relative = [], []
    for path in _public_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _defines_all(tree):
            missing.append(str(path.relative_to(SRC.parent)))
        relative += [f"{path.relative_to(SRC.parent)}:{n.lineno}" for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and n.level > 0]
    assert not missing, f"modules without __all__: {missing}"
    assert not relative, f"relative imports: {relative}"


def test_the_package_is_typed():
    assert (SRC / "py.typed").is_file()


def _modules_with_doctests() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(SRC)], prefix="cogalign."):
        if ".migrations" in info.name:
            continue
        path = Path(info.module_finder.path) / (info.name.rsplit(".", 1)[-1] + (
            "/__init__.py" if info.ispkg else ".py"))
        if path.is_file() and ">>>" in path.read_text(encoding="utf-8"):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules_with_doctests())
def test_doctests_of_the_source_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {name}"
