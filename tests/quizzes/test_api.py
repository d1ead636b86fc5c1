"""The quizzes API: no keys before they are earned, 409s, ownership, throttling, schema."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from quizzes import services
from quizzes.models import Attempt, Option
from tests.quizzes.bank import correct_letters, wrong_letters

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(learner):
    client = APIClient()
    client.force_authenticate(learner)
    return client


def explanations() -> list[str]:
    return list(Option.objects.values_list("explanation", flat=True))


def assert_no_keys(payload) -> None:
    text = json.dumps(payload)
    for explanation in explanations():
        assert explanation not in text
    assert "KEY" not in text or '"correct": null' in text


def test_anonymous_is_refused():
    assert APIClient().get("/api/questions/").status_code in (401, 403)


def test_question_list_has_no_keys_or_explanations(api, bank):
    response = api.get("/api/questions/?domain=2&limit=100")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8 and {q["domain"] for q in body["results"]} == {2}
    text = json.dumps(body)
    for explanation in explanations():
        assert explanation not in text
    assert '"correct"' not in text and "explanation" not in text
    one = api.get("/api/questions/q-d1-003/").json()
    assert one["type"] == "multiple" and len(one["options"]) == 5


def test_practice_via_api_reveals_only_after_answering(api, learner, bank):
    response = api.post(
        "/api/attempts/", {"mode": "practice", "domains": [1], "count": 2}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert_no_keys(body)
    assert all(o["correct"] is None for i in body["items"] for o in i["options"])
    attempt = Attempt.objects.get(pk=body["id"])
    item = attempt.items.get(position=1)
    answer = api.post(
        f"/api/attempts/{attempt.pk}/answer/",
        {"position": 1, "selected": correct_letters(item)},
        format="json",
    ).json()
    assert answer["item"]["revealed"] and answer["item"]["correct"] is True
    assert all(o["explanation_html"] for o in answer["item"]["options"])
    # The other, unanswered question stays hidden.
    detail = api.get(f"/api/attempts/{attempt.pk}/").json()
    hidden = detail["items"][1]
    assert not hidden["revealed"]
    assert all(o["correct"] is None and o["explanation_html"] is None for o in hidden["options"])


def test_exam_via_api_hides_everything_until_submitted(api, learner, bank):
    body = api.post("/api/attempts/", {"mode": "exam"}, format="json").json()
    assert body["remaining_seconds"] > 7790
    attempt_id = body["id"]
    item = Attempt.objects.get(pk=attempt_id).items.get(position=1)
    answer = api.post(
        f"/api/attempts/{attempt_id}/answer/",
        {"position": 1, "selected": correct_letters(item), "flagged": True},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["item"]["flagged"] is True
    assert_no_keys(answer.json())
    assert_no_keys(api.get(f"/api/attempts/{attempt_id}/").json())
    result = api.get(f"/api/attempts/{attempt_id}/result/")
    assert result.status_code == 409
    submitted = api.post(f"/api/attempts/{attempt_id}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["correct_count"] == 1 and submitted.json()["scaled_score"] is not None
    result = api.get(f"/api/attempts/{attempt_id}/result/").json()
    assert all(o["explanation_html"] for i in result["items"] for o in i["options"])
    assert api.post(f"/api/attempts/{attempt_id}/submit/").status_code == 409
    late = api.post(
        f"/api/attempts/{attempt_id}/answer/", {"position": 2, "selected": ["A"]}, format="json"
    )
    assert late.status_code == 409 and "already finished" in late.json()["detail"]


def test_answer_after_the_deadline_is_409(api, learner, bank):
    attempt = services.attempt_start_exam(learner, now=timezone.now() - timedelta(minutes=131))
    response = api.post(
        f"/api/attempts/{attempt.pk}/answer/", {"position": 1, "selected": ["A"]}, format="json"
    )
    assert response.status_code == 409
    assert Attempt.objects.get(pk=attempt.pk).status == "expired"


def test_bad_input_is_a_specific_400(api, learner, bank):
    assert api.post("/api/attempts/", {"mode": "speedrun"}, format="json").status_code == 400
    response = api.post("/api/attempts/", {"mode": "practice", "tags": ["amplify"]}, format="json")
    assert response.status_code == 400 and "No published question" in response.json()["detail"]
    attempt = services.attempt_start_exam(learner)
    response = api.post(
        f"/api/attempts/{attempt.pk}/answer/", {"position": 1, "selected": ["Z"]}, format="json"
    )
    assert response.status_code == 400 and "Unknown option 'Z'" in response.json()["detail"]
    response = api.post(f"/api/attempts/{attempt.pk}/answer/", {"position": 1}, format="json")
    assert response.status_code == 400 and "selected" in response.json()


def test_another_learners_attempt_is_404(api, other_learner, bank):
    attempt = services.attempt_start_exam(other_learner)
    for url in (f"/api/attempts/{attempt.pk}/", f"/api/attempts/{attempt.pk}/result/"):
        assert api.get(url).status_code == 404
    assert api.post(f"/api/attempts/{attempt.pk}/submit/").status_code == 404
    assert [a["id"] for a in api.get("/api/attempts/").json()] == []


def test_review_cards_and_due_count(api, learner, bank):
    attempt = services.attempt_start_exam(learner)
    for item in attempt.items.filter(position__lte=3):
        services.attempt_answer(attempt, item.position, wrong_letters(item))
    services.attempt_submit(attempt)
    cards = api.get("/api/review-cards/").json()
    assert cards["count"] == 3 and {c["state"] for c in cards["results"]} == {"learning"}
    assert api.get("/api/review-cards/due/").json() == {"due": 0, "flashcards": 0, "total": 0}


def test_token_auth_works(learner, bank):
    token = Token.objects.create(user=learner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/questions/").status_code == 200


def test_writes_are_throttled(api, learner, bank, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "writes": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    try:
        codes = [
            api.post("/api/attempts/", {"mode": "practice"}, format="json").status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        assert api.get("/api/attempts/").status_code == 200  # reads are not throttled
    finally:
        cache.clear()


def test_schema_documents_the_quiz_endpoints(api):
    response = api.get(reverse("schema"), {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in (
        "/api/questions/",
        "/api/attempts/",
        "/api/attempts/{attempt_id}/answer/",
        "/api/attempts/{attempt_id}/submit/",
        "/api/attempts/{attempt_id}/result/",
        "/api/review-cards/",
    ):
        assert path in paths
