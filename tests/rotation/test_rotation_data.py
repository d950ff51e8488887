"""Mental-rotation data: the schema refuses bad trial files; readers on the real files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogalign.data import ValidationError, get_dataset
from cogalign.data.schemas import ROTATION
from cogalign.errors import CogalignError
from cogalign.rotation.data import model_data, read_rotation

GOOD = (
    "participant_id,trial,angle,axis,pair_type,response,correct,rt\n"
    "p1,0,0,y,same,same,true,1.2\n"
    "p1,1,150,y,mirror,same,false,2.5\n"
    "p1,2,50,z,mirror,,,\n"
)


def _write(tmp_path, text, name="trials.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_tidy_file_reads_with_types(tmp_path):
    table = read_rotation(_write(tmp_path, GOOD))
    assert table["angle"].dtype == np.float64
    assert table["rt"].isna().tolist() == [False, False, True]
    assert table["correct"].tolist()[:2] == [True, False]
    assert ROTATION["axis"].allowed == ("x", "y", "z")


@pytest.mark.parametrize(("row", "column", "message"), [
    ("p1,3,400,y,same,same,true,1.0", "angle", "400.0 is outside \\[0.0, 360.0\\]"),
    ("p1,3,-5,y,same,same,true,1.0", "angle", "outside"),
    ("p1,3,50,w,same,same,true,1.0", "axis", "'w' is not one of \\['x', 'y', 'z'\\]"),
    ("p1,3,50,y,same,same,true,-0.3", "rt", "-0.3 is outside"),
    ("p1,3,50,y,same,same,true,fast", "rt", "expected float, got 'fast'"),
    ("p1,3,50,y,same,maybe,,1.0", "response", "'maybe' is not one of \\['mirror', 'same'\\]"),
    ("p1,3,50,y,upside,same,,1.0", "pair_type", "'upside' is not one of"),
    ("p1,3,50,y,same,mirror,true,1.0", "correct", "correct=True but the response 'mirror' does not match"),
    ("p1,3,50,y,same,same,true,inf", "rt", "not a finite number"),
])
def test_bad_rows_are_refused_with_file_row_and_column(tmp_path, row, column, message):
    path = _write(tmp_path, GOOD + row + "\n")
    with pytest.raises(ValidationError, match=message) as info:
        read_rotation(path)
    problem = info.value.problems[0]
    assert problem.source == str(path)
    assert (problem.row, problem.line, problem.column) == (4, 5, column)
    assert f"row 4 (line 5), column '{column}'" in str(info.value)


def test_native_ganis_kievit_file_with_an_unknown_response_code(tmp_path):
    text = (",Subject,Trial,Angle,Matching,Response,Time,Correct,Age,Sex,NewColumn,TimeSecs\n"
            "0,1,1,0,1,b,1500,1,20,F,0,1.5\n"
            "1,1,2,50,0,x,1500,1,20,F,0,1.5\n")
    with pytest.raises(ValidationError, match="row 2 \\(line 3\\), column 'Response': 'x'"):
        read_rotation(_write(tmp_path, text, "MentalRotation.csv"))


def test_model_data_for_each_model(small_study):
    for model in ("linear", "concave", "two-stage"):
        data, ids = model_data(small_study, model)
        assert len(ids) == 8 and data["n_participants"] == 8
        assert len(data["y"]) == int(small_study["correct"].sum())
        assert np.all(data["y"] >= data["min_rt"][data["participant"]])
    data, _ = model_data(small_study, "accuracy")
    assert len(data["y"]) == len(small_study) and set(np.unique(data["y"])) <= {0, 1}
    data, _ = model_data(small_study, "joint", hierarchical=False)
    assert data["n_participants"] is None and np.all(data["participant"] == 0)
    assert np.all(data["correct"][data["rt_index"]] == 1)
    assert len(data["rt_index"]) == len(data["y"])
    with pytest.raises(CogalignError, match="no column"):
        model_data(pd.DataFrame({"angle": [0.0]}), "linear")


@pytest.mark.realdata
def test_ganis_kievit_reads_into_the_rotation_schema(load_dataset):
    table = load_dataset("rotation-ganis-kievit-2015")
    assert len(table) == 5071 and table["participant_id"].nunique() == 54
    assert sorted(table["angle"].unique()) == [0.0, 50.0, 100.0, 150.0]
    assert set(table["axis"]) == {"y"} and set(table["task"]) == {"same-mirror"}
    assert table["rt"].between(0.705, 7.466).all()
    assert table["correct"].mean() == pytest.approx(0.9046, abs=1e-4)
    assert (table.groupby(["angle", "pair_type"]).size() >= 625).all()
    ds = get_dataset("rotation-ganis-kievit-2015")
    assert ds.paradigm == "rotation" and ds.files[0].sha256.startswith("3a5eb0fb")


@pytest.mark.realdata
def test_jost_jansen_per_angle_means_match_the_authors_summary(load_dataset):
    """Per person and angle: mean RT of non-outlier hits and accuracy of non-outlier trials;
    then the mean (and sd) over people reproduce MRDataMeansByDegdeg.csv."""
    from cogalign.paths import data_search_path
    from cogalign.rotation.classical import condition_means

    table = load_dataset("rotation-jost-jansen-2020")
    assert len(table) == 17900 and table["participant_id"].nunique() == 41
    assert set(table["axis"]) == {"y", "z"} and set(table["task"]) == {"two-choice"}
    assert table["outlier"].sum() == 302
    means = condition_means(table, exclude="outlier")
    summary = next((p / "rotation" / "jost_jansen_2020_means_by_deg.csv" for p in data_search_path()
                    if (p / "rotation" / "jost_jansen_2020_means_by_deg.csv").is_file()), None)
    if summary is None:
        pytest.skip("jost_jansen_2020_means_by_deg.csv not on COGALIGN_DATA_PATH")
    ref = pd.read_csv(summary, sep=";", index_col=0, dtype=str)
    ref = ref.apply(lambda c: pd.to_numeric(c.str.strip())).set_index("deg")
    np.testing.assert_array_equal(means.index.to_numpy(), ref.index.to_numpy(dtype=float))
    np.testing.assert_array_equal(np.round(means["rt_ms"]).to_numpy(), ref["reactionTime"].to_numpy())
    np.testing.assert_array_equal(np.round(means["rt_sd_ms"], 1).to_numpy(), ref["reactionTimeSd"].to_numpy())
    np.testing.assert_array_equal(np.round(means["accuracy"], 4).to_numpy(), ref["acc"].to_numpy())
    np.testing.assert_array_equal(np.round(means["accuracy_sd"], 5).to_numpy(), ref["accSd"].to_numpy())


@pytest.mark.realdata
def test_jost_jansen_two_choice_coding(load_dataset):
    table = load_dataset("rotation-jost-jansen-2020")
    # correct answers: the left base for "same", the right one for "mirror"
    assert ((table["response"] == table["pair_type"]) == table["correct"]).all()
    assert table["correct"].mean() == pytest.approx(15755 / 17900)
    assert table.loc[table["angle"] == 0, "original_angle"].eq(0).all()


@pytest.mark.realdata
def test_hamrick_griffiths_people_by_angle(load_dataset):
    table = load_dataset("rotation-hamrick-griffiths-2014")
    assert len(table) == 20 and set(table["pair_type"]) == {"same", "mirror"}
    same = table.loc[table["pair_type"] == "same"].set_index("angle")
    assert same.loc[0.0, "rt"] == pytest.approx(1.374506835)
    assert same.loc[180.0, "accuracy"] == pytest.approx(0.74056842, abs=1e-6)
    assert (table["rt_lower"] <= table["rt"]).all() and (table["rt"] <= table["rt_upper"]).all()
    assert same["rt"].is_monotonic_increasing
