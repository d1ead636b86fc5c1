"""The pipeline picture is redrawn while the execution runs, not only at the end."""

from __future__ import annotations

import pytest
from django.conf import settings

from labs.grader import grade
from labs.spec import parse_lab

pytestmark = pytest.mark.sandbox


def test_pipeline_picture_updates_during_the_run(monkeypatch):
    from simulator.scenarios import _run as runs

    clock = iter(range(0, 10_000, 1))
    monkeypatch.setattr(runs.time, "monotonic", lambda: float(next(clock)))  # never throttled
    spec = parse_lab(settings.CONTENT_ROOT / "labs" / "complete-pipeline")
    pictures: list[tuple[str, str]] = []
    logged: list[str] = []
    result = grade(
        spec,
        spec.reference,
        on_log=logged.append,
        on_picture=lambda name, svg: pictures.append((name, svg)),
    )
    assert result.awaiting_approval  # the learner approves from the page
    names = {name for name, _svg in pictures}
    assert names == {"pipeline"}
    assert len(pictures) >= 4  # each action's start and end redraws it
    assert all("<svg" in svg for _name, svg in pictures)
    # The first drawing shows the source action in progress; a later one shows it done.
    assert pictures[0][1] != pictures[-1][1]
