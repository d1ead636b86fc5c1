"""EC2/on-premises deployments: event orders, success rules, ApplicationStop, files, rollback."""

from __future__ import annotations

from simulator.codedeploy import ScriptOutcome, deploy, in_place_order
from tests.simulator.deploy.conftest import (
    FakeRunner,
    fail_when,
    server_world,
    write_revision,
)

NO_LB = [
    "ApplicationStop",
    "DownloadBundle",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
]
WITH_LB = [
    "BeforeBlockTraffic",
    "BlockTraffic",
    "AfterBlockTraffic",
    *NO_LB,
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
]


def _events(result, target):
    return [e for e in result.events if e.target == target]


def test_in_place_order_without_and_with_load_balancer(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    for lb, expected in ((False, NO_LB), (True, WITH_LB)):
        world = server_world(1, lb=lb)
        result = deploy(
            (rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner())
        )
        assert result.status == "Succeeded"
        assert [e.event for e in _events(result, "i-1")] == expected
        assert list(in_place_order(lb)) == expected


def test_hook_environment_and_times_are_virtual(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    runner = FakeRunner()
    world = server_world(1)
    result = deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options(runner))
    env = runner.calls[0].env
    assert env["LIFECYCLE_EVENT"] == "BeforeInstall"
    assert env["DEPLOYMENT_ID"] == result.deployment_id
    assert env["APPLICATION_NAME"] == "web"
    assert env["DEPLOYMENT_GROUP_NAME"] == "prod"
    assert len(env["DEPLOYMENT_GROUP_ID"]) == 36
    starts = [e["start"] for e in result.to_dict()["events"]]
    assert starts == sorted(starts)


def test_application_stop_skipped_first_then_runs_previous_revision(tmp_path, options):
    v1 = write_revision(tmp_path / "v1", "v1")
    v2 = write_revision(tmp_path / "v2", "v2")
    (v2 / "scripts" / "ApplicationStop.sh").write_text("#!/bin/bash\necho v2-stop\n")
    world = server_world(2)
    runner = FakeRunner()
    first = deploy((v1 / "appspec.yml").read_text(), v1, world, "prod", options(runner))
    stop = [e for e in first.events if e.event == "ApplicationStop"]
    assert {e.status for e in stop} == {"Skipped"}
    assert "ApplicationStop" not in runner.events_run("i-1")
    runner2 = FakeRunner()
    second = deploy((v2 / "appspec.yml").read_text(), v2, world, "prod", options(runner2))
    assert second.status == "Succeeded"
    stops = [c for c in runner2.calls if c.env["LIFECYCLE_EVENT"] == "ApplicationStop"]
    assert len(stops) == 2
    assert all(c.revision == "previous" for c in stops)
    # The stored script is the one of v1, not the new v2 file.
    assert "v1" in runner2.previous_seen["i-1"]["scripts/ApplicationStop.sh"]


def test_one_at_a_time_stops_at_first_failure(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    runner = FakeRunner(fail_when("i-2", "AfterInstall"))
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, server_world(3), "prod", options(runner)
    )
    assert result.status == "Failed"
    i2 = {e.event: e for e in _events(result, "i-2")}
    assert i2["AfterInstall"].status == "Failed"
    assert i2["AfterInstall"].error_code == "ScriptFailed"
    assert i2["ApplicationStart"].status == "Skipped"
    assert {e.status for e in _events(result, "i-3")} == {"Skipped"}
    assert runner.events_run("i-3") == []


def test_one_at_a_time_last_instance_failure_still_succeeds(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    runner = FakeRunner(fail_when("i-3", "ValidateService"))
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, server_world(3), "prod", options(runner)
    )
    assert result.status == "Succeeded"
    assert "last instance" in result.message


def test_one_at_a_time_single_instance_must_succeed(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    runner = FakeRunner(fail_when("i-1", "ValidateService"))
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, server_world(1), "prod", options(runner)
    )
    assert result.status == "Failed"


def _batches(result):
    """Instances grouped by the virtual time their first event started."""
    starts: dict[float, list[str]] = {}
    for e in result.events:
        if e.event == "ApplicationStop" and e.start is not None:
            starts.setdefault(e.start, []).append(e.target)
    return [sorted(v) for _k, v in sorted(starts.items())]


def test_half_at_a_time_rounds_batches_down_and_success_up(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    world = server_world(9, config="CodeDeployDefault.HalfAtATime")
    result = deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner()))
    assert result.status == "Succeeded"
    assert [len(b) for b in _batches(result)] == [4, 4, 1]
    # 4 failures of 9 leave 5 successes: enough (at least half rounded up).
    failing = {"i-1", "i-2", "i-3", "i-4"}

    def decide(call):
        if call.target in failing and call.env["LIFECYCLE_EVENT"] == "ValidateService":
            return ScriptOutcome("Failed", 1, 0.01, [])
        return None

    world = server_world(9, config="CodeDeployDefault.HalfAtATime")
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner(decide))
    )
    # The first batch failed entirely: 9 - 4 = 5 healthy = the minimum, so nothing more can go.
    assert result.status == "Failed"
    assert "minimum of 5" in result.message


def test_half_at_a_time_single_instance_cannot_start(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    world = server_world(1, config="CodeDeployDefault.HalfAtATime")
    result = deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner()))
    assert result.status == "Failed"
    assert "HEALTH_CONSTRAINTS" in result.message


def test_all_at_once_succeeds_if_one_instance_succeeds(tmp_path, options):
    rev = write_revision(tmp_path / "rev")

    def decide(call):
        if call.target != "i-2" and call.env["LIFECYCLE_EVENT"] == "AfterInstall":
            return ScriptOutcome("Failed", 3, 0.01, [])
        return None

    world = server_world(3, config="CodeDeployDefault.AllAtOnce")
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner(decide))
    )
    assert result.status == "Succeeded"
    assert len(_batches(result)) == 1

    def all_fail(call):
        return (
            ScriptOutcome("Failed", 3, 0.01, [])
            if call.env["LIFECYCLE_EVENT"] == "AfterInstall"
            else None
        )

    world = server_world(3, config="CodeDeployDefault.AllAtOnce")
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner(all_fail))
    )
    assert result.status == "Failed"


def test_custom_minimum_healthy_hosts(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    world = server_world(5, config="Min2")
    result = deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner()))
    assert [len(b) for b in _batches(result)] == [3, 2]
    # FLEET_PERCENT 40 of 9 = 3.6, rounded up to 4 healthy: 5 at a time.
    world = server_world(9, config="Pct40")
    result = deploy((rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner()))
    assert [len(b) for b in _batches(result)] == [5, 4]


def test_missing_script_and_timeout_are_classified(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    (rev / "scripts" / "AfterInstall.sh").unlink()
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, server_world(1), "prod", options(FakeRunner())
    )
    event = next(e for e in result.events if e.event == "AfterInstall")
    assert (event.status, event.error_code) == ("Failed", "ScriptMissing")

    rev2 = write_revision(tmp_path / "rev2")

    def slow(call):
        if call.env["LIFECYCLE_EVENT"] == "ValidateService":
            return ScriptOutcome("TimedOut", None, 0.5, [], "timed out")
        return None

    result = deploy(
        (rev2 / "appspec.yml").read_text(), rev2, server_world(1), "prod", options(FakeRunner(slow))
    )
    event = next(e for e in result.events if e.event == "ValidateService")
    assert event.error_code == "ScriptTimedOut"
    assert event.end - event.start == 60  # the declared timeout, on the virtual clock


def test_file_exists_behavior(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    top = "    i-9: {files: [/var/www/html/index.html]}"
    text = (rev / "appspec.yml").read_text()
    for behaviour, status in (
        ("DISALLOW", "Failed"),
        ("OVERWRITE", "Succeeded"),
        ("RETAIN", "Succeeded"),
    ):
        world = server_world(1, extra_top="", extra_group="")
        world.state["ec2"]["instances"]["i-1"] = {"files": ["/var/www/html/index.html"]}
        result = deploy(
            text, rev, world, "prod", options(FakeRunner(), file_exists_behavior=behaviour)
        )
        install = next(e for e in result.events if e.event == "Install")
        assert result.status == status, behaviour
        if behaviour == "DISALLOW":
            assert "already exists" in install.message
        files = world.state["codedeploy_revisions"]
        group = next(iter(files.values()))
        origin = group["instances"]["i-1"]["files"]["/var/www/html/index.html"]
        expected = "preexisting" if behaviour in ("DISALLOW", "RETAIN") else result.deployment_id
        assert origin == expected
    del top
    # The AppSpec's own file_exists_behavior overrides the option.
    rev2 = write_revision(tmp_path / "rev2", extra="file_exists_behavior: OVERWRITE")
    world = server_world(1)
    world.state["ec2"]["instances"]["i-1"] = {"files": ["/var/www/html/index.html"]}
    result = deploy((rev2 / "appspec.yml").read_text(), rev2, world, "prod", options(FakeRunner()))
    assert result.status == "Succeeded"


def test_redeploy_overwrites_own_files(tmp_path, options):
    rev = write_revision(tmp_path / "rev")
    world = server_world(1)
    for _ in range(2):
        result = deploy(
            (rev / "appspec.yml").read_text(), rev, world, "prod", options(FakeRunner())
        )
        assert result.status == "Succeeded"


def test_failure_rolls_back_to_last_good_revision(tmp_path, options):
    v1 = write_revision(tmp_path / "v1", "v1")
    v2 = write_revision(tmp_path / "v2", "v2")
    group = "          auto_rollback: [DEPLOYMENT_FAILURE]"
    world = server_world(2, extra_group=group)
    assert deploy(
        (v1 / "appspec.yml").read_text(), v1, world, "prod", options(FakeRunner())
    ).succeeded
    first_id: list[str] = []

    def v2_fails(call):
        first_id.append(first_id[0] if first_id else call.env["DEPLOYMENT_ID"])
        bad = call.env["DEPLOYMENT_ID"] == first_id[0]
        if bad and call.target == "i-1" and call.env["LIFECYCLE_EVENT"] == "ValidateService":
            return ScriptOutcome("Failed", 1, 0.01, [])
        return None

    runner = FakeRunner(v2_fails)
    result = deploy((v2 / "appspec.yml").read_text(), v2, world, "prod", options(runner))
    assert result.status == "Failed"
    assert result.rolled_back is True
    assert result.rollback is not None and result.rollback.status == "Succeeded"
    assert result.rollback.deployment_id != result.deployment_id
    assert result.to_dict()["rolled_back"] is True
    rollback_targets = {e.target for e in result.rollback.events}
    assert rollback_targets == {"i-1"}  # only the instance that received the bad revision
    assert result.rollback.events[0].start >= result.duration_s


def test_failure_without_rollback_config_is_not_rolled_back(tmp_path, options):
    v1 = write_revision(tmp_path / "v1", "v1")
    world = server_world(1)
    result = deploy(
        (v1 / "appspec.yml").read_text(),
        v1,
        world,
        "prod",
        options(FakeRunner(fail_when("i-1", "BeforeInstall"))),
    )
    assert (result.status, result.rolled_back) == ("Failed", False)


def test_alarm_stops_and_rolls_back(tmp_path, options):
    v1 = write_revision(tmp_path / "v1", "v1")
    v2 = write_revision(tmp_path / "v2", "v2")
    top = "alarms:\n  HighErrors: {behaviour: after_traffic, minutes: 0.2}"
    group = "          alarms: [HighErrors]\n          auto_rollback: [DEPLOYMENT_STOP_ON_ALARM]"
    world = server_world(3, extra_top=top, extra_group=group)
    world.state["alarms"]["HighErrors"]["behaviour"] = "ok"
    assert deploy(
        (v1 / "appspec.yml").read_text(), v1, world, "prod", options(FakeRunner())
    ).succeeded
    world.state["alarms"]["HighErrors"]["behaviour"] = "after_traffic"
    result = deploy((v2 / "appspec.yml").read_text(), v2, world, "prod", options(FakeRunner()))
    assert result.status == "Stopped"
    assert result.rolled_back
    assert "HighErrors" in result.message
    assert world.state["alarms"]["HighErrors"]["state"] == "ALARM"
    assert result.traffic[-1].percent_new == 0.0


def test_error_rate_alarm_from_hook_output(tmp_path, options):
    v1 = write_revision(tmp_path / "v1")
    top = "alarms:\n  Errors: {behaviour: error_rate, threshold: 5}"
    world = server_world(2, extra_top=top, extra_group="          alarms: [Errors]")

    def decide(call):
        if call.env["LIFECYCLE_EVENT"] == "ValidateService":
            return ScriptOutcome("Succeeded", 0, 0.01, ["error_rate=12"])
        return None

    result = deploy(
        (v1 / "appspec.yml").read_text(), v1, world, "prod", options(FakeRunner(decide))
    )
    assert result.status == "Stopped"
    assert {e.status for e in _events(result, "i-2")} == {"Skipped"}


def test_blue_green_replacement_then_original_block_traffic(tmp_path, options):
    v1 = write_revision(tmp_path / "v1")
    group = "          deployment_type: BLUE_GREEN\n          termination_wait_minutes: 5"
    world = server_world(2, lb=True, extra_group=group)
    result = deploy((v1 / "appspec.yml").read_text(), v1, world, "prod", options(FakeRunner()))
    assert result.status == "Succeeded"
    green = [e.event for e in _events(result, "i-1-green")]
    assert green == [*NO_LB, "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]
    assert [e.event for e in _events(result, "i-1")] == [
        "BeforeBlockTraffic",
        "BlockTraffic",
        "AfterBlockTraffic",
    ]
    assert result.traffic[-1].percent_new == 100.0
    last_block = max(e.end for e in result.events)
    assert result.duration_s == last_block + 5 * 60  # termination wait
    assert world.changes_of("ec2.terminate")
    raw = world.state["codedeploy"]["applications"]["web"]["deployment_groups"]["prod"]
    assert raw["instances"] == ["i-1-green", "i-2-green"]


def test_unknown_group_and_invalid_appspec_are_clear_errors(tmp_path, options):
    import pytest

    from simulator.codedeploy import DeployInputError, GroupError

    rev = write_revision(tmp_path / "rev")
    with pytest.raises(GroupError, match="known groups: web/prod"):
        deploy(
            (rev / "appspec.yml").read_text(), rev, server_world(1), "nope", options(FakeRunner())
        )
    with pytest.raises(DeployInputError, match="not valid"):
        deploy("version: 0.0\nos: solaris\n", rev, server_world(1), "prod", options(FakeRunner()))


def test_blue_green_failure_rolls_back_traffic_to_originals(tmp_path, options):
    write_revision(tmp_path / "v1", "v1")
    group = (
        "          deployment_type: BLUE_GREEN\n"
        "          auto_rollback: [DEPLOYMENT_FAILURE]\n"
        "          last_successful_revision: v1"
    )
    world = server_world(2, lb=True, extra_group=group)
    v2 = write_revision(tmp_path / "v2", "v2")
    runner = FakeRunner(fail_when("i-1-green", "ValidateService"))
    result = deploy(
        (v2 / "appspec.yml").read_text(), v2, world, "prod", options(runner, base_dir=tmp_path)
    )
    assert result.status == "Failed"
    assert result.rolled_back
    rollback = result.rollback
    originals = [e.event for e in rollback.events if e.target == "i-1"]
    assert originals == ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]
    replacement = [e.event for e in rollback.events if e.target == "i-1-green"]
    assert replacement == ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"]
    assert result.traffic[-1].percent_new == 0.0
    raw = world.state["codedeploy"]["applications"]["web"]["deployment_groups"]["prod"]
    assert raw["instances"] == ["i-1", "i-2"]  # the originals still serve


def test_world_seeded_previous_revision_runs_its_application_stop(tmp_path, options):
    write_revision(tmp_path / "previous", "old")
    rev = write_revision(tmp_path / "rev", "new")
    world = server_world(1, extra_group="          last_successful_revision: previous")
    runner = FakeRunner()
    result = deploy(
        (rev / "appspec.yml").read_text(), rev, world, "prod", options(runner, base_dir=tmp_path)
    )
    assert result.status == "Succeeded"
    stop = [c for c in runner.calls if c.env["LIFECYCLE_EVENT"] == "ApplicationStop"]
    assert stop and stop[0].revision == "previous"
    assert "old" in runner.previous_seen["i-1"]["scripts/ApplicationStop.sh"]


def test_bad_configuration_values_are_explained():
    import pytest

    from simulator.codedeploy import ConfigError, DeployInputError, DeployOptions, GroupError
    from simulator.codedeploy._configs import resolve_config

    with pytest.raises(DeployInputError, match="DISALLOW, OVERWRITE, RETAIN"):
        DeployOptions(file_exists_behavior="REPLACE")
    with pytest.raises(ConfigError, match="does not exist for the Server platform"):
        resolve_config("CodeDeployDefault.LambdaAllAtOnce", "Server")
    with pytest.raises(ConfigError, match=r"outside 1\.\.99"):
        resolve_config(
            "Big",
            "Lambda",
            {
                "Big": {
                    "traffic_routing": {"type": "TimeBasedCanary", "percentage": 100, "interval": 5}
                }
            },
        )
    from simulator.codedeploy import find_group
    from simulator.world import load_world

    world = load_world(
        "codedeploy:\n  applications:\n    a:\n      deployment_groups:\n        g: {}\n"
    )
    with pytest.raises(GroupError, match="has no instances"):
        find_group(world, "g")
