"""Each stance predictor on data where its answer is known."""

import numpy as np
import pandas as pd
import pytest

from cogalign.beliefs import (
    AlwaysPro,
    BeliefSpace,
    IssueMajority,
    LogisticCF,
    LowRankCF,
    PartyMajority,
    PersonMajority,
    PromptedLM,
    SpaceNearest,
    SpaceReadout,
)
from cogalign.estimator import clone


def _table(rows, party=None):
    t = pd.DataFrame(rows, columns=["participant_id", "issue", "stance"])
    if party is not None:
        t["political_party"] = t["participant_id"].map(party)
    return t


TRAIN = _table([("a", "x", 1), ("a", "y", 1), ("b", "x", 1), ("b", "y", -1), ("c", "x", 1),
                ("c", "y", -1), ("d", "x", -1), ("d", "y", -1)])


def test_always_pro_and_issue_majority():
    queries = _table([("e", "x", 1), ("e", "y", -1), ("e", "z", 1)])
    model = AlwaysPro().fit(TRAIN)
    assert model.share_ == 0.5
    assert model.predict(queries, queries).tolist() == [1, 1, 1]
    assert model.score(queries, queries) == pytest.approx(2 / 3)
    majority = IssueMajority(prior=2.0).fit(TRAIN)
    p = majority.predict_proba(queries, queries)
    assert p == pytest.approx([(3 + 1) / 6, (1 + 1) / 6, 0.5])  # smoothed to the overall share
    assert majority.predict(queries, queries).tolist()[:2] == [1, -1]


def test_person_majority():
    context = _table([("e", "x", 1), ("e", "y", 1), ("f", "x", -1)])
    queries = _table([("e", "z", 1), ("f", "z", 1), ("g", "z", 1)])
    p = PersonMajority(prior=2.0).fit(TRAIN).predict_proba(queries, context)
    assert p == pytest.approx([(2 + 1) / 4, (0 + 1) / 3, 0.5])


def test_party_majority():
    party = {"a": "Republican", "b": "Republican", "c": "Democratic", "d": "Democratic"}
    train = _table([("a", "x", 1), ("b", "x", 1), ("c", "x", -1), ("d", "x", -1)], party)
    queries = _table([("r", "x", 1), ("s", "x", -1), ("t", "x", 1)],
                     {"r": "Republican", "s": "Democratic", "t": None})
    model = PartyMajority(prior=2.0).fit(train)
    p = model.predict_proba(queries, queries.iloc[:0])
    assert p == pytest.approx([(2 + 2 * 0.5) / 4, (0 + 2 * 0.5) / 4, 0.5])
    assert model.predict(queries, queries.iloc[:0]).tolist() == [1, -1, 1]


def _copying_people(n, seed):
    """Issue 'c' copies issue 'a'; issue 'b' is noise."""
    rng = np.random.default_rng(seed)
    a, b = rng.choice([-1, 1], n), rng.choice([-1, 1], n)
    rows = []
    for i in range(n):
        rows += [(f"p{i}", "a", a[i]), (f"p{i}", "b", b[i]), (f"p{i}", "c", a[i])]
    return _table(rows)


def test_logistic_cf_learns_a_copied_stance():
    train, test = _copying_people(300, 0), _copying_people(100, 1)
    queries, context = test[test["issue"] == "c"], test[test["issue"] != "c"]
    model = LogisticCF(C=1.0, hide=0.0).fit(train)
    assert model.score(queries, context) == 1.0
    assert model.coef_[2, 0] > 1.0 and abs(model.coef_[2, 1]) < 0.5
    assert clone(model).get_params() == model.get_params()


def test_low_rank_cf_on_a_rank_one_population():
    rng = np.random.default_rng(2)
    side = rng.choice([-1, 1], 400)
    loading = np.array([1, -1, 1, 1, -1, -1])
    rows = [(f"p{i}", f"i{j}", int(side[i] * loading[j])) for i in range(400) for j in range(6)]
    table = _table(rows)
    test_people = table["participant_id"].isin([f"p{i}" for i in range(300, 400)])
    train, test = table[~test_people], table[test_people]
    queries, context = test[test["issue"] == "i5"], test[test["issue"] != "i5"]
    model = LowRankCF(rank=2, seed=0).fit(train)
    assert model.score(queries, context) > 0.95
    p = model.predict_proba(queries, context)
    assert np.all((p > 0.5) == (queries["stance"].to_numpy() > 0))


def _placed(texts):
    """An encoder that puts statements where the test wants them (pro of x and y together)."""
    spots = {"I am in favor of x.": (1.0, 0.0), "I am against x.": (-1.0, 0.0),
             "I am in favor of y.": (1.0, 0.2), "I am against y.": (-1.0, 0.2),
             "I am in favor of z.": (0.0, 1.0), "I am against z.": (0.0, -1.0)}
    return np.array([spots[t] for t in texts])


def test_space_rules_read_the_nearer_side():
    train = _table([("a", "x", 1), ("a", "y", 1), ("b", "x", -1), ("b", "y", -1), ("a", "z", 1),
                    ("b", "z", -1), ("c", "x", 1), ("c", "y", 1), ("c", "z", -1), ("d", "x", -1),
                    ("d", "y", -1), ("d", "z", 1)])
    space = BeliefSpace(_placed, fine_tune=False).fit(train)
    context = _table([("e", "x", 1), ("f", "x", -1)])
    queries = _table([("e", "y", 1), ("f", "y", -1)])
    nearest = SpaceNearest(space, prefit=True).fit(train)
    assert nearest.predict(queries, context).tolist() == [1, -1]
    assert nearest.hard and set(nearest.predict_proba(queries, context)) == {0.0, 1.0}
    readout = SpaceReadout(space, prefit=True).fit(train)
    p = readout.predict_proba(queries, context)
    assert p[0] > 0.5 > p[1]


class _Believer:
    """A stand-in chat model: says 'favor' when the profile leans in favour."""

    def __init__(self):
        from cogalign.llm import ChatClient

        class Fake(ChatClient):
            def choice(self, prompts, options, *, system=None, aliases=None):
                from cogalign.llm.results import ChoiceResult

                prob = []
                for prompt, answers in zip(prompts, options, strict=True):
                    lean = prompt.count("in favor of") - 1 - prompt.count("I am against")
                    favor = 0.8 if lean > 0 else 0.2
                    prob.append([favor if a == "favor" else 1 - favor for a in answers])
                prob = np.array(prob)
                return ChoiceResult(prompts=list(prompts), options=[list(o) for o in options],
                                    logprob=np.log(prob), n_tokens=np.ones_like(prob), prob=prob)

        self.client = Fake(model="fake-believer", base_url="http://127.0.0.1:9", cache=False)


def test_prompted_model_reads_the_profile():
    context = _table([("e", "Death Penalty", 1), ("e", "Gun Rights", 1), ("f", "Welfare", -1)])
    queries = _table([("e", "Torture", 1), ("f", "Torture", -1)])
    model = PromptedLM(_Believer().client, max_profile=5).fit(TRAIN)
    trials = model.trials(queries, context)
    assert trials["issue"].tolist() == ["torture", "torture"]
    assert trials["profile"].iloc[0] == "- I am in favor of the death penalty.\n- I am in favor of gun rights."
    p = model.predict_proba(queries, context)
    assert p == pytest.approx([0.8, 0.2])
    assert model.score(queries, context) == 1.0
