"""Stance tables: the registered debate.org data, the full DDO corpus, and users' own files.

Every reader returns the tidy ``beliefs`` table of :mod:`cogalign.data.schemas` - one row per
(person, issue) with ``stance`` +1 (Pro) or -1 (Con) - validated, so bad input stops with a
message naming the file, row and column:

* a stance other than Pro/Con or +1/-1,
* an issue the reader does not know (when it knows which issues exist),
* the same (person, issue) twice,
* a pickle that needs any global (:mod:`cogalign.beliefs.safe_pickle`).

Formats read by :func:`read_stances`:

``issue2groups(useridx).p``
    Lee et al. (2024)'s pickle: ``{issue: {"Pro": [user_idx], "Con": [...]}}`` plus the groups
    ``"Political party"`` and ``"Religion"`` (registered as ``ddo-big-issues``).
wide CSV
    One row per person (``user_idx`` or ``participant_id``), one column per big issue (+1, -1
    or empty), optional ``political_party`` and ``religion`` (the CSV conversion of the pickle).
``users.json``
    Durmus & Cardie (2019)'s DDO users: ``big_issues_dict`` per user (Pro, Con, or the
    no-stance codes N/O, N/S, Und, which are skipped), ``party``, ``religious_ideology``.
``debates.json``
    Durmus & Cardie (2019)'s DDO debates: each vote's ``votes_map`` says which debater the
    voter agreed with (after the debate by default); that debater's side is the voter's
    stance on the debate (ties skipped). Issues are debate keys; ``issue_text`` the titles.
per-vote table
    The paper's table (``username``, ``debate_title``, ``position``, optional ``debate_key``,
    ``debate_date``) as CSV, TSV or JSON lines; the paper's own pickled DataFrames need pandas
    globals and are refused: convert them to CSV first.
tidy table
    ``participant_id, issue, stance`` (Pro/Con or +1/-1) as CSV, TSV or JSON lines.

References
----------
Lee, B., Aiyappa, R., Ahn, Y.-Y., Kwak, H. & An, J. (2024). Neural embedding of beliefs reveals
the role of relative dissonance in human decision-making. arXiv:2408.07237.

Durmus, E. & Cardie, C. (2019). A corpus for modeling user and language effects in
argumentation on online debating. *ACL 2019*.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogalign.beliefs.safe_pickle import load_plain_pickle
from cogalign.data.schema import Problem, ValidationError, validate
from cogalign.data.schemas import BELIEFS
from cogalign.errors import CogalignError

__all__ = [
    "DDO_BIG_ISSUES",
    "NO_STANCE_CODES",
    "issue_texts",
    "load_ddo_big_issues",
    "load_ddo_issue_party",
    "load_stances",
    "participant_table",
    "read_big_issue_csv",
    "read_ddo_debates",
    "read_ddo_users",
    "read_stances",
    "read_vote_table",
    "stance_matrix",
    "stance_table",
    "stances_from_groups",
]

#: The 48 "big issues" of debate.org, in the order of the site (and of the paper's files).
DDO_BIG_ISSUES: tuple[str, ...] = (
    "Abortion", "Affirmative Action", "Animal Rights", "Barack Obama", "Border Fence",
    "Capitalism", "Civil Unions", "Death Penalty", "Drug Legalization", "Electoral College",
    "Environmental Protection", "Estate Tax", "European Union", "Euthanasia", "Federal Reserve",
    "Flat Tax", "Free Trade", "Gay Marriage", "Global Warming Exists", "Globalization",
    "Gold Standard", "Gun Rights", "Homeschooling", "Internet Censorship", "Iran-Iraq War",
    "Labor Union", "Legalized Prostitution", "Medicaid & Medicare", "Medical Marijuana",
    "Military Intervention", "Minimum Wage", "National Health Care", "National Retail Sales Tax",
    "Occupy Movement", "Progressive Tax", "Racial Profiling", "Redistribution", "Smoking Ban",
    "Social Programs", "Social Security", "Socialism", "Stimulus Spending", "Term Limits",
    "Torture", "United Nations", "War in Afghanistan", "War on Terror", "Welfare",
)

#: debate.org answers that mean "no stance" (no opinion, not saying, undecided): skipped.
NO_STANCE_CODES = frozenset({"", "n/o", "n/s", "und"})

_GROUPS = {"Political party": "political_party", "Religion": "religion"}
_STANCE_TEXT = {"pro": 1, "con": -1, "+1": 1, "1": 1, "-1": -1, "1.0": 1, "-1.0": -1}
_UNSAID = frozenset({"", "not saying", "- private -", "n/s", "none", "nan"})


# --------------------------------------------------------------------------- validation


def _normalise_stances(values: pd.Series) -> pd.Series:
    """Pro/Con and +1/-1 (text or numbers) to +1/-1; anything else is left as it is."""
    if values.dtype.kind in "iuf":
        return values

    def one(v: Any) -> Any:
        if isinstance(v, str):
            return _STANCE_TEXT.get(v.strip().lower(), v)
        if isinstance(v, bool | np.bool_):
            return v
        if isinstance(v, int | float | np.integer | np.floating) and v in (1, -1):
            return int(v)
        return v

    return values.map(one)


def _stance_problems(values: pd.Series, source: str, positions: np.ndarray,
                     csv_lines: bool) -> list[Problem]:
    """A problem for every stance that is neither +1/-1 nor missing.

    Missing stances are reported by validation.
    """
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(numeric, (1.0, -1.0)) & (values.notna().to_numpy() | ~np.isnan(numeric))
    if values.dtype.kind not in "iuf":
        bad |= values.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
        bad &= ~values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
    return [Problem(source, int(positions[i]) + 1, "stance",
                    f"stance {values.iloc[i]!r} is not Pro/Con or +1/-1",
                    int(positions[i]) + 2 if csv_lines else None)
            for i in np.flatnonzero(bad)]


def stance_table(
    table: pd.DataFrame,
    *,
    source: str = "<table>",
    issues: Iterable[str] | None = None,
    csv_lines: bool = False,
    file_rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Validate a tidy stance table (``participant_id``, ``issue``, ``stance``).

    Parameters
    ----------
    table
        One row per (person, issue); ``stance`` as +1/-1 or Pro/Con (any case).
    source
        Name used in error messages (normally the file path).
    issues
        The issues that exist; a row on any other issue is refused. ``None``: any issue.
    csv_lines, file_rows
        As in :func:`cogalign.data.validate`.

    Returns
    -------
    pandas.DataFrame
        The typed table (``stance`` as ``int64`` +1/-1), row order kept.

    Raises
    ------
    ValidationError
        Naming the file, row and column of every stance that is not Pro/Con or +1/-1, every
        unknown issue and every repeated (person, issue).
    """
    frame = table.reset_index(drop=True)
    positions = np.arange(len(frame)) if file_rows is None else np.asarray(file_rows)
    if "stance" in frame.columns:
        frame = frame.copy()
        frame["stance"] = _normalise_stances(frame["stance"])
        problems = _stance_problems(frame["stance"], source, positions, csv_lines)
        if problems:
            raise ValidationError(problems)
    out = validate(frame, BELIEFS, source=source, csv_lines=csv_lines, file_rows=file_rows)
    if issues is not None:
        known = set(issues)
        bad = np.flatnonzero(~out["issue"].isin(known).to_numpy())
        if len(bad):
            raise ValidationError([
                Problem(source, int(positions[i]) + 1, "issue",
                        f"unknown issue {out['issue'].iloc[i]!r}",
                        int(positions[i]) + 2 if csv_lines else None)
                for i in bad
            ])
    return out


def _order(table: pd.DataFrame, issues: Sequence[str]) -> pd.DataFrame:
    rank = {name: i for i, name in enumerate(issues)}
    key = pd.to_numeric(table["participant_id"], errors="coerce")
    order = np.lexsort((table["issue"].map(rank).to_numpy(), key.to_numpy()))
    return table.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------- Lee et al. 2024


def stances_from_groups(
    groups: Mapping[str, Any],
    *,
    source: str = "<pickle>",
    issues: Sequence[str] = DDO_BIG_ISSUES,
) -> pd.DataFrame:
    """The tidy stance table of Lee et al. (2024)'s ``issue2groups(useridx)`` containers.

    Parameters
    ----------
    groups
        ``{issue: {"Pro": [user_idx, ...], "Con": [...]}}`` plus ``"Political party"`` and
        ``"Religion"`` groups (``{label: [user_idx, ...]}``).
    source
        Name used in error messages.
    issues
        The issues that may appear.

    Returns
    -------
    pandas.DataFrame
        ``participant_id`` (the user index as text), ``issue``, ``stance``,
        ``political_party``, ``religion``; sorted by person, then issue. ``attrs`` holds
        ``n_people`` (people in any group) and ``n_people_without_stance``.

    Raises
    ------
    ValidationError
        For an unknown issue, a label other than Pro/Con, a user index that is not an
        integer, a person on both sides of an issue or in two groups of one kind.
    """
    if not isinstance(groups, Mapping):
        raise CogalignError(f"{source}: expected a dict of issues, got {type(groups).__name__}")
    problems: list[Problem] = []
    known = set(issues)
    rows_p: list[np.ndarray] = []
    rows_i: list[str] = []
    rows_s: list[np.ndarray] = []
    attributes: dict[str, dict[int, str]] = {"political_party": {}, "religion": {}}
    everyone: set[int] = set()
    for key, labels in groups.items():
        where = f"key {key!r}"
        if not isinstance(labels, Mapping):
            problems.append(Problem(source, None, str(key), f"{where}: expected a dict of labels"))
            continue
        members: dict[str, np.ndarray] = {}
        for label, users in labels.items():
            if not isinstance(users, list | tuple) or not all(
                isinstance(u, int) and not isinstance(u, bool) for u in users
            ):
                problems.append(Problem(source, None, str(key),
                                        f"{where}, label {label!r}: expected a list of user indices"))
                continue
            members[str(label)] = np.asarray(users, dtype=np.int64)
            everyone.update(users)
        if key in _GROUPS:
            column = _GROUPS[key]
            for label, users in members.items():
                for u in users.tolist():
                    previous = attributes[column].setdefault(u, label)
                    if previous != label:
                        problems.append(Problem(source, None, column,
                                                f"user {u} is both {previous!r} and {label!r}"))
            continue
        if key not in known:
            problems.append(Problem(source, None, str(key), f"unknown issue {key!r}"))
            continue
        for label, users in members.items():
            if label.lower() not in ("pro", "con"):
                problems.append(Problem(source, None, str(key),
                                        f"{where}: stance label {label!r} is not Pro or Con"))
                continue
            rows_p.append(users)
            rows_i.extend([key] * len(users))
            rows_s.append(np.full(len(users), 1 if label.lower() == "pro" else -1))
    if problems:
        raise ValidationError(problems)
    people = np.concatenate(rows_p) if rows_p else np.zeros(0, dtype=np.int64)
    table = pd.DataFrame({
        "participant_id": people.astype(str),
        "issue": rows_i,
        "stance": np.concatenate(rows_s) if rows_s else np.zeros(0, dtype=np.int64),
    })
    for column, values in attributes.items():
        table[column] = pd.Series(people).map(values).astype(object).where(
            pd.Series(people).isin(values.keys()), None).to_numpy()
    table = _order(table, issues)
    out = stance_table(table, source=source, issues=issues)
    with_stance = set(people.tolist())
    out.attrs["n_people"] = len(everyone)
    out.attrs["n_people_without_stance"] = len(everyone - with_stance)
    return out


def load_ddo_big_issues(files: Mapping[str, Path]) -> pd.DataFrame:
    """Registry loader of ``ddo-big-issues``: the pickle, read without any global."""
    path = files["beliefs/issue2groups_useridx.p"]
    return stances_from_groups(load_plain_pickle(path), source=str(path))


def load_ddo_issue_party(files: Mapping[str, Path]) -> pd.DataFrame:
    """Registry loader of ``ddo-issue-party``: per issue, the share of each party that is Pro.

    Returns
    -------
    pandas.DataFrame
        ``issue``, ``republican_pro``, ``democratic_pro``, ``n_republican``,
        ``n_democratic``, ``difference`` (Republican minus Democratic share),
        ``absolute_difference`` (the party gap) and ``paper_distance`` (the paper's Pro-Con
        Euclidean distance in its fine-tuned S-BERT space, a model output kept for comparison).
    """
    path = Path(files["beliefs/ddo_issue_party_pro_ratio.csv"])
    raw = pd.read_csv(path)
    expected = ["Social_issue", "Republican", "Democratic", "N_Rep", "N_Dem", "Difference",
                "Absolute_difference", "Euclidean_distance"]
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        raise ValidationError([Problem(str(path), None, c, "required column is missing") for c in missing])
    unknown = np.flatnonzero(~raw["Social_issue"].isin(DDO_BIG_ISSUES).to_numpy())
    if len(unknown):
        raise ValidationError([Problem(str(path), int(i) + 1, "Social_issue",
                                       f"unknown issue {raw['Social_issue'].iloc[i]!r}", int(i) + 2)
                               for i in unknown])
    return pd.DataFrame({
        "issue": raw["Social_issue"].astype(str),
        "republican_pro": raw["Republican"].astype(float),
        "democratic_pro": raw["Democratic"].astype(float),
        "n_republican": raw["N_Rep"].astype(int),
        "n_democratic": raw["N_Dem"].astype(int),
        "difference": raw["Difference"].astype(float),
        "absolute_difference": raw["Absolute_difference"].astype(float),
        "paper_distance": raw["Euclidean_distance"].astype(float),
    })


def read_big_issue_csv(path: str | Path, *, issues: Sequence[str] = DDO_BIG_ISSUES) -> pd.DataFrame:
    """Read the wide big-issue CSV: one row per person, one column per issue.

    Parameters
    ----------
    path
        CSV with ``user_idx`` (or ``participant_id``), one column per issue holding +1, -1,
        Pro, Con or nothing, and optionally ``political_party`` and ``religion``.
    issues
        The issues that may appear as columns.

    Returns
    -------
    pandas.DataFrame
        The tidy stance table (see :func:`stances_from_groups`).

    Raises
    ------
    ValidationError
        For an unknown issue column, a stance cell other than +1/-1/Pro/Con/empty (naming
        its row, CSV line and issue column) or a person listed twice.
    """
    from cogalign.data.tables import read_csv_text

    path = Path(path)
    raw = read_csv_text(path)
    source = str(path)
    id_column = "user_idx" if "user_idx" in raw.columns else "participant_id"
    if id_column not in raw.columns:
        raise ValidationError([Problem(source, None, "user_idx", "required column is missing")])
    extra = {id_column, "political_party", "religion"}
    columns = [c for c in raw.columns if c not in extra]
    problems = [Problem(source, None, c, f"unknown issue {c!r}") for c in columns if c not in issues]
    ids = raw[id_column].str.strip()
    for i in np.flatnonzero(ids.duplicated().to_numpy()):
        problems.append(Problem(source, int(i) + 1, id_column,
                                f"person {ids.iloc[i]!r} appears on more than one row", int(i) + 2))
    cells = raw[columns].apply(lambda col: col.str.strip().str.lower())
    values = cells.apply(lambda col: col.map(lambda v: _STANCE_TEXT.get(v, np.nan if v == "" else "bad")))
    for c in columns:
        for i in np.flatnonzero((values[c] == "bad").to_numpy()):
            problems.append(Problem(source, int(i) + 1, c,
                                    f"stance {raw[c].iloc[i]!r} is not Pro/Con or +1/-1", int(i) + 2))
    if problems:
        raise ValidationError(problems)
    grid = values.to_numpy(dtype=float)
    rows, cols = np.nonzero(~np.isnan(grid))  # row-major: person by person, issues in file order
    table = pd.DataFrame({"participant_id": ids.to_numpy()[rows],
                          "issue": np.asarray(columns, dtype=object)[cols],
                          "stance": grid[rows, cols].astype(np.int64)})
    for column in ("political_party", "religion"):
        if column in raw.columns:
            text = raw[column].to_numpy()[rows]
            table[column] = [None if str(v).strip().lower() in _UNSAID else str(v) for v in text]
    return stance_table(table, source=source, issues=issues, csv_lines=True, file_rows=rows)


# --------------------------------------------------------------------------- DDO corpus


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CogalignError(f"{path}: not valid JSON ({exc})") from None


def _said(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in _UNSAID else text


def read_ddo_users(path: str | Path, *, issues: Sequence[str] = DDO_BIG_ISSUES) -> pd.DataFrame:
    """Big-issue stances from Durmus & Cardie (2019)'s ``users.json``.

    Parameters
    ----------
    path
        ``users.json``: ``{username: {"big_issues_dict": {issue: "Pro" | "Con" | "N/O" |
        "N/S" | "Und"}, "party": ..., "religious_ideology": ..., ...}}``.
    issues
        The issues that may appear.

    Returns
    -------
    pandas.DataFrame
        The tidy stance table, ``participant_id`` = username, with ``political_party`` and
        ``religion`` from the profile ("Not Saying" and empty become missing). The no-stance
        codes N/O, N/S and Und are left out.

    Raises
    ------
    ValidationError
        For an unknown issue or an answer that is neither Pro/Con nor a no-stance code,
        naming the file, the user's position in it (row) and the issue.
    """
    path = Path(path)
    users = _read_json(path)
    if not isinstance(users, Mapping):
        raise CogalignError(f"{path}: expected an object of users keyed by name")
    source = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    known = set(issues)
    for position, (name, profile) in enumerate(users.items(), start=1):
        answers = (profile or {}).get("big_issues_dict") or {}
        party = _said(profile.get("party"))
        religion = _said(profile.get("religious_ideology"))
        for issue, answer in answers.items():
            text = "" if answer is None else str(answer).strip()
            if text.lower() in NO_STANCE_CODES:
                continue
            if issue not in known:
                problems.append(Problem(source, position, issue, f"user {name!r}: unknown issue {issue!r}"))
                continue
            if text.lower() not in ("pro", "con"):
                problems.append(Problem(source, position, issue,
                                        f"user {name!r}: stance {answer!r} is not Pro, Con, "
                                        "or a no-stance code (N/O, N/S, Und)"))
                continue
            rows.append({"participant_id": str(name), "issue": issue, "stance": text,
                         "political_party": party, "religion": religion})
    if problems:
        raise ValidationError(problems)
    table = pd.DataFrame(rows, columns=["participant_id", "issue", "stance", "political_party", "religion"])
    return stance_table(table, source=source, issues=issues)


def read_ddo_debates(path: str | Path, *, vote: str = "after") -> pd.DataFrame:
    """Per-debate stances of voters from Durmus & Cardie (2019)'s ``debates.json``.

    A voter's stance on a debate is the side of the debater they "agreed with" (``vote="after"``
    the debate, as voters reported it, or ``"before"``); votes agreeing with both or neither
    debater (ties) are skipped.

    Parameters
    ----------
    path
        ``debates.json``: ``{debate_key: {"title", "category", "start_date",
        "participant_1_name", "participant_1_position", "participant_2_name",
        "participant_2_position", "votes": [{"user_name", "votes_map": {debater:
        {"Agreed with before the debate": bool, "Agreed with after the debate": bool, ...}}}]}}``.
    vote
        ``"after"`` or ``"before"``.

    Returns
    -------
    pandas.DataFrame
        The tidy stance table with ``issue`` = debate key, ``issue_text`` = title, ``date``,
        ``category``.

    Raises
    ------
    ValidationError
        For a debater position other than Pro/Con (naming the debate) or a voter who voted
        twice in one debate.
    """
    if vote not in ("after", "before"):
        raise CogalignError(f"vote must be 'after' or 'before', got {vote!r}")
    field = f"Agreed with {vote} the debate"
    path = Path(path)
    debates = _read_json(path)
    if not isinstance(debates, Mapping):
        raise CogalignError(f"{path}: expected an object of debates keyed by debate key")
    source = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for position, (key, debate) in enumerate(debates.items(), start=1):
        sides = {}
        for k in (1, 2):
            name = debate.get(f"participant_{k}_name")
            side = str(debate.get(f"participant_{k}_position", "")).strip().lower()
            if side not in ("pro", "con"):
                problems.append(Problem(source, position, f"participant_{k}_position",
                                        f"debate {key!r}: position {side!r} is not Pro or Con"))
                continue
            sides[name] = 1 if side == "pro" else -1
        if len(sides) != 2:
            continue
        for ballot in debate.get("votes") or []:
            votes_map = ballot.get("votes_map") or {}
            agreed = [name for name in sides if (votes_map.get(name) or {}).get(field) is True]
            if len(agreed) != 1:
                continue
            rows.append({"participant_id": str(ballot.get("user_name")), "issue": str(key),
                         "stance": sides[agreed[0]], "issue_text": str(debate.get("title", key)),
                         "date": _said(debate.get("start_date")), "category": debate.get("category"),
                         "_row": position})
    if problems:
        raise ValidationError(problems)
    table = pd.DataFrame(rows, columns=["participant_id", "issue", "stance", "issue_text", "date",
                                        "category", "_row"])
    file_rows = table.pop("_row").to_numpy() - 1
    return stance_table(table, source=source, file_rows=file_rows)


def read_vote_table(path: str | Path) -> pd.DataFrame:
    """Read the per-vote table of Lee et al. (2024)'s repository (CSV, TSV or JSON lines).

    Columns ``username``, ``debate_title``, ``position`` (Pro/Con) and optionally
    ``debate_key`` (the issue; the title otherwise) and ``debate_date``.

    Raises
    ------
    ValidationError
        For a position other than Pro/Con (ties included: remove them first), or a person who
        voted twice on one debate.
    """
    from cogalign.data.tables import _read_json_rows, read_csv_text

    path = Path(path)
    json_rows = path.suffix.lower() in (".json", ".jsonl")
    raw = _read_json_rows(path) if json_rows else read_csv_text(path)
    missing = [c for c in ("username", "debate_title", "position") if c not in raw.columns]
    if missing:
        raise ValidationError([Problem(str(path), None, c, "required column is missing") for c in missing])
    issue = raw["debate_key"] if "debate_key" in raw.columns else raw["debate_title"]
    table = pd.DataFrame({"participant_id": raw["username"].astype(str), "issue": issue.astype(str),
                          "stance": raw["position"], "issue_text": raw["debate_title"].astype(str)})
    if "debate_date" in raw.columns:
        table["date"] = raw["debate_date"].map(_said)
    return stance_table(table, source=str(path), csv_lines=not json_rows)


# --------------------------------------------------------------------------- dispatch


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig") as fh:
        line = fh.readline().rstrip("\r\n")
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    return [h.strip().strip('"') for h in line.split(sep)]


def read_stances(path: str | Path, *, issues: Sequence[str] | None = None) -> pd.DataFrame:
    """Read any supported stance file (see the module docstring) into the tidy table.

    Parameters
    ----------
    path
        The file.
    issues
        For tidy tables: the issues that may appear (``None``: any).

    Returns
    -------
    pandas.DataFrame
        The validated stance table.
    """
    from cogalign.data.tables import read_csv_text

    path = Path(path)
    if not path.is_file():
        raise CogalignError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".p", ".pkl", ".pickle"):
        return stances_from_groups(load_plain_pickle(path), source=str(path))
    if suffix == ".json":
        head = path.read_text(encoding="utf-8")[:20000]
        if '"big_issues_dict"' in head:
            return read_ddo_users(path)
        if '"votes_map"' in head or '"participant_1_position"' in head:
            return read_ddo_debates(path)
    if suffix in (".json", ".jsonl"):
        from cogalign.data.tables import _read_json_rows

        raw = _read_json_rows(path)
        if {"username", "position"} <= set(raw.columns):
            return read_vote_table(path)
        return stance_table(raw, source=str(path), issues=issues)
    header = _header(path)
    if {"username", "debate_title", "position"} <= set(header):
        return read_vote_table(path)
    if "stance" not in header and ("user_idx" in header or len(set(header) & set(DDO_BIG_ISSUES)) > 0):
        return read_big_issue_csv(path)
    if "stance" not in header:
        raise CogalignError(
            f"{path}: not a stance file (expected participant_id, issue, stance; the wide "
            f"big-issue CSV; or a per-vote table with username, debate_title, position); "
            f"columns: {', '.join(header)}")
    raw = read_csv_text(path)
    return stance_table(raw, source=str(path), issues=issues, csv_lines=True)


def load_stances(dataset: str | None = "ddo-big-issues", data: str | Path | None = None, *,
                 download: bool = True) -> pd.DataFrame:
    """The stance table of a file (``data``) or of a registered dataset."""
    if data is not None:
        return read_stances(data)
    if dataset is None:
        raise CogalignError("give a dataset name or a data file")
    from cogalign.data import get_dataset

    ds = get_dataset(dataset)
    if ds.paradigm != "beliefs":
        raise CogalignError(f"dataset '{dataset}' is not belief data ({ds.paradigm})")
    table = ds.load(download=download, progress=False)
    if not {"participant_id", "issue", "stance"} <= set(table.columns):
        raise CogalignError(f"dataset '{dataset}' is not a stance table")
    return table


# --------------------------------------------------------------------------- views


def participant_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per person.

    Columns ``participant_id``, ``n_stances``, ``share_pro`` and, where the stance table has
    them, ``political_party`` and ``religion``.
    """
    grouped = table.groupby("participant_id", sort=False)
    out = pd.DataFrame({
        "n_stances": grouped.size(),
        "share_pro": grouped["stance"].apply(lambda s: float(np.mean(np.asarray(s) > 0))),
    })
    for column in ("political_party", "religion"):
        if column in table.columns:
            out[column] = grouped[column].first()
    return out.reset_index()


def issue_texts(table: pd.DataFrame) -> dict[str, str]:
    """The text each issue puts into statement templates (``issue_text``, else the issue)."""
    if "issue_text" not in table.columns:
        return {str(i): str(i) for i in pd.unique(table["issue"])}
    pairs = table[["issue", "issue_text"]].drop_duplicates("issue")
    return {str(i): (str(t) if isinstance(t, str) and t else str(i))
            for i, t in zip(pairs["issue"], pairs["issue_text"], strict=True)}


def stance_matrix(
    table: pd.DataFrame,
    *,
    people: Sequence[str] | None = None,
    issues: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str], list[str]]:
    """People x issues matrix of stances: +1, -1, and 0 where a person took no stance.

    Parameters
    ----------
    table
        The stance table.
    people, issues
        Row and column order (default: order of first appearance); rows of the table for
        people or issues not listed are ignored.

    Returns
    -------
    matrix, people, issues
        ``matrix`` is ``int8`` of shape ``(len(people), len(issues))``.
    """
    people = list(pd.unique(table["participant_id"])) if people is None else list(people)
    issues = list(pd.unique(table["issue"])) if issues is None else list(issues)
    rows = pd.Index(people).get_indexer(table["participant_id"])
    cols = pd.Index(issues).get_indexer(table["issue"])
    keep = (rows >= 0) & (cols >= 0)
    matrix = np.zeros((len(people), len(issues)), dtype=np.int8)
    matrix[rows[keep], cols[keep]] = table["stance"].to_numpy()[keep]
    return matrix, [str(p) for p in people], [str(i) for i in issues]
