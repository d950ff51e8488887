"""Fixtures of the language-model tests: each offline model is loaded once per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests run on a fresh cache each session: do not write a 0.5 GB de-quantised copy of the GGUF
# model there (test_models checks the conversion itself on a temporary folder).
os.environ.setdefault("COGALIGN_LLM_CONVERT_GGUF", "0")


def _load(name: str):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from cogalign.llm import ModelNotAvailableError, load_model

    try:
        return load_model(name, device="cpu")
    except ModelNotAvailableError as exc:
        pytest.skip(f"model {name} not available: {exc}")


@pytest.fixture(scope="session")
def minilm():
    """all-MiniLM-L6-v2 (sentence-transformers), loaded once."""
    return _load("minilm-l6")


@pytest.fixture(scope="session")
def smollm():
    """SmolLM2-135M-Instruct (GGUF), loaded once (about 15 s)."""
    return _load("smollm2-135m")


@pytest.fixture()
def fake_server():
    """A fake OpenAI-compatible chat server on 127.0.0.1 (ephemeral port)."""
    from llm_fake_server import FakeChatServer

    with FakeChatServer() as server:
        yield server
