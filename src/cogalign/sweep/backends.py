"""Where cells run: a local process pool, or a Ray cluster.

Both backends take the same payloads (:func:`cogalign.sweep.execute.run_cell`'s input) and
hand each record back to the driver as soon as its cell ends, in the order cells finish; the
driver writes it. So the two give identical results, and only the driver's machine needs the
results folder.

* :class:`LocalBackend` - a pool of ``workers`` processes (started with ``spawn``, each one
  thread for NumPy and torch unless the environment says otherwise); ``workers=0`` runs the
  cells in this process, one after another. When a worker dies (killed, out of memory), the
  cells that were running are run again, each alone in a pool of its own, and only a cell
  whose worker dies while it runs alone fails (``WorkerDied``); then a fresh pool goes on.
* :class:`RayBackend` - Ray Core tasks, one per cell, each requesting the cell's CPUs, GPUs
  and memory (:class:`cogalign.sweep.spec.Resources`). ``address=None`` starts a local Ray
  instance; ``"auto"`` or ``"ray://host:10001"`` joins a running cluster. The variables the
  workers need (``COGALIGN_CACHE``, ``COGALIGN_DATA_PATH``, offline flags, thread counts)
  travel with every task; on a cluster, point ``COGALIGN_CACHE`` at a shared file system so
  that workers share the language-model cache (its writes are atomic, so sharing is safe).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError
from cogalign.sweep.execute import run_cell

__all__ = ["BACKENDS", "LocalBackend", "RayBackend", "make_backend"]

#: Names of the backends (``--backend``).
BACKENDS: tuple[str, ...] = ("local", "ray")

Payload = Mapping[str, Any]
OnRecord = Callable[[Payload, dict[str, Any]], None]


def _died(payload: Payload, why: str) -> dict[str, Any]:
    """The record of a cell whose worker died."""
    return {"cell_id": payload["cell"]["cell_id"], "status": "failed", "rows": [],
            "error": why, "traceback": None, "seconds": float("nan")}


class LocalBackend:
    """Cells in a local pool of processes.

    Parameters
    ----------
    workers
        Number of worker processes; ``0`` runs the cells in this process.
    """

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        if workers < 0:
            raise CogalignError(f"workers must be >= 0, got {workers}")
        self.workers = workers

    def describe(self) -> dict[str, Any]:
        """The backend's settings (for the manifest)."""
        return {"backend": self.name, "workers": self.workers}

    def run(self, payloads: Sequence[Payload], on_record: OnRecord) -> None:
        """Run every payload; call ``on_record(payload, record)`` as each cell ends."""
        if self.workers == 0:
            for payload in payloads:
                on_record(payload, run_cell(payload))
            return
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        pending = list(payloads)
        while pending:
            for payload in self._pool_run(pending, on_record, context):
                self._run_alone(payload, on_record, context)

    def _pool_run(self, pending: list[Payload], on_record: OnRecord, context: Any
                  ) -> list[Payload]:
        """Run cells from ``pending`` in one pool until it is done or a worker dies.

        Returns the cells that were running when a worker died (none when the pool ended
        normally); the cells not started yet stay in ``pending``.
        """
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        running: dict[Future, Payload] = {}
        try:
            while pending or running:
                try:
                    while pending and len(running) < self.workers:
                        running[pool.submit(run_cell, pending[0])] = pending[0]
                        pending.pop(0)
                except BrokenProcessPool:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except Exception as exc:  # e.g. a payload that cannot be pickled
                        record = _died(running[future], f"{type(exc).__name__}: {exc}")
                    on_record(running.pop(future), record)
                if broken:
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        suspects = []
        for future, payload in running.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                on_record(payload, future.result())
            else:
                suspects.append(payload)
        return suspects

    @staticmethod
    def _run_alone(payload: Payload, on_record: OnRecord, context: Any) -> None:
        """Run a cell that was running when a worker died, in a pool of its own.

        Only a cell whose worker dies while it runs alone is failed (``WorkerDied``), so a
        cell that merely ran beside the one that died is never blamed.
        """
        pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        try:
            record = pool.submit(run_cell, payload).result()
        except BrokenProcessPool:
            record = _died(payload, "WorkerDied: the worker process died while this cell ran "
                                    "alone (killed, or out of memory)")
        except Exception as exc:  # e.g. a payload that cannot be pickled
            record = _died(payload, f"{type(exc).__name__}: {exc}")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        on_record(payload, record)


class RayBackend:
    """Cells as Ray Core tasks.

    Parameters
    ----------
    address
        ``None`` starts a local Ray instance (stopped at the end); ``"auto"`` or a
        ``ray://`` address joins a running cluster. A Ray already initialised in this process
        is used as it is.
    num_cpus
        CPUs of a local instance (default: all of this machine's).
    max_retries
        How often Ray reruns a cell whose worker or node died.
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None,
                 max_retries: int = 1) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries

    def describe(self) -> dict[str, Any]:
        """The backend's settings (for the manifest)."""
        return {"backend": self.name, "address": self.address, "num_cpus": self.num_cpus}

    def _init(self, ray: Any) -> bool:
        """Start or join Ray; ``True`` when this call started it."""
        if ray.is_initialized():
            return False
        env: dict[str, str] = {}
        if self.address is None:
            # a local instance shares this machine's files: its workers import what we can
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and Path(p).is_dir())
        try:
            ray.init(address=self.address, num_cpus=self.num_cpus if self.address is None
                     else None, include_dashboard=False, log_to_driver=False,
                     runtime_env={"env_vars": env} if env else None)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = self.address or "a new local instance"
            raise CogalignError(f"cannot start or join Ray at {where}: "
                                f"{' '.join(str(exc).split())}") from None
        return True

    def run(self, payloads: Sequence[Payload], on_record: OnRecord) -> None:
        """Run every payload as a task; call ``on_record(payload, record)`` as each ends."""
        try:
            import ray
        except ImportError:
            raise CogalignError("the ray backend needs Ray: pip install 'cogalign[sweep]'"
                                ) from None
        started = self._init(ray)
        refs: dict[Any, Payload] = {}
        try:
            task = ray.remote(run_cell)
            for payload in payloads:
                res = payload["cell"]["resources"]
                memory = res.get("memory_gb")
                options: dict[str, Any] = {"num_cpus": res["num_cpus"],
                                           "num_gpus": res["num_gpus"],
                                           "max_retries": self.max_retries}
                if memory:
                    options["memory"] = int(memory * 2**30)
                refs[task.options(**options).remote(payload)] = payload
            while refs:
                ready, _ = ray.wait(list(refs), num_returns=1)
                for ref in ready:
                    payload = refs.pop(ref)
                    try:
                        record = ray.get(ref)
                    except Exception as exc:  # a crashed worker or node, after retries
                        record = _died(payload, f"{type(exc).__name__}: "
                                                f"{' '.join(str(exc).split())[:500]}")
                    on_record(payload, record)
        except KeyboardInterrupt:
            for ref in list(refs):
                ray.cancel(ref, force=True)
            raise
        finally:
            if started:
                ray.shutdown()


def make_backend(name: str, *, workers: int | None = None, address: str | None = None,
                 num_cpus: int | None = None) -> LocalBackend | RayBackend:
    """A backend by name (``"local"`` or ``"ray"``).

    Parameters
    ----------
    name
        ``"local"`` or ``"ray"``.
    workers
        Local: worker processes (default 1).
    address
        Ray: cluster address (default: a new local instance).
    num_cpus
        Ray: CPUs of a new local instance.
    """
    if name == "local":
        if address is not None:
            raise CogalignError("--address is for the ray backend")
        return LocalBackend(1 if workers is None else workers)
    if name == "ray":
        if workers is not None:
            raise CogalignError("--workers is for the local backend; Ray places cells by "
                                "their resources")
        return RayBackend(address, num_cpus=num_cpus)
    raise CogalignError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
