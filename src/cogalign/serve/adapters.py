"""What the online server asks of a paradigm's study design, in one place.

The server renders every study from its generic :class:`~cogalign.studies.design.Trial`
objects and never branches on a paradigm's name; these functions are the only places it asks
the study design (:class:`cogalign.studies.design.Design`, declared by each paradigm in the
registry) or the lab runner anything.
"""

from __future__ import annotations

from cogalign.studies.design import Response, Study, Trial

__all__ = ["answer_column", "default_instructions", "feedback_text", "has_feedback"]


def default_instructions(study: Study) -> str:
    """The instruction text, as the lab runner shows it.

    Parameters
    ----------
    study
        The prepared study.

    Returns
    -------
    str
        The definition's ``[text] instructions``, else the design's default.
    """
    return study.instructions()


def feedback_text(study: Study, trial: Trial, response: Response) -> str | None:
    """The design's feedback after an answer ("You won $12"), or ``None``.

    Anything the feedback depends on (a gamble's drawn payoff) comes from the trial list made
    on the server, so the browser never sees it before the choice.
    """
    return study.design.feedback(trial, response)


def has_feedback(study: Study) -> bool:
    """Whether the design gives feedback after a choice (asked once, on a sample answer)."""
    if study.n_options == 0:
        return False
    trials = study.trials("feedbackprobe", 1)
    return bool(trials) and feedback_text(study, trials[0], Response(0, 0.0, "mouse")) is not None


def answer_column(study: Study, trial: Trial, response: Response) -> str:
    """The data column holding the answer, compared with ``expected_response``.

    It is the first column of the design's answer (``response`` for the choice designs,
    ``rating`` for rating scales).
    """
    return next(iter(study.design.answer(trial, response)))
