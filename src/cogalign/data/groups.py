"""Rows that belong together: participant indices for hierarchical models, subsets of groups.

>>> import pandas as pd
>>> participant_index(pd.Series(["p10", "p2", "p2"]))
(array([1, 0, 0]), ['p2', 'p10'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["participant_index", "subsample_groups"]


def participant_index(ids: pd.Series, known: list[str] | None = None
                      ) -> tuple[np.ndarray, list[str]]:
    """0-based participant indices and the id list, ids in natural order (``p2`` before ``p10``).

    Parameters
    ----------
    ids
        Participant id of each row (compared as text).
    known
        Ids of a fitted model, in index order; ids not among them get index -1.

    Returns
    -------
    index, ids
        ``int64`` index per row and the id of each index.
    """
    ids = ids.astype(str)
    if known is None:
        known = sorted(ids.unique(), key=lambda s: (len(s), s))
    pos = {p: i for i, p in enumerate(known)}
    return np.array([pos.get(p, -1) for p in ids], dtype=np.int64), list(known)


def subsample_groups(table: pd.DataFrame, n_groups: int | None, group: str, seed: int = 0
                     ) -> pd.DataFrame:
    """The rows of ``n_groups`` randomly chosen groups (all rows of each), in table order.

    Parameters
    ----------
    table
        Any table with a ``group`` column (problems, participants, ...).
    n_groups
        Groups to keep; ``None`` (or at least as many as there are) keeps the whole table.
    group
        The column naming each row's group.
    seed
        Seed of the choice.

    Returns
    -------
    pandas.DataFrame
        The kept rows.
    """
    if n_groups is None:
        return table
    groups = table[group].unique()
    if n_groups >= len(groups):
        return table
    rng = np.random.default_rng(seed)
    keep = rng.choice(groups, size=n_groups, replace=False)
    return table.loc[table[group].isin(keep)]
