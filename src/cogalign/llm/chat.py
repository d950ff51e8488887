"""Chat-completion backend for hosted or served models (OpenAI-compatible HTTP API).

Any server speaking ``POST {base_url}/chat/completions`` works: OpenAI, vLLM, llama.cpp's
server, Ollama, LM Studio, TGI. Configuration comes from arguments or the environment:

``COGALIGN_CHAT_BASE_URL`` (else ``OPENAI_BASE_URL``, else ``https://api.openai.com/v1``)
``COGALIGN_CHAT_API_KEY`` (else ``OPENAI_API_KEY``; optional for local servers)
``COGALIGN_CHAT_MODEL`` (default model name)
``COGALIGN_CHAT_TIMEOUT`` (seconds to wait for the server's answer, per attempt; default 60)
``COGALIGN_CHAT_CONNECT_TIMEOUT`` (seconds to open the connection, per attempt; default 10)
``COGALIGN_CHAT_RETRIES`` (retries after the first attempt; default 5)
``COGALIGN_CHAT_DEADLINE`` (seconds one request may take in all, retries and waits
included; default 300)

What a hosted model gives:

* log-probabilities, where the server returns ``top_logprobs``: the probability of each
  option is read from the top alternatives of the first answer token, renormalised over the
  options (``source="logprobs"``);
* otherwise the answer text is parsed (``source="text"``, one-hot probabilities).

Requests are retried with exponential backoff (and ``Retry-After``) on 429, 5xx, timeouts and
dropped connections, within the request's deadline, and can be rate limited. Refusals, HTTP
failures after the last retry, and answers that cannot be parsed are recorded per trial in
``errors``, never dropped. Errors no retry can mend stop the whole run at once with
:class:`ChatServerError`: a rejected key (HTTP 401, 403, 407), an unknown endpoint or model
(HTTP 404), a refused connection or unknown host, a TLS failure, and a body that is not JSON
(not a chat server). Successful responses are cached on disk keyed by base URL, model and the
full request, so a stopped run continues where it stopped.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import random
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError
from cogalign.llm.cache import atomic_write_json, llm_cache_dir, make_key
from cogalign.llm.chat_answers import (
    answer_distributions,
    number_mass,
    option_mass,
    parse_choice,
    parse_rating,
)
from cogalign.llm.results import ChoiceResult, RatingResult
from cogalign.llm.tasks import Task, orders

__all__ = ["ENVIRONMENT", "ChatClient", "ChatError", "ChatResponse", "ChatServerError"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
#: HTTP statuses that no retry and no other request can mend: the run stops.
FATAL_STATUS = frozenset({401, 403, 404, 407})

#: Request settings read from the environment when not given: variable, default.
ENVIRONMENT: dict[str, tuple[str, float]] = {
    "timeout": ("COGALIGN_CHAT_TIMEOUT", 60.0),
    "connect_timeout": ("COGALIGN_CHAT_CONNECT_TIMEOUT", 10.0),
    "max_retries": ("COGALIGN_CHAT_RETRIES", 5),
    "deadline": ("COGALIGN_CHAT_DEADLINE", 300.0),
}


class ChatError(CogalignError):
    """A chat request failed for good (after retries), or the server is misconfigured."""


class ChatServerError(ChatError):
    """The server cannot answer any request (bad key, refused connection, not a chat server).

    Raised, not recorded per trial: every other request would fail the same way.
    """


def _setting(name: str, value: float | None, integer: bool = False) -> float:
    """A request setting: the argument, else its environment variable, else the default."""
    variable, default = ENVIRONMENT[name]
    source = f"{name}={value!r}"
    if value is None:
        raw = os.environ.get(variable, "").strip()
        if not raw:
            return default
        source = f"{variable}={raw!r}"
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            raise ChatError(f"{source}: not a {'whole ' if integer else ''}number") from None
    number = float(value)
    if integer and (number != int(number) or number < 0):
        raise ChatError(f"{source}: must be a whole number of at least 0")
    if not integer and not (number > 0 and number != float("inf")):
        raise ChatError(f"{source}: must be a positive number of seconds")
    return int(number) if integer else number


class _Connection(http.client.HTTPConnection):
    """An HTTP connection whose socket waits ``read_timeout`` for data once connected."""

    def __init__(self, *args: Any, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(self.read_timeout)


class _SecureConnection(http.client.HTTPSConnection):
    """The HTTPS twin of :class:`_Connection`."""

    def __init__(self, *args: Any, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(self.read_timeout)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_Connection, read_timeout=self.read_timeout), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_SecureConnection, read_timeout=self.read_timeout),
                            req, context=self._context)


def _is_timeout(exc: BaseException | None) -> bool:
    return isinstance(exc, TimeoutError)


def _fatal_connection_error(reason: Any) -> str | None:
    """Why a connection error means the server cannot be reached at all (None: retry it)."""
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running, and is the URL right?)"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror or reason})"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed ({getattr(reason, 'reason', None) or reason})"
    return None


@dataclass
class ChatResponse:
    """One chat completion, or the reason there is none.

    Attributes
    ----------
    text
        The assistant's answer (None on error).
    tokens
        Generated tokens, when the server returned log-probabilities.
    top_logprobs
        Per generated token, ``{token: logprob}`` of the top alternatives (None without them).
    finish_reason, refusal
        As reported by the server.
    error
        None, or why the request produced no usable answer.
    cached
        Read from the on-disk cache.
    """

    text: str | None = None
    tokens: list[str] | None = None
    top_logprobs: list[dict[str, float]] | None = None
    finish_reason: str | None = None
    refusal: str | None = None
    error: str | None = None
    raw: dict[str, Any] | None = None
    cached: bool = False


class _RateLimiter:
    def __init__(self, per_minute: float | None):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.next_time = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_time)
            self.next_time = start + self.interval
        if start > now:
            time.sleep(start - now)


class ChatClient:
    """Client of an OpenAI-compatible chat-completions server.

    Parameters
    ----------
    model
        Model name on the server (default: ``COGALIGN_CHAT_MODEL``).
    base_url
        Server root including ``/v1`` (default: ``COGALIGN_CHAT_BASE_URL``, then
        ``OPENAI_BASE_URL``, then OpenAI).
    api_key
        Bearer token (default: ``COGALIGN_CHAT_API_KEY``, then ``OPENAI_API_KEY``; none sent if
        unset).
    timeout
        Seconds to wait for the server's answer in one attempt before it counts as timed out
        (and is retried); default ``COGALIGN_CHAT_TIMEOUT``, else 60.
    connect_timeout
        Seconds to open the connection in one attempt; default
        ``COGALIGN_CHAT_CONNECT_TIMEOUT``, else 10.
    max_retries
        Retries after the first attempt for 429, 5xx, timeouts and dropped connections;
        default ``COGALIGN_CHAT_RETRIES``, else 5.
    deadline
        Seconds one request may take in all, attempts and waits between them included; no
        retry starts after it. Default ``COGALIGN_CHAT_DEADLINE``, else 300.
    backoff
        First retry delay in seconds; doubles each retry (plus up to 25 % jitter).
    max_backoff
        Cap on one delay (also on a server's ``Retry-After``).
    requests_per_minute
        Start at most this many requests per minute (None: no limit).
    workers
        Concurrent requests for batches.
    max_tokens
        Default answer length for judgments.
    top_logprobs
        Number of top alternatives to request per token (0 turns log-probabilities off).
    cache
        Cache successful responses on disk.
    progress
        Show a progress bar for batches.
    seed
        Seed of the retry jitter.

    Examples
    --------
    >>> client = ChatClient("gpt-4o-mini")  # doctest: +SKIP
    >>> judge(trials, "odd-one-out", model=client, permutations="cyclic")  # doctest: +SKIP
    """

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        requests_per_minute: float | None = None,
        workers: int = 4,
        max_tokens: int = 16,
        top_logprobs: int = 20,
        cache: bool = True,
        progress: bool = True,
        seed: int = 0,
    ) -> None:
        self.model = model or os.environ.get("COGALIGN_CHAT_MODEL")
        if not self.model:
            raise ChatError("no chat model given: pass model=... or set COGALIGN_CHAT_MODEL")
        url = base_url or os.environ.get("COGALIGN_CHAT_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
        self.base_url = (url or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key or os.environ.get("COGALIGN_CHAT_API_KEY") or os.environ.get("OPENAI_API_KEY")
        if workers < 1:
            raise ValueError("need workers >= 1")
        self.timeout = _setting("timeout", timeout)
        self.connect_timeout = _setting("connect_timeout", connect_timeout)
        self.max_retries = int(_setting("max_retries", max_retries, integer=True))
        self.deadline = _setting("deadline", deadline)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.workers = int(workers)
        self.max_tokens = int(max_tokens)
        self.top_logprobs = int(top_logprobs)
        self.cache = cache
        self.progress = progress
        self._limiter = _RateLimiter(requests_per_minute)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._logprobs_ok = self.top_logprobs > 0
        self.stats = {"requests": 0, "retries": 0, "cache_hits": 0, "errors": 0}
        self._stats_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ChatClient(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def model_id(self) -> str:
        """Readable identity: ``chat:<model>@<host>``."""
        host = re.sub(r"^\w+://", "", self.base_url).split("/")[0]
        return f"chat:{self.model}@{host}"

    def identity(self) -> dict[str, Any]:
        """What identifies this backend in cache keys."""
        return {"backend": "chat", "base_url": self.base_url, "model": self.model}

    # ------------------------------------------------------------------ HTTP

    def _count(self, key: str, n: int = 1) -> None:
        with self._stats_lock:
            self.stats[key] += n

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(self.max_backoff, max(0.0, float(retry_after)))
            except ValueError:
                pass
        with self._rng_lock:
            jitter = 1.0 + 0.25 * self._rng.random()
        return min(self.max_backoff, self.backoff * (2**attempt)) * jitter

    def _open(self, request: urllib.request.Request, read_timeout: float,
              connect_timeout: float) -> bytes:
        """One attempt: connect within ``connect_timeout``, wait ``read_timeout`` for data."""
        opener = urllib.request.build_opener(_HTTPHandler(read_timeout),
                                             _HTTPSHandler(read_timeout))
        with opener.open(request, timeout=connect_timeout) as response:
            return response.read()

    def _post(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST a chat-completions request with retries; returns the decoded JSON body.

        Raises
        ------
        ChatServerError
            The server cannot answer any request: authentication failed, endpoint or model
            unknown, connection refused, unknown host, TLS failure, or a body that is not a
            JSON object.
        ChatError
            Another non-retryable HTTP status, or retries or the deadline exhausted.
        """
        url = f"{self.base_url}/chat/completions"
        data = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        started = time.monotonic()
        last = "no attempt"
        attempts = 0
        for attempt in range(self.max_retries + 1):
            left = self.deadline - (time.monotonic() - started)
            if left <= 0:
                break
            if attempt:
                self._count("retries")
            self._limiter.wait()
            self._count("requests")
            attempts += 1
            retry_after = None
            try:
                request = urllib.request.Request(url, data=data, headers=headers, method="POST")
                body = self._open(request, min(self.timeout, left), min(self.connect_timeout, left))
            except urllib.error.HTTPError as exc:
                detail = exc.read()[:300].decode("utf-8", "replace") if exc.fp else ""
                exc.close()
                message = f"HTTP {exc.code} from {url}: {detail.strip() or exc.reason}"
                if exc.code in FATAL_STATUS:
                    hint = {401: "; check the API key (COGALIGN_CHAT_API_KEY)",
                            403: "; check the API key (COGALIGN_CHAT_API_KEY)",
                            404: "; check --base-url (it ends in /v1) and the model name"}
                    raise ChatServerError(" ".join(message.split())[:300]
                                          + hint.get(exc.code, "")) from None
                if exc.code not in RETRY_STATUS:
                    raise ChatError(message) from None
                last = f"HTTP {exc.code}"
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
            except urllib.error.URLError as exc:
                fatal = _fatal_connection_error(exc.reason)
                if fatal:
                    raise ChatServerError(f"cannot reach {self.base_url}: {fatal}") from None
                last = (f"timed out after {min(self.timeout, left):g} s" if _is_timeout(exc.reason)
                        else f"connection error: {exc.reason}")
            except TimeoutError:
                last = f"timed out after {min(self.timeout, left):g} s"
            except (ConnectionError, OSError, http.client.HTTPException) as exc:
                fatal = _fatal_connection_error(exc)
                if fatal:
                    raise ChatServerError(f"cannot reach {self.base_url}: {fatal}") from None
                last = f"connection error: {exc or type(exc).__name__}"
            else:
                try:
                    decoded = json.loads(body)
                except ValueError:
                    snippet = body[:120].decode("utf-8", "replace")
                    raise ChatServerError(f"malformed response (not JSON) from {url}: {snippet!r}; "
                                          "is this an OpenAI-compatible chat server?") from None
                if not isinstance(decoded, dict):
                    raise ChatServerError(f"malformed response (not a JSON object) from {url}: "
                                          f"{str(decoded)[:120]!r}")
                return decoded
            if attempt < self.max_retries:
                delay = self._delay(attempt, retry_after)
                if time.monotonic() - started + delay >= self.deadline:
                    break
                time.sleep(delay)
        spent = time.monotonic() - started
        if attempts < self.max_retries + 1:
            raise ChatError(f"{last} (gave up after {attempts} attempts in {spent:.1f} s: the "
                            f"deadline is {self.deadline:g} s)")
        raise ChatError(f"{last} (gave up after {attempts} attempts)")

    # ------------------------------------------------------------------ completions

    def _payload(self, messages, temperature, max_tokens, logprobs, seed, stop) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "temperature": float(temperature),
            "max_tokens": int(max_tokens if max_tokens is not None else self.max_tokens),
        }
        if logprobs and self._logprobs_ok:
            payload["logprobs"] = True
            payload["top_logprobs"] = self.top_logprobs
        if seed is not None:
            payload["seed"] = int(seed)
        if stop:
            payload["stop"] = list(stop)
        return payload

    def complete(
        self,
        messages: Sequence[Mapping[str, str]] | str,
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        logprobs: bool = True,
        seed: int | None = None,
        stop: Sequence[str] | None = None,
    ) -> ChatResponse:
        """One chat completion; failures come back as ``ChatResponse(error=...)``.

        They are not raised, except :class:`ChatServerError` (the server cannot answer any
        request).

        Parameters
        ----------
        messages
            Chat messages, or a string used as the single user message.
        temperature, max_tokens, seed, stop
            Decoding settings sent to the server.
        logprobs
            Ask for ``top_logprobs`` (dropped automatically if the server rejects them).
        """
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        payload = self._payload(messages, temperature, max_tokens, logprobs, seed, stop)
        key = make_key({"op": "chat", **self.identity(), "payload": payload})
        path = llm_cache_dir("chat") / f"{key}.json"
        if self.cache and path.is_file():
            try:
                body = json.loads(path.read_text())
                self._count("cache_hits")
                response = self._parse(body)
                response.cached = True
                return response
            except (OSError, ValueError):
                pass
        try:
            body = self._post(payload)
        except ChatServerError:
            self._count("errors")
            raise
        except ChatError as exc:
            if "logprobs" in payload and re.search(r"HTTP 4\d\d.*logprob", str(exc), re.I | re.S):
                self._logprobs_ok = False  # server does not do log-probabilities: parse answers
                return self.complete(messages, temperature=temperature, max_tokens=max_tokens,
                                     logprobs=False, seed=seed, stop=stop)
            self._count("errors")
            return ChatResponse(error=str(exc))
        response = self._parse(body)
        if response.error is None and self.cache:
            atomic_write_json(path, {**body, "model_id": self.model_id})
        elif response.error is not None:
            self._count("errors")
        return response

    @staticmethod
    def _parse(body: Mapping[str, Any]) -> ChatResponse:
        if "error" in body and "choices" not in body:
            return ChatResponse(error=f"server error: {str(body['error'])[:200]}", raw=dict(body))
        try:
            choice = body["choices"][0]
            message = choice.get("message") or {}
            text = message.get("content")
            refusal = message.get("refusal")
            finish = choice.get("finish_reason")
        except (KeyError, IndexError, TypeError, AttributeError):
            return ChatResponse(error=f"malformed response: {json.dumps(body)[:160]}", raw=dict(body))
        tokens = top = None
        content = (choice.get("logprobs") or {}).get("content") if isinstance(choice.get("logprobs"), dict) else None
        if content:
            try:
                tokens = [str(t["token"]) for t in content]
                top = []
                for t in content:
                    alts = {str(a["token"]): float(a["logprob"]) for a in (t.get("top_logprobs") or [])}
                    alts.setdefault(str(t["token"]), float(t["logprob"]))
                    top.append(alts)
            except (KeyError, TypeError, ValueError):
                tokens = top = None
        error = None
        if refusal:
            error = f"refusal: {str(refusal)[:200]}"
        elif finish == "content_filter":
            error = "refusal: the server's content filter stopped the answer"
        elif text is None or not str(text).strip():
            error = "empty answer"
        elif not isinstance(text, str):
            error = f"malformed response: content is {type(text).__name__}"
        return ChatResponse(text=text if isinstance(text, str) else None, tokens=tokens, top_logprobs=top,
                            finish_reason=finish, refusal=refusal, error=error, raw=dict(body))

    def complete_many(self, requests: Sequence[Mapping[str, Any]]) -> list[ChatResponse]:
        """Run many :meth:`complete` calls concurrently (``workers`` threads), in order.

        Parameters
        ----------
        requests
            Keyword-argument mappings for :meth:`complete` (each with ``messages``).

        Raises
        ------
        ChatServerError
            At the first request the server cannot answer at all; no further request is sent.
        """
        from tqdm.auto import tqdm

        results: list[ChatResponse | None] = [None] * len(requests)
        bar = tqdm(total=len(requests), unit="request", disable=not self.progress, desc=self.model_id)
        stopped: list[ChatServerError] = []

        def run(i: int) -> None:
            if stopped:  # the server cannot answer: do not send the rest
                return
            try:
                results[i] = self.complete(**requests[i])
            except ChatServerError as exc:
                stopped.append(exc)
            except Exception as exc:  # never lose a trial: record the failure
                results[i] = ChatResponse(error=f"{type(exc).__name__}: {exc}")
            bar.update(1)

        if self.workers == 1 or len(requests) <= 1:
            for i in range(len(requests)):
                run(i)
        else:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(run, range(len(requests))))
        bar.close()
        if stopped:
            done = sum(r is not None and r.error is None for r in results)
            kept = f"; {done} answers so far are cached, run again to continue" \
                if done and self.cache else ""
            raise ChatServerError(f"{stopped[0]}{kept}") from stopped[0]
        return [r if r is not None else ChatResponse(error="no response") for r in results]

    # ------------------------------------------------------------------ judgments

    @staticmethod
    def _messages(prompt: str, system: str | None) -> list[dict[str, str]]:
        return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]

    def choice(
        self,
        prompts: Sequence[str],
        options: Sequence[Sequence[str]],
        *,
        system: str | None = None,
        aliases: Sequence[Sequence[str]] | None = None,
    ) -> ChoiceResult:
        """Forced choice through the chat API (see the module docstring for how).

        Parameters
        ----------
        prompts
            User messages.
        options
            Answer texts per prompt (e.g. the labels ``"1"``, ``"2"``, ``"3"``).
        system
            Optional system message.
        aliases
            Per prompt, other texts that name each option (e.g. the items behind the labels),
            used when a parsed answer matches no option.
        """
        n, k = len(prompts), len(options[0])
        longest = max(len(o) for opts in options for o in opts)
        max_tokens = max(self.max_tokens, min(64, longest + 8))
        responses = self.complete_many(
            [{"messages": self._messages(p, system), "max_tokens": max_tokens} for p in prompts]
        )

        def parsed(i: int, resp: ChatResponse) -> int | None:
            pick = parse_choice(resp.text, options[i])
            if pick is None and aliases is not None:
                pick = parse_choice(resp.text, aliases[i])
            return pick

        prob, logprob, _, errors, source = answer_distributions(
            responses, k, lambda i, r: option_mass(r.tokens, r.top_logprobs, options[i]), parsed)
        return ChoiceResult(
            prompts=list(prompts), options=[list(o) for o in options], logprob=logprob,
            n_tokens=np.full((n, k), -1), prob=prob, model_id=self.model_id,
            answers=[r.text for r in responses], errors=errors, source=source,
            meta={"backend": "chat", **self.identity()},
        )

    def rating(self, prompts: Sequence[str], values: Sequence[int], *, system: str | None = None) -> RatingResult:
        """Numeric rating through the chat API.

        The distribution comes from the first number token's ``top_logprobs`` when the whole
        scale can be read from one token (single-digit scales, or a server whose tokens hold
        whole numbers, which shows as multi-digit tokens among the alternatives); otherwise the
        parsed number is the answer (one-hot).
        """
        values = np.asarray(values, dtype=np.int64)
        responses = self.complete_many([{"messages": self._messages(p, system)} for p in prompts])
        index = {int(v): j for j, v in enumerate(values)}
        largest = int(np.abs(values).max())

        def parsed(i: int, resp: ChatResponse) -> int | None:
            value = parse_rating(resp.text, values)
            return None if value is None else index[value]

        prob, logprob, valid, errors, source = answer_distributions(
            responses, len(values),
            lambda i, r: number_mass(r.tokens, r.top_logprobs, index, largest), parsed)
        return RatingResult(
            prompts=list(prompts), values=values, logprob=logprob, prob=prob, valid_mass=valid,
            model_id=self.model_id, answers=[r.text for r in responses], errors=errors,
            source=source, meta={"backend": "chat", **self.identity()},
        )

    def sample_task(
        self,
        frame: pd.DataFrame,
        task: Task,
        *,
        n_participants: int,
        temperature: float,
        seed: int,
        permutations: Any = None,
    ) -> pd.DataFrame:
        """Synthetic participants through the chat API (used by :func:`cogalign.llm.sample_answers`)."""
        rng = np.random.default_rng(seed)
        per_row = orders(task.n_alternatives, permutations, seed=seed, n_rows=len(frame))
        records = frame.to_dict("records")
        names = task.alternative_names()
        plan, requests = [], []
        for p in range(n_participants):
            for i, row in enumerate(records):
                order = per_row[i][rng.integers(len(per_row[i]))]
                prompt, answers = task.render(row, order)
                plan.append((p, i, row, order, answers))
                requests.append({
                    "messages": self._messages(prompt, task.system or None),
                    "temperature": temperature,
                    "seed": seed * 100_003 + p,
                    "logprobs": False,
                })
        responses = self.complete_many(requests)
        out = []
        for (p, i, row, order, answers), resp in zip(plan, responses, strict=True):
            rec = {"participant_id": f"llm-{p + 1:03d}", "trial": i, **row,
                   "order": ",".join(str(a + 1) for a in order), "response": None}
            error = resp.error
            if error is None and task.kind == "choice":
                pick = parse_choice(resp.text, answers)
                if pick is None:
                    error = f"unparseable answer: {resp.text!r:.120}"
                else:
                    rec["response"] = names[order[pick]]
                    if task.alternatives == "fields":
                        rec["response_item"] = row[names[order[pick]]]
            elif error is None:
                value = parse_rating(resp.text, [int(a) for a in answers])
                if value is None:
                    error = f"unparseable answer: {resp.text!r:.120}"
                rec["response"] = value
            rec["answer"] = resp.text
            rec["error"] = error
            out.append(rec)
        result = pd.DataFrame(out)
        result.attrs.update(model_id=self.model_id, task=task.name, temperature=temperature, seed=seed)
        return result
