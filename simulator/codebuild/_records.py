"""What a build takes and gives: options, phase/command/artifact records, the result, failures."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from simulator.codebuild._reports import ReportSummary
from simulator.sandbox import CommandOutcome, Limits
from simulator.world import World


class Session(Protocol):
    """What the build needs from a command runner (ShellSession is the real one)."""

    work_dir: Path

    def start(self) -> None: ...
    def run(
        self, command: str, *, on_line: Callable[[str], None], user: str | None = None
    ) -> CommandOutcome: ...
    def export(self, values: Mapping[str, str]) -> None: ...
    def close(self) -> None: ...


SessionFactory = Callable[..., Session]


class BuildPhase(StrEnum):
    """CodeBuild's build phases, in the order they run, spelled as BatchGetBuilds reports them."""

    SUBMITTED = "SUBMITTED"
    QUEUED = "QUEUED"
    PROVISIONING = "PROVISIONING"
    DOWNLOAD_SOURCE = "DOWNLOAD_SOURCE"
    INSTALL = "INSTALL"
    PRE_BUILD = "PRE_BUILD"
    BUILD = "BUILD"
    POST_BUILD = "POST_BUILD"
    UPLOAD_ARTIFACTS = "UPLOAD_ARTIFACTS"
    FINALIZING = "FINALIZING"
    COMPLETED = "COMPLETED"


@dataclass
class BuildOptions:
    """Everything about a build that is not in the buildspec; defaults suit a lab."""

    project_name: str = "lab-project"
    time_limit: float = 600.0  # real wall-clock seconds for the sandboxed run
    limits: Limits | None = None  # sandbox limits (wall_seconds is replaced by time_limit)
    env_overrides: Mapping[str, str] = field(default_factory=dict)  # start-build overrides
    project_env: Mapping[str, str] = field(default_factory=dict)
    source_version: str = "0123456789abcdef0123456789abcdef01234567"
    initiator: str = "learner"
    artifact_bucket: str | None = None  # default: codebuild-artifacts-<account>, created if absent
    secondary_sources: Mapping[str, Path] = field(default_factory=dict)
    on_line: Callable[[str], None] | None = None
    clock: Callable[[], float] = time.time
    rng: random.Random | None = None
    session_factory: SessionFactory | None = None
    buildspec_name: str = "buildspec.yml"


@dataclass
class PhaseRecord:
    name: BuildPhase
    status: str | None
    start: float
    end: float
    context: str = ""

    @property
    def duration_ms(self) -> int:
        return round((self.end - self.start) * 1000)


@dataclass(frozen=True)
class CommandRecord:
    """One buildspec command as the host ran it: phase, text, exit code, time, status."""

    phase: str
    command: str
    exit_code: int | None
    status: str  # SUCCEEDED | FAILED | TIMED_OUT (the sandbox's CommandOutcome status)
    duration_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "command": self.command, "exit_code": self.exit_code,
                "status": self.status, "duration_ms": self.duration_ms}  # fmt: skip


@dataclass
class ArtifactRecord:
    identifier: str  # "" for the primary artifact
    name: str
    bucket: str
    key: str
    files: list[str]
    data: bytes = field(repr=False, default=b"")

    def to_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier or "primary",
            "name": self.name,
            "location": f"s3://{self.bucket}/{self.key}",
            "files": self.files,
            "size": len(self.data),
        }


@dataclass
class BuildResult:
    """How the build ended, phase by phase, with its artifacts, variables, reports and log."""

    build_id: str
    build_number: int
    status: str  # SUCCEEDED | FAILED | FAULT | TIMED_OUT | STOPPED
    reason: str
    phases: list[PhaseRecord]
    artifacts: list[ArtifactRecord]
    exported_variables: dict[str, str]
    reports: list[ReportSummary]
    log_lines: list[str]
    world: World
    commands: list[CommandRecord] = field(default_factory=list)  # from the host, never the log

    @property
    def log(self) -> str:
        return "\n".join(self.log_lines) + ("\n" if self.log_lines else "")

    def phase(self, name: str) -> PhaseRecord | None:
        return next((p for p in self.phases if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON the CLI prints (`python -m simulator build --format json`)."""
        return {
            "status": self.status,
            "phases": [
                {"name": p.name, "status": p.status, "duration_ms": p.duration_ms}
                for p in self.phases
            ],
            "artifacts": [a.to_dict() for a in self.artifacts],
            "exported_variables": dict(self.exported_variables),
            "log": self.log,
        }

    def to_record(self) -> dict[str, Any]:
        """Compact JSON of what ran (no log), e.g. for a pipeline action's detail."""
        return {
            "build_id": self.build_id,
            "status": self.status,
            "reason": self.reason,
            "phases": [
                {"name": p.name, "status": p.status, "duration_ms": p.duration_ms}
                for p in self.phases
            ],
            "commands": [c.to_dict() for c in self.commands],
            "exported_variables": dict(self.exported_variables),
        }


class BuildFailed(Exception):
    """A phase failed with a CodeBuild-style context (status code + message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
