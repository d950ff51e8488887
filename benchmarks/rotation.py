"""Cube-object rendering speed: cogalign's NumPy z-buffer renderer vs per-cube matplotlib.

Both draw the same Shepard-Metzler objects (10 cubes, 4 arms) in the same random poses,
orthographic, shaded faces with edge lines, at 64 and 128 pixels. The reference is the
straightforward way with matplotlib: one ``Poly3DCollection`` of six faces per cube on a 3-D
axes (orthographic projection), the canvas drawn with the Agg backend and read back as an
array, one image at a time. Printed: images per second of each in one process - per second of
the process's CPU time (what the code costs, whatever else runs on the machine) and per second
of wall-clock time - their ratio, and cogalign's wall-clock images per second with the batch
split over ``--workers`` processes (every process single-threaded: OMP/MKL/BLAS threads 1;
torch is not used).

    python benchmarks/rotation.py            # 2,048 images per size, 2 workers
    python benchmarks/rotation.py --quick    # small, for a smoke run
"""

from __future__ import annotations

import argparse
import os
import time

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402


def _batch(n: int, seed: int):
    from cogalign.rotation.objects import generate_objects, rotation_matrix
    from cogalign.rotation.renderer import DEFAULT_POSE

    rng = np.random.default_rng(seed)
    objects = generate_objects(32, seed=seed)
    picks = [objects[i % len(objects)] for i in range(n)]
    poses = np.stack([rotation_matrix(rng.normal(size=3), rng.uniform(0, 360)) @ DEFAULT_POSE
                      for _ in range(n)])
    return picks, poses


def _ours(args):
    from cogalign.rotation.renderer import render

    objects, poses, size = args
    return render(objects, poses, size=size)


def ours_rate(objects, poses, size: int, workers: int, repeats: int = 3) -> tuple[float, float]:
    """Images per second of :func:`cogalign.rotation.renderer.render` (best of ``repeats``).

    ``(per CPU second, per wall second)`` in one process, or ``(nan, per wall second)`` over
    ``workers`` processes.
    """
    from concurrent.futures import ProcessPoolExecutor

    n = len(objects)
    if workers <= 1:
        _ours((objects[:8], poses[:8], size))
        cpu = wall = np.inf
        for _ in range(repeats):
            c0, w0 = time.process_time(), time.perf_counter()
            _ours((objects, poses, size))
            cpu = min(cpu, time.process_time() - c0)
            wall = min(wall, time.perf_counter() - w0)
        return n / cpu, n / wall
    cut = np.array_split(np.arange(n), workers * 4)
    jobs = [([objects[i] for i in c], poses[c], size) for c in cut]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_ours, jobs[:workers]))  # warm up every worker
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            list(pool.map(_ours, jobs))
            best = min(best, time.perf_counter() - start)
    return float("nan"), n / best


def matplotlib_rate(objects, poses, size: int, seconds: float) -> tuple[float, float]:
    """Images per second of the per-cube matplotlib reference (time-boxed).

    Returns ``(per CPU second, per wall second)``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    unit = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0],
                     [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], dtype=float)
    faces = [[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 5, 4], [2, 3, 7, 6], [1, 2, 6, 5], [0, 3, 7, 4]]
    fig = plt.figure(figsize=(1, 1), dpi=size)
    ax = fig.add_axes((0, 0, 1, 1), projection="3d", proj_type="ortho")
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds and done < len(objects):
        obj, pose = objects[done], poses[done]
        ax.cla()
        ax.set_axis_off()
        r = obj.radius
        for cube in obj.cubes:
            verts = ((unit + cube - obj.centre) @ pose.T)[:, [0, 2, 1]]  # y up on screen
            ax.add_collection3d(Poly3DCollection([verts[f] for f in faces], facecolors="0.8",
                                                 edgecolors="k", linewidths=0.5))
        ax.set_xlim(-r, r)
        ax.set_ylim(-r, r)
        ax.set_zlim(-r, r)
        ax.view_init(elev=0, azim=-90)
        fig.canvas.draw()
        np.asarray(fig.canvas.buffer_rgba())
        done += 1
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    plt.close(fig)
    return done / cpu, done / elapsed


def main() -> None:
    """Time both renderers at each size and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--n-images", type=int, default=2048)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reference-seconds", type=float, default=20.0,
                        help="time budget of the matplotlib reference per size")
    args = parser.parse_args()
    if args.quick:
        args.n_images, args.reference_seconds = 128, 3.0
    objects, poses = _batch(args.n_images, seed=0)
    print(f"{args.n_images} images per size; threads per process: "
          f"OMP {os.environ['OMP_NUM_THREADS']}, MKL {os.environ['MKL_NUM_THREADS']}, "
          f"BLAS {os.environ['OPENBLAS_NUM_THREADS']}; torch not used; {os.cpu_count()} CPUs")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for size in (64, 128):
        cpu, wall = ours_rate(objects, poses, size, workers=1)
        many = ours_rate(objects, poses, size, workers=args.workers)[1] if args.workers > 1 else wall
        ref_cpu, ref_wall = matplotlib_rate(objects, poses, size, args.reference_seconds)
        print(f"{size:>4} px, 1 process: cogalign {cpu:7.0f} images per CPU s ({wall:7.0f} per "
              f"wall s); matplotlib per cube {ref_cpu:5.1f} per CPU s ({ref_wall:5.1f} per wall s); "
              f"ratio {cpu / ref_cpu:4.0f}x (CPU), {wall / ref_wall:4.0f}x (wall)")
        print(f"{size:>4} px, {args.workers} processes: cogalign {many:7.0f} images per wall s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
