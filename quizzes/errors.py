"""Quiz errors the views and the API turn into clear responses (400, 404, 409)."""

from __future__ import annotations


class QuizError(Exception):
    """A request the quiz engine refuses, with a message a learner can act on."""

    status = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidAnswer(QuizError):
    """The answer does not fit the question (unknown option letter, too many choices)."""


class NothingToPractise(QuizError):
    """The filters (or the due cards) select no question."""


class AttemptClosed(QuizError):
    """The attempt is finished or past its deadline: no more answers (HTTP 409)."""

    status = 409


class ExamRunning(QuizError):
    """Another timed test is in progress: one at a time (HTTP 409)."""

    status = 409
