"""Forms for the lab pages."""

from django import forms

from core.exam import DIFFICULTIES, DOMAINS


class LabFilterForm(forms.Form):
    """Filters of the lab list."""

    domain = forms.ChoiceField(
        required=False,
        choices=[("", "All domains")] + [(str(n), f"{n} {d[0]}") for n, d in DOMAINS.items()],
    )
    difficulty = forms.ChoiceField(
        required=False, choices=[("", "Any difficulty")] + [(d, d.title()) for d in DIFFICULTIES]
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("new", "Not started"), ("started", "Started"),
                 ("done", "Completed (100 %)")],
    )  # fmt: skip
