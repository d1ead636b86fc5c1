"""World fixtures: parsing, clear errors, recorded changes, save and restore."""

from __future__ import annotations

import json

import pytest

from simulator.world import World, WorldError, empty_world, load_world

FULL = """
account: "111122223333"
region: eu-west-1
accounts:
  "444455556666": {name: production, region: us-east-1}
roles:
  - name: DeployRole
    account: "444455556666"
    trust: ["111122223333"]
parameters:
  /app/db/password: {type: SecureString, value: hunter2}
  /app/flag:
    versions:
      - value: "off"
      - value: "on"
        labels: [prod]
      - value: maybe
secrets:
  prod/api-key:
    value: {API_KEY: abc123}
  rotated:
    versions:
      - {id: old, value: one, stages: [AWSPREVIOUS]}
      - {id: new, value: two, stages: [AWSCURRENT]}
ecr:
  repositories:
    web: {images: [{tag: v1}]}
s3:
  buckets:
    artifacts: {versioning: true, objects: {"readme.txt": hello}}
lambda:
  functions:
    orders:
      versions: [1, 2]
      aliases: {live: {version: 1}}
alarms:
  HighErrors: {behaviour: after_traffic, minutes: 3}
sns:
  topics: [deploy-events]
codedeploy:
  applications:
    web:
      compute_platform: Server
      deployment_groups:
        prod: {deployment_config: CodeDeployDefault.OneAtATime, alarms: [HighErrors]}
"""


def test_full_fixture_loads():
    world = load_world(FULL)
    assert world.account_id == "111122223333" and world.region == "eu-west-1"
    assert world.can_assume("arn:aws:iam::444455556666:role/DeployRole", "111122223333")
    assert not world.can_assume("arn:aws:iam::444455556666:role/DeployRole", "999999999999")
    assert world.ssm_get("/app/flag")["value"] == "maybe"
    assert world.ssm_get("/app/flag:1")["value"] == "off"
    assert world.ssm_get("/app/flag:prod")["value"] == "on"
    assert json.loads(world.secret_get("prod/api-key")["value"]) == {"API_KEY": "abc123"}
    assert world.secret_get("rotated")["value"] == "two"
    assert world.secret_get("rotated", version_stage="AWSPREVIOUS")["value"] == "one"
    assert world.s3_get("artifacts", "readme.txt") == b"hello"
    assert world.state["alarms"]["HighErrors"]["state"] == "OK"
    group = world.state["codedeploy"]["applications"]["web"]["deployment_groups"]["prod"]
    assert group["alarms"] == ["HighErrors"]


def test_sections_are_typed():
    world = load_world(FULL)
    flag = world.parameters["/app/flag"]
    assert (flag.type, [v.value for v in flag.versions]) == ("String", ["off", "on", "maybe"])
    assert flag.versions[1].labels == ("prod",) and world.parameters["/app/db/password"].secure
    rotated = world.secrets["rotated"]
    assert [(v.id, v.value, v.stages) for v in rotated.versions] == [
        ("old", "one", ("AWSPREVIOUS",)),
        ("new", "two", ("AWSCURRENT",)),
    ]
    assert world.secrets["prod/api-key"].versions[0].value == '{"API_KEY":"abc123"}'
    repo = world.repositories["web"]
    assert (repo.account, repo.images[0].tags) == ("111122223333", ("v1",))
    assert world.ecr_find("111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:v1") == repo
    assert world.ecr_find("444455556666.dkr.ecr.eu-west-1.amazonaws.com/web:v1") is None
    bucket = world.buckets["artifacts"]
    assert bucket.versioning and bucket.region == "eu-west-1"
    assert bucket.objects["readme.txt"].size == 5
    orders = world.functions["orders"]
    assert (orders.runtime, orders.versions, orders.aliases["live"].version) == (
        "nodejs20.x",
        (1, 2),
        1,
    )
    alarm = world.alarms["HighErrors"]
    assert (alarm.behaviour, alarm.state, alarm.minutes, alarm.in_alarm) == (
        "after_traffic",
        "OK",
        3.0,
        False,
    )
    role = world.roles["arn:aws:iam::444455556666:role/DeployRole"]
    assert role.trusts("111122223333") and not role.trusts("999999999999")
    assert list(world.topics) == ["deploy-events"] and world.stacks == {}


def test_engine_writes_show_in_the_typed_sections():
    world = load_world(FULL)
    world.set_alarm_state("HighErrors", "ALARM")
    world.set_alarm_state("New", "ALARM", behaviour="alarm")
    assert world.alarms["HighErrors"].in_alarm and world.alarms["HighErrors"].minutes == 3.0
    assert world.alarms["New"].behaviour == "alarm"
    arn = "arn:aws:sns:eu-west-1:111122223333:deploy-events"
    assert world.sns_publish(arn, {"custom_data": "go"}) and not world.sns_publish("nope", {})
    assert world.topics["deploy-events"].messages == ({"custom_data": "go"},)
    world.stage_change_set("web", {"Resources": {}}, {"Env": "prod"})
    assert world.stacks["web"].status == "REVIEW_IN_PROGRESS"
    assert world.stacks["web"].change_set == {
        "template": {"Resources": {}},
        "parameters": {"Env": "prod"},
    }
    world.put_stack("web", status="CREATE_COMPLETE", parameters={"Env": "prod"}, resources=["B"])
    assert (world.stacks["web"].status, world.stacks["web"].resources) == (
        "CREATE_COMPLETE",
        ("B",),
    )
    world.delete_stack("web")
    assert "web" not in world.stacks
    assert world.deployment_configs == {}
    config = {"type": "TimeBasedCanary", "percentage": 10, "interval": 5}
    group = {"deployment_groups": {"beta": {"alarms": [], "declared_at": 3}}}
    world.declare_codedeploy({"web": group}, {"Canary10": config})
    world.deployment_configs["Canary10"]["percentage"] = 99  # a copy: the world keeps its own
    assert world.deployment_configs["Canary10"]["percentage"] == 10
    groups = world.state["codedeploy"]["applications"]["web"]["deployment_groups"]
    assert set(groups) == {"prod", "beta"} and groups["beta"] == {"alarms": []}
    assert world.ecs_register_task_definition("api", "{}") == 1
    assert world.ecs_register_task_definition("api", "{}") == 2


def test_missing_things_raise_with_the_aws_error_name():
    world = load_world(FULL)
    with pytest.raises(KeyError, match="ParameterNotFound"):
        world.ssm_get("/nope")
    with pytest.raises(KeyError, match="ParameterVersionLabelNotFound"):
        world.ssm_get("/app/flag:staging")
    with pytest.raises(KeyError, match="ResourceNotFoundException"):
        world.secret_get("nope")


def test_changes_are_recorded_and_survive_a_round_trip():
    world = load_world(FULL)
    world.ecr_push("web", "v2", "sha256:" + "a" * 64)
    world.s3_put("artifacts", "build/out.zip", b"PK\x03\x04zip")
    world.lambda_update_code("orders", "new code")  # AWS publishes only when something changed
    version = world.lambda_publish("orders")
    world.lambda_update_alias("orders", "live", 1, {str(version): 0.1})
    assert [c["action"] for c in world.changes] == [
        "ecr.push",
        "s3.put",
        "lambda.update_code",
        "lambda.publish_version",
        "lambda.update_alias",
    ]
    saved = json.loads(json.dumps(world.to_dict()))
    restored = World.from_dict(saved)
    assert restored.s3_get("artifacts", "build/out.zip") == b"PK\x03\x04zip"
    assert restored.state["lambda"]["orders"]["aliases"]["live"]["weights"] == {"3": 0.1}
    assert restored.changes == world.changes
    assert restored.to_dict() == world.to_dict()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("account: 12345\n", "account: '12345' is not a 12-digit account id"),
        ("region: mars\n", "region: 'mars' is not a region name"),
        ("paramters: {}\n", "lab.yml:1:1: paramters: unknown key; did you mean 'parameters'?"),
        ("parameters:\n  /x: {type: Secret, value: a}\n", "is not a parameter type"),
        ("parameters:\n  /x: {type: String}\n", "parameters./x: no value; add `value:`"),
        (
            "secrets:\n  s:\n    versions: [{id: a, value: b, stages: [AWSPREVIOUS]}]\n",
            "no version has the AWSCURRENT stage",
        ),
        (
            "lambda:\n  functions:\n    f: {versions: [1], aliases: {live: {version: 7}}}\n",
            "points at version 7, which is not listed",
        ),
        ("alarms:\n  A: {behaviour: after_traffic}\n", "after_traffic needs `minutes`"),
        (
            "codedeploy:\n  applications:\n    a:\n      deployment_groups:\n        g: {alarms: [X]}\n",
            "alarm 'X' is not declared",
        ),
        (
            "roles:\n  - {name: R, account: '999999999999'}\n",
            "account 999999999999 is not declared",
        ),
        ("ecr: [1, 2]\n", "lab.yml:1:6: ecr: expected a mapping, got a list"),
        ("a: [unclosed\n", "lab.yml:2:1: not valid YAML"),
        ("sns: {topics: [[1]]}\n", "lab.yml:1:16: sns.topics.0: expected text, got a list"),
        ("parameters:\n  /x: {value: true}\n", "lab.yml:2:15: parameters./x.value: expected text"),
        ("roles: [{trust: []}]\n", "lab.yml:1:9: roles.0.name: `name` is missing; add `name:`"),
        (
            "lambda: {functions: {f: {versions: [1], aliases: {a: {version: 1, weights: {1: x}}}}}}",
            "lab.yml:1:80: lambda.functions.f.aliases.a.weights.1: expected a number, got text",
        ),
        ("accounts: {'12': {}}\n", "lab.yml:1:12: accounts.12: '12' is not a 12-digit account id"),
    ],
)
def test_bad_fixtures_get_specific_errors(text, expected):
    with pytest.raises(WorldError) as info:
        load_world(text, filename="lab.yml")
    assert str(info.value).startswith("lab.yml")
    assert expected in str(info.value)


def test_errors_point_at_the_line_and_column_of_the_value():
    text = "parameters:\n  /ok: fine\n  /bad:\n    type: Secret\n    value: a\n"
    with pytest.raises(WorldError, match=r"^lab.yml:4:11: parameters./bad.type: 'Secret'"):
        load_world(text, filename="lab.yml")


def test_an_empty_file_is_the_empty_world():
    world = load_world("# nothing yet\n", filename="lab.yml")
    assert (world.account_id, world.region) == ("123456789012", "us-east-1")
    assert world.state["parameters"] == {} and world.state["setup"] == []


def test_restore_refuses_other_shapes():
    with pytest.raises(WorldError, match="not the shape"):
        World.from_dict({"nope": 1})


def test_empty_world_stores_objects_in_the_account_server():
    world = empty_world()
    assert world.account_id == "123456789012"
    world.s3_create_bucket("bucket-b")
    world.s3_put("bucket-b", "k", b"secret body")
    assert world.s3_get("bucket-b", "k") == b"secret body"
    snapshot = world.snapshot()
    obj = snapshot.object("bucket-b", "k")
    assert obj is not None and obj.size == 11 and obj.account == "123456789012"
    assert world.registry() == "123456789012.dkr.ecr.us-east-1.amazonaws.com"


CODEDEPLOY = """
ec2:
  instances:
    i-1: {tags: {app: web, tier: 1}, files: [/var/www/old.txt]}
    i-2: {health: Stopped}
codedeploy:
  deployment_configs:
    Min2: {minimum_healthy_hosts: {type: HOST_COUNT, value: 2}}
  applications:
    web:
      deployment_groups:
        prod: {ec2_tags: {tier: 1}}
    api:
      compute_platform: Lambda
      deployment_groups:
        live: {}
"""


def test_codedeploy_sections_are_typed_views():
    from simulator._world_sections import Ec2Instance, FileOwner

    world = load_world(CODEDEPLOY)
    assert world.ec2_instances == {
        "i-1": Ec2Instance("i-1", {"app": "web", "tier": "1"}, "healthy", ("/var/www/old.txt",)),
        "i-2": Ec2Instance("i-2", {}, "stopped"),
    }
    assert world.ec2_instances["i-2"].stopped and not world.ec2_instances["i-2"].healthy
    apps = world.codedeploy_applications
    assert (apps["web"].compute_platform, apps["api"].compute_platform) == ("Server", "Lambda")
    assert dict(apps["web"].deployment_groups) == {"prod": {"ec2_tags": {"tier": 1}}}
    assert world.deployment_configs == {
        "Min2": {"minimum_healthy_hosts": {"type": "HOST_COUNT", "value": 2}}
    }
    assert world.deployment_ids == frozenset()
    world.state["deployments"] += [{"id": "d-ENGINE"}, {"deployment_id": "d-API"}]
    assert world.deployment_ids == {"d-ENGINE", "d-API"}  # run by the engine, asked by the CLI
    assert world.disk_owners("i-1") == {}
    world.set_disk_owners("i-1", {"/var/www/app": FileOwner("www-data", None)})
    saved = World.from_dict(json.loads(json.dumps(world.to_dict())))
    assert saved.disk_owners("i-1") == {"/var/www/app": FileOwner("www-data", None)}


@pytest.mark.parametrize(
    ("section", "value", "expected"),
    [
        ("ec2", {"instances": {"i-1": {"health": "sick"}}}, "ec2.instances.i-1.health must be"),
        ("ec2", {"instances": {"i-1": {"tags": ["a"]}}}, "ec2.instances.i-1.tags must be a"),
        ("ec2", {"instances": {"i-1": {"files": "/a"}}}, "ec2.instances.i-1.files must be a"),
        ("ec2", {"instances": ["i-1"]}, "ec2.instances must be a mapping"),
        (
            "codedeploy",
            {"applications": {"web": {"deployment_groups": {"prod": ["a"]}}}},
            "codedeploy.applications.web.deployment_groups.prod must be a mapping",
        ),
        ("codedeploy", {"applications": ["web"]}, "codedeploy.applications must be a mapping"),
    ],
)
def test_malformed_codedeploy_sections_are_named_by_path(section, value, expected):
    # The world file checks these shapes when it loads; a saved state or a form can still
    # hand the engine one it cannot read.
    from simulator._world_sections import SectionError
    from simulator.codedeploy import GroupError, find_group

    world = load_world(SERVER_GROUP)
    world.state[section] = value
    with pytest.raises(SectionError, match=expected.replace(".", r"\.")):
        _ = world.ec2_instances, world.codedeploy_applications
    with pytest.raises(GroupError, match="world: " + expected.replace(".", r"\.")):
        find_group(world, "prod")


SERVER_GROUP = """
ec2: {instances: {i-1: {}}}
codedeploy: {applications: {web: {deployment_groups: {prod: {instances: [i-1]}}}}}
"""
