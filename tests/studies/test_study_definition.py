"""Study definition files: the shipped studies load; bad files fail with file, table and field."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from study_helpers import PARADIGMS, definition_path

from cogalign.studies.cli import study_group
from cogalign.studies.definition import DefinitionError, load_definition, parse_override
from cogalign.studies.design import prepare_study

MINIMAL = """
[study]
name = "pilot"
paradigm = "risky"
"""


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", PARADIGMS)
def test_shipped_definitions_load_and_prepare(name):
    d = load_definition(definition_path(name))
    assert d.paradigm == name and d.name == name
    study = prepare_study(d)
    assert len(study.hash) == 16
    # the hash is stable: loading again gives the same hash
    assert prepare_study(load_definition(definition_path(name))).hash == study.hash
    assert (definition_path(name).parent / "README.md").is_file()


def test_hash_covers_fields_but_not_the_output_folder():
    path = definition_path("risky")
    base = load_definition(path)
    assert load_definition(path, ["study.output=elsewhere"]).hash == base.hash
    assert load_definition(path, ["trials.n=7"]).hash != base.hash
    assert load_definition(path, ["timing.iti=0.5"]).hash != base.hash


def test_defaults_fill_in(tmp_path):
    d = load_definition(write(tmp_path, MINIMAL))
    assert d["trials"]["n"] == 20
    assert d["response"]["keys"] == ["left", "right"]
    assert d["gambles"]["max_outcomes"] == 3
    assert "scale" not in d.data  # a similarity-only table does not appear for risky


def test_unknown_field_names_file_table_field_and_suggestion(tmp_path):
    path = write(tmp_path, MINIMAL + "[trials]\nnn = 4\n")
    with pytest.raises(DefinitionError) as info:
        load_definition(path)
    text = str(info.value)
    assert str(path) in text and "[trials] nn: unknown field (did you mean 'n'?)" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[trials]\nn = 'ten'\n", "[trials] n: expected an integer, got str 'ten'"),
        ("[trials]\nn = -1\n", "[trials] n: must be >= 0"),
        ("[timing]\niti = true\n", "[timing] iti: expected a number, got bool True"),
        ("[response]\nkeys = ['left']\n", "needs 2 keys"),
        ("[response]\nkeys = ['left', 'space']\n", "also the continue or quit key"),
        ("[scale]\nmin = 1\n", "table [scale] does not apply to the risky paradigm"),
        ("[gambles]\nmax_value = -60\n", "[gambles] max_value: -60 is not above min_value -50"),
        ("[gambles]\nprobability_step = 0.3\n", "[gambles] probability_step: must divide 1"),
        ("[display]\nsize = [10, 10]\n", "[display] size: must be [width, height]"),
        ("[colours]\nx = 1\n", "unknown table [colours]"),
        ("[text]\nbreak = 'Rest {minutes}'\n", "[text] break: unknown placeholder(s) ['minutes']"),
        ("[text]\nbreak = 'Rest {'\n", "[text] break: bad braces"),
    ],
)
def test_bad_fields_are_named(tmp_path, extra, message):
    with pytest.raises(DefinitionError, match=None) as info:
        load_definition(write(tmp_path, MINIMAL + extra))
    assert message in str(info.value)


def test_study_table_checks(tmp_path):
    with pytest.raises(DefinitionError, match=r"\[study\] name: must be letters and digits"):
        load_definition(write(tmp_path, MINIMAL.replace('"pilot"', '"my pilot"')))
    with pytest.raises(DefinitionError, match=r"\[study\] paradigm: must be one of"):
        load_definition(write(tmp_path, MINIMAL.replace('"risky"', '"poker"')))
    with pytest.raises(DefinitionError, match="the \\[study\\] table is missing"):
        load_definition(write(tmp_path, "[trials]\nn = 3\n"))
    with pytest.raises(DefinitionError, match="participant_pattern: is not a valid regular"):
        load_definition(write(tmp_path, MINIMAL + 'participant_pattern = "p[0-9"\n'))
    with pytest.raises(DefinitionError, match="not valid TOML"):
        load_definition(write(tmp_path, "[study\n"))
    with pytest.raises(DefinitionError, match="no such definition file"):
        load_definition(tmp_path / "missing.toml")


def test_similarity_scale_checks(tmp_path):
    base = '[study]\nname = "s"\nparadigm = "similarity"\n[items]\nfile = "x.csv"\n'
    with pytest.raises(DefinitionError, match="max: 1 is not above min 7"):
        load_definition(write(tmp_path, base + "[scale]\nmin = 7\nmax = 1\n"))
    with pytest.raises(DefinitionError, match="cannot use the number keys"):
        load_definition(write(tmp_path, base + "[scale]\nmin = 0\nmax = 100\n"))
    with pytest.raises(DefinitionError, match="does not divide"):
        load_definition(write(tmp_path, base + "[scale]\nmin = 0\nmax = 10\nstep = 3\n"))
    # triplet-only field in a similarity study
    with pytest.raises(DefinitionError, match="check_categories: does not apply"):
        load_definition(write(tmp_path, base + 'check_categories = ["a"]\n'))
    d = load_definition(write(tmp_path, base + "[scale]\nmin = 0\nmax = 100\ninput = 'slider'\n"))
    assert d["scale"]["max"] == 100.0


def test_overrides(tmp_path):
    assert parse_override("trials.n=4") == ("trials", "n", 4)
    assert parse_override("display.size=[800, 600]") == ("display", "size", [800, 600])
    assert parse_override("text.end=Bye now") == ("text", "end", "Bye now")
    with pytest.raises(DefinitionError, match="expected TABLE.FIELD=VALUE"):
        parse_override("trials")
    path = write(tmp_path, MINIMAL)
    d = load_definition(path, ["trials.n=4", "gambles.feedback=true"])
    assert d["trials"]["n"] == 4 and d["gambles"]["feedback"] is True
    assert d.overrides == ("trials.n=4", "gambles.feedback=true")
    with pytest.raises(DefinitionError, match="unknown field 'nn' in \\[trials\\]"):
        load_definition(path, ["trials.nn=4"])
    with pytest.raises(DefinitionError, match="\\[trials\\] n: expected an integer"):
        load_definition(path, ["trials.n=many"])


def test_missing_item_file_is_named(tmp_path):
    path = write(tmp_path, '[study]\nname = "t"\nparadigm = "triplets"\n'
                           '[items]\nsource = "file"\nfile = "nope.csv"\n')
    with pytest.raises(DefinitionError, match="nope.csv does not exist"):
        prepare_study(load_definition(path))


def test_check_command_json_and_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(study_group, ["check", str(definition_path("intertemporal")), "--json",
                                         "--set", "trials.n=10"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["paradigm"] == "intertemporal"
    assert info["main_trials"] == 10 and info["practice_trials"] == 2
    assert info["attention_checks"] == 4
    bad = write(tmp_path, MINIMAL + "[trials]\nn = 'x'\n")
    result = runner.invoke(study_group, ["check", str(bad)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "[trials] n" in lines[0]
