"""Admin for the bank (authoring with a learner-view preview) and read-only learner records."""

from __future__ import annotations

import difflib
from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from core.admin_fields import ListTextField
from core.exam import TOPIC_TAGS
from core.guide import skills_index
from core.markdown import render_markdown
from core.models import Skill
from quizzes.models import (
    Attempt,
    AttemptItem,
    Option,
    Question,
    QuizSettings,
    ReviewCard,
    ReviewLog,
)
from quizzes.services import question_mark_admin_edit
from quizzes.validation import MIN_OPTIONS


class OptionFormSet(BaseInlineFormSet):
    """The same rules as the loader: enough options, the right number of keys, explanations."""

    def clean(self) -> None:
        super().clean()
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE", False)
        ]
        qtype = self.instance.type
        choose = self.instance.choose
        n_correct = sum(bool(r.get("correct")) for r in rows)
        if len(rows) < MIN_OPTIONS.get(qtype, 4):
            raise ValidationError(
                f"A {qtype} question needs at least {MIN_OPTIONS[qtype]} options."
            )
        if qtype == Question.SINGLE and n_correct != 1:
            raise ValidationError("A single-answer question needs exactly one correct option.")
        if qtype == Question.MULTIPLE and n_correct < 2:
            raise ValidationError("A multiple-response question needs two or more correct options.")
        if n_correct != choose:
            raise ValidationError(f"'Choose' is {choose} but {n_correct} option(s) are correct.")
        texts = [" ".join(str(r.get("text", "")).lower().split()) for r in rows]
        if len(set(texts)) != len(texts):
            raise ValidationError("Two options have the same text.")
        if any(not str(r.get("explanation", "")).strip() for r in rows):
            raise ValidationError("Every option needs an explanation.")


class QuestionAdminForm(forms.ModelForm):
    """Skills are typed, the domain and task follow from the first one (as in the files)."""

    skills_text = forms.CharField(
        label="Skills",
        help_text="Exam-guide ids it tests, most important first, e.g. `1.2.s1, 3.4.k2`. "
        "The first decides the task and the domain.",
    )

    # Lists edited as text, one item per line, not as raw JSON.
    tags = ListTextField(
        separators=",",
        help_text="Topic tags, one per line (or comma-separated), e.g. codebuild.",
    )
    references = ListTextField(help_text="One reference per line (AWS documentation titles).")

    class Meta:
        model = Question
        # Not domain/task/skills: those are derived in save() (the admin's fieldsets decide).
        fields = (
            "external_id",
            "published",
            "tags",
            "difficulty",
            "cheatsheet",
            "type",
            "choose",
            "stem_markdown",
            "lesson_ref",
            "references",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["skills_text"].initial = ", ".join(self.instance.skills or [])

    def clean_skills_text(self) -> list[str]:
        known = {s.code: s for s in Skill.objects.filter(active=True)}
        codes: list[str] = []
        for code in (c.strip() for c in self.cleaned_data["skills_text"].split(",")):
            if not code:
                continue
            if code not in known:
                close = difflib.get_close_matches(code, list(known), n=1)
                hint = f" Did you mean {close[0]}?" if close else ""
                raise ValidationError(f"Unknown skill id {code!r}.{hint}")
            if code in codes:
                raise ValidationError(f"Skill {code} is listed twice.")
            codes.append(code)
        if not codes:
            raise ValidationError("Name at least one exam-guide skill id.")
        self.skill_rows = [known[c] for c in codes]
        return codes

    def save(self, commit: bool = True) -> Question:
        question = super().save(commit=False)
        codes = self.cleaned_data["skills_text"]
        question.skills = codes
        question.skills_index = skills_index(codes)
        question.domain, question.task = self.skill_rows[0].domain, self.skill_rows[0].task
        if commit:
            question.save()
            self._save_m2m()  # type: ignore[attr-defined]  # what ModelForm.save() itself calls
        return question


class OptionInline(admin.TabularInline):
    model = Option
    formset = OptionFormSet
    fields = ("position", "text", "correct", "explanation")
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionAdminForm
    list_display = ("external_id", "domain", "task", "difficulty", "type", "published", "edited")
    list_filter = ("published", "domain", "difficulty", "type", "task")
    search_fields = ("external_id", "stem_markdown", "tags_index")
    readonly_fields = (
        "domain",
        "task",
        "preview",
        "source_file",
        "source_hash",
        "loaded_at",
        "edited_in_admin_at",
    )
    inlines = [OptionInline]
    fieldsets = (
        (None, {"fields": ("external_id", "published", "skills_text", "domain", "task")}),
        ("Labels", {"fields": ("tags", "difficulty", "cheatsheet")}),
        ("Question", {"fields": ("type", "choose", "stem_markdown", "lesson_ref", "references")}),
        ("As a learner sees it", {"fields": ("preview",)}),
        ("Source", {"fields": ("source_file", "source_hash", "loaded_at", "edited_in_admin_at")}),
    )

    @admin.display(boolean=True, description="admin edit")
    def edited(self, obj: Question) -> bool:
        return obj.admin_edit_pending

    class Media:
        js = ("js/quizzes-admin.js",)

    @admin.display(description="preview")
    def preview(self, obj: Question) -> str:
        live_url = reverse("quizzes:question_preview_live")
        if not obj.pk:
            return format_html(
                '<div id="quiz-live-preview" data-url="{}">Type a stem and options to see '
                "the preview.</div>",
                live_url,
            )
        options = list(obj.options.all())
        html = render_to_string(
            "quizzes/instructor/_preview_body.html",
            {
                "question": obj,
                # Rendered from the saved Markdown, so the preview never shows stale HTML.
                "options": [
                    SimpleNamespace(
                        text_html=render_markdown(o.text).html,
                        correct=o.correct,
                        explanation_html=render_markdown(o.explanation).html,
                    )
                    for o in options
                ],
            },
        )
        link = reverse("quizzes:question_preview", args=[obj.pk])
        return format_html(
            '<div id="quiz-live-preview" data-url="{}">{}</div>'
            '<p><a href="{}" target="_blank">Open the saved version as a page</a></p>',
            live_url,
            html,
            link,
        )

    def save_model(self, request, obj: Question, form, change) -> None:
        unknown = [t for t in obj.tags or [] if t not in TOPIC_TAGS]
        if unknown:
            messages.warning(request, f"Unknown topic tag(s): {', '.join(unknown)}.")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.skill_links.set(form.skill_rows)
        # Re-render HTML and remember the edit so load_content does not silently overwrite it;
        # a Save that changed nothing pins nothing (the next load_content still updates it).
        if not change or form.has_changed() or any(fs.has_changed() for fs in formsets):
            question_mark_admin_edit(form.instance)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Learner records: visible for support, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AttemptItemInline(admin.TabularInline):
    model = AttemptItem
    fields = ("position", "question", "selected", "flagged", "correct", "time_spent_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ("pk", "user", "mode", "status", "started_at", "scaled_score", "passed")
    list_filter = ("mode", "status")
    search_fields = ("user__username",)
    inlines = [AttemptItemInline]


@admin.register(ReviewCard)
class ReviewCardAdmin(ReadOnlyAdmin):
    list_display = ("user", "question", "due", "reps", "lapses", "last_rating")
    search_fields = ("user__username", "question__external_id")


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ("card", "rating", "correct", "source", "reviewed_at", "due_after")
    list_filter = ("source", "rating")


@admin.register(QuizSettings)
class QuizSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "desired_retention")


# --- practice exams, flashcards, cheat sheets, reports (content comes from files; reports are
# resolved on the instructor page, which records who resolved them) ------------------------------

from quizzes.models import (  # noqa: E402
    CheatSheet,
    Flashcard,
    FlashcardCard,
    PracticeExam,
    QuestionReport,
)


@admin.register(PracticeExam)
class PracticeExamAdmin(ReadOnlyAdmin):
    """Built by `manage.py build_practice_exams`; shown for reference."""

    list_display = ("number", "title", "built_at", "bank_size", "seed")


@admin.register(Flashcard)
class FlashcardAdmin(ReadOnlyAdmin):
    """Loaded from content/flashcards/*.yaml: edit the file, then `load_content`."""

    list_display = ("external_id", "domain", "task", "published", "source_file")
    list_filter = ("domain", "published")
    search_fields = ("external_id", "front", "back")


@admin.register(FlashcardCard)
class FlashcardCardAdmin(ReadOnlyAdmin):
    list_display = ("user", "flashcard", "due", "reps", "lapses", "last_rating")
    search_fields = ("user__username", "flashcard__external_id")


@admin.register(CheatSheet)
class CheatSheetAdmin(ReadOnlyAdmin):
    """Loaded from content/cheatsheets/*.md: edit the file, then `load_content`."""

    list_display = ("title", "slug", "order", "published", "source_file")
    search_fields = ("title", "slug")


@admin.register(QuestionReport)
class QuestionReportAdmin(ReadOnlyAdmin):
    """Resolve reports on the instructor page (Quizzes → Question reports)."""

    list_display = ("question", "reason", "status", "user", "created_at", "resolved_by")
    list_filter = ("status", "reason")
    search_fields = ("question__external_id", "comment")
