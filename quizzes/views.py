"""Quiz pages: start sets, one question at a time, exam review and submit, results, settings."""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.exam import DOMAINS, TASKS, TOPIC_TAGS, domain_label
from core.http import request_user
from quizzes import hooks, selectors, services
from quizzes.errors import AttemptClosed, InvalidAnswer, QuizError
from quizzes.forms import PracticeForm, ReportForm, RetentionForm
from quizzes.models import Attempt, ExamKind, PracticeExam
from quizzes.scoring import EXAM_MINUTES, EXAM_QUESTIONS, PASS_MARK, PASS_RAW_PERCENT
from quizzes.selectors import ItemView


def attempt_or_404(request: HttpRequest, attempt_id: int) -> Attempt:
    """The learner's own attempt, or a 404 (another learner's id looks like a missing one)."""
    attempt = selectors.attempt_get_for_user(request.user, attempt_id)
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def item_view_or_404(attempt: Attempt, position: int, *, with_nav: bool = True) -> ItemView:
    """The question at `position` of the attempt, or a 404 answer."""
    view = selectors.attempt_item_view(attempt, position, with_nav=with_nav)
    if view is None:
        raise Http404("No such question in this attempt.")
    return view


def _attempt_for(request: HttpRequest, attempt_id: int) -> Attempt:
    """The learner's attempt (404 otherwise), finalised first when its deadline has passed."""
    return services.attempt_expire_if_due(attempt_or_404(request, attempt_id))


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


def _home_context(request: HttpRequest, form: PracticeForm) -> dict:
    running_exam = (
        Attempt.objects.filter(
            user=request_user(request), mode=Attempt.EXAM, status=Attempt.IN_PROGRESS
        )
        .select_related("practice_exam")
        .order_by("-started_at")
        .first()
    )
    if running_exam is not None:
        running_exam = services.attempt_expire_if_due(running_exam)
        if running_exam.finished:
            running_exam = None
    return {
        "form": form,
        "running_exam": running_exam,
        "queue": selectors.daily_queue(request.user),
        "due": selectors.due_count(request.user),
        "attempts": selectors.attempts_for_user(request.user, limit=10),
        "bank": selectors.bank_summary(),
        "practice_exams": selectors.practice_exam_rows(request.user),
        "sections": [
            (d, domain_label(d), services.section_size(d), round(services.section_size(d) * 2))
            for d in DOMAINS
        ],
        "unseen": selectors.unseen_count(request.user),
        "exam_questions": EXAM_QUESTIONS,
        "exam_minutes": EXAM_MINUTES,
        "nav_active": "quizzes",
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Start practice, an exam or a review; see recent attempts."""
    initial: dict[str, Any] = {"count": 10}
    if request.GET.get("tag"):
        initial["tags"] = [request.GET["tag"]]
    if request.GET.get("domain", "").isdigit():
        initial["domains"] = [int(request.GET["domain"])]
    if request.GET.get("skill"):
        initial["skills"] = [request.GET["skill"]]
    return render(
        request, "quizzes/home.html", _home_context(request, PracticeForm(initial=initial))
    )


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
    return render(request, "quizzes/home.html", _home_context(request, form), status=400)


def _exam_choice(data) -> tuple[str, int | None, int | None]:
    """(kind, number, domain) from a query or form; unknown values raise QuizError."""
    kind = data.get("kind", ExamKind.RANDOM)
    if kind not in ExamKind.values:
        raise InvalidAnswer(f"Unknown kind of exam {kind!r}.")
    number = data.get("number", "")
    domain = data.get("domain", "")
    # Short digit strings only: a huge number is not an exam (and would overflow the database).
    number = int(number) if number.isdigit() and len(number) <= 3 else None
    domain = int(domain) if domain.isdigit() and len(domain) <= 2 else None
    if kind == ExamKind.NAMED and number is None:
        raise InvalidAnswer("Which practice exam? Give its number.")
    if kind == ExamKind.NAMED and not PracticeExam.objects.filter(number=number or 0).exists():
        raise InvalidAnswer(f"There is no practice exam {number}.")
    if kind == ExamKind.SECTION and domain not in DOMAINS:
        raise InvalidAnswer("Which domain? Choose 1, 2, 3 or 4.")
    return kind, number, domain


def _exam_plan(kind: str, number: int | None, domain: int | None) -> dict:
    """What the confirmation page says about the test before the clock starts."""
    if kind == ExamKind.SECTION:
        assert domain is not None  # _exam_choice refused a section test without a domain
        size = services.section_size(domain)
        return {
            "title": f"Section test: {domain_label(domain)}",
            "questions": size,
            "minutes": round(size * services.MINUTES_PER_QUESTION),
            "about": "Only this domain's questions, balanced across its task statements.",
        }
    title = {
        ExamKind.NAMED: f"Practice exam {number}",
        ExamKind.FINAL: "Final exam",
        ExamKind.RANDOM: "Random exam",
    }[ExamKind(kind)]
    about = {
        ExamKind.NAMED: "The same questions every time you take it, so you can compare retakes.",
        ExamKind.FINAL: "Only questions you have never seen, drawn to the exam's blueprint.",
        ExamKind.RANDOM: "A fresh draw to the exam's blueprint.",
    }[ExamKind(kind)]
    return {"title": title, "questions": EXAM_QUESTIONS, "minutes": EXAM_MINUTES, "about": about}


@login_required
@require_http_methods(["GET", "POST"])
def exam_start(request: HttpRequest) -> HttpResponse:
    """GET: confirm what is about to start (the clock starts on POST). POST: start or resume."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        kind, number, domain = _exam_choice(data)
    except QuizError as exc:
        messages.error(request, exc.message)
        return redirect("quizzes:home")
    if request.method == "GET":
        running = (
            Attempt.objects.filter(
                user=request_user(request), mode=Attempt.EXAM, status=Attempt.IN_PROGRESS
            )
            .select_related("practice_exam")
            .first()
        )
        if running is not None and services.attempt_expire_if_due(running).finished:
            running = None
        context = {
            "running": running,
            "plan": _exam_plan(kind, number, domain),
            "kind": kind,
            "number": number,
            "domain": domain,
            "nav_active": "quizzes",
        }
        return render(request, "quizzes/exam_confirm.html", context)
    try:
        attempt = services.attempt_start_exam(request.user, kind=kind, number=number, domain=domain)
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
        # No question is due: the same queue goes on with the due flashcards.
        if selectors.flashcards_due_count(request.user):
            return redirect("quizzes:flashcards")
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
    view = item_view_or_404(attempt, position)
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
        "lesson_url": hooks.lesson_url(view.question.lesson_ref)
        if view.revealed and view.question.lesson_ref
        else "",
        "cheatsheet": hooks.cheatsheet_links_by_slug({view.question.cheatsheet}).get(
            view.question.cheatsheet
        )
        if view.revealed
        else None,
        "show_blueprint": attempt.mode != Attempt.EXAM or attempt.finished,
        "task_title": TASKS.get(view.question.task, ""),
        "skill_labels": selectors.skill_labels() if attempt.mode != Attempt.EXAM else {},
        "report_form": ReportForm() if view.revealed else None,
        "reported": view.revealed and selectors.user_reported(request.user, view.question.pk),
        "queue": selectors.daily_queue(request.user) if attempt.finished else None,
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


REVIEW_FILTERS = {"all": "All", "unanswered": "Unanswered", "flagged": "Flagged"}


def _review_context(request: HttpRequest, attempt: Attempt) -> dict:
    nav = selectors.attempt_nav(attempt)
    show = request.GET.get("show", "all")
    show = show if show in REVIEW_FILTERS else "all"
    shown = [
        e
        for e in nav
        if show == "all"
        or (show == "unanswered" and not e.answered)
        or (show == "flagged" and e.flagged)
    ]
    return {
        "attempt": attempt,
        "nav": nav,
        "shown": shown,
        "show": show,
        "filters": REVIEW_FILTERS,
        "unanswered": sum(not e.answered for e in nav),
        "flagged": sum(e.flagged for e in nav),
        "remaining_seconds": _remaining_seconds(attempt),
        "nav_active": "quizzes",
    }


@login_required
def attempt_review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The exam's review screen: a compact grid filtered to all, unanswered or flagged
    questions, with Submit at the top (always reachable)."""
    attempt = _attempt_for(request, attempt_id)
    if attempt.finished:
        return redirect("quizzes:attempt_result", attempt.pk)
    return render(request, "quizzes/review.html", _review_context(request, attempt))


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Submit the exam. With unanswered questions, the learner confirms first (they score 0);
    a second submission lands on the result with a note."""
    attempt = _attempt_for(request, attempt_id)
    if not attempt.finished and request.POST.get("confirm") != "1":
        unanswered = attempt.items.filter(answered_at__isnull=True).count()
        if unanswered:
            context = _review_context(request, attempt)
            context["confirm_unanswered"] = unanswered
            return render(request, "quizzes/review.html", context)
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
        "cheatsheets": hooks.cheatsheet_links_by_slug(
            {i.question.cheatsheet for i in attempt.items.select_related("question")}
        ),
        "report_form": ReportForm(),
        "history": selectors.practice_exam_history(attempt),
        "queue": selectors.daily_queue(request.user),
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


@login_required
@require_POST
def attempt_report(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """Report the question at `position` (wrong, ambiguous, outdated) with a comment."""
    attempt = attempt_or_404(request, attempt_id)
    form = ReportForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith("/quizzes/"):
        back = reverse("quizzes:attempt_question", args=[attempt.pk, position])
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
        return redirect(back)
    try:
        services.question_report_create(
            request.user,
            attempt,
            position,
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
        )
    except QuizError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Thank you: an instructor will check this question.")
    return redirect(back)


# --- flashcards ----------------------------------------------------------------------------------


def _card_filters(request: HttpRequest) -> selectors.CardFilters:
    data = request.GET if request.method == "GET" else request.POST
    domain = data.get("domain", "")
    return selectors.CardFilters(
        domain=int(domain) if domain.isdigit() and int(domain) in DOMAINS else None,
        # Only known values reach the query: anything else (a typo, a NUL byte) means "no filter".
        task=_known(data.get("task", ""), TASKS),
        skill=data.get("skill", "") if _SKILL_ID.fullmatch(data.get("skill", "")) else "",
        tag=_known(data.get("tag", ""), TOPIC_TAGS),
    )


_SKILL_ID = re.compile(r"[1-4]\.[1-9]\.[ks][1-9][0-9]?")


def _known(value: str, allowed: Container[str]) -> str:
    return value if value in allowed else ""


@login_required
@require_http_methods(["GET", "POST"])
def flashcards(request: HttpRequest) -> HttpResponse:
    """A flashcard session: the front, then the back on "Show answer", then Again/Hard/Good/Easy.
    Due cards first, then new ones (20 a day); filters by domain, task, skill or topic."""
    filters = _card_filters(request)
    if request.method == "POST":
        card_id = request.POST.get("card", "")
        rating = request.POST.get("rating", "")
        try:
            if not (card_id.isdigit() and len(card_id) <= 12) or rating not in ("1", "2", "3", "4"):
                raise InvalidAnswer("Choose Again, Hard, Good or Easy.")
            services.flashcard_rate(request.user, int(card_id), int(rating))
        except QuizError as exc:
            messages.error(request, exc.message)
        url = reverse("quizzes:flashcards")
        return redirect(f"{url}?{filters.query()}" if filters.query() else url)
    session = selectors.flashcard_next(
        request.user, filters, now=timezone.now(), per_day=services.NEW_FLASHCARDS_PER_DAY
    )
    context = {
        "session": session,
        "filters": filters,
        "facets": selectors.flashcard_facets(),
        "skill_labels": selectors.skill_labels(),
        "ratings": [(1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy")],
        "queue": selectors.daily_queue(request.user),
        "nav_active": "quizzes",
    }
    return render(request, "quizzes/flashcards.html", context)


# --- cheat sheets --------------------------------------------------------------------------------


@login_required
def cheatsheet_list(request: HttpRequest) -> HttpResponse:
    """Every cheat sheet, in the authors' order."""
    return render(
        request,
        "quizzes/cheatsheet_list.html",
        {"sheets": selectors.cheatsheets_published(), "nav_active": "quizzes"},
    )


@login_required
def cheatsheet_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One cheat sheet, with practice links for its topics and skills."""
    sheet = selectors.cheatsheet_get(slug)
    if sheet is None:
        raise Http404("No such cheat sheet.")
    return render(
        request,
        "quizzes/cheatsheet_detail.html",
        {
            "sheet": sheet,
            "skill_labels": selectors.skill_labels(),
            "tag_labels": [(t, TOPIC_TAGS.get(t, t)) for t in sheet.tags],
            "nav_active": "quizzes",
        },
    )
