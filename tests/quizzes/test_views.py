"""Quiz pages: practice and exam flows without JavaScript, autosave, ownership, 409s, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes import services
from quizzes.models import Attempt, Option
from quizzes.services import PracticeFilters
from tests.quizzes.bank import correct_letters, make_question, wrong_letters

pytestmark = pytest.mark.django_db


def q_url(attempt, position):
    return reverse("quizzes:attempt_question", args=[attempt.pk, position])


def secrets_of(attempt) -> list[str]:
    """Every explanation of the attempt's questions (must not leak before they are revealed)."""
    return list(
        Option.objects.filter(question__attempt_items__attempt=attempt).values_list(
            "explanation", flat=True
        )
    )


def test_home_needs_login(client):
    response = client.get(reverse("quizzes:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_home_prefills_topic_from_lesson_link(learner_client, bank):
    response = learner_client.get(reverse("quizzes:home") + "?tag=codedeploy")
    assert response.status_code == 200
    assert '<option value="codedeploy" selected>' in response.content.decode()


def test_practice_flow_without_javascript(learner_client, learner, bank):
    response = learner_client.post(
        reverse("quizzes:practice_start"), {"domains": ["1"], "count": "2"}
    )
    attempt = Attempt.objects.get(user=learner)
    assert response.status_code == 302 and response["Location"] == q_url(attempt, 1)
    page = learner_client.get(q_url(attempt, 1)).content.decode()
    assert "Check answer" in page
    for secret in secrets_of(attempt):
        assert secret not in page
    item = attempt.items.get(position=1)
    response = learner_client.post(
        q_url(attempt, 1), {"option": correct_letters(item), "action": "check"}
    )
    assert response.status_code == 302
    page = learner_client.get(q_url(attempt, 1)).content.decode()
    assert "Correct." in page
    # After answering, the explanation of EVERY option of this question is on the page.
    for explanation in item.question.options.values_list("explanation", flat=True):
        assert explanation in page
    second = attempt.items.get(position=2)
    learner_client.post(q_url(attempt, 2), {"option": wrong_letters(second), "action": "check"})
    page = learner_client.get(q_url(attempt, 2)).content.decode()
    assert "Not quite." in page and "See your results" in page
    result = learner_client.get(reverse("quizzes:attempt_result", args=[attempt.pk]))
    assert "1 of 2" in result.content.decode()


def test_practice_form_errors_are_specific(learner_client, bank):
    response = learner_client.post(
        reverse("quizzes:practice_start"), {"tags": ["amplify"], "count": "5"}
    )
    assert response.status_code == 400
    assert "No published question matches these filters" in response.content.decode()
    response = learner_client.post(reverse("quizzes:practice_start"), {"count": "500"})
    assert response.status_code == 400
    assert "less than or equal to 65" in response.content.decode()


def test_bad_answer_shows_a_message_not_a_500(learner_client, learner, bank):
    attempt = services.attempt_start_practice(learner, PracticeFilters(domains=(1,), count=1))
    response = learner_client.post(q_url(attempt, 1), {"option": ["Q"]}, follow=True)
    assert response.status_code == 200
    assert "Unknown option &#x27;Q&#x27;" in response.content.decode()


def test_exam_flow_saves_flags_reviews_and_submits(learner_client, learner, bank):
    response = learner_client.post(reverse("quizzes:exam_start"))
    attempt = Attempt.objects.get(user=learner, mode="exam")
    assert response["Location"] == q_url(attempt, 1)
    page = learner_client.get(q_url(attempt, 1)).content.decode()
    assert 'id="exam-clock"' in page and "Flag for review" in page
    for secret in secrets_of(attempt):
        assert secret not in page
    item = attempt.items.get(position=1)
    response = learner_client.post(
        q_url(attempt, 1), {"option": correct_letters(item), "flagged": "on", "go": "2"}
    )
    assert response["Location"] == q_url(attempt, 2)
    # Reloading shows the saved answer and the flag, still without any key.
    page = learner_client.get(q_url(attempt, 1)).content.decode()
    assert page.count("checked") == len(correct_letters(item)) + 1
    assert "is-correct" not in page
    review = learner_client.get(reverse("quizzes:attempt_review", args=[attempt.pk]))
    assert "31</strong> unanswered" in review.content.decode()
    assert "1</strong> flagged" in review.content.decode()
    # 31 unanswered: submitting asks first, and nothing is submitted until confirmed.
    ask = learner_client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    assert ask.status_code == 200
    assert "Submit with 31 unanswered questions?" in ask.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.IN_PROGRESS
    response = learner_client.post(
        reverse("quizzes:attempt_submit", args=[attempt.pk]), {"confirm": "1"}
    )
    assert response["Location"] == reverse("quizzes:attempt_result", args=[attempt.pk])
    result = learner_client.get(response["Location"]).content.decode()
    assert "How we compute the scaled score" in result and "1 of 32 correct" in result
    assert all(secret in result for secret in secrets_of(attempt))
    # A second submission is not recorded twice: it lands on the result with a note.
    again = learner_client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]), follow=True)
    assert "already submitted" in again.content.decode()


def test_autosave_returns_json(learner_client, learner, bank):
    attempt = services.attempt_start_exam(learner)
    item = attempt.items.get(position=3)
    response = learner_client.post(
        q_url(attempt, 3), {"option": correct_letters(item)}, headers={"X-Autosave": "1"}
    )
    assert response.status_code == 200 and response.json() == {"saved": True}
    item.refresh_from_db()
    assert item.answered_at is not None


def test_answer_to_a_finished_attempt_is_409(learner_client, learner, bank):
    attempt = services.attempt_start_exam(learner)
    services.attempt_submit(attempt)
    response = learner_client.post(q_url(attempt, 1), {"option": ["A"]})
    assert response.status_code == 409
    assert "already finished" in response.content.decode()
    response = learner_client.post(
        q_url(attempt, 1), {"option": ["A"]}, headers={"X-Autosave": "1"}
    )
    assert response.status_code == 409 and "result_url" in response.json()


def test_expired_exam_is_finalised_on_access(learner_client, learner, bank):
    attempt = services.attempt_start_exam(learner, now=timezone.now() - timedelta(minutes=131))
    response = learner_client.post(q_url(attempt, 1), {"option": ["A"]})
    assert response.status_code == 409
    attempt.refresh_from_db()
    assert attempt.status == "expired"
    page = learner_client.get(reverse("quizzes:attempt_result", args=[attempt.pk]))
    assert "Submitted automatically when time ran out" in page.content.decode()


def test_remaining_time_comes_from_the_server_deadline(learner_client, learner, bank):
    attempt = services.attempt_start_exam(learner, now=timezone.now() - timedelta(minutes=100))
    page = learner_client.get(q_url(attempt, 1)).content.decode()
    # 30 minutes left (give or take the seconds the test takes).
    assert 'data-remaining="17' in page or 'data-remaining="18' in page


def test_another_learners_attempt_is_404_everywhere(client, learner, other_learner, bank):
    attempt = services.attempt_start_exam(learner)
    client.force_login(other_learner)
    for url in (
        reverse("quizzes:attempt_detail", args=[attempt.pk]),
        q_url(attempt, 1),
        reverse("quizzes:attempt_review", args=[attempt.pk]),
        reverse("quizzes:attempt_result", args=[attempt.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(q_url(attempt, 1), {"option": ["A"]}).status_code == 404
    assert client.post(reverse("quizzes:attempt_submit", args=[attempt.pk])).status_code == 404
    assert Attempt.objects.get(pk=attempt.pk).status == "in_progress"


def test_question_page_query_count_is_bounded(
    learner_client, learner, django_assert_max_num_queries
):
    from tests.quizzes.bank import make_bank

    make_bank({1: 30, 2: 25, 3: 25, 4: 20})
    attempt = services.attempt_start_exam(learner)
    learner_client.get(q_url(attempt, 1))
    with django_assert_max_num_queries(12):
        response = learner_client.get(q_url(attempt, 40))
    assert response.status_code == 200


def test_review_settings_page(learner_client, learner):
    response = learner_client.post(reverse("quizzes:settings"), {"desired_retention": "0.5"})
    assert response.status_code == 400
    assert "greater than or equal to 0.7" in response.content.decode()
    response = learner_client.post(reverse("quizzes:settings"), {"desired_retention": "0.85"})
    assert response.status_code == 302
    assert services.desired_retention(learner) == 0.85


def test_review_session_from_the_home_page(learner_client, learner):
    make_question("only-one")
    attempt = services.attempt_start_practice(learner, PracticeFilters(count=1))
    services.attempt_answer(attempt, 1, wrong_letters(attempt.items.get()))
    response = learner_client.post(reverse("quizzes:review_start"), follow=True)
    assert "No cards are due" in response.content.decode()


def test_dashboard_shows_the_quiz_panel(learner_client, learner, bank):
    attempt = services.attempt_start_practice(learner, PracticeFilters(domains=(3,), count=3))
    for item in attempt.items.all():
        services.attempt_answer(attempt, item.position, wrong_letters(item))
    second = services.attempt_start_practice(learner, PracticeFilters(domains=(3,), count=2))
    for item in second.items.all():
        services.attempt_answer(second, item.position, correct_letters(item))
    page = learner_client.get(reverse("core:dashboard")).content.decode()
    assert "Quizzes and exam readiness" in page
    assert "Readiness by domain" in page and "3 Deployment" in page
    assert '<svg class="trend"' in page
    assert (
        "Weakest topics" in page and "/study/codebuild-buildspec/build-phases-and-failures/" in page
    )
