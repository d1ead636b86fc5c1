"""API routes of quizzes (mounted under /api/)."""

from django.urls import path

from quizzes import api

urlpatterns = [
    path("questions/", api.QuestionList.as_view(), name="api-questions"),
    path("questions/<slug:question_id>/", api.QuestionDetail.as_view(), name="api-question"),
    path("attempts/", api.AttemptListCreate.as_view(), name="api-attempts"),
    path("attempts/<int:attempt_id>/", api.AttemptDetail.as_view(), name="api-attempt"),
    path(
        "attempts/<int:attempt_id>/answer/", api.AttemptAnswer.as_view(), name="api-attempt-answer"
    ),
    path(
        "attempts/<int:attempt_id>/submit/", api.AttemptSubmit.as_view(), name="api-attempt-submit"
    ),
    path(
        "attempts/<int:attempt_id>/result/", api.AttemptResult.as_view(), name="api-attempt-result"
    ),
    path("review-cards/", api.ReviewCardList.as_view(), name="api-review-cards"),
    path("review-cards/due/", api.ReviewDueCount.as_view(), name="api-review-due"),
    path("flashcards/next/", api.FlashcardNext.as_view(), name="api-flashcards-next"),
    path(
        "flashcards/<int:flashcard_id>/rating/",
        api.FlashcardRate.as_view(),
        name="api-flashcard-rating",
    ),
]
