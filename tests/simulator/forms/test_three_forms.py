"""The notes' pipeline as Terraform, CloudFormation and get-pipeline JSON runs the same way."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.codepipeline import PipelineOptions, run_pipeline
from simulator.forms import run_form
from simulator.world import load_world

NOTES = Path(__file__).parent / "notes"
SOURCES = {"GitHub_Source": NOTES / "source"}
_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|d-[A-Z0-9]{9}")


def _options() -> PipelineOptions:
    return PipelineOptions(approve=True, rng=random.Random(7), ids=random.Random(7))


def _facts(execution: Any) -> dict[str, Any]:
    """Stages, actions, statuses, builds and deployments, without run-specific ids."""
    stages = []
    for stage in execution.state["stages"]:
        actions = []
        for action in stage["actions"]:
            detail = action.get("detail") or {}
            build = detail.get("build") or {}
            deployment = detail.get("deployment") or {}
            actions.append(
                {
                    "name": action["name"],
                    "provider": action["provider"],
                    "status": action["status"],
                    "summary": _IDS.sub("<id>", str(action.get("summary") or "")),
                    "build": {
                        "status": build.get("status"),
                        "phases": [
                            (p.get("name"), p.get("status")) for p in build.get("phases") or []
                        ],
                        "commands": [c.get("command") for c in build.get("commands") or []],
                    }
                    if build
                    else None,
                    "deployment": {
                        "status": deployment.get("status"),
                        "traffic": deployment.get("traffic"),
                    }
                    if deployment
                    else None,
                }
            )
        stages.append({"name": stage["name"], "status": stage.get("status"), "actions": actions})
    return {"status": execution.status, "stages": stages}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    out = {}
    for name in ("pipeline.tf", "pipeline.yaml"):
        world = load_world(NOTES / "world.yml")
        try:
            execution = run_form((NOTES / name).read_text(), name, SOURCES, world, _options())
            out[name] = _facts(execution)
        finally:
            world.close()
    data = yaml.safe_load((NOTES / "world.yml").read_text())
    data["codedeploy"] = yaml.safe_load((NOTES / "codedeploy.yml").read_text())
    world = load_world(yaml.safe_dump(data))
    try:
        text = (NOTES / "pipeline.json").read_text()
        out["pipeline.json"] = _facts(run_pipeline(text, SOURCES, world, _options()))
    finally:
        world.close()
    return out


def test_the_terraform_form_runs_every_stage(results: dict[str, dict[str, Any]]) -> None:
    facts = results["pipeline.tf"]
    assert facts["status"] == "Succeeded"
    assert [s["name"] for s in facts["stages"]] == [
        "Source", "Build", "Test", "Deploy_Staging", "Approval", "Deploy_Production",
    ]  # fmt: skip
    build = facts["stages"][1]["actions"][0]["build"]
    # The project's variables reached the build (ECR_REPO from aws_ecr_repository.app).
    assert build["status"] == "SUCCEEDED"
    assert "dkr.ecr.us-east-1.amazonaws.com/app" in facts["stages"][3]["actions"][0]["summary"]
    production = facts["stages"][5]["actions"][0]["deployment"]
    assert production["status"] == "Succeeded"


def test_three_forms_have_identical_results(results: dict[str, dict[str, Any]]) -> None:
    assert results["pipeline.tf"] == results["pipeline.yaml"] == results["pipeline.json"]


def test_a_missing_project_buildspec_fails_the_build_like_codebuild(tmp_path: Path) -> None:
    text = (
        (NOTES / "pipeline.tf")
        .read_text()
        .replace('buildspec = "buildspec-unit-tests.yml"', 'buildspec = "ci/unit.yml"')
    )
    world = load_world(NOTES / "world.yml")
    try:
        execution = run_form(text, "pipeline.tf", SOURCES, world, _options())
    finally:
        world.close()
    facts = _facts(execution)
    assert facts["status"] == "Failed"
    test_stage = facts["stages"][2]
    assert test_stage["status"] == "Failed"
    unit = next(a for a in test_stage["actions"] if a["name"] == "UnitTests")
    assert unit["status"] == "Failed"


def test_an_inline_heredoc_buildspec_is_the_one_that_runs() -> None:
    inline = """buildspec = <<-EOT
      version: 0.2
      phases:
        build:
          commands:
            - echo "inline unit tests for ${var.suite}"
    EOT"""
    text = (NOTES / "pipeline.tf").read_text().replace(
        'buildspec = "buildspec-unit-tests.yml"', inline
    ) + '\nvariable "suite" {\n  default = "orders"\n}\n'
    world = load_world(NOTES / "world.yml")
    try:
        execution = run_form(text, "pipeline.tf", SOURCES, world, _options())
    finally:
        world.close()
    facts = _facts(execution)
    unit = next(a for a in facts["stages"][2]["actions"] if a["name"] == "UnitTests")
    assert unit["status"] == "Succeeded"
    assert unit["build"]["commands"] == ['echo "inline unit tests for orders"']
