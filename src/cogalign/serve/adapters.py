"""The few paradigm-specific answers the online server needs, in one place.

The server renders every study from its generic :class:`~cogalign.studies.design.Trial`
objects; it asks only these functions about a paradigm. They read the existing study code
today and are the single place to point at the paradigm registry once study designs declare
their instructions, feedback and response column there.
"""

from __future__ import annotations

from typing import Any

from cogalign.studies.design import Response, Study, Trial, format_amount

__all__ = ["default_instructions", "feedback_text", "has_feedback", "response_column"]


def default_instructions(study: Study) -> str:
    """The instruction text: the definition's ``[text] instructions`` or the paradigm default.

    Parameters
    ----------
    study
        The prepared study.

    Returns
    -------
    str
        The text the lab runner shows first.
    """
    from cogalign.studies.runner import _instructions

    return _instructions(study)


def has_feedback(study: Study) -> bool:
    """Whether the study shows feedback after each answer (risky choice with ``feedback``)."""
    gambles: dict[str, Any] = study.definition.data.get("gambles", {})
    return bool(gambles.get("feedback", False))


def feedback_text(study: Study, trial: Trial, response: Response) -> str | None:
    """The feedback shown after an answer ("You won $12"), or ``None`` when there is none.

    The outcome comes from the trial's hidden draw, made on the server from the participant's
    seed exactly as in the lab, so the browser never sees it before the choice.
    """
    if not has_feedback(study):
        return None
    chosen = trial.hidden["at"][int(response.value)]
    payoff = float(trial.hidden["payoffs"][chosen])
    currency = study.definition["gambles"]["currency"]
    word = "won" if payoff >= 0 else "lost"
    return f"You {word} {format_amount(abs(payoff), currency)}"


def response_column(study: Study) -> str:
    """The data column holding the answer (compared with ``expected_response``)."""
    for name in ("response", "rating"):
        if name in study.columns:
            return name
    raise KeyError(f"study {study.name!r} has no response column among {study.columns}")
