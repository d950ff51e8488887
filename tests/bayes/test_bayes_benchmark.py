"""benchmarks/bayes.py: NumPyro's compile time is measured, not guessed from a second run."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numpyro")

def _tiny_model(x, y=None):
    import numpyro
    import numpyro.distributions as dist

    m = numpyro.sample("m_mu", dist.Normal(0.0, 1.0))
    s = numpyro.sample("m_sigma", dist.HalfNormal(1.0))
    with numpyro.plate("obs", x.shape[0]):
        numpyro.sample("y", dist.Normal(m * x, s), obs=y)


def test_numpyro_sampling_time_excludes_compilation(benchmark_module):
    """With a handful of iterations, compiling the sampler costs far more than running it.

    Every ``MCMC.run`` traces and compiles the sampler again, so the old estimate (first run
    minus a second run) put the compilation into the sampling time and reported ~0 s compile.
    """
    bench = benchmark_module("bayes")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(50)
    data = {"x": x, "y": 0.5 * x + rng.standard_normal(50)}
    idata, compile_s, sampling_s = bench._numpyro(_tiny_model, data, draws=5, tune=5,
                                                  chains=2, seed=0)
    assert idata.posterior["m_mu"].shape == (2, 5)
    assert compile_s > 0.1
    assert compile_s > 2 * sampling_s, (compile_s, sampling_s)
    assert sampling_s >= 0


def test_gradient_timing_covers_both_backends(benchmark_module):
    pytest.importorskip("pymc")
    from cogalign.risky.models import risky_trials_model

    bench = benchmark_module("bayes")
    data = bench._cpt_data(3, 10, 0)
    us = bench._gradient_microseconds(risky_trials_model, data, n_calls=5)
    assert set(us) == {"numpyro", "pymc"}
    assert all(np.isfinite(v) and v > 0 for v in us.values())
