"""Scenario kind `pipeline_events`: a V2 pipeline fed a series of git events.

Each event (a push of a branch or tag, or a pull request, with the files it changed) goes to the
pipeline's triggers; the events that match start an execution of the repository as it is then.
Between events the lab may change files (`write`), CloudWatch alarms (`alarms`) and execution
variables (`variables`). A stage rollback returns to the last successful execution.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from simulator.scenarios._result import (
    BuildRun,
    ConditionRun,
    DeploymentRun,
    HookScript,
    NotificationRun,
    PipelineRun,
    PipelineStatus,
    RollbackRun,
    RunStatus,
    ScenarioResult,
    TriggerRun,
)
from simulator.scenarios._run import (
    BUILD_TIME_LIMIT,
    HOOK_SCRIPT_SECONDS,
    KindContext,
    ScenarioError,
    ScenarioRun,
    _api_calls,
    _fixed_or_edited,
    _Log,
    _pipeline_builds_and_deployments,
    _pipeline_run,
    _runner,
    _seed,
    _source_dirs,
    secret_values,
)
from simulator.scenarios._snapshot import diff, snapshot_of

_EVENT_KEYS = ("name", "push", "pullRequest", "write", "alarms", "alarm_after_deploy", "variables")
_ALARM_STATES = ("OK", "ALARM")


def _events(settings: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The lab's events, checked (lab content errors are ScenarioErrors, in plain words)."""
    events = settings.get("events")
    if not isinstance(events, list) or not events:
        raise ScenarioError(
            "a pipeline_events scenario needs scenario.events: a list of git events"
        )
    for i, event in enumerate(events):
        where = f"scenario.events[{i}]"
        if not isinstance(event, Mapping):
            raise ScenarioError(f"{where} must be a mapping with push or pullRequest")
        unknown = sorted(set(event) - set(_EVENT_KEYS))
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {', '.join(unknown)}")
        for name, state in (event.get("alarms") or {}).items():
            if str(state) not in _ALARM_STATES:
                raise ScenarioError(f"{where}.alarms.{name}: use OK or ALARM, not {state!r}")
    return events


def _set_alarms(world: Any, alarms: Mapping[str, Any]) -> None:
    for name, state in alarms.items():
        behaviour = "alarm" if str(state) == "ALARM" else "ok"
        world.set_alarm_state(str(name), str(state), behaviour=behaviour)


def _alarm_once_deployed(world: Any, names: list[str]) -> Any:
    """on_progress: the release breaks once live, so these alarms go to ALARM after a deploy."""
    if not names:
        return None

    def progress(state: Mapping[str, Any]) -> None:
        deployed = any(
            a["category"] == "Deploy" and a["status"] == PipelineStatus.SUCCEEDED
            for stage in state["stages"]
            for a in stage["actions"]
        )
        if deployed:
            _set_alarms(world, dict.fromkeys(names, "ALARM"))

    return progress


def run(context: KindContext) -> ScenarioRun:
    """Send every event to the pipeline; the typed result holds each decision and execution."""
    from simulator.codedeploy import DeployInputError
    from simulator.codepipeline import (
        GitEvent,
        PipelineInputError,
        PipelineOptions,
        decide_trigger,
        load_pipeline,
        run_pipeline,
    )

    scenario, world = context.scenario, context.world
    settings = scenario.settings
    log = _Log(context.on_log)
    events = _events(settings)
    before = snapshot_of(world)
    approve = str(settings.get("approve", "yes")).lower() != "no"
    try:
        sources = _source_dirs(scenario, context.files, context.root)
        named = _fixed_or_edited(scenario, context.files, "pipeline")
        if named is None:
            raise PipelineInputError("the scenario names no pipeline file (scenario.pipeline)")
        text = named[1]
        _model, raw = load_pipeline(text)
    except (PipelineInputError, KeyError, TypeError) as exc:
        message = str(exc).strip("'\"")
        log(f"The pipeline could not be created: {message}")
        result = ScenarioResult(
            kind="pipeline",
            status=RunStatus.NOT_STARTED,
            message=message,
            before=before,
            after=before,
        )
        return ScenarioRun(result, log=log.text)
    scripts: list[HookScript] = []
    rng = random.Random(_seed(scenario.name))
    triggers, conditions, rollbacks, notes = [], [], [], []
    previous: dict[str, Any] | None = None
    last = None
    builds: tuple[BuildRun, ...] = ()
    deployments: tuple[DeploymentRun, ...] = ()
    first_source = next(iter(sources.values()))
    script_seconds = float(settings.get("script_seconds", HOOK_SCRIPT_SECONDS))
    for i, data in enumerate(events):
        name = str(data.get("name") or f"event {i + 1}")
        try:
            event = GitEvent.from_mapping(data)
        except ValueError as exc:
            raise ScenarioError(f"scenario.events[{i}]: {exc}") from None
        for rel, body in (data.get("write") or {}).items():
            path = first_source / str(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(body))
        _set_alarms(world, data.get("alarms") or {})
        decision = decide_trigger(raw, event)
        verdict = "starts an execution" if decision.started else "starts nothing"
        log(f"Event {name}: {event.describe()} {verdict} ({decision.reason})")
        if not decision.started:
            triggers.append(TriggerRun(name, event.describe(), False, decision.reason))
            continue
        since = len(world.changes)
        options = PipelineOptions(
            approve=approve,
            variables={str(k): str(v) for k, v in (data.get("variables") or {}).items()},
            previous=previous,
            on_progress=_alarm_once_deployed(
                world, [str(n) for n in data.get("alarm_after_deploy") or []]
            ),
            rng=rng,
            on_log=log,
            build_time_limit=float(settings.get("time_limit", BUILD_TIME_LIMIT)),
            hook_runner=_runner(scripts, script_seconds),
        )
        try:
            execution = run_pipeline(text, sources, world, options)
        except (PipelineInputError, DeployInputError) as exc:
            triggers.append(
                TriggerRun(
                    name, event.describe(), True, str(exc), status=PipelineStatus.NOT_STARTED
                )
            )
            continue
        ident = execution.execution_id
        state = execution.state
        triggers.append(
            TriggerRun(
                name,
                event.describe(),
                True,
                decision.reason,
                ident,
                PipelineStatus(execution.status),
                dict(state["namespaces"].get("variables", {})),
            )
        )
        conditions += [
            ConditionRun(c["stage"], c["gate"], c["result"], c["outcome"], c["reason"], ident)
            for c in state.get("conditions", [])
        ]
        rollbacks += [
            RollbackRun(r["stage"], r["status"], r["reason"], r.get("to_execution"), ident)
            for r in state.get("rollbacks", [])
        ]
        notes += [
            NotificationRun(
                str(c["topic"]), bool(c["delivered"]), str(c.get("approval", "")), ident
            )
            for c in world.changes[since:]
            if c["action"] == "sns.publish"
        ]
        more_builds, more_deploys = _pipeline_builds_and_deployments(
            execution, scripts, world, since
        )
        builds, deployments = builds + more_builds, deployments + more_deploys
        if execution.status == PipelineStatus.SUCCEEDED:
            previous = execution.to_state()
        last = execution
    if last is not None:
        pipeline, _places = _pipeline_run(last, approve)
    else:
        pipeline = PipelineRun(name=str(raw.get("name", "")), status=PipelineStatus.NOT_STARTED)
    pipeline = replace(
        pipeline,
        pipeline_type=str(raw.get("pipelineType", "V1")),
        triggers=tuple(triggers),
        conditions=tuple(conditions),
        rollbacks=tuple(rollbacks),
        notifications=tuple(notes),
    )
    after = snapshot_of(world)
    result = ScenarioResult(
        kind="pipeline",
        status=RunStatus.RAN,
        builds=builds,
        deployments=deployments,
        pipeline=pipeline,
        before=before,
        after=after,
        changes=diff(before, after),
        api_calls=_api_calls(world),
    )
    return ScenarioRun(result, log=log.text, secret_values=secret_values(world))
