"""Simulated participants over HTTP: load tests and pilots of a running ``cogalign serve``.

Each simulated participant does what the page does: ``start``, then one ``trial`` request
per trial with the answer of a simulated participant model
(:func:`cogalign.studies.simulate.make_model`), then ``finish``. Requests that fail for lack
of a server (connection refused, reset, 5xx) are retried with backoff until ``patience``
runs out, as the page does, so a server can be killed and restarted under load. A share of
the answers is sent twice (``repeat_share``) to check that retries never duplicate a trial.

Every request goes to a loopback address only (``127.0.0.1``, ``::1`` or ``localhost``).

>>> report = asyncio.run(run_load("http://127.0.0.1:8000", served, 50))  # doctest: +SKIP
>>> report.saved, report.latency_ms(99)                                  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from cogalign.errors import CogalignError
from cogalign.serve.studyset import ServedStudy
from cogalign.studies.design import Response, Trial
from cogalign.studies.simulate import make_model

__all__ = ["LoadReport", "answer_payload", "run_load", "run_participant"]

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass
class LoadReport:
    """What a load run did.

    Attributes
    ----------
    acknowledged
        ``(participant, trial)`` of every answer the server acknowledged (2xx).
    latencies
        Seconds per acknowledged ``trial`` request.
    saved, duplicates
        Acknowledgements that stored a row / found it already stored.
    finished
        Participants whose ``finish`` succeeded.
    retries
        Requests repeated after a failure (no server, 5xx, 429).
    wall
        Seconds from the first request to the last answer.
    """

    acknowledged: set[tuple[str, int]] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    saved: int = 0
    duplicates: int = 0
    finished: int = 0
    retries: int = 0
    wall: float = 0.0

    def latency_ms(self, percentile: float) -> float:
        """A percentile of the ``trial`` request latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        return float(np.percentile(np.asarray(self.latencies) * 1000.0, percentile))

    @property
    def per_second(self) -> float:
        """Answers acknowledged per second of wall time."""
        return len(self.latencies) / self.wall if self.wall > 0 else float("nan")


def answer_payload(served: ServedStudy, trial: Trial, response: Response) -> dict[str, Any]:
    """The request a page would send for a simulated participant's response."""
    keys = [k["name"] for k in served.response_keys()]
    if served.is_rating:
        scale = served.study.definition["scale"]
        if scale["input"] == "keys":
            points = served.study.scale_points()
            key = keys[min(range(len(points)), key=lambda k: abs(points[k] - response.value))]
        else:
            key = served.slider_keys()["confirm"][0]["name"]
        value: float = float(response.value)
    else:
        value = int(response.value)
        key = keys[value] if keys else None
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
    return {"trial": trial.index, "value": value, "rt": float(response.rt), "key": key,
            "device": "keyboard" if key is not None else "mouse",
            "onset_utc": stamp, "response_utc": stamp}


class _Gone(Exception):
    pass


async def _post(client: Any, url: str, body: Any, headers: dict[str, str], report: LoadReport,
                deadline: float) -> Any:
    """POST until the server answers with something other than 5xx/429 or time runs out."""
    import httpx

    delay = 0.05
    while True:
        try:
            response = await client.post(url, json=body, headers=headers)
            if response.status_code < 500 and response.status_code != 429:
                return response
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise _Gone(url)
        report.retries += 1
        await asyncio.sleep(delay * (1 + random.random()))
        delay = min(1.0, delay * 2)


async def run_participant(client: Any, base: str, served: ServedStudy, participant: str,
                          report: LoadReport, *, model: str = "default", repeat_share: float = 0.0,
                          patience: float = 60.0, seed: int = 0) -> None:
    """Take part in a study as one simulated participant.

    Raises
    ------
    CogalignError
        When the server refuses a request (4xx) or stays away longer than ``patience``.
    """
    api = f"{base}/s/{served.name}/api"
    sim = make_model(model, served.study)
    chance = random.Random(f"{seed}/{participant}")
    deadline = time.monotonic() + patience
    try:
        response = await _post(client, f"{api}/start", {"params": {"participant": participant}},
                               {}, report, deadline)
        if response.status_code != 200:
            raise CogalignError(f"{participant}: start refused ({response.status_code}): "
                                f"{response.text[:200]}")
        token = response.json()["token"]
        done = set(response.json()["done"])
        headers = {"Authorization": f"Bearer {token}"}
        for trial in served.trials(participant, 1):
            if trial.index in done:
                continue
            answer = answer_payload(served, trial, sim.respond(trial, sim.rng(participant, 1, trial)))
            for _ in range(2 if chance.random() < repeat_share else 1):
                deadline = time.monotonic() + patience
                started = time.perf_counter()
                response = await _post(client, f"{api}/trial", answer, headers, report, deadline)
                if response.status_code != 200:
                    raise CogalignError(f"{participant}: trial {trial.index} refused "
                                        f"({response.status_code}): {response.text[:200]}")
                report.latencies.append(time.perf_counter() - started)
                report.acknowledged.add((participant, trial.index))
                if response.json()["status"] == "saved":
                    report.saved += 1
                else:
                    report.duplicates += 1
        response = await _post(client, f"{api}/finish", {}, headers, report,
                               time.monotonic() + patience)
        if response.status_code != 200:
            raise CogalignError(f"{participant}: finish refused ({response.status_code}): "
                                f"{response.text[:200]}")
        report.finished += 1
    except _Gone as exc:
        raise CogalignError(f"{participant}: no answer from {exc} for {patience:g} s") from None


async def run_load(base: str, served: ServedStudy, n: int, *, prefix: str = "load",
                   model: str = "default", repeat_share: float = 0.0, patience: float = 60.0,
                   report: LoadReport | None = None) -> LoadReport:
    """Run ``n`` simulated participants at once against a server.

    Parameters
    ----------
    base
        The server's address (loopback only), e.g. ``http://127.0.0.1:8000``.
    served
        The study, loaded with the same definition and overrides as the server's.
    n
        Participants, all at once (ids ``<prefix>0001``, ...).
    prefix, model, repeat_share, patience
        Ids, the simulated participant model, the share of answers sent twice, and how long
        each request is retried while the server is away.
    report
        A report to fill in (so a caller can watch it while the run goes on).

    Returns
    -------
    LoadReport
    """
    import httpx

    host = urlsplit(base).hostname
    if host not in _LOOPBACK:
        raise CogalignError(f"{base}: load tests only go to loopback addresses")
    report = report if report is not None else LoadReport()
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits,
                                 trust_env=False) as client:
        await asyncio.gather(*(
            run_participant(client, base, served, f"{prefix}{k:04d}", report, model=model,
                            repeat_share=repeat_share, patience=patience)
            for k in range(1, n + 1)
        ))
    report.wall = time.perf_counter() - started
    return report
