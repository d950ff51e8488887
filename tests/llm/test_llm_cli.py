"""The `embed`, `judge` and `cache` commands (registered into `cogalign` by the main CLI)."""

from __future__ import annotations

import json

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cogalign.data import read_items_file as read_items
from cogalign.llm import Representations
from cogalign.llm.cli import cache_group, embed_command, judge_command


@pytest.fixture()
def cli():
    group = click.Group("cogalign")
    group.add_command(embed_command)
    group.add_command(judge_command)
    group.add_command(cache_group)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(group, [str(a) for a in args], catch_exceptions=False)

    return run


def test_read_items(tmp_path):
    (tmp_path / "a.txt").write_text("cat\n\ndog\r\n  \nNew York\n")
    assert read_items(tmp_path / "a.txt") == ["cat", "dog", "New York"]
    pd.DataFrame({"id": [1, 2], "name": ["cat", "dog"]}).to_csv(tmp_path / "b.csv", index=False)
    assert read_items(tmp_path / "b.csv") == ["cat", "dog"]
    assert read_items(tmp_path / "b.csv", column="id") == ["1", "2"]
    (tmp_path / "c.json").write_text('["x", "y"]')
    assert read_items(tmp_path / "c.json") == ["x", "y"]
    with pytest.raises(ValueError, match="column"):
        read_items(tmp_path / "b.csv", column="nope")


@pytest.mark.llm
def test_embed_command(cli, tmp_path, minilm):
    items = tmp_path / "items.txt"
    items.write_text("cat\ndog\ncar\n")
    out = tmp_path / "reps.npz"
    result = cli("embed", "--model", "minilm-l6", "--items", items, "--out", out, "--layers", "0,-1",
                 "--no-progress", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["shape"] == [3, 2, 384] and payload["layers"] == [0, 6]
    assert payload["cache_hit"] is False
    reps = Representations.load(out)
    assert reps.items == ["cat", "dog", "car"] and reps.shape == (3, 2, 384)
    again = cli("embed", "-m", "minilm-l6", "--items", items, "--out", tmp_path / "folder", "--layers", "0,-1",
                "--no-progress", "--json")
    assert json.loads(again.output)["cache_hit"] is True
    np.testing.assert_array_equal(Representations.load(tmp_path / "folder").array, reps.array)
    text = cli("embed", "--items", items, "--out", tmp_path / "r2.npz", "--float16", "--no-progress")
    assert text.exit_code == 0 and "3 items x 7 layers x 384" in text.output


def test_commands_fail_with_one_line(cli, tmp_path):
    result = cli("embed", "--items", tmp_path / "missing.txt", "--out", tmp_path / "o.npz")
    assert result.exit_code != 0
    assert "items file not found" in result.output and len(result.output.strip().splitlines()) == 1
    (tmp_path / "t.csv").write_text("a,b\nx,y\n")
    bad_task = cli("judge", "--task", "nope", "--items", tmp_path / "t.csv", "--out", tmp_path / "o.csv")
    assert bad_task.exit_code != 0 and "unknown task" in bad_task.output
    missing_cols = cli("judge", "--task", "odd-one-out", "--items", tmp_path / "t.csv", "--out", tmp_path / "o.csv")
    assert missing_cols.exit_code != 0 and "needs columns" in missing_cols.output
    (tmp_path / "w.txt").write_text("cat\ndog\n")  # a CSV without an item column is refused
    bad_model = cli("embed", "--model", "no model!", "--items", tmp_path / "w.txt", "--out", tmp_path / "o.npz")
    assert bad_model.exit_code != 0 and "unknown model" in bad_model.output


@pytest.mark.llm
def test_judge_command_local(cli, tmp_path, smollm):
    trials = tmp_path / "pairs.csv"
    pd.DataFrame({"item_1": ["dog", "apple"], "item_2": ["cat", "banana"], "item_3": ["hammer", "bicycle"]}).to_csv(
        trials, index=False
    )
    out = tmp_path / "judged.csv"
    result = cli("judge", "--model", "smollm2-135m", "--task", "odd-one-out", "--items", trials, "--out", out,
                 "--permutations", "all", "--no-progress", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["rows"] == 2 and payload["errors"] == 0 and payload["task"] == "odd-one-out"
    assert len(payload["position_bias"]["mean_prob"]) == 3
    table = pd.read_csv(out)
    np.testing.assert_allclose(table[["p_item_1", "p_item_2", "p_item_3"]].sum(axis=1), 1.0)
    sampled = cli("judge", "--task", "odd-one-out", "--items", trials, "--out", tmp_path / "s.csv",
                  "--samples", "4", "--permutations", "all", "--no-progress")
    assert sampled.exit_code == 0, sampled.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == 8


def test_judge_command_chat_backend(cli, tmp_path, fake_server):
    fake_server.default = {"content": "agree"}
    trials = tmp_path / "beliefs.csv"
    pd.DataFrame({"statement": ["Tea is nice.", "Snow is cold."]}).to_csv(trials, index=False)
    out = tmp_path / "beliefs_out.csv"
    result = cli("judge", "--backend", "chat", "--base-url", fake_server.base_url, "--model", "fake-model",
                 "--task", "agree-disagree", "--items", trials, "--out", out, "--permutations", "all",
                 "--no-cache", "--json")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table["p_agree"]) == [1.0, 1.0] and list(table["n_orders"]) == [2, 2]
    assert len(fake_server.requests) == 4


def test_cache_commands(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("COGALIGN_CACHE", str(tmp_path / "c"))
    from cogalign.llm.cache import atomic_write_json, llm_cache_dir

    atomic_write_json(llm_cache_dir("chat") / "k.json", {"model_id": "chat:m@h"})
    info = cli("cache", "info", "--json")
    assert info.exit_code == 0
    payload = json.loads(info.output)
    assert payload["kinds"]["chat"]["entries"] == 1 and payload["path"].startswith(str(tmp_path))
    assert "chat" in cli("cache", "info").output
    cleared = cli("cache", "clear", "--kind", "chat", "--json")
    assert json.loads(cleared.output)["entries"] == 1
    assert json.loads(cli("cache", "info", "--json").output)["total_bytes"] == 0
    assert "removed 0 entries" in cli("cache", "clear").output


def _beliefs(tmp_path, n: int = 2):
    trials = tmp_path / "beliefs.csv"
    pd.DataFrame({"statement": [f"Statement {i}." for i in range(n)]}).to_csv(trials, index=False)
    return trials


def _judge_chat(cli, url, trials, out, *extra):
    return cli("judge", "--backend", "chat", "--base-url", url, "--model", "fake-model",
               "--task", "agree-disagree", "--items", trials, "--out", out, "--no-cache",
               "--no-progress", *extra)


@pytest.mark.parametrize("behaviour, says", [
    ({"status": 401}, "HTTP 401"),
    ({"raw": b"<html>not a chat server</html>"}, "not JSON"),
])
def test_judge_stops_at_once_when_the_server_cannot_answer(cli, tmp_path, fake_server,
                                                           behaviour, says):
    fake_server.default = behaviour
    out = tmp_path / "out.csv"
    result = _judge_chat(cli, fake_server.base_url, _beliefs(tmp_path, 20), out, "--json")
    assert result.exit_code == 1 and says in result.output
    # the requests already in flight (4 workers) end; no other trial is sent
    assert len(fake_server.requests) <= 4 and not out.exists()


def test_judge_on_a_refused_port_fails_fast(cli, tmp_path):
    from llm_fake_server import refused_base_url

    out = tmp_path / "out.csv"
    result = _judge_chat(cli, refused_base_url(), _beliefs(tmp_path), out)
    assert result.exit_code == 1 and "connection refused" in result.output
    assert not out.exists()


def test_judge_run_where_every_trial_failed_exits_non_zero(cli, tmp_path, fake_server,
                                                           monkeypatch):
    fake_server.default = {"status": 500}
    monkeypatch.setenv("COGALIGN_CHAT_RETRIES", "0")
    out = tmp_path / "out.csv"
    result = _judge_chat(cli, fake_server.base_url, _beliefs(tmp_path), out)
    assert result.exit_code == 1 and "every trial failed (2 of 2)" in result.output
    assert "HTTP 500" in result.output and not out.exists()
    assert len(fake_server.requests) == 2  # the environment's retry count was used


def test_judge_chat_timeouts_from_the_command_line(cli, tmp_path, fake_server):
    fake_server.push({"hang": True})
    fake_server.default = {"content": "agree"}
    out = tmp_path / "out.csv"
    result = _judge_chat(cli, fake_server.base_url, _beliefs(tmp_path), out, "--timeout", "0.3",
                         "--retries", "0", "--deadline", "5", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["rows"] == 2 and payload["errors"] == 1
    table = pd.read_csv(out)
    assert "timed out after 0.3 s" in table["error"].dropna().iloc[0]
    local = cli("judge", "--task", "agree-disagree", "--items", _beliefs(tmp_path), "--out", out,
                "--timeout", "3")
    assert local.exit_code == 2 and "--timeout is a setting of --backend chat" in local.output
