"""Speed and memory of cogalign.llm.embed against a plain one-item-at-a-time transformers loop.

For each offline preset (minilm-l6, smollm2-135m) and the 1,854 THINGS concept names, prints in
the same run:

1. items per second for all-layer extraction (embedding layer + every block, mean over content
   tokens): our batched path vs a plain loop that calls the same transformers model on one item
   at a time, the speed-up, and the largest difference between the two results (relative to
   each layer's scale);
2. the time of a cache hit (the same call again, in this process and in a fresh process);
3. peak memory: the process's anonymous resident memory above its level before extraction,
   streaming all layers to disk as float16 vs holding the result in memory, next to the size
   of the full result; then the same for 26,000 items (the concept names with 15 prefixes)
   through minilm-l6, where streaming stays at about one batch of activations.

Run ``python benchmarks/llm.py`` (all 1,854 names, a few minutes on a laptop CPU) or
``--quick`` (the first 256 names). The names come from the dataset registry
(``things-concepts``; set ``COGALIGN_DATA_PATH``); ``--items FILE`` uses a text file instead.
The cache goes to a temporary folder, so the user's cache is untouched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the temporary cache would otherwise get a 0.5 GB de-quantised copy of the GGUF model
os.environ.setdefault("COGALIGN_LLM_CONVERT_GGUF", "0")


class PeakRSS:
    """Sample resident memory in a thread; ``peak`` is the largest value seen (bytes)."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.peak = self.current()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def current() -> int:
        """Anonymous resident memory (Linux ``RssAnon``): what the process holds itself.

        File-backed pages of a memory-mapped output are left out: the kernel writes them back
        and drops them under pressure, so they are not memory the extraction holds on to.
        """
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("RssAnon:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        import resource  # not Linux: fall back to the lifetime peak

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.current())
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())


def release_free_memory() -> None:
    """Hand freed heap memory back to the OS (glibc), so the next baseline is not inflated."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def plain_loop(lm, items: list[str]) -> np.ndarray:
    """The reference: one item per forward pass, mean over content tokens, every layer."""
    import torch

    tok = lm.tokenizer
    net = lm.base_model
    out = np.empty((len(items), lm.n_layers + 1, lm.width), dtype=np.float32)
    with torch.inference_mode():
        for i, item in enumerate(items):
            if lm.kind == "causal":
                ids = [tok.bos_token_id, *tok(item, add_special_tokens=False)["input_ids"]]
                hidden = net(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states
                out[i] = torch.stack([h[0, 1:].mean(0) for h in hidden]).numpy()
            else:
                enc = tok(item, return_tensors="pt")
                hidden = net(**enc, output_hidden_states=True).hidden_states
                out[i] = torch.stack([h[0, 1:-1].mean(0) for h in hidden]).numpy()
    return out


def torch_threads() -> int:
    """The number of threads torch computes with."""
    import torch

    return torch.get_num_threads()


def cold_cache_hit(model: str, items_file: Path, cache: str) -> float:
    """Seconds for a fresh Python process to import cogalign.llm and read the cached result."""
    code = (
        "import time, sys; t = time.perf_counter(); from cogalign.llm import embed; "
        f"items = open({str(items_file)!r}).read().splitlines(); "
        f"r = embed(items, {model!r}, progress=False); assert r.meta['cache_hit']; "
        "print(time.perf_counter() - t)"
    )
    env = {**os.environ, "COGALIGN_CACHE": cache, "OMP_NUM_THREADS": str(torch_threads())}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def bench_model(model: str, items: list[str], batch_size: int, cache: str) -> None:
    """Time one model: cogalign.embed against a plain transformers loop."""
    from cogalign.llm import embed, load_model

    t0 = time.perf_counter()
    lm = load_model(model, device="cpu")
    load_s = time.perf_counter() - t0
    n_states = lm.n_layers + 1
    print(f"\n{model}: {n_states} hidden states x width {lm.width}, loaded in {load_s:.1f} s", flush=True)
    embed(items[:8], lm, cache=False, progress=False, batch_size=batch_size)  # warm-up
    plain_loop(lm, items[:8])

    t0 = time.perf_counter()
    ours = embed(items, lm, cache=False, progress=False, batch_size=batch_size)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = plain_loop(lm, items)
    t_ref = time.perf_counter() - t0
    scale = np.abs(ref).max(axis=(0, 2), keepdims=True)
    rel = float((np.abs(np.asarray(ours.array) - ref) / scale).max())
    print(f"  all-layer extraction, {len(items)} items: batched {len(items) / t_ours:8.1f} items/s   "
          f"plain loop {len(items) / t_ref:8.1f} items/s   speed-up {t_ref / t_ours:5.1f}x   "
          f"max|diff|/layer scale {rel:.1e}", flush=True)

    first = embed(items, lm, progress=False, batch_size=batch_size)  # fills the cache
    assert not first.meta["cache_hit"]
    t0 = time.perf_counter()
    hit = embed(items, model, progress=False)
    t_hit = time.perf_counter() - t0
    assert hit.meta["cache_hit"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(items))
    try:
        t_cold = cold_cache_hit(model, Path(fh.name), cache)
    finally:
        os.unlink(fh.name)
    print(f"  cache hit: {t_hit:.3f} s in this process, {t_cold:.3f} s in a fresh process "
          f"(import + identity + read)", flush=True)

    full_bytes = len(items) * n_states * lm.width * 4
    with tempfile.TemporaryDirectory() as tmp:
        release_free_memory()
        before = PeakRSS.current()
        with PeakRSS() as peak:
            embed(items, lm, cache=False, progress=False, batch_size=batch_size, store_dtype="float16",
                  out=Path(tmp) / "states")
        streamed = peak.peak - before
        release_free_memory()
        before = PeakRSS.current()
        with PeakRSS() as peak:
            in_memory = embed(items, lm, cache=False, progress=False, batch_size=batch_size)
        held = peak.peak - before
        del in_memory
    mb = 1024**2
    print(f"  peak memory above baseline: streaming to disk (float16) {streamed / mb:7.1f} MB, "
          f"in memory (float32) {held / mb:7.1f} MB; full result {full_bytes / mb:.1f} MB float32 "
          f"({full_bytes / 2 / mb:.1f} MB float16); process peak {peak.peak / mb:.0f} MB (anonymous)",
          flush=True)


def bench_streaming(items: list[str], n: int, batch_size: int) -> None:
    """Memory of an all-layer run much larger than one batch: streaming vs holding the result."""
    from cogalign.llm import embed, load_model

    lm = load_model("minilm-l6", device="cpu")
    prefixes = ["", "a ", "the ", "some ", "one ", "my ", "this ", "that ", "a small ", "a large ",
                "an old ", "a new ", "a red ", "a blue ", "a broken "]
    many = [p + item for p in prefixes for item in items][:n]
    n = len(many)
    mb = 1024**2
    full = n * (lm.n_layers + 1) * lm.width * 4
    print(f"\nstreaming at scale: minilm-l6, {n:,} items x {lm.n_layers + 1} layers x {lm.width} "
          f"(result {full / mb:.0f} MB float32, {full / 2 / mb:.0f} MB float16)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        # warm-up: first-call allocations (kernels, tokenizer buffers) are not per-item memory
        embed(many[:2048], lm, cache=False, progress=False, batch_size=batch_size, store_dtype="float16",
              out=Path(tmp) / "warm-up")
        release_free_memory()
        before = PeakRSS.current()
        t0 = time.perf_counter()
        with PeakRSS() as peak:
            embed(many, lm, cache=False, progress=False, batch_size=batch_size, store_dtype="float16",
                  out=Path(tmp) / "states")
        seconds = time.perf_counter() - t0
        streamed = peak.peak - before
    release_free_memory()
    before = PeakRSS.current()
    with PeakRSS() as peak:
        held_reps = embed(many, lm, cache=False, progress=False, batch_size=batch_size)
    held = peak.peak - before
    del held_reps
    print(f"  peak memory above baseline: streaming to disk (float16) {streamed / mb:7.1f} MB, "
          f"in memory (float32) {held / mb:7.1f} MB ({n / seconds:.0f} items/s streaming)", flush=True)


def main() -> None:
    """Run the benchmark for every model named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="First 256 names only.")
    parser.add_argument("--items", type=Path, default=None, help="Text file of items (one per line).")
    parser.add_argument("--models", default="minilm-l6,smollm2-135m")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice). On a shared, busy machine "
                             "1 thread avoids OpenMP oversubscription stalls for both paths.")
    parser.add_argument("--stream-items", type=int, default=None,
                        help="Items in the streaming-at-scale section (default 26,000; 4,000 with --quick; "
                             "0 skips it).")
    args = parser.parse_args()
    if args.stream_items is None:
        args.stream_items = 4_000 if args.quick else 26_000

    if args.items is not None:
        items = [line for line in args.items.read_text().splitlines() if line.strip()]
        source = str(args.items)
    else:
        from cogalign.data import load
        from cogalign.errors import DatasetNotFoundError

        try:
            items = [str(x) for x in load("things-concepts", download=False, progress=False)["name"]]
        except DatasetNotFoundError as exc:
            sys.exit(f"things-concepts is not available ({exc}); set COGALIGN_DATA_PATH or pass --items")
        source = "THINGS concept names"
    if args.quick:
        items = items[:256]

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    cache = tempfile.mkdtemp(prefix="cogalign-bench-")
    os.environ["COGALIGN_CACHE"] = cache
    print(f"cogalign.llm benchmark: {len(items)} items ({source}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, cpu, batch size {args.batch_size}")
    try:
        for model in filter(None, (m.strip() for m in args.models.split(","))):
            bench_model(model, items, args.batch_size, cache)
        if args.stream_items:
            bench_streaming(items, args.stream_items, args.batch_size)
    finally:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
