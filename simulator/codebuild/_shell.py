"""The build's shells: their lifetime, mounts and limits, and running a list of commands."""

from __future__ import annotations

from pathlib import Path

from simulator.codebuild._log import BuildLog
from simulator.codebuild._records import BuildFailed, BuildOptions, CommandRecord, Session
from simulator.codebuild._spec import Buildspec
from simulator.sandbox import CommandOutcome, Limits, Mount, ShellSession
from simulator.standins import Channel
from simulator.standins._channel import aws_services


class Shells:
    """One shell for a version 0.2 buildspec, a fresh one per command for 0.1."""

    def __init__(
        self,
        root: Path,
        work: Path,
        options: BuildOptions,
        log: BuildLog,
        channel: Channel,
        env: dict[str, str],
    ) -> None:
        self.root = root
        self.work = work
        self.o = options
        self.log = log
        self.channel = channel
        self.env = env  # shared with the build: later changes reach shells started later
        self.started = 0.0  # when the build was submitted: the time limit counts from there
        self.shell = "bash"
        self.session: Session | None = None
        self.dead = False  # a limit or the timeout ended the sandbox
        self.run_as: str | None = None  # the current phase's run-as user (None: root)
        self.commands: list[CommandRecord] = []

    @property
    def live(self) -> Session | None:
        """The shared session, while it can still run commands."""
        return None if self.dead else self.session

    def start(self, spec: Buildspec, started: float) -> None:
        self.started = started
        self.shell = spec.shell  # env.shell: bash or sh (dash)
        if spec.version == "0.1":
            return  # 0.1: a fresh shell per command
        self.session = self.new()
        self.session.start()
        # The warm `aws` server starts now only for a buildspec whose commands call `aws`, and
        # loads only the services they name; otherwise the shell's first `aws` call (from a
        # script, say) starts it. A build that never calls `aws` saves ~1.5 s of CPU.
        commands = [c for p in spec.phases.values() for c in (*p.commands, *p.finally_)]
        services = aws_services(commands)
        if services:
            self.channel.start(self.session, services)

    def new(self) -> Session:
        limits = self.o.limits or Limits()
        remaining = self.o.time_limit - (self.o.clock() - self.started)
        limits = Limits(**{**limits.__dict__, "wall_seconds": max(remaining, 0.05)})
        factory = self.o.session_factory or ShellSession
        return factory(
            self.work, env=self.env, limits=limits, mounts=self.mounts(), shell=self.shell
        )

    def mounts(self) -> list[Mount]:
        mounts = list(self.channel.mounts)
        for ident in self.o.secondary_sources:
            mounts.append(Mount(self.root / f"src_{ident}", f"/codebuild/output/src_{ident}", True))
        return mounts

    def run_list(self, commands: tuple[str, ...], phase: str) -> BuildFailed | None:
        """Run commands in order until one fails; the failure, or None when all succeed."""
        for command in commands:
            self.log.container(f"Running command {command}")
            outcome = self.execute(command)
            self.commands.append(
                CommandRecord(
                    phase,
                    command,
                    outcome.exit_code,
                    outcome.status,
                    round(outcome.duration_s * 1000),
                )
            )
            if not outcome.succeeded:
                return self._failure(command, outcome)
        return None

    def _failure(self, command: str, outcome: CommandOutcome) -> BuildFailed:
        if outcome.status == "TIMED_OUT":
            self.dead = True
            self.log.container(f"Build timed out: {outcome.reason}")
            return BuildFailed("BUILD_TIMED_OUT", f"Build has timed out. {outcome.reason}")
        if outcome.session_over:
            self.dead = True
            self.log.container(f"Command was stopped by the sandbox: {outcome.reason}")
            return BuildFailed(
                "COMMAND_EXECUTION_ERROR",
                f"Error while executing command: {command}. Reason: {outcome.reason}",
            )
        code = outcome.exit_code
        self.log.container(f"Command did not exit successfully {command} exit status {code}")
        reason = f"exit status {code}"
        if outcome.reason:
            reason += f" ({outcome.reason})"
        return BuildFailed(
            "COMMAND_EXECUTION_ERROR",
            f"Error while executing command: {command}. Reason: {reason}",
        )

    def execute(self, command: str) -> CommandOutcome:
        user = self.run_as
        if self.session is not None:
            outcome = self.session.run(command, on_line=self.log.emit, user=user)
        else:  # 0.1: every command in a fresh shell (state does not carry over)
            session = self.new()
            try:
                session.start()
                outcome = session.run(command, on_line=self.log.emit, user=user)
            finally:
                session.close()
        self.channel.apply()
        return outcome

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
