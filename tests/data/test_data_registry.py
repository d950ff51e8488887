"""The registry's loaders on the real files (skipped when COGALIGN_DATA_PATH lacks them)."""

import numpy as np
import pytest

from cogalign.data import REGISTRY, get_dataset, sha256_of
from cogalign.errors import CogalignError

NAMES = [
    "things-triplets-test", "things-concepts", "choices13k", "ericson2015", "rsa92",
    "simlex999", "wordsim353", "analogies-google", "moralgraph-mge-prolific", "moralgraph-mge-all",
    "rotation-ganis-kievit-2015", "rotation-jost-jansen-2020", "rotation-hamrick-griffiths-2014",
    "wordsim353-raters-set1", "wordsim353-raters-set2", "card660",
    "ddo-big-issues", "ddo-issue-party",
]

pytestmark = pytest.mark.realdata


def test_every_dataset_is_registered_with_provenance():
    assert list(REGISTRY) == NAMES
    for ds in REGISTRY.values():
        assert ds.citation and ds.licence and ds.title
        for f in ds.files:
            assert len(f.sha256) == 64 and f.urls and f.urls[0].startswith("https://")


def test_unknown_dataset():
    with pytest.raises(CogalignError, match="known: "):
        get_dataset("things")


def test_things_triplets(load_dataset):
    t = load_dataset("things-triplets-test")
    assert len(t) == 20_000
    assert t["participant_id"].nunique() == 325
    triplets = np.sort(t[["item_1", "item_2", "item_3"]].to_numpy(), axis=1)
    assert len(np.unique(triplets, axis=0)) == 1_000
    assert len(t.attrs["item_names"]) == 1_854
    assert t[["item_1", "item_2", "item_3"]].to_numpy().max() < 1_854
    odd = t["response"].to_numpy()
    assert np.all((odd == t["item_1"]) | (odd == t["item_2"]) | (odd == t["item_3"]))


def test_things_concepts(load_dataset):
    c = load_dataset("things-concepts")
    assert len(c) == 1_854
    assert c["name"].iloc[0] == "aardvark"
    assert c["definition"].notna().mean() > 0.99


def test_choices13k_has_the_gambles_merged_in(load_dataset):
    c = load_dataset("choices13k")
    assert len(c) == 14_568
    assert c["problem_id"].nunique() == 13_006
    assert c["n"].sum() == 242_859
    lengths = c["outcomes_b"].map(len)
    # B: a lottery of up to 8 outcomes around its high outcome, plus its low outcome
    assert lengths.max() == 9 and lengths.min() == 1
    assert c["lot_num_b"].max() == 8
    first = c.iloc[0]
    assert first["outcomes_a"] == [26.0, -1.0] and first["probs_a"][0] == 0.95
    assert np.allclose(c["probs_b"].map(sum), 1.0)


def test_ericson2015(load_dataset):
    e = load_dataset("ericson2015")
    assert len(e) == 23_500
    assert e["participant_id"].nunique() == 940
    assert e["response"].isna().sum() == 369
    assert set(e["trial"]) == set(range(25))


def test_rsa92(load_dataset):
    r = load_dataset("rsa92")
    assert r.rdms.shape == (32, 92, 92)
    assert [r.kinds.count(k) for k in ("behaviour", "brain", "model")] == [16, 8, 8]
    assert np.allclose(r.rdms, r.rdms.transpose(0, 2, 1))
    assert len(r.select("model")) == 8 and "animacy" in r.select("model").names


def test_word_pairs_and_analogies(load_dataset):
    assert load_dataset("simlex999").shape == (999, 3)
    assert load_dataset("wordsim353").shape == (353, 3)
    a = load_dataset("analogies-google")
    assert len(a) == 19_544 and a["section"].nunique() == 14


def test_moral_graphs(load_dataset):
    g = load_dataset("moralgraph-mge-prolific")
    assert len(g.values) == 59 and g.n_edges == 67
    g = load_dataset("moralgraph-mge-all")
    assert len(g.values) == 60 and g.n_edges == 69


def test_registry_sha256_matches_the_files(load_dataset):
    load_dataset("rsa92")  # skips when the data is absent
    for ds in REGISTRY.values():
        for name, path in ds.paths(download=False).items():
            assert sha256_of(path) == next(f.sha256 for f in ds.files if f.path == name)
