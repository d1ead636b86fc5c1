"""Forms: practice filters and the spaced-review setting."""

from __future__ import annotations

from django import forms

from core.exam import DIFFICULTIES, DOMAINS, TOPIC_TAGS, domain_label
from quizzes.models import ReportReason
from quizzes.services import PRACTICE_MAX, PracticeFilters


class PracticeForm(forms.Form):
    """What to practise; empty choices mean "all"."""

    domains = forms.TypedMultipleChoiceField(
        choices=[(d, domain_label(d)) for d in DOMAINS],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked = all domains.",
    )
    tags = forms.MultipleChoiceField(
        label="Topics",
        choices=sorted(TOPIC_TAGS.items(), key=lambda kv: str(kv[1]).lower()),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="None selected = all topics. Ctrl/⌘-click to pick several.",
    )
    difficulties = forms.MultipleChoiceField(
        label="Difficulty",
        choices=[(d, d.capitalize()) for d in DIFFICULTIES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.MultipleChoiceField(
        label="Exam-guide skills",
        choices=[],
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="None selected = every skill.",
    )
    count = forms.IntegerField(
        label="Number of questions", min_value=1, max_value=PRACTICE_MAX, initial=10
    )
    only_wrong = forms.BooleanField(label="Only questions I got wrong", required=False)
    only_new = forms.BooleanField(label="Only questions I have never answered", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from quizzes.selectors import skill_labels

        # The guide's items, read when the form is built (the guide loads with the content).
        skills = self.fields["skills"]
        assert isinstance(skills, forms.ChoiceField)
        skills.choices = [(code, f"{code} {text}"[:90]) for code, text in skill_labels().items()]

    def filters(self) -> PracticeFilters:
        data = self.cleaned_data
        return PracticeFilters(
            domains=tuple(data["domains"]),
            tags=tuple(data["tags"]),
            difficulties=tuple(data["difficulties"]),
            count=data["count"],
            only_wrong=data["only_wrong"],
            only_new=data["only_new"],
            skills=tuple(data["skills"]),
        )


class RetentionForm(forms.Form):
    """The FSRS desired retention."""

    desired_retention = forms.FloatField(
        label="Desired retention",
        min_value=0.7,
        max_value=0.97,
        help_text=(
            "The probability of remembering a card when it comes back (0.70–0.97). "
            "Higher means more frequent reviews."
        ),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


class ReportForm(forms.Form):
    """A learner's report on a question."""

    reason = forms.ChoiceField(
        label="What is wrong?", choices=ReportReason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Your comment",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What is wrong, and if you can, a link to the AWS documentation that says so.",
    )


class ResolveForm(forms.Form):
    """An instructor's note when resolving a report."""

    resolution = forms.CharField(
        label="What was done",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
