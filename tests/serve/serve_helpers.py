"""Helpers for the online-study tests: a throwaway PostgreSQL server, server processes, ports."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
STUDIES = REPO / "studies"
PARADIGMS = ("intertemporal", "risky", "similarity", "triplets")

#: Overrides that make every shipped study short and quick (item lists from the study folder).
SHORT = (
    "trials.n=4",
    "trials.practice=1",
    "trials.attention_checks=1",
    "trials.break_every=2",
    "timing.fixation=0",
    "timing.iti=0",
    "timing.confirm=0",
    "triplets:items.source=file",
    "similarity:items.n=5",
    "similarity:trials.repeats=1",
)

#: Rate limits high enough for many simulated participants from one address.
OPEN_LIMITS = ("start=100000/1", "trial=100000/1")

ADMIN_TOKEN = "admin-token-for-tests"


def short_studies(overrides: tuple[str, ...] = SHORT) -> dict[str, Any]:
    """The shipped studies, short, as the server loads them."""
    from cogalign.serve.studyset import load_studies

    return load_studies(STUDIES, overrides)


def answer(trial: int, value: float, *, key: str | None = None, device: str | None = None,
           rt: float = 0.8) -> dict[str, Any]:
    """An answer as the page sends it."""
    return {"trial": trial, "value": value, "rt": rt, "key": key,
            "device": device or ("keyboard" if key is not None else "mouse"),
            "onset_utc": "2026-01-01T12:00:00.000Z", "response_utc": "2026-01-01T12:00:00.800Z"}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder with PostgreSQL's ``initdb`` and ``pg_ctl`` (Debian: /usr/lib/postgresql)."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


class PostgresServer:
    """A PostgreSQL server in a temporary folder, on a free local port.

    ``initdb`` refuses to run as root; when the tests run as root, the server runs as the
    ``postgres`` user (or ``nobody``), which owns the temporary folder.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="cogalign-pg-"))
        self.port = free_port()
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    account = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            else:
                raise RuntimeError("running as root and there is no postgres or nobody user")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def _run(self, *args: str) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.folder)}
        result = subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.folder, env=env,
                                capture_output=True, text=True, timeout=120, **self._as)
        if result.returncode != 0:
            log = self.folder / "server.log"
            extra = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stderr[-2000:]}\n{extra}")

    def start(self) -> None:
        """Create the cluster and start the server."""
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-A", "trust", "-U", "cogalign", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self._run("pg_ctl", "-D", data, "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        "-c max_connections=300", "start")

    def create_database(self, name: str) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="cogalign",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://cogalign@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class ServerProcess:
    """``python -m cogalign.serve`` in a subprocess on a free port."""

    def __init__(self, db: str, log: Path, *, studies: Path = STUDIES,
                 overrides: tuple[str, ...] = SHORT, limits: tuple[str, ...] = OPEN_LIMITS,
                 workers: int = 1):
        self.db = db
        self.log = log
        self.studies = studies
        self.overrides = overrides
        self.limits = limits
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start it and wait until it answers."""
        import httpx

        args = [sys.executable, "-m", "cogalign.serve", str(self.studies), "--db", self.db,
                "--port", str(self.port), "--admin-token", ADMIN_TOKEN,
                "--workers", str(self.workers)]
        for o in self.overrides:
            args += ["--set", o]
        for limit in self.limits:
            args += ["--rate-limit", limit]
        env = {k: v for k, v in os.environ.items() if k != "COGALIGN_DATA_PATH"}
        env.setdefault("PYTHONPATH", str(REPO / "src"))
        with open(self.log, "ab") as fh:
            self.process = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0, trust_env=False).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer in {timeout:g} s: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """kill -9 the server (and its workers)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server gracefully (kill it if it does not stop)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
