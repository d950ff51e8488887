"""The public API: exports, light imports, and the similarity/dissimilarity convention."""

from __future__ import annotations

import inspect
import subprocess
import sys

import cogalign.metrics as metrics


def test_all_exports_exist():
    for name in metrics.__all__:
        assert hasattr(metrics, name), name


def test_import_is_light():
    code = ("import sys, cogalign.metrics; "
            "print(sorted(m for m in ('pandas', 'rsatoolbox', 'sklearn', 'torch') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_callable_is_documented_with_the_convention():
    for name in metrics.__all__:
        obj = getattr(metrics, name)
        if not callable(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        assert len(doc) > 40, f"{name} lacks a docstring"
        if inspect.isfunction(obj):
            params = inspect.signature(obj).parameters
            takes_rdm = any("rdm" in p or p in ("a", "b") for p in params)
            if takes_rdm:
                assert "issimilar" in doc, f"{name}: docstring must state dissimilarities"


def test_public_functions_have_type_hints():
    for name in metrics.__all__:
        obj = getattr(metrics, name)
        if inspect.isfunction(obj):
            hints = inspect.signature(obj).return_annotation
            assert hints is not inspect.Signature.empty, f"{name} lacks a return type"
