"""Read an AWS request the way AWS does: service, operation, region, key, parameters; errors back.

Runs on the host (in the account server). The botocore service models name the operation of
every protocol (JSON target header, query `Action`, REST method + URI template) and mark the
members AWS itself treats as sensitive, which we redact in the log.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.model import ServiceModel, Shape

# Signing name (credential scope) -> botocore service name, where they differ.
SIGNING_TO_SERVICE = {"monitoring": "cloudwatch", "execute-api": "apigateway"}
REDACTED = "****"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
# Members holding secrets that the models do not mark sensitive (or mark on a shared shape).
_ALWAYS_SECRET = frozenset({"SecretString", "SecretBinary", "password", "Password", "SecretKey"})


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def service_model(name: str) -> ServiceModel | None:
    try:
        return _session().get_service_model(name)
    except Exception:
        return None


@functools.cache
def _rest_routes(name: str) -> list[tuple[Any, ...]]:
    model = service_model(name)
    routes: list[tuple[Any, ...]] = []
    if model is None:
        return routes
    for op_name in model.operation_names:
        op = model.operation_model(op_name)
        uri = op.http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{"):
                greedy = part.endswith("+}")
                name_ = re.sub(r"[^A-Za-z0-9_]", "_", part.strip("{}+"))
                pattern += f"(?P<{name_}>.+)" if greedy else f"(?P<{name_}>[^/]+)"
            else:
                pattern += re.escape(part)
        if pattern.endswith("/") and len(pattern) > 1:
            pattern = pattern[:-1] + "/?"
        required_query = [q.split("=")[0] for q in query.split("&") if q]
        shape = op.input_shape
        required_headers = [
            shape.members[m].serialization.get("name", m).lower()
            for m in (shape.required_members if shape else [])
            if shape.members[m].serialization.get("location") == "header"
        ]
        # More literal characters and required query keys first: the most specific route wins.
        score = len(re.sub(r"\{[^}]+\}", "", path)) * 10
        score += (len(required_query) + len(required_headers)) * 1000
        routes.append(
            (
                op.http.get("method", "POST"),
                re.compile(f"^{pattern}$"),
                score,
                op,
                required_query,
                required_headers,
            )
        )
    routes.sort(key=lambda r: -r[2])
    return routes


def rest_operation(
    name: str, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
) -> tuple[Any, dict[str, str]]:
    """(operation model, path parameters) for a REST request, or (None, {})."""
    for verb, pattern, _score, op, required, needed_headers in _rest_routes(name):
        if verb != method:
            continue
        match = pattern.match(path)
        if (
            match
            and all(q in query for q in required)
            and all(h in headers for h in needed_headers)
        ):
            return op, {k: unquote(v) for k, v in match.groupdict().items()}
    return None, {}


def credential(headers: dict[str, str], query: dict[str, list[str]]) -> tuple[str, str, str]:
    """(access key id, region, signing name) from SigV4 (header or presigned query); '' if none."""
    auth = headers.get("authorization", "")
    match = _CREDENTIAL.search(auth)
    if not match and query.get("X-Amz-Credential"):
        parts = query["X-Amz-Credential"][0].split("/")
        if len(parts) == 5:
            return parts[0], parts[2], parts[3]
    if not match:
        return "", "", ""
    return match.group(1), match.group(2), match.group(3)


def _sensitive_names(shape: Shape | None, seen: set[str] | None = None) -> set[str]:
    names: set[str] = set()
    seen = seen if seen is not None else set()
    if shape is None or shape.name in seen:
        return names
    seen.add(shape.name)
    members = getattr(shape, "members", None) or {}
    for member_name, member in members.items():
        if member.serialization.get("sensitive") or member.metadata.get("sensitive"):
            names.add(member_name)
        names |= _sensitive_names(member, seen)
    for attr in ("member", "value"):
        child = getattr(shape, attr, None)
        if child is not None:
            names |= _sensitive_names(child, seen)
    return names


@functools.cache
def sensitive_members(service: str, operation: str) -> frozenset[str]:
    model = service_model(service)
    if model is None or operation not in model.operation_names:
        return _ALWAYS_SECRET
    op = model.operation_model(operation)
    return frozenset(_sensitive_names(op.input_shape)) | _ALWAYS_SECRET


def redact(value: Any, secret_names: frozenset[str]) -> Any:
    """The parameters with every sensitive member's value replaced by ****."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if _is_secret(k, secret_names) else redact(v, secret_names))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v, secret_names) for v in value]
    return value


def _is_secret(key: str, names: frozenset[str]) -> bool:
    # Query-protocol keys are flattened ("Tags.member.1.Value"): test the last word too.
    return key in names or key.rsplit(".", 1)[-1] in names


def parse(
    service: str, method: str, path: str, query_string: str, headers: dict[str, str], body: bytes
) -> tuple[str, dict[str, Any]]:
    """(operation name, parameters) of one request to `service`; ('', {}) when unknown."""
    model = service_model(service)
    query = parse_qs(query_string, keep_blank_values=True)
    protocol = model.protocol if model else ""
    params: dict[str, Any] = {}
    if protocol == "json" or (headers.get("x-amz-target") and protocol != "rest-json"):
        target = headers.get("x-amz-target", "")
        operation = target.rsplit(".", 1)[-1]
        params = _json(body)
    elif protocol in ("query", "ec2"):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True) if body else {}
        form = {**query, **form}
        operation = form.pop("Action", [""])[0]
        form.pop("Version", None)
        params = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
    elif protocol in ("rest-json", "rest-xml"):
        op, path_params = rest_operation(service, method, unquote(path), query, headers)
        operation = op.name if op else ""
        params = dict(path_params)
        params.update({k: v[0] if len(v) == 1 else v for k, v in query.items()})
        if protocol == "rest-json":
            params.update(_json(body))
        elif body:
            params["Body"] = f"<{len(body)} bytes>"
    else:
        operation = ""
    return operation, params


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {"Body": f"<{len(body)} bytes>"}
    return data if isinstance(data, dict) else {"Body": data}


def error_code(status: int, headers: dict[str, str], body: bytes) -> str | None:
    """The AWS error code of a response (JSON __type, XML <Code>, x-amzn-ErrorType)."""
    if status < 400:
        return None
    header = headers.get("x-amzn-errortype", "")
    if header:
        return header.split(":", 1)[0]
    text = body[:8192].decode("utf-8", "replace")
    match = re.search(r"<Code>([^<]+)</Code>", text)
    if match:
        return match.group(1)
    try:
        data = json.loads(text)
    except ValueError:
        return f"HTTP{status}"
    if isinstance(data, dict):
        code = data.get("__type") or data.get("code") or data.get("Code") or ""
        return str(code).rsplit("#", 1)[-1] or f"HTTP{status}"
    return f"HTTP{status}"


def error_response(
    service: str, status: int, code: str, message: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    """An error in the service's own protocol, so the CLI prints it as AWS would."""
    model = service_model(service)
    protocol = model.protocol if model else "json"
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif protocol == "rest-xml":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{_xml(code)}</Code>"
            f"<Message>{_xml(message)}</Message></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml")]
    else:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{_xml(code)}</Code><Message>{_xml(message)}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
