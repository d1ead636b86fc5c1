"""Deployment and execution ids: new on every run even with a seeded simulation; fixed in tests."""

from __future__ import annotations

import random

from simulator.codedeploy import DeployOptions, deploy
from simulator.codepipeline import PipelineOptions, run_pipeline
from simulator.world import load_world
from tests.simulator.deploy.test_traffic import LAMBDA_APPSPEC, lambda_world
from tests.simulator.pipeline.conftest import WORLD, action, pipeline


def _deploy_id(**options) -> str:
    world = lambda_world("CodeDeployDefault.LambdaAllAtOnce")
    return deploy(LAMBDA_APPSPEC, None, world, "live", DeployOptions(**options)).deployment_id


def _execution_id(tmp_path, **options) -> str:
    (tmp_path / "index.html").write_text("hi")
    body = pipeline(("Checks", [action("Smoke", "Invoke", "Lambda", {"FunctionName": "smoke"})]))
    return run_pipeline(body, {"Src": tmp_path}, load_world(WORLD), PipelineOptions(**options))


def test_deployment_ids_differ_between_runs_with_the_same_seed():
    ids = {_deploy_id(rng=random.Random(3)) for _ in range(5)}
    assert len(ids) == 5
    assert all(i.startswith("d-") and len(i) == 11 for i in ids)


def test_deployment_ids_are_fixed_by_a_seeded_id_source():
    assert _deploy_id(ids=random.Random(9)) == _deploy_id(ids=random.Random(9))


def test_execution_ids_differ_between_runs_with_the_same_seed(tmp_path):
    ids = {_execution_id(tmp_path, rng=random.Random(5)).execution_id for _ in range(3)}
    assert len(ids) == 3


def test_execution_ids_are_fixed_by_a_seeded_id_source(tmp_path):
    first = _execution_id(tmp_path, ids=random.Random(2)).execution_id
    assert first == _execution_id(tmp_path, ids=random.Random(2)).execution_id
