"""The API refuses malformed input with a specific 400 (or 404/406) instead of guessing."""

from __future__ import annotations

import pytest

from core.content import LoadReport
from labs.loading import load_labs
from labs.models import Draft, Submission
from quizzes import services as quiz_services
from quizzes.services import PracticeFilters
from tests.labs.test_spec import make_lab
from tests.quizzes.bank import make_bank

HUGE = "99999999999999999999999"


def test_unknown_api_paths_and_formats_get_specific_json_errors(learner_client):
    missing = learner_client.get("/api/attempts/not-a-number/")
    assert missing.status_code == 404
    assert "check the URL" in missing.json()["detail"]
    wrong_format = learner_client.get("/api/labs/", {"format": "xml"})
    assert wrong_format.status_code == 406
    assert "format='xml' is not available" in wrong_format.json()["detail"]
    assert "json" in wrong_format.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": HUGE}, "offset"),
        ({"domain": "7"}, "domain"),
        ({"tag": "no-such-tag"}, "tag"),
    ],
)
def test_api_list_filters_reject_nonsense(learner_client, query, field):
    response = learner_client.get("/api/questions/", query)
    assert response.status_code == 400
    assert field in response.json()[field][0]


def test_api_review_due_flag_must_be_a_boolean(learner_client):
    assert learner_client.get("/api/review-cards/", {"due": "true"}).status_code == 200
    response = learner_client.get("/api/review-cards/", {"due": "maybe"})
    assert response.status_code == 400
    assert "'true'" in response.json()["due"][0]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": 5}, "text", "Must be text"),
        ({"text": "", "filename": 3.5}, "filename", "Must be text"),
        ({"text": "", "platfrom": "ec2"}, "platfrom", "Unknown field"),
        ({"text": "", "lab": "no-such-lab"}, "lab", "no published lab 'no-such-lab'"),
        ({"text": "", "lab": "not a slug"}, "lab", "slug"),
    ],
)
def test_check_rejects_mistyped_and_unknown_fields(learner_client, body, field, message):
    response = learner_client.post("/api/check/", body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()[field][0]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"mode": "practice", "only_new": 0}, "only_new", "true or false"),
        ({"mode": "practice", "only_wrong": "yes"}, "only_wrong", "true or false"),
        ({"mode": "practice", "count": "10"}, "count", "whole number"),
        ({"mode": "practice", "count": True}, "count", "whole number"),
        ({"mode": "practice", "domian": [1]}, "domian", "Unknown field"),
    ],
)
def test_attempt_start_rejects_coercible_nonsense(learner_client, db, body, field, message):
    make_bank({1: 2, 2: 2, 3: 2, 4: 2})
    response = learner_client.post("/api/attempts/", body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert not learner_client.get("/api/attempts/").json()


def test_answer_rejects_mistyped_fields_and_saves_nothing(learner_client, learner):
    make_bank({1: 2, 2: 2, 3: 2, 4: 2})
    attempt = quiz_services.attempt_start_practice(learner, PracticeFilters(count=2))
    url = f"/api/attempts/{attempt.pk}/answer/"
    for body in (
        {"position": "1", "selected": ["A"]},
        {"position": 1, "selected": [1]},
        {"position": 1, "selected": ["A"], "flagged": "yes"},
    ):
        response = learner_client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
    items = learner_client.get(f"/api/attempts/{attempt.pk}/").json()["items"]
    assert not any(item["answered"] for item in items)


def test_draft_rejects_non_text_files(learner_client, db, tmp_path):
    make_lab(tmp_path)
    load_labs(tmp_path, LoadReport())
    response = learner_client.put(
        "/api/labs/fix-buildspec/draft/",
        {"files": {"buildspec.yml": 42}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Must be text" in str(response.json())


def test_lab_files_with_nul_characters_are_rejected_not_stored(learner_client, tmp_path):
    """PostgreSQL cannot store NUL in JSON: the crawl on PostgreSQL found this one as a 500."""
    make_lab(tmp_path)
    load_labs(tmp_path, LoadReport())
    page = learner_client.post(
        "/labs/fix-buildspec/", {"file:buildspec.yml": "version: 0.2\n\x00"}, follow=True
    )
    assert page.status_code == 200
    assert "contains a NUL character on line 2" in page.content.decode()
    api = learner_client.put(
        "/api/labs/fix-buildspec/draft/",
        {"files": {"buildspec.yml": "a\x00"}},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert not Submission.objects.exists() and not Draft.objects.exists()
