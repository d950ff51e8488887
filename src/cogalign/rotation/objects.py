"""Shepard-Metzler objects: chains of unit cubes, their mirror images, codes and validity.

An object is a chain of face-connected unit cubes on the integer lattice (Shepard & Metzler
1971): ``cubes[i]`` and ``cubes[i + 1]`` share a face. The chain runs in straight *arms*; its
*arm code* lists each arm as a direction letter and the number of cubes it adds, e.g.
``F2 U3 R2 U2`` is 10 cubes in 4 arms. Directions are in a right-handed frame: ``R``/``L``
along +x/-x (right/left), ``U``/``D`` along +y/-y (up/down), ``F``/``B`` along +z/-z (toward
the viewer / away from the viewer).

Validity (:func:`check_cubes`): no two cubes overlap, consecutive cubes share a face (the
chain is not broken), and non-consecutive cubes do not share a face (the chain never folds
back against itself, so its path is unambiguous). A *chiral* object is one whose mirror image
is not a rotation of it (:meth:`CubeObject.is_chiral`); the same/mirror task needs chiral
objects. Two objects are the same shape when one is a rotation (and translation) of the other
(:meth:`CubeObject.same_shape`), decided on a canonical form over the 24 rotations of the
cube.

The :attr:`CubeObject.code` describes the chain in the frame its coordinates are given in;
:meth:`CubeObject.canonical_code` in an *object-centred* frame: the code's reading is the
same whatever rotation of the object it is computed from (and whichever end the chain is
read from), and different for a chiral object's mirror image.

References
----------
Shepard, R. N. & Metzler, J. (1971). Mental rotation of three-dimensional objects.
*Science*, 171(3972), 701-703.

Peters, M. & Battista, C. (2008). Applications of mental rotation figures of the Shepard and
Metzler type and description of a mental rotation stimulus library. *Brain and Cognition*,
66(3), 260-264.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from cogalign.errors import CogalignError

__all__ = [
    "DIRECTIONS",
    "ROTATIONS_24",
    "CubeObject",
    "InvalidObjectError",
    "check_cubes",
    "cubes_from_code",
    "distinct_shapes",
    "generate_object",
    "generate_objects",
    "rotation_matrix",
    "view_code",
]

#: Unit direction of each arm letter (x right, y up, z toward the viewer).
DIRECTIONS: dict[str, tuple[int, int, int]] = {
    "R": (1, 0, 0), "L": (-1, 0, 0),
    "U": (0, 1, 0), "D": (0, -1, 0),
    "F": (0, 0, 1), "B": (0, 0, -1),
}
_LETTER = {v: k for k, v in DIRECTIONS.items()}
_CODE_TOKEN = re.compile(r"^([RLUDFB])(\d+)$")


class InvalidObjectError(CogalignError):
    """A cube object breaks a validity rule; the message names the cube and why."""


def _rotations_24() -> np.ndarray:
    mats = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            m = np.zeros((3, 3), dtype=np.int64)
            for row, (col, s) in enumerate(zip(perm, signs, strict=True)):
                m[row, col] = s
            if round(np.linalg.det(m)) == 1:
                mats.append(m)
    return np.stack(mats)


#: The 24 proper rotations of the cube (integer matrices with determinant +1).
ROTATIONS_24: np.ndarray = _rotations_24()


def rotation_matrix(axis: str | Sequence[float], angle: float) -> np.ndarray:
    """Rotation by ``angle`` degrees about ``axis`` (right-hand rule), as a 3x3 matrix.

    Parameters
    ----------
    axis
        ``"x"``, ``"y"`` (vertical: a rotation in depth), ``"z"`` (the line of sight: a
        rotation in the picture plane), or any non-zero 3-vector.
    angle
        Angle in degrees.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` orthogonal matrix with determinant +1 (Rodrigues' formula).
    """
    if isinstance(axis, str):
        key = axis.strip().lower()
        if key not in ("x", "y", "z"):
            raise CogalignError(f"unknown rotation axis {axis!r}; use 'x', 'y', 'z' or a 3-vector")
        vec = np.eye(3)["xyz".index(key)]
    else:
        vec = np.asarray(axis, dtype=float)
        if vec.shape != (3,) or not np.all(np.isfinite(vec)) or np.linalg.norm(vec) == 0:
            raise CogalignError(f"a rotation axis must be a non-zero 3-vector, got {axis!r}")
        vec = vec / np.linalg.norm(vec)
    theta = np.deg2rad(float(angle))
    k = np.array([[0.0, -vec[2], vec[1]], [vec[2], 0.0, -vec[0]], [-vec[1], vec[0], 0.0]])
    return np.eye(3) + np.sin(theta) * k + (1.0 - np.cos(theta)) * (k @ k)


def check_cubes(cubes: np.ndarray, *, name: str = "object") -> None:
    """Raise :class:`InvalidObjectError` unless ``cubes`` is a valid chain.

    Parameters
    ----------
    cubes
        ``(n, 3)`` integer lattice positions, in chain order.
    name
        Name used in the message.

    Raises
    ------
    InvalidObjectError
        Naming the first cube (1-based, in chain order) that overlaps another, is not
        face-adjacent to the cube before it (a broken chain), or touches a non-neighbouring
        cube face to face.
    """
    if cubes.ndim != 2 or cubes.shape[1] != 3:
        raise InvalidObjectError(f"{name}: cube positions must be an (n, 3) array, got shape {cubes.shape}")
    if len(cubes) < 2:
        raise InvalidObjectError(f"{name}: an object needs at least 2 cubes, got {len(cubes)}")
    seen: dict[tuple[int, ...], int] = {}
    for i, c in enumerate(map(tuple, cubes.tolist())):
        if c in seen:
            raise InvalidObjectError(
                f"{name}: cube {i + 1} at {c} overlaps cube {seen[c] + 1} at the same position")
        seen[c] = i
    steps = np.abs(np.diff(cubes, axis=0)).sum(axis=1)
    for i in np.flatnonzero(steps != 1):
        raise InvalidObjectError(
            f"{name}: cube {i + 2} at {tuple(cubes[i + 1].tolist())} does not share a face with "
            f"cube {i + 1} at {tuple(cubes[i].tolist())} (broken chain)")
    dist = np.abs(cubes[:, None, :] - cubes[None, :, :]).sum(axis=2)
    touch = np.argwhere(np.triu(dist == 1, k=2))
    if len(touch):
        i, j = touch[0]
        raise InvalidObjectError(
            f"{name}: cube {j + 1} at {tuple(cubes[j].tolist())} touches cube {i + 1} at "
            f"{tuple(cubes[i].tolist())}, which is not its neighbour in the chain (the chain "
            "folds back on itself)")


def _parse_code(code: str) -> list[tuple[str, int]]:
    tokens = code.replace(",", " ").split()
    if not tokens:
        raise InvalidObjectError("an arm code needs at least one arm, e.g. 'F2 U3 R2 U2'")
    arms = []
    for k, tok in enumerate(tokens, start=1):
        m = _CODE_TOKEN.match(tok.upper())
        if not m or int(m.group(2)) < 1:
            raise InvalidObjectError(
                f"arm {k} {tok!r}: expected a direction letter (R L U D F B) and a count >= 1")
        arms.append((m.group(1), int(m.group(2))))
    return arms


def cubes_from_code(code: str, start: Sequence[int] = (0, 0, 0)) -> np.ndarray:
    """Cube positions of the chain an arm code describes.

    Parameters
    ----------
    code
        Arm code such as ``"F2 U3 R2 U2"`` (each arm adds that many cubes).
    start
        Position of the first cube.

    Returns
    -------
    numpy.ndarray
        ``(1 + sum of counts, 3)`` integer positions in chain order (not yet validated).
    """
    pos = np.asarray(start, dtype=np.int64).reshape(3)
    out = [pos.copy()]
    for letter, n in _parse_code(code):
        step = np.asarray(DIRECTIONS[letter], dtype=np.int64)
        for _ in range(n):
            pos = pos + step
            out.append(pos.copy())
    return np.stack(out)


def _arms(cubes: np.ndarray) -> list[tuple[tuple[int, int, int], int]]:
    steps = [tuple(s) for s in np.diff(cubes, axis=0).tolist()]
    arms: list[list] = []
    for s in steps:
        if arms and arms[-1][0] == s:
            arms[-1][1] += 1
        else:
            arms.append([s, 1])
    return [(tuple(a), int(n)) for a, n in arms]


def _code(cubes: np.ndarray) -> str:
    return " ".join(f"{_LETTER[d]}{n}" for d, n in _arms(cubes))


def _canonical_set(cubes: np.ndarray) -> bytes:
    """Smallest sorted, translated cube set over the 24 rotations: equal iff same shape."""
    best = None
    for rot in ROTATIONS_24:
        p = cubes @ rot.T
        p = p - p.min(axis=0)
        p = p[np.lexsort(p.T[::-1])]
        key = p.astype(np.int64).tobytes()
        if best is None or key < best:
            best = key
    assert best is not None
    return best


@dataclass(frozen=True, eq=False)
class CubeObject:
    """A Shepard-Metzler object: a valid chain of unit cubes.

    Parameters
    ----------
    cubes
        ``(n, 3)`` integer lattice positions in chain order (see :func:`check_cubes`).
    name
        Identifier (e.g. ``"m1"`` or ``"sm-7"``).

    Raises
    ------
    InvalidObjectError
        When the cubes overlap, the chain is broken or folds back on itself.

    Examples
    --------
    >>> obj = CubeObject.from_code("F2 U3 R2 U2", name="a")
    >>> obj.n_cubes, obj.n_arms, obj.code
    (10, 4, 'F2 U3 R2 U2')
    >>> obj.is_chiral()
    True
    """

    cubes: np.ndarray
    name: str = ""
    _key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        arr = np.asarray(self.cubes)
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                raise InvalidObjectError(f"{self.name or 'object'}: cube positions must be integers")
        elif arr.dtype.kind not in "iu":
            raise InvalidObjectError(f"{self.name or 'object'}: cube positions must be integers")
        arr = np.array(arr, dtype=np.int64)
        check_cubes(arr, name=self.name or "object")
        arr.setflags(write=False)
        object.__setattr__(self, "cubes", arr)
        object.__setattr__(self, "_key", arr.tobytes())

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_code(cls, code: str, *, start: Sequence[int] = (0, 0, 0), name: str = "") -> CubeObject:
        """The object an arm code describes, first cube at ``start``."""
        return cls(cubes_from_code(code, start), name=name)

    # ------------------------------------------------------------------ description
    @property
    def n_cubes(self) -> int:
        """Number of cubes."""
        return int(len(self.cubes))

    @property
    def n_arms(self) -> int:
        """Number of straight arms."""
        return len(_arms(self.cubes))

    @property
    def code(self) -> str:
        """Arm code in the frame the coordinates are given in, e.g. ``"F2 U3 R2 U2"``."""
        return _code(self.cubes)

    @property
    def centre(self) -> np.ndarray:
        """Mean of the cube centres (cube ``c`` spans ``c`` to ``c + 1``)."""
        return self.cubes.mean(axis=0) + 0.5

    @cached_property
    def radius(self) -> float:
        """Largest distance of a cube corner from :attr:`centre` (fits every rotation)."""
        corners = (self.cubes[:, None, :] + np.array(list(itertools.product((0, 1), repeat=3)))[None])
        return float(np.max(np.linalg.norm(corners.reshape(-1, 3) - self.centre, axis=1)))

    @cached_property
    def _canonical(self) -> bytes:
        return _canonical_set(self.cubes)

    def canonical_code(self) -> str:
        """Arm code in an object-centred frame.

        The lexicographically smallest code over the 24 rotations of the object and both
        reading directions of the chain: the same for every rotated copy of the object,
        different for the mirror image of a chiral object.
        """
        best = None
        for cubes in (self.cubes, self.cubes[::-1]):
            for rot in ROTATIONS_24:
                code = _code(cubes @ rot.T)
                if best is None or code < best:
                    best = code
        assert best is not None
        return best

    # ------------------------------------------------------------------ transforms
    def mirror(self, axis: str = "x") -> CubeObject:
        """The mirror image, reflected across the plane normal to ``axis``."""
        k = "xyz".index(axis)
        cubes = self.cubes.copy()
        cubes[:, k] = -cubes[:, k]
        return CubeObject(cubes, name=f"{self.name}-mirror" if self.name else "")

    def rotate90(self, rotation: np.ndarray) -> CubeObject:
        """The object turned by one of :data:`ROTATIONS_24` (stays on the lattice)."""
        rot = np.asarray(rotation)
        if rot.shape != (3, 3) or not any(np.array_equal(rot, r) for r in ROTATIONS_24):
            raise CogalignError("rotate90 takes one of the 24 lattice rotations (ROTATIONS_24)")
        return CubeObject(self.cubes @ rot.T, name=self.name)

    def same_shape(self, other: CubeObject) -> bool:
        """Whether ``other`` is a rotation (and translation) of this object."""
        return self._canonical == other._canonical

    def is_chiral(self) -> bool:
        """Whether the mirror image is *not* a rotation of the object."""
        return not self.same_shape(self.mirror())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CubeObject) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"CubeObject({label}{self.code!r}, start={tuple(self.cubes[0].tolist())})"


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _arm_lengths(n_steps: int, n_arms: int, min_arm: int, rng: np.random.Generator) -> list[int]:
    spare = n_steps - n_arms * min_arm
    cuts = np.sort(rng.integers(0, spare + 1, size=n_arms - 1))
    parts = np.diff(np.concatenate([[0], cuts, [spare]]))
    return [int(p) + min_arm for p in parts]


def generate_object(
    n_cubes: int = 10,
    n_arms: int = 4,
    *,
    seed: int | np.random.Generator | None = None,
    min_arm: int = 1,
    chiral: bool = True,
    name: str = "",
    max_tries: int = 10_000,
) -> CubeObject:
    """Draw a random valid Shepard-Metzler object.

    Arm lengths are a uniformly random composition of ``n_cubes - 1`` into ``n_arms`` parts of
    at least ``min_arm``; each arm turns 90 degrees from the one before (never straight on,
    never back). Draws that are invalid (:func:`check_cubes`) or, with ``chiral=True``, equal
    to their own mirror image up to rotation are redrawn.

    Parameters
    ----------
    n_cubes, n_arms
        Size of the object (Shepard & Metzler: 10 cubes in 4 arms).
    seed
        Seed or generator: the same seed gives the same object.
    min_arm
        Fewest cubes an arm adds.
    chiral
        Require the object to differ from its mirror image.
    name
        Name of the object.
    max_tries
        Draws before giving up.

    Raises
    ------
    CogalignError
        When the sizes are impossible or no valid object was drawn in ``max_tries``.
    """
    if n_arms < 1 or n_cubes < 2:
        raise CogalignError(f"need n_cubes >= 2 and n_arms >= 1, got {n_cubes} and {n_arms}")
    if min_arm < 1 or n_arms * min_arm > n_cubes - 1:
        raise CogalignError(
            f"{n_cubes} cubes cannot make {n_arms} arms of at least {min_arm} cube(s) each")
    if chiral and n_arms < 3:
        raise CogalignError("a chiral chain needs at least 3 arms (fewer lie in one plane)")
    rng = _rng(seed)
    axes = np.eye(3, dtype=np.int64)
    for _ in range(max_tries):
        lengths = _arm_lengths(n_cubes - 1, n_arms, min_arm, rng)
        pos = np.zeros(3, dtype=np.int64)
        cubes = [pos.copy()]
        prev_axis = -1
        for length in lengths:
            axis = int(rng.choice([a for a in range(3) if a != prev_axis]))
            step = axes[axis] * (1 if rng.random() < 0.5 else -1)
            prev_axis = axis
            for _ in range(length):
                pos = pos + step
                cubes.append(pos.copy())
        arr = np.stack(cubes)
        try:
            obj = CubeObject(arr, name=name)
        except InvalidObjectError:
            continue
        if chiral and not obj.is_chiral():
            continue
        return obj
    raise CogalignError(f"no valid object of {n_cubes} cubes in {n_arms} arms after {max_tries} draws")


def generate_objects(
    n: int,
    n_cubes: int = 10,
    n_arms: int = 4,
    *,
    seed: int | np.random.Generator | None = None,
    min_arm: int = 1,
    prefix: str = "sm",
    max_tries: int = 10_000,
) -> list[CubeObject]:
    """Draw ``n`` chiral objects that are all different shapes.

    No object is a rotation of another or of another's mirror image, so every
    same/mirror pair is unambiguous. Names are ``{prefix}-1``, ``{prefix}-2``, ...

    Parameters
    ----------
    n
        Number of objects.
    n_cubes, n_arms, min_arm, max_tries
        As in :func:`generate_object`.
    seed
        Seed or generator: the same seed gives the same list.
    prefix
        Name prefix.
    """
    rng = _rng(seed)
    out: list[CubeObject] = []
    keys: set[bytes] = set()
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > max_tries:
            raise CogalignError(
                f"found only {len(out)} distinct objects of {n_cubes} cubes in {n_arms} arms "
                f"after {max_tries} draws; ask for fewer or larger objects")
        obj = generate_object(n_cubes, n_arms, seed=rng, min_arm=min_arm,
                              name=f"{prefix}-{len(out) + 1}", max_tries=max_tries)
        if obj._canonical in keys:
            continue
        keys.add(obj._canonical)
        keys.add(obj.mirror()._canonical)
        out.append(obj)
    return out


def distinct_shapes(objects: Iterable[CubeObject]) -> bool:
    """Whether no object is a rotation of another (mirror images count as different)."""
    keys = [o._canonical for o in objects]
    return len(keys) == len(set(keys))


def view_code(obj: CubeObject, rotation: np.ndarray | None = None, *, decimals: int = 2) -> str:
    """The arm code of an object seen turned by ``rotation``, in the world frame.

    Each arm's direction is the rotated lattice direction: a letter when it lies along a
    world axis (to within ``10 ** -decimals``), otherwise the unit vector in brackets, e.g.
    ``[0.64,0,-0.77]2`` for an arm of two cubes. With ``rotation=None`` this is
    :attr:`CubeObject.code`.

    Parameters
    ----------
    obj
        The object.
    rotation
        ``(3, 3)`` rotation matrix (e.g. :func:`rotation_matrix`), applied to the object.
    decimals
        Decimals of the vector components.
    """
    rot = np.eye(3) if rotation is None else np.asarray(rotation, dtype=float)
    if rot.shape != (3, 3):
        raise CogalignError(f"a rotation must be a 3x3 matrix, got shape {rot.shape}")
    tol = 10.0 ** -decimals
    tokens = []
    for direction, n in _arms(obj.cubes):
        v = rot @ np.asarray(direction, dtype=float)
        near = np.round(v)
        if np.all(np.abs(v - near) < tol) and np.abs(near).sum() == 1:
            tokens.append(f"{_LETTER[tuple(int(x) for x in near)]}{n}")
        else:
            parts = ",".join("0" if abs(x) < tol else f"{x:.{decimals}f}".rstrip("0").rstrip(".")
                             for x in v)
            tokens.append(f"[{parts}]{n}")
    return " ".join(tokens)
