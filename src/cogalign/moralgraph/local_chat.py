"""A local causal language model answering chat messages (for offline interviews).

:class:`LocalChatModel` has the ``complete`` method of :class:`cogalign.llm.ChatClient`, so
the interviewer (:class:`~cogalign.moralgraph.interview.Interviewer`) and the persona
participant run on an offline model (e.g. the ``smollm2-135m`` preset) without a server. It
formats the messages with the model's chat template and generates with ``transformers``;
``temperature=0`` decodes greedily, otherwise it samples with a seeded generator.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from cogalign.llm import ChatResponse, load_model

__all__ = ["LocalChatModel"]


class LocalChatModel:
    """Chat completions from a local causal model.

    Parameters
    ----------
    model
        Preset name (``"smollm2-135m"``), Hugging Face id or local path, or a loaded model.
    device
        Torch device (default CPU).
    """

    def __init__(self, model: Any = "smollm2-135m", *, device: str = "cpu"):
        self.model = model
        self.device = device
        self._lm: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        with self._lock:
            if self._lm is None:
                self._lm = load_model(self.model, device=self.device)
            return self._lm

    @property
    def model_id(self) -> str:
        """``local:<model id>``."""
        return f"local:{self._loaded().model_id}"

    def complete(
        self,
        messages: Sequence[Mapping[str, str]] | str,
        *,
        temperature: float = 0.0,
        max_tokens: int | None = 256,
        seed: int | None = None,
        logprobs: bool = False,
        stop: Sequence[str] | None = None,
    ) -> ChatResponse:
        """Generate the assistant's next message (errors come back in ``error``, not raised).

        Parameters
        ----------
        messages
            Chat messages (``role``, ``content``) or one user message as a string.
        temperature, max_tokens, seed
            Decoding settings.
        logprobs
            Ignored (accepted for compatibility with :meth:`cogalign.llm.ChatClient.complete`).
        stop
            Strings that end the answer (the answer is cut before the first).
        """
        import torch

        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        lm = self._loaded()
        if lm.kind != "causal":
            return ChatResponse(error=f"{lm.name} is a {lm.kind} model; chat needs a causal language model")
        tok = lm.tokenizer
        prompt = tok.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=False)
        inputs = tok(prompt, return_tensors="pt", add_special_tokens=False).to(lm.device)
        options: dict[str, Any] = {"max_new_tokens": int(max_tokens or 256),
                                   "pad_token_id": tok.pad_token_id or tok.eos_token_id}
        if temperature > 0:
            options.update(do_sample=True, temperature=float(temperature))
            torch.manual_seed(0 if seed is None else int(seed))
        else:
            options.update(do_sample=False)
        try:
            with lm._lock, torch.inference_mode():
                out = lm.model.generate(**inputs, **options)
        except (RuntimeError, ValueError, IndexError) as exc:  # e.g. a prompt longer than the context
            return ChatResponse(error=f"generation failed: {exc}")
        text = tok.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()
        for s in stop or ():
            text = text.split(s)[0]
        finish = "length" if out.shape[1] - inputs["input_ids"].shape[1] >= options["max_new_tokens"] else "stop"
        return ChatResponse(text=text, finish_reason=finish, error=None if text.strip() else "empty answer")
