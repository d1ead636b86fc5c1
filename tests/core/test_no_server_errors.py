"""Crawl every URL pattern with garbage ids, parameters and forms: nothing may answer 5xx."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from core.content import LoadReport
from labs import services as lab_services
from labs.loading import load_labs
from labs.models import Lab
from quizzes import services as quiz_services
from quizzes.services import PracticeFilters
from tests.courses.content import load, write_content
from tests.labs.test_spec import make_lab
from tests.quizzes.bank import make_bank

HUGE = "99999999999999999999999"  # beyond every database's 64-bit integer
GOOD_FILES = {"buildspec.yml": "version: 0.2\nphases:\n  pre_build:\n    commands: [echo hi]\n"}

# Query parameters the views read, plus paging knobs, all with nonsense values (NUL characters
# too: PostgreSQL refuses them in text, SQLite does not).
GARBAGE_QUERY = {
    "q": "%' OR 1=1 --\x00" + "x" * 500,
    "tag": "no-such-\x00tag",
    "domain": "-7",
    "difficulty": "impossible",
    "status": "\x7f",
    "sort": "__class__",
    "dir": "sideways",
    "flagged": "maybe",
    "a": "abc",
    "b": HUGE,
    "page": "-1",
    "limit": "abc",
    "offset": HUGE,
    "due": "maybe",
    "next": "https://evil.example/",
}
# Fields the forms read, filled with nonsense (lists where one value is expected, and back).
GARBAGE_FORM = {
    "done": "maybe",
    "option": ["Z", "A", "A", "%", "\x00"],
    "action": "explode",
    "flagged": "sure",
    "go": HUGE,
    "decision": "perhaps",
    "file:buildspec.yml": "\t: [\x00",
    "mode": "party",
    "count": "-5",
    "domains": ["9", "x"],
    "tags": ["no-such-tag"],
    "difficulties": ["impossible"],
    "only_wrong": "2",
    "retention": "1.5",
    "desired_retention": "abc",
    "username": "a\x00" * 150,
    "password1": "x",
    "password2": "y",
    "markdown": "---\n!!python/object:os.system [ls]\n",
    "text": "{{ 7*7 }}\x00",
    "files": "not-a-dict",
}


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full template (`quizzes/attempts/<int:attempt_id>/`) and name."""

    template: str
    name: str


def _routes(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[Route]:
    routes = []
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            continue  # regex patterns: the admin's, crawled from its registry below
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += _routes(entry, prefix + str(pattern), ns)
        elif isinstance(entry, URLPattern):
            routes.append(Route(prefix + str(pattern), f"{namespace}{entry.name}"))
    return routes


PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _fill(template: str, values: dict[str, str]) -> str:
    return "/" + PARAM.sub(lambda m: values[m["name"]], template)


@dataclass
class Seed:
    """Ids and slugs of real objects, some the learner's, some another learner's."""

    by_name: dict[str, list[str]]

    def variants(self, template: str) -> list[str]:
        """The path with real values, then each parameter in turn replaced by garbage."""
        params = [(m["name"], m["converter"] or "str") for m in PARAM.finditer(template)]
        if not params:
            return ["/" + template]
        choices = [self._values(name, converter) for name, converter in params]
        names = [name for name, _ in params]
        baseline = {name: values[0] for name, values in zip(names, choices, strict=True)}
        paths = {_fill(template, baseline)}
        for name, values in zip(names, choices, strict=True):
            for value in values[1:]:
                paths.add(_fill(template, {**baseline, name: value}))
        # Every combination of the real values too (mine and someone else's).
        real = [values[:2] for values in choices]
        for combo in product(*real):
            paths.add(_fill(template, dict(zip(names, combo, strict=True))))
        return sorted(paths)

    def _values(self, name: str, converter: str) -> list[str]:
        real = self.by_name.get(name, [])
        garbage = {
            "int": ["0", HUGE],
            "slug": ["no-such-thing", "0"],
            "str": ["no such thing", "%C3%A9%00"],
            "path": ["a/b/../c", "x"],
        }[converter]
        return [*real, *garbage] if real else garbage


@pytest.fixture
def seed(db, tmp_path, learner, other_learner, instructor) -> Seed:
    """A module with lessons, a small bank, a lab, and attempts and submissions of two learners."""
    load(write_content(tmp_path / "content"))
    questions = make_bank({1: 3, 2: 3, 3: 3, 4: 3})
    make_lab(tmp_path / "labs-root")
    load_labs(tmp_path / "labs-root", LoadReport())
    lab = Lab.objects.get(slug="fix-buildspec")
    mine = quiz_services.attempt_start_practice(learner, PracticeFilters(count=3))
    theirs = quiz_services.attempt_start_practice(other_learner, PracticeFilters(count=3))
    finished = quiz_services.attempt_start_practice(learner, PracticeFilters(count=2))
    quiz_services.attempt_submit(finished)
    my_submission = lab_services.submission_create(learner, lab, GOOD_FILES)
    their_submission = lab_services.submission_create(other_learner, lab, GOOD_FILES)
    return Seed(
        {
            "module_slug": ["codebuild-basics"],
            "lesson_slug": ["buildspec-structure"],
            "slug": [lab.slug],
            "attempt_id": [str(mine.pk), str(theirs.pk), str(finished.pk)],
            "position": ["1", "3", "4"],
            "index": ["0", "1"],
            "pk": [str(my_submission.pk), str(their_submission.pk)],
            "question_id": [str(questions[0].pk)],
        }
    )


def _client(role: str, users: dict) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _crawl(client: Client, user, paths: list[str]) -> list[str]:
    problems: list[str] = []
    for path in paths:
        for method, data in (
            ("GET", None),
            ("GET", GARBAGE_QUERY),
            ("POST", {}),
            ("POST", GARBAGE_FORM),
            *((method, None) for method in ("PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")),
        ):
            if user is not None:
                # Signed in again before every request: the crawl also posts to /logout/.
                client.force_login(user)
            send = getattr(client, method.lower())
            # Garbage also comes as an htmx request: those views answer with partials.
            headers = {"HX-Request": "true"} if data else {}
            if method in ("GET", "POST"):
                response = send(path, data, headers=headers)
            else:
                response = send(path)
            label = f"{method} {'garbage' if data else 'plain'}"
            problems += _problems(response, label, path)
    return problems


def _problems(response, method: str, path: str) -> list[str]:
    where = f"{method} {path}"
    if response.status_code >= 500:
        return [f"{where} -> {response.status_code}"]
    if response.status_code == 404 and not path.startswith("/api/"):
        names = [t.name for t in response.templates]
        if "404.html" not in names:
            return [f"{where} -> 404 without the styled page (templates: {names})"]
    return []


def _admin_paths() -> list[str]:
    """Every registered model's admin pages, with a real id, a missing one and garbage."""
    paths = ["/admin/", "/admin/courses/", "/admin/no-such-app/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        ids = [str(first)] if first is not None else []
        for object_id in [*ids, HUGE, "not-an-id"]:
            paths += [f"{base}{object_id}/change/", f"{base}{object_id}/delete/"]
            paths.append(f"{base}{object_id}/history/")
        paths += [base, f"{base}add/"]
    return paths


ROLES = ["anonymous", "learner", "instructor"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_survives_garbage(role, seed, learner, instructor, settings):
    settings.DEBUG = False
    user = {"anonymous": None, "learner": learner, "instructor": instructor}[role]
    client = Client(raise_request_exception=False)
    routes = _routes(get_resolver())
    assert len(routes) > 30, "the crawl must see the site's URL patterns"
    paths = [path for route in routes for path in seed.variants(route.template)]
    if role == "instructor":
        paths += _admin_paths()
    problems = _crawl(client, user, paths)
    assert not problems, "\n".join(problems)


def test_crawl_sees_other_learners_objects_as_404(seed, learner, other_learner):
    """The garbage crawl's 'other user' ids are real: the owner can open them, others cannot."""
    theirs = seed.by_name["attempt_id"][1]
    owner = _client("learner", {"learner": other_learner})
    stranger = _client("learner", {"learner": learner})
    assert owner.get(f"/quizzes/attempts/{theirs}/").status_code in (200, 302)
    response = stranger.get(f"/quizzes/attempts/{theirs}/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_signup_rejects_garbage_without_creating_a_user(db, client):
    before = get_user_model().objects.count()
    response = client.post("/accounts/signup/", GARBAGE_FORM)
    assert response.status_code in (200, 400)
    assert get_user_model().objects.count() == before


def test_crawl_detects_a_server_error(db, monkeypatch, settings):
    """The crawl's detector works: a view that raises is reported, not raised into the test."""
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("response class broken")

    # (A down database is a 503 from /healthz on purpose: break something it does not guard.)
    monkeypatch.setattr("core.views.JsonResponse", broken)
    problems = _crawl(Client(raise_request_exception=False), None, ["/healthz"])
    assert problems and all("/healthz -> 500" in p for p in problems)
