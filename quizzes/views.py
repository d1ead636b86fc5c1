"""Quiz pages: start sets, one question at a time, exam review and submit, results, settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.exam import DOMAINS, domain_label
from quizzes import selectors, services
from quizzes.errors import AttemptClosed, QuizError
from quizzes.forms import PracticeForm, RetentionForm
from quizzes.models import Attempt
from quizzes.scoring import EXAM_MINUTES, EXAM_QUESTIONS, PASS_MARK, PASS_RAW_PERCENT


def _attempt_for(request: HttpRequest, attempt_id: int) -> Attempt:
    """The learner's attempt (404 otherwise), finalised first when its deadline has passed."""
    attempt = selectors.attempt_get_for_user(request.user, attempt_id)
    return services.attempt_expire_if_due(attempt)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Autosave") == "1" or "application/json" in request.headers.get(
        "Accept", ""
    )


def _closed(request: HttpRequest, attempt: Attempt, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"detail": message, "result_url": reverse("quizzes:attempt_result", args=[attempt.pk])},
            status=409,
        )
    return render(
        request,
        "quizzes/closed.html",
        {"attempt": attempt, "message": message, "nav_active": "quizzes"},
        status=409,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Start practice, an exam or a review; see recent attempts."""
    initial = {"count": 10}
    if request.GET.get("tag"):
        initial["tags"] = [request.GET["tag"]]
    if request.GET.get("domain", "").isdigit():
        initial["domains"] = [int(request.GET["domain"])]
    running_exam = (
        Attempt.objects.filter(user=request.user, mode=Attempt.EXAM, status=Attempt.IN_PROGRESS)
        .order_by("-started_at")
        .first()
    )
    if running_exam is not None:
        running_exam = services.attempt_expire_if_due(running_exam)
        if running_exam.finished:
            running_exam = None
    context = {
        "form": PracticeForm(initial=initial),
        "running_exam": running_exam,
        "due": selectors.due_count(request.user),
        "attempts": selectors.attempts_for_user(request.user, limit=10),
        "bank": selectors.bank_summary(),
        "exam_questions": EXAM_QUESTIONS,
        "exam_minutes": EXAM_MINUTES,
        "nav_active": "quizzes",
    }
    return render(request, "quizzes/home.html", context)


@login_required
@require_POST
def practice_start(request: HttpRequest) -> HttpResponse:
    """Create a practice set from the form's filters."""
    form = PracticeForm(request.POST)
    if form.is_valid():
        try:
            attempt = services.attempt_start_practice(request.user, form.filters())
        except QuizError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("quizzes:attempt_question", attempt.pk, 1)
    context = {
        "form": form,
        "due": selectors.due_count(request.user),
        "attempts": selectors.attempts_for_user(request.user, limit=10),
        "bank": selectors.bank_summary(),
        "exam_questions": EXAM_QUESTIONS,
        "exam_minutes": EXAM_MINUTES,
        "nav_active": "quizzes",
    }
    return render(request, "quizzes/home.html", context, status=400)


@login_required
@require_POST
def exam_start(request: HttpRequest) -> HttpResponse:
    """Start (or resume) the timed exam simulation."""
    try:
        attempt = services.attempt_start_exam(request.user)
    except QuizError as exc:
        messages.error(request, exc.message)
        return redirect("quizzes:home")
    return redirect(
        "quizzes:attempt_question", attempt.pk, selectors.attempt_first_open_position(attempt)
    )


@login_required
@require_POST
def review_start(request: HttpRequest) -> HttpResponse:
    """Start a spaced-review session of the due cards."""
    try:
        attempt = services.attempt_start_review(request.user)
    except QuizError as exc:
        messages.info(request, exc.message)
        return redirect("quizzes:home")
    return redirect("quizzes:attempt_question", attempt.pk, 1)


@login_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Resume where the learner left off, or show the result."""
    attempt = _attempt_for(request, attempt_id)
    if attempt.finished:
        return redirect("quizzes:attempt_result", attempt.pk)
    return redirect(
        "quizzes:attempt_question", attempt.pk, selectors.attempt_first_open_position(attempt)
    )


def _remaining_seconds(attempt: Attempt) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - timezone.now()).total_seconds()))


@login_required
@require_http_methods(["GET", "POST"])
def attempt_question(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """One question. Exam: answers and flags save as you go. Practice/review: check, then see
    every option's explanation."""
    attempt = _attempt_for(request, attempt_id)
    if request.method == "POST":
        return _answer(request, attempt, position)
    if attempt.finished and attempt.mode == Attempt.EXAM:
        return redirect("quizzes:attempt_result", attempt.pk)
    view = selectors.attempt_item_view(attempt, position)
    if not attempt.finished:
        services.attempt_item_view(attempt, position, answered=view.item.answered_at is not None)
    total = len(view.nav)
    context = {
        "attempt": attempt,
        "view": view,
        "position": position,
        "total": total,
        "previous": position - 1 if position > 1 else None,
        "next": position + 1 if position < total else None,
        "remaining_seconds": _remaining_seconds(attempt),
        "lesson_url": selectors.lesson_url(view.question.lesson_ref)
        if view.revealed and view.question.lesson_ref
        else "",
        "nav_active": "quizzes",
    }
    return render(request, "quizzes/question.html", context)


def _answer(request: HttpRequest, attempt: Attempt, position: int) -> HttpResponse:
    letters = request.POST.getlist("option")
    action = request.POST.get("action", "save")
    try:
        if attempt.mode == Attempt.EXAM:
            flagged = request.POST.get("flagged") == "on"
            if action == "flag-only":
                services.attempt_flag(attempt, position, flagged)
            else:
                services.attempt_answer(attempt, position, letters, flagged=flagged)
        else:
            result = services.attempt_answer(attempt, position, letters)
            if _wants_json(request):
                return JsonResponse({"saved": True, "correct": result.correct})
            return redirect("quizzes:attempt_question", attempt.pk, position)
    except AttemptClosed as exc:
        return _closed(request, attempt, exc.message)
    except QuizError as exc:
        if _wants_json(request):
            return JsonResponse({"detail": exc.message}, status=400)
        messages.error(request, exc.message)
        return redirect("quizzes:attempt_question", attempt.pk, position)
    if _wants_json(request):
        return JsonResponse({"saved": True})
    go = request.POST.get("go", "")
    if go == "review":
        return redirect("quizzes:attempt_review", attempt.pk)
    if go.isdigit():
        return redirect("quizzes:attempt_question", attempt.pk, int(go))
    return redirect("quizzes:attempt_question", attempt.pk, position)


@login_required
def attempt_review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The exam's review screen: answered, unanswered and flagged questions, then submit."""
    attempt = _attempt_for(request, attempt_id)
    if attempt.finished:
        return redirect("quizzes:attempt_result", attempt.pk)
    nav = selectors.attempt_nav(attempt)
    context = {
        "attempt": attempt,
        "nav": nav,
        "unanswered": sum(not e.answered for e in nav),
        "flagged": sum(e.flagged for e in nav),
        "remaining_seconds": _remaining_seconds(attempt),
        "nav_active": "quizzes",
    }
    return render(request, "quizzes/review.html", context)


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Submit the exam (a second submission lands on the result with a note)."""
    attempt = _attempt_for(request, attempt_id)
    try:
        services.attempt_submit(attempt)
    except AttemptClosed as exc:
        messages.info(request, exc.message)
    return redirect("quizzes:attempt_result", attempt.pk)


@login_required
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Score, per-domain results, time per question and the full review with explanations."""
    attempt = _attempt_for(request, attempt_id)
    if not attempt.finished:
        if attempt.mode == Attempt.EXAM:
            messages.info(request, "Submit the exam to see your result.")
            return redirect("quizzes:attempt_review", attempt.pk)
        return redirect("quizzes:attempt_detail", attempt.pk)
    context = {
        "attempt": attempt,
        "result": selectors.attempt_result(attempt),
        "pass_mark": PASS_MARK,
        "pass_raw": PASS_RAW_PERCENT,
        "nav_active": "quizzes",
    }
    return render(request, "quizzes/result.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_settings(request: HttpRequest) -> HttpResponse:
    """The desired-retention setting of spaced review."""
    form = RetentionForm(
        request.POST or None,
        initial={"desired_retention": services.desired_retention(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        services.settings_update(
            request.user, desired_retention_value=form.cleaned_data["desired_retention"]
        )
        messages.success(request, "Saved: future reviews use the new retention.")
        return redirect("quizzes:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "quizzes/settings.html", {"form": form, "nav_active": "quizzes"}, status=status
    )


def domain_choices() -> list[tuple[int, str]]:
    """(number, label) of the exam domains, for templates."""
    return [(d, domain_label(d)) for d in DOMAINS]
