"""Stance predictors: baselines, collaborative filtering, the belief space, a prompted model.

Every predictor is an :class:`~cogalign.estimator.Estimator` with the same protocol:

* ``fit(table)`` learns from the stances of training people (``table``: a stance table);
* ``predict_proba(queries, context)`` gives P(Pro) for each query row (``participant_id``,
  ``issue``), where ``context`` holds the stances known of the query people (their other
  stances);
* ``predict`` gives +1/-1, and ``score(queries, context)`` the accuracy (higher is better).

Predictors whose output is a decision rather than a probability (the paper's nearer-side
rule) say so with ``hard = True``; their log loss and calibration are not reported.

================  ==========================================================================
name              rule
================  ==========================================================================
always-Pro        Pro for everyone (P(Pro) = the training share of Pro)
issue majority    the issue's majority side among training people (Laplace-smoothed share)
person majority   the person's own majority side over their other stances, shrunk to the
                  training share
party majority    the issue's majority within the person's party (issue majority without one)
logistic CF       per issue, an L2 logistic regression on the person's other stances
                  (+1/-1/0); during training a share of those inputs is hidden at random, as
                  the protocol hides them
low-rank CF       logistic matrix factorisation of people x issues; a new person's factors
                  are fitted to their other stances with the issue factors fixed
space nearest     the side whose statement is nearer the person's mean belief (Lee et al.)
space readout     logistic regression on the distances to the two sides
prompted LM       a language model reads the person's other stances and answers
                  favor/against (both answer orders, averaged)
================  ==========================================================================
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit

from cogalign.beliefs.data import issue_texts, stance_matrix
from cogalign.beliefs.space import BeliefSpace
from cogalign.beliefs.statements import DEFAULT_TEMPLATES, belief_statements
from cogalign.errors import CogalignError
from cogalign.estimator import Estimator, clone

__all__ = [
    "AlwaysPro",
    "IssueMajority",
    "LogisticCF",
    "LowRankCF",
    "PartyMajority",
    "PersonMajority",
    "PromptedLM",
    "SpaceNearest",
    "SpaceReadout",
    "StancePredictor",
]


class StancePredictor(Estimator):
    """Base of the stance predictors (see the module docstring).

    Attributes
    ----------
    hard
        True when :meth:`predict_proba` returns decisions (0 or 1), not probabilities.
    """

    score_name = "accuracy"
    hard: ClassVar[bool] = False

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """P(Pro) for each query row (see the module docstring)."""
        raise NotImplementedError

    def predict(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """+1 (Pro) or -1 (Con) for each query row."""
        return np.where(self.predict_proba(queries, context) >= 0.5, 1, -1)

    def score(self, queries: pd.DataFrame, context: pd.DataFrame) -> float:
        """Accuracy on the query rows' ``stance`` (higher is better)."""
        return float(np.mean(self.predict(queries, context) == queries["stance"].to_numpy()))


def _share_pro(stance: np.ndarray) -> float:
    return float(np.mean(np.asarray(stance) > 0)) if len(stance) else 0.5


class AlwaysPro(StancePredictor):
    """Pro for everyone; P(Pro) is the share of Pro stances in training."""

    def fit(self, table: pd.DataFrame) -> AlwaysPro:
        """Record the training share of Pro."""
        self.share_ = _share_pro(table["stance"].to_numpy())
        return self

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """The training share of Pro for every query."""
        self._check_fitted()
        return np.full(len(queries), self.share_)

    def predict(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """+1 for every query."""
        return np.ones(len(queries), dtype=np.int64)


class IssueMajority(StancePredictor):
    """The issue's share of Pro among training people, smoothed to the overall share.

    Parameters
    ----------
    prior
        Weight (in stances) of the overall share in each issue's estimate.
    """

    def __init__(self, prior: float = 2.0):
        self.prior = prior

    def fit(self, table: pd.DataFrame) -> IssueMajority:
        """Count Pro and Con per issue."""
        self.share_ = _share_pro(table["stance"].to_numpy())
        grouped = table.groupby("issue")["stance"]
        pro, n = grouped.apply(lambda s: float((s > 0).sum())), grouped.size()
        self.issue_share_ = ((pro + self.prior * self.share_) / (n + self.prior)).to_dict()
        return self

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """Each query issue's share of Pro (the overall share for an unseen issue)."""
        self._check_fitted()
        return queries["issue"].map(self.issue_share_).fillna(self.share_).to_numpy(dtype=float)


class PersonMajority(StancePredictor):
    """The person's own share of Pro over their other stances, shrunk to the overall share.

    Parameters
    ----------
    prior
        Weight (in stances) of the overall share.
    """

    def __init__(self, prior: float = 2.0):
        self.prior = prior

    def fit(self, table: pd.DataFrame) -> PersonMajority:
        """Record the training share of Pro."""
        self.share_ = _share_pro(table["stance"].to_numpy())
        return self

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """Each query person's smoothed share of Pro in ``context``."""
        self._check_fitted()
        grouped = context.groupby("participant_id")["stance"]
        pro = grouped.apply(lambda s: float((s > 0).sum()))
        n = grouped.size()
        share = (pro + self.prior * self.share_) / (n + self.prior)
        return queries["participant_id"].map(share).fillna(self.share_).to_numpy(dtype=float)


class PartyMajority(StancePredictor):
    """The issue's share of Pro within the person's party (``political_party``).

    People without a party, and parties not seen in training, get the issue majority.

    Parameters
    ----------
    prior
        Weight (in stances) of the issue's share in each party's estimate.
    """

    def __init__(self, prior: float = 2.0):
        self.prior = prior

    def fit(self, table: pd.DataFrame) -> PartyMajority:
        """Count Pro and Con per issue and party."""
        if "political_party" not in table.columns:
            raise CogalignError("party majority needs a political_party column")
        self.issue_ = IssueMajority(self.prior).fit(table)
        known = table[table["political_party"].notna()]
        grouped = known.groupby(["political_party", "issue"])["stance"]
        pro, n = grouped.apply(lambda s: float((s > 0).sum())), grouped.size()
        base = pd.Series([self.issue_.issue_share_[i] for i in n.index.get_level_values("issue")],
                         index=n.index)
        self.party_share_ = ((pro + self.prior * base) / (n + self.prior)).to_dict()
        return self

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """Each query's party share of Pro on the issue (the issue share without a party)."""
        self._check_fitted()
        out = self.issue_.predict_proba(queries, context).copy()
        source = queries if "political_party" in queries.columns else context
        if "political_party" not in source.columns:
            return out
        party = source.groupby("participant_id")["political_party"].first()
        parties = queries["participant_id"].map(party)
        for k, (p, issue) in enumerate(zip(parties, queries["issue"], strict=True)):
            if isinstance(p, str):
                out[k] = self.party_share_.get((p, issue), out[k])
        return out


def _issue_order(table: pd.DataFrame) -> list[str]:
    issues = [str(i) for i in pd.unique(table["issue"])]
    if len(issues) > 2000:
        raise CogalignError(
            f"collaborative filtering builds a people x issues matrix; {len(issues)} issues is "
            "too many (use it on big issues, not on single debates)")
    return issues


class LogisticCF(StancePredictor):
    """Per issue, an L2 logistic regression on the person's other stances.

    Parameters
    ----------
    C
        Inverse regularisation strength (scikit-learn's ``C``).
    hide
        Share of each training person's other stances hidden (set to 0) at random while
        fitting, to match what a test person shows.
    seed
        Seed of the hiding.

    Notes
    -----
    ``C = 0.1`` was picked among 0.1, 0.5 and 2 on one fold of a 2,000-person subset of
    ``ddo-big-issues`` (accuracy 0.785, 0.778, 0.772).
    """

    def __init__(self, C: float = 0.1, hide: float = 0.2, seed: int = 0):
        self.C = C
        self.hide = hide
        self.seed = seed

    def fit(self, table: pd.DataFrame) -> LogisticCF:
        """Fit one logistic regression per issue."""
        from sklearn.linear_model import LogisticRegression

        self.issues_ = _issue_order(table)
        matrix, _, _ = stance_matrix(table, issues=self.issues_)
        rng = np.random.default_rng(self.seed)
        shown = matrix * (rng.random(matrix.shape) >= self.hide)
        n = len(self.issues_)
        self.coef_ = np.zeros((n, n))
        self.intercept_ = np.zeros(n)
        for j in range(n):
            rows = matrix[:, j] != 0
            y = matrix[rows, j]
            if len(np.unique(y)) < 2:
                share = float(np.mean(y > 0)) if len(y) else 0.5
                self.intercept_[j] = np.log((share + 1e-3) / (1 - share + 1e-3))
                continue
            x = shown[rows].astype(float)
            x[:, j] = 0.0
            model = LogisticRegression(C=self.C, max_iter=500).fit(x, y)
            sign = 1.0 if model.classes_[1] == 1 else -1.0
            self.coef_[j] = sign * model.coef_[0]
            self.coef_[j, j] = 0.0
            self.intercept_[j] = sign * model.intercept_[0]
        return self

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """P(Pro) from each query person's stances in ``context``."""
        self._check_fitted()
        people = list(pd.unique(queries["participant_id"]))
        matrix, _, _ = stance_matrix(context, people=people, issues=self.issues_)
        p = pd.Index(people).get_indexer(queries["participant_id"])
        j = pd.Index(self.issues_).get_indexer(queries["issue"])
        if (j < 0).any():
            raise CogalignError(f"issue {queries['issue'].iloc[int(np.argmax(j < 0))]!r} was not in training")
        logits = np.einsum("ij,ij->i", matrix[p].astype(float), self.coef_[j]) + self.intercept_[j]
        return expit(logits)


class LowRankCF(StancePredictor):
    """Logistic matrix factorisation: P(Pro) = sigma(u_p . v_j + c_j).

    Parameters
    ----------
    rank
        Number of factors.
    l2
        Weight of the squared norms of the factors (per observed stance).
    steps
        Adam steps of the full-batch fit (and of each fold-in).
    learning_rate
        Adam step size.
    seed
        Seed of the initialisation.

    Notes
    -----
    ``l2 = 5`` and ``rank = 8`` were picked among l2 in {0.05, 1, 5, 20} and rank in {4, 8} on
    one fold of a 2,000-person subset of ``ddo-big-issues`` (smaller l2 overfits: log loss
    0.82-1.36).
    """

    def __init__(self, rank: int = 8, l2: float = 5.0, steps: int = 400,
                 learning_rate: float = 0.05, seed: int = 0):
        self.rank = rank
        self.l2 = l2
        self.steps = steps
        self.learning_rate = learning_rate
        self.seed = seed

    def _fit_factors(self, person: np.ndarray, issue: np.ndarray, y: np.ndarray, n_people: int,
                     issue_factors: Any = None) -> tuple[Any, Any, Any]:
        import torch

        torch.set_num_threads(1)
        gen = torch.Generator().manual_seed(self.seed)
        u = (0.1 * torch.randn(n_people, self.rank, generator=gen)).requires_grad_()
        fixed = issue_factors is not None
        if fixed:
            v, c = issue_factors
            params = [u]
        else:
            v = (0.1 * torch.randn(len(self.issues_), self.rank, generator=gen)).requires_grad_()
            c = torch.zeros(len(self.issues_), requires_grad=True)
            params = [u, v, c]
        p_t, j_t = torch.as_tensor(person), torch.as_tensor(issue)
        target = torch.as_tensor((y > 0).astype(np.float32))
        opt = torch.optim.Adam(params, lr=self.learning_rate)
        n = max(len(y), 1)
        for _ in range(self.steps):
            logits = (u[p_t] * v[j_t]).sum(-1) + c[j_t]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
            penalty = (u**2).sum() + (0 if fixed else (v**2).sum())
            loss = loss + self.l2 * penalty / n
            opt.zero_grad()
            loss.backward()
            opt.step()
        return u.detach(), v.detach(), c.detach()

    def fit(self, table: pd.DataFrame) -> LowRankCF:
        """Fit person and issue factors to the training stances."""
        self.issues_ = _issue_order(table)
        person, _ = pd.factorize(table["participant_id"])
        issue = pd.Index(self.issues_).get_indexer(table["issue"])
        _, self.issue_factors_, self.issue_bias_ = self._fit_factors(
            person, issue, table["stance"].to_numpy(), int(person.max()) + 1)
        return self

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """Fold each query person in from their ``context`` stances, then predict."""
        self._check_fitted()
        people = list(pd.unique(queries["participant_id"]))
        ctx = context[context["participant_id"].isin(people) & context["issue"].isin(self.issues_)]
        person = pd.Index(people).get_indexer(ctx["participant_id"])
        issue = pd.Index(self.issues_).get_indexer(ctx["issue"])
        u, v, c = self._fit_factors(person, issue, ctx["stance"].to_numpy(), len(people),
                                    (self.issue_factors_, self.issue_bias_))
        p = pd.Index(people).get_indexer(queries["participant_id"])
        j = pd.Index(self.issues_).get_indexer(queries["issue"])
        if (j < 0).any():
            raise CogalignError(f"issue {queries['issue'].iloc[int(np.argmax(j < 0))]!r} was not in training")
        logits = (u.numpy()[p] * v.numpy()[j]).sum(-1) + c.numpy()[j]
        return expit(logits)


class _SpacePredictor(StancePredictor):
    """Shared parts of the predictors that read stances off a :class:`BeliefSpace`."""

    def _fit_space(self, table: pd.DataFrame) -> BeliefSpace:
        space = self.space if self.space is not None else BeliefSpace()
        if self.prefit:
            space._check_fitted()
            return space
        return clone(space).fit(table)


class SpaceNearest(_SpacePredictor):
    """The paper's rule: the side whose statement lies nearer the person's mean belief.

    Parameters
    ----------
    space
        A :class:`BeliefSpace` (fitted in :meth:`fit` unless ``prefit``); default: minilm-l6,
        fine-tuned.
    prefit
        Use ``space`` as it is (already fitted).
    """

    hard = True

    def __init__(self, space: BeliefSpace | None = None, prefit: bool = False):
        self.space = space
        self.prefit = prefit

    def fit(self, table: pd.DataFrame) -> SpaceNearest:
        """Fit (or take) the belief space."""
        self.space_ = self._fit_space(table)
        return self

    def distances(self, queries: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
        """``d_pro`` and ``d_con`` of each query (see :meth:`BeliefSpace.distances`)."""
        self._check_fitted()
        return self.space_.distances(queries, context)

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """1 where the Pro side is nearer, else 0 (a decision, not a probability)."""
        d = self.distances(queries, context)
        return (d["d_pro"] < d["d_con"]).to_numpy(dtype=float)


class SpaceReadout(_SpacePredictor):
    """A calibrated readout of the belief space: logistic regression on the two distances.

    Features: the difference ``d_con - d_pro`` and its relative form divided by the smaller
    distance. Fitted on the training people's stances, each placed by the person's other
    stances (leave-one-out).

    Parameters
    ----------
    space, prefit
        As in :class:`SpaceNearest`.
    C
        Inverse regularisation strength of the logistic regression.
    """

    def __init__(self, space: BeliefSpace | None = None, prefit: bool = False, C: float = 1.0):
        self.space = space
        self.prefit = prefit
        self.C = C

    @staticmethod
    def _features(d: pd.DataFrame) -> np.ndarray:
        d_pro, d_con = d["d_pro"].to_numpy(), d["d_con"].to_numpy()
        return np.column_stack([d_con - d_pro, (d_con - d_pro) / np.minimum(d_pro, d_con)])

    def fit(self, table: pd.DataFrame) -> SpaceReadout:
        """Fit (or take) the space, then the logistic readout."""
        from sklearn.linear_model import LogisticRegression

        self.space_ = self._fit_space(table)
        x = self._features(self.space_.loo_distances(table))
        ok = np.isfinite(x).all(axis=1)
        self.readout_ = LogisticRegression(C=self.C).fit(x[ok], table["stance"].to_numpy()[ok])
        return self

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """P(Pro) from the distances of each query person to the two sides."""
        self._check_fitted()
        x = self._features(self.space_.distances(queries, context))
        out = np.full(len(queries), 0.5)
        ok = np.isfinite(x).all(axis=1)
        if ok.any():
            proba = self.readout_.predict_proba(x[ok])
            out[ok] = proba[:, list(self.readout_.classes_).index(1)]
        return out


class PromptedLM(StancePredictor):
    """A language model as a believer: it reads a person's other stances and answers.

    The prompt (``cogalign/beliefs/prompts/belief_stance.toml``) lists up to
    ``max_profile`` of the person's other stances as statements and asks whether the person
    is in favor of or against the issue; P(Pro) is the probability of "favor" against
    "against", averaged over both orders of the two answers.

    Parameters
    ----------
    model
        A local causal model (``"smollm2-135m"``, a Hugging Face id) or a
        :class:`~cogalign.llm.ChatClient`.
    template
        Statement template for the profile lines.
    max_profile
        At most this many of the person's stances are shown (drawn with ``seed``).
    seed
        Seed of that draw.
    batch_size, progress
        Passed to :func:`cogalign.llm.judge`.
    """

    def __init__(self, model: Any = "smollm2-135m", template: str = DEFAULT_TEMPLATES[0],
                 max_profile: int = 20, seed: int = 0, batch_size: int = 16,
                 progress: bool = False):
        self.model = model
        self.template = template
        self.max_profile = max_profile
        self.seed = seed
        self.batch_size = batch_size
        self.progress = progress

    def fit(self, table: pd.DataFrame) -> PromptedLM:
        """Nothing is learned from training people; records the issue texts."""
        self.texts_ = issue_texts(table)
        return self

    def trials(self, queries: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
        """The prompt fields of every query: ``profile`` and ``issue`` (a phrase)."""
        self._check_fitted()
        texts = {**self.texts_, **issue_texts(context), **issue_texts(queries)}
        issues = sorted(set(queries["issue"]) | set(context["issue"]))
        statements = belief_statements(issues, (self.template,), texts=texts)
        text_of = {(i, s): t for i, s, t in zip(statements["issue"], statements["side"],
                                                 statements["text"], strict=True)}
        from cogalign.beliefs.statements import issue_phrases

        phrases = issue_phrases(issues, texts)
        rng = np.random.default_rng(self.seed)
        groups = {p: g for p, g in context.groupby("participant_id")}
        profiles = {}
        for person in pd.unique(queries["participant_id"]):
            own = groups.get(person)
            if own is None or own.empty:
                profiles[person] = "(no other stances known)"
                continue
            pick = own if len(own) <= self.max_profile else own.iloc[
                np.sort(rng.choice(len(own), self.max_profile, replace=False))]
            profiles[person] = "\n".join(f"- {text_of[(i, s)]}" for i, s in
                                         zip(pick["issue"], pick["stance"], strict=True))
        return pd.DataFrame({"profile": queries["participant_id"].map(profiles).to_numpy(),
                             "issue": queries["issue"].map(phrases).to_numpy()},
                            index=queries.index)

    def predict_proba(self, queries: pd.DataFrame, context: pd.DataFrame) -> np.ndarray:
        """P(favor) against P(against), both answer orders averaged."""
        from cogalign.llm import judge

        trials = self.trials(queries, context)
        out = judge(trials, "belief-stance", model=self.model,
                    permutations="all", batch_size=self.batch_size, progress=self.progress)
        favor, against = out["p_favor"].to_numpy(), out["p_against"].to_numpy()
        with np.errstate(invalid="ignore"):
            p = favor / (favor + against)
        return np.where(np.isfinite(p), p, 0.5)

