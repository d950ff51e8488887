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
from cogalign.data.schema import Column, Problem, ProblemLog, Schema, ValidationError, validate
from cogalign.data.schemas import (
    INTERTEMPORAL,
    PAIRWISE,
    RISKY_RATES,
    ROTATION,
    ROTATION_MEANS,
    TRIPLETS,
)
from cogalign.data.userfiles import read_table_with_lines
from cogalign.errors import CogalignError

__all__ = [
    "ERICSON_CHOICES",
    "load_ganis_kievit_2015",
    "load_hamrick_griffiths_2014",
    "load_jost_jansen_2020",
    "load_analogies",
    "load_choices13k",
    "load_ericson2015",
    "load_moral_graph",
    "load_moralgraph_all",
    "load_moralgraph_prolific",
    "load_rsa92",
    "load_simlex999",
    "load_things_concepts",
    "load_things_triplets",
    "load_wordsim353",
]

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


#: The columns of choices13k's ``c13k_selections.csv`` that the loader uses.
C13K_SELECTIONS = Schema(
    "choices13k-selections",
    (
        Column("Problem", "int", minimum=0), Column("Feedback", "bool"),
        Column("n", "int", minimum=1), Column("Block", "int"), Column("Ha", "float"),
        Column("LotShapeB", "int"), Column("LotNumB", "int"), Column("Amb", "bool"),
        Column("Corr", "int"), Column("bRate", "float", minimum=0.0, maximum=1.0),
        Column("bRate_std", "float", nullable=True, minimum=0.0),
    ),
    key=("Problem", "Feedback"),
    description="choices13k's selections file as published (one row per problem and feedback).",
)

#: Ericson et al.'s ``choices.csv`` as published.
ERICSON_CHOICES = Schema(
    "ericson2015-choices",
    (
        Column("Subject", "str"), Column("Condition", "int"), Column("Question", "int", minimum=1),
        Column("G", "float"), Column("R", "float"), Column("D", "float"),
        Column("X1", "float"), Column("T1", "float"), Column("X2", "float"), Column("T2", "float"),
        Column("LaterOptionChosen", "int", nullable=True, allowed=(0, 1)),
    ),
    key=("Subject", "Question"),
    description="Ericson et al. (2015) choices.csv as published (one row per answer).",
)


def _gamble(value: object) -> tuple[list[float], list[float]] | None:
    """``(probabilities, outcomes)`` of a choices13k gamble ``[[p, x], ...]``, or ``None``."""
    if not isinstance(value, list) or not value:
        return None
    probs, outcomes = [], []
    for pair in value:
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and np.isfinite(v) for v in pair)):
            return None
        probs.append(float(pair[0]))
        outcomes.append(float(pair[1]))
    return probs, outcomes


def load_choices13k(files: Files) -> pd.DataFrame:
    """choices13k choice rates with every outcome and probability of both gambles merged in.

    Row ``i`` of ``c13k_selections.csv`` is key ``"i"`` of ``c13k_problems.json``; the merge is
    checked against the CSV's own two-outcome summary of gamble A. Both files go through the
    checks of a user's file (they may be a user's copy): problems name the file and row.
    """
    sel_path = files["choices13k/c13k_selections.csv"]
    raw, lines = read_table_with_lines(sel_path)
    sel = validate(raw, C13K_SELECTIONS, source=str(sel_path), lines=lines)
    problems_path = Path(files["choices13k/c13k_problems.json"])
    try:
        problems = json.loads(problems_path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise CogalignError(f"{problems_path}: not readable JSON ({exc})") from None
    if not isinstance(problems, dict) or len(problems) != len(sel):
        count = len(problems) if isinstance(problems, dict) else type(problems).__name__
        raise CogalignError(f"{problems_path}: expected an object with one key per row of "
                            f"{sel_path} ({len(sel)}), got {count}")
    columns: dict[str, list] = {"outcomes_a": [], "probs_a": [], "outcomes_b": [], "probs_b": []}
    log = ProblemLog()
    for i in range(len(sel)):
        entry = problems.get(str(i))
        sides = {s: _gamble(entry.get(s.upper())) if isinstance(entry, dict) else None
                 for s in ("a", "b")}
        if any(v is None for v in sides.values()):
            log.add(Problem(str(problems_path), None, f"key '{i}'",
                            "expected {\"A\": [[p, x], ...], \"B\": [[p, x], ...]} with numbers"))
            continue
        for side, (probs, outcomes) in sides.items():
            columns[f"probs_{side}"].append(probs)
            columns[f"outcomes_{side}"].append(outcomes)
        if max(sides["a"][1]) != sel["Ha"].iloc[i]:
            log.add(Problem(str(problems_path), None, f"key '{i}'",
                            f"does not match row {i + 1} of {sel_path}"))
    log.raise_if_any()
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
    return validate(table, RISKY_RATES, source=str(sel_path), lines=lines)


def load_ericson2015(files: Files) -> pd.DataFrame:
    """Ericson et al. (2015) intertemporal choices: 940 people x 25 questions.

    ``response`` is 1 when the later-larger option was chosen; 369 answers are missing in the
    original and stay missing. ``trial`` is ``Question - 1``. The file goes through the checks
    of a user's file (it may be a user's copy): problems name the file, row and column.
    """
    path = files["ericson2015/choices.csv"]
    raw, lines = read_table_with_lines(path)
    typed = validate(raw, ERICSON_CHOICES, source=str(path), lines=lines)
    table = pd.DataFrame(
        {
            "participant_id": typed["Subject"].astype(str),
            "trial": typed["Question"] - 1,
            "condition": typed["Condition"],
            "x1": typed["X1"],
            "t1": typed["T1"],
            "x2": typed["X2"],
            "t2": typed["T2"],
            "response": typed["LaterOptionChosen"],
            "g": typed["G"],
            "r": typed["R"],
            "d": typed["D"],
        }
    )
    return validate(table, INTERTEMPORAL, source=str(path), lines=lines)


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
    """Parse and validate a moral-graph JSON export (:func:`cogalign.moralgraph.read_mge_json`)."""
    from cogalign.moralgraph.io import read_mge_json

    return read_mge_json(path)


def load_moralgraph_prolific(files: Files) -> MoralGraph:
    """Moral graph of the Prolific run: 59 values, 67 edges."""
    return load_moral_graph(files["moralgraph/moral-graph-prolific-run.json"])


def load_moralgraph_all(files: Files) -> MoralGraph:
    """Moral graph of all participants: 60 values, 69 edges."""
    return load_moral_graph(files["moralgraph/moral-graph-all-participants.json"])


def _coded(raw: pd.DataFrame, column: str, codes: dict, path: Path) -> pd.Series:
    """Map a column's codes to values, refusing unknown codes with their file row and line."""
    values = raw[column]
    known = values.isin(list(codes))
    if not known.all():
        bad = np.flatnonzero(~known.to_numpy())
        raise ValidationError([
            Problem(str(path), int(i) + 1, column,
                    f"{values.iloc[i]!r} is not one of {sorted(map(str, codes))}", int(i) + 2)
            for i in bad[:50]
        ])
    return values.map(codes)


def load_ganis_kievit_2015(files: Files) -> pd.DataFrame:
    """Ganis & Kievit (2015) mental rotation: 54 people, same/different cube figures.

    ``Matching`` 1/0 becomes ``pair_type`` same/mirror, ``Response`` b/n becomes ``response``
    same/mirror, ``Time`` (ms) becomes ``rt`` (s); rotations are about the vertical axis
    (``axis = "y"``); ``trial`` is ``Trial - 1``. ``age`` and ``sex`` are kept; the
    teaching columns ``NewColumn`` and ``TimeSecs`` are dropped.
    """
    path = files["rotation/ganis_kievit_2015.csv"]
    raw = pd.read_csv(path)
    table = pd.DataFrame(
        {
            "participant_id": raw["Subject"].astype(str),
            "trial": raw["Trial"] - 1,
            "task": "same-mirror",
            "angle": raw["Angle"],
            "axis": "y",
            "pair_type": _coded(raw, "Matching", {1: "same", 0: "mirror"}, path),
            "response": _coded(raw, "Response", {"b": "same", "n": "mirror"}, path),
            "correct": raw["Correct"],
            "rt": raw["Time"] / 1000.0,
            "age": raw["Age"],
            "sex": raw["Sex"],
        }
    )
    return validate(table, ROTATION, source=str(path), csv_lines=True)


def load_jost_jansen_2020(files: Files) -> pd.DataFrame:
    """Jost & Jansen (2020) mental rotation: 41 people, two-choice mirror discrimination.

    Each trial shows a rotated target and two bases, the object and its mirror image; the
    participant picks the base the target matches. Coded relative to the left base:
    ``pair_type`` is "same" when the target has the left base's orientation (then the left
    base is correct), ``response`` is "same" when the left base was chosen, so ``correct`` is
    ``type == "hit"``. ``angle`` is the folded disparity ``deg`` (0-180; the unfolded one is
    ``original_angle``), ``axis`` the rotation axis (y: vertical, z: picture plane),
    ``object_id`` the model (m1-m16), ``stimulus_id`` the model and orientation,
    ``rt`` = ``reactionTime`` / 1000, ``trial`` = ``number - 1``. ``outlier`` is the
    authors' own RT-outlier flag.
    """
    path = files["rotation/jost_jansen_2020.csv"]
    raw = pd.read_csv(path, sep=";")
    correct = _coded(raw, "type", {"hit": True, "incorrect": False}, path)
    correct_side = _coded(raw, "correctSide", {"Left": "left", "Right": "right"}, path)
    chose_left = (correct_side == "left") == correct
    table = pd.DataFrame(
        {
            "participant_id": raw["ID"].astype(str),
            "trial": raw["number"] - 1,
            "task": "two-choice",
            "object_id": raw["modelNumber"].astype(str),
            "stimulus_id": raw["model"].astype(str),
            "angle": raw["deg"],
            "axis": raw["axis"].astype(str).str.lower(),
            "pair_type": np.where(raw["orientation"] == raw["orientationLeftBase"], "same", "mirror"),
            "response": np.where(chose_left, "same", "mirror"),
            "correct": correct,
            "rt": raw["reactionTime"] / 1000.0,
            "outlier": raw["outlier"].astype(bool),
            "original_angle": raw["originalDegrees"],
            "gender": raw["Gender"],
            "mr_experience": raw["MRexperience"],
        }
    )
    return validate(table, ROTATION, source=str(path), csv_lines=True)


def load_hamrick_griffiths_2014(files: Files) -> pd.DataFrame:
    """Hamrick & Griffiths (2014) people's RT and accuracy by angle (2-D polygons, N = 200).

    The rows with ``model == "exp"`` of the time and accuracy files: angle 0-180 in 20-degree
    steps, same/flipped (``pair_type`` same/mirror), the published central value and interval
    of RT (ms, here seconds) and accuracy (percent, here a share). Rotations are in the
    picture plane (``axis = "z"``).
    """
    frames = {}
    for what in ("time", "accuracy"):
        path = files[f"rotation/hamrick_griffiths_2014_theta_{what}.csv"]
        raw = pd.read_csv(path, index_col=0)
        people = raw.loc[raw["model"] == "exp"]
        if people.empty:
            raise CogalignError(f"{path}: no rows with model == 'exp' (the human data)")
        frames[what] = people.set_index(["modtheta", "flipped"])[["lower", "median", "upper"]]
    merged = frames["time"].merge(frames["accuracy"], left_index=True, right_index=True,
                                  suffixes=("_rt", "_acc"), how="inner")
    merged = merged.reset_index().sort_values(["flipped", "modtheta"], ascending=[False, True])
    table = pd.DataFrame(
        {
            "angle": merged["modtheta"].to_numpy(dtype=float),
            "axis": "z",
            "pair_type": merged["flipped"].map({"same": "same", "flipped": "mirror"}).to_numpy(),
            "rt": merged["median_rt"].to_numpy() / 1000.0,
            "rt_lower": merged["lower_rt"].to_numpy() / 1000.0,
            "rt_upper": merged["upper_rt"].to_numpy() / 1000.0,
            "accuracy": merged["median_acc"].to_numpy() / 100.0,
            "accuracy_lower": merged["lower_acc"].to_numpy() / 100.0,
            "accuracy_upper": merged["upper_acc"].to_numpy() / 100.0,
        }
    )
    source = str(files["rotation/hamrick_griffiths_2014_theta_time.csv"])
    return validate(table, ROTATION_MEANS, source=source)


# ----------------------------------------------------------------- per-rater word similarity


def _rater_columns(n_raters: int, scale_max: float) -> tuple[Column, ...]:
    return tuple(Column(str(j), "float", minimum=0.0, maximum=scale_max,
                        description=f"Rating of rater {j}") for j in range(1, n_raters + 1))


def _check_means(path: Path, ratings: np.ndarray, published: np.ndarray, column: str,
                 lines: np.ndarray | None) -> None:
    """The published mean of every pair must be the mean of its raters (to rounding)."""
    off = np.flatnonzero(np.abs(ratings.mean(axis=1) - published) > 0.0051)
    if len(off):
        log = ProblemLog()
        for i in off[:20]:
            line = None if lines is None else int(lines[i])
            log.add(Problem(str(path), int(i) + 1, column,
                            f"published mean {published[i]:g} is not the mean of the raters' "
                            f"ratings ({ratings[i].mean():.3f})", line))
        log.raise_if_any()


def _rater_pairs(word_a: list[str], word_b: list[str], ratings: np.ndarray, prefix: str,
                 scale: tuple[float, float], source: str) -> pd.DataFrame:
    """The long similarity table: one row per rater and pair, identical-word pairs dropped.

    ``trial`` is the pair's row in the file (0-based); a pair listed twice is rated twice by
    each rater (``repeat`` 0 and 1). ``attrs["dropped_pairs"]`` lists the pairs of a word with
    itself, which the similarity schema does not take (they carry no information).
    """
    pairs = pd.DataFrame({"item_a": word_a, "item_b": word_b})
    same = (pairs["item_a"] == pairs["item_b"]).to_numpy()
    repeat = pairs.groupby(["item_a", "item_b"]).cumcount().to_numpy()
    keep = np.flatnonzero(~same)
    n_raters = ratings.shape[1]
    table = pd.DataFrame({
        "participant_id": np.repeat([f"{prefix}{j:02d}" for j in range(1, n_raters + 1)],
                                    len(keep)),
        "session": 1,
        "trial": np.tile(keep, n_raters),
        "item_a": np.tile(pairs["item_a"].to_numpy()[keep], n_raters),
        "item_b": np.tile(pairs["item_b"].to_numpy()[keep], n_raters),
        "rating": ratings[keep].T.ravel(),
        "scale_min": scale[0],
        "scale_max": scale[1],
        "repeat": np.tile(repeat[keep], n_raters),
        "rt": np.nan,
    })
    out = validate(table, PAIRWISE, source=source)
    out.attrs["dropped_pairs"] = [f"{a} {b}" for a, b in
                                  pairs.loc[same, ["item_a", "item_b"]].itertuples(index=False)]
    out.attrs["n_raters"] = n_raters
    return out


def _wordsim_raters(files: Files, name: str, n_raters: int, prefix: str) -> pd.DataFrame:
    path = files[f"wordsim/wordsim353_raters/{name}"]
    # as published: CRLF line ends, and a tab at the end of the header and of some rows
    raw, lines = read_table_with_lines(path, trailing_delimiter="drop")
    schema = Schema(f"wordsim353-{name}",
                    (Column("Word 1", "str"), Column("Word 2", "str"),
                     Column("Human (mean)", "float", minimum=0.0, maximum=10.0),
                     *_rater_columns(n_raters, 10.0)),
                    description="WordSim-353 with one column per rater, as published.")
    if list(raw.columns) != [c.name for c in schema.columns]:
        raise ValidationError([Problem(str(path), None, None,
                                       f"expected the columns {[c.name for c in schema.columns]}, "
                                       f"got {list(raw.columns)}", 1)])
    wide = validate(raw, schema, source=str(path), lines=lines)
    ratings = wide[[str(j) for j in range(1, n_raters + 1)]].to_numpy(dtype=np.float64)
    _check_means(path, ratings, wide["Human (mean)"].to_numpy(dtype=np.float64), "Human (mean)",
                 lines)
    return _rater_pairs(wide["Word 1"].tolist(), wide["Word 2"].tolist(), ratings, prefix,
                        (0.0, 10.0), str(path))


def load_wordsim353_raters_set1(files: Files) -> pd.DataFrame:
    """WordSim-353 set 1: 13 raters x 153 pairs (0-10 relatedness), one row per rating.

    The pair ``tiger tiger`` (a word with itself, rated 10 by all) is dropped; ``money cash``,
    listed twice, is two trials (``repeat`` 0 and 1). Raters are ``set1-r01``..``set1-r13``.
    """
    return _wordsim_raters(files, "set1.tab", 13, "set1-r")


def load_wordsim353_raters_set2(files: Files) -> pd.DataFrame:
    """WordSim-353 set 2: 16 raters x 200 pairs (0-10 relatedness), one row per rating.

    Raters are ``set2-r01``..``set2-r16`` (other people than set 1's; do not pool the sets).
    """
    return _wordsim_raters(files, "set2.tab", 16, "set2-r")


def load_card660(files: Files) -> pd.DataFrame:
    """Card-660 rare-word similarity: 8 expert annotators x 660 pairs (0-4), one row per rating.

    ``dataset.tsv`` (``word1, word2, gold``) and ``scores.tsv`` (one column per annotator) are
    line-aligned and have no header. Multi-word expressions, joined by ``_`` in the files
    (``Pocket_Monsters``), are written with spaces. Annotators are ``card-a01``..``card-a08``.
    """
    data_path, scores_path = files["card660/dataset.tsv"], files["card660/scores.tsv"]
    pairs, pair_lines = read_table_with_lines(data_path, columns=["word1", "word2", "gold"])
    pairs = validate(pairs, Schema("card660-dataset", (
        Column("word1", "str"), Column("word2", "str"),
        Column("gold", "float", minimum=0.0, maximum=4.0)),
        description="Card-660 pairs with the gold score, as published."),
        source=str(data_path), lines=pair_lines)
    names = [str(j) for j in range(1, 9)]
    scores, score_lines = read_table_with_lines(scores_path, columns=names)
    scores = validate(scores, Schema("card660-scores", _rater_columns(8, 4.0),
                                     description="Card-660 annotator scores, as published."),
                      source=str(scores_path), lines=score_lines)
    if len(scores) != len(pairs):
        raise ValidationError([Problem(str(scores_path), None, None,
                                       f"{len(scores)} rows, but {data_path.name} has "
                                       f"{len(pairs)} pairs (the files are line-aligned)", None)])
    ratings = scores[names].to_numpy(dtype=np.float64)
    _check_means(data_path, ratings, pairs["gold"].to_numpy(dtype=np.float64), "gold",
                 pair_lines)
    words = [pairs[c].str.replace("_", " ", regex=False).tolist() for c in ("word1", "word2")]
    return _rater_pairs(words[0], words[1], ratings, "card-a", (0.0, 4.0), str(data_path))
