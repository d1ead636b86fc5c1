"""Orchestrate an EC2/on-premises deployment: in-place or blue/green, then automatic rollback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator._appspec_model import (
    EC2_ALLOW_EVENTS,
    EC2_BLOCK_EVENTS,
    EC2_INSTALL_EVENTS,
    AppSpec,
    appspec_of,
    read_appspec,
)
from simulator.codedeploy._alarms import AlarmWatch
from simulator.codedeploy._disk import blob_path, disk_of, save_blob
from simulator.codedeploy._group import DeploymentGroup, Instance
from simulator.codedeploy._options import DeployOptions
from simulator.codedeploy._result import DeploymentResult, TrafficPoint
from simulator.codedeploy._revisions import (
    Revision,
    RevisionStore,
    capture,
    install_plan,
    install_sources,
)
from simulator.codedeploy._runner import HookRunner
from simulator.codedeploy._server import (
    ServerRun,
    _TargetOutcome,
    in_place_order,
    run_fleet,
)
from simulator.sandbox import discard_tree

if TYPE_CHECKING:
    from simulator.world import World

_NONE = appspec_of({}, "ec2")  # an instance that only blocks traffic installs no revision


def _record(world: World, action: str, **details: Any) -> None:
    world.record(action, **details)


def deploy_server(
    appspec: AppSpec,
    revision_dir: Path,
    world: World,
    group: DeploymentGroup,
    options: DeployOptions,
    runner: HookRunner,
    *,
    rollback_of: str | None = None,
    revision: Revision | None = None,
    start: float = 0.0,
) -> DeploymentResult:
    """One EC2 deployment (a rollback passes the stored `revision` to redeploy)."""
    deployment_id = options.new_id(world)
    store = RevisionStore(world, group.id)
    _seed_from_world(store, group, options, world)
    folders: list[str] = []
    if revision is not None:
        plan = dict(revision.files)
        # A redeployment copies the stored contents of the revision's files.
        sources = {d: blob_path(world, sha) for d, sha in plan.items()}
        sources = {d: p for d, p in sources.items() if p.is_file()}
    else:
        plan, problem = install_plan(appspec, revision_dir)
        if problem:
            return _failed_early(deployment_id, group, f"AppSpec files section: {problem}")
        sources, folders, _problem = install_sources(appspec, revision_dir)
        for dest, src in sources.items():
            save_blob(world, plan[dest], src)
    behaviour = appspec.file_exists_behavior or options.file_exists_behavior
    ignore = (
        options.ignore_application_stop_failures
        if options.ignore_application_stop_failures is not None
        else group.ignore_stop_failures
    )
    # Instances that succeed point at this revision even if the deployment as a whole fails.
    kept = revision or capture(deployment_id, appspec, revision_dir, plan)
    store.add(Revision(deployment_id, kept.appspec, kept.scripts, kept.files))
    run = ServerRun(
        deployment_id=deployment_id,
        group=group,
        world=world,
        appspec=appspec,
        revision_dir=revision_dir,
        plan=plan,
        runner=runner,
        watch=AlarmWatch(world, group.alarms if rollback_of is None else ()),
        store=store,
        file_exists_behavior=str(behaviour),
        ignore_stop_failures=ignore,
        log=options.on_log or (lambda _line: None),
        sources=sources,
        folders=folders,
    )
    _record(
        world,
        "codedeploy.create_deployment",
        deployment_id=deployment_id,
        application=group.application,
        group=group.name,
        rollback_of=rollback_of,
    )
    if group.blue_green:
        status, end, message = _blue_green(run, revision_dir, appspec, start)
    else:
        status, end, message = _in_place(run, revision_dir, appspec, start)
    if status == "Succeeded" and run.watch.fired_by(end / 60):
        run.stopped_by = run.watch.fired_by(end / 60)
        status = "Stopped"
    if status == "Stopped" and run.stopped_by:
        message = f"alarm {run.stopped_by[1]} went into ALARM at minute {run.stopped_by[0]:g}"
        run.watch.commit(deployment_id, end / 60)
    result = DeploymentResult(
        deployment_id=deployment_id,
        status=status,
        config=group.config.name,
        platform="Server",
        application=group.application,
        group=group.name,
        events=run.events,
        traffic=run.traffic,
        message=message,
        steps=run.steps,
        duration_s=end,
        error_code=run.error_code if status == "Failed" else "",
    )
    if status == "Succeeded":
        store.mark_group(deployment_id)
    _record(world, "codedeploy.deployment", deployment_id=deployment_id, status=status)
    return result


def _failed_early(deployment_id: str, group: DeploymentGroup, message: str) -> DeploymentResult:
    return DeploymentResult(
        deployment_id,
        "Failed",
        group.config.name,
        "Server",
        group.application,
        group.name,
        message=message,
    )


def _seed_from_world(
    store: RevisionStore, group: DeploymentGroup, options: DeployOptions, world: World
) -> None:
    """`last_successful_revision:` in the world: that revision is already on every instance."""
    if not group.last_successful_revision:
        return
    folder = Path(group.last_successful_revision)
    if not folder.is_absolute():
        folder = (options.base_dir or Path.cwd()) / folder
    appspec_file = next(
        (p for p in (folder / "appspec.yml", folder / "appspec.yaml") if p.is_file()), None
    )
    if appspec_file is None:
        return
    from simulator._loading import load_document

    loaded = load_document(appspec_file.read_bytes(), filename=str(appspec_file))
    if not isinstance(loaded.data, dict):
        return
    appspec = read_appspec(loaded, "ec2")
    plan, _problem = install_plan(appspec, folder)
    seeded = capture("d-PREVIOUS0", appspec, folder, plan)
    if not store.seed(seeded, [i.id for i in group.instances]):
        return
    # The revision's files are on every instance, as if its Install had run there.
    sources, _folders, _problem = install_sources(appspec, folder)
    for dest, src in sources.items():
        save_blob(world, plan[dest], src)
    for instance in group.instances:
        disk = disk_of(world, instance.id, instance.preexisting_files)
        for dest, src in sources.items():
            disk.write(dest, src.read_bytes(), src.stat().st_mode)


def _in_place(
    run: ServerRun, revision_dir: Path, appspec: AppSpec, start: float
) -> tuple[str, float, str]:
    order = in_place_order(run.group.load_balancer)
    fleet = run.group.instances
    done: list[str] = []
    run.traffic.append(TrafficPoint(start / 60, 0.0))

    def on_done(instance: Instance, outcome: _TargetOutcome) -> None:
        if outcome.status == "Succeeded":
            run.store.mark_instance(instance.id, run.deployment_id)
            done.append(instance.id)
            run.traffic.append(TrafficPoint(outcome.end / 60, 100.0 * len(done) / len(fleet)))

    status, end, message = run_fleet(
        run,
        fleet,
        order,
        start,
        current_dir=revision_dir,
        current_appspec=appspec,
        previous_of=lambda i: run.store.on_instance(i.id),
        on_done=on_done,
    )
    run.traffic.sort(key=lambda p: p.minute)
    return status, end, message


def _blue_green(
    run: ServerRun, revision_dir: Path, appspec: AppSpec, start: float
) -> tuple[str, float, str]:
    group = run.group
    originals, replacements = group.instances, group.replacement_instances
    run.steps.append(
        (start / 60, f"provisioning replacement instances: {', '.join(i.id for i in replacements)}")
    )
    registered: list[str] = []
    run.traffic.append(TrafficPoint(start / 60, 0.0))

    def on_done(instance: Instance, outcome: _TargetOutcome) -> None:
        if outcome.status == "Succeeded":
            run.store.mark_instance(instance.id, run.deployment_id)
            registered.append(instance.id)
            share = 100.0 * len(registered) / (len(registered) + len(originals))
            run.traffic.append(TrafficPoint(outcome.end / 60, share))

    order = (*EC2_INSTALL_EVENTS, *EC2_ALLOW_EVENTS)
    status, t, message = run_fleet(
        run,
        replacements,
        order,
        start,
        current_dir=revision_dir,
        current_appspec=appspec,
        previous_of=lambda _i: None,
        on_done=on_done,
    )
    if status != "Succeeded":
        run.traffic.sort(key=lambda p: p.minute)
        return status, t, message
    # Original fleet: block traffic everywhere at once; any failure to deregister fails it.
    ends, failed = [], []
    for instance in originals:
        outcome = _original(run, instance, t)
        ends.append(outcome.end)
        if outcome.status != "Succeeded":
            failed.append(instance.id)
    t = max(ends) if ends else t
    if failed:
        return "Failed", t, f"original instance(s) {', '.join(failed)} failed to block traffic"
    if run.stopped_by:
        return "Stopped", t, ""
    run.traffic.append(TrafficPoint(t / 60, 100.0))
    wait = group.termination_wait_minutes
    action = "terminating" if group.terminate_original else "keeping (KEEP_ALIVE)"
    run.steps.append(
        (t / 60, f"traffic rerouted; {action} the original instances after {wait:g} min")
    )
    t += wait * 60
    if group.terminate_original:
        run.steps.append(
            (t / 60, f"original instances terminated: {', '.join(i.id for i in originals)}")
        )
        _record(
            run.world,
            "ec2.terminate",
            instances=[i.id for i in originals],
            deployment_id=run.deployment_id,
        )
    run.world.retarget_group(group.application, group.name, [i.id for i in replacements])
    return "Succeeded", t, ""


def _original(run: ServerRun, instance: Instance, t: float) -> _TargetOutcome:
    from simulator.codedeploy._server import _Target

    target = _Target(
        run,
        instance,
        previous=run.store.on_instance(instance.id),
        current_dir=None,
        current_appspec=_NONE,
    )
    return target.go(EC2_BLOCK_EVENTS, t)


def rollback_server(
    failed: DeploymentResult,
    world: World,
    group: DeploymentGroup,
    options: DeployOptions,
    runner: HookRunner,
) -> DeploymentResult | None:
    """Redeploy the last successful revision as a new deployment (None if there is none)."""
    store = RevisionStore(world, group.id)
    good = store.last_successful()
    if good is None:
        failed.message += "; no earlier successful revision to roll back to"
        return None
    folder = good.materialize()
    try:
        if group.blue_green:
            return _rollback_blue_green(failed, world, group, options, runner, good, folder)
        touched = {e.target for e in failed.events if e.status in ("Succeeded", "Failed")}
        keep = [i for i in group.instances if i.id in touched] or group.instances
        narrowed = DeploymentGroup(**{**group.__dict__, "instances": keep})
        return deploy_server(
            good.appspec,
            folder,
            world,
            narrowed,
            options,
            runner,
            rollback_of=failed.deployment_id,
            revision=good,
            start=failed.duration_s,
        )
    finally:
        discard_tree(folder)


def _rollback_blue_green(
    failed: DeploymentResult,
    world: World,
    group: DeploymentGroup,
    options: DeployOptions,
    runner: HookRunner,
    good: Revision,
    folder: Path,
) -> DeploymentResult:
    """Blue/green rollback: originals allow traffic again, replacements block it (table 4.2)."""
    deployment_id = options.new_id(world)
    store = RevisionStore(world, group.id)
    run = ServerRun(
        deployment_id=deployment_id,
        group=group,
        world=world,
        appspec=good.appspec,
        revision_dir=folder,
        plan={},
        runner=runner,
        watch=AlarmWatch(world, ()),
        store=store,
        file_exists_behavior="OVERWRITE",
        ignore_stop_failures=True,
        log=options.on_log or (lambda _line: None),
        current_override=good,
    )
    from simulator.codedeploy._server import _Target

    t = failed.duration_s
    ends = []
    for instance in group.instances:
        target = _Target(
            run, instance, previous=None, current_dir=folder, current_appspec=good.appspec
        )
        ends.append(target.go(EC2_ALLOW_EVENTS, t).end)
    latest = (
        store.on_instance(group.replacement_instances[0].id)
        if group.replacement_instances
        else None
    )
    for instance in group.replacement_instances:
        touched = any(e.target == instance.id and e.status != "Skipped" for e in failed.events)
        if not touched:
            continue
        # Agent quirk (fact sheet 4.6): block-traffic hooks use the most recent deployment.
        recent = latest or Revision(failed.deployment_id, _NONE, {}, {})
        target = _Target(run, instance, previous=recent, current_dir=None, current_appspec=_NONE)
        run.current_override = None
        ends.append(target.go(EC2_BLOCK_EVENTS, t).end)
        run.current_override = good
    end = max(ends) if ends else t
    status = "Failed" if any(e.status == "Failed" for e in run.events) else "Succeeded"
    run.traffic.append(TrafficPoint(end / 60, 0.0))
    _record(world, "codedeploy.deployment", deployment_id=deployment_id, status=status)
    return DeploymentResult(
        deployment_id,
        status,
        group.config.name,
        "Server",
        group.application,
        group.name,
        events=run.events,
        traffic=run.traffic,
        duration_s=end,
        message=f"rollback of {failed.deployment_id}",
    )
