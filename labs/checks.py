"""Declarative lab checks: each type validates its parameters and judges a grading outcome.

The outcome is plain data built by labs.grader from the simulator's results:
  files      editable file name -> text the learner submitted
  findings   file name -> [finding dicts: code, severity, line, column, path, message, hint]
  build      {status, phases: [{name, status, duration_ms}], log, artifacts, exported_variables,
              commands: [{phase, command}], artifact_files: {path: text}}
  deployment {status, rolled_back, config, events: [{target, event, status, start, end}],
              traffic: [{minute, percent_new}]}
  pipeline   {status, definition, stages: [{name, status, actions: [{name, category, provider,
              status}]}], approvals: [...]}
  world      the simulated account's state after the run
  log        everything the learner saw, for leak checks
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Outcome = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    """Whether a check passed, and what the learner should be told about it."""

    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class CheckType:
    """A registered check type."""

    name: str
    required: tuple[str, ...]
    judge: Callable[[Outcome, dict[str, Any]], Verdict]
    summary: str

    def validate(self, params: dict[str, Any]) -> str | None:
        missing = [key for key in self.required if key not in params]
        if missing:
            return f"missing parameter(s) {', '.join(missing)} for type '{self.name}'"
        for key in ("pattern", "tag_pattern"):
            if key in params:
                try:
                    re.compile(str(params[key]))
                except re.error as exc:
                    return f"'{key}' is not a valid regular expression: {exc}"
        if self.name == "python" and params.get("function") not in PYTHON_CHECKS:
            return f"no registered Python check named {params.get('function')!r}"
        return None


CHECKS: dict[str, CheckType] = {}
# Checks that need code: small registered functions `(outcome, params) -> Verdict`.
PYTHON_CHECKS: dict[str, Callable[[Outcome, dict[str, Any]], Verdict]] = {}


def check(name: str, *required: str) -> Callable:
    """Register a declarative check type."""

    def register(func):
        CHECKS[name] = CheckType(name, required, func, (func.__doc__ or "").strip())
        return func

    return register


def python_check(name: str) -> Callable:
    """Register a Python check usable as `type: python, function: <name>`."""

    def register(func):
        PYTHON_CHECKS[name] = func
        return func

    return register


def _section(outcome: Outcome, key: str) -> dict[str, Any]:
    return outcome.get(key) or {}


# --- findings and files -------------------------------------------------------------------------


@check("no_error_findings")
def no_error_findings(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The checker reports no error in the file (or in any file)."""
    wanted = params.get("file")
    errors = [
        f"{name}:{f['line']}: {f['code']} {f['message']}"
        for name, findings in outcome.get("findings", {}).items()
        if wanted in (None, name)
        for f in findings
        if f["severity"] == "error"
    ]
    return Verdict(not errors, "; ".join(errors[:3]))


@check("finding_absent", "code")
def finding_absent(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A given finding code is not reported."""
    hits = [
        f"{name}:{f['line']}"
        for name, findings in outcome.get("findings", {}).items()
        if params.get("file") in (None, name)
        for f in findings
        if f["code"] == params["code"]
    ]
    return Verdict(
        not hits, f"{params['code']} still reported at {', '.join(hits)}" if hits else ""
    )


@check("file_matches", "file", "pattern")
def file_matches(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The submitted file contains text matching a pattern (or must not, with `absent: true`)."""
    text = outcome.get("files", {}).get(params["file"], "")
    found = re.search(params["pattern"], text, re.MULTILINE) is not None
    return Verdict(found != bool(params.get("absent")))


# --- CodeBuild ----------------------------------------------------------------------------------


@check("build_status", "equals")
def build_status(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The build ended with the given status (SUCCEEDED, FAILED, ...)."""
    status = _section(outcome, "build").get("status")
    return Verdict(status == params["equals"], f"build status was {status}")


def _phase_status(outcome: Outcome, phase: str) -> str | None:
    for item in _section(outcome, "build").get("phases", []):
        if item["name"].upper() == phase.upper():
            return item["status"]
    return None


@check("phase_status", "phase", "equals")
def phase_status(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A phase ended with a status; `ran` and `skipped` test whether it ran at all."""
    status = _phase_status(outcome, params["phase"])
    wanted = params["equals"]
    if wanted == "ran":
        ok = status not in (None, "SKIPPED")
    elif wanted == "skipped":
        ok = status in (None, "SKIPPED")
    else:
        ok = status == wanted
    return Verdict(ok, f"{params['phase']} was {status or 'not run'}")


@check("command_ran", "pattern")
def command_ran(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A command matching a pattern ran (in a given phase, if `phase` is set)."""
    phase = (params.get("phase") or "").upper()
    for item in _section(outcome, "build").get("commands", []):
        if phase and item["phase"].upper() != phase:
            continue
        if re.search(params["pattern"], item["command"]):
            return Verdict(True)
    where = f" in {phase}" if phase else ""
    return Verdict(False, f"no command matching /{params['pattern']}/ ran{where}")


@check("artifact_exists", "path")
def artifact_exists(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A file is in the build artifacts, optionally with content matching JSON or a pattern."""
    files = _section(outcome, "build").get("artifact_files", {})
    text = files.get(params["path"])
    if text is None:
        return Verdict(False, f"{params['path']} is not in the artifacts")
    if "pattern" in params and not re.search(params["pattern"], text):
        return Verdict(False, f"{params['path']} does not match /{params['pattern']}/")
    if "json" in params:
        try:
            data = json.loads(text)
        except ValueError:
            return Verdict(False, f"{params['path']} is not valid JSON")
        if not _json_contains(data, params["json"]):
            return Verdict(False, f"{params['path']} does not contain {json.dumps(params['json'])}")
    return Verdict(True)


def _json_contains(data: Any, expected: Any) -> bool:
    # Subset match: every key/value of `expected` appears in `data`; strings may be regexes "/…/".
    if isinstance(expected, dict):
        return isinstance(data, dict) and all(
            k in data and _json_contains(data[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(data, list) and all(
            any(_json_contains(item, want) for item in data) for want in expected
        )
    if (
        isinstance(expected, str)
        and len(expected) > 2
        and expected.startswith("/")
        and expected.endswith("/")
    ):
        return isinstance(data, str) and re.search(expected[1:-1], data) is not None
    return data == expected


@check("image_pushed", "repository")
def image_pushed(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """An image was pushed to an ECR repository, with a tag matching a pattern."""
    pattern = params.get("tag_pattern", ".*")
    pushed = [
        p for p in (outcome.get("world") or {}).get("images_pushed", [])
        if p.get("repository") == params["repository"]
    ]  # fmt: skip
    for push in pushed:
        if re.fullmatch(pattern, str(push.get("tag", ""))):
            return Verdict(True)
    tags = ", ".join(str(p.get("tag")) for p in pushed) or "none"
    return Verdict(False, f"tags pushed to {params['repository']}: {tags}")


@check("secret_not_in_log")
def secret_not_in_log(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """No secret value (listed, or every secret of the world) appears in what the learner saw."""
    values = list(params.get("values") or []) or list(outcome.get("secret_values") or [])
    log = outcome.get("log", "")
    leaked = [v for v in values if v and str(v) in log]
    return Verdict(not leaked, "a secret value appears in the build log" if leaked else "")


@check("exported_variable", "name")
def exported_variable(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The build exported a variable (optionally matching a pattern)."""
    value = _section(outcome, "build").get("exported_variables", {}).get(params["name"])
    if value is None:
        return Verdict(False, f"{params['name']} was not exported")
    ok = "pattern" not in params or re.search(params["pattern"], str(value)) is not None
    return Verdict(ok, f"{params['name']}={value}")


# --- CodeDeploy ---------------------------------------------------------------------------------


@check("deployment_status", "equals")
def deployment_status(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The deployment ended with a status (Succeeded, Failed, Stopped)."""
    status = _section(outcome, "deployment").get("status")
    return Verdict(status == params["equals"], f"deployment status was {status}")


@check("deployment_config", "equals")
def deployment_config(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The deployment used a given deployment configuration."""
    config = _section(outcome, "deployment").get("config")
    return Verdict(config == params["equals"], f"deployment configuration was {config}")


@check("hooks_order", "events")
def hooks_order(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """Lifecycle events ran in this relative order (on `target`, or the first target)."""
    events = _section(outcome, "deployment").get("events", [])
    target = params.get("target") or (events[0]["target"] if events else None)
    ran = [e["event"] for e in events if e["target"] == target and e["status"] != "Skipped"]
    position = 0
    for wanted in params["events"]:
        try:
            position = ran.index(wanted, position) + 1
        except ValueError:
            return Verdict(False, f"{wanted} did not run in the expected order on {target}")
    return Verdict(True)


@check("traffic_reached", "percents")
def traffic_reached(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The new version's traffic reached each percentage, in order."""
    series = [p["percent_new"] for p in _section(outcome, "deployment").get("traffic", [])]
    position = 0
    for wanted in params["percents"]:
        try:
            position = series.index(wanted, position) + 1
        except ValueError:
            return Verdict(False, f"traffic never reached {wanted} % (saw {series})")
    return Verdict(True)


@check("rolled_back", "equals")
def rolled_back(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A rollback happened (equals: true) or did not (equals: false)."""
    value = bool(_section(outcome, "deployment").get("rolled_back"))
    return Verdict(value == bool(params["equals"]), "rolled back" if value else "no rollback")


# --- CodePipeline -------------------------------------------------------------------------------


def _stages(outcome: Outcome) -> list[dict[str, Any]]:
    definition = _section(outcome, "pipeline").get("definition") or {}
    definition = definition.get("pipeline", definition)
    return definition.get("stages", [])


@check("approval_before", "stage")
def approval_before(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The pipeline has a manual approval action before (or in) the named stage."""
    for stage in _stages(outcome):
        actions = stage.get("actions", [])
        approvals = [a for a in actions if a.get("actionTypeId", {}).get("category") == "Approval"]
        if stage.get("name") == params["stage"]:
            first_deploy = min(
                (a.get("runOrder", 1) for a in actions if a not in approvals), default=10**6
            )
            ok = any(a.get("runOrder", 1) < first_deploy for a in approvals)
            return Verdict(ok, "" if ok else f"no approval runs before {params['stage']}")
        if approvals:
            return Verdict(True)
    return Verdict(False, f"no stage named {params['stage']}")


@check("execution_status", "equals")
def execution_status(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The pipeline execution ended with a status (Succeeded, Failed, ...)."""
    status = _section(outcome, "pipeline").get("status")
    return Verdict(status == params["equals"], f"execution status was {status}")


@check("stage_status", "stage", "equals")
def stage_status(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A stage of the execution ended with a status."""
    for stage in _section(outcome, "pipeline").get("stages", []):
        if stage["name"] == params["stage"]:
            return Verdict(stage["status"] == params["equals"], f"stage was {stage['status']}")
    return Verdict(False, f"stage {params['stage']} did not run")


@check("python", "function")
def python(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A registered Python check."""
    return PYTHON_CHECKS[params["function"]](outcome, params)


# --- registered Python checks -------------------------------------------------------------------


@python_check("script_in_event")
def script_in_event(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """A hook script (regex `script`) ran in lifecycle event `event`, and in no other event."""
    ran = _section(outcome, "deployment").get("scripts", [])
    pattern = str(params.get("script", ""))
    events = sorted({s["event"] for s in ran if re.search(pattern, s["script"])})
    if events == [params.get("event")]:
        return Verdict(True)
    if not events:
        return Verdict(False, f"no script matching /{pattern}/ ran")
    return Verdict(False, f"/{pattern}/ ran in {', '.join(events)}")


@python_check("max_targets_at_once")
def max_targets_at_once(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """At most `max` instances were being deployed to at the same (virtual) time."""
    spans: dict[str, list[float]] = {}
    for event in _section(outcome, "deployment").get("events", []):
        if event.get("start") is None or event.get("end") is None:
            continue
        span = spans.setdefault(event["target"], [event["start"], event["end"]])
        span[0], span[1] = min(span[0], event["start"]), max(span[1], event["end"])
    # Sweep over start/end points; an end at the same instant as a start frees the slot first.
    points = sorted([(s, 1) for s, _ in spans.values()] + [(e, -1) for _, e in spans.values()])
    busy = peak = 0
    for _, step in points:
        busy += step
        peak = max(peak, busy)
    limit = int(params.get("max", 1))
    if not spans:
        return Verdict(False, "no instance was deployed to")
    return Verdict(peak <= limit, f"{peak} instance(s) were out of service at the same time")


@python_check("world_recorded")
def world_recorded(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The run recorded a world change `action` whose fields include every `match` value."""
    wanted = params.get("match") or {}
    history = (outcome.get("world") or {}).get("changes", [])
    changes = [c for c in history if c.get("action") == params.get("action")]
    for change in changes:
        if all(str(change.get(k)) == str(v) for k, v in wanted.items()):
            return Verdict(True)
    return Verdict(
        False, f"{len(changes)} {params.get('action')} change(s), none matching {wanted}"
    )


@python_check("traffic_at_most")
def traffic_at_most(outcome: Outcome, params: dict[str, Any]) -> Verdict:
    """The new version never received more than `max` percent of production traffic."""
    series = [p["percent_new"] for p in _section(outcome, "deployment").get("traffic", [])]
    if not series:
        return Verdict(False, "no traffic was shifted")
    peak = max(series)
    return Verdict(peak <= float(params.get("max", 100)), f"traffic peaked at {peak:g} %")
