"""An unknown dataset name is answered with the closest known names."""

import pytest

from cogalign.data import get_dataset
from cogalign.data.registry import REGISTRY, closest_names
from cogalign.errors import CogalignError


@pytest.mark.parametrize(("typed", "meant"), [
    ("choices13", ["choices13k"]),
    ("Choices13K", ["choices13k"]),
    ("choises13k", ["choices13k"]),
    ("wordsim_353", ["wordsim353"]),
    ("ericson", ["ericson2015"]),
    ("things", ["things-triplets-test", "things-concepts"]),
])
def test_the_closest_names_are_suggested(typed, meant):
    with pytest.raises(CogalignError) as info:
        get_dataset(typed)
    text = str(info.value)
    assert text.startswith(f"unknown dataset '{typed}'; did you mean ")
    assert all(f"'{m}'" in text.split("?")[0] for m in meant)


@pytest.mark.parametrize("typed", ["nope", "", "x" * 500])
def test_nothing_close_gets_the_list_only(typed):
    with pytest.raises(CogalignError) as info:
        get_dataset(typed)
    assert "did you mean" not in str(info.value) and "known: analogies-google" in str(info.value)
    listing = ", ".join(REGISTRY)
    assert len(str(info.value)) < len(listing) + 100  # a long typed name is cut short


def test_closest_names_ignores_case_and_separators():
    assert closest_names("RSA-92", ["rsa92", "simlex999"]) == ["rsa92"]
    assert closest_names("zzz", ["rsa92"]) == []
