"""Minimum healthy hosts, as the CodeDeploy user guide's instance-health rules describe them.

Sources (AWS docs): CodeDeploy user guide "Instance health" (instances-health.html: order of
instances, success needs at least one instance, immediate failure when healthy <= minimum with
nothing else to deploy to, the 85 % of 10 example), "Deployment configurations"
(deployment-configurations.html: HalfAtATime rounding), API reference MinimumHealthyHosts
(the 9-instance HOST_COUNT 6 / FLEET_PERCENT 40 examples) and ErrorInformation (HEALTH_CONSTRAINTS,
HEALTH_CONSTRAINTS_INVALID).
"""

from __future__ import annotations

import pytest

from simulator.codedeploy import ConfigError, ScriptOutcome, deploy
from simulator.codedeploy._configs import resolve_config
from simulator.world import load_world
from tests.simulator.deploy.conftest import FakeRunner, write_revision


def _world(n: int, config: str, *, unhealthy: tuple[int, ...] = (), configs: str = "") -> object:
    lines = []
    for k in range(1, n + 1):
        health = "unhealthy" if k in unhealthy else "healthy"
        lines.append(f"    i-{k}: {{health: {health}}}")
    names = ", ".join(f"i-{k}" for k in range(1, n + 1))
    text = f"""
ec2:
  instances:
{chr(10).join(lines)}
codedeploy:
  deployment_configs:
    Count6: {{minimum_healthy_hosts: {{type: HOST_COUNT, value: 6}}}}
    Count2: {{minimum_healthy_hosts: {{type: HOST_COUNT, value: 2}}}}
    Count3: {{minimum_healthy_hosts: {{type: HOST_COUNT, value: 3}}}}
    Pct85: {{minimum_healthy_hosts: {{type: FLEET_PERCENT, value: 85}}}}
    Zero: {{minimum_healthy_hosts: {{type: HOST_COUNT, value: 0}}}}
{configs}
  applications:
    web:
      deployment_groups:
        prod: {{instances: [{names}], deployment_config: {config}}}
"""
    return load_world(text)


def _run(tmp_path, world, runner=None, options=None):
    rev = write_revision(tmp_path / "rev")
    runner = runner or FakeRunner()
    return deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options(runner)), runner


def _waves(result) -> list[list[str]]:
    """Instances grouped by the virtual time they started (BeforeInstall always runs)."""
    starts: dict[float, list[str]] = {}
    for e in result.events:
        if e.event == "DownloadBundle" and e.start is not None:
            starts.setdefault(e.start, []).append(e.target)
    return [sorted(v) for _k, v in sorted(starts.items())]


def _failing(*targets: str):
    def decide(call):
        if call.target in targets and call.env["LIFECYCLE_EVENT"] == "ValidateService":
            return ScriptOutcome("Failed", 1, 0.01, ["bad"])
        return None

    return decide


def test_host_count_six_of_nine_deploys_three_at_a_time(tmp_path, options):
    # API reference MinimumHealthyHosts: HOST_COUNT 6 of 9 -> up to 3 at a time.
    result, _ = _run(tmp_path, _world(9, "Count6"), options=options)
    assert result.status == "Succeeded"
    assert [len(w) for w in _waves(result)] == [3, 3, 3]


def test_host_count_six_needs_six_successes(tmp_path, options):
    # Three failures in the first wave leave 6 healthy: nothing more may leave service.
    world = _world(9, "Count6")
    result, runner = _run(tmp_path, world, FakeRunner(_failing("i-1", "i-2", "i-3")), options)
    assert result.status == "Failed"
    assert result.error_code == "HEALTH_CONSTRAINTS"
    assert runner.events_run("i-4") == []


def test_eighty_five_percent_of_ten_fails_on_the_first_failure(tmp_path, options):
    # Instance health page: 85 % of 10 rounds up to 9; one failure already fails it.
    result, runner = _run(tmp_path, _world(10, "Pct85"), FakeRunner(_failing("i-1")), options)
    assert result.status == "Failed"
    assert result.error_code == "HEALTH_CONSTRAINTS"
    assert [len(w) for w in _waves(result)] == [1]
    assert all(runner.events_run(f"i-{k}") == [] for k in range(2, 11))


def test_fleet_percent_rounds_up():
    config = resolve_config(
        "Pct", "Server", {"Pct": {"minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 40}}}
    )
    assert [config.minimum(n) for n in (9, 10, 1)] == [4, 4, 1]
    half = resolve_config("CodeDeployDefault.HalfAtATime", "Server")
    assert [half.minimum(n) for n in (9, 4, 1)] == [5, 2, 1]


def test_healthy_equal_to_minimum_fails_before_anything_runs(tmp_path, options):
    # All 3 healthy with a minimum of 3: no instance may ever leave service.
    result, runner = _run(tmp_path, _world(3, "Count3"), options=options)
    assert result.status == "Failed"
    assert result.error_code == "HEALTH_CONSTRAINTS_INVALID"
    assert runner.calls == []
    assert {e.status for e in result.events} == {"Skipped"}


def test_unhealthy_instances_go_first_and_do_not_lower_the_healthy_count(tmp_path, options):
    # 2 healthy of 3 with a minimum of 2: healthy == minimum, yet the unhealthy instance can be
    # deployed to; once it succeeds there are 3 healthy and the others go one at a time.
    result, _ = _run(tmp_path, _world(3, "Count2", unhealthy=(3,)), options=options)
    assert result.status == "Succeeded"
    assert result.error_code == ""
    assert _waves(result) == [["i-3"], ["i-1"], ["i-2"]]


def test_unhealthy_instance_joins_a_wave_of_healthy_ones(tmp_path, options):
    result, _ = _run(tmp_path, _world(4, "Count2", unhealthy=(4,)), options=options)
    assert result.status == "Succeeded"
    assert _waves(result) == [["i-1", "i-4"], ["i-2", "i-3"]]


def test_failed_unhealthy_instance_first_then_health_constraints(tmp_path, options):
    world = _world(3, "Count2", unhealthy=(3,))
    result, runner = _run(tmp_path, world, FakeRunner(_failing("i-3")), options)
    assert result.status == "Failed"
    assert result.error_code == "HEALTH_CONSTRAINTS"
    assert runner.events_run("i-1") == []


def test_minimum_zero_still_needs_one_success(tmp_path, options):
    result, _ = _run(tmp_path, _world(2, "Zero"), FakeRunner(_failing("i-1", "i-2")), options)
    assert result.status == "Failed"
    assert "needs at least 1" in result.message
    ok, _ = _run(tmp_path, _world(2, "Zero"), FakeRunner(_failing("i-1")), options)
    assert ok.status == "Succeeded"


def test_minimum_above_the_fleet_cannot_succeed_even_when_all_are_unhealthy(tmp_path, options):
    result, runner = _run(tmp_path, _world(2, "Count3", unhealthy=(1, 2)), options=options)
    assert result.error_code == "HEALTH_CONSTRAINTS_INVALID"
    assert runner.calls == []


def test_order_unhealthy_then_unknown_then_old_revision(tmp_path, options):
    world = _world(3, "CodeDeployDefault.OneAtATime", unhealthy=(3,))
    group = world.state["codedeploy"]["applications"]["web"]["deployment_groups"]["prod"]
    group["instances"] = ["i-1"]
    first, _ = _run(tmp_path, world, options=options)
    assert first.status == "Succeeded"
    group["instances"] = ["i-1", "i-2", "i-3"]
    result, _ = _run(tmp_path, world, options=options)
    # i-3 unhealthy, i-2 has no revision yet (unknown), i-1 has the old one.
    assert [w[0] for w in _waves(result)] == ["i-3", "i-2", "i-1"]


@pytest.mark.parametrize(
    "spec",
    [
        {"minimum_healthy_hosts": {"type": "HOST_COUNT", "value": 2}},
        {"minimumHealthyHosts": {"type": "HOST_COUNT", "value": 2}, "computePlatform": "Server"},
        {"deploymentConfigInfo": {"minimumHealthyHosts": {"type": "HOST_COUNT", "value": 2}}},
        "aws deploy create-deployment-config --deployment-config-name Two "
        "--minimum-healthy-hosts type=HOST_COUNT,value=2",
        "aws deploy create-deployment-config --deployment-config-name Two "
        '--minimum-healthy-hosts \'{"type": "HOST_COUNT", "value": 2}\'',
        {
            "Type": "AWS::CodeDeploy::DeploymentConfig",
            "Properties": {"MinimumHealthyHosts": {"Type": "HOST_COUNT", "Value": "2"}},
        },
        {"MinimumHealthyHosts": {"Type": "HOST_COUNT", "Value": 2}},
    ],
    ids=["world", "api", "get-output", "cli-shorthand", "cli-json", "cfn-resource", "cfn-props"],
)
def test_custom_config_in_every_form(spec):
    config = resolve_config("Two", "Server", {"Two": spec})
    assert (config.kind, config.value) == ("HOST_COUNT", 2)


def test_traffic_config_from_cli_and_cloudformation():
    cli = (
        "aws deploy create-deployment-config --deployment-config-name C --compute-platform Lambda "
        "--traffic-routing-config "
        "type=TimeBasedCanary,timeBasedCanary={canaryPercentage=25,canaryInterval=45}"
    )
    config = resolve_config("C", "Lambda", {"C": cli})
    assert config.steps() == [(0.0, 25.0), (45.0, 100.0)]
    cfn = {
        "Properties": {
            "ComputePlatform": "ECS",
            "TrafficRoutingConfig": {
                "Type": "TimeBasedLinear",
                "TimeBasedLinear": {"LinearPercentage": 50, "LinearInterval": 3},
            },
        }
    }
    assert resolve_config("L", "ECS", {"L": cfn}).steps() == [(0.0, 50.0), (3.0, 100.0)]


def test_config_forms_give_clear_errors():
    with pytest.raises(ConfigError, match="is for the Lambda compute platform"):
        resolve_config(
            "X",
            "Server",
            {"X": {"computePlatform": "Lambda", "trafficRoutingConfig": {"type": "AllAtOnce"}}},
        )
    with pytest.raises(ConfigError, match="unknown option '--minimum-hosts'"):
        resolve_config(
            "X",
            "Server",
            {
                "X": "aws deploy create-deployment-config "
                "--deployment-config-name X --minimum-hosts 2"
            },
        )
    with pytest.raises(ConfigError, match="creates 'Y'"):
        resolve_config(
            "X", "Server", {"X": "aws deploy create-deployment-config --deployment-config-name Y"}
        )
    with pytest.raises(ConfigError, match=r"uses Ref; read the whole template"):
        resolve_config(
            "X",
            "Server",
            {"X": {"MinimumHealthyHosts": {"Type": "HOST_COUNT", "Value": {"Ref": "Count"}}}},
        )
    with pytest.raises(ConfigError, match=r"outside 0\.\.99"):
        resolve_config(
            "X", "Server", {"X": {"MinimumHealthyHosts": {"Type": "FLEET_PERCENT", "Value": 100}}}
        )


TEMPLATE = {
    "Parameters": {"Healthy": {"Type": "Number", "Default": 2}},
    "Resources": {
        "Config": {
            "Type": "AWS::CodeDeploy::DeploymentConfig",
            "Properties": {
                "DeploymentConfigName": "KeepTwo",
                "MinimumHealthyHosts": {"Type": "HOST_COUNT", "Value": {"Ref": "Healthy"}},
            },
        },
        "Unnamed": {
            "Type": "AWS::CodeDeploy::DeploymentConfig",
            "Properties": {"MinimumHealthyHosts": {"Type": "FLEET_PERCENT", "Value": 50}},
        },
        "Group": {
            "Type": "AWS::CodeDeploy::DeploymentGroup",
            "Properties": {"DeploymentConfigName": {"Ref": "Config"}},
        },
    },
}


def test_cloudformation_template_refs_resolve_to_configs_and_names():
    from simulator.codedeploy._config_forms import configs_from_template, group_config_name

    found = configs_from_template(TEMPLATE)
    assert set(found) == {"KeepTwo", "Unnamed"}
    custom = dict(found.items())
    config = resolve_config("KeepTwo", "Server", {k: v.spec for k, v in custom.items()})
    assert (config.kind, config.value) == ("HOST_COUNT", 2)
    assert (
        configs_from_template(TEMPLATE, {"Healthy": 3})["KeepTwo"].spec["minimum_healthy_hosts"][
            "value"
        ]
        == 3
    )
    group = TEMPLATE["Resources"]["Group"]["Properties"]["DeploymentConfigName"]
    assert group_config_name(TEMPLATE, group) == "KeepTwo"
    assert group_config_name(TEMPLATE, {"Ref": "Unnamed"}) == "Unnamed"
    with pytest.raises(ConfigError, match="has no attribute Name; !Ref Config returns its name"):
        group_config_name(TEMPLATE, {"Fn::GetAtt": ["Config", "Name"]})
    with pytest.raises(ConfigError, match="!Ref Missing names no parameter"):
        group_config_name(TEMPLATE, {"Ref": "Missing"})


def test_custom_template_config_drives_the_deployment(tmp_path, options):
    from simulator.codedeploy._config_forms import configs_from_template

    world = _world(4, "KeepTwo")
    world.state["codedeploy"]["deployment_configs"].update(
        {k: v.spec for k, v in configs_from_template(TEMPLATE).items()}
    )
    result, _ = _run(tmp_path, world, options=options)
    assert [len(w) for w in _waves(result)] == [2, 2]


def test_stopped_instance_is_attempted_and_counts_as_failed(tmp_path, options):
    # Instance health page: a stopped instance has the same impact as a failed one.
    world = _world(3, "CodeDeployDefault.AllAtOnce")
    world.state["ec2"]["instances"]["i-2"] = {"health": "stopped"}
    result, runner = _run(tmp_path, world, options=options)
    assert result.status == "Succeeded"  # AllAtOnce: one success is enough
    stopped = [e for e in result.events if e.target == "i-2" and e.status == "Failed"]
    assert stopped and "is stopped" in stopped[0].message
    assert runner.events_run("i-2") == []
    world = _world(2, "Count2")
    world.state["ec2"]["instances"]["i-1"] = {"health": "stopped"}
    result, _ = _run(tmp_path, world, options=options)
    assert result.error_code == "HEALTH_CONSTRAINTS_INVALID"  # 1 healthy of 2, minimum 2
