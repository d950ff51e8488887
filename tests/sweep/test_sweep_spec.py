"""The sweep file: cells expanded from it, and every wrong field named with its file."""

from __future__ import annotations

import pytest
from sweep_helpers import toy_sweep

from cogalign.sweep import SweepFileError, expand_cells, load_spec, parse_spec


def test_cells_are_the_cross_product_of_each_block(toy, write_sweep):
    spec = load_spec(write_sweep(toy_sweep()))
    cells = expand_cells(spec)
    assert len(cells) == 2 * 2 * 3 * 2
    assert len({c.cell_id for c in cells}) == len(cells)
    assert [c.model for c in cells] == ["m1"] * 12 + ["m2"] * 12  # grouped by model
    first = cells[0]
    assert first.kwargs() == {"seed": 0, "limit": None, "layer": "all", "template": "plain",
                              "fail_on": "boom"}
    assert spec.name == "toy" and "fail_on" in spec.text


def test_cell_ids_depend_on_what_decides_the_result_only(toy):
    base = {"sweep": {"models": ["m1"]},
            "paradigm": [{"name": "toysweep", "templates": ["plain"]}]}
    one = expand_cells(parse_spec(base))[0]
    again = expand_cells(parse_spec({**base, "resources": {"num_cpus": 2}}))[0]
    other = expand_cells(parse_spec({**base, "sweep": {"models": ["m1"], "seeds": [1]}}))[0]
    assert one.cell_id == again.cell_id  # resources do not change the result
    assert one.cell_id != other.cell_id
    assert again.resources.num_cpus == 2.0


def test_blocks_that_repeat_a_cell_run_it_once(toy):
    block = {"name": "toysweep", "templates": ["plain", "fancy"]}
    spec = parse_spec({"sweep": {"models": ["m1"]},
                       "paradigm": [block, {"name": "toysweep", "templates": ["fancy"]}]})
    assert len(expand_cells(spec)) == 2


def test_all_covers_every_paradigm_and_says_which_it_skips(toy):
    spec = parse_spec({"sweep": {"models": ["m1"], "layers": ["last"]},
                       "paradigm": [{"name": "all"}]})
    swept = {b.paradigm for b in spec.blocks}
    assert {"toysweep", "triplets", "similarity", "risky"} <= swept
    skipped = dict(spec.skipped)
    assert "intertemporal" in skipped and "no align entry" in skipped["intertemporal"]
    # layers reach the paradigms that take a layer
    assert {b.paradigm: b.layers for b in spec.blocks}["toysweep"] == ("last",)


@pytest.mark.parametrize("data, where, what", [
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweep", "temperatures": [1.0]}]},
     "[[paradigm]] 1 (toysweep).temperatures", "takes no temperature"),
    ({"sweep": {"modles": ["m1"]}, "paradigm": [{"name": "toysweep"}]},
     "[sweep]", "did you mean 'models'"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweeep"}]},
     "[[paradigm]] 1 (toysweeep).name", "did you mean 'toysweep'"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweep", "options": {"fail": 1}}]},
     "[[paradigm]] 1 (toysweep).options", "no option 'fail'"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweep", "options": {"seed": 1}}]},
     "[[paradigm]] 1 (toysweep).options", "are sweep axes"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweep", "templates": []}]},
     "[[paradigm]] 1 (toysweep).templates", "must not be empty"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweep", "layers": [1.5]}]},
     "[[paradigm]] 1 (toysweep).layers", "expected a layer spec"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweep", "limit": 0}]},
     "[[paradigm]] 1 (toysweep).limit", "positive whole number"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "toysweep", "datasets": ["nope"]}]},
     "[[paradigm]] 1 (toysweep).datasets", "unknown dataset 'nope'"),
    ({"sweep": {"models": ["m1", "m1"]}, "paradigm": [{"name": "toysweep"}]},
     "[sweep].models", "lists a value twice"),
    ({"paradigm": [{"name": "toysweep"}]}, "[[paradigm]] 1 (toysweep).models", "no models"),
    ({"sweep": {"models": ["m1"]}}, "[[paradigm]]", "names no paradigm"),
    ({"sweep": {"models": ["m1"]}, "paradigm": [{"name": "intertemporal"}]},
     "[[paradigm]]", "nothing to run: intertemporal declares no align entry"),
    ({"sweep": {"models": ["m1"]}, "resources": {"num_gpus": -1},
      "paradigm": [{"name": "toysweep"}]}, "[resources].num_gpus", "a number >= 0"),
])
def test_wrong_fields_are_named_with_the_file(toy, data, where, what):
    with pytest.raises(SweepFileError) as err:
        parse_spec(data, source="my.toml")
    message = str(err.value)
    assert message.startswith(f"my.toml: {where}: "), message
    assert what in message


def test_a_file_that_is_not_toml_or_missing(write_sweep, tmp_path):
    path = write_sweep("[sweep]\nmodels = [\"m1\"]\nname = = 3\n")
    with pytest.raises(SweepFileError, match=r"sweep\.toml: not valid TOML: .*line"):
        load_spec(path)
    with pytest.raises(SweepFileError, match="no such sweep file"):
        load_spec(tmp_path / "absent.toml")


def test_the_shipped_offline_sweep_covers_every_paradigm_with_an_align_entry():
    from pathlib import Path

    from cogalign.paradigms import all_paradigms

    path = Path(__file__).resolve().parents[2] / "sweeps" / "offline.toml"
    cells = expand_cells(load_spec(path))
    measured = {name for name, p in all_paradigms().items()
                if p.align and p.package.startswith("cogalign.")}  # not the tests' toys
    assert {c.paradigm for c in cells} == measured
