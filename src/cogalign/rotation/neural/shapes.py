"""The shapes the neural model learns from, and their symbolic descriptions.

:func:`all_shapes` enumerates every Shepard-Metzler chain of a size (all arm-length
compositions and all turn sequences), keeps the valid chiral ones and one representative per
pair of mirror images, so the training and held-out sets can be split by *shape*: a held-out
shape is never seen in training, in either handedness.

The symbolic description the network learns is an object's **arm code in canonical reading
order**: the arms read from the end the canonical code starts from
(:meth:`cogalign.rotation.objects.CubeObject.canonical_code`), each a direction and a number
of cubes. :func:`arm_targets` gives, for an object in a pose, each arm's direction in the
camera frame and its length; :func:`code_from_arms` turns such a (predicted) description
into the object-centred code by expressing every arm in the frame that its first two arms
define (first arm along ``B``, second along ``D``), which is exactly how the canonical code is
read. Two views of one object therefore give one code, and a chiral object's mirror image a
different one.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from cogalign.errors import CogalignError
from cogalign.rotation.objects import DIRECTIONS, CubeObject, InvalidObjectError

__all__ = [
    "ArmTargets",
    "all_shapes",
    "arm_targets",
    "canonical_arms",
    "code_from_arms",
    "max_arm_length",
    "split_shapes",
]

_LETTER = {v: k for k, v in DIRECTIONS.items()}


def max_arm_length(n_cubes: int, n_arms: int) -> int:
    """Longest arm of a chain of ``n_cubes`` in ``n_arms`` arms (every arm at least 1)."""
    return n_cubes - 1 - (n_arms - 1)


def _arms(obj: CubeObject) -> list[tuple[np.ndarray, int]]:
    steps = np.diff(obj.cubes, axis=0)
    out: list[list] = []
    for s in steps:
        if out and np.array_equal(out[-1][0], s):
            out[-1][1] += 1
        else:
            out.append([s, 1])
    return [(np.asarray(d, dtype=float), int(n)) for d, n in out]


def _frame_code(dirs: list[np.ndarray], lengths: list[int]) -> str:
    """The code of arms seen in the frame where arm 1 runs along B and arm 2 along D."""
    z = -dirs[0] / np.linalg.norm(dirs[0])
    y = dirs[1] - np.dot(dirs[1], z) * z
    y = -y / max(np.linalg.norm(y), 1e-9)
    x = np.cross(y, z)
    tokens = []
    for d, n in zip(dirs, lengths, strict=True):
        c = np.array([np.dot(d, x), np.dot(d, y), np.dot(d, z)])
        k = int(np.argmax(np.abs(c)))
        unit = [0, 0, 0]
        unit[k] = 1 if c[k] > 0 else -1
        tokens.append(f"{_LETTER[tuple(unit)]}{n}")
    return " ".join(tokens)


def canonical_arms(obj: CubeObject) -> tuple[str, list[int]]:
    """The canonical code of an object and the reading(s) that give it.

    Returns
    -------
    code, readings
        The code (equal to :meth:`CubeObject.canonical_code`), and which chain readings
        give it: ``0`` from the first cube, ``1`` from the last (both for a chain that is the
        same read either way).
    """
    arms = _arms(obj)
    if len(arms) < 2:
        raise CogalignError("a symbolic description needs at least 2 arms")
    forward = ([d for d, _ in arms], [n for _, n in arms])
    backward = ([-d for d, _ in arms[::-1]], [n for _, n in arms[::-1]])
    codes = [_frame_code(*forward), _frame_code(*backward)]
    best = min(codes)
    return best, [i for i, c in enumerate(codes) if c == best]


class ArmTargets:
    """What the symbolic stage must say about one object in one pose.

    Attributes
    ----------
    vectors
        ``(2, k, 3)``: each arm's unit direction in the camera frame, for the two chain
        readings (from the first cube, from the last).
    lengths
        ``(2, k)`` cubes per arm, in the same two readings.
    valid
        ``(2,)``: which readings the symbolic loss accepts. Both: the code is read from
        either end and the canonical one kept (:func:`code_from_arms`), so the network need
        not learn which end the canonical reading starts from.
    code
        The canonical (object-centred) code.
    """

    __slots__ = ("code", "lengths", "valid", "vectors")

    def __init__(self, vectors: np.ndarray, lengths: np.ndarray, valid: np.ndarray, code: str):
        self.vectors, self.lengths, self.valid, self.code = vectors, lengths, valid, code


def arm_targets(obj: CubeObject, pose: np.ndarray) -> ArmTargets:
    """The symbolic description of ``obj`` seen in ``pose`` (object to camera rotation).

    Parameters
    ----------
    obj
        The object.
    pose
        ``(3, 3)`` rotation from object to camera coordinates.

    Returns
    -------
    ArmTargets
    """
    arms = _arms(obj)
    dirs = np.stack([d for d, _ in arms])
    lengths = np.array([n for _, n in arms])
    code, _ = canonical_arms(obj)
    cam = dirs @ np.asarray(pose, dtype=float).T
    vectors = np.stack([cam, -cam[::-1]])
    lens = np.stack([lengths, lengths[::-1]])
    valid = np.array([True, True])
    return ArmTargets(vectors, lens, valid, code)


def code_from_arms(vectors: np.ndarray, lengths: np.ndarray) -> str:
    """The object-centred code of a description, read canonically from either end.

    The arms are expressed in the frame of the first two arms of a reading; of the two
    readings (from the first arm, and from the last arm backwards) the smaller code is kept,
    as :meth:`~cogalign.rotation.objects.CubeObject.canonical_code` does.

    Parameters
    ----------
    vectors
        ``(k, 3)`` arm directions (any frame; need not be exactly unit or orthogonal).
    lengths
        ``(k,)`` cubes per arm.

    Returns
    -------
    str
        E.g. ``"B1 D3 R2 D3"``; for an exact description (read from either end) this is the
        canonical code.
    """
    v = np.asarray(vectors, dtype=float)
    n = [int(k) for k in lengths]
    return min(_frame_code(list(v), n), _frame_code(list(-v[::-1]), n[::-1]))


@lru_cache(maxsize=8)
def all_shapes(n_cubes: int = 10, n_arms: int = 4) -> tuple[CubeObject, ...]:
    """Every chiral Shepard-Metzler shape of a size, one per mirror pair, in a fixed order.

    Parameters
    ----------
    n_cubes, n_arms
        Size of the chains (Shepard & Metzler: 10 cubes in 4 arms, 147 shapes).

    Returns
    -------
    tuple of CubeObject
        Named ``shape-1``, ``shape-2``, ... in the order of their canonical codes.
    """
    if n_arms < 3 or n_cubes - 1 < n_arms:
        raise CogalignError(f"need at least 3 arms and one cube per arm, got {n_cubes} cubes "
                            f"in {n_arms} arms")
    seen: dict[str, tuple[str, CubeObject]] = {}
    axes = np.eye(3, dtype=np.int64)
    for cuts in itertools.combinations(range(1, n_cubes - 1), n_arms - 1):
        lengths = np.diff((0, *cuts, n_cubes - 1))
        for turns in itertools.product(range(4), repeat=n_arms - 1):
            steps = [axes[0]]
            for t in turns:
                prev = int(np.flatnonzero(steps[-1])[0])
                options = [s * axes[a] for a in range(3) if a != prev for s in (1, -1)]
                steps.append(options[t])
            cubes = [np.zeros(3, dtype=np.int64)]
            for step, n in zip(steps, lengths, strict=True):
                for _ in range(int(n)):
                    cubes.append(cubes[-1] + step)
            try:
                obj = CubeObject(np.stack(cubes))
            except InvalidObjectError:
                continue
            code = canonical_arms(obj)[0]
            mirror = canonical_arms(obj.mirror())[0]
            if code == mirror:
                continue
            key = min(code, mirror)
            if key not in seen:
                seen[key] = (code, obj if code == key else obj.mirror())
    out = []
    for k, key in enumerate(sorted(seen), start=1):
        out.append(CubeObject(seen[key][1].cubes, name=f"shape-{k}"))
    return tuple(out)


def split_shapes(shapes: tuple[CubeObject, ...], test_fraction: float, seed: int
                 ) -> tuple[list[CubeObject], list[CubeObject]]:
    """Split shapes into training and held-out sets (seeded; both handednesses go together).

    Parameters
    ----------
    shapes
        From :func:`all_shapes`.
    test_fraction
        Share of shapes held out (at least one shape on each side).
    seed
        Seed of the split.

    Returns
    -------
    train, held_out
    """
    if not 0.0 < test_fraction < 1.0:
        raise CogalignError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    n_test = min(max(1, round(test_fraction * len(shapes))), len(shapes) - 1)
    order = np.random.default_rng(seed).permutation(len(shapes))
    test = set(order[:n_test].tolist())
    return ([s for i, s in enumerate(shapes) if i not in test],
            [s for i, s in enumerate(shapes) if i in test])
