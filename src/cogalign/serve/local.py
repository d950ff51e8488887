"""Local servers for pilots, tests and benchmarks: a throwaway PostgreSQL, ``cogalign serve``.

:class:`PostgresServer` creates a PostgreSQL cluster in a temporary folder with the server's
own ``initdb`` and starts it with ``pg_ctl`` on a free port of 127.0.0.1 (Debian:
``apt-get install postgresql``; the binaries are found under ``/usr/lib/postgresql/*/bin``).
``initdb`` refuses to run as root, so under root the cluster belongs to the ``postgres`` user
(or ``nobody``). :class:`ServerProcess` runs ``python -m cogalign.serve`` in a subprocess
(its own process group, so it can be killed with its workers) and waits until it answers.

>>> pg = PostgresServer.start_new()                           # doctest: +SKIP
>>> url = pg.create_database("pilot")                         # doctest: +SKIP
>>> server = ServerProcess("studies", url, "serve.log").start()  # doctest: +SKIP
"""

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError

__all__ = ["PostgresServer", "ServerProcess", "free_port", "postgres_bin"]


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder holding PostgreSQL's ``initdb`` and ``pg_ctl``, or ``None``."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


class PostgresServer:
    """A PostgreSQL server in a temporary folder, on a free port of 127.0.0.1.

    Parameters
    ----------
    bindir
        Folder of ``initdb`` and ``pg_ctl`` (default: :func:`postgres_bin`).

    Raises
    ------
    CogalignError
        When the binaries are missing, or the tests run as root and there is no unprivileged
        user to own the cluster.
    """

    def __init__(self, bindir: Path | None = None):
        found = bindir or postgres_bin()
        if found is None:
            raise CogalignError("PostgreSQL's initdb and pg_ctl were not found "
                                "(Debian: apt-get install postgresql)")
        self.bindir = found
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="cogalign-pg-"))
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = None
            for name in ("postgres", "nobody"):
                try:
                    account = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if account is None:
                shutil.rmtree(self.folder, ignore_errors=True)
                raise CogalignError("running as root, and there is no postgres or nobody user "
                                    "to run initdb as")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    @classmethod
    def start_new(cls, bindir: Path | None = None) -> PostgresServer:
        """Create a cluster and start its server."""
        server = cls(bindir)
        try:
            server.start()
        except BaseException:
            shutil.rmtree(server.folder, ignore_errors=True)
            raise
        return server

    def _run(self, *args: str) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C",
               "HOME": str(self.folder)}
        result = subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.folder, env=env,
                                capture_output=True, text=True, timeout=120, **self._as)
        if result.returncode != 0:
            log = self.folder / "server.log"
            extra = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise CogalignError(f"{args[0]} failed: {result.stderr[-2000:]} {extra}")

    def start(self) -> None:
        """Create the cluster (``initdb``) and start the server (``pg_ctl start``)."""
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-A", "trust", "-U", "cogalign", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self._run("pg_ctl", "-D", data, "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        "-c max_connections=300", "start")

    def create_database(self, name: str) -> str:
        """Create an empty database; return its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(host="127.0.0.1", port=self.port, user="cogalign",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql+psycopg://cogalign@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and delete its folder.

        There is no final checkpoint: the cluster is thrown away.
        """
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


class ServerProcess:
    """``python -m cogalign.serve STUDIES`` in a subprocess on a free port.

    Parameters
    ----------
    studies
        What to serve (a definition, a study folder or a folder of them).
    db
        Database URL.
    log
        File that receives the server's output.
    overrides, rate_limits
        ``--set`` and ``--rate-limit`` values.
    admin_token
        The admin pages' token.
    workers
        Worker processes.
    env
        Environment of the server (default: this process's).
    """

    def __init__(self, studies: str | Path, db: str, log: str | Path, *,
                 overrides: Sequence[str] = (), rate_limits: Sequence[str] = (),
                 admin_token: str | None = None, workers: int = 1,
                 env: dict[str, str] | None = None):
        self.studies = Path(studies)
        self.db = db
        self.log = Path(log)
        self.overrides = tuple(overrides)
        self.rate_limits = tuple(rate_limits)
        self.admin_token = admin_token
        self.workers = workers
        self.env = dict(os.environ if env is None else env)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start the server (again, on the same port) and wait until ``/healthz`` answers."""
        import httpx

        args = [sys.executable, "-m", "cogalign.serve", str(self.studies), "--db", self.db,
                "--port", str(self.port), "--workers", str(self.workers)]
        if self.admin_token:
            args += ["--admin-token", self.admin_token]
        for text in self.overrides:
            args += ["--set", text]
        for text in self.rate_limits:
            args += ["--rate-limit", text]
        with open(self.log, "ab") as fh:
            self.process = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CogalignError(f"the server exited: {self.log.read_text()[-3000:]}")
            try:
                response = httpx.get(f"{self.url}/healthz", timeout=1.0, trust_env=False)
                if response.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise CogalignError(f"the server did not answer within {timeout:g} s: "
                            f"{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """``kill -9`` the server and its workers."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server (SIGTERM; SIGKILL after 15 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
