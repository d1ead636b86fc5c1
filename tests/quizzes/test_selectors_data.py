"""Quiz selectors return data (None for what is not there); views answer 404; hooks build links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.content import LoadReport
from quizzes import hooks, selectors, services
from quizzes.cheatsheets import load_cheatsheets
from quizzes.services import PracticeFilters
from tests.quizzes.bank import make_question, wrong_letters
from tests.quizzes.test_reports_and_sheets import SHEET, sheets_root

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice(bank, learner, t0):
    return services.attempt_start_practice(learner, PracticeFilters(count=2), now=t0, seed=1)


def test_another_learners_attempt_is_none_and_its_pages_are_404(
    practice, learner, other_learner, client
):
    assert selectors.attempt_get_for_user(learner, practice.pk) == practice
    assert selectors.attempt_get_for_user(other_learner, practice.pk) is None
    assert selectors.attempt_get_for_user(learner, 999_999) is None
    client.force_login(other_learner)
    page = client.get(reverse("quizzes:attempt_question", args=[practice.pk, 1]))
    assert page.status_code == 404
    assert client.get(f"/api/attempts/{practice.pk}/").status_code == 404


def test_a_position_outside_the_attempt_is_none_and_a_404(practice, learner_client):
    assert selectors.attempt_item_view(practice, 1) is not None
    assert selectors.attempt_item_view(practice, 99) is None
    page = learner_client.get(reverse("quizzes:attempt_question", args=[practice.pk, 99]))
    assert page.status_code == 404


def test_cheat_sheets_are_data_in_selectors_and_links_in_hooks(tmp_path):
    load_cheatsheets(sheets_root(tmp_path, {"sqs.md": SHEET}), LoadReport())
    assert selectors.cheatsheet_get("nope") is None
    assert selectors.cheatsheet_get("sqs").title == "Amazon SQS"
    assert selectors.cheatsheet_titles({"sqs", "nope", ""}) == {"sqs": "Amazon SQS"}
    url = reverse("quizzes:cheatsheet_detail", args=["sqs"])
    assert hooks.cheatsheet_links_by_slug({"sqs", "nope"}) == {"sqs": (url, "Amazon SQS")}
    [link] = hooks.cheatsheet_links(["sqs", "lambda"])
    assert (link.kind, link.title, link.url) == ("cheat sheet", "Amazon SQS", url)


def test_readiness_names_the_weak_topics_lesson_and_the_panel_links_it(learner, t0, rf):
    for n in range(3):
        make_question(f"w{n}", tags=["sqs"], lesson="messaging/sqs-basics")
    attempt = services.attempt_start_practice(learner, PracticeFilters(count=3), now=t0, seed=1)
    for item in attempt.items.all():
        services.attempt_answer(attempt, item.position, wrong_letters(item), now=t0)
    [weak] = selectors.readiness(learner)["weakest"]
    assert (weak.topic.key, weak.lesson_ref) == ("sqs", "messaging/sqs-basics")
    request = rf.get("/dashboard/")
    request.user = learner
    panel = hooks.dashboard_panel(request)
    assert panel is not None
    [link] = panel.context["readiness"]["weakest"]
    assert link["lesson_url"] == hooks.lesson_url("messaging/sqs-basics")
    assert link["practice_url"] == reverse("quizzes:home") + "?tag=sqs"
