"""Admin form for lessons: the same rules as content files (known tags and skills)."""

from __future__ import annotations

import difflib

from django import forms

from core.exam import TOPIC_TAGS
from core.guide import skills_index
from core.models import Skill
from courses.models import Lesson


class LessonAdminForm(forms.ModelForm):
    """Rejects what load_content would reject, with a message that says how to fix it."""

    skills_text = forms.CharField(
        label="Skills",
        help_text="Exam-guide ids the lesson teaches, most important first, e.g. `3.4.s3, 3.4.k3`. "
        "The first decides the task and the domain.",
    )

    class Meta:
        model = Lesson
        fields = (
            "module",
            "slug",
            "title",
            "order",
            "published",
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
                raise forms.ValidationError(f"Unknown skill id {code!r}.{hint}")
            if code in codes:
                raise forms.ValidationError(f"Skill {code} is listed twice.")
            codes.append(code)
        if not codes:
            raise forms.ValidationError("Name at least one exam-guide skill id.")
        self.skill_rows = [known[c] for c in codes]
        return codes

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        codes = cleaned.get("skills_text")
        if codes:
            # The domain and task are those of the first skill, as for lesson files.
            self.instance.skills = codes
            self.instance.skills_index = skills_index(codes)
            self.instance.domain = self.skill_rows[0].domain
            self.instance.task = self.skill_rows[0].task
        return cleaned
