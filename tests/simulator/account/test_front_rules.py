"""The account front's own rules: IAM capabilities (CloudFormation) and which calls write."""

from __future__ import annotations

import pytest

from simulator.account._server import _missing_capability
from simulator.account._writes import is_write

ROLE = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
      {extra}
"""
SG = """
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupName: web, GroupDescription: web}
  Policy:
    Type: AWS::IAM::Policy
    Properties: {PolicyName: inline, PolicyDocument: {}, Roles: [!Ref Other]}
"""


@pytest.mark.parametrize(
    ("template", "given", "missing"),
    [
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html
        # (acknowledging IAM resources): any IAM resource needs CAPABILITY_IAM ...
        (ROLE.replace("{extra}", ""), [], "CAPABILITY_IAM"),
        (ROLE.replace("{extra}", ""), ["CAPABILITY_IAM"], None),
        (ROLE.replace("{extra}", ""), ["CAPABILITY_NAMED_IAM"], None),
        # ... and one with a custom name needs CAPABILITY_NAMED_IAM (CAPABILITY_IAM is not enough)
        (ROLE.replace("{extra}", "RoleName: deployer"), [], "CAPABILITY_NAMED_IAM"),
        (ROLE.replace("{extra}", "RoleName: deployer"), ["CAPABILITY_IAM"], "CAPABILITY_NAMED_IAM"),
        (ROLE.replace("{extra}", "RoleName: deployer"), ["CAPABILITY_NAMED_IAM"], None),
        # A security group's GroupName and an inline policy's PolicyName name no IAM resource.
        (SG, [], "CAPABILITY_IAM"),
        (SG, ["CAPABILITY_IAM"], None),
        (SG.split("  Policy:")[0], [], None),
    ],
)
def test_iam_capabilities_follow_the_resources_and_their_names(
    template: str, given: list[str], missing: str | None
) -> None:
    params = {"TemplateBody": template} | {
        f"Capabilities.member.{i + 1}": c for i, c in enumerate(given)
    }
    assert _missing_capability(params) == missing


@pytest.mark.parametrize(
    "operation",
    [
        "LabelParameterVersion",
        "UnlabelParameterVersion",
        "AddTagsToResource",
        "RemoveTagsFromResource",
        "AddPermission",
        "RemovePermission",
        "UntagResource",
        "PutParameter",
        "DeleteObject",
        "AttachRolePolicy",
        "PUT /bucket/key",
    ],
)
def test_writes_are_every_operation_that_is_not_a_read(operation: str) -> None:
    assert is_write(operation)


@pytest.mark.parametrize(
    "operation",
    ["GetParameter", "ListObjectsV2", "DescribeStacks", "HeadObject", "BatchGetImage",
     "AssumeRole", "GET /bucket", ""],
)  # fmt: skip
def test_reads_are_not_writes(operation: str) -> None:
    assert not is_write(operation)
