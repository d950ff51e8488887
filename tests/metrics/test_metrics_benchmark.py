"""The metrics benchmark runs (tiny sizes), so it cannot rot unnoticed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("rsatoolbox")

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "metrics.py"


@pytest.mark.slow
def test_benchmark_sections_run(capsys):
    spec = importlib.util.spec_from_file_location("cogalign_metrics_benchmark", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.bench_rsa(4)
    bench.bench_bootstrap(3)
    bench.bench_cka(60, 5)
    bench.bench_rdm(40, 6)
    bench.bench_memory(300, 8, only=("compare",))
    out = capsys.readouterr().out
    assert out.count("speed-up") == 11
    assert out.count("peak RSS") == 1
    assert "failed" not in out
