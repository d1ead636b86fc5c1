"""API plumbing shared by the apps: exception handler, throttles, paging, schema errors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
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


def _component(registry, name: str, schema: dict) -> dict:
    component = ResolvedComponent(
        name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
    )
    registry.register_on_missing(component)
    return component.ref


_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_THROTTLED = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "wait_seconds": {"type": "integer"}},
    "required": ["detail"],
}
# DRF's validation errors: field -> messages (nested fields give objects), or a plain detail.
_VALIDATION_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]
    },
}


class ApiSchema(AutoSchema):
    """drf-spectacular's schema plus the error responses our views really give: 400 for bad
    input, 401/403 without credentials, 404 for unknown ids, 429 when throttled."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        parameters = operation.get("parameters", [])

        def add(code: str, description: str, name: str, schema: dict) -> None:
            if code not in responses:
                ref = _component(registry, name, schema)
                responses[code] = {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                }

        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            add(
                "400",
                "Invalid input: what is wrong, per field",
                "ValidationError",
                _VALIDATION_ERROR,
            )
        security = operation.get("security", [])
        if security and {} not in security:
            add("401", "Missing or invalid token", "ApiError", _ERROR)
            add("403", "Not signed in, or not allowed", "ApiError", _ERROR)
        if any(p["in"] == "path" for p in parameters):
            add("404", "No such object (or not yours)", "ApiError", _ERROR)
        if self.view.get_throttles():
            add("429", "Too many requests: retry after wait_seconds", "Throttled", _THROTTLED)
        return operation


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
