"""EC2/on-premises deployments (in-place and blue/green): hook scripts per instance, batches."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simulator._appspec_model import (
    EC2_ALLOW_EVENTS,
    EC2_BLOCK_EVENTS,
    EC2_INSTALL_EVENTS,
    MAX_EVENT_SECONDS,
    AppSpec,
    Script,
)
from simulator.codedeploy._alarms import AlarmWatch, reported_error_rate
from simulator.codedeploy._configs import HostsConfig
from simulator.codedeploy._disk import chown_paths, disk_of, save_owners
from simulator.codedeploy._group import DeploymentGroup, Instance
from simulator.codedeploy._install import install, remove_previous
from simulator.codedeploy._result import LifecycleEvent, TrafficPoint
from simulator.codedeploy._revisions import Revision, RevisionStore, inside
from simulator.codedeploy._runner import (
    CURRENT,
    PREVIOUS,
    HookRunner,
    InstanceView,
    ScriptStatus,
    TargetShell,
    viewing,
)

if TYPE_CHECKING:
    from simulator.world import World

FROM_PREVIOUS = frozenset({"ApplicationStop", "BeforeBlockTraffic", "AfterBlockTraffic"})
STOP_EVENTS = FROM_PREVIOUS  # failures ignorable with ignoreApplicationStopFailures
DEFAULT_TIMEOUT = float(MAX_EVENT_SECONDS)
# Virtual durations (seconds) of the reserved events; the group may override the LB ones.
RESERVED_SECONDS = {
    "DownloadBundle": 2.0,
    "Install": 2.0,
    "BlockTraffic": 30.0,
    "AllowTraffic": 30.0,
}


def in_place_order(load_balancer: bool) -> tuple[str, ...]:
    """The in-place lifecycle order, with or without a load balancer (fact sheet 4.1)."""
    if load_balancer:
        return (*EC2_BLOCK_EVENTS, *EC2_INSTALL_EVENTS, *EC2_ALLOW_EVENTS)
    return EC2_INSTALL_EVENTS


@dataclass
class ServerRun:
    """One EC2 deployment in progress."""

    deployment_id: str
    group: DeploymentGroup
    world: World
    appspec: AppSpec
    revision_dir: Path
    plan: dict[str, str]
    runner: HookRunner
    watch: AlarmWatch
    store: RevisionStore
    file_exists_behavior: str
    ignore_stop_failures: bool
    log: Callable[[str], None]
    events: list[LifecycleEvent] = field(default_factory=list)
    traffic: list[TrafficPoint] = field(default_factory=list)
    steps: list[tuple[float, str]] = field(default_factory=list)
    stopped_by: tuple[float, str] | None = None
    current_override: Revision | None = None  # set for the rollback of a blue/green deployment
    error_code: str = ""  # API ErrorInformation code of a failed deployment
    sources: dict[str, Path] = field(default_factory=dict)  # destination -> file to copy
    folders: list[str] = field(default_factory=list)  # folders a folder copy creates

    def env(self, event: str) -> dict[str, str]:
        return {
            "LIFECYCLE_EVENT": event,
            "DEPLOYMENT_ID": self.deployment_id,
            "APPLICATION_NAME": self.group.application,
            "DEPLOYMENT_GROUP_NAME": self.group.name,
            "DEPLOYMENT_GROUP_ID": self.group.id,
        }

    def reserved_seconds(self, event: str) -> float:
        key = {
            "BlockTraffic": "deregistration_delay_seconds",
            "AllowTraffic": "health_check_seconds",
        }.get(event)
        if key and isinstance(self.group.raw.get(key), int | float):
            return float(self.group.raw[key])
        return RESERVED_SECONDS[event]


@dataclass
class _TargetOutcome:
    status: str  # Succeeded | Failed | Stopped
    end: float


class _Target:
    """One instance's pass through its lifecycle events."""

    def __init__(
        self,
        run: ServerRun,
        instance: Instance,
        *,
        previous: Revision | None,
        current_dir: Path | None,
        current_appspec: AppSpec,
    ) -> None:
        self.run = run
        self.instance = instance
        self.previous = previous
        self.current_dir = current_dir
        self.current_appspec = current_appspec
        self._shell: TargetShell | None = None
        self.view = self._view()

    def _view(self) -> InstanceView:
        """The instance's disk, with every folder its scripts may need to reach."""
        disk = disk_of(self.run.world, self.instance.id, self.instance.preexisting_files)
        known = self.run.store.instance_files(self.instance.id, self.instance.preexisting_files)
        destinations = [
            f.destination for f in self.current_appspec.files if f.destination.startswith("/")
        ]
        paths = [*destinations, *self.run.sources, *known]
        # A destination is a folder: "<folder>/*" stands for the files that will go there.
        paths = [f"{p.rstrip('/')}/*" if p in destinations else p for p in paths]
        # The folders shown to the sandbox exist before Install runs, so Install never
        # records them as its own (its cleanup must not remove a folder the sandbox shows).
        disk.mounts(paths, root_mode=os.geteuid() == 0)
        return InstanceView(disk, paths)

    def shell(self) -> TargetShell:
        if self._shell is None:
            scripts = self.previous.scripts if self.previous else {}
            with viewing(self.view):
                self._shell = self.run.runner.open(self.instance.id, self.current_dir, scripts)
        return self._shell

    def close(self) -> None:
        if self._shell is not None:
            self._shell.close()

    def go(self, order: tuple[str, ...], t0: float) -> _TargetOutcome:
        t = t0
        failed = stopped = False
        try:
            for name in order:
                event = LifecycleEvent(self.instance.id, name)
                self.run.events.append(event)
                if failed or stopped:
                    event.status = "Skipped"
                    continue
                if self.instance.stopped:
                    # CodeDeploy still targets a stopped instance; its agent never answers.
                    event.status, event.start, event.end = "Failed", t, t
                    event.error_code = "UnknownError"
                    event.message = "the instance is stopped: the CodeDeploy agent cannot run"
                    failed = True
                    continue
                fired = self.run.watch.fired_by(t / 60)
                if fired is not None:
                    self.run.stopped_by = self.run.stopped_by or fired
                    stopped = True
                    event.status = "Skipped"
                    event.message = f"deployment stopped: alarm {fired[1]} is in ALARM"
                    continue
                event.start = t
                event.status = "InProgress"
                ok = self._event(event, t)
                t = event.end if event.end is not None else t
                takes_traffic = name == "AllowTraffic" or (
                    name == "ApplicationStart" and not self.run.group.load_balancer
                )
                if ok and takes_traffic:
                    self.run.watch.traffic_started(t / 60)
                if not ok:
                    if name in STOP_EVENTS and self.run.ignore_stop_failures:
                        event.message = (event.message + "; " if event.message else "") + (
                            "failure ignored (ignoreApplicationStopFailures)"
                        )
                        continue
                    failed = True
        finally:
            self.close()
        status = "Failed" if failed else "Stopped" if stopped else "Succeeded"
        return _TargetOutcome(status, t)

    # -- one event --------------------------------------------------------------------------
    def _event(self, event: LifecycleEvent, t: float) -> bool:
        name = event.event
        if name in RESERVED_SECONDS:
            event.end = t + self.run.reserved_seconds(name)
            if name == "Install":
                return self._install(event)
            event.status = "Succeeded"
            return True
        from_previous = name in FROM_PREVIOUS and self.run.current_override is None
        if from_previous:
            if self.previous is None:
                event.status, event.end = "Skipped", t
                event.message = "no previous successful revision on this instance"
                return True
            appspec, revision = self.previous.appspec, PREVIOUS
        else:
            appspec, revision = self.current_appspec, CURRENT
        clock = t
        for script in appspec.scripts(name):
            ok, clock = self._script(event, script, revision, clock)
            if not ok:
                event.end = clock
                event.status = "Failed"
                return False
        event.end = clock
        event.status = "Succeeded"
        return True

    def _script(
        self, event: LifecycleEvent, script: Script, revision: str, t: float
    ) -> tuple[bool, float]:
        location = script.location.lstrip("/")
        timeout = script.timeout or DEFAULT_TIMEOUT
        if revision == CURRENT:
            path = inside(self.current_dir, location) if self.current_dir else None
            exists = path is not None and path.is_file()
            executable = exists and bool(path.stat().st_mode & 0o111)  # type: ignore[union-attr]
        else:
            exists = self.previous is not None and location in self.previous.scripts
            executable = True
        if not exists:
            event.error_code = "ScriptMissing"
            event.message = f"Script does not exist at specified location: {location}"
            return False, t
        if not executable:
            event.output.append(
                f"Script at specified location: {location} is not executable. "
                "Trying to make it executable."
            )
        env = self.run.env(event.event)
        if script.runas:
            # The sandbox switches to its unprivileged user for real (uid 1000 inside);
            # USER/LOGNAME carry the name the AppSpec gave.
            env["USER"] = env["LOGNAME"] = script.runas
        self.run.log(f"[{self.instance.id}] {event.event}: running {location}")
        outcome = self.shell().run_script(revision, location, env, timeout)
        event.output.extend(outcome.output)
        for line in outcome.output:
            self.run.log(f"[{self.instance.id}]   {line}")
        virtual = outcome.virtual_s if outcome.virtual_s is not None else outcome.duration_s
        if outcome.status == ScriptStatus.TIMED_OUT or virtual > timeout:
            # On the virtual clock: the agent stops the script when its timeout is reached.
            event.error_code = "ScriptTimedOut"
            event.message = (
                f"Script at specified location: {location} failed to complete in {timeout:g} "
                "seconds"
            )
            return False, t + timeout
        spent = t + max(1.0, math.ceil(virtual))
        if outcome.status == ScriptStatus.SIMULATOR_LIMIT:
            # Not an AWS outcome: the host's own cap on real time stopped the script.
            cap = outcome.limit_s if outcome.limit_s is not None else outcome.duration_s
            event.error_code = "SimulatorLimit"
            event.message = (
                f"Script at specified location: {location} was stopped by the simulator's "
                f"real-time limit of {cap:g} s (its {timeout:g} s timeout on the virtual clock "
                "was not reached; on AWS it would still be running)"
            )
            return False, spent
        rate = reported_error_rate(outcome.output)
        if rate is not None:
            self.run.watch.error_rate(spent / 60, rate)
        if outcome.status != ScriptStatus.SUCCEEDED:
            event.error_code = "ScriptFailed"
            code = outcome.exit_code
            event.message = f"Script at specified location: {location} " + (
                f"failed with exit code {code}"
                if code is not None
                else f"was stopped: {outcome.reason}"
            )
            return False, spent
        return True, spent

    def _install(self, event: LifecycleEvent) -> bool:
        run = self.run
        disk = self.view.disk
        files = run.store.instance_files(self.instance.id, self.instance.preexisting_files)
        made = run.store.instance_folders(self.instance.id)
        # The agent first removes what the group's most recent Install copied (its cleanup
        # file); only files CodeDeploy did not put there can conflict.
        previous = [p for p, origin in files.items() if origin != "preexisting"]
        remove_previous(disk, previous, list(made))
        for path in previous:
            del files[path]
        made.clear()
        done = install(
            disk,
            run.sources,
            run.folders,
            run.appspec.permissions,
            run.file_exists_behavior,
        )
        if done.error:
            event.status = "Failed"
            event.error_code = "UnknownError"
            event.message = done.error
            return False
        for path in done.copied:
            files[path] = run.deployment_id
        made.extend(done.folders)
        if self.view.uids is not None:
            # A sandbox is open: what the host just wrote belongs to the sandbox's root.
            chown_paths(disk, [*done.folders, *done.copied], self.view.uids[0])
            disk.apply_owners(*self.view.uids)
        save_owners(run.world, disk)
        event.output.append(
            f"copied {len(done.copied)} file(s)"
            + (f", kept {len(done.kept)} existing (RETAIN)" if done.kept else "")
        )
        event.output.extend(done.applied)
        event.output.extend(disk.notes)
        run.world.record(
            "codedeploy.install",
            instance=self.instance.id,
            deployment_id=run.deployment_id,
            files=sorted(done.copied),
        )
        event.status = "Succeeded"
        return True


def _ordered(instances: list[Instance], store: RevisionStore | None = None) -> list[Instance]:
    """Instance health page: unhealthy instances first, then unknown, old, current revision."""

    def rank(instance: Instance) -> tuple[bool, bool]:
        known = store is not None and store.on_instance(instance.id) is not None
        return (instance.healthy, known)

    return sorted(instances, key=rank)


def run_fleet(
    run: ServerRun,
    instances: list[Instance],
    order: tuple[str, ...],
    t0: float,
    *,
    current_dir: Path | None,
    current_appspec: AppSpec,
    previous_of: Callable[[Instance], Revision | None],
    on_done: Callable[[Instance, _TargetOutcome], None],
) -> tuple[str, float, str]:
    """Deploy to a fleet by the configuration's batches; (status, end time, message)."""
    config: HostsConfig = run.group.config
    fleet = _ordered(instances, run.store)
    n = len(fleet)

    def one(instance: Instance, start: float) -> _TargetOutcome:
        target = _Target(
            run,
            instance,
            previous=previous_of(instance),
            current_dir=current_dir,
            current_appspec=current_appspec,
        )
        outcome = target.go(order, start)
        on_done(instance, outcome)
        return outcome

    def skip_rest(rest: list[Instance]) -> None:
        for instance in rest:
            for name in order:
                run.events.append(LifecycleEvent(instance.id, name, "Skipped"))

    t = t0
    if config.kind == "ONE_AT_A_TIME":
        return _one_at_a_time(run, fleet, one, skip_rest, t)
    minimum = config.minimum(n)
    need = max(minimum, 1)  # at least one instance must succeed, even with a minimum of 0
    healthy_ids = {i.id for i in fleet if i.healthy}
    in_service = len(healthy_ids)
    # Unhealthy instances go first and do not lower the healthy count; once they succeed they
    # count as healthy. The deployment cannot start only if even then no healthy instance could
    # ever be taken out of service, or too few instances exist to reach the minimum.
    if need > n or (healthy_ids and n - minimum < 1):
        skip_rest(fleet)
        run.error_code = "HEALTH_CONSTRAINTS_INVALID"
        return (
            "Failed",
            t,
            (
                f"HEALTH_CONSTRAINTS_INVALID: {config.name} needs {minimum} healthy instance(s) "
                f"of {n} at all times and {len(healthy_ids)} are healthy; no instance can be "
                "taken out of service, so the deployment fails before it starts"
            ),
        )
    succeeded = failed = 0
    pending = list(fleet)
    while pending:
        unhealthy = [i for i in pending if i.id not in healthy_ids]
        healthy = [i for i in pending if i.id in healthy_ids]
        room = max(in_service - minimum, 0)
        batch = unhealthy + healthy[:room]
        if not batch:
            skip_rest(pending)
            run.error_code = "HEALTH_CONSTRAINTS"
            return (
                "Failed",
                t,
                (
                    f"HEALTH_CONSTRAINTS: {failed} instance(s) failed: deploying further would "
                    f"drop the healthy count below the minimum of {minimum}"
                ),
            )
        chosen = {i.id for i in batch}
        pending = [i for i in pending if i.id not in chosen]
        ends = []
        stopped = False
        for instance in batch:
            outcome = one(instance, t)
            ends.append(outcome.end)
            was_healthy = instance.id in healthy_ids
            if outcome.status == "Succeeded":
                succeeded += 1
                in_service += 0 if was_healthy else 1
                healthy_ids.add(instance.id)
            else:
                # A failed (or stopped) instance is unhealthy from now on.
                failed += 1
                in_service -= 1 if was_healthy else 0
                healthy_ids.discard(instance.id)
            stopped = stopped or outcome.status == "Stopped"
        t = max(ends)
        if stopped:
            skip_rest(pending)
            return "Stopped", t, ""
    if succeeded >= need:
        return "Succeeded", t, ""
    run.error_code = "HEALTH_CONSTRAINTS"
    return (
        "Failed",
        t,
        (
            f"HEALTH_CONSTRAINTS: only {succeeded} of {n} instance(s) succeeded; "
            f"{config.name} needs at least {need}"
        ),
    )


def _one_at_a_time(
    run: ServerRun,
    fleet: list[Instance],
    one: Callable[[Instance, float], _TargetOutcome],
    skip_rest: Callable[[list[Instance]], None],
    t: float,
) -> tuple[str, float, str]:
    """OneAtATime: any failure but on the last instance fails the deployment (API reference)."""
    n = len(fleet)
    for index, instance in enumerate(fleet):
        outcome = one(instance, t)
        t = outcome.end
        if outcome.status == "Stopped":
            skip_rest(fleet[index + 1 :])
            return "Stopped", t, ""
        if outcome.status == "Failed":
            if index == n - 1 and n > 1:
                return (
                    "Succeeded",
                    t,
                    f"{instance.id} failed, but with OneAtATime a failure "
                    "on the last instance still counts as success",
                )
            skip_rest(fleet[index + 1 :])
            run.error_code = "HEALTH_CONSTRAINTS"
            return (
                "Failed",
                t,
                f"HEALTH_CONSTRAINTS: {instance.id} failed; OneAtATime stops at the first failure",
            )
    return "Succeeded", t, ""
