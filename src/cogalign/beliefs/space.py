"""The belief space: statements embedded by a language model, fitted to people's stances.

:class:`BeliefSpace` turns every (issue, side) of a stance table into statements
(:mod:`cogalign.beliefs.statements`), embeds them with any sentence model
(``"minilm-l6"`` offline, ``"smollm2-135m"`` through mean-pooled hidden states, any Hugging
Face or sentence-transformers model online) or any function from texts to vectors, averages
the templates of each side, and - with ``fine_tune=True`` - trains a head on the frozen
embeddings so that beliefs the same people hold lie close together
(:mod:`cogalign.beliefs.training`).

A person is the mean of the vectors of their beliefs (Lee et al. 2024); a new stance is
predicted by which side of the issue lies nearer to that point.

Vectors are standardised before the head: the mean statement of the fitted issues is
subtracted and the result divided by the root mean squared norm, so a margin of 0.5 means
the same for every model. Statements of issues not seen in fitting (a held-out issue, a new
debate) go through the same standardisation and head.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cogalign.beliefs.data import issue_texts
from cogalign.beliefs.statements import DEFAULT_TEMPLATES, belief_statements
from cogalign.errors import CogalignError
from cogalign.estimator import Estimator

__all__ = ["BeliefSpace", "belief_index", "embed_statements", "embed_texts", "person_vectors",
           "side_vectors"]

Encoder = str | Callable[[list[str]], np.ndarray]

_SETTINGS = ("model", "templates", "layer", "fine_tune", "loss", "negatives", "head", "margin",
             "temperature", "batch_size", "learning_rate", "weight_decay", "max_epochs",
             "steps_per_epoch", "patience", "validation", "seed")


def embed_texts(texts: Sequence[str], model: Encoder = "minilm-l6", *, layer: int = -1,
                progress: bool = False) -> np.ndarray:
    """Embed texts with a language model (one layer) or an encoder function.

    Parameters
    ----------
    texts
        The statements.
    model
        A model name for :func:`cogalign.llm.embed` (sentence models use their own pooling,
        other models the mean over content tokens), or a function ``texts -> (n, dim)``.
    layer
        Hidden layer of a language model (``-1``: the last).
    progress
        Show a progress bar.

    Returns
    -------
    numpy.ndarray
        ``(len(texts), dim)`` float64.
    """
    texts = list(texts)
    if callable(model):
        out = np.asarray(model(texts), dtype=np.float64)
        if out.ndim != 2 or len(out) != len(texts):
            raise CogalignError(f"the encoder returned shape {out.shape} for {len(texts)} texts")
        return out
    from cogalign.llm import embed
    from cogalign.llm.models import resolve_model

    kind = resolve_model(model).kind
    pooling = "sentence" if kind == "sentence" else "mean"
    reps = embed(texts, model=model, layers=layer, pooling=pooling, progress=progress)
    return np.asarray(reps.array[:, 0, :], dtype=np.float64)


def embed_statements(
    issues: Sequence[str],
    model: Encoder = "minilm-l6",
    *,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    texts: Mapping[str, str] | None = None,
    statements: pd.DataFrame | None = None,
    layer: int = -1,
    progress: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Embed both sides of every issue, averaging each side over its templates.

    Parameters
    ----------
    issues
        Issue names.
    model, layer, progress
        As in :func:`embed_texts`.
    templates, texts, statements
        As in :func:`cogalign.beliefs.statements.belief_statements`.

    Returns
    -------
    statements, vectors
        The statements (issue, side, template, text) and ``(n_issues, 2, dim)`` raw vectors
        (axis 1: Pro, Con).
    """
    frame = belief_statements(list(issues), templates, texts=texts, statements=statements)
    raw = embed_texts(frame["text"].tolist(), model, layer=layer, progress=progress)
    return frame, side_vectors(frame, raw, issues)


def side_vectors(frame: pd.DataFrame, raw: np.ndarray, issues: Sequence[str]) -> np.ndarray:
    """Each issue's Pro and Con vectors: its statements' vectors averaged per side.

    Parameters
    ----------
    frame
        The statements (``issue``, ``side``), one per row of ``raw``.
    raw
        ``(len(frame), dim)`` statement vectors.
    issues
        Issue order of the result.

    Returns
    -------
    numpy.ndarray
        ``(n_issues, 2, dim)`` (axis 1: Pro, Con).
    """
    index = pd.Index(list(issues)).get_indexer(frame["issue"])
    slot = (frame["side"].to_numpy() < 0).astype(int)
    total = np.zeros((len(issues), 2, raw.shape[-1]))
    count = np.zeros((len(issues), 2, 1))
    np.add.at(total, (index, slot), raw)
    np.add.at(count, (index, slot), 1.0)
    return total / count


def belief_index(issue_index: np.ndarray, stance: np.ndarray) -> np.ndarray:
    """Belief number of each stance: ``2 * issue`` for Pro, ``2 * issue + 1`` for Con."""
    return 2 * np.asarray(issue_index, dtype=np.int64) + (np.asarray(stance) < 0)


def person_vectors(person: np.ndarray, belief: np.ndarray, vectors: np.ndarray,
                   n_people: int) -> np.ndarray:
    """Mean belief vector of each person.

    Parameters
    ----------
    person, belief
        One entry per stance (person index, belief index into ``vectors``).
    vectors
        ``(n_beliefs, dim)``.
    n_people
        Number of people (rows of the result; people without stances get NaN).

    Returns
    -------
    numpy.ndarray
        ``(n_people, dim)``.
    """
    from scipy import sparse

    person = np.asarray(person, dtype=np.int64)
    counts = np.bincount(person, minlength=n_people).astype(float)
    weights = 1.0 / counts[person]
    mean = sparse.csr_matrix((weights, (person, np.asarray(belief))), shape=(n_people, len(vectors)))
    out = np.asarray(mean @ vectors)
    out[counts == 0] = np.nan
    return out


class BeliefSpace(Estimator):
    """A space of belief statements, optionally fine-tuned on people's co-held beliefs.

    Parameters
    ----------
    model
        Sentence model name (``"minilm-l6"``, ``"smollm2-135m"``, a Hugging Face id, a local
        folder) or a function ``texts -> (n, dim)`` array.
    templates
        Statement templates (:func:`cogalign.beliefs.statements.list_templates`); the
        vectors of a side are averaged over its templates.
    statements
        Users' own statements (``issue``, ``side``, ``text``) for the issues they cover.
    layer
        Hidden layer of a language model.
    fine_tune
        Train the head on the stance table (else the space is the model's own).
    loss, negatives, head, margin, temperature, batch_size, learning_rate, weight_decay,
    max_epochs, steps_per_epoch, patience, validation
        Fine-tuning settings (:func:`cogalign.beliefs.training.train_head`).
    seed
        Seed of everything random.
    progress
        Progress bars.

    Attributes
    ----------
    issues_
        The fitted issues.
    statements_
        Every statement (issue, side, template, text).
    base_
        ``(n_issues, 2, dim)`` standardised base vectors (axis 1: Pro, Con).
    vectors_
        ``(n_issues, 2, dim)`` vectors in the fitted space.
    center_, scale_
        The standardisation.
    head_
        The trained head (``None`` without fine-tuning).
    history_
        Fine-tuning history (one row per epoch).

    Notes
    -----
    :meth:`score` is the accuracy of the paper's rule on the table's own stances, each
    predicted from the person's other stances (leave-one-out): higher is better.
    """

    score_name = "accuracy"
    fitted_attribute = "vectors_"

    def __init__(
        self,
        model: Encoder = "minilm-l6",
        templates: Sequence[str] = DEFAULT_TEMPLATES,
        statements: pd.DataFrame | None = None,
        layer: int = -1,
        fine_tune: bool = True,
        loss: str = "triplet",
        negatives: str = "paper",
        head: str = "mlp",
        margin: float = 0.5,
        temperature: float = 0.1,
        batch_size: int = 512,
        learning_rate: float = 3e-3,
        weight_decay: float = 1.0,
        max_epochs: int = 30,
        steps_per_epoch: int | None = None,
        patience: int = 3,
        validation: float = 0.1,
        seed: int = 0,
        progress: bool = False,
    ):
        self.model = model
        self.templates = templates
        self.statements = statements
        self.layer = layer
        self.fine_tune = fine_tune
        self.loss = loss
        self.negatives = negatives
        self.head = head
        self.margin = margin
        self.temperature = temperature
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.steps_per_epoch = steps_per_epoch
        self.patience = patience
        self.validation = validation
        self.seed = seed
        self.progress = progress

    # ------------------------------------------------------------------ fitting

    def _base_of(self, issues: Sequence[str], texts: Mapping[str, str] | None) -> tuple[pd.DataFrame, np.ndarray]:
        return embed_statements(issues, self.model, templates=self.templates, texts=texts,
                                statements=self.statements, layer=self.layer, progress=self.progress)

    def _head_apply(self, standardised: np.ndarray) -> np.ndarray:
        if self.head_ is None:
            return standardised
        import torch

        flat = standardised.reshape(-1, standardised.shape[-1]).astype(np.float32)
        with torch.no_grad():
            out = self.head_(torch.as_tensor(flat)).numpy()
        return out.reshape(standardised.shape).astype(np.float64)

    def fit(self, table: pd.DataFrame) -> BeliefSpace:
        """Embed the statements of the table's issues and, if asked, fine-tune on its stances.

        Parameters
        ----------
        table
            Stance table (``participant_id``, ``issue``, ``stance``; ``issue_text`` optional).

        Returns
        -------
        BeliefSpace
            ``self``.
        """
        if self.fine_tune:
            import torch

            torch.set_num_threads(1)
        issues = [str(i) for i in pd.unique(table["issue"])]
        texts = issue_texts(table)
        self.statements_, raw = self._base_of(issues, texts)
        self.center_ = raw.reshape(-1, raw.shape[-1]).mean(axis=0)
        centred = raw - self.center_
        self.scale_ = float(np.sqrt(np.mean(np.sum(centred**2, axis=-1)))) or 1.0
        self.base_ = centred / self.scale_
        self.issues_ = issues
        self.texts_ = {i: texts[i] for i in issues}
        self.head_ = None
        self.history_ = pd.DataFrame()
        if self.fine_tune:
            from cogalign.beliefs.training import train_head

            person, _ = pd.factorize(table["participant_id"])
            issue = pd.Index(issues).get_indexer(table["issue"])
            self.head_, self.history_ = train_head(
                self.base_.reshape(-1, self.base_.shape[-1]), person,
                belief_index(issue, table["stance"].to_numpy()),
                head=self.head, loss=self.loss, negatives=self.negatives, margin=self.margin,
                temperature=self.temperature, batch_size=self.batch_size,
                learning_rate=self.learning_rate, weight_decay=self.weight_decay,
                max_epochs=self.max_epochs, steps_per_epoch=self.steps_per_epoch,
                patience=self.patience, validation=self.validation, seed=self.seed,
                progress=self.progress,
            )
        self.vectors_ = self._head_apply(self.base_)
        return self

    # ------------------------------------------------------------------ use

    @property
    def dim(self) -> int:
        """Width of the space."""
        self._check_fitted()
        return int(self.vectors_.shape[-1])

    def statement_vectors(self, issues: Sequence[str], texts: Mapping[str, str] | None = None) -> np.ndarray:
        """Pro and Con vectors of issues, ``(len(issues), 2, dim)``.

        Fitted issues come from the fit; other issues are embedded now, standardised as in the
        fit and passed through the head (their statements were never seen in fine-tuning).

        Parameters
        ----------
        issues
            Issue names.
        texts
            Text of new issues (e.g. debate titles); default: the name.
        """
        self._check_fitted()
        issues = [str(i) for i in issues]
        known = pd.Index(self.issues_).get_indexer(issues)
        out = np.empty((len(issues), 2, self.dim))
        out[known >= 0] = self.vectors_[known[known >= 0]]
        new = [issues[i] for i in np.flatnonzero(known < 0)]
        if new:
            if isinstance(self.model, str) and self.model.startswith("<"):
                raise CogalignError(
                    f"this belief space was loaded without its encoder; issues {new[:3]} are "
                    "new to it: load it with model=... to embed them")
            _, raw = self._base_of(new, texts)
            out[known < 0] = self._head_apply((raw - self.center_) / self.scale_)
        return out

    def person_vectors(self, table: pd.DataFrame, people: Sequence[str] | None = None) -> pd.DataFrame:
        """Each person's position: the mean vector of their beliefs in ``table``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``participant_id``, ``dim`` columns.
        """
        people = list(pd.unique(table["participant_id"])) if people is None else list(people)
        issues = [str(i) for i in pd.unique(table["issue"])]
        vectors = self.statement_vectors(issues, issue_texts(table)).reshape(-1, self.dim)
        p = pd.Index(people).get_indexer(table["participant_id"])
        keep = p >= 0
        b = belief_index(pd.Index(issues).get_indexer(table["issue"]), table["stance"].to_numpy())
        out = person_vectors(p[keep], b[keep], vectors, len(people))
        return pd.DataFrame(out, index=pd.Index(people, name="participant_id"))

    def distances(self, queries: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
        """Distance from each query person's position to both sides of the query issue.

        Parameters
        ----------
        queries
            Rows ``participant_id``, ``issue`` (``issue_text`` for new issues).
        context
            The stances that place each query person (their other stances).

        Returns
        -------
        pandas.DataFrame
            ``d_pro``, ``d_con`` (Euclidean), aligned with ``queries``; NaN for a person with
            no context stance.
        """
        people = list(pd.unique(queries["participant_id"]))
        position = self.person_vectors(context, people).to_numpy()
        issues = [str(i) for i in pd.unique(queries["issue"])]
        sides = self.statement_vectors(issues, issue_texts(queries))
        p = pd.Index(people).get_indexer(queries["participant_id"])
        j = pd.Index(issues).get_indexer(queries["issue"])
        d_pro = np.linalg.norm(position[p] - sides[j, 0], axis=1)
        d_con = np.linalg.norm(position[p] - sides[j, 1], axis=1)
        return pd.DataFrame({"d_pro": d_pro, "d_con": d_con}, index=queries.index)

    def loo_distances(self, table: pd.DataFrame) -> pd.DataFrame:
        """:meth:`distances` for every stance of ``table`` from the person's other stances."""
        self._check_fitted()
        people, person = np.unique(table["participant_id"].to_numpy(), return_inverse=True)
        issues = [str(i) for i in pd.unique(table["issue"])]
        sides = self.statement_vectors(issues, issue_texts(table))
        j = pd.Index(issues).get_indexer(table["issue"])
        own = sides[j, (table["stance"].to_numpy() < 0).astype(int)]
        total = np.zeros((len(people), self.dim))
        np.add.at(total, person, own)
        count = np.bincount(person, minlength=len(people)).astype(float)
        rest = count[person] - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            position = (total[person] - own) / rest[:, None]
        d_pro = np.linalg.norm(position - sides[j, 0], axis=1)
        d_con = np.linalg.norm(position - sides[j, 1], axis=1)
        return pd.DataFrame({"d_pro": d_pro, "d_con": d_con}, index=table.index)

    def score(self, table: pd.DataFrame) -> float:
        """Accuracy of the nearer-side rule, leave-one-out over the table's stances.

        Each stance is predicted from the person's other stances in ``table`` (people with a
        single stance are skipped). Higher is better.
        """
        d = self.loo_distances(table)
        ok = np.isfinite(d["d_pro"].to_numpy())
        predicted = np.where(d["d_pro"] < d["d_con"], 1, -1)[ok]
        return float(np.mean(predicted == table["stance"].to_numpy()[ok]))

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted space to one ``.npz`` file (no pickles).

        Holds the settings, issues and texts, statements, standardisation, base and fitted
        vectors and the head's weights. An encoder given as a function is recorded by name
        only; pass it again to :meth:`load` to embed new issues.
        """
        self._check_fitted()
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        settings = {k: getattr(self, k) for k in _SETTINGS}
        settings["templates"] = [str(t) for t in self.templates]
        if not isinstance(self.model, str):
            settings["model"] = f"<{getattr(self.model, '__name__', type(self.model).__name__)}>"
        meta = {"settings": settings, "issues": self.issues_, "texts": self.texts_,
                "statements": self.statements_.to_dict("list"),
                "user_statements": None if self.statements is None
                else pd.DataFrame(self.statements).to_dict("list"),
                "head": None if self.head_ is None else sorted(self.head_.state_dict())}
        arrays = {"base": self.base_, "vectors": self.vectors_, "center": self.center_,
                  "scale": np.asarray(self.scale_), "meta": np.asarray(json.dumps(meta))}
        if self.head_ is not None:
            for name, value in self.head_.state_dict().items():
                arrays[f"head/{name}"] = value.numpy()
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, model: Encoder | None = None) -> BeliefSpace:
        """Read a space written by :meth:`save`.

        Parameters
        ----------
        path
            The ``.npz`` file.
        model
            The encoder, when the space was fitted with an encoder function (needed only to
            embed issues it has not seen).
        """
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k] for k in data.files}
        settings = dict(meta["settings"])
        if model is not None:
            settings["model"] = model
        statements = meta.get("user_statements")
        space = cls(**settings, statements=None if statements is None else pd.DataFrame(statements))
        space.issues_ = list(meta["issues"])
        space.texts_ = dict(meta["texts"])
        space.statements_ = pd.DataFrame(meta["statements"])
        space.base_ = arrays["base"]
        space.vectors_ = arrays["vectors"]
        space.center_ = arrays["center"]
        space.scale_ = float(arrays["scale"])
        space.history_ = pd.DataFrame()
        space.head_ = None
        if meta["head"] is not None:
            import torch

            from cogalign.beliefs.training import make_head

            head = make_head(settings["head"], space.base_.shape[-1])
            head.load_state_dict({k: torch.as_tensor(arrays[f"head/{k}"]) for k in meta["head"]})
            head.eval()
            space.head_ = head
        return space
