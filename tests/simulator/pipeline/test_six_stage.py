"""The six-stage pipeline of the course notes, end to end with real builds and hook scripts."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from simulator.codepipeline import PipelineOptions, resume_pipeline, run_pipeline
from simulator.codepipeline.examples import SIX_STAGE
from simulator.world import load_world

pytestmark = pytest.mark.sandbox


def _run(source: Path, **kw):
    world = load_world(SIX_STAGE / "world.yml")
    options = PipelineOptions(rng=random.Random(11), **kw)
    text = (SIX_STAGE / "pipeline.json").read_text()
    return world, run_pipeline(text, {"GitHub_Source": source}, world, options)


def test_six_stages_pause_at_approval_then_canary_to_production(tmp_path):
    world, paused = _run(SIX_STAGE / "source")
    data = paused.to_dict()
    assert [s["status"] for s in data["stages"]] == [
        "Succeeded",
        "Succeeded",
        "Succeeded",
        "Succeeded",
        "InProgress",
        None,
    ]
    test_stage = data["stages"][2]["actions"]
    assert [a["status"] for a in test_stage] == ["Succeeded", "Succeeded"]
    version = data["variables"]["BuildVariables"]["APP_VERSION"]
    commit = data["variables"]["SourceVariables"]["CommitId"]
    assert version == f"1.0.{commit[:7]}"  # #{SourceVariables.CommitId} reached the build
    assert version in data["waiting"]["custom_data"]
    staging = world.changes_of("ec2.terminate")
    assert staging and staging[0]["instances"] == ["i-staging-1", "i-staging-2"]

    done = resume_pipeline(
        json.loads(json.dumps(paused.to_state())),
        world,
        approve=True,
        options=PipelineOptions(rng=random.Random(12)),
    )
    assert done.status == "Succeeded"
    deployment = done.action("Deploy_Production", "Deploy")["detail"]["deployment"]
    assert deployment["config"] == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    assert [p["percent_new"] for p in deployment["traffic"]] == [0.0, 10.0, 100.0]
    registered = world.changes_of("ecs.register_task_definition")
    assert registered[0]["family"] == "web"


def test_failing_security_scan_stops_before_staging(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SIX_STAGE / "source", source)
    (source / "app.js").write_text("module.exports = (req) => eval(req.body);\n")
    world, execution = _run(source, approve=True)
    data = execution.to_dict()
    assert data["status"] == "Failed"
    scan = {a["name"]: a for a in data["stages"][2]["actions"]}
    assert scan["SecurityScan"]["status"] == "Failed"
    assert scan["UnitTests"]["status"] == "Succeeded"
    assert data["stages"][3]["status"] is None
    assert not world.changes_of("codedeploy.create_deployment")
