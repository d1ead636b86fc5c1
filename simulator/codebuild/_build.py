"""Run a buildspec the way CodeBuild does: the phases in order, their transitions and retries."""

from __future__ import annotations

import functools
import random
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from simulator._buildspec_model import PHASE_NAMES
from simulator._images import DEFAULT_IMAGE, IMAGES
from simulator.codebuild._artifacts import Artifacts, collect_reports
from simulator.codebuild._environment import (
    BuildIdentity,
    codebuild_variables,
    exported_values,
    resolve_env,
)
from simulator.codebuild._log import BuildLog
from simulator.codebuild._records import (
    ArtifactRecord,
    BuildFailed,
    BuildOptions,
    BuildPhase,
    BuildResult,
    CommandRecord,
    PhaseRecord,
    Session,
    SessionFactory,
)
from simulator.codebuild._reports import ReportSummary
from simulator.codebuild._shell import Shells
from simulator.codebuild._spec import Buildspec, BuildspecError, Phase, parse_buildspec
from simulator.sandbox import SRC_DIR, discard_tree
from simulator.standins import Channel
from simulator.world import World, empty_world

ALL_PHASES = tuple(BuildPhase)
# (API phase name, buildspec phase name), in the order they run: INSTALL/install...
_BUILD_PHASES = tuple((BuildPhase(name.upper()), name) for name in PHASE_NAMES)
IMAGE = DEFAULT_IMAGE
# The runtimes of the image the simulator stands for (the checker's table); others are tried.
RUNTIMES = IMAGES[IMAGE]
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # what pipeline artifact names allow


class _Build:
    """One build: the phase sequence and the status it leads to; the work is done by its parts."""

    def __init__(self, text: str, source_dir: Path, world: World, options: BuildOptions) -> None:
        self.text = text
        self.source_dir = source_dir
        self.world = world
        self.o = options
        self.rng = options.rng or random.Random()
        self.log = BuildLog(options.clock, options.on_line)
        self.phases: list[PhaseRecord] = []
        self.spec: Buildspec | None = None
        self.status = "SUCCEEDED"
        self.reason = ""
        self.failing = False
        self.reports: list[ReportSummary] = []
        self.exported: dict[str, str] = {}
        self.env: dict[str, str] = {}  # shared with the shells: they start with what it holds
        self.root = Path(tempfile.mkdtemp(prefix="pa-build-"))
        self.root.chmod(0o755)
        self.work = self.root / "src"
        self.work.mkdir()
        self.channel = Channel(world, note=self.log.container)
        self.shells = Shells(self.root, self.work, options, self.log, self.channel, self.env)
        self.artifacts = Artifacts(self.work, world, options, self.log, self.shells)
        self.build_number = len(world.changes_of("codebuild.build")) + 1
        uid = "%08x-%04x-4%03x-%04x-%012x" % (  # noqa: UP031 - a UUID from the injected rng
            self.rng.getrandbits(32),
            self.rng.getrandbits(16),
            self.rng.getrandbits(12),
            self.rng.getrandbits(16) & 0x3FFF | 0x8000,
            self.rng.getrandbits(48),
        )
        self.build_id = f"{options.project_name}:{uid}"

    def container(self, message: str) -> None:
        self.log.container(message)

    # -- phases ----------------------------------------------------------------------------
    def _phase(self, name: BuildPhase, body: Callable[[], None] | None = None) -> bool:
        start = self.o.clock()
        record = PhaseRecord(name, "SUCCEEDED", start, start)
        self.phases.append(record)
        if name in dict(_BUILD_PHASES):
            self.container(f"Entering phase {name}")
            self.channel.origin(f"build:{name}")
        ok = True
        context = ("", "")
        try:
            if body:
                body()
        except BuildFailed as exc:
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
            session = self.shells.live
            if session is not None:
                session.export({"CODEBUILD_BUILD_SUCCEEDING": "0"})
            self.env["CODEBUILD_BUILD_SUCCEEDING"] = "0"

    def run(self) -> BuildResult:
        try:
            self._phase(BuildPhase.SUBMITTED)
            self._phase(BuildPhase.QUEUED)
            if not self._phase(BuildPhase.PROVISIONING, self._provision):
                self._phase(BuildPhase.COMPLETED)  # PROVISIONING failure skips FINALIZING
                return self._result()
            if self._phase(BuildPhase.DOWNLOAD_SOURCE, self._download_source):
                self._run_build_phases()
            self._phase(BuildPhase.FINALIZING, self._finalize)
            self._phase(BuildPhase.COMPLETED)
            self.phases[-1].status = None  # the API gives COMPLETED no status
            return self._result()
        finally:
            self.shells.close()
            self.channel.close()
            discard_tree(self.root)  # iterative, never recursive; in the background

    def _run_build_phases(self) -> None:
        spec = self.spec
        assert spec is not None
        for api_name, key in _BUILD_PHASES:
            phase = spec.phases.get(key)
            ok = self._phase(api_name, functools.partial(self._commands, key, phase))
            if self.shells.dead:
                return  # a limit or the timeout ended the sandbox: straight to FINALIZING
            if not ok:
                mode = phase.on_failure.mode if phase else ""
                if mode == "ABORT" or (not mode and key in ("install", "pre_build")):
                    return
                # BUILD and POST_BUILD failures (and CONTINUE) go on to the next phase.
        self.exported = exported_values(spec, self.shells, self.env)
        self._phase(BuildPhase.UPLOAD_ARTIFACTS, self._upload_artifacts)

    # -- provisioning and source -----------------------------------------------------------
    def _provision(self) -> None:
        self.container("Running on CodeBuild On-demand")
        self.container("Waiting for agent ping")
        self.container("Waiting for DOWNLOAD_SOURCE")

    def _download_source(self) -> None:
        for ident in self.o.secondary_sources:
            # The identifier becomes a host folder name and a mount point: never a path.
            if not _SOURCE_ID.match(ident):
                raise BuildFailed(
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
            self.spec = spec = parse_buildspec(self.text, filename=self.o.buildspec_name)
        except BuildspecError as exc:
            raise BuildFailed("YAML_FILE_ERROR", str(exc)) from exc
        self.container("Processing environment variables")
        who = BuildIdentity(self.build_id, self.build_number, IMAGE, self.phases[0].start)
        base = {**codebuild_variables(self.world, self.o, who), **self.channel.env()}
        self.env.update(resolve_env(spec, self.world, self.o, base, self.log))
        self.artifacts.restore_cache(spec)
        self.container(f"Moving to directory {SRC_DIR}")
        self.container("Registering with agent")
        self.container(f"Phases found in YAML: {len(spec.phases)}")
        for key, phase in spec.phases.items():
            self.container(f" {key.upper()}: {len(phase.commands)} commands")
        self.shells.start(spec, self.phases[0].start)

    # -- commands --------------------------------------------------------------------------
    def _commands(self, key: str, phase: Phase | None) -> None:
        if phase is None:
            return
        if phase.runtime_versions:
            self._runtimes(phase)
        # run-as (phase, else buildspec): commands run as that user instead of root; the
        # sandbox has one unprivileged user, codebuild-user, which every name maps to.
        self.shells.run_as = phase.run_as or (self.spec.run_as if self.spec else "") or None
        attempts = 1 + (phase.on_failure.retries if phase.on_failure.mode == "RETRY" else 0)
        api_name = self.phases[-1].name
        for attempt in range(1, attempts + 1):
            failure = self.shells.run_list(phase.commands, api_name)
            final_failure = self.shells.run_list(phase.finally_, api_name)
            failure = failure or final_failure
            if failure is None:
                return
            if (
                self.shells.dead
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
                raise BuildFailed(
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

    # -- after the phases ------------------------------------------------------------------
    def _upload_artifacts(self) -> None:
        spec = self.spec
        assert spec is not None
        self.reports = collect_reports(self.work, spec.reports, self.log)
        self.artifacts.save_cache(spec)
        self.artifacts.upload(spec, self.env.get("CODEBUILD_BUILD_ARN", ""))

    def _finalize(self) -> None:
        if self.reason and self.status != "SUCCEEDED":
            self.container(f"Build {self.status}: {self.reason}")

    def _result(self) -> BuildResult:
        artifacts = self.artifacts.records
        self.world.record(
            "codebuild.build",
            build_id=self.build_id,
            project=self.o.project_name,
            status=self.status,
            artifacts=[a.key for a in artifacts],
            exported_variables=dict(self.exported),
        )
        return BuildResult(
            build_id=self.build_id,
            build_number=self.build_number,
            status=self.status,
            reason=self.reason,
            phases=self.phases,
            artifacts=artifacts,
            exported_variables=dict(self.exported),
            reports=self.reports,
            log_lines=self.log.lines,
            world=self.world,
            commands=self.shells.commands,
        )


def _copy_source(source: Path, target: Path) -> None:
    """Copy the learner's source tree (symlinks copied as links, never followed)."""
    if not source.is_dir():
        raise BuildFailed("CLIENT_ERROR", f"source directory {source} does not exist")
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


__all__ = [
    "ALL_PHASES",
    "ArtifactRecord",
    "BuildOptions",
    "BuildResult",
    "CommandRecord",
    "PhaseRecord",
    "Session",
    "SessionFactory",
    "build",
]
