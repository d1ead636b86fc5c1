"""The shared `academy` template filters and the accessible progress bar."""

from __future__ import annotations

from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load academy %}" + source).render(Context(context))


def test_exam_labels():
    assert render("{{ 3|domain_label }}") == "Domain 3: Deployment"
    assert render("{{ '3.4'|task_label }}") == "Task 3.4: Deploy code by using AWS CI/CD services"
    assert render("{{ 'codebuild'|tag_label }}") == "AWS CodeBuild"
    assert render("{{ 'nope'|tag_label }}") == "nope"


def test_percent_handles_zero_and_rounding():
    assert render("{{ 1|percent:3 }}") == "33"
    assert render("{{ 0|percent:0 }}") == "0"


def test_progress_bar_is_accessible_and_escapes_its_label():
    html = render("{% progress_bar 1 4 label %}", label="<b>Module</b>")
    assert 'role="progressbar"' in html and 'aria-valuenow="25"' in html
    assert 'aria-label="&lt;b&gt;Module&lt;/b&gt;"' in html
    assert "1 of 4 done" in html and "width: 25%" in html
