"""The apigateway source's answers: proxy responses, passthrough, 415, selection patterns, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator import RunStatus, Scenario, run_scenario

WORLD = Path(__file__).resolve().parents[3] / "content" / "labs" / "stage-variables" / "world.yaml"
HANDLER = """\
import json


def handler(event, context):
    if "httpMethod" in event:  # a proxy event
        if event["body"] == "fail":
            raise ValueError("Bad input: proxy")
        if event["body"] == "malformed":
            return {"body": "no status code"}
        return {"statusCode": 201, "body": json.dumps(event["pathParameters"])}
    if event.get("fail"):
        raise ValueError("Bad input: " + str(event["fail"]))
    return event
"""
URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:111122223333:function:orders"


def _method(logical: str, verb: str, resource: str, integration: dict) -> dict:
    return {
        logical: {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Ref": resource},
                "HttpMethod": verb,
                "AuthorizationType": "NONE",
                "Integration": integration,
            },
        }
    }


TEMPLATE = {
    "Resources": {
        "OrdersFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"FunctionName": "orders", "Runtime": "python3.12"},
        },
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "Items": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "items",
            },
        },
        "Item": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ParentId": {"Ref": "Items"},
                "PathPart": "{id}",
            },
        },
        **_method("GetItem", "GET", "Item", {"Type": "AWS_PROXY", "Uri": URI.format(FUNCTION_ARN)}),
        **_method(
            "PostItems",
            "POST",
            "Items",
            {
                "Type": "AWS",
                "Uri": URI.format(FUNCTION_ARN + ":$LATEST"),
                "PassthroughBehavior": "NEVER",
                "RequestTemplates": {"application/json": "{\"fail\": $input.json('$.fail')}"},
                "IntegrationResponses": [
                    {"StatusCode": "200"},
                    {"StatusCode": "400", "SelectionPattern": "Bad input.*"},
                ],
            },
        ),
        **_method("PutItems", "PUT", "Items", {"Type": "AWS", "Uri": URI.format("orders")}),
        **_method("DeleteItems", "DELETE", "Items", {"Type": "MOCK"}),
        **_method("PatchItems", "PATCH", "Items", {"Type": "AWS", "Uri": URI.format("ghost")}),
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "dev"},
        },
    }
}
JSON = {"Content-Type": "application/json"}
REQUESTS = [
    {"stage": "dev", "method": "GET", "path": "items/7"},
    {"stage": "dev", "method": "GET", "path": "/items/7", "body": "malformed"},
    {"stage": "dev", "method": "GET", "path": "/items/7", "body": "fail"},
    {"stage": "dev", "method": "POST", "path": "/items", "body": {"fail": False}, "headers": JSON},
    {"stage": "dev", "method": "POST", "path": "/items", "body": {"fail": "no"}, "headers": JSON},
    {
        "stage": "dev",
        "method": "POST",
        "path": "/items",
        "body": "x",
        "headers": {"content-type": "text/plain"},
    },
    {"stage": "dev", "method": "PUT", "path": "/items", "body": {"a": 1}},
    {"stage": "dev", "method": "PUT", "path": "/items", "body": "not json"},
    {"stage": "dev", "method": "DELETE", "path": "/items"},
    {"stage": "dev", "method": "PATCH", "path": "/items"},
]


@pytest.fixture(scope="module")
def result():
    scenario = Scenario(
        kind="function",
        settings={
            "functions": {"orders": {"handler": "app.handler", "code": "app.py"}},
            "events": [{"source": "apigateway", "template": "template.yaml", "requests": REQUESTS}],
        },
        world=WORLD.read_text(),
        name="apigw-answers",
    )
    files = {"template.yaml": json.dumps(TEMPLATE, indent=1), "app.py": HANDLER}
    return run_scenario(scenario, files)


def test_each_request_gets_the_status_api_gateway_would_answer(result) -> None:
    assert result.result.status == RunStatus.RAN
    summary = next(
        n.message for n in result.result.notes if n.message.startswith("API Gateway requests: ")
    )
    assert summary.split(": ", 1)[1].split("; ") == [
        "GET /dev/items/7 201",
        "GET /dev/items/7 502",
        "GET /dev/items/7 502",
        "POST /dev/items 200",
        "POST /dev/items 400",
        "POST /dev/items 415",
        "PUT /dev/items 200",
        "PUT /dev/items 500",
        "DELETE /dev/items 500",
        "PATCH /dev/items 500",
    ]
    answers = [line for line in result.log.splitlines() if line.startswith("API Gateway ")]
    assert [line.split(": ", 1)[1] for line in answers] == [
        "201",
        "502 Malformed Lambda proxy response",
        "502 Internal server error (the function failed)",
        "200",
        "400 error",
        "415 Unsupported Media Type",
        "200",
        "500 Internal server error (event is not JSON)",
        "500 Internal server error (integration not simulated)",
        "500 Internal server error (Function not found: ghost)",
    ]


def test_the_facts_of_an_invocation_say_how_it_was_routed_and_what_it_got(result) -> None:
    by_method: dict[str, list[dict]] = {}
    for invocation in result.result.invocations:
        by_method.setdefault(invocation.source_facts["method"], []).append(
            dict(invocation.source_facts)
        )
    proxy = by_method["GET"][0]
    assert (proxy["function"], proxy["qualifier"], proxy["status_code"]) == (
        "orders",
        "$LATEST",
        201,
    )
    assert proxy["event"]["pathParameters"] == {"id": "7"}
    assert proxy["event"]["path"] == "/items/7" and proxy["event"]["body"] is None
    assert proxy["event"]["requestContext"]["path"] == "/dev/items/7"
    assert "rendered" not in proxy
    mapped = by_method["POST"][1]
    assert mapped["rendered"] == '{"fail": "no"}' and mapped["event"] == {"fail": "no"}
    assert (mapped["qualifier"], mapped["status_code"], mapped["message"]) == (
        "$LATEST",
        400,
        "error",
    )
    passed = by_method["PUT"][0]
    assert passed["rendered"] == '{"a": 1}' and passed["status_code"] == 200
    assert len(by_method["PUT"]) == 1  # the body that is not JSON never reached the function
    assert [f["function"] for f in by_method["PATCH"]] == ["ghost"]


def test_what_cannot_be_simulated_or_parsed_is_noted_with_the_file(result) -> None:
    messages = [n.message for n in result.result.notes]
    assert any(
        m.startswith("template.yaml: PUT /items: the rendered mapping template is not JSON")
        and m.endswith("Lambda needs a JSON event: 'not json'")
        for m in messages
    )
    assert "template.yaml: integration MOCK ''" in messages


def test_stages_merge_their_variables_and_what_is_not_read_is_noted() -> None:
    resources = dict(TEMPLATE["Resources"])
    resources["Deployment"] = {
        "Type": "AWS::ApiGateway::Deployment",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "StageName": "dev",
            "StageDescription": {"Variables": {"a": "1", "b": "deployment"}},
        },
    }
    resources["DevStage"] = {
        "Type": "AWS::ApiGateway::Stage",
        "Properties": {"StageName": "dev", "Variables": {"b": "stage", "c": 3}},
    }
    resources["Lost"] = _method("Lost", "GET", "Nowhere", {"Type": "MOCK"})["Lost"]
    resources["Sam"] = {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "x"}}
    scenario = Scenario(
        kind="function",
        settings={
            "functions": {"orders": {"handler": "app.handler", "code": "app.py"}},
            "events": [
                {
                    "source": "apigateway",
                    "template": "template.yaml",
                    "requests": [{"stage": "dev", "path": "/items/1"}],
                }
            ],
        },
        world=WORLD.read_text(),
        name="apigw-stages",
    )
    files = {"template.yaml": json.dumps({"Resources": resources}), "app.py": HANDLER}
    result = run_scenario(scenario, files).result
    (invocation,) = result.invocations
    # The resource read first keeps its value of a variable both declare.
    assert invocation.source_facts["stage_variables"] == {"a": "1", "b": "deployment", "c": "3"}
    messages = [n.message for n in result.notes]
    assert messages[:2] == [
        "template.yaml: AWS::Serverless::Api is not read here; declare the REST API with "
        "AWS::ApiGateway::* resources",
        "template.yaml: Resources.Lost: its ResourceId or Integration cannot be followed; "
        "the method is not part of the simulated API",
    ]
