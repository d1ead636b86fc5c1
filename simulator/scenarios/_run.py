"""Run a lab scenario (build, deployment, pipeline) and return its typed `ScenarioResult`."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import random
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from simulator.account import ApiCall
from simulator.scenarios._result import (
    ActionRun,
    ArtifactFile,
    BuildRun,
    BuildStatus,
    CommandRun,
    CommandStatus,
    DeploymentRun,
    DeploymentStatus,
    HookInvocation,
    HookScript,
    LifecycleRun,
    Note,
    PhaseRun,
    PipelineRun,
    PipelineStatus,
    RunStatus,
    ScenarioResult,
    StageRun,
    TrafficPoint,
)
from simulator.scenarios._snapshot import diff, snapshot_of
from simulator.scenarios._template import TemplateSettingsError, group_settings

BUILD_TIME_LIMIT = 120.0  # real seconds of one sandboxed build in a grading
HOOK_SCRIPT_SECONDS = 10.0  # real seconds one hook script may run (labs' scripts are tiny)
MAX_ARTIFACT_TEXT = 64_000
MAX_ARTIFACT_TEXT_TOTAL = 1_000_000
MAX_COMMANDS = 2_000
APPROVALS = {"approved": True, "rejected": False, "yes": True, "no": False}


class ScenarioError(ValueError):
    """The scenario itself (lab content, not the learner's files) is wrong."""


@dataclass(frozen=True)
class Scenario:
    """A lab's scenario: what runs, on which read-only trees and in which simulated account."""

    kind: str  # build | deploy | pipeline
    settings: Mapping[str, Any]  # the lab's `scenario:` block
    trees: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    world: str = ""  # world YAML
    name: str = "lab"  # seeds ids so runs repeat


@dataclass
class ScenarioRun:
    """A run: the typed result, what the learner saw, pictures, and the state of a pause."""

    result: ScenarioResult
    log: str = ""
    pictures: dict[str, str] = field(default_factory=dict)
    paused_state: dict[str, Any] | None = None
    secret_values: tuple[str, ...] = ()  # for leak checks only: never stored

    @property
    def awaiting_approval(self) -> bool:
        return self.result.status == RunStatus.PAUSED


def write_tree(root: Path, tree: Mapping[str, str]) -> None:
    """Write a read-only tree under root, refusing absolute or parent paths."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in tree.items():
        path = PurePosixPath(rel)
        if path.is_absolute() or ".." in path.parts:
            raise ScenarioError(f"unsafe path in lab tree: {rel}")
        target = root.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            target.chmod(0o755)


def secret_values(world) -> tuple[str, ...]:
    """Every value a learner must not leak: secret strings, their JSON values, SecureStrings."""
    values: set[str] = set()
    for secret in world.secrets.values():
        for version in secret.versions:
            values.add(version.value)
            with contextlib.suppress(ValueError, TypeError):
                data = json.loads(version.value)
                if isinstance(data, dict):
                    values.update(str(v) for v in data.values() if isinstance(v, str | int))
    for param in world.parameters.values():
        if param.secure:
            values.update(v.value for v in param.versions)
    return tuple(sorted(v for v in values if len(v) >= 4))


def world_secret_values(world_yaml: str, name: str = "world.yaml") -> tuple[str, ...]:
    """The secret values of a world file (for leak checks that run even when nothing ran)."""
    from simulator.world import load_world

    return secret_values(load_world(world_yaml, filename=name)) if world_yaml else ()


def _seed(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


class _Log:
    def __init__(self, on_log: Callable[[str], None] | None, lines: list[str] | None = None):
        self.lines = list(lines or [])
        self.on_log = on_log

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if self.on_log:
            self.on_log(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# --- recording what the engines ran (host side) --------------------------------------------------


class _RecordingRunner:
    """Wraps the hook runner: records every script's event, instance, exit code and time."""

    def __init__(self, inner, scripts: list[HookScript]) -> None:
        self.inner = inner
        self.scripts = scripts

    def open(self, target, current, previous):
        shell = self.inner.open(target, current, previous)
        scripts = self.scripts

        class _Shell:
            def run_script(self, revision, location, env, timeout_s):
                outcome = shell.run_script(revision, location, env, timeout_s)
                scripts.append(
                    HookScript(
                        event=str(env.get("LIFECYCLE_EVENT", "")),
                        instance=str(target),
                        script=str(location),
                        exit_code=outcome.exit_code,
                        status=outcome.status,
                        duration_ms=round(outcome.duration_s * 1000),
                    )
                )
                return outcome

            def close(self):
                shell.close()

        return _Shell()


def _runner(scripts: list[HookScript], seconds: float):
    from simulator.codedeploy import SandboxHookRunner

    return _RecordingRunner(SandboxHookRunner(max_script_seconds=seconds), scripts)


def _artifact_files(artifacts) -> tuple[ArtifactFile, ...]:
    files: list[ArtifactFile] = []
    budget = MAX_ARTIFACT_TEXT_TOTAL
    for artifact in artifacts:
        if not artifact.data:
            continue
        with zipfile.ZipFile(io.BytesIO(artifact.data)) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                text = None
                if info.file_size <= MAX_ARTIFACT_TEXT and budget - info.file_size >= 0:
                    budget -= info.file_size
                    with contextlib.suppress(UnicodeDecodeError):
                        text = archive.read(info).decode("utf-8")
                files.append(ArtifactFile(info.filename, info.file_size, text))
    return tuple(files)


def _build_run(record: Mapping[str, Any], origin: str = "", artifacts=()) -> BuildRun:
    return BuildRun(
        build_id=str(record.get("build_id", "")),
        status=BuildStatus(record["status"]),
        reason=str(record.get("reason", "")),
        phases=tuple(
            PhaseRun(p["name"], p["status"], int(p.get("duration_ms") or 0))
            for p in record.get("phases", [])
        ),
        commands=tuple(
            CommandRun(
                c["phase"],
                c["command"],
                c["exit_code"],
                CommandStatus(c["status"]),
                int(c.get("duration_ms") or 0),
                origin,
            )
            for c in record.get("commands", [])[:MAX_COMMANDS]
        ),
        exported_variables=dict(record.get("exported_variables") or {}),
        artifacts=tuple(artifacts),
        origin=origin,
    )


def _installed(world, since: int) -> dict[str, tuple[str, ...]]:
    # Recorded by the deployment engine's Install step (host side): what reached each instance.
    out: dict[str, tuple[str, ...]] = {}
    for change in world.changes[since:]:
        if change.get("action") == "codedeploy.install":
            out[str(change.get("instance"))] = tuple(str(f) for f in change.get("files") or ())
    return out


def _api_calls(world, since: int = 0) -> tuple[ApiCall, ...]:
    """Every request the account service answered; before it existed, what the engines
    recorded on the host (kept as the fallback)."""
    logged = getattr(world, "api_calls", None)
    calls = list(logged()) if callable(logged) else []
    for change in world.changes[since:]:
        op = _API_OPERATIONS.get(str(change.get("action")))
        if op is None:
            continue
        service, operation, keys = op
        by = str(change.get("by") or "")
        if callable(logged) and by == "cli":
            continue  # the service logged the CLI's own request already
        calls.append(
            ApiCall(
                seq=len(calls) + 1,
                service=service,
                operation=operation,
                account=world.account_id,
                region=world.region,
                params={k: change[v] for k, v in keys.items() if v in change},
                status=200,
                error_code=None,
                origin=f"build:{by}" if by else "engine",
            )
        )
    return tuple(calls)[:MAX_COMMANDS]


_API_OPERATIONS = {
    "ssm.read": ("ssm", "GetParameter", {"Name": "name"}),
    "secrets.read": ("secretsmanager", "GetSecretValue", {"SecretId": "name"}),
    "docker.login": ("ecr", "GetAuthorizationToken", {"registry": "registry"}),
    "sts.assume_role": ("sts", "AssumeRole", {"RoleArn": "role"}),
}


def _invocations(world, since: int) -> tuple[HookInvocation, ...]:
    # Recorded by the deployment engine on the host when CodeDeploy invokes a hook function.
    return tuple(
        HookInvocation(str(c.get("function")), str(c.get("hook")), str(c.get("outcome")))
        for c in world.changes[since:]
        if c.get("action") == "lambda.invoke" and c.get("hook")
    )


def _deployment_run(
    data: Mapping[str, Any], scripts, invocations, origin="", **extra
) -> DeploymentRun:
    return DeploymentRun(
        deployment_id=str(data.get("deployment_id", "")),
        status=DeploymentStatus(data["status"]),
        config=str(data.get("config", "")),
        platform=str(extra.get("platform", data.get("platform", ""))),
        installed=extra.get("installed") or {},
        alarms=tuple(extra.get("alarms") or ()),
        auto_rollback=tuple(extra.get("auto_rollback") or ()),
        group=str(extra.get("group", data.get("group", ""))),
        message=str(extra.get("message", data.get("message", ""))),
        error_code=str(data.get("error_code") or ""),
        rolled_back=bool(data.get("rolled_back")),
        rollback_status=extra.get("rollback_status", data.get("rollback_status")),
        events=tuple(
            LifecycleRun(e["target"], e["event"], e["status"], e.get("start"), e.get("end"))
            for e in data.get("events", [])
        ),
        traffic=tuple(TrafficPoint(p["minute"], p["percent_new"]) for p in data.get("traffic", [])),
        scripts=tuple(scripts),
        invocations=tuple(invocations),
        origin=origin,
    )


# --- the public entry point ----------------------------------------------------------------------


def run_scenario(
    scenario: Scenario,
    files: Mapping[str, str],
    *,
    approval: str | None = None,
    resume: Mapping[str, Any] | None = None,
    on_log: Callable[[str], None] | None = None,
    on_picture: Callable[[str, str], None] | None = None,
) -> ScenarioRun:
    """Run the scenario on the learner's files in a private folder; a typed result back."""
    from simulator.world import load_world

    with tempfile.TemporaryDirectory(prefix="pa-lab-") as tmp:
        root = Path(tmp)
        for name, tree in scenario.trees.items():
            write_tree(root / name, tree)
        world = load_world(scenario.world, filename=f"{scenario.name}/world.yaml")
        try:
            return _dispatch(scenario, files, root, world, approval, resume, on_log, on_picture)
        finally:
            close = getattr(world, "close", None)  # stops the run's account service, if any
            if callable(close):
                close()


@dataclass(frozen=True)
class KindContext:
    """What a scenario kind's runner gets (the plug-in seam of `simulator/scenarios/kinds/`)."""

    scenario: Scenario
    files: Mapping[str, str]
    root: Path  # the private folder holding the lab's read-only trees
    world: Any
    approval: str | None = None
    resume: Mapping[str, Any] | None = None
    on_log: Callable[[str], None] | None = None
    on_picture: Callable[[str, str], None] | None = None


def _dispatch(scenario, files, root, world, approval, resume, on_log, on_picture) -> ScenarioRun:
    if scenario.kind == "build":
        return _run_build(scenario, files, root, world, on_log)
    if scenario.kind == "deploy":
        return _run_deploy(scenario, files, root, world, on_log)
    if scenario.kind == "pipeline":
        return _run_pipeline(scenario, files, root, world, approval, resume, on_log, on_picture)
    runner = kind_runner(scenario.kind)
    context = KindContext(scenario, files, root, world, approval, resume, on_log, on_picture)
    return runner(context)


def scenario_kinds() -> tuple[str, ...]:
    """Every scenario kind that can run: the three built in, then `kinds/` modules by name."""
    import pkgutil

    from simulator.scenarios import kinds

    more = sorted(info.name for info in pkgutil.iter_modules(kinds.__path__))
    return ("build", "deploy", "pipeline", *more)


def kind_runner(kind: str) -> Callable[[KindContext], ScenarioRun]:
    """The `run(context)` of `simulator/scenarios/kinds/<kind>.py`; ScenarioError when none."""
    import importlib

    # Only plain lower-case names reach the import: a kind is lab data, not a module path.
    if not kind.replace("_", "").isalpha() or not kind.islower():
        raise ScenarioError(f"unknown scenario kind {kind!r}")
    try:
        module = importlib.import_module(f"simulator.scenarios.kinds.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name != f"simulator.scenarios.kinds.{kind}":
            raise
        raise ScenarioError(f"unknown scenario kind {kind!r}") from None
    return module.run


def _run_build(scenario: Scenario, files, root: Path, world, on_log) -> ScenarioRun:
    from simulator.codebuild import BuildOptions, build

    settings = scenario.settings
    before = snapshot_of(world)
    options = BuildOptions(
        project_name=settings.get("project", scenario.name),
        time_limit=float(settings.get("time_limit", BUILD_TIME_LIMIT)),
        on_line=on_log,
        buildspec_name=settings["buildspec"],
    )
    # The lab's other editable files are part of the source, as a commit would carry them
    # (a build that reads a second edited file sees the learner's copy).
    for name, text in files.items():
        if name != settings["buildspec"]:
            write_tree(root / "source", {name: text})
    result = build(files[settings["buildspec"]], root / "source", world, options)
    record = result.to_record()
    after = snapshot_of(world)
    typed = ScenarioResult(
        kind="build",
        status=RunStatus.RAN,
        builds=(_build_run(record, artifacts=_artifact_files(result.artifacts)),),
        before=before,
        after=after,
        changes=diff(before, after),
        api_calls=_api_calls(world),
    )
    return ScenarioRun(typed, log=result.log, secret_values=secret_values(world))


def _fixed_or_edited(scenario: Scenario, files, key: str) -> tuple[str, str] | None:
    """(name, text) of the file settings[key] names: the learner's copy, else a tree's."""
    from simulator.codedeploy import DeployInputError

    name = scenario.settings.get(key)
    if not name:
        return None
    if name in files:
        return name, files[name]
    trees = sorted(scenario.trees.items(), key=lambda item: item[0] != "revision")
    for _tree, contents in trees:
        if name in contents:
            return name, contents[name]
    raise DeployInputError(f"scenario.{key} names {name!r}, which is in no lab file or tree")


def _group_for(scenario: Scenario, files, world, log, notes: list[Note]):
    """The world's deployment group with what the learner's template sets applied to it."""
    from simulator.codedeploy import DeployInputError, find_group
    from simulator.codedeploy._configs import resolve_config

    settings = scenario.settings
    group = find_group(world, settings["group"], settings.get("application"))
    template = _fixed_or_edited(scenario, files, "template")
    if template is None:
        return group, {}
    found = group_settings(template[1], template[0], account=world.account_id, region=world.region)
    notes.extend(found.notes)
    if found.no_group:
        raise TemplateSettingsError(found.no_group)
    log(f"From {template[0]}: {found.describe()}")
    custom = world.deployment_configs
    custom.update(found.custom_configs)
    if found.config:
        group.config = resolve_config(found.config, group.platform, custom)
    if found.alarms is not None:
        declared = world.alarms
        missing = [a for a in found.alarms if a not in declared]
        if missing:
            raise DeployInputError(
                f"alarm {missing[0]} does not exist in this account; "
                f"alarms: {', '.join(declared) or 'none'}"
            )
        group.alarms = tuple(found.alarms)
    if found.auto_rollback is not None:
        group.auto_rollback = tuple(found.auto_rollback)
    return group, found.hooks


def _with_hooks(appspec_text: str, hooks: Mapping[str, str]) -> str | dict[str, Any]:
    """The AppSpec with the template's Lambda hooks (SAM writes them into the AppSpec it makes)."""
    from simulator._loading import load_document
    from simulator.codedeploy import DeployInputError

    if not hooks:
        return appspec_text
    data = load_document(appspec_text, filename="appspec.yml").data
    if not isinstance(data, dict):
        raise DeployInputError("the AppSpec file is empty or not a mapping")
    key = next((k for k in data if str(k).lower() == "hooks"), "Hooks")
    existing = [h for h in data.get(key) or [] if isinstance(h, dict)]
    merged = {event: fn for item in existing for event, fn in item.items()}
    merged.update(hooks)
    data[key] = [{event: fn} for event, fn in merged.items()]
    return data


def _run_deploy(scenario: Scenario, files, root: Path, world, on_log) -> ScenarioRun:
    from simulator.codedeploy import (
        ConfigError,
        DeployInputError,
        DeployOptions,
        GroupError,
        deploy,
    )

    log = _Log(on_log)
    notes: list[Note] = []
    scripts: list[HookScript] = []
    before = snapshot_of(world)
    settings = scenario.settings
    try:
        group, hooks = _group_for(scenario, files, world, log, notes)
        name, text = _fixed_or_edited(scenario, files, "appspec") or ("", "")
        revision = root / "revision"
        if group.platform == "Server":
            revision.mkdir(parents=True, exist_ok=True)
            (revision / name).write_text(text, encoding="utf-8")
        options = DeployOptions(
            runner=_runner(scripts, float(settings.get("script_seconds", HOOK_SCRIPT_SECONDS))),
            rng=random.Random(_seed(scenario.name)),  # ids (and so logs) repeat per lab
            on_log=log,
            application=settings.get("application"),
            max_script_seconds=float(settings.get("script_seconds", HOOK_SCRIPT_SECONDS)),
        )
        since = len(world.changes)
        result = deploy(_with_hooks(text, hooks), revision, world, group, options)
    except (GroupError, ConfigError, DeployInputError, TemplateSettingsError) as exc:
        message = str(exc).strip("'\"")
        log(f"The deployment could not be created: {message}")
        typed = ScenarioResult(
            kind="deploy",
            status=RunStatus.NOT_STARTED,
            message=message,
            before=before,
            after=before,
            notes=tuple(notes),
        )
        return ScenarioRun(typed, log=log.text)
    for line in result.to_text().splitlines():
        log(line)
    after = snapshot_of(world)
    data = result.to_detail()
    run = _deployment_run(
        data,
        scripts,
        _invocations(world, since),
        platform=result.platform,
        group=settings["group"],
        message=result.message,
        rollback_status=result.rollback.status if result.rollback else None,
        installed=_installed(world, since),
        alarms=group.alarms,
        auto_rollback=group.auto_rollback,
    )
    typed = ScenarioResult(
        kind="deploy",
        status=RunStatus.RAN,
        deployments=(run,),
        before=before,
        after=after,
        changes=diff(before, after),
        api_calls=_api_calls(world),
        notes=tuple(notes),
    )
    return ScenarioRun(
        typed, log=log.text, pictures=_pictures(deployment=data), secret_values=secret_values(world)
    )


def _pictures(deployment: Any = None, execution: Any = None) -> dict[str, str]:
    from simulator.pictures import RenderError, execution_dot, render_svg, traffic_svg

    out: dict[str, str] = {}
    if deployment is not None and deployment.get("traffic"):
        out["traffic"] = traffic_svg(deployment)
    if execution is not None:
        # Without a drawing the page still shows the stage list, so a render error is dropped.
        with contextlib.suppress(RenderError):
            out["pipeline"] = render_svg(execution_dot(execution))
    return out


# --- pipelines -----------------------------------------------------------------------------------


def _decision(scenario: Scenario, approval: str | None) -> bool | None:
    """True/False decides approvals now; None pauses at the first one (the learner decides)."""
    fixed = str(scenario.settings.get("approve", "learner")).lower()
    if fixed in ("yes", "no"):
        return APPROVALS[fixed]
    if approval is None:
        return None
    if approval not in APPROVALS:
        raise ScenarioError(f"approval must be 'approved' or 'rejected', got {approval!r}")
    return APPROVALS[approval]


def _source_dirs(scenario: Scenario, files, root: Path) -> dict[str, Path]:
    """Source action -> folder; the learner's files are committed to the first (or edit_source)."""
    settings = scenario.settings
    dirs = {name: root / "sources" / name for name in settings.get("sources") or {}}
    if not dirs:
        raise ScenarioError("a pipeline scenario needs scenario.sources: {SourceAction: folder}")
    target = dirs[settings.get("edit_source") or next(iter(dirs))]
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if name != settings["pipeline"]:
            write_tree(target, {name: text})
    return dirs


def _account_of(arn: Any) -> str | None:
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None


def _pipeline_run(
    execution, decision: bool | None
) -> tuple[PipelineRun, dict[str, tuple[str, str]]]:
    """The typed execution, and where each CloudFormation action put its stack."""
    data = execution.to_dict()
    state = execution.state
    definition = state["pipeline"]
    home = _account_of(definition.get("roleArn")) or ""
    declared = {
        (s.get("name"), a.get("name")): a
        for s in definition.get("stages", [])
        if isinstance(s, dict)
        for a in s.get("actions", [])
        if isinstance(a, dict)
    }
    stages, places = [], {}
    for stage in state["stages"]:
        actions = []
        for action in stage["actions"]:
            raw = declared.get((stage["name"], action["name"]), {})
            role = raw.get("roleArn") if isinstance(raw.get("roleArn"), str) else None
            region = raw.get("region") if isinstance(raw.get("region"), str) else None
            actions.append(
                ActionRun(
                    stage=stage["name"],
                    name=action["name"],
                    category=action["category"],
                    provider=action["provider"],
                    status=action["status"],
                    summary=str(action.get("summary") or ""),
                    role_arn=role,
                    region=region,
                    run_order=int(raw.get("runOrder", 1) or 1),
                )
            )
            config = raw.get("configuration")
            config = config if isinstance(config, dict) else {}
            succeeded = action["status"] == PipelineStatus.SUCCEEDED
            if action["provider"] == "CloudFormation" and succeeded:
                stack = str(config.get("StackName", ""))
                places[stack] = (_account_of(role) or home, region or "")
        stages.append(StageRun(stage["name"], stage.get("status"), tuple(actions)))
    waiting = data.get("waiting")
    run = PipelineRun(
        name=str(definition.get("name", "")),
        status=PipelineStatus(data["status"]),
        stages=tuple(stages),
        variables={k: dict(v) for k, v in (data.get("variables") or {}).items()},
        waiting=f"{waiting['stage']}/{waiting['action']}" if isinstance(waiting, dict) else None,
        decision=None if decision is None else ("approved" if decision else "rejected"),
    )
    return run, places


def _pipeline_builds_and_deployments(execution, scripts, world, since: int):
    builds, deployments = [], []
    for stage in execution.state["stages"]:
        for action in stage["actions"]:
            detail = action.get("detail") or {}
            origin = f"{stage['name']}/{action['name']}"
            if isinstance(detail.get("build"), dict):
                builds.append(_build_run(detail["build"], origin))
            if isinstance(detail.get("deployment"), dict):
                data = detail["deployment"]
                deployments.append(
                    _deployment_run(
                        data,
                        scripts,
                        _invocations(world, since),
                        origin,
                        installed=_installed(world, since),
                        **_group_settings(world, data),
                    )
                )
    return tuple(builds), tuple(deployments)


def _group_settings(world: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """The deployment group's alarms and auto-rollback events, as a stand-alone deploy has them."""
    from simulator.codedeploy import GroupError, find_group

    name = str(data.get("group") or "")
    if not name:
        return {}
    try:
        group = find_group(world, name, str(data.get("application") or "") or None)
    except GroupError:
        return {"group": name}
    return {"group": name, "alarms": group.alarms, "auto_rollback": group.auto_rollback}


def _live_picture(on_picture: Callable[[str, str], None] | None):
    """An on_progress callback that redraws the execution at most every 0.3 s (dot costs)."""
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


def _close(world) -> None:
    close = getattr(world, "close", None)
    if callable(close):
        close()


def _run_pipeline(
    scenario, files, root, world, approval, resume, on_log, on_picture
) -> ScenarioRun:
    resumed: list = []
    try:
        return _pipeline_body(
            scenario, files, root, world, approval, resume, on_log, on_picture, resumed
        )
    finally:
        for extra in resumed:
            _close(extra)


def _pipeline_body(scenario, files, root, world, approval, resume, on_log, on_picture, resumed):
    from simulator.codedeploy import DeployInputError
    from simulator.codepipeline import (
        PipelineInputError,
        PipelineOptions,
        resume_pipeline,
        run_pipeline,
    )
    from simulator.world import World, WorldError

    settings = scenario.settings
    log = _Log(on_log)
    scripts: list[HookScript] = []
    decision = _decision(scenario, approval)
    before = snapshot_of(world)
    options = PipelineOptions(
        approve=decision,
        rng=random.Random(_seed(scenario.name)),
        on_log=log,
        on_progress=_live_picture(on_picture),
        build_time_limit=float(settings.get("time_limit", BUILD_TIME_LIMIT)),
        hook_runner=_runner(scripts, float(settings.get("script_seconds", HOOK_SCRIPT_SECONDS))),
    )
    try:
        sources = _source_dirs(scenario, files, root)
        if resume is not None:
            if decision is None:
                raise PipelineInputError("resuming needs approval='approved' or 'rejected'")
            _close(world)  # the resumed run has its own account (the paused one's state)
            world = World.from_dict(resume["world"])
            resumed.append(world)
            before = _snapshot_from(resume.get("before")) or before
            scripts.extend(HookScript(**s) for s in resume.get("scripts") or [])
            state = dict(resume["execution"])
            state["sources"] = {k: str(v) for k, v in sources.items()}
            log.lines.extend(resume.get("log_lines") or [])
            execution = resume_pipeline(state, world, approve=decision, options=options)
        else:
            pipeline_text = _fixed_or_edited(scenario, files, "pipeline")
            if pipeline_text is None:
                raise PipelineInputError("the scenario names no pipeline file (scenario.pipeline)")
            from simulator.forms import FormError, run_form, runs_as_form

            if runs_as_form(*pipeline_text):  # Terraform or CloudFormation (simulator.forms)
                name, text = pipeline_text
                tf = {k: v for k, v in files.items() if k.endswith(".tf")}
                try:
                    execution = run_form(text, name, sources, world, options, siblings=tf)
                except FormError as exc:
                    raise PipelineInputError(str(exc)) from exc
            else:
                execution = run_pipeline(pipeline_text[1], sources, world, options)
    except (PipelineInputError, DeployInputError, WorldError, KeyError, TypeError) as exc:
        message = str(exc).strip("'\"")
        log(f"The pipeline could not start: {message}")
        typed = ScenarioResult(
            kind="pipeline",
            status=RunStatus.NOT_STARTED,
            message=message,
            before=before,
            after=before,
        )
        return ScenarioRun(typed, log=log.text)
    pipeline, places = _pipeline_run(execution, decision)
    builds, deployments = _pipeline_builds_and_deployments(execution, scripts, world, 0)
    running_log = list(log.lines)  # what a resumed run continues from
    for line in execution.to_text().splitlines():
        log(line)
    after = snapshot_of(world, places)
    paused = execution.waiting is not None
    typed = ScenarioResult(
        kind="pipeline",
        status=RunStatus.PAUSED if paused else RunStatus.RAN,
        builds=builds,
        deployments=deployments,
        pipeline=pipeline,
        before=before,
        after=after,
        changes=diff(before, after),
        api_calls=_api_calls(world),
    )
    last = deployments[-1] if deployments else None
    pictures = _pictures(
        deployment={
            "traffic": [{"minute": p.minute, "percent_new": p.percent_new} for p in last.traffic]
        }
        if last
        else None,
        execution=execution,
    )
    paused_state = None
    if paused:
        from dataclasses import asdict

        paused_state = {
            "execution": execution.to_state(),
            "world": world.to_dict(),
            "log_lines": running_log,
            "scripts": [asdict(s) for s in scripts],
            "before": _snapshot_json(before),
        }
    return ScenarioRun(
        typed,
        log=log.text,
        pictures=pictures,
        paused_state=paused_state,
        secret_values=secret_values(world),
    )


def _snapshot_json(snapshot) -> dict[str, Any] | None:
    from pydantic import TypeAdapter

    from simulator.account import AccountSnapshot

    return TypeAdapter(AccountSnapshot).dump_python(snapshot, mode="json") if snapshot else None


def _snapshot_from(data) -> Any:
    from pydantic import TypeAdapter

    from simulator.account import AccountSnapshot

    return TypeAdapter(AccountSnapshot).validate_python(data) if data else None
