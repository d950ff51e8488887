"""cogalign serve under load: saved trials per second and latency, SQLite vs PostgreSQL.

Run:  python benchmarks/serve.py [--participants 50 200] [--trials 20] [--workers 1] [--json]

For each database (SQLite in WAL mode with synchronous=FULL; PostgreSQL started here with
initdb/pg_ctl when its binaries are installed, fsync on) and each number of participants: a
fresh database, a fresh ``cogalign serve`` process on 127.0.0.1, and that many simulated
participants at once (``cogalign.serve.loadtest``: an async HTTP client doing what the page
does: start, one request per answered trial, finish). Each participant answers every trial
of the study (``--trials`` main trials, no practice or checks). Reported: trials saved per
second (acknowledged trial requests over the wall time of the whole run), p50 and p99
latency of the trial requests, and a check that the database holds exactly the acknowledged
trials (none lost, none duplicated). Client and server share the machine's cores, so the
figures are a floor for a server with cores of its own.

For scale, the script first times the database alone: one writer saving trials one after
another through :func:`cogalign.serve.recording.record_answer` (each in its own durable
transaction), which bounds what a single writer can do whatever the web layer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from cogalign.errors import CogalignError
from cogalign.serve.db import Database
from cogalign.serve.loadtest import answer_payload, run_load
from cogalign.serve.local import PostgresServer, ServerProcess, postgres_bin
from cogalign.serve.recording import Identity, record_answer
from cogalign.serve.studyset import load_studies
from cogalign.studies.simulate import make_model

STUDIES = Path(__file__).resolve().parents[1] / "studies"


def _overrides(study: str, trials: int) -> list[str]:
    return [f"{study}:trials.n={trials}", f"{study}:trials.practice=0",
            f"{study}:trials.attention_checks=0", f"{study}:trials.break_every=0",
            "triplets:items.source=file"]


def _serial(name: str, url: str, args: argparse.Namespace, n: int = 200) -> dict:
    """Trials saved per second by one writer, without HTTP (each commit synced to disk)."""
    served = load_studies(STUDIES, _overrides(args.study, n))[args.study]
    db = Database(url)
    db.migrate()
    model = make_model("default", served.study)
    identity = Identity("serial", 1, "link")
    trials = served.trials("serial", 1)
    answers = [answer_payload(served, t, model.respond(t, model.rng("serial", 1, t)))
               for t in trials]
    started = time.perf_counter()
    for answer in answers:
        record_answer(db, served, identity, answer)
    seconds = time.perf_counter() - started
    db.dispose()
    return {"database": name, "trials": len(answers),
            "serial_trials_per_s": round(len(answers) / seconds, 1),
            "ms_per_trial": round(1000 * seconds / len(answers), 2)}


def _one(name: str, url: str, n: int, args: argparse.Namespace, folder: Path) -> dict:
    overrides = _overrides(args.study, args.trials)
    served = load_studies(STUDIES, overrides)[args.study]
    server = ServerProcess(STUDIES, url, folder / f"{name}-{n}.log", overrides=overrides,
                           rate_limits=("start=1000000/1", "trial=1000000/1"),
                           workers=args.workers).start()
    try:
        report = asyncio.run(run_load(server.url, served, n, patience=120))
    finally:
        server.stop()
    db = Database(url)
    stored = db.count_trials(args.study)
    db.dispose()
    acknowledged = len(report.acknowledged)
    return {
        "database": name, "participants": n, "workers": args.workers,
        "trials": acknowledged, "wall_s": round(report.wall, 2),
        "trials_per_s": round(report.per_second, 1),
        "p50_ms": round(report.latency_ms(50), 1), "p99_ms": round(report.latency_ms(99), 1),
        "lost": acknowledged - stored if stored <= acknowledged else 0,
        "duplicated": stored - acknowledged if stored > acknowledged else 0,
        "finished": report.finished,
    }


def main() -> int:
    """Run the load benchmark against SQLite and PostgreSQL and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--trials", type=int, default=20, help="main trials per participant")
    parser.add_argument("--study", default="intertemporal",
                        choices=["intertemporal", "risky", "similarity", "triplets"])
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    os.environ.pop("COGALIGN_DATA_PATH", None)  # the shipped item lists, as in the tests
    rows = []
    serial = []
    with tempfile.TemporaryDirectory(prefix="cogalign-bench-") as tmp:
        folder = Path(tmp)
        postgres = None
        if postgres_bin() is not None:
            postgres = PostgresServer.start_new()
        try:
            serial.append(_serial("sqlite", f"sqlite:///{folder / 'serial.db'}", args))
            if postgres is not None:
                serial.append(_serial("postgresql", postgres.create_database("serial"), args))
            for n in args.participants:
                rows.append(_one("sqlite", f"sqlite:///{folder / f'bench-{n}.db'}", n, args,
                                 folder))
                if postgres is not None:
                    rows.append(_one("postgresql", postgres.create_database(f"bench{n}"), n,
                                     args, folder))
        finally:
            if postgres is not None:
                postgres.stop()
    if args.json:
        print(json.dumps({"serial": serial, "load": rows}, indent=2, allow_nan=False))
        return 0
    if postgres is None:
        print("PostgreSQL not installed: SQLite only", file=sys.stderr)
    for row in serial:
        print(f"{row['database']}: one writer, no HTTP: {row['serial_trials_per_s']} trials/s "
              f"({row['ms_per_trial']} ms per durable commit)")
    columns = ["database", "participants", "workers", "trials", "wall_s", "trials_per_s",
               "p50_ms", "p99_ms", "lost", "duplicated"]
    print("  ".join(f"{c:>12}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>12}" for c in columns))
    bad = [r for r in rows if r["lost"] or r["duplicated"] or r["finished"] != r["participants"]
           or any(isinstance(v, float) and math.isnan(v) for v in r.values())]
    if bad:
        raise CogalignError(f"runs that lost, duplicated or did not finish: {bad}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
