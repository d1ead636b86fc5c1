"""The typed, versioned result of one lab scenario run, and its JSON form.

Every field is produced on the host side: commands and exit codes by the build engine's driver,
hook scripts by the deployment engine's runner, account facts by snapshots of the account
service. Nothing here is read back from the log text or from files the sandbox wrote.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from simulator.account import AccountSnapshot, ApiCall, Change
from simulator.codebuild._records import BuildPhase
from simulator.codedeploy._runner import ScriptStatus
from simulator.scenarios._invocation import Invocation
from simulator.scenarios._notes import Note as Note
from simulator.scenarios._notes import NoteLevel as NoteLevel

if TYPE_CHECKING:
    from pydantic import TypeAdapter

SCHEMA_VERSION = 1
REDACTED = "****"


class RunStatus(StrEnum):
    """Whether the scenario ran, and if not, why not."""

    RAN = "ran"  # the build, deployment or pipeline ran to its end
    PAUSED = "paused"  # a pipeline waits at a manual approval
    BLOCKED = "blocked"  # the checker found errors, so nothing ran
    NOT_STARTED = "not_started"  # the service refused the input (no deployment, no execution)
    FILES_ONLY = "files_only"  # a lab that checks files and runs nothing


class CommandStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"


# The statuses of the AWS services, spelled as their APIs spell them. A StrEnum equals its
# string, so stored results (plain strings in JSON) read back the same and SCHEMA_VERSION stays.


class BuildStatus(StrEnum):
    """A CodeBuild build's or build phase's status (the API's StatusType)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    FAULT = "FAULT"
    TIMED_OUT = "TIMED_OUT"
    IN_PROGRESS = "IN_PROGRESS"
    STOPPED = "STOPPED"


class DeploymentStatus(StrEnum):
    """A CodeDeploy deployment's status (the API's DeploymentStatus)."""

    CREATED = "Created"
    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    BAKING = "Baking"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    STOPPED = "Stopped"
    READY = "Ready"


class LifecycleEventStatus(StrEnum):
    """A CodeDeploy lifecycle event's status on one target (the API's LifecycleEventStatus)."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"


class PipelineStatus(StrEnum):
    """A CodePipeline execution's, stage's or action's status (one set: the API's overlap)."""

    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    CANCELLED = "Cancelled"
    SUPERSEDED = "Superseded"
    SKIPPED = "Skipped"  # a stage a beforeEntry condition skipped (V2)
    ABANDONED = "Abandoned"
    # Not an AWS status: a V2 scenario's git event whose execution the service refused to start.
    NOT_STARTED = "NotStarted"


def _as(enum: type[StrEnum], value: str | None) -> Any:
    """The enum member for a status given as its string (resumed state, hand-built results)."""
    return None if value is None else enum(value)


@dataclass(frozen=True)
class CommandRun:
    """One buildspec command: the phase it ran in, its text, real exit code and duration."""

    phase: str
    command: str
    exit_code: int | None
    status: CommandStatus
    duration_ms: int
    origin: str = ""  # "" for a lab build, "Stage/Action" inside a pipeline

    @property
    def succeeded(self) -> bool:
        return self.status == CommandStatus.SUCCEEDED


@dataclass(frozen=True)
class PhaseRun:
    name: BuildPhase
    status: BuildStatus | None  # None: the phase did not end (COMPLETED has no status)
    duration_ms: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", BuildPhase(self.name))
        object.__setattr__(self, "status", _as(BuildStatus, self.status))


@dataclass(frozen=True)
class ArtifactFile:
    """A file of a build artifact: its path, size and (when small text) its content."""

    path: str
    size: int
    text: str | None = None


@dataclass(frozen=True)
class BuildRun:
    build_id: str
    status: BuildStatus
    reason: str = ""
    phases: tuple[PhaseRun, ...] = ()
    commands: tuple[CommandRun, ...] = ()
    exported_variables: Mapping[str, str] = field(default_factory=dict)
    artifacts: tuple[ArtifactFile, ...] = ()
    origin: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(BuildStatus, self.status))

    def phase(self, name: str) -> PhaseRun | None:
        return next((p for p in self.phases if p.name.upper() == name.upper()), None)

    def artifact(self, path: str) -> ArtifactFile | None:
        return next((a for a in self.artifacts if a.path == path), None)


@dataclass(frozen=True)
class HookScript:
    """One EC2 hook script as the deployment engine ran it on one instance."""

    event: str
    instance: str
    script: str
    exit_code: int | None
    status: ScriptStatus
    duration_ms: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(ScriptStatus, self.status))


@dataclass(frozen=True)
class HookInvocation:
    """A Lambda hook function CodeDeploy invoked (Lambda and ECS deployments)."""

    function: str
    event: str
    outcome: str  # what the world scripted the function to report: Succeeded, Failed, NoCallback


@dataclass(frozen=True)
class LifecycleRun:
    target: str
    event: str
    status: LifecycleEventStatus
    start: float | None = None  # virtual seconds since the deployment began
    end: float | None = None
    error_code: str | None = None
    message: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(LifecycleEventStatus, self.status))


@dataclass(frozen=True)
class TrafficPoint:
    minute: float
    percent_new: float


@dataclass(frozen=True)
class DeploymentRun:
    deployment_id: str
    status: DeploymentStatus
    config: str
    platform: str
    group: str = ""
    message: str = ""
    rolled_back: bool = False
    rollback_status: DeploymentStatus | None = None
    events: tuple[LifecycleRun, ...] = ()
    traffic: tuple[TrafficPoint, ...] = ()
    scripts: tuple[HookScript, ...] = ()
    invocations: tuple[HookInvocation, ...] = ()
    installed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # instance -> files
    alarms: tuple[str, ...] = ()  # CloudWatch alarms the deployment group watched
    auto_rollback: tuple[str, ...] = ()  # events that trigger an automatic rollback
    origin: str = ""  # "" for a lab deployment, "Stage/Action" inside a pipeline
    error_code: str = ""  # ErrorInformation.code when Failed (HEALTH_CONSTRAINTS_INVALID, ...)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(DeploymentStatus, self.status))
        object.__setattr__(self, "rollback_status", _as(DeploymentStatus, self.rollback_status))


@dataclass(frozen=True)
class ActionRun:
    stage: str
    name: str
    category: str
    provider: str
    status: PipelineStatus | None  # None: the action did not run
    summary: str = ""
    role_arn: str | None = None
    region: str | None = None
    run_order: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(PipelineStatus, self.status))


@dataclass(frozen=True)
class StageRun:
    name: str
    status: PipelineStatus | None  # None: the stage was not reached
    actions: tuple[ActionRun, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(PipelineStatus, self.status))


@dataclass(frozen=True)
class TriggerRun:
    """One git event of a V2 scenario: whether the pipeline's triggers started an execution."""

    event: str  # the lab's name for the event
    description: str  # "push of tag v1.0.0 (1 changed file)"
    started: bool
    reason: str
    execution_id: str | None = None
    status: PipelineStatus | None = None  # how the execution it started ended
    variables: Mapping[str, str] = field(default_factory=dict)  # #{variables.*} it ran with

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(PipelineStatus, self.status))


@dataclass(frozen=True)
class ConditionRun:
    """A stage condition the engine evaluated (beforeEntry, onSuccess, onFailure)."""

    stage: str
    gate: str
    result: str  # FAIL | SKIP | ROLLBACK | RETRY: applied when a rule failed
    outcome: PipelineStatus  # Succeeded | Failed
    reason: str = ""
    execution_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", _as(PipelineStatus, self.outcome))


@dataclass(frozen=True)
class RollbackRun:
    """A stage rollback: to which earlier execution, and how it ended."""

    stage: str
    status: PipelineStatus  # Succeeded | Failed
    reason: str
    to_execution: str | None = None
    execution_id: str = ""  # the execution whose stage rolled back

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(PipelineStatus, self.status))


@dataclass(frozen=True)
class NotificationRun:
    """A manual approval's SNS notification."""

    topic: str
    delivered: bool  # the topic exists in the account
    action: str = ""
    execution_id: str = ""


@dataclass(frozen=True)
class PipelineRun:
    name: str
    status: PipelineStatus
    stages: tuple[StageRun, ...] = ()
    variables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    waiting: str | None = None  # "Stage/Action" of the approval it waits at
    decision: str | None = None  # approved | rejected, when an approval was decided
    pipeline_type: str = "V1"
    triggers: tuple[TriggerRun, ...] = ()  # V2 scenarios: every git event, in order
    conditions: tuple[ConditionRun, ...] = ()
    rollbacks: tuple[RollbackRun, ...] = ()
    notifications: tuple[NotificationRun, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _as(PipelineStatus, self.status))

    def stage(self, name: str) -> StageRun | None:
        return next((s for s in self.stages if s.name == name), None)

    @property
    def approvals(self) -> tuple[ActionRun, ...]:
        return tuple(a for s in self.stages for a in s.actions if a.category == "Approval")


@dataclass(frozen=True)
class ScenarioResult:
    """Everything one run did, typed; `to_json`/`from_json` keep it across a pause or a regrade."""

    kind: str  # build | deploy | pipeline | template | check
    status: RunStatus
    message: str = ""  # why it did not run (status BLOCKED / NOT_STARTED), plain words
    builds: tuple[BuildRun, ...] = ()
    deployments: tuple[DeploymentRun, ...] = ()
    pipeline: PipelineRun | None = None
    invocations: tuple[Invocation, ...] = ()  # Lambda invocations, in order
    api_calls: tuple[ApiCall, ...] = ()
    before: AccountSnapshot | None = None
    after: AccountSnapshot | None = None
    changes: tuple[Change, ...] = ()
    notes: tuple[Note, ...] = ()
    schema_version: int = SCHEMA_VERSION

    @property
    def ran(self) -> bool:
        return self.status == RunStatus.RAN

    @property
    def build(self) -> BuildRun | None:
        """The last build (for a pipeline: of its last CodeBuild action that ran)."""
        return self.builds[-1] if self.builds else None

    @property
    def deployment(self) -> DeploymentRun | None:
        return self.deployments[-1] if self.deployments else None

    @property
    def commands(self) -> tuple[CommandRun, ...]:
        return tuple(c for b in self.builds for c in b.commands)

    def redacted(self) -> ScenarioResult:
        """A copy safe to store: secret and SecureString values replaced, in snapshots too."""
        return replace(
            self,
            before=_redact_snapshot(self.before),
            after=_redact_snapshot(self.after),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter().dump_python(self, mode="json")
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScenarioResult:
        version = data.get("schema_version") if isinstance(data, Mapping) else None
        if version != SCHEMA_VERSION:
            raise ResultVersionError(
                f"stored run result has schema version {version!r}; this code reads "
                f"{SCHEMA_VERSION} (grade the submission again to refresh it)"
            )
        return _adapter().validate_python(dict(data))

    @classmethod
    def from_json(cls, text: str) -> ScenarioResult:
        return cls.from_dict(json.loads(text))


class ResultVersionError(ValueError):
    """A stored result written by another schema version."""


@cache
def _adapter() -> TypeAdapter[ScenarioResult]:
    # pydantic turns the frozen dataclasses (tuples, enums, nested snapshots) to JSON and back,
    # validating types on the way in, so a stored result cannot come back in a wrong shape.
    from pydantic import TypeAdapter

    return TypeAdapter(ScenarioResult)


def _redact_snapshot(snapshot: AccountSnapshot | None) -> AccountSnapshot | None:
    if snapshot is None:
        return None
    secrets = tuple(
        replace(s, versions=tuple(replace(v, value=REDACTED) for v in s.versions))
        for s in snapshot.secrets
    )
    params = tuple(
        replace(
            p,
            value=REDACTED,
            history=tuple(replace(h, value=REDACTED) for h in p.history),
        )
        if p.type == "SecureString"
        else p
        for p in snapshot.parameters
    )
    return replace(snapshot, secrets=secrets, parameters=params)
