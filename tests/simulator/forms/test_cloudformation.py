"""CloudFormation pipelines: intrinsic functions evaluated, resources around the pipeline checked."""

from __future__ import annotations

from pathlib import Path

from simulator import check
from simulator.forms import read_cloudformation

NOTES = Path(__file__).parent / "notes"
TEMPLATE = (NOTES / "pipeline.yaml").read_text()


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.strip() == needle)


def test_references_resolve_to_the_declared_names() -> None:
    (conv,) = read_cloudformation(TEMPLATE, "t.yaml", run=True, account="111122223333")
    stages = conv.document["pipeline"]["stages"]
    assert stages[1]["actions"][0]["configuration"]["ProjectName"] == "app-build"
    prod = stages[5]["actions"][0]["configuration"]
    assert (prod["ApplicationName"], prod["DeploymentGroupName"]) == ("app", "production")
    source = stages[0]["actions"][0]["configuration"]
    assert source["FullRepositoryId"] == "myorg/myrepo"  # the parameter's default
    assert source["DetectChanges"] == "true"  # configuration values are strings
    assert conv.projects["app-build"].variables[1] == {
        "name": "AWS_REGION", "value": "us-east-1", "type": "PLAINTEXT",
    }  # fmt: skip


def test_a_group_the_template_does_not_declare_is_an_error_at_the_template_line() -> None:
    text = TEMPLATE.replace("DeploymentGroupName: !Ref Production", "DeploymentGroupName: prod")
    report = check(text, "pipeline", filename="t.yaml")
    (error,) = [f for f in report.findings if f.severity == "error"]
    assert error.code == "FM002"
    assert error.line == _line(text, "DeploymentGroupName: prod")
    assert "production" in error.message


def test_codedeploy_to_ecs_needs_an_ecs_application() -> None:
    text = TEMPLATE.replace("ComputePlatform: ECS", "ComputePlatform: Server")
    codes = {f.code for f in check(text, "pipeline", filename="t.yaml").errors}
    assert "FM004" in codes


def test_a_custom_deployment_config_in_the_template_reaches_the_world() -> None:
    from simulator.forms import apply_to_world
    from simulator.world import empty_world

    custom = """  Canary25:
    Type: AWS::CodeDeploy::DeploymentConfig
    Properties:
      DeploymentConfigName: Canary25Percent3Minutes
      ComputePlatform: ECS
      TrafficRoutingConfig:
        Type: TimeBasedCanary
        TimeBasedCanary: {CanaryPercentage: 25, CanaryInterval: 3}
"""
    text = TEMPLATE.replace("Resources:\n", "Resources:\n" + custom, 1).replace(
        "DeploymentConfigName: CodeDeployDefault.ECSCanary10Percent5Minutes",
        "DeploymentConfigName: !Ref Canary25",
    )
    assert check(text, "pipeline", filename="t.yaml").errors == []
    (conv,) = read_cloudformation(text, "t.yaml", run=True)
    world = empty_world()
    apply_to_world(conv, world)
    codedeploy = world.state["codedeploy"]
    assert codedeploy["deployment_configs"]["Canary25Percent3Minutes"] == {
        "traffic_routing": {"type": "TimeBasedCanary", "percentage": 25, "interval": 3}
    }
    group = codedeploy["applications"]["app"]["deployment_groups"]["production"]
    assert group["deployment_config"] == "Canary25Percent3Minutes"
