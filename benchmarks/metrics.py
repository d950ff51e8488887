"""Speed, agreement and memory of cogalign.metrics against rsatoolbox and reference formulas.

Prints, for the same inputs in the same run, our time, the reference's time, the speed-up
(reference time / our time) and the largest absolute difference between the two results:

1. RSA of 1,000 random 92-item RDM pairs, spearman and whitened cosine (rsatoolbox).
2. 1,000-sample item bootstrap of spearman RSA on rsa92 (16 participants vs a model RDM),
   against rsatoolbox's ``eval_bootstrap_pattern`` on the same draws.
3. Linear and RBF CKA on 10,000 x 1,000 matrices, against the plain Gram-matrix formula.
4. RDM from a 1,854 x 768 embedding, against scipy's ``pdist`` and rsatoolbox's ``calc_rdm``.
5. Peak memory of building and comparing condensed float32 RDMs of 26,107 items.

Run ``python benchmarks/metrics.py`` (full sizes, a few minutes) or ``--quick`` (small
sizes). rsa92 comes from the dataset registry (set ``COGALIGN_DATA_PATH``); without it,
section 2 uses random RDMs of the same shape and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.spatial.distance import pdist

import cogalign.metrics as cm

warnings.filterwarnings("ignore")
os.environ.setdefault("TQDM_DISABLE", "1")  # rsatoolbox shows a progress bar per bootstrap


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def report(label: str, ours: float, ref: float, ref_name: str, diff: float | None) -> None:
    """Print one timing line: cogalign vs the reference and their largest difference."""
    ratio = ref / ours if ours > 0 else float("inf")
    d = "" if diff is None else f"   max|diff| {diff:.1e}"
    print(f"  {label:<44} ours {ours:8.3f} s   {ref_name} {ref:8.3f} s   "
          f"speed-up {ratio:6.1f}x{d}", flush=True)


def random_rdms(rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    """Random dissimilarity vectors of ``m`` RDMs over ``n`` items."""
    x = rng.normal(size=(m, n, 8))
    sq = np.einsum("mik,mik->mi", x, x)
    d = sq[:, :, None] + sq[:, None, :] - 2 * np.einsum("mik,mjk->mij", x, x)
    iu, ju = np.triu_indices(n, 1)
    return np.sqrt(np.maximum(d[:, iu, ju], 0))


# ------------------------------------------------------------------------------------------


def bench_rsa(n_pairs: int) -> None:
    """RSA comparators (Spearman, whitened cosine) against rsatoolbox."""
    import rsatoolbox

    print(f"\n[1] RSA of {n_pairs:,} random 92-item RDM pairs")
    rng = np.random.default_rng(0)
    a, b = random_rdms(rng, n_pairs, 92), random_rdms(rng, n_pairs, 92)
    ra, rb = rsatoolbox.rdm.RDMs(a), rsatoolbox.rdm.RDMs(b)
    for method, label in (("spearman", "spearman"), ("cosine_cov", "whitened cosine")):
        # pairs: RDM i of a vs RDM i of b
        t_ours, ours = timed(lambda m=method: cm.rsa_paired(a, b, m), repeat=3)

        def theirs_pairs(m: str = method) -> np.ndarray:
            return np.array([rsatoolbox.rdm.compare(ra[i], rb[i], m)[0, 0]
                             for i in range(n_pairs)])

        t_ref, ref = timed(theirs_pairs)
        report(f"{label}, {n_pairs} pairs (one call vs a loop)", t_ours, t_ref, "rsatoolbox",
               float(np.max(np.abs(ours - ref))))
        # all-vs-all in one call on both sides (rsatoolbox's vectorised form)
        t_ours, ours = timed(lambda m=method: cm.rsa(a, b, m), repeat=2)
        t_ref, ref = timed(lambda m=method: rsatoolbox.rdm.compare(ra, rb, m))
        report(f"{label}, {n_pairs}x{n_pairs} all-vs-all", t_ours, t_ref, "rsatoolbox",
               float(np.max(np.abs(ours - ref))))


def _rsa92() -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from cogalign.data import load

        stack = load("rsa92", download=False, progress=False)
        behaviour = stack.select("behaviour").rdms
        models = stack.select("model")
        idx = list(models.names).index("monkeyIT")
        return behaviour, models.rdms[idx], "rsa92 (16 participants vs monkeyIT model)"
    except Exception as exc:  # noqa: BLE001 - any failure: fall back to random data
        print(f"  (rsa92 not available: {type(exc).__name__}; random RDMs of the same shape)")
        rng = np.random.default_rng(1)
        iu, ju = np.triu_indices(92, 1)
        sq = np.zeros((17, 92, 92))
        v = random_rdms(rng, 17, 92)
        sq[:, iu, ju] = v
        sq[:, ju, iu] = v
        return sq[:16], sq[16], "random 92-item RDMs (16 vs 1)"


def bench_bootstrap(n_boot: int) -> None:
    """Item bootstrap of Spearman RSA on the 92-image data against rsatoolbox."""
    import rsatoolbox

    data, model, what = _rsa92()
    print(f"\n[2] {n_boot:,}-sample item bootstrap of spearman RSA, {what}")
    rdata = rsatoolbox.rdm.RDMs(data)
    rmodel = rsatoolbox.model.ModelFixed("model", rsatoolbox.rdm.RDMs(model[None]))

    def theirs() -> np.ndarray:
        np.random.seed(0)  # noqa: NPY002 - rsatoolbox samples from the global generator
        res = rsatoolbox.inference.eval_bootstrap_pattern(
            rmodel, rdata, method="spearman", N=n_boot, boot_noise_ceil=False)
        return res.evaluations[:, 0]

    np.random.seed(0)  # noqa: NPY002 - replay rsatoolbox's draws
    draws = np.stack([np.random.randint(0, 92, size=92) for _ in range(n_boot)])  # noqa: NPY002
    t_ref, ref = timed(theirs)
    t_ours, ours = timed(lambda: cm.bootstrap_rsa(data, model, "spearman", item_samples=draws),
                         repeat=2)
    report(f"bootstrap, {n_boot} samples (same draws)", t_ours, t_ref, "rsatoolbox",
           float(np.max(np.abs(ours.samples[:, 0] - ref))))
    t_seed, res = timed(lambda: cm.bootstrap_rsa(data, model, "spearman", n_boot=n_boot,
                                                 seed=0))
    print(f"  ours with its own seeded draws: {t_seed:.3f} s; estimate {res.estimate[0]:.4f}, "
          f"95% CI [{res.ci_low[0]:.4f}, {res.ci_high[0]:.4f}]")


def _reference_cka(x: np.ndarray, y: np.ndarray, kernel: str) -> float:
    """Plain formula: CKA = HSIC(K,L)/sqrt(HSIC(K,K) HSIC(L,L)), HSIC = tr(K H L H)."""

    def gram(z: np.ndarray) -> np.ndarray:
        if kernel == "linear":
            return z @ z.T
        sq = np.einsum("ij,ij->i", z, z)
        d = sq[:, None] + sq[None, :] - 2 * (z @ z.T)
        np.maximum(d, 0, out=d)
        med = np.median(d[~np.eye(len(z), dtype=bool)])
        return np.exp(-d / (2 * med))

    def centre(k: np.ndarray) -> np.ndarray:
        r = k.mean(axis=0)
        return k - r[None, :] - r[:, None] + r.mean()

    kc, lc = centre(gram(x)), centre(gram(y))
    return float(np.sum(kc * lc) / np.sqrt(np.sum(kc * kc) * np.sum(lc * lc)))


def bench_cka(n: int, p: int) -> None:
    """Linear and RBF CKA against the plain Gram-matrix formula."""
    print(f"\n[3] CKA on {n:,} x {p:,} matrices (reference: plain Gram-matrix formula)")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(n, p))
    y = np.tanh(x @ (rng.normal(size=(p, p)) / np.sqrt(p))) + 0.5 * rng.normal(size=(n, p))
    for kernel in ("linear", "rbf"):
        t_ours, ours = timed(lambda k=kernel: cm.cka(x, y, k))
        t_ref, ref = timed(lambda k=kernel: _reference_cka(x, y, k))
        report(f"{kernel} CKA = {ours:.6f}", t_ours, t_ref, "reference", abs(ours - ref))


def bench_rdm(n: int, p: int) -> None:
    """RDMs from an embedding against scipy and rsatoolbox."""
    import rsatoolbox

    print(f"\n[4] RDM from a {n:,} x {p} embedding")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, p))
    ds = rsatoolbox.data.Dataset(x)
    for metric in ("euclidean", "correlation"):
        t_ours, ours = timed(lambda m=metric: cm.rdm_from_embedding(x, m), repeat=2)
        t_ref, ref = timed(lambda m=metric: pdist(x, m))
        report(f"{metric} (scipy pdist)", t_ours, t_ref, "scipy", float(np.max(np.abs(ours - ref))))
    t_ours, ours = timed(lambda: cm.rdm_from_embedding(x, "sqeuclidean") / p, repeat=2)
    t_ref, ref = timed(lambda: rsatoolbox.rdm.calc_rdm(ds, method="euclidean").get_vectors()[0])
    report("squared euclidean / p (rsatoolbox calc_rdm)", t_ours, t_ref, "rsatoolbox",
           float(np.max(np.abs(ours - ref))))
    t_ours, ours = timed(lambda: cm.rdm_from_embedding(x, "correlation"), repeat=2)
    t_ref, ref = timed(lambda: rsatoolbox.rdm.calc_rdm(ds, method="correlation").get_vectors()[0])
    report("correlation (rsatoolbox calc_rdm)", t_ours, t_ref, "rsatoolbox",
           float(np.max(np.abs(ours - ref))))


# ------------------------------------------------------------------------------------------

_MEMORY_CHILD = r"""
import json, resource, sys, time
import numpy as np
import cogalign.metrics as cm


def peak_kb():
    # VmHWM is the peak resident set of this process image; ru_maxrss can carry the
    # parent's peak across fork + exec
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


n, p, case = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(4)
x = rng.normal(size=(n, p)).astype(np.float32)
y = np.tanh(x[:, : p // 2]) + rng.normal(size=(n, p // 2)).astype(np.float32)
base = peak_kb()
t0 = time.perf_counter()
if case == "build":
    a = cm.rdm_from_embedding(x, "euclidean", dtype=np.float32)
    value = float(a[:1000].mean())
elif case == "compare":
    a = cm.rdm_from_embedding(x, "euclidean", dtype=np.float32)
    b = cm.rdm_from_embedding(y, "correlation", dtype=np.float32)
    # a is ours to overwrite: its ranks replace its values in place
    value = [cm.rsa_large(a, b, "pearson"), cm.rsa_large(a, b, "spearman", overwrite_a=True)]
elif case == "stream_pearson":
    value = cm.rsa_embeddings(x, y, "euclidean", "pearson", metric_y="correlation")
else:
    value = cm.rsa_embeddings(x, y, "euclidean", "spearman", metric_y="correlation")
el = time.perf_counter() - t0
print(json.dumps({"seconds": el, "peak_kb": peak_kb(), "base_kb": base, "value": value}))
"""


def bench_memory(n: int, p: int, only: tuple[str, ...] | None = None) -> None:
    """Peak memory of the large-RDM functions."""
    pairs = n * (n - 1) // 2
    print(f"\n[5] Peak memory, {n:,} items x {p} features: {pairs:,} pairs "
          f"({pairs * 4 / 1e9:.2f} GB per condensed float32 RDM)")
    cases = {
        "build": "build one condensed float32 RDM",
        "compare": "build two, rsa_large pearson + spearman",
        "stream_pearson": "rsa_embeddings pearson (no RDM stored)",
        "stream": "rsa_embeddings spearman",
    }
    for case, label in cases.items():
        if only is not None and case not in only:
            continue
        out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(n), str(p), case],
                             capture_output=True, text=True, env=os.environ)
        if out.returncode != 0:
            print(f"  {label}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        value = r["value"]
        shown = (", ".join(f"{v:.4f}" for v in value) if isinstance(value, list)
                 else f"{value:.4f}")
        print(f"  {label:<44} {r['seconds']:8.1f} s   peak RSS {r['peak_kb'] / 1e6:6.2f} GB "
              f"(before: {r['base_kb'] / 1e6:.2f} GB, Python + inputs)   value {shown}",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the metric benchmarks chosen on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    parser.add_argument("--sections", default="12345",
                        help="which sections to run, e.g. 125 (default: all)")
    args = parser.parse_args(argv)
    q = args.quick
    print(f"cogalign.metrics benchmark ({'quick' if q else 'full'} sizes); numpy "
          f"{np.__version__}; {os.cpu_count()} CPUs; "
          f"max RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    if "1" in args.sections:
        bench_rsa(200 if q else 1000)
    if "2" in args.sections:
        bench_bootstrap(200 if q else 1000)
    if "3" in args.sections:
        bench_cka(*((2000, 200) if q else (10_000, 1000)))
    if "4" in args.sections:
        bench_rdm(*((600, 128) if q else (1854, 768)))
    if "5" in args.sections:
        bench_memory(*((4000, 256) if q else (26_107, 768)))


if __name__ == "__main__":
    main()
