"""SPoSE training speed and accuracy: cogalign's batched loop vs the original per-batch loop.

Both fit the same simulated triplets (1,000,000 over 1,854 items by default) in the same run.
The reference re-implements the original training loop: mini-batches of 100 triplets, one
Python iteration per batch, the same loss and non-negativity projection. Printed: triplets per
second per epoch, held-out accuracy next to the generating embedding's, the ratio, and peak
memory for training on a THINGS-sized set (4.7M triplets).

    python benchmarks/triplets.py                       # full size, 1 torch thread
    python benchmarks/triplets.py --threads 2           # both cores
    python benchmarks/triplets.py --busy 2              # under load: 2 busy processes beside it
    python benchmarks/triplets.py --busy 1 --busy-kind memory   # a neighbour that streams memory
    python benchmarks/triplets.py --quick               # small, for a smoke run

The load average at the start and the end is printed with the figures: the ratio is the one to
quote, as both loops run in the same process under the same load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time

import numpy as np


def reference_nll(weights, batch):
    """The original loss: three dot products per triplet, log-softmax, mean over the batch.

    Kept here, apart from the library's kernels, so that speeding those up does not move the
    reference.
    """
    import torch

    n = batch.shape[0]
    a, b, c = torch.index_select(weights, 0, batch.reshape(-1)).view(n, 3, -1).unbind(1)
    logits = torch.stack([(a * b).sum(-1), (a * c).sum(-1), (b * c).sum(-1)], dim=-1)
    return (torch.logsumexp(logits, dim=-1) - logits[:, 0]).mean()


def reference_epoch(weights, triplets, l1, lr_opt, batch_size=100):
    """One epoch of the original loop: batch of 100, per-batch Python iteration."""
    import torch

    n = len(triplets)
    order = torch.randperm(n)
    for start in range(0, n, batch_size):
        batch = triplets[order[start : start + batch_size]]
        lr_opt.zero_grad()
        loss = reference_nll(weights, batch) + l1 * weights.sum()
        loss.backward()
        lr_opt.step()
        with torch.no_grad():
            weights.clamp_(min=0)


def _spin() -> None:
    """Keep one core busy (the load of another user's job)."""
    while True:
        pass


def _stream() -> None:
    """Keep one core busy copying 64 MB arrays: it also competes for the cache and memory."""
    a = np.ones(8_000_000)
    b = np.empty_like(a)
    while True:
        np.copyto(b, a)


def start_load(n: int, kind: str = "spin") -> list[multiprocessing.Process]:
    """Start ``n`` busy processes; terminate them with :func:`stop_load`."""
    target = _stream if kind == "memory" else _spin
    procs = [multiprocessing.Process(target=target, daemon=True) for _ in range(n)]
    for proc in procs:
        proc.start()
    return procs


def stop_load(procs: list[multiprocessing.Process]) -> None:
    """Terminate the busy processes."""
    for proc in procs:
        proc.terminate()
        proc.join()


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Train SPoSE and the reference loop on the same data and print the ratio."""
    import torch

    from cogalign.metrics.triplets import odd_one_out_probabilities
    from cogalign.triplets import SPoSE, simulate_triplets, sparse_embedding, split_by_triplet
    from cogalign.triplets.arrays import odd_last

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--n-triplets", type=int, default=1_000_000)
    parser.add_argument("--reference-seconds", type=float, default=60.0,
                        help="time budget for the reference loop (its epoch is extrapolated)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--busy", type=int, default=0,
                        help="busy processes to run beside the benchmark (load)")
    parser.add_argument("--busy-kind", choices=["spin", "memory"], default="spin",
                        help="what the busy processes do: spin on the CPU, or copy 64 MB arrays "
                             "(competing for the cache and memory bandwidth as well)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = start_load(args.busy, args.busy_kind)
    n_items, n_true, n_trip = 1854, 20, args.n_triplets
    if args.quick:
        n_items, n_trip, args.reference_seconds = 300, 50_000, 5.0
    truth = sparse_embedding(n_items, n_true, density=0.2, seed=0)
    table = simulate_triplets(truth, n_trip, seed=1)
    train, test = split_by_triplet(table, 0.1, seed=0)
    test_t = table.iloc[test]
    shown = test_t[["item_1", "item_2", "item_3"]].to_numpy()
    a, b, c = truth[shown[:, 0]], truth[shown[:, 1]], truth[shown[:, 2]]
    s = np.stack([(b * c).sum(1), (a * c).sum(1), (a * b).sum(1)], 1)
    truth_acc = np.mean(shown[np.arange(len(shown)), s.argmax(1)] == test_t["response"].to_numpy())
    print(f"simulated {n_trip:,} triplets over {n_items:,} items, {n_true} true dimensions; "
          f"torch threads {torch.get_num_threads()}; {args.busy} busy processes ({args.busy_kind}) "
          f"beside it; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"generating embedding held-out accuracy: {truth_acc:.4f}")

    start = time.perf_counter()
    model = SPoSE(n_dims=50, n_items=n_items, progress=False, seed=0, threads=None)
    model.fit(table.iloc[train])
    ours_s = time.perf_counter() - start
    epochs = len(model.history_.val_nll)
    ours_rate = len(train) * 0.9 * epochs / ours_s
    print(f"cogalign SPoSE: {epochs} epochs in {ours_s:.1f} s, {ours_rate:,.0f} triplets/s, "
          f"held-out accuracy {model.score(test_t):.4f}, {model.n_dims_} dimensions kept")

    # the reference loop: time-boxed, then extrapolated to one epoch
    data = torch.as_tensor(odd_last(table.iloc[train]))
    gen = torch.Generator().manual_seed(0)
    weights = (np.sqrt(2 / 50) + 0.01 * torch.randn(n_items, 50, generator=gen)).clamp_min(0)
    weights.requires_grad_(True)
    opt = torch.optim.Adam([weights], lr=0.001)
    done, start = 0, time.perf_counter()
    chunk = 100 * 200
    while time.perf_counter() - start < args.reference_seconds and done < len(data):
        part = data[done : done + chunk]
        reference_epoch(weights, part, model.l1 / n_items, opt)
        done += len(part)
    ref_s = time.perf_counter() - start
    ref_rate = done / ref_s
    print(f"reference loop (batch 100): {ref_rate:,.0f} triplets/s "
          f"({done:,} triplets in {ref_s:.1f} s; one epoch would take {len(data) / ref_rate:.0f} s)")
    print(f"speed ratio cogalign / reference: {ours_rate / ref_rate:.1f}x")
    ref_embedding = weights.detach().numpy().astype(np.float64)
    p_ref = odd_one_out_probabilities(ref_embedding, shown, similarity="dot")
    ref_acc = np.mean(shown[np.arange(len(shown)), p_ref.argmax(1)] == test_t["response"].to_numpy())
    print(f"reference loop after its {ref_s:.0f} s: held-out accuracy {ref_acc:.4f} "
          f"(cogalign after the same time budget: see the epochs above)")
    print(f"load average at the end of the timed part: {os.getloadavg()[0]:.2f}")
    stop_load(load)

    n_things = 4_700_000 if not args.quick else 200_000
    big = np.random.default_rng(0).integers(0, 1854, size=(n_things, 3), dtype=np.int64)
    big = big[(big[:, 0] != big[:, 1]) & (big[:, 0] != big[:, 2]) & (big[:, 1] != big[:, 2])]
    before = peak_rss_mb()
    SPoSE(n_dims=100, n_items=1854, epochs=1, progress=False).fit(big)
    print(f"THINGS-sized training set ({len(big):,} triplets, 1 epoch): peak RSS "
          f"{peak_rss_mb():.0f} MB (before: {before:.0f} MB)")


if __name__ == "__main__":
    main()
