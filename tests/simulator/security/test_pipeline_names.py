"""Names in a learner's pipeline become host paths: none may lead outside the build's folder."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from simulator.codebuild import BuildOptions, build
from simulator.codepipeline import PipelineInputError, run_pipeline
from simulator.codepipeline._actions import _buildspec
from simulator.world import empty_world, load_world
from tests.simulator.pipeline.conftest import WORLD, action, opts, pipeline, source_action

pytestmark = pytest.mark.sandbox


def escaping_name(target: Path) -> str:
    # Enough `..` to reach / from any temporary folder, then the absolute target.
    return "x" + "/.." * 30 + str(target)


def test_secondary_artifact_name_cannot_write_outside_the_build(tmp_path):
    src = {"Src": tmp_path / "src"}
    src["Src"].mkdir()
    world = load_world(WORLD)
    target = tmp_path / "host-owned"
    target.mkdir()
    evil = escaping_name(target)
    source = source_action()
    source["outputArtifacts"] = [{"name": "src"}, {"name": evil}]
    build = action(
        "Build",
        "Build",
        "CodeBuild",
        {"ProjectName": "web", "PrimarySource": "src"},
        inputs=("src", evil),
    )
    body = pipeline(("Build", [build]))
    body["pipeline"]["stages"][0]["actions"] = [source]
    (src["Src"] / "buildspec.yml").write_text(
        "version: 0.2\nphases:\n  build:\n    commands:\n      - touch planted\n"
    )
    with pytest.raises(PipelineInputError, match="must be 1-100 characters"):
        run_pipeline(body, src, world, opts())
    assert list(target.iterdir()) == []


def test_build_refuses_a_secondary_source_identifier_that_is_a_path(tmp_path):
    # Defence in depth: build() is also called directly (CLI, other scenarios).
    target = tmp_path / "host-owned"
    target.mkdir()
    source = tmp_path / "src"
    source.mkdir()
    (source / "f.txt").write_text("learner file")
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - touch planted\n"
    result = build(
        spec,
        source,
        empty_world(),
        BuildOptions(secondary_sources={escaping_name(target): source}),
    )
    assert result.status == "FAILED"
    assert "secondary source identifier" in result.reason
    assert list(target.iterdir()) == []


def test_project_name_cannot_pick_a_buildspec_outside_the_artifact(tmp_path):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (tmp_path / "host.buildspec.yml").write_text("version: 0.2\n# a host file\n")
    ctx = SimpleNamespace(config={"ProjectName": "../host"}, options=SimpleNamespace(buildspecs={}))
    assert _buildspec(ctx, folder) is None
