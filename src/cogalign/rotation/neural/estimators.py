"""The neural model as an estimator: trained (or loaded), then mapped to people's seconds.

:class:`NeuralRotationModel` follows the estimator contract of
:class:`cogalign.estimator.Estimator`: ``fit(table)`` gets the network (loading
``checkpoint``, or training one with ``config``), runs the chosen variant on regenerated
trials of the table's conditions and fits the time per step and non-decision time to the
table's condition means; ``predict`` gives each trial its condition's predicted RT;
``score`` is the :math:`R^2` of the condition means (higher is better). With the folds
grouped by participant (``cogalign.crossval.cross_validate``) that is the held-out score of
:mod:`cogalign.rotation.neural.people`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from cogalign.errors import CogalignError
from cogalign.estimator import Estimator
from cogalign.rotation.data import trial_level

__all__ = ["NeuralRotationModel", "load_cached"]

#: Networks read from files (by path, modification time, device) or trained (by config).
_LOADED: dict[tuple[Any, ...], Any] = {}


def load_cached(path: str | os.PathLike[str], device: str = "cpu") -> Any:
    """A model file, read once per (path, modification time, device).

    Returns
    -------
    RotationNet
        Shared by every caller: do not train it further.
    """
    from cogalign.rotation.neural.network import load_network

    p = Path(path)
    key = (str(p.resolve()), p.stat().st_mtime if p.exists() else 0.0, str(device))
    if key not in _LOADED:
        if len(_LOADED) > 8:
            _LOADED.clear()
        _LOADED[key] = load_network(p, device)
    return _LOADED[key]


class NeuralRotationModel(Estimator):
    """The three-stage neural model of mental rotation, fitted to response times.

    Parameters
    ----------
    variant
        ``"full"``, ``"search"``, ``"plain-encoder"``, ``"no-symbolic"`` or
        ``"no-recurrent"`` (:data:`~cogalign.rotation.neural.config.VARIANTS`).
    checkpoint
        A trained model file (``cogalign rotation train``); ``None`` trains one in ``fit``.
    config
        Settings of :class:`~cogalign.rotation.neural.config.NetConfig` for training
        (ignored with ``checkpoint``), e.g. ``{"size": 32, "perception_steps": 200}``.
    n_per_condition
        Regenerated trials per condition.
    temperature
        Decision noise of the agent (0: deterministic).
    exclude
        A boolean column of trials to leave out (e.g. ``"outlier"``).
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    seed
        Seed of the trials (and of training without ``checkpoint``).
    progress
        Progress bars while training.

    Attributes
    ----------
    network_
        The :class:`~cogalign.rotation.neural.network.RotationNet`.
    keys_
        Condition columns (angle, pair type, and axis when it varies).
    trials_
        The model's regenerated trials (answers and steps).
    model_means_
        Per condition: mean steps, accuracy, predicted ``rt`` (s).
    time_per_step_, non_decision_
        The fitted map from steps to seconds.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> clone(NeuralRotationModel("no-symbolic", n_per_condition=8))
    NeuralRotationModel(n_per_condition=8, variant='no-symbolic')
    """

    score_name: ClassVar[str] = "r2 of condition mean RT"
    fitted_attribute: ClassVar[str | None] = "model_means_"

    def __init__(self, variant: str = "full", *, checkpoint: str | None = None,
                 config: dict[str, Any] | None = None, n_per_condition: int = 64,
                 temperature: float = 0.0, exclude: str | None = None, device: str = "cpu",
                 seed: int = 0, progress: bool = False) -> None:
        self._set_init_params(locals())

    def _network(self) -> Any:
        from cogalign.rotation.neural.config import NetConfig, get_variant
        from cogalign.rotation.neural.training import resolve_device, train_network

        get_variant(self.variant)
        device = str(resolve_device(self.device))
        if self.checkpoint is not None:
            return load_cached(self.checkpoint, device)
        settings = {"seed": self.seed, "variants": [self.variant], **(self.config or {})}
        config = NetConfig.from_dict(settings)
        # training is a pure function of the config: the folds of a cross-validation share it
        key = ("trained", config, device)
        if key not in _LOADED:
            if len(_LOADED) > 8:
                _LOADED.clear()
            _LOADED[key] = train_network(config, device=device, progress=self.progress)
        return _LOADED[key]

    def _rows(self, table: pd.DataFrame) -> pd.DataFrame:
        t = trial_level(table)
        if self.exclude is not None:
            t = t.loc[~t[self.exclude].astype(bool).to_numpy()]
        return t

    def fit(self, table: pd.DataFrame, y: Any = None) -> NeuralRotationModel:
        """Get the network, run it on the table's conditions, fit seconds per step.

        Parameters
        ----------
        table
            Human trial table (``rotation`` schema).
        y
            Ignored (scikit-learn compatibility).

        Returns
        -------
        NeuralRotationModel
            ``self``.
        """
        from cogalign.rotation.neural.people import (
            condition_keys,
            fit_step_time,
            human_means,
            model_means,
            model_trials,
            predict_rt,
        )

        t = self._rows(table)
        self.network_ = self._network()
        self.keys_ = condition_keys(t)
        people = human_means(t, self.keys_)
        conditions = people.index.to_frame(index=False)
        self.trials_ = model_trials(self.network_, self.variant, conditions,
                                    n_per_condition=self.n_per_condition, seed=self.seed,
                                    temperature=self.temperature)
        means = model_means(self.trials_, self.keys_).reindex(people.index)
        self.time_per_step_, self.non_decision_ = fit_step_time(means["steps"].to_numpy(),
                                                                people["rt"].to_numpy())
        self.model_means_ = means.assign(rt=predict_rt(means["steps"].to_numpy(),
                                                       self.time_per_step_, self.non_decision_))
        return self

    def _condition_rt(self, table: pd.DataFrame) -> pd.Series:
        self._check_fitted()
        missing = [k for k in self.keys_ if k not in table.columns]
        if missing:
            raise CogalignError(f"the table has no column(s) {missing}")
        index = pd.MultiIndex.from_frame(table[self.keys_]) if len(self.keys_) > 1 else pd.Index(table[self.keys_[0]])
        known = self.model_means_["rt"]
        out = known.reindex(index)
        if out.isna().any() and not known.index.isin(index).all() and out.isna().all():
            raise CogalignError("none of the table's conditions was in the fitted data")
        return out

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Predicted response time (s) of each trial: its condition's model mean.

        Trials of conditions the model was not fitted on get NaN.
        """
        return self._condition_rt(trial_level(table)).to_numpy(dtype=float)

    def score(self, table: pd.DataFrame, y: Any = None) -> float:
        """:math:`R^2` of people's condition mean RT (correct trials) predicted by the model.

        Higher is better (1: every condition mean predicted exactly); this is
        :attr:`score_name`.
        """
        from cogalign.rotation.neural.people import human_means, r_squared

        self._check_fitted()
        t = self._rows(table)
        people = human_means(t, self.keys_)
        pred = self.model_means_["rt"].reindex(people.index)
        return r_squared(people["rt"].to_numpy(), pred.to_numpy())
