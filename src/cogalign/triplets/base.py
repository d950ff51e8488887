"""What every triplet embedding model shares: prediction, scoring, saving and loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cogalign.errors import CogalignError
from cogalign.estimator import Estimator
from cogalign.triplets.arrays import shown_triplets

__all__ = ["TripletEmbeddingModel"]


class TripletEmbeddingModel(Estimator):
    """Base class: a fitted ``embedding_`` (items x kept dimensions, non-negative).

    Subclasses implement ``fit``; this class gives ``predict_proba`` / ``predict`` /
    ``score`` (odd-one-out accuracy) / ``log_likelihood``, the similarity matrix, and
    ``save`` / ``load``. Settings, ``clone`` and the ``repr`` are
    :class:`cogalign.estimator.Estimator`'s.
    """

    score_name = "accuracy"
    fitted_attribute = "embedding_"
    embedding_: NDArray[np.float64]

    @property
    def n_dims_(self) -> int:
        """Number of dimensions kept after pruning."""
        self._check_fitted()
        return int(self.embedding_.shape[1])

    def predict_proba(self, triplets: Any) -> NDArray[np.float64]:
        """``P(odd one out = item at position k)`` for each trial, shape ``(n, 3)``.

        ``triplets`` is a triplet table (``item_1..item_3``) or an ``(n, 3)`` array of item
        indices in screen order. Pair similarity is the dot product of the embedding.
        """
        from cogalign.metrics.triplets import odd_one_out_probabilities

        self._check_fitted()
        return odd_one_out_probabilities(self.embedding_, shown_triplets(triplets), similarity="dot")

    def predict(self, triplets: Any) -> NDArray[np.int64]:
        """The predicted odd-one-out item index of each trial."""
        t = shown_triplets(triplets)
        return t[np.arange(len(t)), np.argmax(self.predict_proba(t), axis=1)]

    def score(self, table: Any) -> float:
        """Odd-one-out **accuracy** on a triplet table: the share of trials predicted right.

        Higher is better (chance is 1/3); :attr:`score_name` is ``"accuracy"``.
        """
        return float(np.mean(self.predict(table) == np.asarray(table["response"])))

    def log_likelihood(self, table: Any) -> float:
        """Mean log-probability of the observed choices."""
        t = shown_triplets(table)
        p = self.predict_proba(t)
        chosen = np.argmax(t == np.asarray(table["response"])[:, None], axis=1)
        return float(np.mean(np.log(p[np.arange(len(t)), chosen])))

    def similarity_matrix(self) -> NDArray[np.float64]:
        """Item-by-item **similarity** (dot products of the embedding)."""
        self._check_fitted()
        return self.embedding_ @ self.embedding_.T

    # --- persistence -------------------------------------------------------------------
    def _extra_state(self) -> dict[str, NDArray]:
        return {}

    def save(self, path: str | Path) -> Path:
        """Save settings and fitted arrays to one ``.npz`` file."""
        self._check_fitted()
        path = Path(path)
        arrays = {"embedding_": self.embedding_, **self._extra_state()}
        settings = json.dumps({"class": type(self).__name__, "params": self.get_params(deep=False)},
                              default=lambda value: np.asarray(value).tolist())
        np.savez_compressed(path, _settings=np.array(settings), **arrays)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load(cls, path: str | Path) -> TripletEmbeddingModel:
        """Load a model written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            settings = json.loads(str(data["_settings"]))
            if settings["class"] != cls.__name__:
                raise CogalignError(f"{path} holds a {settings['class']}, not a {cls.__name__}")
            model = cls(**settings["params"])
            for key in data.files:
                if key != "_settings":
                    setattr(model, key, data[key])
        return model
