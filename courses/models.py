"""Study modules, their lessons, and each learner's progress through them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

from core.exam import DOMAINS

DOMAIN_CHOICES = [(number, f"{number} {name}") for number, (name, _weight) in DOMAINS.items()]


class ContentTracking(models.Model):
    """Fields every content-as-code object shares: publication, source hash, admin edits."""

    published = models.BooleanField(default=True)
    # sha256 of the source file (plus the render version): equal hash = nothing to do.
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    loaded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when an instructor saves the object in the admin; load_content then keeps the object
    # as it is (with a warning) unless run with --force, which clears the flag.
    edited_in_admin = models.BooleanField(default=False)
    edited_in_admin_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Module(ContentTracking):
    """A study module: an ordered group of lessons on one area of the exam."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    domain = models.PositiveSmallIntegerField(choices=DOMAIN_CHOICES)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:module_detail", args=[self.slug])


class Lesson(ContentTracking):
    """One lesson: Markdown source, its rendered HTML and the exam facts it maps to."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="lessons")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    domain = models.PositiveSmallIntegerField(choices=DOMAIN_CHOICES)
    task = models.CharField(max_length=8)
    tags = models.JSONField(default=list, blank=True)
    # Exam-guide skill ids (content/exam-guide.yaml) the lesson teaches, in order; the first
    # decides `task` and `domain`. `skills_index` is "|1.2.k1|3.4.s2|" for portable filtering.
    skills = models.JSONField(default=list, blank=True)
    skills_index = models.CharField(max_length=500, blank=True, db_index=True)
    skill_links = models.ManyToManyField("core.Skill", blank=True, related_name="lessons")
    minutes = models.PositiveIntegerField(default=10)
    body_markdown = models.TextField()
    # Rendered and sanitised at load/save time, never per request.
    body_html = models.TextField(blank=True, editable=False)
    toc_html = models.TextField(blank=True, editable=False)
    # Plain text of the body: what search indexes and what snippets are cut from.
    body_text = models.TextField(blank=True, editable=False)
    # PostgreSQL full-text vector (GIN index added by a PostgreSQL-only migration); unused on
    # SQLite, where the FTS5 table courses_lesson_fts is the index.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["module__order", "module__slug", "order", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="courses_lesson_unique_slug")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:lesson_detail", args=[self.module.slug, self.slug])

    @property
    def path(self) -> str:
        """The stable reference used by questions and labs: `<module-slug>/<lesson-slug>`."""
        return f"{self.module.slug}/{self.slug}"


class LessonProgress(models.Model):
    """A learner's state on one lesson: when they last opened it and whether it is done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    # PROTECT: a lesson with learners' progress cannot be deleted, only unpublished.
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="progress")
    done_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="courses_progress_unique")
        ]
        indexes = [models.Index(fields=["user", "-last_viewed_at"], name="courses_progress_recent")]

    def __str__(self) -> str:
        state = "done" if self.done_at else "in progress"
        return f"{self.user} · {self.lesson} ({state})"
