"""The online moral-graph study definition (moralgraph.toml): defaults, overrides, hash, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cogalign.moralgraph.online_study import TEXT_DEFAULTS, load_moralgraph_study
from cogalign.studies.definition import DefinitionError

SHIPPED = Path(__file__).resolve().parents[2] / "studies" / "moralgraph" / "moralgraph.toml"

MINIMAL = """
[study]
name = "mg"

[[questions]]
id = "q1"
text = "What should the assistant say?"
contexts = ["When it matters"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "moralgraph.toml"
    path.write_text(text)
    return path


def test_the_shipped_study_loads_with_its_starting_cards():
    study = load_moralgraph_study(SHIPPED)
    assert study.name == "moralgraph" and [q.id for q in study.questions] == ["abortion", "parenting"]
    assert all(q.contexts for q in study.questions)
    assert {q for q, _ in study.start_cards} == {"abortion", "parenting"}
    assert study.settings["chat"]["api_key_env"] == "COGALIGN_CHAT_API_KEY"
    assert len(study.hash) == 16


def test_defaults_overrides_and_the_hash(tmp_path):
    path = write(tmp_path, MINIMAL)
    study = load_moralgraph_study(path)
    assert study.settings["votes"] == {"peer_cards": 3, "upgrade_edges": 3}
    assert study.settings["text"] == TEXT_DEFAULTS and study.start_cards == ()
    changed = load_moralgraph_study(path, ["votes.peer_cards=5", "chat.timeout=10",
                                           "text.end=Bye"])
    assert changed.settings["votes"]["peer_cards"] == 5
    assert changed.settings["chat"]["timeout"] == 10.0  # an integer is taken as seconds
    assert changed.settings["text"]["end"] == "Bye"
    assert changed.hash != study.hash  # sessions of the old definition do not go on
    assert load_moralgraph_study(path).hash == study.hash
    copy = tmp_path / "other" / "moralgraph.toml"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    assert load_moralgraph_study(copy).hash == study.hash  # the path is not part of it


@pytest.mark.parametrize("text, overrides, messages", [
    (MINIMAL + "\n[votes]\npeer_card = 2\n", [], ["[votes] unknown field(s) ['peer_card']"]),
    (MINIMAL.replace('name = "mg"', 'name = "m g"'), [], ["[study] name: letters, digits"]),
    (MINIMAL.replace('contexts = ["When it matters"]', "contexts = []"), [],
     ["[[questions]] 1 contexts: must be a non-empty list"]),
    (MINIMAL.split("[[questions]]")[0], [], ["[[questions]]: at least one question"]),
    (MINIMAL + "\n[interview]\nmax_turns = 0\n", [], ["[interview] max_turns: must be between 1"]),
    (MINIMAL + '\n[chat]\ntimeout = "long"\n', [], ["[chat] timeout: expected float"]),
    (MINIMAL + '\n[[cards]]\nquestion = "q1"\ntitle = ""\ndescription = "d"\n'
               'attention_policies = ["x"]\n', [], ["[[cards]] 1: invalid values card: 'title'"]),
    (MINIMAL + '\n[[cards]]\nquestion = "q9"\ntitle = "t"\ndescription = "d"\n'
               'attention_policies = ["x"]\n', [], ["[[cards]] 1 question: 'q9' is not a question"]),
    (MINIMAL, ["study.name=other"], ["--set study.name=other: not a field that can be set"]),
    (MINIMAL + "\n[trials]\nn = 3\n", [], ["unknown table(s) ['trials']"]),
])
def test_every_problem_names_the_file_and_the_field(tmp_path, text, overrides, messages):
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as caught:
        load_moralgraph_study(path, overrides)
    for message in messages:
        assert f"{path}: {message}" in str(caught.value)


def test_a_file_that_is_not_toml(tmp_path):
    with pytest.raises(DefinitionError, match="not valid TOML"):
        load_moralgraph_study(write(tmp_path, "[study\nname ="))
