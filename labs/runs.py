"""Run a lab's scenario in the simulator (build, deploy or pipeline) and summarise the outcome."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import random
import re
import tempfile
import time
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
MAX_WORLD_CHANGES = 2_000
MAX_ARTIFACT_TEXT_TOTAL = 1_000_000
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
        if len(commands) >= MAX_WORLD_CHANGES:
            break
        if m := _ENTER.search(line):
            phase = m.group(1)
        elif m := _RUN.search(line):
            commands.append({"phase": phase, "command": m.group(1)})
    return commands


def artifact_texts(artifacts) -> dict[str, str]:
    """Text files inside the build's artifact zips (path -> text), for content checks."""
    texts: dict[str, str] = {}
    budget = MAX_ARTIFACT_TEXT_TOTAL  # what is kept per submission, whatever the zip holds
    for artifact in artifacts:
        if not artifact.data:
            continue
        with zipfile.ZipFile(io.BytesIO(artifact.data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.file_size > MAX_ARTIFACT_TEXT:
                    continue
                budget -= info.file_size
                if budget < 0:
                    return texts
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
            for c in world.changes_of("ecr.push")[:MAX_WORLD_CHANGES]
        ],
        # Capped: a hostile build can journal many changes, and this is stored per submission.
        "changes": [
            {k: v for k, v in c.items() if isinstance(v, str | int | float | bool)}
            for c in world.changes[:MAX_WORLD_CHANGES]
        ],
    }


def run_scenario(
    spec: LabSpec,
    files: dict[str, str],
    *,
    approval: str | None = None,
    resume: dict[str, Any] | None = None,
    on_log: Callable[[str], None] | None = None,
    on_picture: Callable[[str, str], None] | None = None,
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
            return _run_pipeline(spec, files, root, world, approval, resume, on_log, on_picture)
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
    """(name, text) of the file scenario[key] names: the learner's copy, else a read-only tree's
    (revision first, e.g. a fixed AppSpec)."""
    name = spec.scenario.get(key)
    if not name:
        return None
    if name in files:
        return name, files[name]
    trees = sorted(spec.trees.items(), key=lambda item: item[0] != "revision")
    for _tree, contents in trees:
        if name in contents:
            return name, contents[name]
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
    return RunOutput(
        outcome, log=text_log, pictures=_pictures(deployment=deployment_summary(result))
    )


def _pictures(deployment: Any = None, execution: Any = None) -> dict[str, str]:
    """SVG pictures: the deployment's traffic chart and the pipeline execution graph."""
    from simulator.pictures import RenderError, execution_dot, render_svg, traffic_svg

    out: dict[str, str] = {}
    if deployment is not None and deployment.get("traffic"):
        out["traffic"] = traffic_svg(deployment)
    if execution is not None:
        # Without a drawing the page still shows the stage list, so a render error is dropped.
        with contextlib.suppress(RenderError):
            out["pipeline"] = render_svg(execution_dot(execution))
    return out


# --- pipelines ------------------------------------------------------------------------------------

APPROVALS = {"approved": True, "rejected": False, "yes": True, "no": False}
_PHASE_DONE = re.compile(r"Phase complete: (\w+) State: (\w+)")


def _decision(spec: LabSpec, approval: str | None) -> bool | None:
    """True/False to decide approvals now, None to pause at the first one (learner decides)."""
    fixed = str(spec.scenario.get("approve", "learner")).lower()
    if fixed in ("yes", "no"):
        return APPROVALS[fixed]
    if approval is None:
        return None
    if approval not in APPROVALS:
        raise ValueError(f"approval must be 'approved' or 'rejected', got {approval!r}")
    return APPROVALS[approval]


def _source_dirs(spec: LabSpec, files: dict[str, str], root: Path) -> dict[str, Path]:
    """Source action -> folder; the learner's files (buildspec, appspec…) go into the first one,
    the way they would be committed to the repository the pipeline pulls."""
    dirs = {name: root / "sources" / name for name in spec.scenario.get("sources") or {}}
    if not dirs:
        raise ValueError("a pipeline scenario needs scenario.sources: {SourceAction: folder}")
    target = dirs[spec.scenario.get("edit_source") or next(iter(dirs))]
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if name != spec.scenario["pipeline"]:
            write_tree(target, {name: text})
    return dirs


def _build_from_log(lines: list[str], label: str) -> dict[str, Any] | None:
    """The CodeBuild action's build (phases, commands, status) read from its log lines."""
    prefix = f"[{label}] "
    own = [line[len(prefix) :] for line in lines if line.startswith(prefix)]
    if not any("[Container]" in line for line in own):
        return None
    phases = [
        {"name": m.group(1), "status": m.group(2)}
        for line in own
        if (m := _PHASE_DONE.search(line))
    ]
    failed = any(p["status"] not in ("SUCCEEDED",) for p in phases)
    return {
        "status": "FAILED" if failed else "SUCCEEDED",
        "phases": phases,
        "commands": commands_from_log("\n".join(own)),
        "log": "\n".join(own),
    }


def pipeline_summary(execution, lines: list[str]) -> dict[str, Any]:
    """The execution as checks read it: status, definition, stages, approvals, and the last
    build and deployment it ran (so build and deployment checks work on pipeline labs too)."""
    data = execution.to_dict()
    state = execution.state
    summary: dict[str, Any] = {
        "status": data["status"],
        "definition": state["pipeline"],
        "stages": data["stages"],
        "approvals": [
            {
                "stage": s["name"],
                "action": a["name"],
                "status": a["status"],
                "summary": a["summary"],
            }
            for s in state["stages"]
            for a in s["actions"]
            if a["category"] == "Approval"
        ],
        "waiting": data.get("waiting"),
        "variables": data.get("variables", {}),
    }
    out: dict[str, Any] = {"pipeline": summary}
    for stage in state["stages"]:
        for action in stage["actions"]:
            if action["status"] is None:
                continue
            if action["provider"] == "CodeBuild" and action["category"] == "Build":
                build = _build_from_log(lines, f"{stage['name']}/{action['name']}")
                if build is not None:
                    out["build"] = build
            deployment = (action.get("detail") or {}).get("deployment")
            if deployment:
                out["deployment"] = {**deployment, "stage": stage["name"]}
    return out


def _live_pipeline_picture(on_picture: Callable[[str, str], None] | None):
    """An on_progress callback that redraws the execution, at most every 0.3 s (dot costs)."""
    if on_picture is None:
        return None
    from simulator.pictures import RenderError, execution_dot, render_svg

    last = [0.0]

    def progress(state) -> None:
        now = time.monotonic()
        if now - last[0] < 0.3:
            return
        last[0] = now
        with contextlib.suppress(RenderError):
            on_picture("pipeline", render_svg(execution_dot(state)))

    return progress


def _run_pipeline(spec, files, root, world, approval, resume, on_log, on_picture=None) -> RunOutput:
    from simulator.codepipeline import (
        PipelineInputError,
        PipelineOptions,
        resume_pipeline,
        run_pipeline,
    )
    from simulator.world import World, WorldError

    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        if on_log:
            on_log(line)

    seed = int(hashlib.sha256(spec.slug.encode()).hexdigest()[:8], 16)
    decision = _decision(spec, approval)
    options = PipelineOptions(
        approve=decision,
        rng=random.Random(seed),
        on_log=log,
        on_progress=_live_pipeline_picture(on_picture),
        build_time_limit=float(spec.scenario.get("time_limit", BUILD_TIME_LIMIT)),
    )
    try:
        sources = _source_dirs(spec, files, root)
        if resume is not None:
            if decision is None:
                raise PipelineInputError("resuming needs approval='approved' or 'rejected'")
            world = World.from_dict(resume["world"])
            state = dict(resume["execution"])
            state["sources"] = {k: str(v) for k, v in sources.items()}
            lines.extend(resume.get("log_lines") or [])
            execution = resume_pipeline(state, world, approve=decision, options=options)
        else:
            pipeline_text = _fixed_or_edited(spec, files, "pipeline")
            execution = run_pipeline(pipeline_text[1], sources, world, options)
    except (PipelineInputError, DeployInputError, WorldError, KeyError, TypeError) as exc:
        log(f"The pipeline could not start: {str(exc).strip(chr(39))}")
        text = "\n".join(lines)
        outcome = {"pipeline": {"status": "NotStarted", "message": str(exc)},
                   "world": world_summary(world), "log": text}  # fmt: skip
        return RunOutput(outcome, log=text)
    summary = pipeline_summary(execution, lines)
    running_log = list(lines)  # what a resumed run continues from (without the summary below)
    deployment = summary.get("deployment")
    if deployment and deployment.get("traffic"):
        shifts = ", ".join(
            f"{p['percent_new']:g}% @ {p['minute']:g} min" for p in deployment["traffic"]
        )
        log(f"[{deployment['stage']}] traffic on the new version: {shifts}")
    for line in execution.to_text().splitlines():
        log(line)
    text = "\n".join(lines)
    outcome = {**summary, "world": world_summary(world), "log": text,
               "secret_values": secret_values(world)}  # fmt: skip
    pictures = _pictures(deployment=deployment, execution=execution)
    if execution.waiting is not None:
        paused = {"execution": execution.to_state(), "world": world.to_dict(),
                  "log_lines": running_log}  # fmt: skip
        return RunOutput(outcome, log=text, pictures=pictures, awaiting_approval=True,
                         paused_state=paused)  # fmt: skip
    return RunOutput(outcome, log=text, pictures=pictures)
