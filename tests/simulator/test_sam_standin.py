"""The `sam` stand-in in the sandbox: build folders, local invoke on the account, deploy, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from simulator.sandbox import ShellSession
from simulator.standins import Channel
from simulator.standins._channel import TOOLS_PATH
from simulator.standins._sam import sam_mounts
from simulator.world import load_world
from tests.simulator.run.conftest import short_limits

pytestmark = pytest.mark.sandbox

WORLD = """
account: "111122223333"
region: eu-west-1
"""
TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 3
    Environment:
      Variables:
        STAGE: test
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Canary10Percent5Minutes
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref OrdersTable}
      Environment:
        Variables:
          TABLE_NAME: !Ref OrdersTable
      Events:
        Post:
          Type: Api
          Properties: {Path: /orders, Method: post}
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""
HANDLER = """\
import json, os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])

def handler(event, context):
    order = json.loads(event.get("body") or "{}")
    print("saving", order.get("id"), "stage", os.environ.get("STAGE"))
    table.put_item(Item={"id": order["id"], "qty": order.get("qty", 1)})
    return {"statusCode": 201, "body": json.dumps({"saved": order["id"]})}
"""


@pytest.fixture
def sam() -> Iterator:
    world = load_world(WORLD)
    channel = Channel(world)
    env = {
        "PATH": f"{TOOLS_PATH}:/usr/bin:/bin",
        "HOME": "/root",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        **channel.env(),
    }
    session = ShellSession(
        env=env,
        mounts=[*channel.mounts, *sam_mounts()],
        limits=short_limits(wall_seconds=60, cpu_seconds=60, processes=128),
    )
    session.start()
    channel.start(session)
    channel.origin("build:BUILD")

    def run(command: str) -> tuple[int | None, list[str]]:
        lines: list[str] = []
        outcome = session.run(command, on_line=lines.append)
        channel.apply()
        return outcome.exit_code, lines

    run.work_dir = session.work_dir  # type: ignore[attr-defined]
    run.world = world  # type: ignore[attr-defined]
    (session.work_dir / "src").mkdir()
    (session.work_dir / "src" / "app.py").write_text(HANDLER)
    (session.work_dir / "src" / "requirements.txt").write_text("boto3>=1.34\n")
    (session.work_dir / "template.yaml").write_text(TEMPLATE)
    try:
        yield run
    finally:
        session.close()
        channel.close()
        world.close()


def test_build_writes_one_folder_per_function_and_the_built_template(sam):
    code, lines = sam("sam build")
    assert code == 0, lines
    built = sam.work_dir / ".aws-sam" / "build"
    assert (built / "OrdersFunction" / "app.py").read_text() == HANDLER
    assert (built / "OrdersFunction" / "requirements.txt").is_file()
    text = (built / "template.yaml").read_text()
    assert "CodeUri: OrdersFunction" in text
    assert "AWSTemplateFormatVersion: '2010-09-09'" in text  # a date stays text
    assert any("1 noted from requirements.txt" in line for line in lines)


def test_local_invoke_reaches_the_simulated_table_and_prints_the_result(sam):
    code, lines = sam(
        "aws dynamodb create-table --table-name orders-dev --billing-mode PAY_PER_REQUEST "
        "--attribute-definitions AttributeName=id,AttributeType=S "
        "--key-schema AttributeName=id,KeyType=HASH > /dev/null"
    )
    assert code == 0, lines
    (sam.work_dir / "event.json").write_text(json.dumps({"body": '{"id": "o-1", "qty": 2}'}))
    # Without --env-vars, TABLE_NAME is the table's logical id: no such table in the account.
    code, lines = sam("sam build > /dev/null && sam local invoke OrdersFunction -e event.json")
    assert code == 0  # like the real CLI, a handler error does not fail the command
    result = json.loads(lines[-1])
    assert result["errorType"] == "ResourceNotFoundException"
    env = {"OrdersFunction": {"TABLE_NAME": "orders-dev", "UNDECLARED": "x"}}
    (sam.work_dir / "env.json").write_text(json.dumps(env))
    code, lines = sam("sam local invoke -e event.json --env-vars env.json")
    assert code == 0, lines
    assert json.loads(lines[-1]) == {"statusCode": 201, "body": '{"saved": "o-1"}'}
    assert "saving o-1 stage test" in lines
    assert any(line.startswith("REPORT RequestId:") for line in lines)
    puts = [
        c
        for c in sam.world.api_calls()
        if c.service == "dynamodb" and c.operation == "PutItem" and c.status == 200
    ]
    assert [c.params.get("TableName") for c in puts] == ["orders-dev"]


def test_deploy_transforms_and_creates_the_stack_in_the_account(sam):
    code, lines = sam(
        "sam build > /dev/null && sam deploy --stack-name orders --resolve-s3 "
        "--no-confirm-changeset"
    )
    # The transformed template has IAM roles: CloudFormation wants them acknowledged.
    assert code == 1
    assert "InsufficientCapabilitiesException: Requires capabilities" in "\n".join(lines)
    code, lines = sam(
        "sam deploy --stack-name orders --resolve-s3 --capabilities CAPABILITY_NAMED_IAM "
        "--no-confirm-changeset"
    )
    assert code == 0, "\n".join(lines)
    snapshot = sam.world.snapshot()
    stack = next(s for s in snapshot.stacks if s.name == "orders")
    assert stack.status == "CREATE_COMPLETE"
    (function,) = [f for f in snapshot.functions if f.name.startswith("orders-OrdersFunction")]
    # !Ref OrdersTable became the physical name of the table the stack created.
    assert function.environment["TABLE_NAME"].startswith("orders-OrdersTable-")
    assert [v.version for v in function.versions] == ["1"]  # AutoPublishAlias published one
    code, lines = sam(
        "sam deploy --stack-name orders --resolve-s3 --capabilities CAPABILITY_NAMED_IAM"
    )
    assert code == 0 and "No changes to deploy. Stack orders is up to date" in lines


def test_unknown_commands_and_options_fail_clearly(sam):
    code, lines = sam("sam frobnicate")
    assert code == 2 and "No such command 'frobnicate'" in "\n".join(lines)
    code, lines = sam("sam build --colour red")
    assert code == 2 and "No such option: --colour" in "\n".join(lines)
    code, lines = sam("sam local start-api")
    assert code == 2 and "sam local invoke" in "\n".join(lines)
    code, lines = sam("sam deploy --resolve-s3")
    assert code == 2 and "Missing option '--stack-name'" in "\n".join(lines)


def test_local_invoke_runs_node_handlers_and_reports_their_errors(sam):
    (sam.work_dir / "node").mkdir()
    (sam.work_dir / "node" / "index.js").write_text(
        "exports.handler = async (event, context) => {\n"
        "  if (!event.name) throw new TypeError('name is required');\n"
        "  console.log('hello from', context.functionName);\n"
        "  return {greeting: `hi ${event.name}`};\n"
        "};\n"
    )
    (sam.work_dir / "node" / "package.json").write_text('{"name": "greeter"}\n')
    (sam.work_dir / "node.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Greeter:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: node/, Handler: index.handler, Runtime: nodejs20.x}\n"
    )
    code, lines = sam('echo \'{"name": "ana"}\' | sam local invoke -t node.yaml --event -')
    assert code == 0, lines
    assert json.loads(lines[-1]) == {"greeting": "hi ana"}
    assert any("hello from Greeter" in line for line in lines)
    code, lines = sam("sam local invoke -t node.yaml --no-event")
    assert code == 0  # the handler's error is printed, the command still succeeds
    error = json.loads(lines[-1])
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "name is required")
