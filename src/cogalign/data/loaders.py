"""Parsers that turn each registered dataset's original files into cogalign's tidy tables.

Each loader takes ``{relative file path: local path}`` and returns a validated table (or an
:class:`~cogalign.data.containers.RDMStack` / :class:`~cogalign.data.containers.MoralGraph`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.io

from cogalign.data.containers import MoralGraph, RDMStack
from cogalign.data.schema import Problem, ValidationError, validate
from cogalign.data.schemas import INTERTEMPORAL, RISKY_RATES, TRIPLETS
from cogalign.errors import CogalignError

Files = dict[str, Path]


def _read_ints(path: Path, n_columns: int) -> np.ndarray:
    rows = []
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != n_columns:
            raise ValidationError(
                [Problem(str(path), lineno, None, f"expected {n_columns} fields, got {len(parts)}", lineno)]
            )
        try:
            rows.append([int(p) for p in parts])
        except ValueError:
            raise ValidationError(
                [Problem(str(path), lineno, None, f"expected integers, got {line.strip()!r}", lineno)]
            ) from None
    return np.asarray(rows, dtype=np.int64)


def load_things_concepts(files: Files) -> pd.DataFrame:
    """The 1,854 THINGS concepts with names, WordNet ids, category and definition."""
    concepts = pd.read_csv(files["things/things_concepts.tsv"], sep="\t")
    names = pd.read_csv(files["things/item_names.tsv"], sep="\t")
    if len(concepts) != len(names) or not (concepts["uniqueID"].values == names["uniqueID"].values).all():
        raise CogalignError("things_concepts.tsv and item_names.tsv disagree on the concept order")
    out = pd.DataFrame(
        {
            "item": np.arange(len(names)),
            "name": names["uniqueID"].astype(str),
            "word": names["Word"].astype(str),
            "wordnet_id": names["Wordnet ID"],
            "wordnet_synset": names["Wordnet Synset"],
            "definition": concepts["Definition (from WordNet, Google, or Wikipedia)"],
            "category": concepts["Bottom-up Category (Human Raters)"],
            "wordnet_category": concepts["Top-down Category (WordNet)"],
            "concreteness": concepts["Concreteness (M)"],
            "percent_known": concepts["Percent_known"],
            "part_of_speech": concepts["Dominant Part of Speech"],
        }
    )
    return out


def load_things_triplets(files: Files) -> pd.DataFrame:
    """THINGS odd-one-out test triplets as a tidy triplet table (0-based item indices).

    The file holds ``item1 item2 item3 odd_position subject`` with 1-based items and positions.
    ``attrs["item_names"]`` holds the 1,854 concept names.
    """
    path = files["things/triplets_test.txt"]
    raw = _read_ints(path, 5)
    names = pd.read_csv(files["things/item_names.tsv"], sep="\t")["uniqueID"].astype(str).tolist()
    items = raw[:, :3] - 1
    position = raw[:, 3]
    bad = np.flatnonzero((position < 1) | (position > 3))
    if len(bad):
        raise ValidationError(
            [Problem(str(path), int(i) + 1, "odd_position", f"{position[i]} is not 1, 2 or 3", int(i) + 1) for i in bad]
        )
    participant = raw[:, 4].astype(str)
    table = pd.DataFrame(
        {
            "participant_id": participant,
            "trial": pd.Series(participant).groupby(participant).cumcount().to_numpy(),
            "item_1": items[:, 0],
            "item_2": items[:, 1],
            "item_3": items[:, 2],
            "response": items[np.arange(len(items)), position - 1],
        }
    )
    out = validate(table, TRIPLETS, source=str(path), n_items=len(names))
    out.attrs["item_names"] = names
    return out


def load_choices13k(files: Files) -> pd.DataFrame:
    """choices13k choice rates with every outcome and probability of both gambles merged in.

    Row ``i`` of ``c13k_selections.csv`` is key ``"i"`` of ``c13k_problems.json``; the merge is
    checked against the CSV's own two-outcome summary of gamble A.
    """
    sel = pd.read_csv(files["choices13k/c13k_selections.csv"])
    problems_path = files["choices13k/c13k_problems.json"]
    problems = json.loads(Path(problems_path).read_text())
    if len(problems) != len(sel):
        raise CogalignError(f"{problems_path}: {len(problems)} problems for {len(sel)} rows")
    columns: dict[str, list] = {"outcomes_a": [], "probs_a": [], "outcomes_b": [], "probs_b": []}
    for i in range(len(sel)):
        entry = problems[str(i)]
        for side in ("a", "b"):
            pairs = entry[side.upper()]
            columns[f"probs_{side}"].append([float(p) for p, _ in pairs])
            columns[f"outcomes_{side}"].append([float(x) for _, x in pairs])
        if max(columns["outcomes_a"][-1]) != sel["Ha"].iloc[i]:
            raise CogalignError(f"{problems_path}: key '{i}' does not match row {i + 1} of the CSV")
    table = pd.DataFrame(
        {
            "problem_id": sel["Problem"],
            "feedback": sel["Feedback"],
            "block": sel["Block"],
            "n": sel["n"],
            "b_rate": sel["bRate"],
            "b_rate_std": sel["bRate_std"],
            **columns,
            "ambiguous": sel["Amb"],
            "correlation": sel["Corr"],
            "lot_shape_b": sel["LotShapeB"],
            "lot_num_b": sel["LotNumB"],
        }
    )
    return validate(table, RISKY_RATES, source=str(files["choices13k/c13k_selections.csv"]))


def load_ericson2015(files: Files) -> pd.DataFrame:
    """Ericson et al. (2015) intertemporal choices: 940 people x 25 questions.

    ``response`` is 1 when the later-larger option was chosen; 369 answers are missing in the
    original and stay missing. ``trial`` is ``Question - 1``.
    """
    path = files["ericson2015/choices.csv"]
    raw = pd.read_csv(path)
    table = pd.DataFrame(
        {
            "participant_id": raw["Subject"].astype(str),
            "trial": raw["Question"] - 1,
            "condition": raw["Condition"],
            "x1": raw["X1"].astype(float),
            "t1": raw["T1"].astype(float),
            "x2": raw["X2"].astype(float),
            "t2": raw["T2"].astype(float),
            "response": raw["LaterOptionChosen"],
            "g": raw["G"],
            "r": raw["R"],
            "d": raw["D"],
        }
    )
    return validate(table, INTERTEMPORAL, source=str(path), csv_lines=True)


def _mat_structs(path: Path, key: str) -> list:
    mat = scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False)
    if key not in mat:
        raise CogalignError(f"{path}: variable '{key}' not found")
    return list(np.atleast_1d(mat[key]).ravel(order="F"))


def load_rsa92(files: Files) -> RDMStack:
    """The 92-image RDMs: 16 per-subject similarity judgments, 8 hIT fMRI RDMs, 8 model RDMs.

    All entries are dissimilarities. Brain RDMs are ordered subject-major as in the file
    (``hIT | BE | Session: 1``, ...).
    """
    rdms, names, kinds = [], [], []
    for fname, key, kind in (
        ("rsa92/92_behavRDMs.mat", "rdms_behav_92", "behaviour"),
        ("rsa92/92_brainRDMs.mat", "RDMs", "brain"),
        ("rsa92/92_modelRDMs.mat", "Models", "model"),
    ):
        for entry in _mat_structs(files[fname], key):
            rdm = np.asarray(entry.RDM, dtype=np.float64)
            rdms.append(rdm)
            names.append(str(entry.name).strip())
            kinds.append(kind)
    return RDMStack(np.stack(rdms), names, kinds)


def _word_pairs(path: Path) -> pd.DataFrame:
    rows = []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValidationError([Problem(str(path), lineno, None, "expected 3 tab-separated fields", lineno)])
        rows.append((parts[0], parts[1], float(parts[2])))
    return pd.DataFrame(rows, columns=["word_a", "word_b", "similarity"])


def load_simlex999(files: Files) -> pd.DataFrame:
    """SimLex-999: 999 word pairs with mean human similarity (0-10)."""
    return _word_pairs(files["wordsim/simlex999.txt"])


def load_wordsim353(files: Files) -> pd.DataFrame:
    """WordSim-353: 353 word pairs with mean human relatedness (0-10)."""
    return _word_pairs(files["wordsim/wordsim353.tsv"])


def load_analogies(files: Files) -> pd.DataFrame:
    """Google analogies ``a : b :: c : d`` with their section (19,544 rows, 14 sections)."""
    rows, section = [], None
    path = files["wordsim/questions-words.txt"]
    for lineno, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4 or section is None:
            raise ValidationError([Problem(str(path), lineno, None, "expected 4 words after a section", lineno)])
        rows.append((section, *parts))
    return pd.DataFrame(rows, columns=["section", "a", "b", "c", "d"])


def load_moral_graph(path: Path) -> MoralGraph:
    """Parse a moral-graph JSON export (``values`` and ``edges``)."""
    data = json.loads(Path(path).read_text())
    values = pd.DataFrame(
        {
            "id": [v["id"] for v in data["values"]],
            "title": [v["title"] for v in data["values"]],
            "instructions_short": [v.get("instructionsShort", "") for v in data["values"]],
            "instructions_detailed": [v.get("instructionsDetailed", "") for v in data["values"]],
            "evaluation_criteria": [list(v.get("evaluationCriteria", [])) for v in data["values"]],
        }
    )
    rows = []
    known = set(values["id"])
    for i, e in enumerate(data["edges"]):
        for end in ("sourceValueId", "wiserValueId"):
            if e[end] not in known:
                raise ValidationError([Problem(str(path), i + 1, end, f"value id {e[end]} is not among the values")])
        counts, summary = e["counts"], e.get("summary", {})
        for context in e["contexts"]:
            rows.append(
                {
                    "edge_index": i,
                    "source_value_id": e["sourceValueId"],
                    "wiser_value_id": e["wiserValueId"],
                    "context": context,
                    "marked_wiser": counts["markedWiser"],
                    "marked_not_wiser": counts["markedNotWiser"],
                    "marked_less_wise": counts["markedLessWise"],
                    "marked_unsure": counts["markedUnsure"],
                    "impressions": counts["impressions"],
                    "wiser_likelihood": summary.get("wiserLikelihood", np.nan),
                    "entropy": summary.get("entropy", np.nan),
                }
            )
    return MoralGraph(values, pd.DataFrame(rows))


def load_moralgraph_prolific(files: Files) -> MoralGraph:
    """Moral graph of the Prolific run: 59 values, 67 edges."""
    return load_moral_graph(files["moralgraph/moral-graph-prolific-run.json"])


def load_moralgraph_all(files: Files) -> MoralGraph:
    """Moral graph of all participants: 60 values, 69 edges."""
    return load_moral_graph(files["moralgraph/moral-graph-all-participants.json"])


def load_ddo_big_issues(files: Files) -> pd.DataFrame:
    """debate.org big-issue stances (Lee et al. 2024): 272,923 stances of 13,524 people.

    The original pickle is read by :func:`cogalign.beliefs.data.load_ddo_big_issues` with an
    unpickler that allows no globals.
    """
    from cogalign.beliefs.data import load_ddo_big_issues as load

    return load(files)


def load_ddo_issue_party(files: Files) -> pd.DataFrame:
    """Per big issue, the share of Republicans and of Democrats who are Pro (Lee et al. 2024)."""
    from cogalign.beliefs.data import load_ddo_issue_party as load

    return load(files)
