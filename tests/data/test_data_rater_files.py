"""Files as published: trailing tabs and CRLF, files without a header, per-rater word similarity."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from cogalign.data import ValidationError
from cogalign.data.loaders import load_card660, load_wordsim353_raters_set1
from cogalign.data.userfiles import read_table_file, read_table_with_lines

QUIRKY = "a\tb\tc\t\r\nx\t1\t2\r\ny\t3\t4\t\r\n"


def test_a_trailing_tab_is_refused_unless_asked_to_drop_it(tmp_path):
    path = tmp_path / "quirky.tab"
    path.write_bytes(QUIRKY.encode())
    with pytest.raises(ValidationError, match="column 4 of the header has no name"):
        read_table_file(path)
    table, lines = read_table_with_lines(path, trailing_delimiter="drop")
    assert list(table.columns) == ["a", "b", "c"]
    assert table.to_dict(orient="list") == {"a": ["x", "y"], "b": ["1", "3"], "c": ["2", "4"]}
    assert lines.tolist() == [2, 3]
    path.write_bytes(b"a\tb\nx\t1\t\t\n")  # two trailing tabs: one is dropped, one too many
    with pytest.raises(ValidationError, match=r"line 2.*3 cells, but the header has 2"):
        read_table_file(path, trailing_delimiter="drop")
    with pytest.raises(ValueError, match="trailing_delimiter"):
        read_table_file(path, trailing_delimiter="keep")


def test_a_file_without_a_header_gets_its_column_names(tmp_path):
    path = tmp_path / "scores.tsv"
    path.write_text("4.00\t4.00\n2.5\t3\n")
    table, lines = read_table_with_lines(path, columns=["r1", "r2"])
    assert table.to_dict(orient="list") == {"r1": ["4.00", "2.5"], "r2": ["4.00", "3"]}
    assert lines.tolist() == [1, 2]
    path.write_text("4.00\t4.00\n2.5\n")
    with pytest.raises(ValidationError, match="line 2"):
        read_table_file(path, columns=["r1", "r2"])
    with pytest.raises(ValidationError, match="r1"):
        read_table_file(path, columns=["r1", "r1"])


@pytest.mark.realdata
def test_wordsim353_raters(load_dataset):
    one, two = load_dataset("wordsim353-raters-set1"), load_dataset("wordsim353-raters-set2")
    assert one["participant_id"].nunique() == 13 and one["trial"].nunique() == 152
    assert two["participant_id"].nunique() == 16 and two["trial"].nunique() == 200
    assert one.attrs["dropped_pairs"] == ["tiger tiger"]
    cash = one[(one["item_a"] == "money") & (one["item_b"] == "cash")]
    assert sorted(cash["repeat"].unique()) == [0, 1]  # listed twice, rated twice
    first = one[one["participant_id"] == "set1-r01"].iloc[0]
    assert (first["item_a"], first["item_b"], first["rating"]) == ("love", "sex", 9.0)
    # the published mean of every pair is the mean of its raters
    means = one.groupby(["trial"])["rating"].mean()
    assert means.iloc[0] == pytest.approx(6.77, abs=0.005)


@pytest.mark.realdata
def test_card660(load_dataset):
    card = load_dataset("card660")
    assert card["participant_id"].nunique() == 8 and card["trial"].nunique() == 660
    assert card["scale_max"].eq(4.0).all()
    first = card[card["trial"] == 0]
    assert first["item_b"].iloc[0] == "Pocket Monsters"  # '_' joins words in the file
    assert first["rating"].tolist() == [4.0, 3.5, 4.0, 3.0, 4.0, 4.0, 4.0, 4.0]


@pytest.mark.realdata
def test_a_published_mean_that_does_not_match_its_raters_is_named(load_dataset, tmp_path):
    from cogalign.data import get_dataset

    source = get_dataset("wordsim353-raters-set1").paths(download=False)
    copy = tmp_path / "set1.tab"
    shutil.copy(source["wordsim/wordsim353_raters/set1.tab"], copy)
    copy.write_bytes(copy.read_bytes().replace(b"love\tsex\t6.77", b"love\tsex\t7.77"))
    with pytest.raises(ValidationError) as err:
        load_wordsim353_raters_set1({"wordsim/wordsim353_raters/set1.tab": copy})
    problem = err.value.problems[0]
    assert (problem.row, problem.column, problem.line) == (1, "Human (mean)", 2)
    scores = tmp_path / "scores.tsv"
    scores.write_text("4\t4\t4\t4\t4\t4\t4\t9\n")
    pairs = tmp_path / "dataset.tsv"
    pairs.write_text("car\tauto\t4.00\n")
    with pytest.raises(ValidationError, match="9"):
        load_card660({"card660/dataset.tsv": pairs, "card660/scores.tsv": scores})
    scores.write_text("4\t4\t4\t4\t4\t4\t4\t4\n" * 2)
    with pytest.raises(ValidationError, match="line-aligned"):
        load_card660({"card660/dataset.tsv": pairs, "card660/scores.tsv": scores})
    assert np.isfinite(load_dataset("card660")["rating"]).all()
