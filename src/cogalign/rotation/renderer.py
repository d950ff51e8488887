r"""An offline, deterministic renderer of cube objects: NumPy only, no display, no OpenGL.

:func:`render` draws a batch of objects, each in its own pose, into an array of images:
``(N, H, W)`` grey or ``(N, H, W, 3)`` colour, float in [0, 1] or uint8. It is a scanline
z-buffer over the *exposed* faces of the cubes (faces shared by two cubes are never drawn),
vectorised over every face of every image of the batch at once:

1. each exposed face is turned into the camera frame by the pose and culled when it faces
   away from the camera; its projected outline is a convex quadrilateral;
2. for every pixel row the outline crosses, the span of pixel centres inside it is found
   from the outline's edges, so exactly the face's pixels are listed;
3. along a span the face's closeness to the camera is affine in the pixel position (its
   depth for orthographic projection, the inverse depth for perspective), and so are its
   face coordinates :math:`(u, v)` (orthographic): the pixels within ``edge_width`` of the
   face's border are an interval of the span, and take the edge colour;
4. per pixel the nearest face wins: one ``minimum`` scatter over keys that pack the depth
   rank above the palette index, so the z-buffer ends up holding the pixel's colour index;
5. faces are shaded by Lambert's law, :math:`I = k_a + k_d \max(0, n \cdot l)`, times their
   colour, once per face, in a palette that the index buffer looks up.

Camera frame: x to the right, y up, z toward the viewer; the camera looks along -z.
Orthographic projection shows the object's bounding sphere (radius :attr:`CubeObject.radius`)
at ``margin`` of the image width whatever its pose, so an object and its rotated copies are
drawn at one scale; perspective projection puts a pinhole camera at ``distance`` radii from
the centre with the same framing. Everything is a pure function of its inputs: the same call
gives the same pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cogalign.errors import CogalignError
from cogalign.rotation.objects import CubeObject, rotation_matrix

__all__ = ["DEFAULT_POSE", "FACE_DIRECTIONS", "render", "render_one"]

#: Default pose: turned 30 degrees about the vertical axis, then tilted 20 degrees toward
#: the viewer, so that three sides of an axis-aligned object are seen.
DEFAULT_POSE: np.ndarray = rotation_matrix("x", 20.0) @ rotation_matrix("y", -30.0)

#: Face directions in object coordinates, in the order of ``face_colors`` rows (R L U D F B).
FACE_DIRECTIONS: np.ndarray = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.int64)

_DEFAULT_COLOR = np.array([0.80, 0.82, 0.86])
_FACE_CACHE: dict[bytes, tuple[np.ndarray, ...]] = {}
_MAX_CANDIDATES = 250_000  # pixel candidates per chunk: small chunks stay in cache


def _faces(obj: CubeObject) -> tuple[np.ndarray, ...]:
    """Exposed faces of an object, centred on the object (cached per object).

    Centres, normals, u and v axes, cube index and direction index of each.
    """
    key = obj.cubes.tobytes()
    hit = _FACE_CACHE.get(key)
    if hit is not None:
        return hit
    cubes = obj.cubes
    occupied = {tuple(c) for c in cubes.tolist()}
    centre = obj.centre
    rows = []
    for i, c in enumerate(cubes.tolist()):
        for k, d in enumerate(FACE_DIRECTIONS.tolist()):
            if (c[0] + d[0], c[1] + d[1], c[2] + d[2]) not in occupied:
                rows.append((i, k))
    idx = np.array(rows, dtype=np.int64)
    dirs = FACE_DIRECTIONS[idx[:, 1]].astype(float)
    centres = cubes[idx[:, 0]] + 0.5 + 0.5 * dirs - centre
    axis = np.abs(dirs).argmax(axis=1)
    eye = np.eye(3)
    e1 = eye[(axis + 1) % 3]
    e2 = eye[(axis + 2) % 3]
    out = (centres, dirs, e1, e2, idx[:, 0], idx[:, 1])
    if len(_FACE_CACHE) > 4096:
        _FACE_CACHE.clear()
    _FACE_CACHE[key] = out
    return out


def _as_objects(objects: Any) -> list[CubeObject]:
    if isinstance(objects, CubeObject):
        return [objects]
    arr = objects if not isinstance(objects, np.ndarray) else None
    if isinstance(objects, np.ndarray):
        if objects.ndim == 2:
            return [CubeObject(objects)]
        arr = list(objects)
    out = []
    for o in arr:
        out.append(o if isinstance(o, CubeObject) else CubeObject(np.asarray(o)))
    if not out:
        raise CogalignError("render needs at least one object")
    return out


def _as_poses(poses: Any, n: int) -> np.ndarray:
    if poses is None:
        return np.broadcast_to(DEFAULT_POSE, (n, 3, 3))
    p = np.asarray(poses, dtype=float)
    if p.shape == (3, 3):
        return np.broadcast_to(p, (n, 3, 3))
    if p.ndim != 3 or p.shape[1:] != (3, 3):
        raise CogalignError(f"poses must be (3, 3) or (N, 3, 3) rotation matrices, got shape {p.shape}")
    if p.shape[0] != n:
        raise CogalignError(f"{p.shape[0]} poses for {n} objects")
    ortho = np.einsum("nij,nkj->nik", p, p)
    if not np.allclose(ortho, np.eye(3), atol=1e-6):
        raise CogalignError("every pose must be a rotation matrix (orthonormal)")
    return p


def _colour_table(color: Any, face_colors: Any, objs: list[CubeObject]) -> tuple[str, np.ndarray]:
    if face_colors is not None:
        fc = np.asarray(face_colors, dtype=float)
        if fc.shape != (6, 3):
            raise CogalignError(f"face_colors must be (6, 3) RGB rows (R L U D F B), got {fc.shape}")
        return "face", np.clip(fc, 0.0, 1.0)
    if color is None:
        return "single", _DEFAULT_COLOR[None]
    c = np.asarray(color, dtype=float)
    if c.shape == (3,):
        return "single", np.clip(c[None], 0.0, 1.0)
    if c.ndim == 2 and c.shape[1] == 3:
        if any(o.n_cubes > c.shape[0] for o in objs):
            raise CogalignError(f"{c.shape[0]} cube colours for objects of up to "
                                f"{max(o.n_cubes for o in objs)} cubes")
        return "cube", np.clip(c, 0.0, 1.0)
    raise CogalignError(f"color must be an RGB triple or (n_cubes, 3) rows, got shape {c.shape}")


def render(
    objects: CubeObject | Sequence[CubeObject] | np.ndarray,
    poses: np.ndarray | None = None,
    *,
    size: int = 128,
    projection: str = "orthographic",
    rgb: bool = False,
    dtype: str | np.dtype = "float32",
    color: Any = None,
    face_colors: Any = None,
    edges: bool = True,
    edge_width: float = 1.0,
    edge_color: float | Sequence[float] = 0.0,
    background: float | Sequence[float] = 1.0,
    light: Sequence[float] = (-0.35, 0.6, 0.72),
    ambient: float = 0.35,
    diffuse: float = 0.65,
    margin: float = 0.9,
    distance: float = 3.5,
    antialias: int = 1,
) -> np.ndarray:
    """Render cube objects, each in a pose, into a batch of images.

    Parameters
    ----------
    objects
        One :class:`~cogalign.rotation.objects.CubeObject`, a sequence of them (or of
        ``(n, 3)`` cube arrays), one per image.
    poses
        Rotation from object to camera coordinates: ``(3, 3)`` for every image or ``(N, 3, 3)``
        one per image; ``None`` is :data:`DEFAULT_POSE`. A trial's view is
        ``rotation_matrix(axis, angle) @ DEFAULT_POSE``.
    size
        Image width and height in pixels (at least 32).
    projection
        ``"orthographic"`` or ``"perspective"``.
    rgb
        Colour images ``(N, H, W, 3)``; otherwise grey ``(N, H, W)`` (the luminance of the
        colour).
    dtype
        ``"float32"``, ``"float64"`` (values in [0, 1]) or ``"uint8"`` (0-255).
    color
        Object colour: an RGB triple, or ``(n_cubes, 3)`` rows, one per cube in chain order.
    face_colors
        ``(6, 3)`` RGB rows by face direction in object coordinates (R L U D F B, see
        :data:`FACE_DIRECTIONS`); overrides ``color``.
    edges, edge_width, edge_color
        Draw each cube face's outline, ``edge_width`` pixels wide, in ``edge_color``.
    background
        Background grey level or RGB.
    light, ambient, diffuse
        Light direction (camera frame, toward the light) and the Lambert coefficients.
    margin
        Share of the image width the object's bounding sphere spans.
    distance
        Perspective only: camera distance from the object's centre, in bounding-sphere radii
        (more than 1).
    antialias
        Render at ``antialias`` times the size and average down (1: no antialiasing).

    Returns
    -------
    numpy.ndarray
        ``(N, size, size)`` or ``(N, size, size, 3)``.

    Raises
    ------
    CogalignError
        For an invalid object, pose, size or option.
    """
    if int(size) != size or size < 32:
        raise CogalignError(f"size must be an integer of at least 32 pixels, got {size}")
    if projection not in ("orthographic", "perspective"):
        raise CogalignError(f"projection must be 'orthographic' or 'perspective', got {projection!r}")
    if int(antialias) != antialias or antialias < 1:
        raise CogalignError(f"antialias must be a positive integer, got {antialias}")
    if not 0.0 < margin <= 1.0:
        raise CogalignError(f"margin must be in (0, 1], got {margin}")
    if projection == "perspective" and distance <= 1.0:
        raise CogalignError(f"distance must exceed 1 bounding-sphere radius, got {distance}")
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype("float32"), np.dtype("float64"), np.dtype("uint8")):
        raise CogalignError(f"dtype must be float32, float64 or uint8, got {dtype}")
    objs = _as_objects(objects)
    n = len(objs)
    pose = _as_poses(poses, n)
    mode, table = _colour_table(color, face_colors, objs)
    bg = np.clip(np.broadcast_to(np.asarray(background, dtype=float), (3,)), 0.0, 1.0)
    ec = np.clip(np.broadcast_to(np.asarray(edge_color, dtype=float), (3,)), 0.0, 1.0)
    lvec = np.asarray(light, dtype=float)
    lvec = lvec / np.linalg.norm(lvec)
    res = int(size) * int(antialias)
    opts = dict(res=res, perspective=projection == "perspective",
                edges=edges, edge_width=float(edge_width) * antialias, light=lvec,
                ambient=float(ambient), diffuse=float(diffuse), margin=float(margin),
                distance=float(distance))
    channels = 3 if rgb else 1
    if not rgb:  # luminance is linear, so it can be taken of the palette before averaging
        lum = np.array([0.299, 0.587, 0.114])
        table, bg, ec = table @ lum[:, None], bg[None] @ lum, ec[None] @ lum
    chunks = []
    start = 0
    while start < n:
        stop = _chunk_end(objs, start, res)
        chunks.append(_render_chunk(objs[start:stop], pose[start:stop], bg, **opts,
                                    mode=mode, table=table, ec=ec))
        start = stop
    out = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    if antialias > 1:
        out = out.reshape(n, size, antialias, size, antialias, channels).mean(axis=(2, 4))
    if not rgb:
        out = out[..., 0]
    if dtype == np.uint8:  # values lie in [0, 1]: the palette is clipped
        return np.round(out * 255.0).astype(np.uint8)
    return np.ascontiguousarray(out, dtype=dtype)


def render_one(obj: CubeObject, pose: np.ndarray | None = None, **kwargs: Any) -> np.ndarray:
    """Render one object: :func:`render` for a single image, without the batch axis."""
    return render([obj], None if pose is None else np.asarray(pose)[None], **kwargs)[0]


def _chunk_end(objs: list[CubeObject], start: int, res: int) -> int:
    """Images per chunk so that the pixel candidates stay below a fixed budget."""
    budget = 0.0
    stop = start
    while stop < len(objs):
        # exposed faces seen from one side: about half; each covers ~ (res / 2r)^2 * 2 pixels
        est = len(_faces(objs[stop])[0]) * 0.5 * 2.0 * (res * 0.5 / objs[stop].radius) ** 2
        if stop > start and budget + est > _MAX_CANDIDATES:
            break
        budget += est
        stop += 1
    return stop


def _render_chunk(objs, pose, bg, *, res, perspective, mode, table, edges, edge_width, ec,
                  light, ambient, diffuse, margin, distance) -> np.ndarray:
    n = len(objs)
    parts = [_faces(o) for o in objs]
    counts = np.array([len(p[0]) for p in parts])
    img_of = np.repeat(np.arange(n), counts)
    radius = np.repeat(np.array([o.radius for o in objs]), counts)
    rot = np.repeat(pose, counts, axis=0)
    centres, normals, e1, e2 = (
        np.einsum("fij,fj->fi", rot, np.concatenate([p[k] for p in parts])) for k in range(4))
    cube_of = np.concatenate([p[4] for p in parts])
    dir_of = np.concatenate([p[5] for p in parts])
    half = res / 2.0
    if perspective:
        cam_z = distance * radius
        focal = margin * half * np.sqrt(cam_z**2 - radius**2) / radius  # frames the sphere
        to_cam = np.stack([-centres[:, 0], -centres[:, 1], cam_z - centres[:, 2]], axis=1)
        visible = np.einsum("fi,fi->f", normals, to_cam) > 1e-9
    else:
        scale = margin * half / radius  # pixels per object unit
        visible = normals[:, 2] > 1e-9
    keep = np.flatnonzero(visible)
    img_of, centres, normals, e1, e2 = img_of[keep], centres[keep], normals[keep], e1[keep], e2[keep]
    cube_of, dir_of = cube_of[keep], dir_of[keep]
    n_faces = len(keep)
    # corners in cyclic order around the face, then in pixels from the image centre (y up)
    su = np.array([0.5, 0.5, -0.5, -0.5])
    sv = np.array([0.5, -0.5, -0.5, 0.5])
    corners = centres[:, None, :] + su[None, :, None] * e1[:, None, :] + sv[None, :, None] * e2[:, None, :]
    if perspective:
        cam_z, focal = cam_z[keep], focal[keep]
        depth = cam_z[:, None] - corners[..., 2]
        sx = focal[:, None] * corners[..., 0] / depth
        sy = focal[:, None] * corners[..., 1] / depth
        # closeness q = 1 / depth is affine in screen position: q = qx * x + qy * y + q0
        k = np.einsum("fi,fi->f", normals, to_cam[keep])
        qx = -normals[:, 0] / (focal * k)
        qy = -normals[:, 1] / (focal * k)
        q0 = normals[:, 2] / k
    else:
        scale = scale[keep]
        sx = scale[:, None] * corners[..., 0]
        sy = scale[:, None] * corners[..., 1]
        # closeness q = z of the face's plane is affine in screen position
        qx = -normals[:, 0] / (normals[:, 2] * scale)
        qy = -normals[:, 1] / (normals[:, 2] * scale)
        q0 = centres[:, 2] + (normals[:, 0] * centres[:, 0] + normals[:, 1] * centres[:, 1]) / normals[:, 2]
    background = n_faces  # palette index of the background, n_faces + 1 of the edges
    palette = np.empty((n_faces + 2, len(bg)), dtype=np.float32)
    palette[background] = bg
    palette[background + 1] = ec
    shade = ambient + diffuse * np.maximum(normals @ light, 0.0)
    if mode == "face":
        palette[:n_faces] = table[dir_of] * shade[:, None]
    elif mode == "cube":
        palette[:n_faces] = table[cube_of] * shade[:, None]
    else:
        palette[:n_faces] = table[0][None, :] * shade[:, None]
    np.clip(palette, 0.0, 1.0, out=palette)
    # rows whose pixel centres (y = half - 0.5 - row) fall inside each face's screen extent
    r0 = np.clip(np.ceil(half - 0.5 - sy.max(axis=1)), 0, res).astype(np.int64)
    r1 = np.clip(np.floor(half - 0.5 - sy.min(axis=1)), -1, res - 1).astype(np.int64)
    h = np.maximum(r1 - r0 + 1, 0)
    n_rows = int(h.sum())
    if n_rows == 0:
        return np.broadcast_to(palette[background], (n, res, res, len(bg))).copy()
    pf = np.repeat(np.arange(n_faces), h)  # (face, row) spans
    row = np.repeat(r0, h) + (np.arange(n_rows) - np.repeat(np.cumsum(h) - h, h))
    yc = half - 0.5 - row
    xl = np.full(n_rows, np.inf)
    xr = np.full(n_rows, -np.inf)
    for a in range(4):  # the span of a convex polygon on a row: its edges' crossings
        b = (a + 1) % 4
        xa, ya = np.repeat(sx[:, a], h), np.repeat(sy[:, a], h)
        xb, yb = np.repeat(sx[:, b], h), np.repeat(sy[:, b], h)
        dy = yb - ya
        cross = ((yc - ya) * (yc - yb) <= 0.0) & (dy != 0.0)
        x = xa + (yc - ya) * (xb - xa) / np.where(dy != 0.0, dy, 1.0)
        xl = np.where(cross, np.minimum(xl, x), xl)
        xr = np.where(cross, np.maximum(xr, x), xr)
    ok = np.isfinite(xl)
    c0 = np.clip(np.ceil(np.where(ok, xl, 0.0) + half - 0.5), 0, res).astype(np.int64)
    c1 = np.clip(np.floor(np.where(ok, xr, -1.0) + half - 0.5), -1, res - 1).astype(np.int64)
    w = np.where(ok, np.maximum(c1 - c0 + 1, 0), 0)
    total = int(w.sum())
    if total == 0:
        return np.broadcast_to(palette[background], (n, res, res, len(bg))).copy()
    # closeness at each span's first pixel, and its step per pixel along the row
    q_start = q0[pf] + qx[pf] * (c0 + 0.5 - half) + qy[pf] * yc
    step = np.arange(total) - np.repeat(np.cumsum(w) - w, w)
    q = np.repeat(q_start, w) + step * np.repeat(qx[pf], w)
    pixel = np.repeat((img_of[pf] * res + row) * res + c0, w) + step
    ident = np.repeat(pf, w)  # palette index of each candidate: its face ...
    span_edges = edges and edge_width > 0 and not perspective
    if span_edges:
        # ... or the edge colour. On a face, (u, v) is affine in screen position, so along a
        # span the pixels farther than the edge width from the border form one interval of
        # steps, [inner_lo, inner_hi]; the others are edge pixels.
        limit = 0.5 - 0.5 * edge_width / scale[pf]
        x0 = c0 + 0.5 - half
        inner_lo = np.zeros(n_rows)
        inner_hi = w - 1.0
        for axis in (e1, e2):
            k1 = (axis[:, 0] - axis[:, 2] * normals[:, 0] / normals[:, 2]) / scale
            k2 = (axis[:, 1] - axis[:, 2] * normals[:, 1] / normals[:, 2]) / scale
            k0 = -(k1 * scale * centres[:, 0] + k2 * scale * centres[:, 1])
            start, slope = k1[pf] * x0 + k2[pf] * yc + k0[pf], k1[pf]
            flat = np.abs(slope) < 1e-12
            safe = np.where(flat, 1.0, slope)
            a, b = (-limit - start) / safe, (limit - start) / safe
            lo_k = np.where(flat, np.where(np.abs(start) <= limit, -np.inf, np.inf), np.minimum(a, b))
            hi_k = np.where(flat, np.where(np.abs(start) <= limit, np.inf, -np.inf), np.maximum(a, b))
            inner_lo = np.maximum(inner_lo, lo_k)
            inner_hi = np.minimum(inner_hi, hi_k)
        on_edge = (step < np.repeat(inner_lo, w)) | (step > np.repeat(inner_hi, w))
        ident = np.where(on_edge, n_faces + 1, ident)
    # z-buffer: the nearest (largest q) wins; ties go to the lower palette index. The key
    # packs the depth rank above the palette index, so the buffer ends up holding both.
    lo, hi = q.min(), q.max()
    level = ((hi - q) * (float(2**38) / max(hi - lo, 1e-12))).astype(np.int64)
    key = (level << 22) | ident
    # an empty pixel holds a key deeper than any face's, whose index is the background's
    zbuf = np.full(n * res * res, ((2**38 + 1) << 22) | background, dtype=np.int64)
    np.minimum.at(zbuf, pixel, key)
    if span_edges or not (edges and edge_width > 0):
        np.bitwise_and(zbuf, 2**22 - 1, out=zbuf)
        return palette[zbuf].reshape(n, res, res, -1)
    # perspective edges: (u, v) of each winning pixel from its ray's hit on the face
    win = np.flatnonzero(zbuf[pixel] == key)
    pixel, face = pixel[win], ident[win]
    ids = np.full(n * res * res, background, dtype=np.int64)
    x = (pixel % res) + (0.5 - half)
    y = (half - 0.5) - (pixel // res) % res
    t = 1.0 / q[win]  # hit - centre = t * (x / f, y / f, -1) + (cam - centre)
    rel = to_cam[keep]
    uvw = []
    for axis in (e1, e2):
        k1 = axis[:, 0] / focal
        k2 = axis[:, 1] / focal
        k0 = np.einsum("fi,fi->f", rel, axis)
        uvw.append(np.abs(t * (k1[face] * x + k2[face] * y - axis[face, 2]) + k0[face]))
    border = 0.5 - np.maximum(*uvw)  # object units to the face's border
    ids[pixel] = np.where(border * focal[face] / t < 0.5 * edge_width, background + 1, face)
    return palette[ids].reshape(n, res, res, -1)
