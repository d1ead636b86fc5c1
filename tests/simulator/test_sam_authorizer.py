"""The `authorizer` event source: Cognito, Lambda TOKEN authorizers with their cache, resource
policies, and what each request records. Handlers here are in-process stand-ins for the
function engine's `env.invoke` (the source only sees its contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from simulator.lambdas.sources.authorizer import (
    Decision,
    Gateway,
    SourceSpecError,
    api_model,
    cognito_tokens,
    deliver,
)

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  UserPoolArn: {Type: String}
Resources:
  ShopApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: ShopUsers
        Authorizers:
          ShopUsers:
            UserPoolArn: !Ref UserPoolArn
          RefundsAuth:
            FunctionArn: !GetAtt RefundsAuthorizer.Arn
            Identity: {Header: Authorization, ReauthorizeEvery: 300}
        ResourcePolicy:
          IpRangeBlacklist: ["10.0.0.0/8"]
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: orders.handler
      Runtime: python3.12
      Events:
        List: {Type: Api, Properties: {RestApiId: !Ref ShopApi, Path: /orders, Method: get}}
  RefundsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: refunds.handler
      Runtime: python3.12
      Events:
        Refund:
          Type: Api
          Properties:
            RestApiId: !Ref ShopApi
            Path: /refunds/{id}
            Method: post
            Auth: {Authorizer: RefundsAuth}
  RefundsAuthorizer:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: authorizer.handler, Runtime: python3.12}
"""


@dataclass
class _Invocation:
    ok: bool
    response: Any = None
    error_message: str = ""


@dataclass
class FakeEnv:
    """The FunctionEnv contract (docs/functions.md): invoke, client, world, clock, log, facts."""

    handlers: dict[str, Any]
    files: dict[str, str]
    client_of: Any = None
    clock: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    world: Any = None

    def invoke(self, function, event, *, qualifier="$LATEST", source="direct", source_facts=None):
        self.calls.append((function, source, event))
        try:
            return _Invocation(True, self.handlers[function](event))
        except Exception as exc:  # the handler raised: Lambda reports a function error
            return _Invocation(False, error_message=str(exc))

    def client(self, service, account=None, region=None):
        return self.client_of(service)

    def log(self, line):
        self.lines.append(line)


def _allow_support(event):
    # The refunds authorizer: only the support token, and only for the method asked about.
    if event["authorizationToken"] == "deny-me":
        raise RuntimeError("Unauthorized")
    effect = "Allow" if event["authorizationToken"] == "support-token" else "Deny"
    return {
        "principalId": "support" if effect == "Allow" else "someone",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
        "context": {"team": "support"},
    }


HANDLERS = {
    "OrdersFunction": lambda e: {"statusCode": 200, "body": "[]"},
    "RefundsFunction": lambda e: {"statusCode": 201, "body": e["pathParameters"]["id"]},
    "RefundsAuthorizer": _allow_support,
}


@pytest.fixture
def cognito():
    from moto import mock_aws

    with mock_aws():
        import boto3

        client = boto3.client("cognito-idp", region_name="eu-west-1")
        yield client


def _gateway(env, pool_arn, tokens):
    from simulator._loading import load_document

    api = api_model(
        load_document(TEMPLATE).data,
        account="111122223333",
        region="eu-west-1",
        parameters={"UserPoolArn": pool_arn},
    )
    return Gateway(api, env.invoke, tokens=tokens)


def test_cognito_authorizer_lets_pool_users_in_and_keeps_others_out(cognito):
    pool_arn, tokens = cognito_tokens(cognito, {"users": {"alice": {"groups": ["customers"]}}})
    env = FakeEnv(dict(HANDLERS), {})
    gateway = _gateway(env, pool_arn, tokens)
    ok = gateway.request({"caller": "alice", "path": "/orders", "token": "alice"})
    assert (ok.status, ok.decision, ok.handler, ok.principal) == (
        200,
        Decision.ALLOWED,
        "OrdersFunction",
        "alice",
    )
    anonymous = gateway.request({"caller": "anonymous", "path": "/orders"})
    assert (anonymous.status, anonymous.handler) == (401, "")
    forged = gateway.request({"caller": "mallory", "path": "/orders", "token": "a.b.c"})
    assert forged.status == 401 and "not signed" in forged.reason
    # An access token on a method without scopes is refused, as API Gateway does.
    access = gateway.request({"path": "/orders", "token": "alice:access"})
    assert access.status == 401 and "ID token" in access.reason
    # The resource policy denies the 10.0.0.0/8 range before any authorizer runs.
    inside = gateway.request({"path": "/orders", "token": "alice", "source_ip": "10.1.2.3"})
    assert inside.status == 403 and inside.decision == Decision.FORBIDDEN
    assert [c[0] for c in env.calls] == ["OrdersFunction"]


def test_token_authorizer_policy_is_evaluated_and_cached_per_token():
    env = FakeEnv(dict(HANDLERS), {})
    arn = "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_abc"
    gateway = _gateway(env, arn, {})
    first = gateway.request({"method": "POST", "path": "/refunds/r-1", "token": "support-token"})
    assert (first.status, first.authorizer_invoked, first.handler) == (201, True, "RefundsFunction")
    # Same token within the TTL: the cached policy, which names /refunds/r-1 only, is reused
    # for another refund, so API Gateway answers 403 (the classic cached-policy trap).
    again = gateway.request({"method": "POST", "path": "/refunds/r-2", "token": "support-token"})
    assert (again.status, again.cached, again.authorizer_invoked) == (403, True, False)
    later = gateway.request(
        {"method": "POST", "path": "/refunds/r-2", "token": "support-token", "at": 301}
    )
    assert (later.status, later.cached) == (201, False)
    denied = gateway.request({"method": "POST", "path": "/refunds/r-3", "token": "customer"})
    assert (denied.status, denied.handler) == (403, "")
    unauthorized = gateway.request({"method": "POST", "path": "/refunds/r-3", "token": "deny-me"})
    assert unauthorized.status == 401
    missing = gateway.request({"method": "POST", "path": "/refunds/r-3"})
    assert (missing.status, missing.authorizer_invoked) == (401, False)
    nowhere = gateway.request({"method": "DELETE", "path": "/refunds/r-3", "token": "x"})
    assert (nowhere.status, nowhere.decision) == (403, Decision.NOT_FOUND)


def test_a_broken_authorizer_is_a_500_not_a_pass():
    handlers = dict(HANDLERS, RefundsAuthorizer=lambda e: {"principalId": "x"})
    env = FakeEnv(handlers, {})
    gateway = _gateway(env, "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/p", {})
    record = gateway.request({"method": "POST", "path": "/refunds/1", "token": "support-token"})
    assert (record.status, record.decision, record.handler) == (500, Decision.ERROR, "")


def test_deliver_records_every_request_and_creates_the_pool(cognito):
    env = FakeEnv(dict(HANDLERS), {"template.yaml": TEMPLATE}, client_of=lambda s: cognito)
    env.world = type("W", (), {"account_id": "111122223333", "region": "eu-west-1"})()
    deliver(
        env,
        {
            "template": "template.yaml",
            "parameters": {"UserPoolArn": "{user_pool_arn}"},
            "cognito": {"pool": "shop", "users": {"alice": {}, "bob": {"groups": ["support"]}}},
            "requests": [
                {"caller": "alice", "path": "/orders", "token": "alice"},
                {"caller": "nobody", "path": "/orders"},
            ],
        },
    )
    requests = env.facts["authorizer"]["requests"]
    assert [(r["caller"], r["status"], r["handler"]) for r in requests] == [
        ("alice", 200, "OrdersFunction"),
        ("nobody", 401, ""),
    ]
    assert env.lines[1] == "nobody: GET /orders -> 401 (no Authorization in the request)"


def test_bad_specs_say_what_is_wrong():
    env = FakeEnv({}, {"template.yaml": "Resources: {}\n"})
    with pytest.raises(SourceSpecError, match="needs `requests:`"):
        deliver(env, {"template": "template.yaml"})
    with pytest.raises(SourceSpecError, match="no REST API"):
        deliver(env, {"template": "template.yaml", "requests": [{"path": "/"}]})
    with pytest.raises(SourceSpecError, match="not a file of the lab"):
        deliver(env, {"template": "missing.yaml", "requests": [{"path": "/"}]})
