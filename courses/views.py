"""Study pages: thin views that parse the request and call selectors and services."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.services import is_instructor
from core.hooks import topic_links
from courses import selectors, services

MAX_QUERY_LENGTH = 200


@require_GET
def module_list(request: HttpRequest) -> HttpResponse:
    """Every published module with the learner's progress and a resume link."""
    context = {
        "rows": selectors.module_rows(request.user),
        "resume": selectors.resume_lesson(request.user),
        "nav_active": "study",
    }
    return render(request, "courses/module_list.html", context)


@require_GET
def module_detail(request: HttpRequest, module_slug: str) -> HttpResponse:
    """A module's lessons in order, with done ticks for a signed-in learner."""
    module = selectors.module_for_viewer(module_slug, request.user)
    if module is None:
        raise Http404("No such module.")
    preview = is_instructor(request.user)
    rows = selectors.module_lessons(module, request.user, preview=preview)
    context = {
        "module": module,
        "rows": rows,
        "done_count": sum(1 for row in rows if row.done and row.lesson.published),
        "lesson_count": sum(1 for row in rows if row.lesson.published),
        "nav_active": "study",
    }
    return render(request, "courses/module_detail.html", context)


@require_GET
def lesson_detail(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    """A lesson: table of contents, body, previous/next, done toggle, related quizzes and labs."""
    lesson = selectors.lesson_for_viewer(module_slug, lesson_slug, request.user)
    if lesson is None:
        raise Http404("No such lesson.")
    progress = services.progress_record_view(request.user, lesson)
    previous, following = selectors.course_neighbours(lesson)
    context = {
        "lesson": lesson,
        "module": lesson.module,
        "done": bool(progress and progress.done_at),
        "previous": previous,
        "next": following,
        "links": topic_links(lesson.tags),
        "nav_active": "study",
    }
    return render(request, "courses/lesson_detail.html", context)


@require_POST
def lesson_progress(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    """Mark a lesson done or not done; htmx gets the updated control, a plain form a redirect."""
    lesson = selectors.lesson_for_viewer(module_slug, lesson_slug, request.user)
    if lesson is None:
        raise Http404("No such lesson.")
    if not request.user.is_authenticated:
        # Back to the lesson (a GET page) after logging in, not to this POST-only URL.
        return redirect_to_login(lesson.get_absolute_url())
    value = request.POST.get("done")
    if value not in {"0", "1"}:
        return HttpResponseBadRequest("Send done=1 to mark the lesson done or done=0 to undo.")
    progress = services.progress_set_done(request.user, lesson, done=value == "1")
    if getattr(request, "htmx", False):  # set by django-htmx's middleware
        context = {"lesson": lesson, "done": progress.done_at is not None, "announce": True}
        return render(request, "courses/_progress_form.html", context)
    return redirect(lesson)


@require_GET
def lesson_search(request: HttpRequest) -> HttpResponse:
    """Full-text search over published lessons."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    hits = selectors.lesson_search(query) if query else []
    context = {"query": query, "hits": hits, "nav_active": "study"}
    return render(request, "courses/search.html", context)
