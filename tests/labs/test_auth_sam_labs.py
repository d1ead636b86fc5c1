"""SAM and API authorization check types (labs/check_types/auth.py), one test each; the facts
the `sam` kind derives from the account's log; and the sam-local lab's shipped content."""

from __future__ import annotations

import json
from typing import Any

import pytest

from labs.checks import CHECKS, Evidence, Verdict, judge_one
from simulator.account import AccountSnapshot, ApiCall, Function, Stack
from simulator.scenarios._result import RunStatus, ScenarioResult
from simulator.scenarios.kinds.sam import sam_deployments
from tests.labs.test_content_labs import failed_ids, grade_with, graded, spec_of

TRANSFORMED = {
    "Resources": {
        "OrdersFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Environment": {"Variables": {"TABLE_NAME": {"Ref": "OrdersTable"}}}},
        },
        "OrdersFunctionAliaslive": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {"Name": "live", "FunctionName": {"Ref": "OrdersFunction"}},
            "UpdatePolicy": {
                "CodeDeployLambdaAliasUpdate": {
                    "DeploymentGroupName": {"Ref": "OrdersFunctionDeploymentGroup"},
                    "AfterAllowTrafficHook": {"Ref": "SmokeTest"},
                }
            },
        },
        "OrdersFunctionDeploymentGroup": {
            "Type": "AWS::CodeDeploy::DeploymentGroup",
            "Properties": {
                "DeploymentConfigName": {
                    "Fn::Sub": [
                        "CodeDeployDefault.Lambda${ConfigName}",
                        {"ConfigName": "Canary10Percent5Minutes"},
                    ]
                }
            },
        },
        "OrdersTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
    }
}


def _call(seq: int, service: str, operation: str, ok: bool = True, **params: Any) -> ApiCall:
    return ApiCall(
        seq,
        service,
        operation,
        "111122223333",
        "eu-west-1",
        params,
        200 if ok else 400,
        None if ok else "ResourceNotFoundException",
        "build:BUILD",
    )


def _deploy_calls(start: int, template: dict | None = None) -> list[ApiCall]:
    body = json.dumps(template or TRANSFORMED)
    return [
        _call(start, "cloudformation", "CreateChangeSet", StackName="orders-api",
              ChangeSetName="cs1", TemplateBody=body),
        _call(start + 1, "cloudformation", "ExecuteChangeSet", StackName="orders-api",
              ChangeSetName="cs1"),
    ]  # fmt: skip


def _judge(name: str, params: dict[str, Any], calls=(), functions=(), extra=None) -> Verdict:
    calls = tuple(calls)
    facts = {"sam": sam_deployments(calls), **(extra or {})}
    after = AccountSnapshot(
        stacks=(Stack("orders-api", "111122223333", "eu-west-1", "CREATE_COMPLETE"),)
        if any(c.operation == "ExecuteChangeSet" for c in calls)
        else (),
        functions=tuple(functions),
        extra=facts,
    )
    result = ScenarioResult(kind="sam", status=RunStatus.RAN, api_calls=calls, after=after)
    evidence = Evidence(files={}, documents={}, findings={}, result=result)
    return judge_one(CHECKS[name], evidence, params)


def test_sam_deployments_reads_the_executed_change_set():
    facts = sam_deployments(tuple(_deploy_calls(1)))
    function = facts["orders-api"]["functions"]["OrdersFunction"]
    assert function["alias"] == "live"
    assert function["deployment_preference"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert function["hooks"] == {"PostTraffic": "SmokeTest"}
    assert function["environment_refs"] == {"TABLE_NAME": "OrdersTable"}
    # A change set created but never executed deployed nothing.
    assert sam_deployments(tuple(_deploy_calls(1)[:1])) == {}


def test_local_test_wrote_needs_a_write_to_the_test_table_before_the_deploy():
    params = {"table": "orders-local", "stack": "orders-api", "before_deploy": True}
    write = _call(1, "dynamodb", "PutItem", TableName="orders-local")
    assert _judge("local_test_wrote", params, [write, *_deploy_calls(2)]).passed
    late_write = _call(3, "dynamodb", "PutItem", TableName="orders-local")
    late = _judge("local_test_wrote", params, [*_deploy_calls(1), late_write])
    assert not late.passed and "only after orders-api was deployed" in late.detail
    failed = _judge("local_test_wrote", params, [
        _call(1, "dynamodb", "PutItem", ok=False, TableName="OrdersTable")])  # fmt: skip
    assert not failed.passed and "ResourceNotFoundException" in failed.detail
    other = _judge("local_test_wrote", params, [_call(1, "dynamodb", "PutItem", TableName="x")])
    assert not other.passed


def test_sam_stack_deployed_needs_an_executed_sam_change_set():
    assert _judge("sam_stack_deployed", {"stack": "orders-api"}, _deploy_calls(1)).passed
    verdict = _judge("sam_stack_deployed", {"stack": "orders-api"})
    assert not verdict.passed and "nothing was deployed" in verdict.detail


def test_sam_deployment_preference_wants_an_alias_and_a_listed_type():
    params = {"stack": "orders-api", "function": "OrdersFunction"}
    canary = {**params, "one_of": ["Canary10Percent5Minutes"]}
    assert _judge("sam_deployment_preference", canary, _deploy_calls(1)).passed
    linear = {**params, "one_of": ["Linear10PercentEvery1Minute"]}
    verdict = _judge("sam_deployment_preference", linear, _deploy_calls(1))
    assert not verdict.passed and "LambdaCanary10Percent5Minutes" in verdict.detail
    plain = json.loads(json.dumps(TRANSFORMED))
    del plain["Resources"]["OrdersFunctionAliaslive"]
    verdict = _judge("sam_deployment_preference", canary, _deploy_calls(1, plain))
    assert not verdict.passed and "no alias" in verdict.detail


def test_sam_env_ref_refuses_a_hard_coded_name():
    params = {"stack": "orders-api", "function": "OrdersFunction", "variable": "TABLE_NAME",
              "resource": "OrdersTable"}  # fmt: skip
    assert _judge("sam_env_ref", params, _deploy_calls(1)).passed
    fixed = json.loads(json.dumps(TRANSFORMED))
    fixed["Resources"]["OrdersFunction"]["Properties"]["Environment"]["Variables"] = {
        "TABLE_NAME": "orders-local"
    }
    verdict = _judge("sam_env_ref", params, _deploy_calls(1, fixed))
    assert not verdict.passed and "not a !Ref to OrdersTable" in verdict.detail


def test_deployed_env_is_resource_reads_the_function_cloudformation_created():
    params = {"stack": "orders-api", "function": "OrdersFunction", "variable": "TABLE_NAME",
              "resource": "OrdersTable"}  # fmt: skip

    def fn(value: str) -> Function:
        return Function("orders-api-OrdersFunction-AB12", "111122223333", "eu-west-1", "sha",
                        environment={"TABLE_NAME": value})  # fmt: skip

    ok = _judge("deployed_env_is_resource", params, functions=[fn("orders-api-OrdersTable-X1")])
    assert ok.passed
    verdict = _judge("deployed_env_is_resource", params, functions=[fn("orders-local")])
    assert not verdict.passed and "TABLE_NAME=orders-local" in verdict.detail
    assert not _judge("deployed_env_is_resource", params).passed


def test_api_request_compares_status_and_handler_per_caller():
    requests = [
        {"caller": "alice", "method": "GET", "path": "/orders", "status": 200,
         "handler": "OrdersFunction", "reason": ""},
        {"caller": "anonymous", "method": "GET", "path": "/orders", "status": 200,
         "handler": "OrdersFunction", "reason": ""},
    ]  # fmt: skip
    extra = {"authorizer": {"requests": requests}}
    params = {"caller": "alice", "path": "/orders", "status": 200, "handler": "OrdersFunction"}
    assert _judge("api_request", params, extra=extra).passed
    locked = {"caller": "anonymous", "path": "/orders", "status": 401, "handler": "none"}
    verdict = _judge("api_request", locked, extra=extra)
    assert not verdict.passed and verdict.detail == "anonymous's /orders got 200, not 401."
    missing = _judge("api_request", {**locked, "caller": "bob"}, extra=extra)
    assert missing.not_run


def test_api_request_also_reads_the_facts_an_invocation_carried():
    from simulator.scenarios._invocation import Invocation, InvocationStatus

    held = {"authorizer": {"requests": [{"caller": "bob", "method": "POST", "path": "/refunds",
                                         "status": 403, "handler": "", "reason": "denied"}]}}  # fmt: skip
    invocation = Invocation(1, "Auth", "$LATEST", "authorizer", "r-1", {}, InvocationStatus.OK,
                            source_facts=held)  # fmt: skip
    result = ScenarioResult(kind="function", status=RunStatus.RAN, invocations=(invocation,))
    evidence = Evidence(files={}, documents={}, findings={}, result=result)
    params = {"caller": "bob", "path": "/refunds", "status": 403, "handler": "none"}
    assert judge_one(CHECKS["api_request"], evidence, params).passed
    verdict = judge_one(CHECKS["api_request"], evidence, {**params, "status": 200})
    assert not verdict.passed and verdict.detail == "bob's /refunds got 403 (denied), not 200."


# --- the labs' shipped content: the starters fail for the reasons the instructions teach -------


@pytest.mark.sandbox
def test_sam_local_starter_fails_its_local_test_and_its_deploy():
    starter = graded("sam-local", "starter")
    assert failed_ids(starter) == {
        "local-test-wrote", "local-test-first", "stack-deployed", "safe-deployment",
        "table-by-ref", "deployed-uses-stack-table",
    }  # fmt: skip
    # The handler name is wrong: sam local invoke prints the error and still exits 0.
    detail = next(r["detail"] for r in starter.results if r["id"] == "local-test-wrote")
    assert detail.startswith("Nothing in the build wrote to the test table orders-local")
    deploy = next(c for c in starter.result.commands if c.command.startswith("sam deploy"))
    assert deploy.exit_code == 1  # no --capabilities: CloudFormation refuses the IAM roles


@pytest.mark.sandbox
def test_api_authorization_cached_policy_refuses_the_next_refund():
    template = spec_of("api-authorization").reference["template.yaml"]
    cached = template.replace("ReauthorizeEvery: 0", "ReauthorizeEvery: 300")
    result = grade_with("api-authorization", **{"template.yaml": cached})
    assert failed_ids(result) == {"cached-policy"}
    detail = next(r["detail"] for r in result.results if r["id"] == "cached-policy")
    assert "(a cached policy)" in detail
