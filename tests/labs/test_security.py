"""File names in a submission become paths on the worker: only the lab's editable files pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from labs import services
from labs.models import Draft, Submission
from simulator.scenarios._run import write_tree
from tests.labs.conftest import GOOD

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = ["../../evil.sh", "/etc/cron.d/evil", "buildspec.yml/../../x", "./buildspec.yml"]


@pytest.fixture
def no_queue(monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(services, "grading_enqueue", lambda pk, shown=None: queued.append(pk))
    return queued


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_api_submission_with_a_path_as_file_name_is_refused(lab, learner_client, no_queue, name):
    response = learner_client.post(
        f"/api/labs/{lab.slug}/submissions/",
        {"files": {name: "echo pwned", "buildspec.yml": GOOD}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Unknown file" in response.json()["detail"]
    assert not Submission.objects.exists() and no_queue == []


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_api_draft_with_a_path_as_file_name_is_refused(lab, learner_client, name):
    response = learner_client.put(
        f"/api/labs/{lab.slug}/draft/",
        {"files": {name: "echo pwned"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_form_submission_reads_only_the_editable_files(lab, learner_client, no_queue):
    learner_client.post(
        reverse("labs:lab_detail", args=[lab.slug]),
        {"file:buildspec.yml": GOOD, "file:../../evil.sh": "echo pwned"},
    )
    [submission] = Submission.objects.all()
    assert set(submission.files) == {"buildspec.yml"}


def test_stored_draft_with_a_foreign_name_is_not_handed_back(lab, learner):
    Draft.objects.create(user=learner, lab=lab, files={"buildspec.yml": GOOD, "../x": "y"})
    assert set(services.draft_files(learner, lab)) == {"buildspec.yml"}


@pytest.mark.parametrize("name", ["../escape.txt", "/abs.txt", "a/../../escape.txt"])
def test_write_tree_refuses_paths_that_leave_the_root(tmp_path: Path, name):
    root = tmp_path / "root"
    with pytest.raises(ValueError, match="unsafe path"):
        write_tree(root, {name: "x"})
    assert not (tmp_path / "escape.txt").exists()
    assert not Path("/abs.txt").exists()
