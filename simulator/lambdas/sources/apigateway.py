"""`apigateway` source: a REST API from the learner's CloudFormation template, requests per stage.

Reads `AWS::ApiGateway::RestApi/Resource/Method/Stage/Deployment` (stage `Variables`, the
integration `Uri` with `${stageVariables.x}`, `RequestTemplates`), renders a mapping template
with airspeed (Velocity), invokes the function with the qualifier the URI names, and records per
request: stage, stage variables, rendered event, function, qualifier, version and status code.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.lambdas._env import FunctionEnv, LearnerInputError, SourceError
from simulator.scenarios._invocation import Invocation
from simulator.scenarios._result import NoteLevel
from simulator.scenarios._template import template_value

_KEYS = {"source", "template", "requests"}
_REQUEST_KEYS = {"stage", "method", "path", "body", "headers", "query"}
_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
_FUNCTIONS = ("AWS::Lambda::Function", "AWS::Serverless::Function")
MAX_REQUESTS = 50


@dataclass
class _Method:
    path: str  # "/orders/{id}"
    verb: str  # "POST", "ANY"
    kind: str  # AWS | AWS_PROXY | MOCK | HTTP ...
    uri: str  # with ${stageVariables.x} left in
    templates: dict[str, str] = field(default_factory=dict)
    passthrough: str = "WHEN_NO_MATCH"
    responses: list[dict[str, Any]] = field(default_factory=list)
    template_line: int = 0


@dataclass
class _Api:
    methods: list[_Method]
    stages: dict[str, dict[str, str]]  # stage -> variables
    aliases: dict[tuple[str, str], str]  # (function, alias) -> version
    functions: dict[str, str]  # logical id -> function name


def _load(env: FunctionEnv, name: Any) -> tuple[dict[str, Any], Any]:
    from simulator._loading import load_document

    if not isinstance(name, str) or not name:
        raise SourceError("apigateway event: `template:` names the learner's template file")
    text = env.files.get(name)
    if text is None:
        raise LearnerInputError(f"{name}: the template file is missing; create it")
    loaded = load_document(text, filename=name)
    errors = [f for f in loaded.findings if str(f.severity) == "error"]
    if not isinstance(loaded.data, dict) or errors:
        where = f"line {errors[0].line}: {errors[0].message}" if errors else "not a mapping"
        raise LearnerInputError(f"{name}: the template cannot be read ({where})")
    return loaded.data, loaded


class _Values:
    """Intrinsic functions through simulator.template_value; ${!x} kept literal as Fn::Sub does."""

    def __init__(self, env: FunctionEnv, template: dict[str, Any]) -> None:
        self.env = env
        self.template = template
        self.resources = {
            k: v for k, v in (template.get("Resources") or {}).items() if isinstance(v, dict)
        }

    def __call__(self, node: Any) -> str | None:
        if isinstance(node, dict) and len(node) == 1:
            ((fn, arg),) = node.items()
            if fn == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if isinstance(parts, list) and len(parts) == 2:
                    return self.get_att(str(parts[0]), str(parts[1]))
        text = template_value(
            self.template, node, account=self.env.world.account_id, region=self.env.world.region
        )
        if text is None and isinstance(node, dict) and "Fn::Sub" in node:
            # ${Fn.Arn} in a Sub: the function's ARN (template_value gives names only).
            arg = node["Fn::Sub"]
            raw = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) else None
            if isinstance(raw, str):

                def one(match: re.Match[str]) -> str:
                    logical, _, attr = match.group(1).partition(".")
                    if attr:
                        return self.get_att(logical, attr) or match.group(0)
                    return template_value(
                        self.template,
                        {"Ref": logical},
                        account=self.env.world.account_id,
                        region=self.env.world.region,
                    ) or match.group(0)

                text = re.sub(r"\$\{([^}!]+)\}", one, raw)
        return text.replace("${!", "${") if isinstance(text, str) else None

    def get_att(self, logical: str, attribute: str) -> str | None:
        resource = self.resources.get(logical) or {}
        if resource.get("Type") in _FUNCTIONS and attribute == "Arn":
            return self.env.arn(self.function_name(logical))
        if resource.get("Type") == "AWS::Lambda::Version" and attribute == "Version":
            return self.version_of(logical)
        if resource.get("Type") == "AWS::ApiGateway::RestApi" and attribute == "RootResourceId":
            return f"root:{logical}"
        return None

    def function_name(self, logical: str) -> str:
        props = (self.resources.get(logical) or {}).get("Properties") or {}
        named = self(props.get("FunctionName")) if isinstance(props, dict) else None
        return named or logical

    def version_of(self, logical: str) -> str | None:
        """Versions of one function are numbered 1, 2, ... in template order (as published)."""
        props = (self.resources.get(logical) or {}).get("Properties") or {}
        target = self.target(props.get("FunctionName"))
        same = [
            k
            for k, v in self.resources.items()
            if v.get("Type") == "AWS::Lambda::Version"
            and self.target((v.get("Properties") or {}).get("FunctionName")) == target
        ]
        return str(same.index(logical) + 1) if logical in same else None

    def target(self, node: Any) -> str | None:
        """A function reference (Ref, GetAtt Arn, name or ARN) as the function's name."""
        if isinstance(node, dict) and "Ref" in node and node["Ref"] in self.resources:
            return self.function_name(str(node["Ref"]))
        value = self(node)
        if value and value.startswith("arn:aws:lambda:"):
            return value.split(":")[6]
        return value


def _api(env: FunctionEnv, template: dict[str, Any], loaded: Any, filename: str) -> _Api:
    """The REST API the template declares: its methods, its stages and the functions' aliases."""
    values = _Values(env, template)
    resources = values.resources
    if any(str(r.get("Type", "")).startswith("AWS::Serverless::Api") for r in resources.values()):
        env.note(
            NoteLevel.NOT_SIMULATED,
            f"{filename}: AWS::Serverless::Api is not read here; declare the REST API with "
            "AWS::ApiGateway::* resources",
        )
    methods = _methods(env, values, loaded, filename)
    return _Api(methods, _stages(values), _aliases(values), {})


class _Paths:
    """The path of each AWS::ApiGateway::Resource, followed up its ParentId to the API's root."""

    def __init__(self, values: _Values) -> None:
        self.values = values
        self.found: dict[str, str] = {}

    def __call__(self, ref: Any, depth: int = 0) -> str | None:
        values = self.values
        key = values(ref) if not (isinstance(ref, dict) and "Ref" in ref) else str(ref["Ref"])
        if key is None or depth > 20:
            return None
        if key.startswith("root:"):
            return ""
        if key in self.found:
            return self.found[key]
        body = values.resources.get(key) or {}
        if body.get("Type") != "AWS::ApiGateway::Resource":
            return None
        props = body.get("Properties") or {}
        parent = self(props.get("ParentId"), depth + 1)
        part = values(props.get("PathPart"))
        if parent is None or part is None:
            return None
        self.found[key] = f"{parent}/{part}"
        return self.found[key]


def _methods(env: FunctionEnv, values: _Values, loaded: Any, filename: str) -> list[_Method]:
    """Each AWS::ApiGateway::Method with its integration (one that cannot be followed is noted)."""
    path_of = _Paths(values)
    methods = []
    for logical, body in values.resources.items():
        if body.get("Type") != "AWS::ApiGateway::Method":
            continue
        props = body.get("Properties") or {}
        path = path_of(props.get("ResourceId"))
        integration = props.get("Integration") or {}
        if path is None or not isinstance(integration, dict):
            env.note(
                NoteLevel.ERROR,
                f"{filename}: Resources.{logical}: its ResourceId or Integration cannot be "
                "followed; the method is not part of the simulated API",
            )
            continue
        templates = integration.get("RequestTemplates") or {}
        base = ("Resources", logical, "Properties", "Integration", "RequestTemplates")
        position = next(
            (v for k, v in loaded.key_positions.items() if len(k) == 6 and k[:5] == base),
            loaded.key_positions.get(base),
        )
        methods.append(
            _Method(
                path=path or "/",
                verb=str(values(props.get("HttpMethod")) or "ANY").upper(),
                kind=str(values(integration.get("Type")) or "").upper(),
                uri=values(integration.get("Uri")) or "",
                templates={str(k): str(values(v) or "") for k, v in templates.items()}
                if isinstance(templates, dict)
                else {},
                passthrough=str(integration.get("PassthroughBehavior") or "WHEN_NO_MATCH"),
                responses=[
                    r for r in integration.get("IntegrationResponses") or [] if isinstance(r, dict)
                ],
                template_line=position[0] if position else 0,
            )
        )
    return methods


def _stages(values: _Values) -> dict[str, dict[str, str]]:
    """Each stage's variables, from its Stage or from the Deployment that names it."""
    stages: dict[str, dict[str, str]] = {}
    for body in values.resources.values():
        props = body.get("Properties") or {}
        if body.get("Type") == "AWS::ApiGateway::Stage":
            name = values(props.get("StageName"))
            variables = props.get("Variables") or {}
        elif body.get("Type") == "AWS::ApiGateway::Deployment" and props.get("StageName"):
            name = values(props.get("StageName"))
            variables = (props.get("StageDescription") or {}).get("Variables") or {}
        else:
            continue
        if name:
            stages[name] = {
                str(k): str(values(v) or "") for k, v in dict(variables).items()
            } | stages.get(name, {})
    return stages


def _aliases(values: _Values) -> dict[tuple[str, str], str]:
    """(function, alias) -> the version each AWS::Lambda::Alias points to."""
    aliases = {}
    for body in values.resources.values():
        if body.get("Type") != "AWS::Lambda::Alias":
            continue
        props = body.get("Properties") or {}
        function, name = values.target(props.get("FunctionName")), values(props.get("Name"))
        version = values(props.get("FunctionVersion"))
        if function and name and version:
            aliases[(function, name)] = version
    return aliases


def _match(api: _Api, verb: str, path: str) -> tuple[_Method, dict[str, str]] | None:
    for method in sorted(api.methods, key=lambda m: (m.verb == "ANY", "{" in m.path)):
        if method.verb not in (verb, "ANY"):
            continue
        pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(method.path))
        pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", pattern)
        found = re.fullmatch(pattern, path)
        if found:
            return method, found.groupdict()
    return None


def _json_path(data: Any, path: str) -> Any:
    if path in ("$", ""):
        return data
    current = data
    for part in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']+)'\]", path[1:]):
        name, index, quoted = part
        key = name or quoted
        if key and isinstance(current, dict):
            current = current.get(key)
        elif index and isinstance(current, list) and int(index) < len(current):
            current = current[int(index)]
        else:
            return None
    return current


class _Input:
    """`$input` of a mapping template."""

    def __init__(self, body: str, params: dict[str, dict[str, str]]) -> None:
        self.body = body
        self._params = params
        try:
            self._data = json.loads(body) if body else {}
        except ValueError:
            self._data = None

    def json(self, path: str = "$") -> str:
        return json.dumps(_json_path(self._data, path))

    def path(self, path: str = "$") -> Any:
        return _json_path(self._data, path)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return self._params
        for where in ("path", "querystring", "header"):
            if name in self._params[where]:
                return self._params[where][name]
        return ""


class _Util:
    """`$util` of a mapping template."""

    def escapeJavaScript(self, text: Any) -> str:
        return json.dumps(str(text))[1:-1].replace("'", "\\'")

    def parseJson(self, text: Any) -> Any:
        return json.loads(str(text))

    def urlEncode(self, text: Any) -> str:
        return urllib.parse.quote(str(text), safe="")

    def urlDecode(self, text: Any) -> str:
        return urllib.parse.unquote(str(text))

    def base64Encode(self, text: Any) -> str:
        return base64.b64encode(str(text).encode()).decode()

    def base64Decode(self, text: Any) -> str:
        return base64.b64decode(str(text)).decode("utf-8", "replace")


def _render(text: str, context: dict[str, Any]) -> tuple[str | None, str]:
    """(rendered text, "") or (None, the problem with its line in the template)."""
    import airspeed

    try:
        return airspeed.Template(text).merge(context), ""
    except airspeed.TemplateSyntaxError as exc:
        return None, f"mapping template does not parse: {exc}"
    except Exception as exc:
        return None, f"mapping template failed: {type(exc).__name__}: {exc}"


def deliver(env: FunctionEnv, spec: Mapping[str, Any]) -> None:
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise SourceError(
            f"apigateway event: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}"
        )
    requests = spec.get("requests")
    if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_REQUESTS:
        raise SourceError(f"apigateway event: `requests:` is a list of 1-{MAX_REQUESTS} requests")
    for i, request in enumerate(requests):
        if not isinstance(request, Mapping) or sorted(set(request) - _REQUEST_KEYS):
            raise SourceError(
                f"apigateway event: requests.{i}: a mapping of {', '.join(sorted(_REQUEST_KEYS))}"
            )
        if not isinstance(request.get("stage"), str) or not isinstance(request.get("path"), str):
            raise SourceError(f"apigateway event: requests.{i}: `stage` and `path` are required")
    filename = str(spec.get("template"))
    template, loaded = _load(env, spec.get("template"))
    api = _api(env, template, loaded, filename)
    env.aliases.update(api.aliases)
    for request in requests:
        fact = _one(env, api, request, filename)
        if "invocation" in fact:
            env.amend(env.invocations[fact["invocation"] - 1], **fact)
        summary = f"{fact['method']} /{fact['stage']}{fact['path']} {fact['status_code']}"
        previous = env.facts.get("API Gateway requests")
        env.facts["API Gateway requests"] = f"{previous}; {summary}" if previous else summary


@dataclass(frozen=True)
class _Call:
    """One request of the scenario: stage, method, path (with its leading /), body and strings."""

    stage: str
    verb: str
    path: str
    body: str | None
    headers: dict[str, str]
    query: dict[str, str]


class _Answered(Exception):
    """API Gateway answered the request itself (no function response decides the status)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


def _one(env: FunctionEnv, api: _Api, request: Mapping[str, Any], filename: str) -> dict[str, Any]:
    """Send one request through the API; the facts recorded for it, its status code included."""
    body = request.get("body")
    call = _Call(
        stage=str(request["stage"]),
        verb=str(request.get("method", "GET")).upper(),
        path="/" + str(request["path"]).lstrip("/"),
        body=body if isinstance(body, str) or body is None else json.dumps(body),
        headers={str(k): str(v) for k, v in dict(request.get("headers") or {}).items()},
        query={str(k): str(v) for k, v in dict(request.get("query") or {}).items()},
    )
    fact: dict[str, Any] = {"stage": call.stage, "method": call.verb, "path": call.path}
    try:
        status, message = _send(env, api, call, fact, filename)
    except _Answered as answer:
        status, message = answer.status, answer.message
    fact.update(status_code=status, message=message)
    env.log(f"API Gateway {call.verb} /{call.stage}{call.path}: {status} {message}".rstrip())
    return fact


def _send(
    env: FunctionEnv, api: _Api, call: _Call, fact: dict[str, Any], filename: str
) -> tuple[int, str]:
    """Route the call, build its event, invoke the function: (status, message); facts on the way."""
    if call.stage not in api.stages:
        known = ", ".join(sorted(api.stages)) or "none"
        env.note(
            NoteLevel.ERROR, f"{filename}: stage {call.stage!r} is not deployed (stages: {known})"
        )
        raise _Answered(403, "Forbidden (no such stage)")
    variables = api.stages[call.stage]
    fact["stage_variables"] = dict(variables)
    found = _match(api, call.verb, call.path)
    if found is None:
        raise _Answered(403, "Missing Authentication Token (no such resource or method)")
    method, path_params = found
    function, qualifier = _target(env, method, variables, call.stage, filename)
    fact.update(function=function, qualifier=qualifier)
    context = _context(env, call, method)
    event: Any
    if method.kind == "AWS_PROXY":
        event = _proxy_event(call, method, path_params, variables, context)
    else:
        rendered = _mapped(env, call, method, path_params, variables, context, filename)
        fact["rendered"] = rendered
        event = _mapped_event(env, method, rendered, filename)
    fact["event"] = event
    invocation = env.invoke(
        function, event, qualifier=qualifier, source="apigateway", source_facts=fact
    )
    fact["version"] = invocation.version
    fact["invocation"] = invocation.seq
    return _status(method, invocation)


def _target(
    env: FunctionEnv, method: _Method, variables: dict[str, str], stage: str, filename: str
) -> tuple[str, str]:
    """The function and qualifier the integration URI names, its stage variables filled in."""
    missing = sorted(set(_STAGE_VAR.findall(method.uri)) - set(variables))
    if missing:
        env.note(
            NoteLevel.ERROR,
            f"{filename}: the integration of {method.verb} {method.path} uses "
            f"${{stageVariables.{missing[0]}}}, which stage {stage} does not define",
        )
        raise _Answered(500, "Execution failed due to configuration error: Invalid stage variable")
    uri = _STAGE_VAR.sub(lambda m: variables[m.group(1)], method.uri)
    target = re.search(r"functions/(.+)/invocations$", uri)
    if method.kind not in ("AWS", "AWS_PROXY") or target is None:
        env.note(NoteLevel.NOT_SIMULATED, f"{filename}: integration {method.kind} {uri!r}")
        raise _Answered(500, "Internal server error (integration not simulated)")
    ref = target.group(1)
    if ref.startswith("arn:aws:lambda:"):
        parts = ref.split(":")
        function, qualifier = parts[6] if len(parts) > 6 else "", ":".join(parts[7:])
    else:
        function, _, qualifier = ref.partition(":")
    return function, qualifier or "$LATEST"


def _context(env: FunctionEnv, call: _Call, method: _Method) -> dict[str, Any]:
    """The request's `$context` (`requestContext` of a proxy event)."""
    request_id = str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{call.stage}{call.path}{len(env.invocations)}")
    )
    return {
        "stage": call.stage,
        "requestId": request_id,
        "httpMethod": call.verb,
        "resourcePath": method.path,
        "path": f"/{call.stage}{call.path}",
        "apiId": "simapi0001",
        "accountId": env.world.account_id,
        "identity": {"sourceIp": "203.0.113.10", "userAgent": "pipeline-academy"},
    }


def _proxy_event(
    call: _Call,
    method: _Method,
    path_params: dict[str, str],
    variables: dict[str, str],
    context: dict[str, Any],
) -> dict[str, Any]:
    """The event of a Lambda proxy integration: the whole request, as sent."""
    return {
        "resource": method.path,
        "path": call.path,
        "httpMethod": call.verb,
        "headers": call.headers,
        "queryStringParameters": call.query or None,
        "pathParameters": path_params or None,
        "stageVariables": dict(variables) or None,
        "requestContext": context,
        "body": call.body,
        "isBase64Encoded": False,
    }


def _mapped(
    env: FunctionEnv,
    call: _Call,
    method: _Method,
    path_params: dict[str, str],
    variables: dict[str, str],
    context: dict[str, Any],
    filename: str,
) -> str | None:
    """The body the content type's mapping template renders (or passes through) for the call."""
    content_type = call.headers.get(
        "Content-Type", call.headers.get("content-type", "application/json")
    )
    mapping = method.templates.get(content_type.split(";")[0].strip())
    if mapping is None:
        if method.passthrough == "NEVER" or (
            method.passthrough == "WHEN_NO_TEMPLATES" and method.templates
        ):
            raise _Answered(415, "Unsupported Media Type")
        return call.body or "{}"
    params = {"path": path_params, "querystring": call.query, "header": call.headers}
    rendered, problem = _render(
        mapping,
        {
            "input": _Input(call.body or "", params),
            "stageVariables": dict(variables),
            "context": context,
            "util": _Util(),
        },
    )
    if rendered is None:
        # airspeed counts lines inside the template; a block scalar starts on the line
        # after its content-type key, so the file line is that key's line + N.
        inner = re.search(r"line (\d+)", problem)
        line = (
            f" ({filename} line {method.template_line + int(inner.group(1))})"
            if inner and method.template_line
            else f" (the template starts at line {method.template_line})"
        )
        env.note(NoteLevel.ERROR, f"{filename}: {method.verb} {method.path}: {problem}{line}")
        raise _Answered(500, "Internal server error (mapping template)")
    return rendered


def _mapped_event(env: FunctionEnv, method: _Method, rendered: str | None, filename: str) -> Any:
    """The rendered body as the function's event, which must be JSON."""
    try:
        return json.loads(rendered or "{}")
    except ValueError as exc:
        env.note(
            NoteLevel.ERROR,
            f"{filename}: {method.verb} {method.path}: the rendered mapping template is not "
            f"JSON ({exc}); Lambda needs a JSON event: {(rendered or '')[:200]!r}",
        )
        raise _Answered(500, "Internal server error (event is not JSON)") from None


def _status(method: _Method, invocation: Invocation) -> tuple[int, str]:
    """The status the API answers: the proxy response's, or the integration response selected."""
    if invocation.error_type == "ResourceNotFoundException":
        return 500, f"Internal server error ({invocation.error_message})"
    if method.kind == "AWS_PROXY":
        response = invocation.response
        if not invocation.ok:
            return 502, "Internal server error (the function failed)"
        if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
            return 502, "Malformed Lambda proxy response"
        return int(response["statusCode"]), ""
    selected = None
    if not invocation.ok:
        for response in method.responses:
            pattern = response.get("SelectionPattern")
            if (
                isinstance(pattern, str)
                and pattern
                and re.fullmatch(pattern, invocation.error_message, re.DOTALL)
            ):
                selected = response
                break
    if selected is None:
        selected = next((r for r in method.responses if not r.get("SelectionPattern")), {})
    return int(str(selected.get("StatusCode", "200"))), "" if invocation.ok else "error"
