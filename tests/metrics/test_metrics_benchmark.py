"""The metrics benchmark runs (tiny sizes), so it cannot rot unnoticed."""

from __future__ import annotations

import pytest

pytest.importorskip("rsatoolbox")

@pytest.mark.slow
def test_benchmark_sections_run(capsys, benchmark_module):
    bench = benchmark_module("metrics")
    bench.bench_rsa(4)
    bench.bench_bootstrap(3)
    bench.bench_cka(60, 5)
    bench.bench_rdm(40, 6)
    bench.bench_memory(300, 8, only=("compare",))
    out = capsys.readouterr().out
    assert out.count("speed-up") == 11
    assert out.count("peak RSS") == 1
    assert "failed" not in out
