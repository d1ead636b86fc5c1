"""The OpenAPI schema class: drf-spectacular's, plus the error responses the API really gives."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent


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
