"""The World methods the deploy engine writes through: history, retargeting, revisions, ECS."""

from __future__ import annotations

import json

import pytest

from simulator.world import World, load_world

WORLD = """
ec2:
  instances:
    i-1: {tags: {tier: blue}}
    i-2: {}
    i-3: {}
codedeploy:
  applications:
    web:
      deployment_groups:
        prod:
          deployment_type: BLUE_GREEN
          ec2_tags: {tier: blue}
          replacement_instances: [i-2, i-3]
          termination_wait_minutes: 5
"""


def _saved(world: World) -> World:
    return World.from_dict(json.loads(json.dumps(world.to_dict())))


def test_recorded_deployments_are_history_and_taken_ids():
    world = load_world(WORLD)
    world.record_deployment("d-AAAAAAAAA", "web", "prod", "Failed")
    world.record_deployment("d-BBBBBBBBB", "web", "prod", "Succeeded", "d-AAAAAAAAA")
    assert world.deployment_ids == {"d-AAAAAAAAA", "d-BBBBBBBBB"}
    assert _saved(world).state["deployments"][1] == {
        "id": "d-BBBBBBBBB",
        "application": "web",
        "group": "prod",
        "status": "Succeeded",
        "rollback_of": "d-AAAAAAAAA",
    }


def test_retargeting_a_group_keeps_its_other_settings():
    world = load_world(WORLD)
    world.retarget_group("web", "prod", ["i-2", "i-3"])
    assert dict(world.codedeploy_applications["web"].deployment_groups) == {
        "prod": {
            "deployment_type": "BLUE_GREEN",
            "termination_wait_minutes": 5,
            "instances": ["i-2", "i-3"],
        }
    }
    with pytest.raises(KeyError):
        world.retarget_group("web", "staging", ["i-2"])


def test_revision_memory_is_one_per_group_and_outlives_a_save():
    world = load_world(WORLD)
    memory = world.codedeploy_revisions("web/prod")
    assert memory == {"revisions": {}, "last_successful": None, "instances": {}}
    memory["last_successful"] = "d-AAAAAAAAA"
    assert world.codedeploy_revisions("web/prod") is memory
    assert world.codedeploy_revisions("web/test")["last_successful"] is None
    assert _saved(world).codedeploy_revisions("web/prod")["last_successful"] == "d-AAAAAAAAA"


def test_ecs_traffic_record_follows_the_writes():
    world = load_world(WORLD)
    service = "prod/web"
    world.ecs_open_deployment(service)
    assert world.state["ecs"]["deployments"][service] == {
        "task_sets": [],
        "production": "original",
        "test": "original",
    }
    world.ecs_add_task_set(service, "ecs-svc/d-1", "arn:task:2")
    world.ecs_route(service, "test", "replacement")
    world.ecs_set_weights(service, 10.0)
    world.ecs_route(service, "production", "replacement")
    assert world.state["ecs"]["deployments"][service] == {
        "task_sets": [
            {"id": "ecs-svc/d-1", "task_definition": "arn:task:2", "role": "replacement"}
        ],
        "production": "replacement",
        "test": "replacement",
        "production_weights": {"original": 90.0, "replacement": 10.0},
    }
