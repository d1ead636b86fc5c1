"""API plumbing shared by the apps: exception handler, throttles, strict paging and params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus a `wait_seconds` field on throttled responses so clients can say when."""
    response = drf_exception_handler(exc, context)
    if response is not None and getattr(exc, "wait", None) is not None:
        response.data["wait_seconds"] = int(exc.wait + 0.999)
    return response


class WriteThrottle(UserRateThrottle):
    """Throttle for API writes (answers, attempts)."""

    scope = "writes"


class CheckThrottle(UserRateThrottle):
    """Throttle for the configuration checker the editor calls while typing."""

    scope = "check"


class SubmissionThrottle(UserRateThrottle):
    """Throttle for lab submissions (each one costs a sandboxed run)."""

    scope = "submissions"


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset paging that rejects bad values with a 400 instead of silently ignoring them."""

    default_limit = 50
    max_limit = 200
    # Far beyond any real list, and inside every database's 64-bit OFFSET range.
    max_offset = 1_000_000_000

    def get_limit(self, request) -> int:
        return self._read_int(
            request, self.limit_query_param, self.default_limit, 1, self.max_limit
        )

    def get_offset(self, request) -> int:
        return self._read_int(request, self.offset_query_param, 0, 0, self.max_offset)

    def _read_int(self, request, name: str, default: int, low: int, high: int) -> int:
        values = request.query_params.getlist(name)
        if not values:
            return default
        if len(values) > 1:
            raise ValidationError({name: [f"give '{name}' once, not {len(values)} times."]})
        text = values[0].strip()
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise ValidationError(
                {name: [f"'{name}' must be a whole number from {low} to {high}, not {text!r}."]}
            )
        return int(text)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, self.max_offset),
        }
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters


def query_choice(request, name: str, choices: dict[str, Any]) -> Any:
    """The value of an optional query parameter that must be one of `choices` (400 otherwise)."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1 or values[0] not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        shown = values[0] if len(values) == 1 else values
        raise ValidationError({name: [f"'{name}' must be one of {allowed}, not {shown!r}."]})
    return choices[values[0]]


class StrictBooleanField(serializers.BooleanField):
    """A boolean that must be sent as one: true/false (JSON) or "true"/"false" (forms).
    DRF's own field also takes 0, 1, "yes", "on"…, silently reading typos as a choice."""

    default_error_messages = {"invalid": "Must be true or false, not {input!r}."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid", input=data)
        raise AssertionError("unreachable")  # fail() always raises


class _TextOnly(serializers.CharField):
    """Base for text fields: DRF's own turn numbers into strings silently."""

    # Its own key: SlugField's validator uses "invalid" for its message.
    default_error_messages = {"not_text": "Must be text (a string), not {kind}."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_text", kind=type(data).__name__)
        return super().to_internal_value(data)


class StrictCharField(_TextOnly, serializers.CharField):
    """Text that must be sent as text."""


class StrictSlugField(_TextOnly, serializers.SlugField):
    """A slug that must be sent as text."""


class StrictIntegerField(serializers.IntegerField):
    """A whole number sent as a JSON number: DRF's own field also takes "10", 10.0 and true."""

    default_error_messages = {"invalid": "Must be a whole number, not {input!r}."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class RejectUnknownFields(serializers.Serializer):
    """Serializer base: a field the serializer does not know is an error, not silently dropped
    (a typo such as `platfrom` would otherwise be ignored and the default used)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = list(self.fields)
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                expected = ", ".join(known)
                raise ValidationError(
                    {key: [f"Unknown field: the fields are {expected}."] for key in unknown}
                )
        return super().to_internal_value(data)
