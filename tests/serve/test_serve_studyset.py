"""Studies as the server offers them: keys, overrides, online settings, trial views, images."""

from __future__ import annotations

import shutil

import pytest
from serve_helpers import SHORT, STUDIES, short_studies
from starlette.testclient import TestClient

from cogalign.errors import CogalignError
from cogalign.serve.settings import OnlineSettings, load_online_settings
from cogalign.serve.studyset import browser_key, find_definitions, load_studies, split_overrides
from cogalign.studies.definition import DefinitionError


@pytest.mark.parametrize(("name", "key"), [
    ("left", "ArrowLeft"), ("space", " "), ("return", "Enter"), ("a", "a"), ("F", "f"),
    ("7", "7"), ("num_3", "3"), ("comma", ","),
])
def test_definition_keys_map_to_browser_keys(name, key):
    assert browser_key(name) == key


@pytest.mark.parametrize("name", ["f13", "lshift", "num_lock", "escape2", "é"])
def test_keys_a_browser_cannot_report_are_refused(name):
    with pytest.raises(KeyError):
        browser_key(name)


def test_a_study_with_such_a_key_names_the_field(tmp_path):
    shutil.copytree(STUDIES / "risky", tmp_path / "risky")
    with pytest.raises(DefinitionError, match=r"\[response\] keys: key 'lshift'"):
        load_studies(tmp_path / "risky", ['response.keys=["lshift", "right"]'])


def test_overrides_for_all_studies_and_for_one():
    common, by_study = split_overrides(["trials.n=3", "risky:trials.n=5",
                                        "intertemporal:online.redirect=https://x.org/?a=b:c"])
    assert common == ["trials.n=3"]
    assert by_study == {"risky": ["trials.n=5"],
                        "intertemporal": ["online.redirect=https://x.org/?a=b:c"]}
    studies = short_studies(SHORT + ("risky:trials.n=6",))
    assert sum(not t.practice and not t.attention_check
               for t in studies["risky"].trials("p1", 1)) == 6
    assert sum(not t.practice and not t.attention_check
               for t in studies["intertemporal"].trials("p1", 1)) == 4
    with pytest.raises(CogalignError, match="unknown studies"):
        load_studies(STUDIES, SHORT + ("nosuch:trials.n=3",))


def test_study_folders_are_found_and_names_must_differ(tmp_path):
    assert [p.parent.name for p in find_definitions(STUDIES)] == [
        "intertemporal", "risky", "rotation", "similarity", "triplets"]
    assert find_definitions(STUDIES / "risky") == [STUDIES / "risky" / "study.toml"]
    shutil.copytree(STUDIES / "risky", tmp_path / "a")
    shutil.copytree(STUDIES / "risky", tmp_path / "b")
    with pytest.raises(CogalignError, match="also used by"):
        load_studies(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CogalignError, match="no study definitions"):
        find_definitions(tmp_path / "empty")


def test_online_settings_defaults_file_and_checks(tmp_path):
    assert load_online_settings(tmp_path) == OnlineSettings()
    (tmp_path / "online.toml").write_text(
        '[online]\ncompletion_code = "AB12"\nredirect = "https://example.org/done?cc={code}"\n'
        "redirect_delay = 2\n")
    settings = load_online_settings(tmp_path, ["online.anonymous=false"])
    assert settings.redirect_url() == "https://example.org/done?cc=AB12"
    assert settings.redirect_delay == 2.0 and settings.anonymous is False
    bad = {
        'redirect = "http://example.org/"': "https://",
        'redirect = "javascript:alert(1)"': "https://",
        'redirect = "https://x.org/?cc={code}"': "completion_code is empty",
        'completion_code = "a b"': "letters, digits",
        'participant_pattern = "("': "regular expression",
        "anonymous = 1": "expected bool",
        'colour = "red"': "unknown field",
        "redirect_delay = 1000": "between 0 and 600",
    }
    for line, message in bad.items():
        (tmp_path / "online.toml").write_text(f"[online]\n{line}\n")
        with pytest.raises(DefinitionError, match=message):
            load_online_settings(tmp_path)
    (tmp_path / "online.toml").write_text("[other]\nx = 1\n")
    with pytest.raises(DefinitionError, match="only \\[online\\]"):
        load_online_settings(tmp_path)


def test_the_page_sees_texts_and_trials_but_no_answers():
    studies = short_studies()
    served = studies["similarity"]
    trials = served.trials("p001", 1)
    shown = served.client_trials(trials)
    breaks = [s["break_text"] for s in shown if s["break_text"]]
    n_practice = sum(t.practice for t in trials)
    assert breaks and breaks[0] == served.study.definition["text"]["break"].format(
        done=2, total=len(trials) - n_practice)
    check = next(t for t in trials if t.attention_check)
    assert str(int(check.expected)) in shown[check.index]["prompt"]  # the check asks for it
    config = served.page_config()
    assert config["mode"] == "rating" and config["scale"]["points"] == [1, 2, 3, 4, 5, 6, 7]
    assert [k["key"] for k in config["keys"]] == [str(k) for k in range(1, 8)]
    assert config["completion_code"] is None and config["redirect"] is None
    assert config["texts"]["instructions"] == served.study.definition["text"]["instructions"]
    assert studies["risky"].page_config()["timing"]["confirm"] == 0


def test_image_items_are_served_by_position_only(make_app, sqlite_url, tmp_path):
    image = pytest.importorskip("PIL.Image")
    folder = tmp_path / "studies" / "pictures"
    folder.mkdir(parents=True)
    rows = ["name,category,image"]
    for k, colour in enumerate(["red", "orange", "blue", "teal"]):
        image.new("RGB", (20, 20), colour).save(folder / f"{colour}.png")
        rows.append(f"{colour},{'warm' if k < 2 else 'cold'},{colour}.png")
    (folder / "items.csv").write_text("\n".join(rows) + "\n")
    text = (STUDIES / "triplets" / "study.toml").read_text()
    text = text.replace('name = "triplets"', 'name = "pictures"')
    text = text.replace('source = "things-concepts"', 'source = "file"')
    text = text.replace("check_categories = [", "check_categories = [\"warm\", \"cold\", ")
    (folder / "study.toml").write_text(text)
    app = make_app(sqlite_url, studies=tmp_path / "studies",
                   overrides=("trials.n=2", "trials.attention_checks=0"))
    served = app.state.serve.studies["pictures"]
    assert [p.name for p in served.images] == ["blue.png", "orange.png", "red.png", "teal.png"]
    with TestClient(app) as client:
        started = client.post("/s/pictures/api/start",
                              json={"params": {"participant": "p001"}}).json()
        names = {o["image"] for t in started["trials"] for o in t["options"]}
        assert names <= {"images/0.png", "images/1.png", "images/2.png", "images/3.png"}
        response = client.get("/s/pictures/images/2.png")
        assert response.status_code == 200 and response.content == (folder / "red.png").read_bytes()
        for bad in ("4.png", "2.jpg", "..%2Fstudy.toml", "red.png", "-1.png"):
            assert client.get(f"/s/pictures/images/{bad}").status_code == 404
        assert client.get("/static/../studies/README.md").status_code == 404


def test_trial_images_are_served_by_position_only(client):
    served = short_studies()["rotation"]
    lab = served.study.trials("p001", 1)
    started = client.post("/s/rotation/api/start", json={"params": {"participant": "p001"}}).json()
    files = sorted(served.study.design.images())
    assert [str(p) for p in served.images] == files and len(files) == len(lab)
    for shown, trial in zip(started["trials"], lab, strict=True):
        assert shown["image"] == f"images/{files.index(trial.image)}.png"
        assert [o["lines"] for o in shown["options"]] == [["same"], ["mirror"]]
        assert all(o["image"] is None for o in shown["options"])
        response = client.get(f"/s/rotation/{shown['image']}")
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert response.content == open(trial.image, "rb").read()
    text = str(started)  # nothing the answer could be read from
    assert "pair_type" not in text and "mirror.png" not in text and "expected" not in text
    for bad in (f"{len(files)}.png", "0.jpg", "..%2F0.png", lab[0].stimulus["image_file"]):
        assert client.get(f"/s/rotation/images/{bad}").status_code == 404
