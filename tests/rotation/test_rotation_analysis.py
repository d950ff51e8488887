"""The demo section and the one-call analyses."""

from __future__ import annotations

import json

import pandas as pd

from cogalign.rotation.analysis import demo_section, subsample_participants


def test_demo_section_skips_missing_data_and_times_the_renderer(tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_DATA_PATH", str(tmp_path))
    lines: list[str] = []
    report = demo_section(lines.append, fast=True)
    json.dumps(report, allow_nan=False)
    assert report["datasets"] == []
    assert {s["what"] for s in report["skipped"]} == {"rotation-ganis-kievit-2015",
                                                       "rotation-jost-jansen-2020"}
    assert report["renderer"]["images_per_s_128px"] > 0
    assert any("renderer" in line for line in lines)


def test_subsample_keeps_whole_people(small_study):
    sub = subsample_participants(small_study, 3, seed=1)
    assert sub["participant_id"].nunique() == 3
    full = small_study.loc[small_study["participant_id"].isin(sub["participant_id"].unique())]
    assert len(sub) == len(full)
    assert subsample_participants(small_study, None) is small_study
    assert isinstance(subsample_participants(small_study, 50), pd.DataFrame)
