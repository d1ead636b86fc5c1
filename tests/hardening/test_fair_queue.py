"""Fair grading queue: one learner's flood never delays another learner's first grading."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.services import user_create
from labs import services
from labs.models import Submission
from tests.labs.conftest import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """Wake-up messages recorded instead of sent to a broker."""
    sent: list[int] = []
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: sent.append(pk))
    return sent


def _queue(user, lab, count: int) -> list[int]:
    ids = []
    with override_settings(LAB_SUBMISSIONS_PER_MINUTE=1000):
        for _ in range(count):
            ids.append(services.submission_create(user, lab, {"buildspec.yml": GOOD}).pk)
    return ids


def _drain(slots: int) -> list[int]:
    """Two workers' worth of claims: fill the slots, finish the oldest running, repeat."""
    order: list[int] = []
    running: list[Submission] = []
    while True:
        while len(running) < slots:
            sub = services.grading_claim_next()
            if sub is None:
                break
            order.append(sub.pk)
            running.append(sub)
        if not running:
            return order
        services.grading_run(running.pop(0))


def test_b_first_grading_starts_before_most_of_a_flood(lab, learner, other_learner, published):
    flood = _queue(learner, lab, 20)
    (single,) = _queue(other_learner, lab, 1)  # B submits after all of A's twenty
    order = _drain(slots=2)
    assert sorted(order) == sorted([*flood, single])  # everything graded, each once
    assert order.index(single) <= 1  # B starts at once, not after A's twenty
    assert Submission.objects.filter(status=Submission.Status.GRADED).count() == 21


def test_a_learner_runs_at_most_the_cap_at_once(lab, learner, other_learner, published):
    flood = _queue(learner, lab, 5)
    first = services.grading_claim_next()
    assert first is not None and first.pk == flood[0]
    assert services.grading_claim_next() is None  # A is at the cap; the rest wait in the database
    (single,) = _queue(other_learner, lab, 1)
    taken = services.grading_claim_next()
    assert taken is not None and taken.pk == single
    with override_settings(LAB_RUNNING_PER_LEARNER=2):
        second = services.grading_claim_next()
    assert second is not None and second.pk == flood[1]  # then oldest first


def test_a_finished_grading_wakes_the_capped_learners_next(lab, learner, published):
    flood = _queue(learner, lab, 3)
    published.clear()
    services.grading_run(services.grading_claim_next())
    assert services.grading_wake() == flood[1]
    assert published == [flood[1]]


def test_a_lost_grading_does_not_count_against_the_cap(lab, learner, published):
    flood = _queue(learner, lab, 2)
    services.grading_claim_next()
    long_ago = timezone.now() - timedelta(hours=1)
    Submission.objects.filter(pk=flood[0]).update(heartbeat_at=long_ago, started_at=long_ago)
    taken = services.grading_claim_next()
    assert taken is not None and taken.pk == flood[0]  # the lost one comes back first (oldest)


def test_the_task_grades_the_fairest_work_not_the_one_named(lab, learner, other_learner, published):
    from labs import tasks

    flood = _queue(learner, lab, 3)
    services.grading_claim_next()  # A's first is running elsewhere
    (single,) = _queue(other_learner, lab, 1)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        tasks.grade_submission.apply(args=(flood[2],))  # the message of A's third
    assert Submission.objects.get(pk=single).status == Submission.Status.GRADED
    assert Submission.objects.get(pk=flood[2]).status == Submission.Status.QUEUED


def test_regrades_come_after_learners_own_work(lab, learner, other_learner, published):
    (old,) = _queue(learner, lab, 1)
    services.submission_grade(old)
    services.lab_regrade_all(lab)
    (fresh,) = _queue(other_learner, lab, 1)
    taken = services.grading_claim_next()
    assert taken is not None and taken.pk == fresh


def test_many_learners_each_get_a_turn_round_robin(lab, published):
    users = [user_create(username=f"u{i}", password="pw-learner-123") for i in range(3)]
    ids = {u.pk: _queue(u, lab, 3) for u in users}
    order = _drain(slots=1)
    owners = [Submission.objects.get(pk=pk).user_id for pk in order]
    firsts = [owners.index(u.pk) for u in users]
    assert max(firsts) <= 2  # every learner's first grading among the first three
    assert sorted(order) == sorted(pk for group in ids.values() for pk in group)
