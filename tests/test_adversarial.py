"""Hostile input through the command line: refused in one line, with the right exit status.

Every case in :data:`CASES` is run twice, as text and with ``--json``, through
``cogalign.cli.main``, and must:

- end without a traceback and without an unexpected error (exit status 1 for bad input, 2 for
  wrong usage; never 0, never 70);
- say why (each fragment in ``says`` appears in the output);
- with ``--json``, print one JSON object on standard output (an ``error``, or ``valid: false``);
- write or change no file in the case's folder (its inputs, the cache, the search path);
- never touch the network.

To cover another command, append cases: ``args`` is the command line (``{tmp}`` is the case's
folder), ``files`` the inputs to create there, ``env`` the environment (``COGALIGN_CACHE``
and ``COGALIGN_DATA_PATH`` default to fresh folders in ``{tmp}``), ``setup`` anything else
(e.g. a monkeypatched failure, or a behaviour of the fake chat server on 127.0.0.1). Every
command of ``cogalign --help`` has at least one case (:func:`test_every_command_has_a_case`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cogalign.cli import main
from cogalign.data.schema import MAX_KEPT
from cogalign.studies.library import shipped_studies

sys.path.insert(0, str(Path(__file__).parent / "llm"))
from llm_fake_server import FakeChatServer, refused_base_url  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    """One hostile input and what must happen to it."""

    id: str
    args: tuple[str, ...]
    says: tuple[str, ...] = ()
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    setup: Callable[[Path, pytest.MonkeyPatch], None] | None = None
    exit: int = 1
    json: bool = True
    pending: str | None = None  # a known gap, with the change that closes it


TRIPLETS = "participant_id,trial,item_1,item_2,item_3,response,rt\n"
ROW = "p1,0,0,1,2,0,1.0\n"
GAMBLES = "participant_id,trial,outcomes_a,probs_a,outcomes_b,probs_b,response\n"
CHOICES = "participant_id,trial,x1,t1,x2,t2,response\n"
PAIRS = "participant_id,trial,item_a,item_b,rating\n"
DESCRIPTION = json.dumps({"name": "pilot", "variableMeasured": TRIPLETS.strip().split(","),
                          "keywords": ["cogalign:triplets"]})
P1 = "ds/data/study-triplets_subject-p1_data.csv"
P2 = "ds/data/study-triplets_subject-p2_data.csv"


def _validate(name: str, paradigm: str = "triplets", *extra: str) -> tuple[str, ...]:
    return ("validate", f"{{tmp}}/{name}", "--paradigm", paradigm, *extra)


def _fifo(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp / "pipe.csv")


def _deny_writes(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", deny)
    monkeypatch.setattr(tempfile, "mkdtemp", deny)
    monkeypatch.setattr(os, "unlink", deny)
    monkeypatch.setattr(os, "rename", deny)


def _cache_entry(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = tmp / "cache" / "llm" / "chat" / "k1.json"
    entry.parent.mkdir(parents=True)
    entry.write_text('{"model_id": "m"}')


RATES = "problem_id,outcomes_a,probs_a,outcomes_b,probs_b,n,b_rate\n"
RATE = '{i},"[10]","[1]","[20, 0]","[0.5, 0.5]",10,{rate}\n'
ONE_RATE = RATES + RATE.format(i=0, rate=0.4)
SAME_RATES = RATES + "".join(RATE.format(i=i, rate=0.5) for i in range(12))
MIXED_RATES = RATES + "".join(RATE.format(i=i, rate=0.1 + 0.05 * i) for i in range(12))
ALL_A = GAMBLES + "".join(f'p1,{i},"[10]","[1]","[20, 0]","[0.5, 0.5]",A\n' for i in range(12))
NO_ANSWERS = CHOICES + "p1,0,5,0,10,2,\np1,1,5,0,12,3,\n"
ONE_CHOICE = CHOICES + "p1,0,5,0,10,2,1\n"
ALL_LATER = CHOICES + "".join(f"p1,{i},5,0,{10 + i},2,1\n" for i in range(12))
ONE_PERSON = CHOICES + "".join(f"p1,{i},5,0,{10 + i},2,{i % 2}\n" for i in range(12))
STATEMENTS = "statement\nTea is nice.\nSnow is cold.\n"
STUDY = str(shipped_studies()["triplets"].definition)
ROTATION_HEADER = "participant_id,trial,angle,axis,pair_type,response,correct,rt\n"
README_STUDY = "similarity"  # a shipped study, by name

#: The fake chat server the chat cases talk to (started by :func:`chat_server`).
SERVER: list[FakeChatServer] = []


def _chat(behaviour: dict) -> Callable[[Path, pytest.MonkeyPatch], None]:
    """A setup that makes the fake chat server answer every request with ``behaviour``."""

    def setup(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        server = SERVER[0]
        server.default = behaviour
        monkeypatch.setenv("COGALIGN_CHAT_BASE_URL", server.base_url)

    return setup


def _refused(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGALIGN_CHAT_BASE_URL", refused_base_url())


def _cpu_only(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.version, "cuda", None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def _judge(*extra: str, items: str = "s.csv") -> tuple[str, ...]:
    return ("judge", "--task", "agree-disagree", "--items", f"{{tmp}}/{items}",
            "--out", "{tmp}/out.csv", "--no-progress", *extra)


def _chat_judge(*extra: str) -> tuple[str, ...]:
    return _judge("--backend", "chat", "--model", "fake-model", "--no-cache", *extra)


def _embed(*extra: str, items: str = "i.txt") -> tuple[str, ...]:
    return ("embed", "--items", f"{{tmp}}/{items}", "--out", "{tmp}/o.npz", "--no-progress",
            *extra)


CASES: list[Case] = [
    # --- class 1: one reader, no silent column shift
    Case("trailing-comma-row", _validate("t.csv"), ("row 1 (line 2)", "8 cells", "7 columns"),
         {"t.csv": TRIPLETS + "p1,0,0,1,2,0,1.0,\n"}),
    Case("short-row", _validate("t.csv"), ("row 2 (line 3)", "5 cells"),
         {"t.csv": TRIPLETS + ROW + "p1,1,3,4,5\n"}),
    Case("torn-last-row", _validate("t.csv"), ("last row is incomplete",),
         {"t.csv": TRIPLETS + ROW + "p1,1,3"}),
    Case("semicolons-as-csv", _validate("t.csv"), ("semicolon-separated",),
         {"t.csv": (TRIPLETS + ROW).replace(",", ";")}),
    Case("tabs-as-csv", _validate("t.csv"), ("tab-separated", "name it .tsv"),
         {"t.csv": (TRIPLETS + ROW).replace(",", "\t")}),
    Case("commas-as-tsv", _validate("t.tsv"), ("comma-separated",),
         {"t.tsv": TRIPLETS + ROW}),
    Case("latin-1", _validate("t.csv"), ("not UTF-8",),
         {"t.csv": (TRIPLETS + "p\u00e9,0,0,1,2,0,1.0\n").encode("latin-1")}),
    Case("nul-bytes", _validate("t.csv"), ("NUL byte",), {"t.csv": TRIPLETS + "p1,0\x00\n"}),
    Case("unclosed-quote", _validate("t.csv"), ("never closed",),
         {"t.csv": TRIPLETS + 'p1,0,0,1,2,0,"1.0\n'}),
    Case("huge-cell", _validate("t.csv"), ("longer than",),
         {"t.csv": TRIPLETS + "p1,0,0,1,2,0," + "9" * 200_000 + "\n"}),
    Case("empty-file", _validate("t.csv"), ("empty",), {"t.csv": ""}),
    Case("header-only", _validate("t.csv"), ("header but no data rows",), {"t.csv": TRIPLETS}),
    Case("repeated-column", _validate("t.csv"), ("more than once",),
         {"t.csv": "participant_id,trial,trial\np1,0,1\n"}),
    Case("unnamed-column", _validate("t.csv"), ("has no name",),
         {"t.csv": TRIPLETS.strip() + ",\n" + ROW.strip() + ",\n"}),
    Case("missing-file", _validate("nowhere.csv"), ("no such file",)),
    Case("device", ("validate", "/dev/zero", "-p", "triplets"), ("not a regular file",)),
    Case("fifo", _validate("pipe.csv"), ("not a regular file",), setup=_fifo),
    Case("json-not-a-list", _validate("t.json"), ("expected a JSON list",),
         {"t.json": '{"participant_id": "p1"}'}),
    Case("json-row-not-an-object", _validate("t.json"), ("expected an object",),
         {"t.json": '[{"trial": 0}, "p1"]'}),
    Case("json-repeated-key", _validate("t.json"), ("repeats the key 'trial'",),
         {"t.json": '[{"trial": 0, "trial": 1}]'}),
    Case("json-nested-deeply", _validate("t.json"), ("nested too deeply",),
         {"t.json": "[" * 100_000 + "]" * 100_000}),
    Case("jsonl-broken-line", _validate("t.jsonl"), ("line 2", "not valid JSON"),
         {"t.jsonl": '{"trial": 0}\n{"trial"\n'}),
    # --- class 2: impossible and implausible values
    Case("inf-rt", _validate("t.csv"), ("column 'rt'", "not a finite number"),
         {"t.csv": TRIPLETS + "p1,0,0,1,2,0,inf\n"}),
    Case("overflowing-rt", _validate("t.csv"), ("not a finite number",),
         {"t.csv": TRIPLETS + "p1,0,0,1,2,0,1e400\n"}),
    Case("json-infinity-rt", _validate("t.jsonl"), ("not a finite number",),
         {"t.jsonl": '{"participant_id": "p", "trial": 0, "item_1": 0, "item_2": 1, '
                     '"item_3": 2, "response": 0, "rt": Infinity}\n'}),
    Case("inf-rating", _validate("r.csv", "similarity"), ("column 'rating'", "finite"),
         {"r.csv": PAIRS + "p1,0,cat,dog,inf\n"}),
    Case("inf-amount", _validate("c.csv", "intertemporal"), ("column 'x2'", "finite"),
         {"c.csv": CHOICES + "p1,0,5,0,inf,2,1\n"}),
    Case("inf-delay", _validate("c.csv", "intertemporal"), ("column 't2'", "finite"),
         {"c.csv": CHOICES + "p1,0,5,0,10,Infinity,1\n"}),
    Case("sooner-larger", _validate("c.csv", "intertemporal"),
         ("column 'x2'", "smaller than the sooner amount"),
         {"c.csv": CHOICES + "p1,0,50,0,10,2,1\n"}),
    Case("underscore-integer", _validate("t.csv"), ("column 'trial'", "without separators"),
         {"t.csv": TRIPLETS + "p1,1_000,0,1,2,0,1.0\n"}),
    Case("bool-in-outcomes", _validate("g.csv", "risky"), ("column 'outcomes_a'", "true/false"),
         {"g.csv": GAMBLES + 'p1,0,"[true, 0]","[0.5, 0.5]","[3]","[1]",A\n'}),
    Case("text-in-probs", _validate("g.csv", "risky"), ("column 'probs_b'", "text"),
         {"g.csv": GAMBLES + 'p1,0,"[10]","[1]","[3]","[""1""]",B\n'}),
    Case("torn-study-file", _validate(P1), ("incomplete",),
         {P1: TRIPLETS + ROW + "p1,1,3,4"}),
    # --- class 7 (data): no OverflowError, no RecursionError
    Case("huge-item-index", _validate("t.csv", "triplets", "--n-items", "10"),
         ("column 'item_1'", "too large"),
         {"t.csv": TRIPLETS + "p1,0,99999999999999999999999,1,2,1,1.0\n"}),
    Case("huge-item-index-json", _validate("t.json", "triplets", "--n-items", "10"),
         ("too large",),
         {"t.json": '[{"participant_id": "p", "trial": 0, "item_1": 1' + "0" * 30
                    + ', "item_2": 1, "item_3": 2, "response": 1}]'}),
    Case("nested-list-cell", _validate("g.csv", "risky"), ("nested too deeply",),
         {"g.csv": GAMBLES + 'p1,0,"' + "[" * 50_000 + "]" * 50_000 + '","[1]","[3]","[1]",A\n'}),
    Case("zero-items", _validate("t.csv", "triplets", "--n-items", "0"), ("positive integer",),
         {"t.csv": TRIPLETS + ROW}),
    # --- class 3: Psych-DS folders as a whole
    Case("psychds-duplicate-across-files", _validate("ds"), ("first seen in",),
         {"ds/dataset_description.json": DESCRIPTION, P1: TRIPLETS + ROW, P2: TRIPLETS + ROW}),
    Case("psychds-description-list", _validate("ds"), ("must hold a JSON object",),
         {"ds/dataset_description.json": "[1, 2]", P1: TRIPLETS + ROW}),
    Case("psychds-variables-null", _validate("ds"), ("variableMeasured",),
         {"ds/dataset_description.json": '{"name": "x", "variableMeasured": null}',
          P1: TRIPLETS + ROW}),
    Case("psychds-variables-number", _validate("ds"), ("variableMeasured",),
         {"ds/dataset_description.json": '{"name": "x", "variableMeasured": 7}',
          P1: TRIPLETS + ROW}),
    Case("psychds-latin-1", _validate("ds"), ("not UTF-8",),
         {"ds/dataset_description.json": '{"name": "caf\u00e9"}'.encode("latin-1"),
          P1: TRIPLETS + ROW}),
    Case("psychds-every-file", _validate("ds"), ("study-triplets_subject-p1_data.csv",),
         {"ds/dataset_description.json": DESCRIPTION, P1: TRIPLETS + "p1,0,0,1,2,7,1.0\n",
          P2: TRIPLETS + "p2,0,0,1,2,0,1.0,x\n"}),
    Case("psychds-all-header-only", _validate("ds"), ("no trials",),
         {"ds/dataset_description.json": DESCRIPTION, P1: TRIPLETS, P2: TRIPLETS}),
    Case("psychds-folder-named-like-data", _validate("ds"), ("is a folder",),
         {"ds/dataset_description.json": DESCRIPTION, P1: TRIPLETS + ROW,
          "ds/data/odd_data.csv/keep": ""}),
    Case("not-psychds", _validate("plain"), ("not a Psych-DS folder",), {"plain/x.txt": ""}),
    Case("every-row-bad", _validate("t.csv"), ("column 'rt'",),
         {"t.csv": TRIPLETS + "".join(f"p1,{i},0,1,2,0,x\n" for i in range(3 * MAX_KEPT))}),
    Case("every-row-bad-count", _validate("t.csv"), (f"and {3 * MAX_KEPT - 1} more",),
         {"t.csv": TRIPLETS + "".join(f"p1,{i},0,1,2,0,x\n" for i in range(3 * MAX_KEPT))}),
    Case("unknown-paradigm", _validate("t.csv", "triplet"), ("unknown paradigm",),
         {"t.csv": TRIPLETS + ROW}),
    # --- usage errors
    Case("no-paradigm", ("validate", "{tmp}/t.csv"), ("--paradigm",), {"t.csv": TRIPLETS + ROW},
         exit=2),
    Case("n-items-not-a-number", _validate("t.csv", "triplets", "--n-items", "ten"),
         ("--n-items",), {"t.csv": TRIPLETS + ROW}, exit=2),
    Case("datasets-info-no-name", ("datasets", "info"), ("NAME",), exit=2),
    Case("cache-clear-bad-kind", ("cache", "clear", "--kind", "bogus"), ("--kind",), exit=2),
    Case("cache-clear-bad-age", ("cache", "clear", "--older-than", "soon"), ("--older-than",),
         exit=2),
    # --- class 8: helpful names
    Case("dataset-typo", ("datasets", "info", "choices13"), ("did you mean 'choices13k'",)),
    Case("dataset-typo-fetch", ("datasets", "fetch", "wordsim-353"), ("did you mean 'wordsim353'",)),
    Case("dataset-typo-path", ("datasets", "path", "Ericson"), ("did you mean 'ericson2015'",)),
    Case("dataset-empty-name", ("datasets", "info", ""), ("unknown dataset",)),
    # --- class 6: cache and search path
    Case("cache-is-a-file-info", ("cache", "info"), ("is a file, not a folder",),
         {"cachefile": "x"}, {"COGALIGN_CACHE": "{tmp}/cachefile"}),
    Case("cache-is-a-file-clear", ("cache", "clear"), ("is a file, not a folder",),
         {"cachefile": "x"}, {"COGALIGN_CACHE": "{tmp}/cachefile"}),
    Case("cache-is-a-file-fetch", ("datasets", "fetch", "simlex999", "--no-progress"),
         ("is a file, not a folder", "COGALIGN_CACHE"),
         {"cachefile": "x"}, {"COGALIGN_CACHE": "{tmp}/cachefile"}),
    Case("cache-below-a-file-fetch", ("datasets", "fetch", "simlex999", "--force"),
         ("is a file, not a folder",),
         {"cachefile": "x"}, {"COGALIGN_CACHE": "{tmp}/cachefile/sub"}),
    Case("read-only-cache-fetch", ("datasets", "fetch", "simlex999", "--no-progress"),
         ("cannot write to the cache folder", "Permission denied"), setup=_deny_writes),
    Case("read-only-cache-clear", ("cache", "clear"), ("could not be removed", "read-only"),
         setup=lambda tmp, mp: (_cache_entry(tmp, mp), _deny_writes(tmp, mp))),
    Case("cache-clear-nan-days", ("cache", "clear", "--older-than", "nan"), ("number of days",),
         setup=_cache_entry),
    Case("cache-clear-negative-days", ("cache", "clear", "--older-than", "-1"),
         ("number of days",), setup=_cache_entry),
    Case("data-path-file-list", ("datasets", "list"), ("COGALIGN_DATA_PATH", "is a file"),
         {"choices.csv": "x"}, {"COGALIGN_DATA_PATH": "{tmp}/choices.csv"}),
    Case("data-path-file-path", ("datasets", "path", "choices13k"), ("is a file",),
         {"choices.csv": "x"}, {"COGALIGN_DATA_PATH": "{tmp}/choices.csv"}),
    Case("data-path-file-fetch", ("datasets", "fetch", "choices13k"), ("is a file",),
         {"choices.csv": "x"}, {"COGALIGN_DATA_PATH": "{tmp}/choices.csv"}),
    Case("data-path-file-info", ("datasets", "info", "choices13k"), ("is a file",),
         {"choices.csv": "x"}, {"COGALIGN_DATA_PATH": "{tmp}/choices.csv"}),
    Case("missing-dataset-path", ("datasets", "path", "simlex999"), ("not available locally",)),
    # --- class 4: meaningless fits and settings are refused, with the reason
    Case("fit-triplets-folds-one", ("fit", "triplets", "--folds", "1"),
         ("--folds", "0 (no cross-validation) or at least 2"), exit=2),
    Case("fit-triplets-folds-negative", ("fit", "triplets", "--folds", "-3"), ("--folds",),
         exit=2),
    Case("fit-triplets-folds-zero-without-save", ("fit", "triplets", "--model", "spose",
                                                  "--folds", "0"), ("fits nothing",), exit=2),
    Case("fit-triplets-dims-zero", ("fit", "triplets", "--dims", "0"), ("--dims",), exit=2),
    Case("fit-triplets-header-only", ("fit", "triplets", "--data", "{tmp}/t.csv"),
         ("header but no data rows",), {"t.csv": TRIPLETS}),
    Case("sweep-missing-file", ("sweep", "{tmp}/none.toml", "--out", "{tmp}/o"),
         ("no such sweep file",)),
    Case("sweep-bad-field", ("sweep", "{tmp}/s.toml", "--out", "{tmp}/o"), ("s.toml",),
         {"s.toml": "[sweep]\nmodels = 3\n"}),
    Case("leaderboard-no-results", ("leaderboard", "{tmp}/empty"), ("no sweep results",),
         {"empty/.keep": ""}),
    Case("report-no-results", ("report", "{tmp}/empty", "--out", "{tmp}/r.html"),
         ("no sweep results",), {"empty/.keep": ""}),
    Case("fit-beliefs-bad-stance", ("fit", "beliefs", "--data", "{tmp}/s.csv"),
         ("row 2 (line 3), column 'stance'",),
         {"s.csv": "participant_id,issue,stance\na,x,Pro\na,y,perhaps\n"}),
    Case("fit-beliefs-one-fold", ("fit", "beliefs", "--folds", "1"), ("--folds",), exit=2),
    Case("align-beliefs-no-epochs", ("align", "beliefs", "--epochs", "0"), ("--epochs",),
         exit=2),
    Case("fit-rotation-bad-angle", ("fit", "rotation", "--data", "{tmp}/rot.csv"),
         ("column 'angle'",), {"rot.csv": ROTATION_HEADER + "p1,1,500,y,same,same,1,0.8\n"}),
    Case("compare-rotation-one-model", ("compare", "rotation", "--models", "linear"),
         ("at least two",)),
    Case("align-rotation-bad-trials", ("align", "rotation", "--model", "smollm2-135m",
                                       "--trials-per-condition", "0"), ("--trials-per-condition",),
         exit=2),
    Case("rotation-render-no-out", ("rotation", "render", "--seed", "1"), ("--out",), exit=2),
    Case("rotation-anova-missing-file", ("rotation", "anova", "--data", "{tmp}/none.csv"),
         ("none.csv",)),
    Case("rotation-train-bad-variant", ("rotation", "train", "--out", "{tmp}/m.pt", "--tiny",
                                        "--variants", "full,bogus"), ("'bogus'",)),
    Case("rotation-train-bad-setting", ("rotation", "train", "--out", "{tmp}/m.pt", "--tiny",
                                        "--set", "sise=32"), ("unknown NetConfig setting",)),
    Case("rotation-people-missing-model", ("rotation", "people", "--model", "{tmp}/none.pt"),
         ("none.pt: no such model file",)),
    Case("rotation-people-not-a-model", ("rotation", "people", "--model", "{tmp}/bad.pt"),
         ("bad.pt: not a readable model file",), {"bad.pt": b"\x00garbage"}),
    Case("rotation-fit-model-no-model", ("fit", "rotation-model", "--data", "{tmp}/none.csv"),
         ("--model FILE or --train",), exit=2),
    Case("rotation-fit-model-bad-variant", ("fit", "rotation-model", "--train", "--variant",
                                            "nope"), ("unknown model variant 'nope'",)),
    Case("rotation-simulate-neural-no-checkpoint", ("rotation", "simulate", "--model", "neural"),
         ("--checkpoint",), exit=2),
    Case("rotation-simulate-bad-angles", ("rotation", "simulate", "--angles", "a,b"),
         ("--angles",), exit=2),
    Case("fit-risky-one-problem", ("fit", "risky", "--data", "{tmp}/r.csv"),
         ("too few for 5-fold cross-validation",), {"r.csv": ONE_RATE}),
    Case("fit-risky-one-problem-no-cv", ("fit", "risky", "--data", "{tmp}/r.csv", "--folds", "0"),
         ("1 choice-rate problems", "at least 10"), {"r.csv": ONE_RATE}),
    Case("fit-risky-same-rates", ("fit", "risky", "--data", "{tmp}/r.csv", "--folds", "0"),
         ("same choice rate",), {"r.csv": SAME_RATES}),
    Case("fit-risky-one-gamble-chosen", ("fit", "risky", "--data", "{tmp}/g.csv", "--pooled"),
         ("every trial chose gamble A",), {"g.csv": ALL_A}),
    Case("fit-risky-folds-one", ("fit", "risky", "--folds", "1"), ("--folds",), exit=2),
    Case("fit-risky-draws-zero", ("fit", "risky", "--draws", "0"), ("--draws",), exit=2),
    Case("fit-risky-limit-zero", ("fit", "risky", "--limit", "0"), ("--limit",), exit=2),
    Case("fit-intertemporal-no-answers", ("fit", "intertemporal", "--data", "{tmp}/c.csv",
                                          "--pooled"),
         ("0 answered trials", "2 without a response"), {"c.csv": NO_ANSWERS}),
    Case("fit-intertemporal-one-trial", ("fit", "intertemporal", "--data", "{tmp}/c.csv",
                                         "--pooled"),
         ("1 answered trials", "at least 10"), {"c.csv": ONE_CHOICE}),
    Case("fit-intertemporal-one-option-chosen", ("fit", "intertemporal", "--data", "{tmp}/c.csv",
                                                 "--pooled"),
         ("chose the later-larger option",), {"c.csv": ALL_LATER}),
    Case("fit-intertemporal-hierarchical-one-person", ("fit", "intertemporal", "--data",
                                                       "{tmp}/c.csv"),
         ("at least 2 participants", "--pooled"), {"c.csv": ONE_PERSON}),
    Case("fit-intertemporal-chains-zero", ("fit", "intertemporal", "--chains", "0"),
         ("--chains",), exit=2),
    Case("compare-risky-one-problem", ("compare", "risky", "--data", "{tmp}/r.csv", "--no-llm"),
         ("too few for 5-fold",), {"r.csv": ONE_RATE}),
    Case("compare-risky-folds-one", ("compare", "risky", "--folds", "1"), ("--folds",), exit=2),
    Case("compare-risky-unknown-theory", ("compare", "risky", "--data", "{tmp}/r.csv", "--no-llm",
                                          "--models", "ev,cpx"),
         ("unknown model(s) ['cpx']",), {"r.csv": MIXED_RATES}),
    Case("compare-intertemporal-one-model", ("compare", "intertemporal", "--models", "hyperbolic"),
         ("at least two different models",)),
    Case("compare-intertemporal-no-answers", ("compare", "intertemporal", "--data", "{tmp}/c.csv",
                                              "--pooled", "--models", "hyperbolic,exponential"),
         ("0 answered trials",), {"c.csv": NO_ANSWERS}),
    # --- class 5: the chat client fails fast and never hangs
    Case("judge-chat-rejected-key", _chat_judge(), ("HTTP 401", "API key"),
         {"s.csv": STATEMENTS}, setup=_chat({"status": 401})),
    Case("judge-chat-unknown-model", _chat_judge(), ("HTTP 404", "model name"),
         {"s.csv": STATEMENTS}, setup=_chat({"status": 404})),
    Case("judge-chat-not-json", _chat_judge(), ("not JSON", "OpenAI-compatible"),
         {"s.csv": STATEMENTS}, setup=_chat({"raw": b"<html>a login page</html>"})),
    Case("judge-chat-refused-port", _chat_judge(), ("connection refused",),
         {"s.csv": STATEMENTS}, setup=_refused),
    Case("judge-chat-never-answers", _chat_judge("--timeout", "0.2", "--retries", "0"),
         ("every trial failed (2 of 2)", "timed out after 0.2 s"), {"s.csv": STATEMENTS},
         setup=_chat({"hang": True})),
    Case("judge-chat-deadline", _chat_judge(), ("every trial failed", "deadline is 0.3 s"),
         {"s.csv": STATEMENTS}, {"COGALIGN_CHAT_DEADLINE": "0.3", "COGALIGN_CHAT_RETRIES": "50"},
         setup=_chat({"status": 503})),
    Case("judge-chat-bad-timeout-variable", _chat_judge(), ("COGALIGN_CHAT_TIMEOUT='soon'",),
         {"s.csv": STATEMENTS}, {"COGALIGN_CHAT_TIMEOUT": "soon"}, setup=_chat({"content": "agree"})),
    Case("judge-chat-timeout-zero", _chat_judge("--timeout", "0"), ("--timeout",),
         {"s.csv": STATEMENTS}, exit=2),
    Case("judge-timeout-without-chat", _judge("--timeout", "5"), ("setting of --backend chat",),
         {"s.csv": STATEMENTS}, exit=2),
    # --- class 7: bad values end in one line
    Case("align-triplets-negative-n-boot", ("align", "triplets", "-m", "minilm-l6", "--n-boot",
                                            "-5"), ("--n-boot",), exit=2),
    Case("align-triplets-header-only", ("align", "triplets", "-m", "minilm-l6", "--data",
                                        "{tmp}/t.csv"), ("header but no data rows",),
         {"t.csv": TRIPLETS}),
    Case("align-triplets-bad-method", ("align", "triplets", "-m", "minilm-l6", "--method",
                                       "guess"), ("--method",), exit=2),
    Case("align-similarity-negative-n-boot", ("align", "similarity", "-m", "minilm-l6",
                                              "--n-boot", "-5"), ("--n-boot",), exit=2),
    Case("align-similarity-one-pair", ("align", "similarity", "-m", "minilm-l6", "--n-pairs", "1"),
         ("--n-pairs",), exit=2),
    Case("align-similarity-not-word-pairs", ("align", "similarity", "-m", "minilm-l6",
                                             "--dataset", "rsa92"),
         ("must be a word-pair dataset",)),
    Case("align-similarity-header-only", ("align", "similarity", "-m", "minilm-l6", "--data",
                                          "{tmp}/r.csv"), ("header but no data rows",),
         {"r.csv": PAIRS}),
    Case("turing-rsa-no-rdms", ("turing-rsa", "--dataset", "simlex999"),
         ("no per-participant RDMs",)),
    Case("turing-rsa-no-candidate", ("turing-rsa", "--data", "{tmp}/r.csv"),
         ("at least one --model",), {"r.csv": PAIRS + "p1,0,cat,dog,5\n"}),
    Case("turing-rsa-negative-synthetic", ("turing-rsa", "--synthetic", "-1"), ("--synthetic",),
         exit=2),
    Case("turing-rsa-negative-temperature", ("turing-rsa", "--temperature", "-1"),
         ("--temperature",), exit=2),
    Case("embed-cuda-on-cpu-only", _embed("-m", "minilm-l6", "--device", "cuda"),
         ("CPU-only build", "--device cpu"), {"i.txt": "cat\ndog\n"}, setup=_cpu_only),
    Case("embed-unknown-device", _embed("-m", "minilm-l6", "--device", "gpu0"),
         ("unknown device 'gpu0'",), {"i.txt": "cat\ndog\n"}),
    Case("embed-negative-max-length", _embed("--max-length", "-3"), ("--max-length",),
         {"i.txt": "cat\n"}, exit=2),
    Case("embed-zero-batch", _embed("--batch-size", "0"), ("--batch-size",), {"i.txt": "cat\n"},
         exit=2),
    Case("embed-no-items", _embed(items="i.json"), ("no items",), {"i.json": "[]"}),
    Case("embed-missing-items", _embed(items="none.txt"), ("items file not found",)),
    Case("judge-zero-samples", _judge("--samples", "0"), ("--samples",), {"s.csv": STATEMENTS},
         exit=2),
    Case("judge-negative-temperature", _judge("--temperature", "-1"), ("--temperature",),
         {"s.csv": STATEMENTS}, exit=2),
    Case("judge-bad-permutations", _judge("--permutations", "some"), ("--permutations",),
         {"s.csv": STATEMENTS}, exit=2),
    Case("judge-lone-surrogate", _judge(items="s.json"), ("row 2", "lone surrogate"),
         {"s.json": '[{"statement": "Tea."}, {"statement": "\\ud800"}]'}),
    Case("study-run-session-zero", ("study", "run", STUDY, "-p", "p001", "--session", "0"),
         ("--session",), exit=2),
    Case("study-run-max-trials-for-a-person", ("study", "run", STUDY, "-p", "p001",
                                               "--max-trials", "3", "-o", "{tmp}/out"),
         ("--max-trials is for simulated participants",)),
    Case("study-run-unknown-name", ("study", "run", "triplet", "-p", "p001", "--simulate",
                                    "default"), ("did you mean 'triplets'",)),
    Case("study-list-bad-option", ("study", "list", "--all"), ("--all",), exit=2),
    Case("study-copy-unknown", ("study", "copy", "tripletz", "{tmp}/copy"),
         ("not a shipped study", "did you mean 'triplets'")),
    Case("study-copy-exists", ("study", "copy", "risky", "{tmp}/copy"), ("exists",),
         files={"copy/keep.txt": "mine"}),
    Case("study-check-missing", ("study", "check", "{tmp}/none.toml"),
         ("no such definition file",)),
    Case("study-screenshot-missing", ("study", "screenshot", "{tmp}/none.toml", "--out",
                                      "{tmp}/shots"), ("no such definition file",)),
    Case("study-export-jspsych-no-participants", ("study", "export-jspsych", STUDY, "--out",
                                                  "{tmp}/site", "--n-participants", "0"),
         ("--n-participants",), exit=2),
    Case("serve-run-missing", ("serve", "run", "{tmp}/none.toml"), ("does not exist",), exit=2,
         json=False),
    Case("serve-run-bad-port", ("serve", "run", STUDY, "--port", "70000"), ("--port",), exit=2,
         json=False),
    Case("serve-run-bad-rate-limit", ("serve", "run", STUDY, "--rate-limit", "often"),
         ("expected start|trial|login",), json=False),
    Case("serve-export-missing-database", ("serve", "export", "--db",
                                           "sqlite:///{tmp}/none.db", "--out", "{tmp}/x"),
         ("no such database file",)),
    Case("serve-import-missing-file", ("serve", "import", "{tmp}/none.json", "--studies", STUDY),
         ("does not exist",), exit=2),
    Case("paradigms-extra-argument", ("paradigms", "triplets"), ("unexpected extra argument",),
         exit=2),
    Case("moralgraph-rank-negative-bootstrap", ("moralgraph", "rank", "--bootstrap", "-5"),
         ("--bootstrap must be >= 0",)),
    Case("moralgraph-rank-not-a-graph", ("moralgraph", "rank", "--file", "{tmp}/g.json"),
         ("'values' must be a list",), {"g.json": '{"x": 1}'}),
    Case("moralgraph-plot-missing-file", ("moralgraph", "plot", "--file", "{tmp}/none.json",
                                          "--out", "{tmp}/plots"), ("cannot read",)),
    Case("moralgraph-llm-votes-not-a-graph", ("moralgraph", "llm-votes", "-m", "smollm2-135m",
                                              "--file", "{tmp}/g.json"),
         ("'values' must be a list",), {"g.json": '{"x": 1}'}),
    Case("fit-moralgraph-folds-one", ("fit", "moralgraph", "--folds", "1"), ("--folds",), exit=2),
    Case("fit-moralgraph-missing-data", ("fit", "moralgraph", "--data", "{tmp}/none.csv"),
         ("no such file",)),
    Case("demo-unknown-paradigm", ("demo", "--only", "rotationx"), ("unknown paradigm",)),
    # --- class 8: helpful names
    Case("embed-model-typo", _embed("-m", "minilm"),
         ("did you mean 'minilm-l6'", "offline presets"), {"i.txt": "cat\n"}),
    Case("judge-model-typo", _judge("-m", "smolm2"), ("did you mean 'smollm2-135m'",),
         {"s.csv": STATEMENTS}),
    Case("judge-unknown-task", ("judge", "--task", "odd-one-in", "--items", "{tmp}/s.csv",
                                "--out", "{tmp}/o.csv"), ("unknown task",),
         {"s.csv": STATEMENTS}),
    Case("fit-paradigm-typo", ("fit", "triplet"), ("Did you mean 'triplets'",), exit=2),
    Case("command-typo", ("embedd",), ("Did you mean 'embed'",), exit=2),
    Case("study-run-readme-id", ("study", "run", README_STUDY, "--participant", "sim01",
                                 "--simulate", "embedding", "-o", "{tmp}/out"),
         ("does not match the study's pattern", "p001")),
]


def _files(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``folder``: size, mode and modification time."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() or path.is_symlink():
            st = path.lstat()
            out[str(path.relative_to(folder))] = (st.st_size, st.st_mode, st.st_mtime_ns)
    return out


def _run(args: list[str]):
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unhandled {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output
    return result


def _case_params() -> list:
    return [pytest.param(case, id=case.id,
                         marks=[pytest.mark.xfail(strict=True, reason=case.pending)]
                         if case.pending else [])
            for case in CASES]


@pytest.fixture(scope="module", autouse=True)
def chat_server():
    """The fake OpenAI-compatible server of the chat cases, on 127.0.0.1."""
    with FakeChatServer() as server:
        SERVER.append(server)
        yield server
        SERVER.clear()


@pytest.mark.parametrize("case", _case_params())
def test_hostile_input_is_refused_in_one_line(case: Case, tmp_path, monkeypatch):
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    (tmp_path / "search").mkdir()
    env = {"COGALIGN_CACHE": str(tmp_path / "cache"), "COGALIGN_DATA_PATH": str(tmp_path / "search")}
    env.update({k: v.format(tmp=tmp_path) for k, v in case.env.items()})
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    def offline(*args, **kwargs):
        raise AssertionError("the network was contacted")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    if case.setup is not None:
        case.setup(tmp_path, monkeypatch)
    args = [a.format(tmp=tmp_path) for a in case.args]
    before = _files(tmp_path)

    result = _run(args)
    assert result.exit_code == case.exit, result.output
    for fragment in case.says:
        assert fragment in result.output, result.output
    assert result.output.count("error: ") <= 1 and "please report" not in result.output
    assert _files(tmp_path) == before

    if case.json:
        result = _run([*args, "--json"])
        assert result.exit_code == case.exit, result.output
        payload = json.loads(result.stdout)
        assert payload.get("valid") is False or "error" in payload, payload
        assert _files(tmp_path) == before


def test_the_table_covers_every_data_command():
    commands = {c.args[0] if c.args[0] == "validate" else " ".join(c.args[:2]) for c in CASES}
    assert commands >= {"validate", "datasets list", "datasets info", "datasets fetch",
                        "datasets path", "cache info", "cache clear"}


def _leaf_commands() -> set[str]:
    """Every runnable command of ``cogalign``, as the words that name it."""
    found: set[str] = set()

    def walk(group: click.Group, ctx: click.Context, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                walk(command, click.Context(command, parent=ctx, info_name=name), (*prefix, name))
            else:
                found.add(" ".join((*prefix, name)))

    walk(main, click.Context(main, info_name="cogalign"), ())
    return found


def test_every_command_has_a_case():
    leaves = _leaf_commands()
    covered = {" ".join(c.args[:n]) for c in CASES for n in (1, 2, 3)} & leaves
    assert leaves - covered == set(), "commands without a hostile case"
    assert len(CASES) >= 140
