"""Admin form fields: a JSON list edited as text, one item per line (or comma-separated)."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError


class ListTextField(forms.CharField):
    """A list of strings typed one per line; a pasted JSON list is accepted too.

    `separators` says what else splits items (tags: commas too; references: only new lines,
    because a reference title may hold a comma).
    """

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def __init__(self, *, separators: str = "", **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(strip=False, **kwargs)
        self.separators = separators

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        if isinstance(value, str) and value.lstrip().startswith("["):
            try:
                return self.prepare_value(self.to_python(value))
            except ValidationError:  # shown back as typed, with the error beside it
                return value
        return value

    def to_python(self, value) -> list[str]:  # type: ignore[override]  # a list field on a text input
        if value in (None, ""):
            return []
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        text = str(value)
        if text.lstrip().startswith("["):
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    f"This looks like a JSON list but does not parse ({exc.msg} at "
                    f"character {exc.pos}): write one item per line instead."
                ) from exc
            if not isinstance(loaded, list) or not all(isinstance(i, str) for i in loaded):
                raise ValidationError("A JSON list of texts is expected; or one item per line.")
            return [item.strip() for item in loaded if item.strip()]
        for separator in self.separators:
            text = text.replace(separator, "\n")
        items: list[str] = []
        for line in text.splitlines():
            item = line.strip()
            if item and item not in items:
                items.append(item)
        return items

    def validate(self, value) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True
