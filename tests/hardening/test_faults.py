"""Faults give a clear, retryable answer: broker down, database locked, bad or huge API bodies."""

from __future__ import annotations

import json
import time

import pytest
from django.db import OperationalError
from django.test import Client

from config.celery import app as celery_app
from labs import services as lab_services
from labs.models import Lab, Submission
from tests.hardening.test_races import GOOD, small_lab

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def _reset_broker_pools() -> None:
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker(monkeypatch):
    """The Celery app pointed at a broker that refuses connections (Redis on a closed port)."""
    _reset_broker_pools()
    # Celery reads CELERY_BROKER_URL from the environment before its settings (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)
    monkeypatch.setitem(celery_app.conf, "broker_url", DEAD_BROKER)
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    yield
    _reset_broker_pools()  # the next user rebuilds them from the restored settings


@pytest.fixture
def lab(db) -> Lab:
    return small_lab()


@pytest.mark.django_db(transaction=True)  # real commits: the queueing runs after commit
def test_broker_down_keeps_the_submission_and_says_queued(
    learner_client, learner, lab, dead_broker
) -> None:
    started = time.monotonic()
    response = learner_client.post(
        f"/api/labs/{lab.slug}/submissions/",
        {"files": {"buildspec.yml": GOOD}},
        content_type="application/json",
    )
    assert time.monotonic() - started < 5  # a short publish retry, not the default minutes
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["log"].startswith("Queued, grading will start shortly")
    saved = Submission.objects.get(pk=body["id"])
    assert saved.status == Submission.Status.QUEUED  # kept for the beat recovery
    assert "no need to submit again" in saved.log
    page = learner_client.get(f"/labs/submissions/{saved.pk}/")
    assert b"Queued, grading will start shortly" in page.content


def test_recovery_requeues_a_queued_submission_once_the_broker_is_back(
    learner, lab, settings, monkeypatch
) -> None:
    sub = Submission.objects.create(user=learner, lab=lab, number=1, files={}, max_score=10)
    settings.LAB_GRADING_STALE_SECONDS = 0
    queued: list[int] = []
    monkeypatch.setattr(lab_services, "grading_enqueue", queued.append)
    assert lab_services.submissions_recover_stale() == [sub.pk]
    assert queued == [sub.pk]


def test_healthz_reports_database_and_broker(client, db) -> None:
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_fails_when_the_broker_is_down(client, db, dead_broker) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["broker"].startswith("error:")
    assert response["Retry-After"]


def test_healthz_fails_when_the_database_is_down(client, db, monkeypatch) -> None:
    class Down:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr("core.views.connection", Down())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error: OperationalError")


def _locked(*args, **kwargs):
    raise OperationalError("database is locked")


def test_locked_database_is_a_503_with_retry_after_in_the_api(learner_client, monkeypatch):
    monkeypatch.setattr("labs.selectors.lab_list", _locked)
    response = learner_client.get("/api/labs/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    assert "try again in 5 seconds" in response.json()["detail"]


def test_locked_database_is_a_503_page_on_the_site(learner_client, monkeypatch):
    monkeypatch.setattr("core.views.dashboard_panels", _locked)
    learner_client.raise_request_exception = False
    response = learner_client.get("/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Busy, try again shortly" in response.content


def test_deeply_nested_json_is_a_400(learner_client) -> None:
    body = "[" * 30_000 + "]" * 30_000
    response = learner_client.post("/api/check/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_malformed_json_is_a_400(learner_client) -> None:
    response = learner_client.post("/api/check/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_ten_megabyte_body_is_a_json_413(db) -> None:
    client = Client(raise_request_exception=False)
    body = json.dumps({"text": "x" * 10_000_000, "kind": "template"})
    response = client.post("/api/check/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert "10,000,0" in detail and "at most 2,621,440 bytes" in detail


def test_oversized_body_without_length_header_is_a_json_413(learner_client, settings):
    # A body Django refuses while reading it (no Content-Length to check up front).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    from core.middleware import ServiceFaultMiddleware

    middleware = ServiceFaultMiddleware(lambda request: None)
    from django.core.exceptions import RequestDataTooBig
    from django.test import RequestFactory

    request = RequestFactory().post("/api/check/", "{}", content_type="application/json")
    response = middleware.process_exception(request, RequestDataTooBig("too big"))
    assert response.status_code == 413 and json.loads(response.content)["max_bytes"] == 1_000


@pytest.mark.parametrize("bomb", ["foreach", "plain-2500"])
def test_template_bombs_through_the_api_answer_within_2_s(learner_client, bomb) -> None:
    from tests.hardening.test_template_budget import FOREACH_BOMB, plain

    text = FOREACH_BOMB if bomb == "foreach" else plain(2_500, named=False)
    started = time.monotonic()
    response = learner_client.post(
        "/api/check/", {"text": text, "kind": "auto"}, content_type="application/json"
    )
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    (finding,) = [f for f in response.json()["findings"] if f["code"] == "TP003"]
    assert finding["message"].startswith("template too complex to check here:")


def test_web_requests_give_cfn_lint_at_most_the_web_wall_time(learner_client, monkeypatch):
    from simulator import _template

    seen = []
    real = _template.run_budgeted

    def spy(func, budget):
        seen.append(budget.wall_seconds)
        return real(func, budget)

    monkeypatch.setattr(_template, "run_budgeted", spy)
    text = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
    learner_client.post(
        "/api/check/", {"text": text, "kind": "template"}, content_type="application/json"
    )
    assert seen == [1.6]
    simulator_check = _template.TEMPLATE_BUDGET.wall_seconds
    assert simulator_check >= 10  # graders and the CLI, off the request path, wait longer
