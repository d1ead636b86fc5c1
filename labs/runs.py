"""Run a lab's scenario in the simulator (build, deploy or pipeline) and summarise the outcome."""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from labs.spec import LabSpec

# Real wall-clock limit of one sandboxed build inside a grading (the Celery task has its own).
BUILD_TIME_LIMIT = 120.0
MAX_ARTIFACT_TEXT = 64_000
_ENTER = re.compile(r"\[Container\] \S+ \S+ Entering phase (\w+)")
_RUN = re.compile(r"\[Container\] \S+ \S+ Running command (.*)")


@dataclass
class RunOutput:
    """The simulated run, reduced to the plain data checks read (see labs/checks.py)."""

    outcome: dict[str, Any]
    log: str = ""
    pictures: dict[str, str] = field(default_factory=dict)
    awaiting_approval: bool = False
    paused_state: dict[str, Any] | None = None


def write_tree(root: Path, tree: dict[str, str]) -> None:
    """Write a lab's read-only tree (from our own content) under root, refusing odd paths."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in tree.items():
        path = PurePosixPath(rel)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"unsafe path in lab tree: {rel}")
        target = root.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            target.chmod(0o755)


def commands_from_log(log: str) -> list[dict[str, str]]:
    """Which command ran in which phase, read from CodeBuild-style log lines."""
    phase, commands = "", []
    for line in log.splitlines():
        if m := _ENTER.search(line):
            phase = m.group(1)
        elif m := _RUN.search(line):
            commands.append({"phase": phase, "command": m.group(1)})
    return commands


def artifact_texts(artifacts) -> dict[str, str]:
    """Text files inside the build's artifact zips (path -> text), for content checks."""
    texts: dict[str, str] = {}
    for artifact in artifacts:
        if not artifact.data:
            continue
        with zipfile.ZipFile(io.BytesIO(artifact.data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.file_size > MAX_ARTIFACT_TEXT:
                    continue
                try:
                    texts[info.filename] = archive.read(info).decode("utf-8")
                except UnicodeDecodeError:
                    texts[info.filename] = ""
    return texts


def secret_values(world) -> list[str]:
    """Every secret a learner must not leak: secret strings, their JSON values, SecureStrings."""
    values: set[str] = set()
    for secret in world.state.get("secrets", {}).values():
        for version in secret["versions"]:
            values.add(version["value"])
            try:
                data = json.loads(version["value"])
            except ValueError:
                continue
            if isinstance(data, dict):
                values.update(str(v) for v in data.values() if isinstance(v, str | int))
    for param in world.state.get("parameters", {}).values():
        if param["type"] == "SecureString":
            values.update(v["value"] for v in param["versions"])
    return sorted(v for v in values if len(v) >= 4)


def world_summary(world) -> dict[str, Any]:
    """What graders look at in the world after a run."""
    return {
        "images_pushed": [
            {"repository": c["repository"], "tag": c["tag"], "digest": c["digest"]}
            for c in world.changes_of("ecr.push")
        ],
        "changes": [
            {k: v for k, v in c.items() if isinstance(v, str | int | float | bool)}
            for c in world.changes
        ],
    }


def run_scenario(
    spec: LabSpec,
    files: dict[str, str],
    *,
    approval: str | None = None,
    resume: dict[str, Any] | None = None,
    on_log: Callable[[str], None] | None = None,
) -> RunOutput:
    """Dispatch on the scenario kind, in a private temporary folder."""
    from simulator.world import load_world

    kind = spec.scenario["kind"]
    with tempfile.TemporaryDirectory(prefix="pa-lab-") as tmp:
        root = Path(tmp)
        for name, tree in spec.trees.items():
            write_tree(root / name, tree)
        world = load_world(spec.world, filename=f"{spec.slug}/world.yaml")
        if kind == "build":
            return _run_build(spec, files, root, world, on_log)
        if kind == "deploy":
            return _run_deploy(spec, files, root, world, on_log)
        if kind == "pipeline":
            return _run_pipeline(spec, files, root, world, approval, resume, on_log)
    raise ValueError(f"unknown scenario kind {kind!r}")


def _run_build(spec: LabSpec, files, root: Path, world, on_log) -> RunOutput:
    from simulator.codebuild import BuildOptions, build

    options = BuildOptions(
        project_name=spec.scenario.get("project", spec.slug),
        time_limit=float(spec.scenario.get("time_limit", BUILD_TIME_LIMIT)),
        on_line=on_log,
        buildspec_name=spec.scenario["buildspec"],
    )
    result = build(files[spec.scenario["buildspec"]], root / "source", world, options)
    summary = result.to_dict()
    summary["commands"] = commands_from_log(result.log)
    summary["artifact_files"] = artifact_texts(result.artifacts)
    summary["reason"] = result.reason
    outcome = {
        "build": summary,
        "world": world_summary(world),
        "log": result.log,
        "secret_values": secret_values(world),
    }
    return RunOutput(outcome, log=result.log)


def _run_deploy(spec: LabSpec, files, root: Path, world, on_log) -> RunOutput:
    raise NotImplementedError("deploy scenarios: waiting for simulator.codedeploy")


def _run_pipeline(spec, files, root, world, approval, resume, on_log) -> RunOutput:
    raise NotImplementedError("pipeline scenarios: waiting for simulator.codepipeline")
