"""Admin form for lessons: the same rules as content files (known tags, task within domain)."""

from __future__ import annotations

from django import forms

from core.exam import TASKS, TOPIC_TAGS
from courses.models import Lesson


class LessonAdminForm(forms.ModelForm):
    """Rejects what load_content would reject, with a message that says how to fix it."""

    task = forms.ChoiceField(choices=[(key, f"{key} {text}") for key, text in TASKS.items()])

    class Meta:
        model = Lesson
        fields = (
            "module",
            "slug",
            "title",
            "order",
            "published",
            "domain",
            "task",
            "tags",
            "minutes",
            "body_markdown",
            "edited_in_admin",
        )
        help_texts = {
            "tags": 'A JSON list of topic tags from core/exam.py, e.g. ["codebuild", "buildspec"].',
            "body_markdown": "Markdown: tables, fenced code, > [!NOTE] callouts, ```dot diagrams.",
        }

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data.get("tags")
        if not isinstance(tags, list) or not tags:
            raise forms.ValidationError('Enter a non-empty JSON list, e.g. ["codebuild"].')
        unknown = [tag for tag in tags if not isinstance(tag, str) or tag not in TOPIC_TAGS]
        if unknown:
            raise forms.ValidationError(
                "Unknown topic tag(s): %(tags)s. Known tags: %(known)s.",
                params={"tags": ", ".join(map(str, unknown)), "known": ", ".join(TOPIC_TAGS)},
            )
        if len(set(tags)) != len(tags):
            raise forms.ValidationError("A tag is listed twice.")
        return tags

    def clean(self) -> dict:
        cleaned = super().clean()
        task, domain = cleaned.get("task"), cleaned.get("domain")
        if task and domain and not task.startswith(f"{domain}."):
            self.add_error(
                "task", f"Task {task} belongs to domain {task.split('.')[0]}, not {domain}."
            )
        return cleaned
