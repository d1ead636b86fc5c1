"""Lab pages: catalogue, the editor page, submissions with live progress, instructor views."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from core.exam import DOMAINS
from labs import selectors, services
from labs.forms import LabFilterForm
from labs.models import Lab, Submission


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (`request.htmx`)."""

    htmx: HtmxDetails


def lab_or_404(slug: str) -> Lab:
    """The published lab with this slug, or a 404 answer."""
    lab = selectors.lab_get(slug)
    if lab is None:
        raise Http404("No such lab")
    return lab


def submission_or_404(request: HttpRequest, pk: int) -> Submission:
    """A submission the user may open (their own; any for instructors), or a 404 answer."""
    submission = selectors.submission_get_for_user(request.user, pk)
    if submission is None:
        raise Http404("No such submission")
    return submission


def lab_list(request: HttpRequest) -> HttpResponse:
    """All labs grouped by exam domain, each with the skills it proves; filters (domain,
    difficulty, status, exam-guide skill) and the learner's best score."""
    form = LabFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    labs = selectors.lab_list(
        user=request.user,
        domain=int(filters["domain"]) if filters.get("domain") else None,
        difficulty=filters.get("difficulty", ""),
        status=filters.get("status", ""),
    )
    skills = selectors.skill_choices(selectors.published_labs())
    # Only a skill some lab proves reaches the filter; anything else is ignored, not an error.
    skill = request.GET.get("skill", "")
    skill = skill if any(row.code == skill for row in skills) else ""
    groups = selectors.labs_by_domain(labs, skill=skill)
    if filters.get("domain"):
        groups = [g for g in groups if g.number == int(filters["domain"])]
    return render(
        request,
        "labs/lab_list.html",
        {
            "groups": groups,
            "count": sum(len(g.labs) for g in groups),
            "form": form,
            "skills": skills,
            "skill": skill,
            "domains": DOMAINS,
            "pass_percent": selectors.PASS_PERCENT,
            "nav_active": "labs",
        },
    )


@login_required
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Instructions beside the editor; POST runs and grades the files."""
    lab = lab_or_404(slug)
    if request.method == "POST":
        files = {name: request.POST.get(f"file:{name}", "") for name in lab.spec["files"]}
        try:
            submission = services.submission_create(request.user, lab, files)
        except services.SubmissionRejected as exc:
            messages.error(request, exc.message)
            return redirect("labs:lab_detail", slug=slug)
        return redirect("labs:submission_detail", pk=submission.pk)
    revealed = services.hints_revealed(request.user, lab)
    hints = [
        {"index": i, "cost": h["cost"], "text": h["text"] if i in revealed else None}
        for i, h in enumerate(lab.spec.get("hints", []))
    ]
    files = services.draft_files(request.user, lab)
    kinds = _file_kinds(lab)
    return render(
        request,
        "labs/lab_detail.html",
        {
            "lab": lab,
            "files": [(name, text, kinds.get(name, "auto")) for name, text in files.items()],
            "hints": hints,
            "submissions": selectors.submissions_for_lab(request.user, lab)[:20],
            "domain_name": DOMAINS[lab.domain][0],
            "skill_rows": selectors.skill_rows(lab),
            "task_label": selectors.task_label(lab),
            "pass_percent": selectors.PASS_PERCENT,
            "nav_active": "labs",
        },
    )


def _file_kinds(lab: Lab) -> dict[str, str]:
    from labs.grader import file_kinds
    from labs.spec import LabSpec

    return file_kinds(LabSpec.from_dict(lab.spec))


@login_required
@require_POST
def hint_reveal(request: HttpRequest, slug: str, index: int) -> HttpResponse:
    """Reveal a hint (it costs points)."""
    lab = lab_or_404(slug)
    try:
        services.hint_reveal(request.user, lab, index)
    except services.SubmissionRejected as exc:
        messages.error(request, exc.message)
    return redirect(f"{lab_detail_url(slug)}#hints")


def lab_detail_url(slug: str) -> str:
    from django.urls import reverse

    return reverse("labs:lab_detail", args=[slug])


@login_required
def submission_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A submission: queue position, streaming log, pictures, then the grade."""
    submission = submission_or_404(request, pk)
    template = "labs/_submission_status.html" if request.htmx else "labs/submission_detail.html"
    return render(request, template, _submission_context(request, submission))


def _submission_context(request: HttpRequest, submission: Submission) -> dict[str, Any]:
    hints = submission.lab.spec.get("hints", [])
    revealed = [
        {"number": i + 1, **hints[i]}
        for i in services.hints_revealed(submission.user, submission.lab)
        if i < len(hints)
    ]
    return {
        "revealed_hints": revealed,
        "submission": submission,
        "lab": submission.lab,
        "queue_position": selectors.queue_position(submission),
        "read_only": submission.user_id != request.user.pk,
        "nav_active": "labs",
    }


@login_required
@require_POST
def submission_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Approve or reject the paused pipeline's approval action."""
    submission = submission_or_404(request, pk)
    if submission.user_id != request.user.pk:
        raise Http404("No such submission")
    try:
        submission = services.submission_decide_approval(
            submission, approve=request.POST.get("decision") == "approve"
        )
    except services.SubmissionRejected as exc:
        messages.error(request, exc.message)
    if request.htmx:
        # The live part of the page, swapped in place: it polls until the grade is in.
        submission = submission_or_404(request, pk)
        return render(
            request, "labs/_submission_status.html", _submission_context(request, submission)
        )
    return redirect("labs:submission_detail", pk=pk)


@login_required
def submission_diff(request: HttpRequest, slug: str) -> HttpResponse:
    """A diff between two of the learner's submissions of a lab (?a=number&b=number)."""
    lab = lab_or_404(slug)
    mine = {s.number: s for s in selectors.submissions_for_lab(request.user, lab)}
    try:
        a, b = mine[int(request.GET.get("a", ""))], mine[int(request.GET.get("b", ""))]
    except (KeyError, ValueError) as exc:
        raise Http404("Pick two of your submissions") from exc
    diffs = []
    for name in sorted(set(a.files) | set(b.files)):
        lines = list(
            difflib.unified_diff(
                a.files.get(name, "").splitlines(),
                b.files.get(name, "").splitlines(),
                fromfile=f"#{a.number} {name}",
                tofile=f"#{b.number} {name}",
                lineterm="",
            )
        )
        diffs.append((name, lines))
    return render(
        request,
        "labs/submission_diff.html",
        {"lab": lab, "a": a, "b": b, "diffs": diffs, "nav_active": "labs"},
    )


@staff_member_required
def lab_submissions(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Instructors: every submission of a lab, score distribution, most-failed checks, regrade."""
    lab = lab_or_404(slug)
    confirm = None
    if request.method == "POST":
        finished = lab.submissions.filter(
            status__in=[Submission.Status.GRADED, Submission.Status.ERROR]
        ).count()
        if request.POST.get("confirm") != "yes":
            # A confirmation step first: say how many gradings this queues.
            confirm = {"count": finished}
        else:
            count = services.lab_regrade_all(lab, by=request.user)
            noun = "submission" if count == 1 else "submissions"
            messages.success(
                request,
                f"Queued {count} {noun} for regrading. Learners keep their current grade "
                "until the new one is recorded; earlier gradings stay in the history.",
            )
            return redirect("labs:lab_submissions", slug=slug)
    stats = selectors.lab_statistics(lab)
    submissions = lab.submissions.select_related("user").order_by("-created_at")[:200]
    template = "labs/_lab_stats.html" if request.htmx else "labs/lab_submissions.html"
    return render(
        request,
        template,
        {
            "lab": lab,
            "stats": stats,
            "submissions": submissions,
            "confirm_regrade": confirm,
            "regrade": selectors.regrade_progress(lab),
            "nav_active": "labs",
        },
    )


@staff_member_required
def regrade_progress(request: HttpRequest, slug: str) -> JsonResponse:
    """Instructors: progress of the last "Regrade all" (total, pending, done) as JSON."""
    return JsonResponse(selectors.regrade_progress(lab_or_404(slug)))
