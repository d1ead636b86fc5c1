"""The demo learner takes a named practice exam, a section test and a flashcard session in
Chromium; the result and review pages fit a phone (390 px) without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.services import demo_users_ensure
from quizzes.models import Attempt, Flashcard, FlashcardCard
from quizzes.practice_exams import practice_exams_build
from tests.browser.conftest import login
from tests.quizzes.bank import make_blueprint_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """The deadline task is not published to a real broker from tests."""
    from quizzes.tasks import attempt_expire

    monkeypatch.setattr(attempt_expire, "apply_async", lambda **kw: None)


@pytest.fixture
def learner_page(page):
    demo_users_ensure()
    make_blueprint_bank(6)  # 78 questions over the 13 task statements
    practice_exams_build()
    login(page, "learner", "learner-demo")
    return page


def no_sideways_scroll(page) -> int:
    """How many pixels the page is wider than the viewport (0 = fits)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def pick_enough_options(page) -> None:
    """Tick as many options as the question asks for ("Choose 2" on multiple response)."""
    found = re.search(r"Choose (\d+)", page.locator(".quiz-head").inner_text())
    for n in range(int(found.group(1)) if found else 1):
        page.locator(".option label").nth(n).click()


def test_named_practice_exam(learner_page):
    page = learner_page
    page.goto("/quizzes/")
    tile = page.locator(".exam-tile").filter(has_text="Practice exam 3")
    assert "not taken yet" in tile.inner_text()
    tile.get_by_role("link", name="Start").click()
    # A confirmation before the clock starts: nothing runs yet.
    page.wait_for_url(re.compile(r"/quizzes/exam/\?kind=named&number=3$"))
    assert "Start Practice exam 3?" in page.locator("h1").inner_text()
    assert not Attempt.objects.filter(mode="exam").exists()
    page.get_by_role("button", name="Start the clock").click()
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+/q/1/$"))
    assert "Practice exam 3 · Question 1 of 65" in page.locator(".quiz-head").inner_text()
    assert page.locator(".blueprint").count() == 0  # the exam does not say what it tests
    page.locator(".option input").first.check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("button", name="Save and next →").click()
    page.wait_for_url(re.compile(r"/q/2/$"))
    page.get_by_label("Flag for review").check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("button", name="Review and submit").click()
    page.wait_for_url(re.compile(r"/review/$"))
    # The compact grid: 65 cells in a few rows; Submit is in view without scrolling.
    assert page.locator(".review-grid .cell").count() == 65
    grid = page.locator(".review-grid").bounding_box()
    assert grid["height"] < 400
    submit = page.get_by_role("button", name="Submit the exam").bounding_box()
    assert submit["y"] + submit["height"] < 900
    page.get_by_role("link", name="Flagged (1)").click()
    assert page.locator(".review-grid .cell").count() == 1
    page.get_by_role("link", name="Unanswered (64)").click()
    assert page.locator(".review-grid .cell").count() == 64
    # Submitting with unanswered questions asks first.
    page.get_by_role("button", name="Submit the exam").click()
    assert "Submit with 64 unanswered questions?" in page.locator("main").inner_text()
    assert Attempt.objects.get(mode="exam").status == "in_progress"
    page.get_by_role("button", name="Submit anyway").click()
    page.wait_for_url(re.compile(r"/result/$"))
    assert "Practice exam 3: result" in page.locator("h1").inner_text()
    assert page.locator(".result-grid .cell").count() == 65
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert no_sideways_scroll(page) <= 0
    # Back on the quizzes page, exam 3 shows the score to beat and offers a retake.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/quizzes/")
    tile = page.locator(".exam-tile").filter(has_text="Practice exam 3")
    assert re.search(r"last \d+ % · best \d+ % · 1 attempt", tile.inner_text())
    assert tile.get_by_role("link", name="Retake").count() == 1


def test_section_test(learner_page):
    page = learner_page
    page.goto("/quizzes/")
    page.get_by_role("link", name="2 Security").click()
    assert "17</strong> questions" in page.content() and "34</strong> minutes" in page.content()
    page.get_by_role("button", name="Start the clock").click()
    page.wait_for_url(re.compile(r"/q/1/$"))
    for position in range(1, 18):
        assert f"Question {position} of 17" in page.locator(".quiz-head").inner_text()
        page.locator(".option input").first.check()
        expect(page.locator("#save-status")).to_have_text("Saved")
        if position < 17:
            page.get_by_role("button", name="Save and next →").click()
            page.wait_for_url(re.compile(rf"/q/{position + 1}/$"))
    page.get_by_role("button", name="Review and submit").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert "0</strong> unanswered" in page.content()
    page.get_by_role("button", name="Submit the exam").click()  # nothing unanswered: no question
    page.wait_for_url(re.compile(r"/result/$"))
    assert "Section test: 2 Security: result" in page.locator("h1").inner_text()
    attempt = Attempt.objects.get(mode="exam")
    assert attempt.kind == "section" and attempt.total == 17
    assert set(attempt.items.values_list("question__domain", flat=True)) == {2}


def test_practice_shows_the_blueprint_and_right_wrong_in_the_grid(learner_page):
    page = learner_page
    page.goto("/quizzes/")
    page.get_by_label("Number of questions").fill("3")
    page.get_by_role("button", name="Start practising").click()
    page.wait_for_url(re.compile(r"/q/1/$"))
    assert re.search(r"Domain \d .+Task \d\.\d", page.locator(".blueprint").inner_text(), re.S)
    pick_enough_options(page)
    page.get_by_role("button", name="Check answer").click()
    page.wait_for_selector(".feedback")
    first = page.locator(".quiz-nav .cell").first
    assert re.search(r"\b(right|wrong)\b", first.get_attribute("class"))
    assert page.locator("details.report summary").inner_text() == "Report this question"


def test_flashcard_session(learner_page):
    page = learner_page
    for n, (skill, domain) in enumerate([("1.1.k1", 1), ("2.2.k1", 2), ("4.2.k1", 4)]):
        Flashcard.objects.create(
            external_id=f"fc-demo-{n}",
            front=f"Front {n}",
            front_html=f"<p>Front {n}?</p>",
            back=f"Back {n}",
            back_html=f"<p>Answer {n}.</p>",
            skills=[skill],
            skills_index=f"|{skill}|",
            domain=domain,
            task=skill.rsplit(".", 1)[0],
        )
    page.goto("/quizzes/")
    page.get_by_role("link", name="Study flashcards").click()
    page.wait_for_url(re.compile(r"/quizzes/flashcards/$"))
    assert page.locator("#fc-new").inner_text() == "3"
    assert page.locator(".fc-front").inner_text() == "Front 0?"
    assert not page.locator(".fc-back").is_visible()
    page.get_by_text("Show answer").click()
    assert page.locator(".fc-back").inner_text() == "Answer 0."
    page.get_by_role("button", name="Again").click()
    # Again: FSRS brings it back within minutes; meanwhile the next new card.
    page.wait_for_selector(".fc-front")
    assert page.locator(".fc-front").inner_text() == "Front 1?"
    assert page.locator("#fc-new").inner_text() == "2"
    # The keyboard works too: Space shows the answer, 3 rates it Good.
    page.keyboard.press(" ")
    expect(page.locator(".fc-back")).to_be_visible()
    page.keyboard.press("3")
    page.wait_for_load_state()
    # Filter to one skill: only its card.
    page.locator("#fc-skill").select_option("4.2.k1")
    page.get_by_role("button", name="Show").click()
    assert page.locator(".fc-front").inner_text() == "Front 2?"
    page.get_by_text("Show answer").click()
    page.get_by_role("button", name="Easy").click()
    page.wait_for_url(re.compile(r"skill=4\.2\.k1"))
    assert "Nothing due under these filters" in page.locator("main").inner_text()
    learner = get_user_model().objects.get(username="learner")
    ratings = dict(
        FlashcardCard.objects.filter(user=learner).values_list(
            "flashcard__external_id", "last_rating"
        )
    )
    assert ratings == {"fc-demo-0": 1, "fc-demo-1": 3, "fc-demo-2": 4}
    again = FlashcardCard.objects.get(user=learner, flashcard__external_id="fc-demo-0")
    easy = FlashcardCard.objects.get(user=learner, flashcard__external_id="fc-demo-2")
    assert (again.due - again.last_review).total_seconds() < 15 * 60
    assert (easy.due - easy.last_review).days >= 1
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/quizzes/flashcards/")
    assert no_sideways_scroll(page) <= 0


def test_quizzes_pages_have_no_serious_accessibility_violations(browser, live_server):
    """axe-core (from the npm lockfile) on every quizzes page a learner meets."""
    from pathlib import Path

    from django.conf import settings

    from quizzes import services
    from quizzes.models import CheatSheet

    demo_users_ensure()
    make_blueprint_bank(6)
    practice_exams_build()
    learner = get_user_model().objects.get(username="learner")
    CheatSheet.objects.create(
        slug="sqs", title="Amazon SQS", body="x", body_html="<table><tr><th>a</th></tr></table>"
    )
    Flashcard.objects.create(
        external_id="fc-a11y", front="F", front_html="<p>F?</p>", back="B",
        back_html="<p>B.</p>", skills=["1.1.k1"], skills_index="|1.1.k1|", domain=1, task="1.1",
    )  # fmt: skip
    done = services.attempt_start_exam(learner, kind="named", number=1)
    services.attempt_answer(done, 1, ["A"])
    services.attempt_submit(done)
    practice = services.attempt_start_practice(learner, services.PracticeFilters(count=2))
    services.attempt_answer(
        practice, 1, list("AB"[: practice.items.get(position=1).question.choose])
    )
    running = services.attempt_start_exam(learner, kind="section", domain=1)
    axe = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    login(page, "learner", "learner-demo")
    urls = [
        "/quizzes/",
        "/quizzes/exam/?kind=named&number=2",
        f"/quizzes/attempts/{running.pk}/q/1/",
        f"/quizzes/attempts/{running.pk}/review/",
        f"/quizzes/attempts/{practice.pk}/q/1/",
        f"/quizzes/attempts/{done.pk}/result/",
        "/quizzes/flashcards/",
        "/quizzes/cheatsheets/",
        "/quizzes/cheatsheets/sqs/",
        "/dashboard/",
    ]
    found = {}
    for url in urls:
        page.goto(url)
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(
            "async () => (await axe.run(document)).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)"
        )
        if violations:
            found[url] = violations
    context.close()
    assert found == {}
