"""The restricted unpickler reads plain containers and refuses every global."""

import os
import pickle

import pytest

from cogalign.beliefs.safe_pickle import UnsafePickleError, load_plain_pickle, loads_plain_pickle


class _Exploit:
    """Unpickling this calls os.system: what a malicious data file would do."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_plain_containers_round_trip(tmp_path):
    data = {"Abortion": {"Pro": [3, 4, 6], "Con": [8, 9]}, "Religion": {"Atheist": [25]},
            "nested": [(1, 2.5, None, True, b"x", "é")], "set": {1, 2}}
    path = tmp_path / "groups.p"
    path.write_bytes(pickle.dumps(data, protocol=4))
    assert load_plain_pickle(path) == data
    plain = {"Abortion": {"Pro": [3, 4], "Con": [8]}, "x": [1.5, None, "text"]}
    assert loads_plain_pickle(pickle.dumps(plain, protocol=0)) == plain
    # protocol 0 spells bytes through a global (codecs.encode): refused like any global
    with pytest.raises(UnsafePickleError, match="_codecs.encode"):
        loads_plain_pickle(pickle.dumps(b"x", protocol=0))


def test_a_malicious_pickle_is_refused_before_anything_runs(tmp_path):
    target = tmp_path / "pwned"
    path = tmp_path / "evil.p"
    path.write_bytes(pickle.dumps({"Abortion": _Exploit(target)}))
    with pytest.raises(UnsafePickleError) as info:
        load_plain_pickle(path)
    message = str(info.value)
    assert str(path) in message and "system" in message and "global" in message
    assert not target.exists()
    # the file really asks for os.system (a STACK_GLOBAL opcode naming it)
    import pickletools

    ops = [op.name for op, _, _ in pickletools.genops(path.read_bytes())]
    assert "STACK_GLOBAL" in ops and b"system" in path.read_bytes()


def test_objects_of_any_class_are_refused(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "frame.p"
    pd.DataFrame({"a": [1, 2]}).to_pickle(path)
    with pytest.raises(UnsafePickleError, match="pandas"):
        load_plain_pickle(path)


def test_truncated_and_missing_files(tmp_path):
    path = tmp_path / "cut.p"
    path.write_bytes(pickle.dumps({"a": [1, 2, 3]})[:-3])
    with pytest.raises(UnsafePickleError, match="not a readable pickle"):
        load_plain_pickle(path)
    with pytest.raises(Exception, match="no such file"):
        load_plain_pickle(tmp_path / "absent.p")
