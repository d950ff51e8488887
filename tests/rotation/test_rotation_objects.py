"""Shepard-Metzler objects: generator validity rules, codes, rotations and the text format."""

from __future__ import annotations

import numpy as np
import pytest

from cogalign.errors import CogalignError
from cogalign.rotation.objectfile import (
    ObjectFileError,
    format_objects,
    parse_objects,
    read_objects,
    write_objects,
)
from cogalign.rotation.objects import (
    ROTATIONS_24,
    CubeObject,
    InvalidObjectError,
    check_cubes,
    cubes_from_code,
    distinct_shapes,
    generate_object,
    generate_objects,
    rotation_matrix,
    view_code,
)


def test_arm_code_builds_the_chain_and_reads_back():
    obj = CubeObject.from_code("F2 U3 R2 U2")
    assert obj.n_cubes == 10 and obj.n_arms == 4 and obj.code == "F2 U3 R2 U2"
    np.testing.assert_array_equal(obj.cubes[:4], [[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 1, 2]])
    assert CubeObject.from_code("f2,u3,r2,u2", start=(5, 5, 5)).code == "F2 U3 R2 U2"
    with pytest.raises(InvalidObjectError, match="arm 2 'X3'"):
        cubes_from_code("F2 X3")


@pytest.mark.parametrize(("cubes", "message"), [
    ([[0, 0, 0], [1, 0, 0], [0, 0, 0]], "cube 3 at \\(0, 0, 0\\) overlaps cube 1"),
    ([[0, 0, 0], [1, 0, 0], [3, 0, 0]], "cube 3 at \\(3, 0, 0\\) does not share a face with cube 2"),
    ([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], "cube 4 .* touches cube 1"),
    ([[0, 0, 0]], "at least 2 cubes"),
])
def test_invalid_objects_are_refused_with_the_cube_and_why(cubes, message):
    with pytest.raises(InvalidObjectError, match=message):
        CubeObject(np.array(cubes))
    with pytest.raises(InvalidObjectError):
        check_cubes(np.array(cubes))


def test_non_integer_positions_are_refused():
    with pytest.raises(InvalidObjectError, match="integers"):
        CubeObject(np.array([[0, 0, 0], [0.5, 0, 0]]))


@pytest.mark.parametrize(("n_cubes", "n_arms"), [(10, 4), (6, 3), (15, 5), (20, 8)])
def test_generator_draws_valid_chiral_objects_of_any_size(n_cubes, n_arms):
    for seed in range(5):
        obj = generate_object(n_cubes, n_arms, seed=seed)
        assert obj.n_cubes == n_cubes and obj.n_arms == n_arms
        check_cubes(obj.cubes)  # no overlap, unbroken, no fold-back
        assert obj.is_chiral()
        assert not obj.same_shape(obj.mirror())


def test_generator_is_seeded_and_objects_are_distinct_up_to_rotation_and_mirror():
    a = generate_objects(12, seed=7)
    b = generate_objects(12, seed=7)
    assert [o.code for o in a] == [o.code for o in b]
    assert [o.code for o in generate_objects(12, seed=8)] != [o.code for o in a]
    assert [o.name for o in a[:2]] == ["sm-1", "sm-2"]
    assert distinct_shapes(a) and distinct_shapes(a + [o.mirror() for o in a])
    with pytest.raises(CogalignError, match="cannot make"):
        generate_object(5, 6)
    with pytest.raises(CogalignError, match="at least 3 arms"):
        generate_object(6, 2)


def test_a_planar_chain_is_its_own_mirror_image():
    flat = CubeObject.from_code("R2 U2 R2")
    assert not flat.is_chiral()
    assert flat.same_shape(flat.mirror())


def test_the_24_rotations_and_the_canonical_code():
    assert len(ROTATIONS_24) == 24
    assert all(round(np.linalg.det(r)) == 1 for r in ROTATIONS_24)
    obj = CubeObject.from_code("F2 U3 R2 U2")
    code = obj.canonical_code()
    for rot in ROTATIONS_24:
        turned = obj.rotate90(rot)
        assert turned.same_shape(obj)
        assert turned.canonical_code() == code
    reversed_chain = CubeObject(obj.cubes[::-1].copy())
    assert reversed_chain.canonical_code() == code
    assert obj.mirror().canonical_code() != code
    with pytest.raises(CogalignError, match="24 lattice rotations"):
        obj.rotate90(rotation_matrix("y", 45))


def test_rotation_matrix_follows_the_right_hand_rule():
    r = rotation_matrix("y", 90)
    np.testing.assert_allclose(r @ [1, 0, 0], [0, 0, -1], atol=1e-12)
    np.testing.assert_allclose(rotation_matrix("z", 90) @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    m = rotation_matrix([1, 2, 3], 37)
    np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(m) == pytest.approx(1.0)
    np.testing.assert_allclose(m @ np.array([1, 2, 3]), [1, 2, 3], atol=1e-12)
    with pytest.raises(CogalignError, match="unknown rotation axis"):
        rotation_matrix("w", 10)
    with pytest.raises(CogalignError, match="non-zero 3-vector"):
        rotation_matrix([0, 0, 0], 10)


def test_view_code_in_the_world_frame():
    obj = CubeObject.from_code("F2 U3 R2 U2")
    assert view_code(obj) == obj.code
    assert view_code(obj, rotation_matrix("y", 90)) == "R2 U3 B2 U2"
    assert view_code(obj, rotation_matrix("y", 90)) == obj.rotate90(
        np.round(rotation_matrix("y", 90)).astype(int)).code
    assert view_code(obj, rotation_matrix("y", 50)) == "[0.77,0,0.64]2 U3 [0.64,0,-0.77]2 U2"


def test_object_file_round_trip_and_errors(tmp_path):
    objs = generate_objects(3, seed=1) + [CubeObject.from_code("F1 L3 F3 D2", start=(1, 1, 0), name="m3")]
    path = write_objects(objs, tmp_path / "objects.txt")
    back = read_objects(path)
    assert [o.name for o in back] == [o.name for o in objs]
    assert all(a == b for a, b in zip(back, objs, strict=True))
    text = "a: cubes 0,0,0 1,0,0 1,1,0\n# comment\nb: U2 R1 @ 2,2,2  # trailing\n"
    parsed = parse_objects(text)
    assert parsed[0].code == "R1 U1" and parsed[1].cubes[0].tolist() == [2, 2, 2]
    assert "m3: F1 L3 F3 D2 @ 1,1,0" in format_objects(objs)
    with pytest.raises(ObjectFileError, match="x.txt, line 2: .*cube 3 .*overlaps cube 1"):
        parse_objects("ok: R2\nbad: cubes 0,0,0 1,0,0 0,0,0\n", "x.txt")
    with pytest.raises(ObjectFileError, match="line 1: .*does not share a face"):
        parse_objects("gap: cubes 0,0,0 2,0,0\n", "y.txt")
    with pytest.raises(ObjectFileError, match="line 2: object 'a' already defined on line 1"):
        parse_objects("a: R2\na: U2\n")
    with pytest.raises(ObjectFileError, match="line 1: expected 'name: arm code'"):
        parse_objects("just words\n")
    with pytest.raises(ObjectFileError, match="no such file"):
        read_objects(tmp_path / "missing.txt")


def test_cube_csv_with_a_broken_chain_names_the_cube(tmp_path):
    path = tmp_path / "models.csv"
    path.write_text("model,cube_index,x,y,z\nq,1,0,0,0\nq,2,1,0,0\nq,3,1,1,1\n")
    with pytest.raises(ObjectFileError, match="cube 3 at \\(1, 1, 1\\) does not share a face"):
        read_objects(path)


@pytest.mark.realdata
def test_peters_battista_models_load_through_the_object_reader(peters_battista_file):
    models = read_objects(peters_battista_file)
    assert [m.name for m in models] == [f"m{i}" for i in range(1, 17)]
    assert all(m.n_arms == 4 and m.is_chiral() for m in models)
    # as transcribed, m5 has 9 cubes (F1 L2 D3 F2); every other model has 10
    assert [m.name for m in models if m.n_cubes != 10] == ["m5"] and models[4].n_cubes == 9
    assert models[0].code == "D1 L3 F3 D2"
    # the library's 16 models are 12 shapes: m2, m10, m11 and m16 are rotations of
    # m1, m9, m8 and m15
    for a, b in (("m1", "m2"), ("m9", "m10"), ("m8", "m11"), ("m15", "m16")):
        ma, mb = (next(m for m in models if m.name == n) for n in (a, b))
        assert ma.same_shape(mb) and ma.canonical_code() == mb.canonical_code()
    assert len({m.canonical_code() for m in models}) == 12
    # and m8 (= m11) is the mirror image of m9 (= m10): 11 shapes up to rotation and reflection
    mirror_pairs = {(a.name, b.name) for a in models for b in models if a.same_shape(b.mirror())}
    assert {tuple(sorted(p)) for p in mirror_pairs} == {
        ("m8", "m9"), ("m10", "m8"), ("m11", "m9"), ("m10", "m11")}
