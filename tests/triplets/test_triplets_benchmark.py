"""The SPoSE benchmark's reference loop computes the library's loss, so the ratio it prints
compares like with like."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

def test_reference_loss_and_epoch_match_the_library(benchmark_module):
    from cogalign.triplets._training import nll_and_gradient, triplet_nll

    bench = benchmark_module("triplets")
    gen = torch.Generator().manual_seed(0)
    w = torch.rand(40, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    rng = np.random.default_rng(0)
    t = torch.as_tensor(np.stack([rng.choice(40, 3, replace=False) for _ in range(300)]))
    ref = bench.reference_nll(w, t)
    assert float(ref.detach()) == pytest.approx(float(triplet_nll(w.detach(), t)), abs=1e-12)
    (grad,) = torch.autograd.grad(ref, w)
    assert torch.allclose(grad, nll_and_gradient(w.detach(), t)[1], atol=1e-12)
    # one reference epoch lowers the loss and keeps the weights non-negative
    weights = w.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([weights], lr=0.01)
    before = float(triplet_nll(weights.detach(), t))
    bench.reference_epoch(weights, t, 0.0, opt)
    assert float(triplet_nll(weights.detach(), t)) < before
    assert float(weights.detach().min()) >= 0
