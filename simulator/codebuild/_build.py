"""Run a buildspec the way CodeBuild does: phases, transitions, env, artifacts, reports, log."""

from __future__ import annotations

import base64
import functools
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from simulator._buildspec_model import COVERAGE_REPORT_FORMATS
from simulator._images import DEFAULT_IMAGE, IMAGES
from simulator.codebuild._files import Selection, make_zip, select, unzip_into
from simulator.codebuild._reports import (
    MAX_REPORT_BYTES,
    ReportSummary,
    parse_report_file,
)
from simulator.codebuild._spec import Buildspec, BuildspecError, Phase, parse_buildspec
from simulator.sandbox import (
    SRC_DIR,
    CommandOutcome,
    Limits,
    Mount,
    ShellSession,
    discard_tree,
    read_file,
)
from simulator.standins import Channel
from simulator.standins._channel import TOOLS_PATH, aws_services
from simulator.world import MAX_OBJECT_BYTES, World, empty_world

ALL_PHASES = (
    "SUBMITTED",
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
)
IMAGE = DEFAULT_IMAGE
# The runtimes of the image the simulator stands for (the checker's table); others are tried.
RUNTIMES = IMAGES[IMAGE]
_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # what pipeline artifact names allow


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
    name: str
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


class _Failed(Exception):
    """A phase failed with a CodeBuild-style context (status code + message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Build:
    def __init__(self, text: str, source_dir: Path, world: World, options: BuildOptions) -> None:
        self.text = text
        self.source_dir = source_dir
        self.world = world
        self.o = options
        self.rng = options.rng or random.Random()
        self.log_lines: list[str] = []
        self.phases: list[PhaseRecord] = []
        self.secrets: list[str] = []
        self.spec: Buildspec | None = None
        self.status = "SUCCEEDED"
        self.reason = ""
        self.failing = False
        self.session: Session | None = None
        self.session_dead = False
        self.artifacts: list[ArtifactRecord] = []
        self.reports: list[ReportSummary] = []
        self.exported: dict[str, str] = {}
        self.run_as: str | None = None  # the current phase's run-as user (None: root)
        self.commands: list[CommandRecord] = []
        self.env: dict[str, str] = {}
        self.root = Path(tempfile.mkdtemp(prefix="pa-build-"))
        self.root.chmod(0o755)
        self.work = self.root / "src"
        self.work.mkdir()
        self.channel = Channel(world, note=self.container)
        number = len(world.changes_of("codebuild.build")) + 1
        self.build_number = number
        uid = "%08x-%04x-4%03x-%04x-%012x" % (  # noqa: UP031 - a UUID from the injected rng
            self.rng.getrandbits(32),
            self.rng.getrandbits(16),
            self.rng.getrandbits(12),
            self.rng.getrandbits(16) & 0x3FFF | 0x8000,
            self.rng.getrandbits(48),
        )
        self.build_id = f"{options.project_name}:{uid}"

    # -- log -------------------------------------------------------------------------------
    def _stamp(self) -> str:
        now = self.o.clock()
        whole = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now))
        return f"{whole}.{int((now % 1) * 1000):03d}"

    def _mask(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return _ACCESS_KEY.sub("***", line)

    def emit(self, line: str) -> None:
        line = self._mask(line)
        self.log_lines.append(line)
        if self.o.on_line:
            self.o.on_line(line)

    def container(self, message: str) -> None:
        self.emit(f"[Container] {self._stamp()} {message}")

    # -- phases ----------------------------------------------------------------------------
    def _phase(self, name: str, body: Callable[[], None] | None = None) -> bool:
        start = self.o.clock()
        record = PhaseRecord(name, "SUCCEEDED", start, start)
        self.phases.append(record)
        if name in ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD"):
            self.container(f"Entering phase {name}")
            self.channel.origin(f"build:{name}")
        ok = True
        context = ("", "")
        try:
            if body:
                body()
        except _Failed as exc:
            ok = False
            record.status = "TIMED_OUT" if exc.code == "BUILD_TIMED_OUT" else "FAILED"
            context = (exc.code, exc.message)
            record.context = f"{exc.code}: {exc.message}"
        record.end = self.o.clock()
        if name not in ("SUBMITTED", "QUEUED", "COMPLETED"):
            self.container(f"Phase complete: {name} State: {record.status}")
            self.container(f"Phase context status code: {context[0]} Message: {context[1]}")
        if not ok:
            self._mark_failing(record.status or "FAILED", context[1])
        return ok

    def _mark_failing(self, status: str, message: str) -> None:
        if not self.failing:
            self.reason = message
        if status == "TIMED_OUT":
            self.status = "TIMED_OUT"
        elif self.status == "SUCCEEDED":
            self.status = "FAILED"
        if not self.failing:
            self.failing = True
            if self.session is not None and not self.session_dead:
                self.session.export({"CODEBUILD_BUILD_SUCCEEDING": "0"})
            self.env["CODEBUILD_BUILD_SUCCEEDING"] = "0"

    def run(self) -> BuildResult:
        try:
            self._phase("SUBMITTED")
            self._phase("QUEUED")
            if not self._phase("PROVISIONING", self._provision):
                self._phase("COMPLETED")  # PROVISIONING failure skips FINALIZING
                return self._result()
            if self._phase("DOWNLOAD_SOURCE", self._download_source):
                self._run_build_phases()
            self._phase("FINALIZING", self._finalize)
            self._phase("COMPLETED")
            self.phases[-1].status = None  # the API gives COMPLETED no status
            return self._result()
        finally:
            if self.session is not None:
                self.session.close()
            self.channel.close()
            discard_tree(self.root)  # iterative, never recursive; in the background

    def _run_build_phases(self) -> None:
        assert self.spec is not None
        order = [
            ("INSTALL", "install"),
            ("PRE_BUILD", "pre_build"),
            ("BUILD", "build"),
            ("POST_BUILD", "post_build"),
        ]
        index = 0
        while index < len(order):
            api_name, key = order[index]
            phase = self.spec.phases.get(key)
            ok = self._phase(api_name, functools.partial(self._commands, key, phase))
            if self.session_dead:
                return  # a limit or the timeout ended the sandbox: straight to FINALIZING
            if not ok:
                mode = phase.on_failure.mode if phase else ""
                if mode == "ABORT" or (not mode and key in ("install", "pre_build")):
                    return
                # BUILD and POST_BUILD failures (and CONTINUE) go on to the next phase.
            index += 1
        self._capture_exported()
        self._phase("UPLOAD_ARTIFACTS", self._upload_artifacts)

    # -- provisioning and source -----------------------------------------------------------
    def _provision(self) -> None:
        self.container("Running on CodeBuild On-demand")
        self.container("Waiting for agent ping")
        self.container("Waiting for DOWNLOAD_SOURCE")

    def _download_source(self) -> None:
        for ident in self.o.secondary_sources:
            # The identifier becomes a host folder name and a mount point: never a path.
            if not _SOURCE_ID.match(ident):
                raise _Failed(
                    "CLIENT_ERROR",
                    f"secondary source identifier {ident[:60]!r} must be 1-100 characters of "
                    "A-Z a-z 0-9 _ -",
                )
        _copy_source(self.source_dir, self.work)
        for ident, path in self.o.secondary_sources.items():
            _copy_source(Path(path), self.root / f"src_{ident}")
        self.container(f"CODEBUILD_SRC_DIR={SRC_DIR}")
        self.container(f"YAML location is {SRC_DIR}/{self.o.buildspec_name}")
        try:
            self.spec = parse_buildspec(self.text, filename=self.o.buildspec_name)
        except BuildspecError as exc:
            raise _Failed("YAML_FILE_ERROR", str(exc)) from exc
        self.container("Processing environment variables")
        self._resolve_env()
        self._restore_cache()
        self.container(f"Moving to directory {SRC_DIR}")
        self.container("Registering with agent")
        self.container(f"Phases found in YAML: {len(self.spec.phases)}")
        for key, phase in self.spec.phases.items():
            self.container(f" {key.upper()}: {len(phase.commands)} commands")
        self._start_session()

    def _resolve_env(self) -> None:
        spec = self.spec
        assert spec is not None
        w = self.world
        arn = f"arn:aws:codebuild:{w.region}:{w.account_id}"
        env = {
            "PATH": f"{TOOLS_PATH}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "AWS_REGION": w.region,
            "AWS_DEFAULT_REGION": w.region,
            "CODEBUILD_BUILD_ID": self.build_id,
            "CODEBUILD_BUILD_ARN": f"{arn}:build/{self.build_id}",
            "CODEBUILD_BUILD_NUMBER": str(self.build_number),
            "CODEBUILD_BUILD_IMAGE": IMAGE,
            "CODEBUILD_BUILD_SUCCEEDING": "1",
            "CODEBUILD_INITIATOR": self.o.initiator,
            "CODEBUILD_KMS_KEY_ID": f"arn:aws:kms:{w.region}:{w.account_id}:alias/aws/s3",
            "CODEBUILD_LOG_PATH": self.build_id.split(":", 1)[1],
            "CODEBUILD_PROJECT_ARN": f"{arn}:project/{self.o.project_name}",
            "CODEBUILD_RESOLVED_SOURCE_VERSION": self.o.source_version,
            "CODEBUILD_SOURCE_VERSION": self.o.source_version,
            "CODEBUILD_SRC_DIR": SRC_DIR,
            "CODEBUILD_START_TIME": str(int(self.phases[0].start * 1000)),
        }
        for ident in self.o.secondary_sources:
            env[f"CODEBUILD_SRC_DIR_{ident}"] = f"/codebuild/output/src_{ident}"
        env.update(self.channel.env())  # the service role's credentials for the account
        builtin = {n for n in env if n.startswith("CODEBUILD_")}
        # CodeBuild's own variables win over a buildspec's CODEBUILD_ names (BS013 warns).
        env.update({n: v for n, v in spec.variables.items() if n not in builtin})
        for name, selector in spec.parameter_store.items():
            if name in builtin:
                continue
            try:
                found = w.ssm_get(selector)
            except KeyError as exc:
                raise _Failed(
                    "CLIENT_ERROR",
                    f"error while fetching parameter {selector!r} from Parameter Store for "
                    f"{name}: {exc.args[0]}",
                ) from exc
            w.record("ssm.read", name=found["name"], version=found["version"], by="codebuild")
            env[name] = found["value"]
            self.secrets.append(found["value"])
        for name, reference in spec.secrets_manager.items():
            if name in builtin:
                continue
            env[name] = self._secret(name, reference)
            self.secrets.append(env[name])
        env.update(self.o.project_env)
        env.update(self.o.env_overrides)
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in self.secrets if len(s) >= 3}, key=len, reverse=True)
        self.env = env

    def _secret(self, name: str, reference: str) -> str:
        import json

        parts = reference.split(":")
        if reference.startswith("arn:"):
            secret_id, rest = ":".join(parts[:7]), parts[7:]
        else:
            secret_id, rest = parts[0], parts[1:]
        rest += [""] * (3 - len(rest))
        json_key, stage, version_id = rest[:3]
        if stage and version_id:
            raise _Failed("CLIENT_ERROR", f"{name}: give a version stage or a version id, not both")
        try:
            found = self.world.secret_get(secret_id, version_stage=stage, version_id=version_id)
        except KeyError as exc:
            raise _Failed("CLIENT_ERROR", f"Secrets Manager: {exc.args[0]} (for {name})") from exc
        self.world.record(
            "secrets.read", name=found["name"], version_id=found["id"], by="codebuild"
        )
        value = found["value"]
        if json_key:
            try:
                data = json.loads(value)
                value = data[json_key]
            except (ValueError, KeyError, TypeError) as exc:
                raise _Failed(
                    "CLIENT_ERROR",
                    f"Secrets Manager: secret {secret_id} has no JSON key {json_key!r} "
                    f"(for {name})",
                ) from exc
            value = value if isinstance(value, str) else json.dumps(value)
        text: str = value
        return text

    def _start_session(self) -> None:
        if self.spec and self.spec.version == "0.1":
            return  # 0.1: a fresh shell per command
        self.session = self._new_session()
        self.session.start()
        # The warm `aws` server starts now only for a buildspec whose commands call `aws`, and
        # loads only the services they name; otherwise the shell's first `aws` call (from a
        # script, say) starts it. A build that never calls `aws` saves ~1.5 s of CPU.
        spec = self.spec
        assert spec is not None  # parsed in DOWNLOAD_SOURCE, before the session starts
        commands = [c for p in spec.phases.values() for c in (*p.commands, *p.finally_)]
        services = aws_services(commands)
        if services:
            self.channel.start(self.session, services)

    def _new_session(self) -> Session:
        limits = self.o.limits or Limits()
        remaining = self.o.time_limit - (self.o.clock() - self.phases[0].start)
        limits = Limits(**{**limits.__dict__, "wall_seconds": max(remaining, 0.05)})
        factory = self.o.session_factory or ShellSession
        shell = self.spec.shell if self.spec else "bash"  # env.shell: bash or sh (dash)
        return factory(self.work, env=self.env, limits=limits, mounts=self._mounts(), shell=shell)

    def _mounts(self) -> list[Mount]:
        mounts = list(self.channel.mounts)
        for ident in self.o.secondary_sources:
            mounts.append(Mount(self.root / f"src_{ident}", f"/codebuild/output/src_{ident}", True))
        return mounts

    # -- commands --------------------------------------------------------------------------
    def _commands(self, key: str, phase: Phase | None) -> None:
        if phase is None:
            return
        if phase.runtime_versions:
            self._runtimes(phase)
        # run-as (phase, else buildspec): commands run as that user instead of root; the
        # sandbox has one unprivileged user, codebuild-user, which every name maps to.
        self.run_as = phase.run_as or (self.spec.run_as if self.spec else "") or None
        attempts = 1 + (phase.on_failure.retries if phase.on_failure.mode == "RETRY" else 0)
        for attempt in range(1, attempts + 1):
            failure = self._run_list(phase.commands)
            final_failure = self._run_list(phase.finally_) if phase.finally_ else None
            failure = failure or final_failure
            if failure is None:
                return
            if (
                self.session_dead
                or attempt == attempts
                or not re.search(phase.on_failure.pattern, failure.message)
            ):
                raise failure
            self.container(
                f"Phase {key.upper()} failed, retrying (attempt {attempt + 1} of {attempts})"
            )

    def _runtimes(self, phase: Phase) -> None:
        for runtime, version in phase.runtime_versions:
            if runtime not in RUNTIMES:
                raise _Failed(
                    "YAML_FILE_ERROR",
                    f"Unknown runtime named '{runtime}'. This build image has the following "
                    f"runtimes: {', '.join(sorted(RUNTIMES))}",
                )
            self.container(
                f"Selecting '{runtime}' runtime version '{version}' based on manual selections..."
            )
            if version.rstrip(".x") not in RUNTIMES[runtime] and version != "latest":
                self.container(
                    f"Runtime version {version} of {runtime} is not on {IMAGE}: "
                    "CodeBuild would try to install it at build time"
                )

    def _run_list(self, commands: tuple[str, ...]) -> _Failed | None:
        for command in commands:
            self.container(f"Running command {command}")
            outcome = self._execute(command)
            self.commands.append(
                CommandRecord(
                    self.phases[-1].name if self.phases else "",
                    command,
                    outcome.exit_code,
                    outcome.status,
                    round(outcome.duration_s * 1000),
                )
            )
            if outcome.succeeded:
                continue
            if outcome.status == "TIMED_OUT":
                self.session_dead = True
                self.container(f"Build timed out: {outcome.reason}")
                return _Failed("BUILD_TIMED_OUT", f"Build has timed out. {outcome.reason}")
            if outcome.session_over:
                self.session_dead = True
                self.container(f"Command was stopped by the sandbox: {outcome.reason}")
                return _Failed(
                    "COMMAND_EXECUTION_ERROR",
                    f"Error while executing command: {command}. Reason: {outcome.reason}",
                )
            code = outcome.exit_code
            self.container(f"Command did not exit successfully {command} exit status {code}")
            reason = f"exit status {code}"
            if outcome.reason:
                reason += f" ({outcome.reason})"
            return _Failed(
                "COMMAND_EXECUTION_ERROR",
                f"Error while executing command: {command}. Reason: {reason}",
            )
        return None

    def _execute(self, command: str) -> CommandOutcome:
        user = self.run_as
        if self.session is not None:
            outcome = self.session.run(command, on_line=self.emit, user=user)
        else:  # 0.1: every command in a fresh shell (state does not carry over)
            session = self._new_session()
            try:
                session.start()
                outcome = session.run(command, on_line=self.emit, user=user)
            finally:
                session.close()
        self.channel.apply()
        return outcome

    def _capture_exported(self) -> None:
        spec = self.spec
        if spec is None or not spec.exported_variables:
            return
        names = spec.exported_variables
        if self.session is None or self.session_dead:
            self.exported = {n: self.env.get(n, "") for n in names}
            return
        lines: list[str] = []
        script = "; ".join(
            f'printf \'%s=%s\\n\' {n} "$(printf %s "${{{n}-}}" | base64 -w0)"' for n in names
        )
        self.session.run(script, on_line=lines.append)
        for line in lines:
            name, _, encoded = line.partition("=")
            if name in names:
                try:
                    self.exported[name] = base64.b64decode(encoded).decode("utf-8", "replace")
                except ValueError:
                    self.exported[name] = ""

    # -- artifacts, reports, cache ------------------------------------------------------------
    def _bucket(self) -> str:
        name = self.o.artifact_bucket or f"codebuild-artifacts-{self.world.account_id}"
        self.world.s3_create_bucket(name)  # the project's artifact bucket (no-op if it exists)
        return name

    def _upload_artifacts(self) -> None:
        spec = self.spec
        assert spec is not None
        self._collect_reports()
        self._save_cache()
        for artifact in spec.artifacts:
            label = artifact.identifier or "primary"
            base = artifact.base_directory or "."
            self.container(f"Expanding base directory path: {base}")
            self.container("Assembling file list")
            try:
                chosen = select(
                    self.work,
                    artifact.files,
                    base_directory=artifact.base_directory,
                    discard_paths=artifact.discard_paths,
                    exclude_paths=artifact.exclude_paths,
                    keep_symlinks=artifact.enable_symlinks,
                )
            except OverflowError as exc:
                raise _Failed("CLIENT_ERROR", str(exc)) from exc
            for pattern in artifact.files:
                self.container(f"Expanding {pattern}")
            for note in chosen.skipped:
                self.container(f"Skipping {note}")
            count = len(chosen.files) + len(chosen.links)
            if artifact.base_directory and not chosen.base_dirs:
                raise _Failed(
                    "CLIENT_ERROR",
                    f"no matching base directory path found for {artifact.base_directory}",
                )
            if count == 0:
                raise _Failed(
                    "CLIENT_ERROR", f"no matching artifact paths found ({label} artifact)"
                )
            self.container(f"Found {count} file(s)")
            try:
                data = make_zip(self.work, chosen, max_bytes=MAX_OBJECT_BYTES)
            except ValueError as exc:
                raise _Failed("CLIENT_ERROR", f"artifact {label}: {exc}") from exc
            name = self._artifact_name(artifact.name) or (
                artifact.identifier or self.o.project_name
            )
            bucket = self._bucket()
            prefix = artifact.s3_prefix.strip("/")
            key = "/".join(p for p in (prefix, self.o.project_name, artifact.identifier, name) if p)
            key = key if key.endswith(".zip") else f"{key}.zip"
            self.world.s3_put(
                bucket,
                key,
                data,
                metadata={"codebuild-buildarn": self.env.get("CODEBUILD_BUILD_ARN", "")},
            )
            files = sorted([n for _p, n in chosen.files] + [n for _p, n, _t in chosen.links])
            self.artifacts.append(
                ArtifactRecord(artifact.identifier, name, bucket, key, files, data)
            )

    def _artifact_name(self, raw: str) -> str:
        if not raw:
            return ""
        if not any(ch in raw for ch in "$`") or self.session is None or self.session_dead:
            return raw
        lines: list[str] = []
        escaped = raw.replace("\\", "\\\\").replace('"', '\\"')
        outcome = self.session.run(f'printf "%s\\n" "{escaped}"', on_line=lines.append)
        return lines[0].strip("/") if outcome.succeeded and lines else raw

    def _collect_reports(self) -> None:
        spec = self.spec
        assert spec is not None
        for report in spec.reports:
            kind = "CODE_COVERAGE" if report.file_format in COVERAGE_REPORT_FORMATS else "TEST"
            summary = ReportSummary(report.group, report.file_format, kind)
            try:
                chosen = select(
                    self.work,
                    report.files,
                    base_directory=report.base_directory,
                    discard_paths=report.discard_paths,
                )
            except OverflowError as exc:  # TreeLimit: too many entries, too deep, too slow
                chosen = Selection()
                summary.problems.append(str(exc))
            if not chosen.files:
                summary.problems.append("no report files matched")
            for tree_path, _name in chosen.files:
                try:
                    data = read_file(self.work, tree_path, max_bytes=MAX_REPORT_BYTES)
                except (ValueError, OSError) as exc:
                    summary.problems.append(f"{tree_path}: {exc}")
                    continue
                parse_report_file(summary, tree_path, data)
            summary.finish()
            if kind == "TEST":
                self.container(
                    f"Report group {report.group}: {summary.status}: {summary.total} tests, "
                    f"{summary.passed} passed, {summary.failed} failed, {summary.errors} errors, "
                    f"{summary.skipped} skipped"
                )
            else:
                coverage = (
                    "unknown" if summary.line_coverage is None else f"{summary.line_coverage}%"
                )
                self.container(f"Report group {report.group}: line coverage {coverage}")
            for problem in summary.problems:
                self.container(f"Report group {report.group}: {problem}")
            self.reports.append(summary)

    def _cache_key(self) -> str:
        key = self.spec.cache.key if self.spec and self.spec.cache else ""
        return f"{self.o.project_name}/cache/{key}.zip"

    def _restore_cache(self) -> None:
        if not self.spec or not self.spec.cache_paths:
            return
        bucket = self.o.artifact_bucket or f"codebuild-artifacts-{self.world.account_id}"
        objects = self.world.state["s3"].get(bucket, {}).get("objects", {})
        key = self._cache_key()
        if key in objects:
            try:
                data = self.world.s3_get(bucket, key)
                count = unzip_into(data, self.work, max_bytes=MAX_OBJECT_BYTES)
            except ValueError as exc:
                self.container(f"Cache s3://{bucket}/{key} not restored: {exc}")
                return
            self.container(f"Restored {count} cached file(s) from s3://{bucket}/{key}")
            self.world.record("codebuild.cache_restore", bucket=bucket, key=key, files=count)

    def _save_cache(self) -> None:
        if not self.spec or not self.spec.cache_paths:
            return
        inside = tuple(
            p for p in self.spec.cache_paths if not p.startswith("/") or p.startswith(SRC_DIR)
        )
        for path in self.spec.cache_paths:
            if path not in inside:
                self.container(
                    f"Cache path {path} is outside the source directory: not cached "
                    "by the simulator"
                )
        if not inside:
            return
        try:
            chosen = select(self.work, inside)
            if not chosen.files:
                return
            data = make_zip(self.work, chosen, max_bytes=MAX_OBJECT_BYTES)
        except (ValueError, OverflowError) as exc:  # a tree past the limits, a vanished file
            self.container(f"Cache not saved: {exc}")
            return
        bucket = self._bucket()
        self.world.s3_put(bucket, self._cache_key(), data)
        self.container(f"Saved {len(chosen.files)} file(s) to the cache")

    def _finalize(self) -> None:
        if self.reason and self.status != "SUCCEEDED":
            self.container(f"Build {self.status}: {self.reason}")

    def _result(self) -> BuildResult:
        self.world.record(
            "codebuild.build",
            build_id=self.build_id,
            project=self.o.project_name,
            status=self.status,
            artifacts=[a.key for a in self.artifacts],
            exported_variables=dict(self.exported),
        )
        return BuildResult(
            build_id=self.build_id,
            build_number=self.build_number,
            status=self.status,
            reason=self.reason,
            phases=self.phases,
            artifacts=self.artifacts,
            exported_variables=dict(self.exported),
            reports=self.reports,
            log_lines=self.log_lines,
            world=self.world,
            commands=self.commands,
        )


def _copy_source(source: Path, target: Path) -> None:
    """Copy the learner's source tree (symlinks copied as links, never followed)."""
    if not source.is_dir():
        raise _Failed("CLIENT_ERROR", f"source directory {source} does not exist")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    target.chmod(0o755)  # copytree copies the source's mode; the sandbox uid must enter it


def build(
    buildspec: str,
    source_dir: Path | str,
    world: World | None = None,
    options: BuildOptions | None = None,
) -> BuildResult:
    """Run a buildspec against a source tree in the sandbox; the world records what changed.

    Raises SandboxUnavailable when commands cannot be sandboxed (never runs them unsandboxed).
    """
    from simulator.sandbox import probe

    probe()
    return _Build(
        buildspec, Path(source_dir), world or empty_world(), options or BuildOptions()
    ).run()


__all__ = ["BuildOptions", "BuildResult", "CommandRecord", "PhaseRecord", "build"]
