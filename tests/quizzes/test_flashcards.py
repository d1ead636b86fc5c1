"""Flashcards: the loader (all or nothing, file:line errors, skills checked) and FSRS reviews in
the daily queue, filtered per skill and domain; the session page."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.content import ContentErrors, LoadReport
from quizzes import selectors, services
from quizzes.flashcards import load_flashcards
from quizzes.models import Flashcard, FlashcardCard, FlashcardLog
from quizzes.services import PracticeFilters
from tests.quizzes.bank import make_bank, wrong_letters

pytestmark = pytest.mark.django_db

GOOD = """\
cards:
  - id: fc-sqs-visibility-default
    front: "Default SQS visibility timeout?"
    back: "30 seconds (0 seconds to 12 hours)."
    skills: ["1.1.k2"]
    tags: [sqs]
    reference: {title: "Amazon SQS visibility timeout", url: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html"}
  - id: fc-kms-envelope
    front: "What does envelope encryption encrypt with the KMS key?"
    back: "Only the **data key**; the data key encrypts the data."
    skills: ["2.2.k1"]
    tags: [kms]
"""


def content_root(tmp_path: Path, files: dict[str, str]) -> Path:
    shutil.copy(Path(settings.CONTENT_ROOT) / "exam-guide.yaml", tmp_path / "exam-guide.yaml")
    folder = tmp_path / "flashcards"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return tmp_path


def make_cards(n_per_domain: int = 3, prefix: str = "fc") -> list[Flashcard]:
    cards = []
    skills = {1: "1.1.k2", 2: "2.2.k1", 3: "3.4.k1", 4: "4.2.k1"}
    for domain, skill in skills.items():
        for n in range(n_per_domain):
            cards.append(
                Flashcard.objects.create(
                    external_id=f"{prefix}-d{domain}-{n}",
                    front=f"Front {domain}-{n}",
                    front_html=f"<p>Front {domain}-{n}</p>",
                    back=f"Back {domain}-{n}",
                    back_html=f"<p>Back {domain}-{n}</p>",
                    skills=[skill],
                    skills_index=f"|{skill}|",
                    domain=domain,
                    task=skill.rsplit(".", 1)[0],
                )
            )
    return cards


def test_loader_loads_and_derives_domain_and_task(tmp_path):
    report = LoadReport()
    load_flashcards(content_root(tmp_path, {"a.yaml": GOOD}), report)
    card = Flashcard.objects.get(external_id="fc-kms-envelope")
    assert (card.domain, card.task, card.skills) == (2, "2.2", ["2.2.k1"])
    assert "<strong>data key</strong>" in card.back_html
    assert report.counts == {"flashcards created": 2}
    load_flashcards(tmp_path, report)
    assert report.counts["flashcards unchanged"] == 2


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'skills: ["2.2.k1"]',
            'skills: ["2.2.k99"]',
            "a.yaml:11:14: card 'fc-kms-envelope': unknown skill id '2.2.k99'",
        ),
        (
            'skills: ["2.2.k1"]',
            "skills: []",
            "a.yaml:11:13: card 'fc-kms-envelope': 'skills' must be a non-empty list",
        ),
        (
            "    tags: [kms]\n",
            "    tags: [kms]\n    colour: red\n",
            "a.yaml:13:5: card 'fc-kms-envelope': unknown key 'colour' (hint: allowed keys: id,",
        ),
        (
            "  - id: fc-kms-envelope",
            "  - id: kms-envelope",
            "a.yaml:8:9: card 'kms-envelope': 'id' 'kms-envelope' is not in the expected form "
            "(hint: 'fc-' then lower-case letters, digits and '-')",
        ),
        (
            'back: "Only',
            'bak: "Only',
            "a.yaml:10:5: card 'fc-kms-envelope': unknown key 'bak' (hint: did you mean 'back'?)",
        ),
        (
            'back: "Only',
            'bak: "Only',
            "a.yaml:8:5: card 'fc-kms-envelope': missing required key 'back'",
        ),
        (
            "tags: [sqs]",
            "tags: [sqs, lamda]",
            "a.yaml:6:17: card 'fc-sqs-visibility-default': unknown tag 'lamda' "
            "(hint: did you mean 'lambda'?)",
        ),
        (
            'front: "Default SQS visibility timeout?"',
            "front: " + "x" * 301,
            "a.yaml:3:12: card 'fc-sqs-visibility-default': 'front' is 301 characters; the "
            "limit is 300",
        ),
        (
            'url: "https://docs',
            'url: "http://docs',
            "a.yaml:7:62: card 'fc-sqs-visibility-default': 'url' 'http://docs.aws.amazon.com/",
        ),
        ("cards:", "card:", "a.yaml:1:1: unknown key 'card' (hint: did you mean 'cards'?)"),
        (
            "  - id: fc-kms-envelope",
            "  - id: fc-sqs-visibility-default",
            "duplicate card id 'fc-sqs-visibility-default' (first defined at a.yaml:2)",
        ),
        ('front: "Default', "front: [Default", "a.yaml:4:9: invalid YAML"),
    ],
)
def test_bad_cards_are_rejected_with_file_and_line_and_nothing_loaded(tmp_path, old, new, expected):
    root = content_root(
        tmp_path, {"a.yaml": GOOD.replace(old, new, 1), "b.yaml": GOOD.replace("fc-", "fc-b-")}
    )
    with pytest.raises(ContentErrors) as caught:
        load_flashcards(root, LoadReport())
    assert expected in str(caught.value)
    assert Flashcard.objects.count() == 0  # b.yaml was fine, and still nothing loaded


def test_rating_schedules_with_fsrs_and_logs(learner, t0):
    card = make_cards(1)[0]
    again = services.flashcard_rate(learner, card.pk, 1, now=t0)
    assert again.due < t0 + timedelta(hours=1)  # Again: back within minutes
    other = make_cards(1, prefix="fc-two")[0]
    easy = services.flashcard_rate(learner, other.pk, 4, now=t0)
    assert easy.due > t0 + timedelta(days=1)  # Easy on first sight: days away
    assert FlashcardLog.objects.filter(card__user=learner).count() == 2
    with pytest.raises(services.InvalidAnswer):
        services.flashcard_rate(learner, card.pk, 5, now=t0)


def test_due_flashcards_and_missed_questions_share_the_daily_queue(learner, t0):
    make_bank({1: 2, 2: 0, 3: 0, 4: 0})
    cards = make_cards(2)
    attempt = services.attempt_start_practice(learner, PracticeFilters(count=2), now=t0)
    for item in attempt.items.all():
        services.attempt_answer(attempt, item.position, wrong_letters(item), now=t0)
    for card in cards[:3]:
        services.flashcard_rate(learner, card.pk, 1, now=t0)  # Again: due soon
    later = t0 + timedelta(days=1)
    assert selectors.daily_queue(learner, now=later) == {
        "questions": 2,
        "flashcards": 3,
        "total": 5,
    }


def test_session_shows_due_first_then_new_and_filters_by_skill_and_domain(learner, t0):
    cards = make_cards(3)
    services.flashcard_rate(learner, cards[5].pk, 1, now=t0)  # domain 2, due again soon
    later = t0 + timedelta(hours=2)
    session = selectors.flashcard_next(learner, selectors.CardFilters(), now=later, per_day=20)
    assert session.card == cards[5] and not session.is_new and session.due == 1
    by_skill = selectors.flashcard_next(
        learner, selectors.CardFilters(skill="4.2.k1"), now=later, per_day=20
    )
    assert by_skill.is_new and by_skill.card.domain == 4 and by_skill.due == 0
    by_domain = selectors.flashcard_next(
        learner, selectors.CardFilters(domain=3), now=later, per_day=20
    )
    assert by_domain.card.domain == 3 and by_domain.new_available == 3


def test_new_cards_are_capped_per_day(learner, t0):
    cards = make_cards(3)
    for card in cards[:2]:
        services.flashcard_rate(learner, card.pk, 4, now=t0)  # Easy: not due for days
    session = selectors.flashcard_next(learner, selectors.CardFilters(), now=t0, per_day=2)
    assert session.card is None and session.new_left_today == 0 and session.new_available == 10


def test_session_page_reveal_and_rate(learner_client, learner):
    cards = make_cards(1)
    page = learner_client.get(reverse("quizzes:flashcards")).content.decode()
    assert "Front 1-0" in page and "Show answer" in page and "Again" in page
    response = learner_client.post(
        reverse("quizzes:flashcards") + "?domain=1",
        {"card": cards[0].pk, "rating": "3", "domain": "1"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?domain=1")
    assert FlashcardCard.objects.get(user=learner).reps == 1
    bad = learner_client.post(
        reverse("quizzes:flashcards"), {"card": "x", "rating": "9"}, follow=True
    )
    assert "Choose Again, Hard, Good or Easy." in bad.content.decode()


def test_api_next_card_and_rating(learner):
    from rest_framework.test import APIClient

    cards = make_cards(1)
    api = APIClient()
    api.force_authenticate(learner)
    body = api.get("/api/flashcards/next/?domain=2").json()
    assert body["card"]["external_id"] == "fc-d2-0" and body["is_new"] is True
    assert api.get("/api/flashcards/next/?domain=9").status_code == 400
    rated = api.post(f"/api/flashcards/{cards[1].pk}/rating/", {"rating": 1}, format="json")
    assert rated.status_code == 200 and rated.json()["last_rating"] == 1
    bad = api.post(f"/api/flashcards/{cards[1].pk}/rating/", {"rating": 7}, format="json")
    assert bad.status_code == 400
    missing = api.post("/api/flashcards/999999/rating/", {"rating": 3}, format="json")
    assert missing.status_code == 400 and "does not exist" in missing.json()["detail"]
    due = api.get("/api/review-cards/due/").json()
    assert set(due) == {"due", "flashcards", "total"}
