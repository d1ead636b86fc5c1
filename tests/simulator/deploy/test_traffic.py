"""Lambda and ECS deployments: traffic series per configuration, hooks, alarms, rollback."""

from __future__ import annotations

import random

import pytest

from simulator.codedeploy import PREDEFINED, DeployOptions, TrafficConfig, deploy
from simulator.codedeploy._configs import resolve_config
from simulator.world import load_world

LAMBDA_APPSPEC = """
version: 0.0
resources:
  - myFunction:
      type: AWS::Lambda::Function
      properties:
        name: orders
        alias: live
        currentversion: 1
        targetversion: 2
hooks:
  - BeforeAllowTraffic: preHook
  - AfterAllowTraffic: postHook
"""

ECS_APPSPEC = """
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:us-east-1:111122223333:task-definition/web:7"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 80
Hooks:
  - AfterAllowTestTraffic: testHook
  - AfterAllowTraffic: postHook
"""


def lambda_world(
    config: str, *, post: str = "Succeeded", group_extra: str = "", alarms: str = ""
) -> object:
    return load_world(f"""
account: "111122223333"
lambda:
  functions:
    orders: {{versions: [1, 2], aliases: {{live: 1}}}}
    preHook: {{versions: [1]}}
    postHook: {{versions: [1], hooks: {{AfterAllowTraffic: {post}}}}}
    testHook: {{versions: [1]}}
{alarms}
codedeploy:
  applications:
    orders-app:
      compute_platform: Lambda
      deployment_groups:
        live:
          deployment_config: {config}
{group_extra}
    web-app:
      compute_platform: ECS
      deployment_groups:
        web:
          deployment_config: {config.replace("Lambda", "ECS")}
          cluster: prod
          service: web
{group_extra}
""")


def opts() -> DeployOptions:
    return DeployOptions(rng=random.Random(3))


LAMBDA_SERIES = {
    "CodeDeployDefault.LambdaCanary10Percent5Minutes": [(0, 10), (5, 100)],
    "CodeDeployDefault.LambdaCanary10Percent10Minutes": [(0, 10), (10, 100)],
    "CodeDeployDefault.LambdaCanary10Percent15Minutes": [(0, 10), (15, 100)],
    "CodeDeployDefault.LambdaCanary10Percent30Minutes": [(0, 10), (30, 100)],
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": [(k, 10 * (k + 1)) for k in range(10)],
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes": [
        (2 * k, 10 * (k + 1)) for k in range(10)
    ],
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes": [
        (3 * k, 10 * (k + 1)) for k in range(10)
    ],
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes": [
        (10 * k, 10 * (k + 1)) for k in range(10)
    ],
    "CodeDeployDefault.LambdaAllAtOnce": [(0, 100)],
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": [(k, 10 * (k + 1)) for k in range(10)],
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": [(3 * k, 10 * (k + 1)) for k in range(10)],
    "CodeDeployDefault.ECSCanary10Percent5Minutes": [(0, 10), (5, 100)],
    "CodeDeployDefault.ECSCanary10Percent15Minutes": [(0, 10), (15, 100)],
    "CodeDeployDefault.ECSAllAtOnce": [(0, 100)],
}


@pytest.mark.parametrize("name", sorted(LAMBDA_SERIES))
def test_traffic_steps_of_every_predefined_config(name):
    platform = "Lambda" if ".Lambda" in name else "ECS"
    config = resolve_config(name, platform)
    assert [(m, p) for m, p in config.steps()] == LAMBDA_SERIES[name]


def test_every_traffic_config_is_covered():
    assert {n for n in PREDEFINED if ".Lambda" in n or ".ECS" in n} == set(LAMBDA_SERIES)


def test_custom_canary_config():
    config = TrafficConfig("Mine", "TimeBasedCanary", 25, 45)
    assert config.steps() == [(0.0, 25), (45, 100.0)]


def test_lambda_canary_shifts_alias_on_virtual_clock():
    world = lambda_world("CodeDeployDefault.LambdaCanary10Percent15Minutes")
    result = deploy(LAMBDA_APPSPEC, None, world, "live", opts())
    assert result.status == "Succeeded"
    assert [e.event for e in result.events] == [
        "BeforeAllowTraffic",
        "AllowTraffic",
        "AfterAllowTraffic",
    ]
    data = result.to_dict()
    assert [(p["minute"], p["percent_new"]) for p in data["traffic"]] == [
        (0.0, 0.0),
        (pytest.approx(10 / 60, abs=1e-3), 10.0),
        (pytest.approx(15 + 10 / 60, abs=1e-3), 100.0),
    ]
    assert result.duration_s > 15 * 60  # the timeline says 15 minutes...
    alias_changes = world.changes_of("lambda.update_alias")
    assert alias_changes[0]["weights"] == {"2": 0.1}
    assert world.state["lambda"]["orders"]["aliases"]["live"] == {"version": 2, "weights": {}}


def test_failing_after_allow_traffic_hook_fails_and_rolls_back():
    world = lambda_world(
        "CodeDeployDefault.LambdaAllAtOnce",
        post="Failed",
        group_extra="          auto_rollback: [DEPLOYMENT_FAILURE]",
    )
    result = deploy(LAMBDA_APPSPEC, None, world, "live", opts())
    assert result.status == "Failed"
    after = result.events[2]
    assert (after.event, after.status) == ("AfterAllowTraffic", "Failed")
    assert result.rolled_back
    assert result.traffic[-1].percent_new == 0.0
    assert world.state["lambda"]["orders"]["aliases"]["live"]["version"] == 1


def test_hook_without_callback_fails_after_one_hour():
    world = lambda_world("CodeDeployDefault.LambdaAllAtOnce", post="NoCallback")
    result = deploy(LAMBDA_APPSPEC, None, world, "live", opts())
    after = result.events[2]
    assert after.status == "Failed"
    assert after.end - after.start == 3600
    assert not result.rolled_back


def test_alarm_during_canary_stops_and_rolls_back():
    alarms = "alarms:\n  Errors: {behaviour: after_traffic, minutes: 3}"
    group = "          alarms: [Errors]\n          auto_rollback: [DEPLOYMENT_STOP_ON_ALARM]"
    world = lambda_world(
        "CodeDeployDefault.LambdaCanary10Percent10Minutes", alarms=alarms, group_extra=group
    )
    result = deploy(LAMBDA_APPSPEC, None, world, "live", opts())
    assert result.status == "Stopped"
    assert result.rolled_back
    percents = [p.percent_new for p in result.traffic]
    assert percents == [0.0, 10.0, 0.0]
    assert max(p.percent_new for p in result.traffic) == 10.0
    allow = result.events[1]
    assert allow.status == "Failed"
    assert allow.end == pytest.approx((3 + 10 / 60) * 60)
    assert result.events[2].status == "Skipped"


def test_ecs_blue_green_order_task_sets_and_test_listener():
    world = lambda_world("CodeDeployDefault.LambdaCanary10Percent5Minutes")
    result = deploy(ECS_APPSPEC, None, world, "web", opts())
    assert result.status == "Succeeded"
    assert [e.event for e in result.events] == [
        "BeforeInstall",
        "Install",
        "AfterInstall",
        "AllowTestTraffic",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
        "AllowTraffic",
        "AfterAllowTraffic",
    ]
    assert result.config == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    assert [p.percent_new for p in result.traffic] == [0.0, 10.0, 100.0]
    assert world.changes_of("ecs.create_task_set")
    assert world.changes_of("ecs.delete_task_set")
    assert world.state["ecs"]["deployments"]["prod/web"]["production"] == "replacement"
    hooks = [c["hook"] for c in world.changes_of("lambda.invoke")]
    assert hooks == ["AfterAllowTestTraffic", "AfterAllowTraffic"]
