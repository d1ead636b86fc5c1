"""Run a lab's scenario in the simulator (build, deploy or pipeline) and summarise the outcome."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from labs.scenario_template import TemplateSettingsError, group_settings
from labs.spec import LabSpec
from simulator.codedeploy import DeployInputError

# Real wall-clock limit of one sandboxed build inside a grading (the Celery task has its own).
BUILD_TIME_LIMIT = 120.0
MAX_ARTIFACT_TEXT = 64_000
# Real seconds one hook script may run before it counts as timed out (labs' scripts are tiny).
HOOK_SCRIPT_SECONDS = 10.0
_ENTER = re.compile(r"\[Container\] \S+ \S+ Entering phase (\w+)")
_RUN = re.compile(r"\[Container\] \S+ \S+ Running command (.*)")
_SCRIPT = re.compile(r"^\[(\S+)\] (\w+): running (\S+)$")  # CodeDeploy engine's log line


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


def _fixed_or_edited(spec: LabSpec, files: dict[str, str], key: str) -> tuple[str, str] | None:
    """(name, text) of the file scenario[key] names: the learner's copy, else the revision's."""
    name = spec.scenario.get(key)
    if not name:
        return None
    if name in files:
        return name, files[name]
    for tree in ("revision", "source"):
        text = spec.trees.get(tree, {}).get(name)
        if text is not None:
            return name, text
    raise DeployInputError(f"scenario.{key} names {name!r}, which is in no lab file or tree")


def _group_for(spec: LabSpec, files: dict[str, str], world, log: Callable[[str], None]):
    """The world's deployment group, with what the learner's template sets applied to it."""
    from simulator.codedeploy import find_group
    from simulator.codedeploy._configs import resolve_config

    group = find_group(world, spec.scenario["group"], spec.scenario.get("application"))
    template = _fixed_or_edited(spec, files, "template")
    hooks: dict[str, str] = {}
    if template is None:
        return group, hooks
    settings = group_settings(template[1], template[0])
    log(f"From {template[0]}: {settings.describe()}")
    custom = (world.state.get("codedeploy") or {}).get("deployment_configs") or {}
    if settings.config:
        group.config = resolve_config(settings.config, group.platform, custom)
    if settings.alarms is not None:
        missing = [a for a in settings.alarms if a not in world.state["alarms"]]
        if missing:
            raise DeployInputError(
                f"alarm {missing[0]!r} does not exist in this account; "
                f"alarms: {', '.join(world.state['alarms']) or 'none'}"
            )
        group.alarms = tuple(settings.alarms)
    if settings.auto_rollback is not None:
        group.auto_rollback = tuple(settings.auto_rollback)
    return group, settings.hooks


def _with_hooks(appspec_text: str, hooks: dict[str, str]) -> str | dict[str, Any]:
    """The AppSpec with the template's Lambda hooks (SAM writes them into the AppSpec it makes)."""
    if not hooks:
        return appspec_text
    from simulator._loading import load_document

    data = load_document(appspec_text, filename="appspec.yml").data
    if not isinstance(data, dict):
        raise DeployInputError("the AppSpec file is empty or not a mapping")
    key = next((k for k in data if str(k).lower() == "hooks"), "Hooks")
    existing = [h for h in data.get(key) or [] if isinstance(h, dict)]
    merged = {event: fn for item in existing for event, fn in item.items()}
    merged.update(hooks)
    data[key] = [{event: fn} for event, fn in merged.items()]
    return data


def deployment_summary(result, log_lines: list[str] | None = None) -> dict[str, Any]:
    """The deployment as checks read it (see labs/checks.py), with the hook scripts that ran."""
    summary = result.to_dict()
    summary["scripts"] = [
        {"target": m.group(1), "event": m.group(2), "script": m.group(3)}
        for line in log_lines or []
        if (m := _SCRIPT.match(line))
    ]
    summary["message"] = result.message
    summary["platform"] = result.platform
    summary["rollback_status"] = result.rollback.status if result.rollback else None
    return summary


def _deploy_options(spec: LabSpec, on_log):
    from simulator.codedeploy import DeployOptions

    # A fixed seed per lab: deployment ids (and so logs) are the same on every run.
    seed = int(hashlib.sha256(spec.slug.encode()).hexdigest()[:8], 16)
    return DeployOptions(
        rng=random.Random(seed),
        on_log=on_log,
        application=spec.scenario.get("application"),
        max_script_seconds=float(spec.scenario.get("script_seconds", HOOK_SCRIPT_SECONDS)),
    )


def _run_deploy(spec: LabSpec, files, root: Path, world, on_log) -> RunOutput:
    from simulator.codedeploy import ConfigError, GroupError, deploy

    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        if on_log:
            on_log(line)

    try:
        group, hooks = _group_for(spec, files, world, log)
        name, text = _fixed_or_edited(spec, files, "appspec") or ("", "")
        revision = root / "revision"
        if group.platform == "Server":
            revision.mkdir(parents=True, exist_ok=True)
            (revision / name).write_text(text, encoding="utf-8")
        options = _deploy_options(spec, log)
        result = deploy(_with_hooks(text, hooks), revision, world, group, options)
    except (GroupError, ConfigError, DeployInputError, TemplateSettingsError) as exc:
        log(f"The deployment could not be created: {exc}")
        outcome = {"deployment": {"status": "NotCreated", "message": str(exc)},
                   "world": world_summary(world), "log": "\n".join(lines)}  # fmt: skip
        return RunOutput(outcome, log="\n".join(lines))
    for line in result.to_text().splitlines():
        log(line)
    text_log = "\n".join(lines)
    outcome = {
        "deployment": deployment_summary(result, lines),
        "world": world_summary(world),
        "log": text_log,
        "secret_values": secret_values(world),
    }
    return RunOutput(outcome, log=text_log, pictures=_pictures(deployment=result))


def _pictures(**items: Any) -> dict[str, str]:
    """SVG pictures from simulator.pictures when that module is installed (else none)."""
    try:
        from simulator import pictures
    except ImportError:
        return {}
    out: dict[str, str] = {}
    drawers = {"deployment": ("traffic", "traffic_svg"), "pipeline": ("pipeline", "pipeline_svg")}
    for key, value in items.items():
        name, func = drawers[key]
        draw = getattr(pictures, func, None)
        if callable(draw) and value is not None:
            out[name] = draw(value)
    return out


def _run_pipeline(spec, files, root, world, approval, resume, on_log) -> RunOutput:
    raise NotImplementedError("pipeline scenarios: waiting for simulator.codepipeline")
