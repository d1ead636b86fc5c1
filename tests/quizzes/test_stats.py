"""Item statistics on a fixture with known answers; values computed by hand in the comments."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from quizzes import stats
from quizzes.models import AttemptItem, Option
from quizzes.services import _attempt_create, attempt_answer
from tests.quizzes.bank import make_question

pytestmark = pytest.mark.django_db

# Six learners, strongest first, answering four single-answer questions (1 = right).
#            Q1 Q2 Q3 Q4   total
# L1          1  1  1  0     3
# L2          1  1  1  0     3
# L3          1  1  0  0     2
# L4          1  0  0  1     2
# L5          0  0  0  1     1
# L6          0  0  0  1     1
# Wrong answers pick the option at file position 1, except L3 on Q4 who picks position 2.
# Q1 is a healthy item; Q4 is "broken": only the weakest learners get it right.
SCORES = [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1]]


@pytest.fixture
def fixture_bank(django_user_model, t0):
    from accounts.services import user_create

    questions = [
        make_question("stat-q1", domain=1),
        make_question("stat-q2", domain=1),
        make_question("stat-q3", domain=2),
        make_question("stat-q4", domain=3),
    ]
    for n, row in enumerate(SCORES, start=1):
        user = user_create(username=f"learner{n}", password="pw-stats-123")
        attempt = _attempt_create(user, "practice", [q.pk for q in questions], now=t0, seed=n)
        for position, right in enumerate(row, start=1):
            item = attempt.items.get(position=position)
            wanted = 0 if right else (2 if (n, position) == (3, 4) else 1)
            option_id = Option.objects.get(question=item.question_id, position=wanted).pk
            letter = "ABCD"[item.option_order.index(option_id)]
            attempt_answer(attempt, position, [letter], now=t0)
        # Q1 took 10, 20, … 60 seconds.
        AttemptItem.objects.filter(attempt=attempt, position=1).update(time_spent_ms=n * 10_000)
    return questions


def by_id() -> dict[str, stats.ItemStat]:
    return {s.external_id: s for s in stats.item_statistics()}


def test_pearson():
    assert stats.pearson([1, 0, 1, 0], [1, 0, 1, 0]) == pytest.approx(1.0)
    assert stats.pearson([1, 1], [0.2, 0.9]) is None  # no variance in the item score


def test_facility_and_discrimination_match_hand_computation(fixture_bank):
    rows = by_id()
    q1, q4 = rows["stat-q1"], rows["stat-q4"]
    assert q1.responses == q4.responses == 6
    # Facility: 4/6 and 3/6.
    assert q1.facility == 66.7 and q4.facility == 50.0
    # Q1: item x = 1 1 1 1 0 0, rest = (total − x)/3 = 2/3 2/3 1/3 1/3 1/3 1/3.
    # Sxy = 2/9, Sxx = 4/3, Syy = 4/27 → r = (2/9) / sqrt(16/81) = 0.5 → 50.0.
    assert q1.discrimination == 50.0
    # Q4: x = 0 0 0 1 1 1, rest = 1 1 2/3 1/3 0 0. Sxy = −7/6, Sxx = 3/2, Syy = 19/18
    # → r = −(7/6) / sqrt(19/12) = −0.9272 → −92.7.
    assert q4.discrimination == -92.7
    assert q1.avg_time_s == 35.0


def test_distractor_rates_and_flags(fixture_bank):
    q1, q4 = by_id()["stat-q1"], by_id()["stat-q4"]
    # Q4: key (position 0) 3 of 6; position 1 chosen by L1, L2; position 2 by L3.
    assert [(o.position, o.correct, o.rate) for o in q4.options] == [
        (0, True, 50.0),
        (1, False, 33.3),
        (2, False, 16.7),
        (3, False, 0.0),
    ]
    # Top 27 % of 6 → 2 responses (L1, L2, the best rest scores): both chose position 1.
    assert [o.top_rate for o in q4.options] == [0.0, 100.0, 0.0, 0.0]
    assert q4.flags == ["negative discrimination", "top group prefers a distractor"]
    assert q1.flags == []


def test_sorting_puts_missing_values_last(fixture_bank):
    make_question("never-answered", domain=4)
    ordered = stats.sort_stats(stats.item_statistics(), "discrimination", descending=False)
    assert ordered[0].external_id == "stat-q4" and ordered[-1].external_id == "never-answered"


def test_domain_results_across_learners(fixture_bank):
    rows = {r.number: r for r in stats.domain_statistics()}
    # Domain 1 holds Q1 and Q2: 4 + 3 right out of 12.
    assert (rows[1].learners, rows[1].responses, rows[1].percent_correct) == (6, 12, 58.3)
    assert rows[4].responses == 0 and rows[4].percent_correct is None


def test_instructor_pages_and_csv(instructor_client, fixture_bank):
    page = instructor_client.get(reverse("quizzes:item_stats") + "?sort=discrimination")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("stat-q4") < html.index("stat-q1")  # ascending: the broken item first
    assert "negative discrimination" in html
    flagged = instructor_client.get(reverse("quizzes:item_stats") + "?flagged=1").content.decode()
    assert "stat-q4" in flagged and "stat-q1" not in flagged
    response = instructor_client.get(reverse("quizzes:item_stats_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    q4 = next(r for r in rows if r["question"] == "stat-q4")
    assert q4["facility_percent"] == "50.0" and q4["discrimination_x100"] == "-92.7"
    assert q4["option_rates"] == "*1:50.0; 2:33.3; 3:16.7; 4:0.0"
    domains = instructor_client.get(reverse("quizzes:domain_stats_csv")).content.decode()
    assert "1 Development with AWS Services,6,12,58.3," in domains


def test_learners_cannot_see_statistics(learner_client, client):
    for name in ("quizzes:item_stats", "quizzes:item_stats_csv", "quizzes:domain_stats"):
        assert learner_client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse("quizzes:item_stats")).status_code == 302


def test_preview_shows_the_question_to_instructors(instructor_client, learner):
    question = make_question("preview-me", domain=2)
    url = reverse("quizzes:question_preview", args=[question.pk])
    page = instructor_client.get(url).content.decode()
    assert "Stem of preview-me" in page and "WHY-0-preview-me" in page
    instructor_client.force_login(learner)
    assert instructor_client.get(url).status_code == 403
