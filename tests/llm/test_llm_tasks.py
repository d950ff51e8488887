"""Task templates stored as data, and counterbalancing orders."""

from __future__ import annotations

import math

import pytest

from cogalign.llm import list_tasks, load_task
from cogalign.llm import tasks as tasks_module
from cogalign.llm.tasks import Task, orders, register_templates

BUILTIN = [
    "agree-disagree",
    "gamble-choice",
    "odd-one-out",
    "same-different",
    "similarity-0-10",
    "similarity-0-10-meaning",
    "similarity-0-10-participant",
    "similarity-0-10-related",
    "similarity-0-100",
    "similarity-1-7",
    "similarity-1-7-participant",
]


def test_builtin_tasks_load_and_render():
    assert [t for t in list_tasks() if load_task(t).source.startswith("builtin:")] == BUILTIN
    for name in BUILTIN:
        task = load_task(name)
        row = {f: f"value of {f}" for f in task.fields}
        prompt, answers = task.render(row)
        for f in task.fields:
            if task.alternatives == "fields" or f"{{{f}}}" in task.template:
                assert f"value of {f}" in prompt
        if task.kind == "rating":
            low, high = task.scale
            assert answers == [str(v) for v in range(low, high + 1)]
        else:
            assert len(answers) == task.n_alternatives


def test_underscore_names_and_files(tmp_path):
    assert load_task("odd_one_out").name == "odd-one-out"
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\nkind = "choice"\nfields = ["a", "b"]\nlabels = ["X", "Y"]\n'
        'template = "Pick: X={option1}, Y={option2}"\n'
    )
    task = load_task(path)
    assert task.render({"a": "apple", "b": "pear"}, (1, 0)) == ("Pick: X=pear, Y=apple", ["X", "Y"])


def test_bad_task_files_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="unknown task"):
        load_task("no-such-task")
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nkind = "choice"\nfields = ["a", "b"]\ntemplate = "{oops}"\n')
    with pytest.raises(ValueError, match="unknown placeholders"):
        load_task(path)
    path.write_text('name = "bad"\nkind = "rating"\nfields = ["a"]\ntemplate = "{a}"\n')
    with pytest.raises(ValueError, match="scale"):
        load_task(path)
    path.write_text('name = "bad"\nkind = "choice"\nfields = ["a", "b"]\n')
    with pytest.raises(ValueError, match="missing key 'template'"):
        load_task(path)


def test_render_permutes_alternatives_and_keeps_labels():
    task = load_task("odd-one-out")
    row = {"item_1": "cat", "item_2": "dog", "item_3": "car"}
    prompt, answers = task.render(row, (2, 0, 1))
    assert "1. car\n2. cat\n3. dog" in prompt
    assert answers == ["1", "2", "3"]
    same = load_task("same-different")
    prompt, answers = same.render({"item_1": "L", "item_2": "R"}, (1, 0))
    assert answers == ["different", "same"]
    assert "different or same" in prompt
    with pytest.raises(ValueError, match="permutation"):
        task.render(row, (0, 0, 1))
    with pytest.raises(KeyError):
        task.render({"item_1": "cat"})


def test_orders():
    assert orders(3, None, n_rows=2) == [[(0, 1, 2)], [(0, 1, 2)]]
    every = orders(3, "all")[0]
    assert len(every) == math.factorial(3) == len(set(every))
    cyc = orders(3, "cyclic")[0]
    assert sorted(o[0] for o in cyc) == [0, 1, 2]  # every alternative once in first position
    drawn = orders(4, 5, seed=1, n_rows=3)
    assert all(len(r) == 5 and len(set(r)) == 5 for r in drawn)
    assert drawn == orders(4, 5, seed=1, n_rows=3)
    assert drawn != orders(4, 5, seed=2, n_rows=3)
    assert len(orders(2, 10)[0]) == 2
    with pytest.raises(ValueError):
        orders(3, "sometimes")


def test_task_validation():
    with pytest.raises(ValueError, match="kind"):
        Task(name="x", kind="essay", fields=("a",), template="{a}")
    with pytest.raises(ValueError, match="labels"):
        Task(name="x", kind="choice", fields=("a", "b"), template="{a}", labels=("1",))


def test_packages_and_folders_register_their_templates(tmp_path, monkeypatch):
    monkeypatch.setattr(tasks_module, "_TEMPLATES", dict(tasks_module._registry()))
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "belief_rating.toml").write_text(
        'name = "belief-rating"\nkind = "rating"\nfields = ["item"]\nscale = [1, 5]\n'
        'template = "How much do you agree: {item}?"\n'
    )
    assert "belief-rating" not in list_tasks()
    assert register_templates(folder) == ["belief-rating"]
    assert register_templates(folder / "belief_rating.toml") == ["belief-rating"]  # again: no-op
    assert "belief-rating" in list_tasks()
    assert load_task("belief_rating").render({"item": "cats purr"})[0] == "How much do you agree: cats purr?"
    assert load_task("odd-one-out").source == "builtin:odd_one_out"
    # a package's prompts/ folder, by module name
    package = tmp_path / "mypkg"
    (package / "prompts").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "prompts" / "odd_one_out.toml").write_text((folder / "belief_rating.toml").read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="already registered"):
        register_templates("mypkg")
    with pytest.raises(ValueError, match="no package"):
        register_templates("no_such_package_here")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no .toml task files"):
        register_templates(empty)


def test_constants_are_filled_once_and_text_templates_load(tmp_path):
    from cogalign.llm.tasks import list_templates, load_text_template

    path = tmp_path / "vote.toml"
    path.write_text('name = "vote"\nkind = "choice"\nconstants = ["context"]\n'
                    'fields = ["a", "b"]\ntemplate = "In {context}: {option1} or {option2}?"\n')
    task = load_task(path)
    with pytest.raises(ValueError, match="needs \\['context'\\] filled first"):
        task.render({"a": "x", "b": "y"})
    filled = task.fill(context="a {hard} case")
    prompt, _ = filled.render({"a": "x", "b": "y"})
    assert prompt == "In a {hard} case: x or y?" and filled.constants == ()
    with pytest.raises(ValueError, match="no constants"):
        task.fill(topic="x")
    assert filled.with_system("You are Ann.").system == "You are Ann."
    text = tmp_path / "talk.toml"
    text.write_text('name = "talk"\nopening = "Hello {who}"\n')
    template = load_text_template(text)
    assert template.format("opening", who="Ann") == "Hello Ann"
    with pytest.raises(KeyError, match="no text 'closing'"):
        template["closing"]
    with pytest.raises(ValueError, match="not a judgment task"):
        load_task(text)
    kinds = list_templates()
    assert kinds["odd-one-out"] == "choice" and kinds["interview"] == "text"
