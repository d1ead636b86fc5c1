"""Scenario kind `pipeline_events`: a V2 pipeline fed a series of git events.

Each event (a push of a branch or tag, or a pull request, with the files it changed) goes to the
pipeline's triggers; the events that match start an execution of the repository as it is then.
Between events the lab may change files (`write`), CloudWatch alarms (`alarms`) and execution
variables (`variables`). A stage rollback returns to the last successful execution.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from simulator.account import AccountSnapshot
from simulator.codedeploy import DeployInputError
from simulator.codepipeline import (
    GitEvent,
    PipelineExecution,
    PipelineInputError,
    PipelineOptions,
    decide_trigger,
    load_pipeline,
    run_pipeline,
)
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
    settings = context.scenario.settings
    log = _Log(context.on_log)
    events = _events(settings)
    before = snapshot_of(context.world)
    approve = str(settings.get("approve", "yes")).lower() != "no"
    try:
        pipeline = _load(context)
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
    feed = _Feed(context, log, approve, pipeline)
    for i, data in enumerate(events):
        feed.send(i, data)
    result = feed.result(before)
    return ScenarioRun(result, log=log.text, secret_values=secret_values(context.world))


@dataclass(frozen=True)
class _Pipeline:
    """The scenario's pipeline: its text (each execution loads it), get-pipeline form, sources."""

    text: str
    raw: Mapping[str, Any]
    sources: dict[str, Path]


def _load(context: KindContext) -> _Pipeline:
    """The pipeline file (fixed, or as the learner edited it) and the source folders."""
    scenario = context.scenario
    sources = _source_dirs(scenario, context.files, context.root)
    named = _fixed_or_edited(scenario, context.files, "pipeline")
    if named is None:
        raise PipelineInputError("the scenario names no pipeline file (scenario.pipeline)")
    text = named[1]
    _model, raw = load_pipeline(text)
    return _Pipeline(text, raw, sources)


class _Feed:
    """Sends the events one by one, keeping what later executions and the typed result need."""

    def __init__(self, context: KindContext, log: _Log, approve: bool, pipeline: _Pipeline) -> None:
        self.world = context.world
        self.settings = context.scenario.settings
        self.log = log
        self.approve = approve
        self.pipeline = pipeline
        self.scripts: list[HookScript] = []
        self.rng = random.Random(_seed(context.scenario.name))
        self.triggers: list[TriggerRun] = []
        self.conditions: list[ConditionRun] = []
        self.rollbacks: list[RollbackRun] = []
        self.notes: list[NotificationRun] = []
        # The state of the last successful execution: where a stage rollback returns to.
        self.previous: dict[str, Any] | None = None
        self.last: PipelineExecution | None = None
        self.builds: tuple[BuildRun, ...] = ()
        self.deployments: tuple[DeploymentRun, ...] = ()
        self.first_source = next(iter(pipeline.sources.values()))
        self.script_seconds = float(self.settings.get("script_seconds", HOOK_SCRIPT_SECONDS))

    def send(self, i: int, data: Mapping[str, Any]) -> None:
        """Change the repository and alarms as the event says, then offer it to the triggers."""
        name = str(data.get("name") or f"event {i + 1}")
        try:
            event = GitEvent.from_mapping(data)
        except ValueError as exc:
            raise ScenarioError(f"scenario.events[{i}]: {exc}") from None
        for rel, body in (data.get("write") or {}).items():
            path = self.first_source / str(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(str(body))
        _set_alarms(self.world, data.get("alarms") or {})
        decision = decide_trigger(self.pipeline.raw, event)
        verdict = "starts an execution" if decision.started else "starts nothing"
        self.log(f"Event {name}: {event.describe()} {verdict} ({decision.reason})")
        if not decision.started:
            self.triggers.append(TriggerRun(name, event.describe(), False, decision.reason))
            return
        since = len(self.world.changes)
        options = self._options(data)
        try:
            execution = run_pipeline(self.pipeline.text, self.pipeline.sources, self.world, options)
        except (PipelineInputError, DeployInputError) as exc:
            self.triggers.append(
                TriggerRun(
                    name, event.describe(), True, str(exc), status=PipelineStatus.NOT_STARTED
                )
            )
            return
        started = TriggerRun(name, event.describe(), True, decision.reason)
        self._record(started, execution, since)

    def _options(self, data: Mapping[str, Any]) -> PipelineOptions:
        """One execution's options: the event's variables and alarms, the shared rng and runner."""
        return PipelineOptions(
            approve=self.approve,
            variables={str(k): str(v) for k, v in (data.get("variables") or {}).items()},
            previous=self.previous,
            on_progress=_alarm_once_deployed(
                self.world, [str(n) for n in data.get("alarm_after_deploy") or []]
            ),
            rng=self.rng,
            on_log=self.log,
            build_time_limit=float(self.settings.get("time_limit", BUILD_TIME_LIMIT)),
            hook_runner=_runner(self.scripts, self.script_seconds),
        )

    def _record(self, started: TriggerRun, execution: PipelineExecution, since: int) -> None:
        """Record the event's execution (id, status, variables) and what it ran since `since`."""
        ident = execution.execution_id
        state = execution.state
        variables = dict(state["namespaces"].get("variables", {}))
        status = PipelineStatus(execution.status)
        self.triggers.append(
            replace(started, execution_id=ident, status=status, variables=variables)
        )
        self.conditions += [
            ConditionRun(c["stage"], c["gate"], c["result"], c["outcome"], c["reason"], ident)
            for c in state.get("conditions", [])
        ]
        self.rollbacks += [
            RollbackRun(r["stage"], r["status"], r["reason"], r.get("to_execution"), ident)
            for r in state.get("rollbacks", [])
        ]
        self.notes += [
            NotificationRun(
                str(c["topic"]), bool(c["delivered"]), str(c.get("approval", "")), ident
            )
            for c in self.world.changes[since:]
            if c["action"] == "sns.publish"
        ]
        more_builds, more_deploys = _pipeline_builds_and_deployments(
            execution, self.scripts, self.world, since
        )
        self.builds, self.deployments = self.builds + more_builds, self.deployments + more_deploys
        if execution.status == PipelineStatus.SUCCEEDED:
            self.previous = execution.to_state()
        self.last = execution

    def result(self, before: AccountSnapshot) -> ScenarioResult:
        """The typed result: the last execution, with every event's decision and what ran."""
        raw = self.pipeline.raw
        if self.last is not None:
            pipeline, _places = _pipeline_run(self.last, self.approve)
        else:
            pipeline = PipelineRun(name=str(raw.get("name", "")), status=PipelineStatus.NOT_STARTED)
        pipeline = replace(
            pipeline,
            pipeline_type=str(raw.get("pipelineType", "V1")),
            triggers=tuple(self.triggers),
            conditions=tuple(self.conditions),
            rollbacks=tuple(self.rollbacks),
            notifications=tuple(self.notes),
        )
        after = snapshot_of(self.world)
        return ScenarioResult(
            kind="pipeline",
            status=RunStatus.RAN,
            builds=self.builds,
            deployments=self.deployments,
            pipeline=pipeline,
            before=before,
            after=after,
            changes=diff(before, after),
            api_calls=_api_calls(self.world),
        )
