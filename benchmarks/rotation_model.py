"""Training speed and peak memory of the neural mental-rotation model, on the CPU and a GPU.

One optimiser step of the perception stage (the equivariant encoder, the symbolic head and
the shape loss; and the plain-CNN ablation) on a batch of rendered view pairs, timed apart
from the rendering of the batch, which is timed on its own. Printed per device and image
size: training images per second (two views per pair, the network step alone and with the
rendering), and peak memory: the process's peak resident set on the CPU, the peak of
``torch.cuda.max_memory_allocated`` on a GPU. The CPU runs single-threaded (OMP/MKL threads 1,
``torch.set_num_threads(1)``); a GPU is measured only when torch sees one.

    python benchmarks/rotation_model.py                 # 64 px, 20 steps after 3 warm-up
    python benchmarks/rotation_model.py --sizes 32,64,128 --steps 10
    python benchmarks/rotation_model.py --quick         # 32 px, 3 steps: a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402


def _peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(size: int, encoder: str, device: str, steps: int, batch_size: int,
            warmup: int = 3) -> dict[str, float | int | str]:
    """Time ``steps`` optimiser steps of one perception module after ``warmup`` steps.

    Returns
    -------
    dict
        ``size``, ``encoder``, ``device``, ``batch_size``, ``images_per_s`` (network step
        alone), ``images_per_s_with_rendering``, ``render_images_per_s``, ``peak_mib``.
    """
    from cogalign.rotation.neural.config import NetConfig
    from cogalign.rotation.neural.encoders import make_perception
    from cogalign.rotation.neural.training import _perception_loss, tensors, training_shapes
    from cogalign.rotation.neural.views import sample_pairs

    config = NetConfig(size=size, batch_size=batch_size, variants=("full",))
    torch.manual_seed(0)
    dev = torch.device(device)
    module = make_perception(encoder, config).to(dev)
    optimizer = torch.optim.Adam(module.parameters(), lr=config.learning_rate)
    shapes = training_shapes(config)[0]
    render_s = step_s = 0.0
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    for k in range(warmup + steps):
        start = time.perf_counter()
        batch = sample_pairs(shapes, batch_size, [0, k], size=size)
        b = tensors(batch, dev)
        rendered = time.perf_counter()
        loss, _ = _perception_loss(module, b, config.symbolic_weight, config.shape_weight)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        done = time.perf_counter()
        if k >= warmup:
            render_s += rendered - start
            step_s += done - rendered
    images = 2 * batch_size * steps
    peak = (torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else _peak_rss_mib())
    return {"size": size, "encoder": encoder, "device": device, "batch_size": batch_size,
            "images_per_s": images / step_s, "images_per_s_with_rendering": images / (step_s + render_s),
            "render_images_per_s": images / render_s, "peak_mib": float(peak)}


def main() -> None:
    """Parse the options, measure, print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64", help="comma-separated image sizes")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="32 px, 3 steps")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sizes = [32] if args.quick else [int(s) for s in args.sizes.split(",")]
    steps = 3 if args.quick else args.steps
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = [measure(size, encoder, device, steps, args.batch_size)
            for device in devices for size in sizes for encoder in ("equivariant", "plain")]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s)"
          + (f", GPU {torch.cuda.get_device_name(0)}" if "cuda" in devices else ", no GPU"))
    print(f"{'device':<7}{'size':>5}{'encoder':>13}{'img/s':>9}{'+render':>9}{'render':>9}{'peak MiB':>10}")
    for r in rows:
        print(f"{r['device']:<7}{r['size']:>5}{r['encoder']:>13}{r['images_per_s']:>9.1f}"
              f"{r['images_per_s_with_rendering']:>9.1f}{r['render_images_per_s']:>9.1f}"
              f"{r['peak_mib']:>10.0f}")
    assert np.isfinite([r["images_per_s"] for r in rows]).all()


if __name__ == "__main__":
    main()
