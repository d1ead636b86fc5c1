"""`authorizer` event source: requests to a REST API guarded as API Gateway guards it.

The API comes from the learner's template (SAM `AWS::Serverless::Api` with `Auth`, transformed
by aws-sam-translator, or a REST API whose OpenAPI `Body` has `securityDefinitions`). Each
request goes through what API Gateway does before the backend runs:

1. the resource policy (`x-amazon-apigateway-policy`): an explicit Deny is a 403;
2. authentication: a Cognito user pool authorizer checks the token (signature of the run's
   simulated Cognito, issuer, token use, expiry, scopes) and answers 401 when it fails; a
   Lambda TOKEN or REQUEST authorizer is invoked with `env.invoke` (401 when its identity
   source is missing or it raises "Unauthorized", 500 on any other failure), its IAM policy is
   evaluated against the method ARN (403 unless allowed) and cached per identity for its TTL
   (the cached policy is reused for other methods, as on AWS); AWS_IAM needs a signed caller;
3. the resource policy must allow the caller when there is one (cross-account IAM callers
   need it in every case);
4. the backend function runs with a proxy event (`requestContext.authorizer` filled in).

Every request is recorded in `env.facts["authorizer"]["requests"]`: caller, method, path,
status, decision, which authorizer ran (or came from the cache) and which handler ran.
"""

from __future__ import annotations

import base64
import fnmatch
import gzip
import ipaddress
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

DEFAULT_TTL = 300  # seconds API Gateway caches an authorizer's policy unless told otherwise
DEFAULT_IP = "198.51.100.10"


try:  # the function engine's error type, so its scenario kind reports ours like any source's
    from simulator.lambdas import SourceError as _Base
except ImportError:  # pragma: no cover - the engine not installed: a plain ValueError
    _Base = ValueError  # type: ignore[assignment,misc]


class SourceSpecError(_Base):
    """The lab's authorizer event or the learner's template is wrong (the message says how)."""


class AuthType(StrEnum):
    NONE = "none"
    COGNITO = "cognito"
    TOKEN = "token"  # noqa: S105 - a kind of authorizer, not a secret
    REQUEST = "request"
    IAM = "iam"


class Decision(StrEnum):
    """What API Gateway did with one request."""

    ALLOWED = "allowed"  # the backend ran
    UNAUTHORIZED = "unauthorized"  # 401: no or bad credentials
    FORBIDDEN = "forbidden"  # 403: authenticated (or not needed) but not allowed
    ERROR = "error"  # 500: the authorizer failed (AuthorizerConfigurationException)
    NOT_FOUND = "not_found"  # 403 Missing Authentication Token: no such route


@dataclass(frozen=True)
class Authorizer:
    name: str
    type: AuthType
    function: str = ""  # Lambda authorizers: the function name
    identity_sources: tuple[str, ...] = ()  # e.g. method.request.header.Authorization
    ttl: int = DEFAULT_TTL
    issuers: tuple[str, ...] = ()  # Cognito: https://cognito-idp.<region>.amazonaws.com/<pool>


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # backend function name ("" when the integration is not a Lambda proxy)
    auth: Authorizer | None
    scopes: tuple[str, ...] = ()


@dataclass
class ApiModel:
    stage: str
    routes: list[Route]
    policy: dict[str, Any] | None = None
    account: str = "111122223333"
    region: str = "us-east-1"
    api_id: str = "a1b2c3d4e5"

    def route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            params = _match_path(route.path, path)
            if params is not None and route.method in (
                method,
                "ANY",
                "X-AMAZON-APIGATEWAY-ANY-METHOD",
            ):
                return route, params
        return None, {}

    def method_arn(self, method: str, path: str) -> str:
        return (
            f"arn:aws:execute-api:{self.region}:{self.account}:{self.api_id}/{self.stage}/"
            f"{method}{path}"
        )


@dataclass
class RequestRecord:
    caller: str
    method: str
    path: str
    status: int
    decision: Decision
    reason: str = ""
    authorizer: str = ""  # name of the authorizer that decided ("" for none)
    authorizer_invoked: bool = False  # a Lambda authorizer ran for this request
    cached: bool = False  # its policy came from the cache
    principal: str = ""  # principalId / Cognito username / IAM ARN
    handler: str = ""  # the backend function that ran ("" when none)
    at: float = 0.0
    context: dict[str, Any] = field(default_factory=dict)


# --- the API model from a template ------------------------------------------------------------


def _match_path(pattern: str, path: str) -> dict[str, str] | None:
    want = [p for p in pattern.strip("/").split("/") if p]
    got = [p for p in path.split("?", 1)[0].strip("/").split("/") if p]
    params: dict[str, str] = {}
    for i, part in enumerate(want):
        if part.startswith("{") and part.endswith("+}"):
            params[part[1:-2]] = "/".join(got[i:])
            return params if len(got) > i else None
        if i >= len(got):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = got[i]
        elif part != got[i]:
            return None
    return params if len(want) == len(got) else None


def _function_of(uri: Any, names: Mapping[str, str]) -> str:
    """The function an integration or authorizer URI names (`${Fn.Arn}` / GetAtt / a name)."""
    text = ""
    if isinstance(uri, dict) and "Fn::Sub" in uri:
        arg = uri["Fn::Sub"]
        text, local = (arg, {}) if isinstance(arg, str) else (str(arg[0]), arg[1])
        for key, value in (local or {}).items():
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                att = value["Fn::GetAtt"]
                logical = att[0] if isinstance(att, list) else str(att).split(".")[0]
                text = text.replace("${" + key + "}", "${" + logical + ".Arn}")
    elif isinstance(uri, str):
        text = uri
    for var in (v.split("}", 1)[0] for v in text.split("${")[1:]):
        if "::" not in var:  # ${Fn.Arn} or ${Fn}, not ${AWS::Region}
            logical = var.split(".")[0]
            return names.get(logical, logical)
    if ":function:" in text:
        return text.split(":function:", 1)[1].split("/", 1)[0].split(":", 1)[0]
    return ""


def _resolve(node: Any, values: Mapping[str, str]) -> Any:
    """Ref / Sub on parameters and pseudo parameters (what an authorizer's settings use)."""
    if isinstance(node, dict) and len(node) == 1:
        ((fn, arg),) = node.items()
        if fn == "Ref" and isinstance(arg, str) and arg in values:
            return values[arg]
        if fn == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            if isinstance(text, str):
                for key, value in {**values, **(local or {})}.items():
                    text = text.replace("${" + key + "}", str(_resolve(value, values)))
                return text
    if isinstance(node, list):
        return [_resolve(n, values) for n in node]
    if isinstance(node, dict):
        return {k: _resolve(v, values) for k, v in node.items()}
    return node


def _issuer(pool_arn: str) -> str:
    # arn:aws:cognito-idp:<region>:<account>:userpool/<pool id>
    parts = pool_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("userpool/"):
        raise SourceSpecError(f"{pool_arn!r} is not a Cognito user pool ARN")
    return f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5].split('/', 1)[1]}"


def api_model(
    template: Mapping[str, Any],
    *,
    account: str,
    region: str,
    parameters: Mapping[str, str] | None = None,
    api: str | None = None,
) -> ApiModel:
    """The API a (SAM or CloudFormation) template declares, with its authorizers."""
    if _is_sam(template):
        from simulator.scenarios import TemplateSettingsError, sam_transform

        withparams = _packaged(dict(template))
        try:
            template = sam_transform(_with_defaults(withparams, parameters or {}), account, region)
        except TemplateSettingsError as exc:
            raise SourceSpecError(str(exc)) from exc
    resources = template.get("Resources")
    resources = resources if isinstance(resources, dict) else {}
    names = {
        logical: str((res.get("Properties") or {}).get("FunctionName") or logical)
        for logical, res in resources.items()
        if isinstance(res, dict) and res.get("Type") == "AWS::Lambda::Function"
    }
    apis = {
        logical: res
        for logical, res in resources.items()
        if isinstance(res, dict) and res.get("Type") == "AWS::ApiGateway::RestApi"
    }
    if not apis:
        raise SourceSpecError("the template declares no REST API (AWS::Serverless::Api or events)")
    if api is None:
        if len(apis) > 1:
            raise SourceSpecError(f"the template has several APIs ({', '.join(apis)}): name one")
        api = next(iter(apis))
    if api not in apis:
        raise SourceSpecError(f"the template has no API {api!r} (it has {', '.join(apis)})")
    body = (apis[api].get("Properties") or {}).get("Body")
    if not isinstance(body, dict):
        raise SourceSpecError(
            f"{api} has no OpenAPI Body: declare the API with AWS::Serverless::Api (Auth) or a Body"
        )
    values = {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": "aws",
        **_defaults(template),
        **(parameters or {}),
    }
    stage = next(
        (
            str((r.get("Properties") or {}).get("StageName"))
            for r in resources.values()
            if isinstance(r, dict) and r.get("Type") == "AWS::ApiGateway::Stage"
        ),
        "prod",
    )
    authorizers = _authorizers(body, values, names)
    routes = []
    for path, methods in (body.get("paths") or {}).items():
        for method, op in (methods or {}).items():
            if not isinstance(op, dict):
                continue
            integration = op.get("x-amazon-apigateway-integration") or {}
            function = _function_of(integration.get("uri"), names)
            security = op.get("security", body.get("security")) or []
            auth: Authorizer | None = None
            scopes: tuple[str, ...] = ()
            for entry in security:
                for name, wanted in (entry or {}).items():
                    if name == "NONE":
                        continue
                    auth = authorizers.get(name)
                    if auth is None:
                        raise SourceSpecError(f"{method.upper()} {path} uses undefined {name}")
                    scopes = tuple(str(s) for s in wanted or ())
            routes.append(Route(method.upper(), path, function, auth, scopes))
    policy = _resolve(body.get("x-amazon-apigateway-policy"), {**values, "__Stage__": stage})
    if policy is None and isinstance((apis[api].get("Properties") or {}).get("Policy"), dict):
        policy = _resolve(apis[api]["Properties"]["Policy"], values)
    return ApiModel(stage, routes, policy, account, region)


def _is_sam(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return "AWS::Serverless-2016-10-31" in names


def _packaged(template: dict[str, Any]) -> dict[str, Any]:
    """Local code folders in Globals as S3 URIs (what `sam package` writes; only the API's
    shape matters here)."""
    globals_ = template.get("Globals")
    if not isinstance(globals_, dict):
        return template
    shared = globals_.get("Function")
    if not isinstance(shared, dict):
        return template
    code = shared.get("CodeUri")
    if isinstance(code, str) and not code.startswith("s3://"):
        function = {**shared, "CodeUri": "s3://sam-packaged-artifacts/code"}
        template = {**template, "Globals": {**globals_, "Function": function}}
    return template


def _defaults(template: Mapping[str, Any]) -> dict[str, str]:
    params = template.get("Parameters")
    params = params if isinstance(params, dict) else {}
    return {
        k: str(v["Default"]) for k, v in params.items() if isinstance(v, dict) and "Default" in v
    }


def _with_defaults(template: dict[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """The template with parameter overrides as defaults (SAM reads them at transform time)."""
    params = template.get("Parameters")
    params = params if isinstance(params, dict) else {}
    new = {k: dict(v) if isinstance(v, dict) else v for k, v in params.items()}
    for key, value in overrides.items():
        if isinstance(new.get(key), dict):
            new[key]["Default"] = value
    return {**template, "Parameters": new} if new else template


def _authorizers(body: Mapping[str, Any], values: Mapping[str, str], names) -> dict:
    out: dict[str, Authorizer] = {}
    for name, definition in (body.get("securityDefinitions") or {}).items():
        if not isinstance(definition, dict):
            continue
        kind = str(definition.get("x-amazon-apigateway-authtype", "")).lower()
        config = definition.get("x-amazon-apigateway-authorizer") or {}
        if kind == "awssigv4":
            out[name] = Authorizer(name, AuthType.IAM)
            continue
        ttl = int(config.get("authorizerResultTtlInSeconds", DEFAULT_TTL))
        sources = str(
            config.get("identitySource") or f"method.request.header.{definition.get('name')}"
        )
        identity = tuple(s.strip() for s in sources.split(",") if s.strip())
        ctype = str(config.get("type", "")).lower()
        if ctype == "cognito_user_pools" or kind == "cognito_user_pools":
            arns = _resolve(config.get("providerARNs") or [], values)
            if not all(isinstance(a, str) for a in arns):
                raise SourceSpecError(f"{name}: the user pool ARN must resolve to text")
            issuers = tuple(_issuer(a) for a in arns)
            out[name] = Authorizer(name, AuthType.COGNITO, "", identity, ttl, issuers)
        elif ctype in ("token", "request"):
            function = _function_of(config.get("authorizerUri"), names)
            if not function:
                raise SourceSpecError(f"{name}: the authorizer's function cannot be resolved")
            out[name] = Authorizer(name, AuthType(ctype), function, identity, ttl)
    return out


# --- Cognito tokens ---------------------------------------------------------------------------


def _moto_public_key() -> Any:
    """The key the run's simulated Cognito signs tokens with (moto's published JWKS)."""
    import importlib.util

    from joserfc import jwk

    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        raise SourceSpecError("moto is not installed: Cognito tokens cannot be checked")
    path = Path(spec.submodule_search_locations[0]) / "cognitoidp/resources/jwks-public.json.gz"
    keys = json.loads(gzip.decompress(path.read_bytes()))
    return jwk.import_key(keys["keys"][0])


def verify_cognito(token: str, auth: Authorizer, scopes: tuple[str, ...], now: float) -> tuple:
    """(claims, "") for a valid token, (None, why) otherwise."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    if token.lower().startswith("bearer "):
        return None, "the token has a 'Bearer ' prefix: a Cognito authorizer wants the raw token"
    try:
        decoded = jwt.decode(token, _moto_public_key(), algorithms=["RS256"])
    except (JoseError, ValueError) as exc:
        return None, f"the token is not signed by the user pool ({type(exc).__name__})"
    claims = dict(decoded.claims)
    if claims.get("iss") not in auth.issuers:
        return None, "the token comes from another user pool"
    if float(claims.get("exp", 0)) < now:
        return None, "the token has expired"
    if scopes:
        granted = set(str(claims.get("scope", "")).split())
        if claims.get("token_use") != "access" or not granted & set(scopes):
            return None, f"the method needs an access token with scope {' or '.join(scopes)}"
    elif claims.get("token_use") != "id":
        return None, "without scopes on the method, a Cognito authorizer accepts an ID token only"
    return claims, ""


# --- IAM policies -----------------------------------------------------------------------------


def _listed(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value is not None else []


def _arn_match(pattern: str, arn: str, api: ApiModel) -> bool:
    if pattern.startswith("execute-api:/"):
        pattern = f"arn:aws:execute-api:{api.region}:{api.account}:{api.api_id}/" + pattern[13:]
    return pattern == "*" or fnmatch.fnmatchcase(arn, pattern)


def _principal_match(principal: Any, caller_arn: str, caller_account: str) -> bool:
    if principal == "*" or principal is None:
        return True
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    for item in _listed(aws):
        if (
            item == "*"
            or item == caller_arn
            or item in (caller_account, f"arn:aws:iam::{caller_account}:root")
        ):
            return True
    return False


def _conditions_hold(condition: Any, context: Mapping[str, str]) -> bool:
    if not condition:
        return True
    for operator, tests in (condition or {}).items():
        for key, expected in (tests or {}).items():
            value = context.get(key)
            wanted = _listed(expected)
            if operator in ("IpAddress", "NotIpAddress"):
                inside = value is not None and any(
                    ipaddress.ip_address(value) in ipaddress.ip_network(w, strict=False)
                    for w in wanted
                )
                if inside != (operator == "IpAddress"):
                    return False
            elif operator in ("StringEquals", "StringNotEquals"):
                if (value in wanted) != (operator == "StringEquals"):
                    return False
            elif operator in ("StringLike", "StringNotLike"):
                hit = value is not None and any(fnmatch.fnmatchcase(value, w) for w in wanted)
                if hit != (operator == "StringLike"):
                    return False
            else:
                return False  # a condition we cannot evaluate never grants anything
    return True


def evaluate(
    policy: Any,
    arn: str,
    api: ApiModel,
    *,
    principal: bool = False,
    caller_arn: str = "",
    caller_account: str = "",
    context=None,
) -> str:
    """'deny' (an explicit Deny matched), 'allow' (an Allow matched) or 'none'."""
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    statements = statements if isinstance(statements, list) else [statements] if statements else []
    result = "none"
    for st in statements:
        if not isinstance(st, dict):
            continue
        actions = _listed(st.get("Action"))
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) or a == "*" for a in actions):
            continue
        if not any(_arn_match(r, arn, api) for r in _listed(st.get("Resource"))):
            continue
        if principal and not _principal_match(st.get("Principal"), caller_arn, caller_account):
            continue
        if not _conditions_hold(st.get("Condition"), context or {}):
            continue
        if st.get("Effect") == "Deny":
            return "deny"
        if st.get("Effect") == "Allow":
            result = "allow"
    return result


# --- delivering requests ----------------------------------------------------------------------


class Gateway:
    """One API's request pipeline for a run: authorizer caches live as long as the run."""

    def __init__(
        self, api: ApiModel, invoke: Callable[..., Any], *, tokens=None, clock=None, facts=None
    ):
        self.api = api
        # Shared with every invocation's source_facts, so the run's result carries the whole
        # request record (requests that no function saw included).
        self.facts = facts if facts is not None else {"requests": []}
        self.invoke = invoke
        self.tokens = tokens or {}
        self.clock = clock or (lambda: 0.0)
        self.cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}

    def request(self, spec: Mapping[str, Any]) -> RequestRecord:
        method = str(spec.get("method", "GET")).upper()
        path = str(spec.get("path", "/"))
        caller = str(spec.get("caller", "anonymous"))
        now = float(spec.get("at", self.clock()))
        headers = {str(k): str(v) for k, v in (spec.get("headers") or {}).items()}
        if spec.get("token") is not None:
            headers[str(spec.get("header", "Authorization"))] = self._token(str(spec["token"]))
        query = {str(k): str(v) for k, v in (spec.get("query") or {}).items()}
        ip = str(spec.get("source_ip", DEFAULT_IP))
        record = RequestRecord(caller, method, path, 0, Decision.ALLOWED, at=now)
        route, path_params = self.api.route(method, path)
        if route is None:
            return self._end(record, 403, Decision.NOT_FOUND, "Missing Authentication Token")
        arn = self.api.method_arn(method, path)
        iam_arn = str(spec.get("iam") or "")
        iam_account = iam_arn.split(":")[4] if iam_arn.count(":") >= 5 else ""
        context = {"aws:SourceIp": ip, "aws:PrincipalAccount": iam_account}
        policy = self.api.policy
        if (
            policy
            and evaluate(
                policy,
                arn,
                self.api,
                principal=True,
                caller_arn=iam_arn,
                caller_account=iam_account,
                context=context,
            )
            == "deny"
        ):
            return self._end(
                record, 403, Decision.FORBIDDEN, "the resource policy explicitly denies this caller"
            )
        auth = route.auth
        authorizer_context: dict[str, Any] = {}
        if auth is not None:
            record.authorizer = auth.name
            verdict = self._authenticate(
                auth, route, record, headers, query, path_params, arn, now, iam_arn
            )
            if verdict is not None:
                return verdict
            authorizer_context = record.context
        needs_policy_allow = bool(policy) and (
            auth is None or auth.type != AuthType.IAM or iam_account != self.api.account
        )
        if (
            needs_policy_allow
            and evaluate(
                policy,
                arn,
                self.api,
                principal=True,
                caller_arn=iam_arn,
                caller_account=iam_account,
                context=context,
            )
            != "allow"
        ):
            return self._end(
                record, 403, Decision.FORBIDDEN, "the resource policy does not allow this caller"
            )
        if not route.function:
            return self._end(record, 500, Decision.ERROR, "the integration is not a Lambda proxy")
        event = self._proxy_event(
            route, method, path, headers, query, path_params, ip, authorizer_context, iam_arn
        )
        invocation = self.invoke(
            route.function,
            event,
            source="apigateway",
            source_facts={
                "caller": caller,
                "route": f"{method} {route.path}",
                "authorizer": self.facts,
            },
        )
        record.handler = route.function
        if not getattr(invocation, "ok", False):
            return self._end(record, 502, Decision.ALLOWED, "the backend function failed")
        response = getattr(invocation, "response", None)
        status = response.get("statusCode") if isinstance(response, dict) else None
        if not isinstance(status, int):
            return self._end(record, 502, Decision.ALLOWED, "malformed Lambda proxy response")
        return self._end(record, status, Decision.ALLOWED, "")

    def _token(self, ref: str) -> str:
        # "alice" / "alice:id" -> her ID token, "alice:access" -> her access token; a value
        # not in the table is sent as written (a forged or garbage token).
        name, _, kind = ref.partition(":")
        tokens = self.tokens.get(name)
        if isinstance(tokens, dict):
            return str(tokens.get(kind or "id", ""))
        return ref

    def _authenticate(self, auth, route, record, headers, query, path_params, arn, now, iam_arn):
        lower = {k.lower(): v for k, v in headers.items()}
        if auth.type == AuthType.IAM:
            if not iam_arn:
                return self._end(record, 403, Decision.FORBIDDEN, "Missing Authentication Token")
            record.principal = iam_arn
            return None
        values = []
        for source in auth.identity_sources:
            if source.startswith("method.request.header."):
                value = lower.get(source.rsplit(".", 1)[1].lower(), "")
            elif source.startswith("method.request.querystring."):
                value = query.get(source.rsplit(".", 1)[1], "")
            else:
                value = ""
            if not value:
                return self._end(
                    record,
                    401,
                    Decision.UNAUTHORIZED,
                    f"no {source.rsplit('.', 1)[-1]} in the request",
                )
            values.append(value)
        if auth.type == AuthType.COGNITO:
            claims, why = verify_cognito(values[0], auth, route.scopes, now)
            if claims is None:
                return self._end(record, 401, Decision.UNAUTHORIZED, why)
            record.principal = str(claims.get("cognito:username") or claims.get("username") or "")
            record.context = {"claims": claims}
            return None
        key = (auth.name, tuple(values))
        cached = self.cache.get(key)
        if cached and auth.ttl > 0 and now < cached[0]:
            outcome = cached[1]
            record.cached = True
        else:
            event: dict[str, Any] = {"type": auth.type.value.upper(), "methodArn": arn}
            if auth.type == AuthType.TOKEN:
                event["authorizationToken"] = values[0]
            else:
                event.update(
                    resource=route.path,
                    path=record.path,
                    httpMethod=record.method,
                    headers=headers,
                    queryStringParameters=query or None,
                    pathParameters=path_params or None,
                )
            invocation = self.invoke(
                auth.function,
                event,
                source="authorizer",
                source_facts={
                    "caller": record.caller,
                    "authorizer_name": auth.name,
                    "authorizer": self.facts,
                },
            )
            record.authorizer_invoked = True
            if not getattr(invocation, "ok", False):
                if getattr(invocation, "error_message", "") == "Unauthorized":
                    return self._end(
                        record, 401, Decision.UNAUTHORIZED, "the authorizer raised Unauthorized"
                    )
                return self._end(
                    record,
                    500,
                    Decision.ERROR,
                    "the authorizer failed (AuthorizerConfigurationException)",
                )
            response = getattr(invocation, "response", None)
            if not isinstance(response, dict) or not isinstance(
                response.get("policyDocument"), dict
            ):
                return self._end(
                    record, 500, Decision.ERROR, "the authorizer returned no policyDocument"
                )
            outcome = response
            if auth.ttl > 0:
                self.cache[key] = (now + auth.ttl, outcome)
        record.principal = str(outcome.get("principalId", ""))
        record.context = dict(outcome.get("context") or {})
        if evaluate(outcome["policyDocument"], arn, self.api) != "allow":
            return self._end(
                record,
                403,
                Decision.FORBIDDEN,
                "the authorizer's policy does not allow this method"
                + (" (a cached policy)" if record.cached else ""),
            )
        return None

    def _proxy_event(self, route, method, path, headers, query, path_params, ip, context, iam):
        authorizer: dict[str, Any] = dict(context)
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": method,
            "headers": headers,
            "queryStringParameters": query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "body": None,
            "isBase64Encoded": False,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": method,
                "stage": self.api.stage,
                "requestId": str(uuid.uuid4()),
                "accountId": self.api.account,
                "apiId": self.api.api_id,
                "authorizer": authorizer or None,
                "identity": {"sourceIp": ip, "userArn": iam or None},
            },
        }

    @staticmethod
    def _end(record: RequestRecord, status: int, decision: Decision, reason: str):
        record.status, record.decision, record.reason = status, decision, reason
        return record


def cognito_tokens(client: Any, spec: Mapping[str, Any]) -> tuple[str, dict[str, dict[str, str]]]:
    """Create the lab's user pool, app client and users in the run's Cognito; (pool ARN,
    user -> {"id": ID token, "access": access token})."""
    pool = client.create_user_pool(PoolName=str(spec.get("pool", "users")))["UserPool"]
    app = client.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=str(spec.get("client", "web")),
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    tokens: dict[str, dict[str, str]] = {}
    groups: set[str] = set()
    for name, user in (spec.get("users") or {}).items():
        password = str((user or {}).get("password", "Passw0rd!Passw0rd"))
        client.admin_create_user(UserPoolId=pool["Id"], Username=name, MessageAction="SUPPRESS")
        client.admin_set_user_password(
            UserPoolId=pool["Id"], Username=name, Password=password, Permanent=True
        )
        for group in (user or {}).get("groups") or []:
            if group not in groups:  # one group, many members
                client.create_group(GroupName=group, UserPoolId=pool["Id"])
                groups.add(group)
            client.admin_add_user_to_group(UserPoolId=pool["Id"], Username=name, GroupName=group)
        auth = client.admin_initiate_auth(
            UserPoolId=pool["Id"],
            ClientId=app["ClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": password},
        )["AuthenticationResult"]
        tokens[name] = {"id": auth["IdToken"], "access": auth["AccessToken"]}
    return pool["Arn"], tokens


def deliver(env: Any, spec: Mapping[str, Any]) -> None:
    """Send the lab's requests to the API of the learner's template (see the module doc).

    spec: `template` (file name), optional `api` (logical id), `parameters` (overrides; the
    texts `{user_pool_arn}` and `{user_pool_id}` name the pool `cognito` created), `cognito`
    (pool, client, users with password and groups), `requests` (caller, method, path, token,
    headers, query, source_ip, iam, at).
    """
    if not isinstance(spec.get("requests"), list) or not spec["requests"]:
        raise SourceSpecError("an authorizer event needs `requests:` (a list of requests)")
    text = _read(env, str(spec.get("template", "template.yaml")), spec)
    from simulator._loading import load_document

    loaded = load_document(text, filename=str(spec.get("template", "template.yaml")))
    if loaded.findings or not isinstance(loaded.data, dict):
        raise SourceSpecError(f"{spec.get('template')} could not be read as a template")
    account = str(getattr(env.world, "account_id", "111122223333"))
    region = str(getattr(env.world, "region", "us-east-1"))
    tokens: dict[str, dict[str, str]] = {}
    replacements: dict[str, str] = {}
    if isinstance(spec.get("cognito"), dict):
        pool_arn, tokens = cognito_tokens(env.client("cognito-idp"), spec["cognito"])
        replacements["{user_pool_arn}"] = pool_arn
        replacements["{user_pool_id}"] = pool_arn.rsplit("/", 1)[-1]
    parameters = {
        str(k): _replace(str(v), replacements) for k, v in (spec.get("parameters") or {}).items()
    }
    api = api_model(
        loaded.data, account=account, region=region, parameters=parameters, api=spec.get("api")
    )
    facts = env.facts.setdefault("authorizer", {"requests": []})
    gateway = Gateway(api, env.invoke, tokens=tokens, clock=lambda: float(env.clock), facts=facts)
    for request in spec["requests"]:
        record = gateway.request(request)
        facts["requests"].append(asdict(record) | {"decision": str(record.decision)})
        env.log(
            f"{record.caller}: {record.method} {record.path} -> {record.status}"
            + (f" ({record.reason})" if record.reason else "")
            + (f", {record.handler} ran" if record.handler else "")
        )


def _replace(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def _read(env: Any, name: str, spec: Mapping[str, Any]) -> str:
    files = spec.get("_files") or getattr(env, "files", None)  # the function kind's `_files`
    if isinstance(files, Mapping) and name in files:
        return str(files[name])
    reader = getattr(env, "read", None)
    if callable(reader):
        return str(reader(name))
    raise SourceSpecError(f"the authorizer event's template {name!r} is not a file of the lab")


def decode_claims(token: str) -> dict[str, Any]:
    """A JWT's claims without checking it (for messages only, never for a decision)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
