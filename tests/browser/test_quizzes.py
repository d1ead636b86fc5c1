"""The demo learner takes a practice set, an exam (with a reload) and a review session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import demo_users_ensure
from quizzes import services
from quizzes.models import Attempt
from quizzes.services import PracticeFilters
from tests.browser.conftest import login
from tests.quizzes.bank import make_bank, wrong_letters

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """The server-side deadline task is not published to a real broker from tests (the test
    below runs it directly)."""
    from quizzes.tasks import attempt_expire

    monkeypatch.setattr(attempt_expire, "apply_async", lambda **kw: None)


@pytest.fixture
def learner_page(page):
    demo_users_ensure()
    make_bank({1: 3, 2: 3, 3: 2, 4: 2})
    login(page, "learner", "learner-demo")
    return page


def clock_seconds(page) -> int:
    text = page.locator("#exam-clock").inner_text()
    parts = [int(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts
    return hours * 3600 + minutes * 60 + seconds


def pick_enough_options(page) -> None:
    """Tick as many options as the question asks for ("Choose 2" on multiple response)."""
    found = re.search(r"Choose (\d+)", page.locator(".quiz-head").inner_text())
    for n in range(int(found.group(1)) if found else 1):
        page.locator(".option label").nth(n).click()


def test_practice_set(learner_page):
    page = learner_page
    page.goto("/quizzes/")
    page.get_by_label("Number of questions").fill("2")
    page.get_by_role("button", name="Start practising").click()
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+/q/1/$"))
    assert page.locator(".explanation").count() == 0  # nothing revealed before answering
    pick_enough_options(page)
    page.get_by_role("button", name="Check answer").click()
    page.wait_for_selector(".feedback")
    options = page.locator(".option").count()
    assert options >= 4 and page.locator(".explanation").count() == options
    page.get_by_role("link", name="Next question →").click()
    page.wait_for_url(re.compile(r"/q/2/$"))
    pick_enough_options(page)
    page.get_by_role("button", name="Check answer").click()
    page.get_by_role("link", name="See your results").click()
    page.wait_for_url(re.compile(r"/result/$"))
    assert re.search(r"\d of 2", page.locator(".result-summary").inner_text())


def test_exam_survives_a_reload_and_the_clock_keeps_running(learner_page):
    page = learner_page
    page.goto("/quizzes/")
    page.get_by_role("link", name="Start a random exam").click()
    page.get_by_role("button", name="Start the clock").click()
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+/q/1/$"))
    assert page.locator(".explanation").count() == 0
    started = clock_seconds(page)
    assert 130 * 60 - 10 <= started <= 130 * 60
    # Answer and flag: saved as you go (fetch), no submit button needed.
    page.locator(".option input").first.check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_label("Flag for review").check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.wait_for_timeout(2200)
    page.reload()
    assert page.locator(".option input").first.is_checked()
    assert page.get_by_label("Flag for review").is_checked()
    after = clock_seconds(page)
    assert after <= started - 2  # the server's clock kept running through the reload
    page.get_by_role("button", name="Save and next →").click()
    page.wait_for_url(re.compile(r"/q/2/$"))
    page.get_by_role("button", name="Review and submit").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert "1 flagged" in page.locator("main").inner_text()
    page.get_by_role("button", name="Submit the exam").click()
    page.get_by_role("button", name="Submit anyway").click()  # 9 questions left unanswered
    page.wait_for_url(re.compile(r"/result/$"))
    text = page.locator("main").inner_text()
    assert "/ 1000" in text and "How we compute the scaled score" in text
    assert page.locator(".explanation").count() > 0


def test_exam_is_submitted_by_the_server_when_the_browser_is_gone(learner_page):
    page = learner_page
    page.goto("/quizzes/")
    page.get_by_role("link", name="Start a random exam").click()
    page.get_by_role("button", name="Start the clock").click()
    page.wait_for_url(re.compile(r"/q/1/$"))
    page.locator(".option input").first.check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    url = page.url
    page.goto("about:blank")  # the tab is gone…
    attempt = Attempt.objects.get(mode="exam")
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - timedelta(minutes=131),
        deadline=timezone.now() - timedelta(minutes=1),
    )
    # …the scheduled task (or any later access) finalises it; the learner then sees the result.
    from quizzes.tasks import attempt_expire

    assert attempt_expire(attempt.pk) == "expired"
    page.goto(url)
    page.wait_for_url(re.compile(r"/result/$"))
    assert "Submitted automatically when time ran out" in page.locator("main").inner_text()


def test_review_session(learner_page):
    page = learner_page
    learner = get_user_model().objects.get(username="learner")
    past = timezone.now() - timedelta(days=1)
    attempt = services.attempt_start_practice(learner, PracticeFilters(count=2), now=past)
    for item in attempt.items.all():
        services.attempt_answer(attempt, item.position, wrong_letters(item), now=past)
    page.goto("/quizzes/")
    assert page.locator(".due-count").inner_text() == "2"
    page.get_by_role("button", name="Review due cards").click()
    page.wait_for_url(re.compile(r"/q/1/$"))
    assert "Spaced review" in page.locator(".quiz-head").inner_text()
    for position in (1, 2):
        pick_enough_options(page)
        page.get_by_role("button", name="Check answer").click()
        page.wait_for_selector(".feedback")
        if position == 1:
            page.get_by_role("link", name="Next question →").click()
    page.get_by_role("link", name="See your results").click()
    page.wait_for_url(re.compile(r"/result/$"))
    page.goto("/quizzes/")
    assert page.locator(".due-count").inner_text() == "0"
