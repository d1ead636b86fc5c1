"""V2 pipeline behaviour: git triggers with filters, and stage conditions (CloudWatch alarm rules).

Trigger filters follow the CodePipeline user guide "Add triggers with code push or pull request
event types": filters in one list are alternatives (any may match); inside one filter every
given criterion must match; excludes win over includes; patterns are globs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any


class GitEventKind(StrEnum):
    """The git events a connection reports to CodePipeline."""

    PUSH = "push"
    PULL_REQUEST = "pullRequest"


@dataclass(frozen=True)
class GitEvent:
    """One push (to a branch or of a tag) or pull request, with the files it changed."""

    kind: GitEventKind = GitEventKind.PUSH
    branch: str | None = None  # the pushed branch, or a pull request's destination branch
    tag: str | None = None
    files: tuple[str, ...] = ()
    pr_event: str | None = None  # OPEN | UPDATED | CLOSED

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> GitEvent:
        """`{push: {branch|tag, files}}` or `{pullRequest: {event, branch, files}}` (lab data)."""
        for kind in GitEventKind:
            body = data.get(str(kind))
            if isinstance(body, Mapping):
                return cls(
                    kind=kind,
                    branch=_text(body.get("branch")),
                    tag=_text(body.get("tag")),
                    files=tuple(str(f) for f in body.get("files") or ()),
                    pr_event=_text(body.get("event")),
                )
        raise ValueError("a git event needs `push: {branch or tag, files}` or `pullRequest: {...}`")

    def describe(self) -> str:
        """`push of tag v1.2.0 (2 files)` in plain words."""
        what = f"tag {self.tag}" if self.tag else f"branch {self.branch}"
        if self.kind is GitEventKind.PULL_REQUEST:
            what = f"pull request {self.pr_event or 'OPEN'} into {self.branch}"
        else:
            what = f"push of {what}"
        return f"{what} ({len(self.files)} changed file{'s' if len(self.files) != 1 else ''})"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class TriggerDecision:
    """Whether an event starts an execution, and the reason in words."""

    started: bool
    reason: str
    source_action: str | None = None


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    # `**` crosses folders, `*` and `?` stay inside one path segment (glob rules).
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(f"^{out}$")


def _matches(value: str, patterns: Sequence[str]) -> bool:
    return any(_glob(str(p)).match(value) for p in patterns)


def _criterion(value: str | None, spec: Any) -> bool:
    """One includes/excludes block against one name (branch or tag)."""
    if value is None or not isinstance(spec, Mapping):
        return False
    includes, excludes = spec.get("includes") or [], spec.get("excludes") or []
    if _matches(value, excludes):
        return False
    return not includes or _matches(value, includes)


def _files(files: Sequence[str], spec: Any) -> bool:
    """filePaths: some changed file is included and not excluded."""
    if not isinstance(spec, Mapping):
        return True
    includes, excludes = spec.get("includes") or [], spec.get("excludes") or []
    return any(not _matches(f, excludes) and (not includes or _matches(f, includes)) for f in files)


def _filter_matches(event: GitEvent, flt: Mapping[str, Any]) -> bool:
    if "tags" in flt:
        return event.tag is not None and _criterion(event.tag, flt["tags"])
    if event.tag is not None and event.kind is GitEventKind.PUSH:
        return False  # a branch filter never matches a tag push
    if "branches" in flt and not _criterion(event.branch, flt["branches"]):
        return False
    if "events" in flt and (event.pr_event or "OPEN") not in flt["events"]:
        return False
    return _files(event.files, flt.get("filePaths"))


def decide_trigger(pipeline: Mapping[str, Any], event: GitEvent) -> TriggerDecision:
    """Whether `event` starts an execution of the (get-pipeline shaped) pipeline."""
    triggers = [t for t in pipeline.get("triggers") or [] if isinstance(t, Mapping)]
    if not triggers:
        # No trigger: the connection source starts the pipeline on pushes to its branch only.
        branch = _source_branch(pipeline)
        if event.kind is GitEventKind.PUSH and event.tag is None and event.branch == branch:
            return TriggerDecision(True, f"no trigger filters: a push to {branch} starts it")
        return TriggerDecision(
            False, f"no trigger filters: only pushes to {branch} start the pipeline"
        )
    for trig in triggers:
        git = trig.get("gitConfiguration") or {}
        filters = git.get(str(event.kind)) or []
        for i, flt in enumerate(filters):
            if isinstance(flt, Mapping) and _filter_matches(event, flt):
                return TriggerDecision(
                    True,
                    f"it matches {event.kind} filter {i + 1}",
                    git.get("sourceActionName"),
                )
    return TriggerDecision(False, f"it matches no {event.kind} filter")


def _source_branch(pipeline: Mapping[str, Any]) -> str | None:
    for stage in pipeline.get("stages") or []:
        for action in stage.get("actions") or []:
            config = action.get("configuration") or {}
            if action.get("actionTypeId", {}).get("category") == "Source" and config.get(
                "BranchName"
            ):
                return str(config["BranchName"])
    return None


# --- stage conditions ------------------------------------------------------------------------


class RuleOutcome(StrEnum):
    """How a condition rule evaluated."""

    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


@dataclass(frozen=True)
class ConditionCheck:
    """One evaluated condition of a stage gate (beforeEntry, onSuccess, onFailure)."""

    gate: str
    result: str  # what happens when a rule fails: FAIL | SKIP | ROLLBACK | RETRY
    outcome: RuleOutcome
    rules: tuple[str, ...] = ()
    reason: str = ""
    details: Mapping[str, str] = field(default_factory=dict)


def evaluate_conditions(stage: Mapping[str, Any], gate: str, world: Any) -> ConditionCheck | None:
    """The first failing condition of a gate (or the last passing one); None without conditions."""
    body = stage.get(gate)
    if not isinstance(body, Mapping):
        return None
    last: ConditionCheck | None = None
    for cond in body.get("conditions") or []:
        if not isinstance(cond, Mapping):
            continue
        names, failed = [], []
        for rule in cond.get("rules") or []:
            name = str(rule.get("name", "rule"))
            names.append(name)
            problem = _rule_problem(rule, world)
            if problem:
                failed.append(f"{name}: {problem}")
        check = ConditionCheck(
            gate=gate,
            result=str(cond.get("result", "FAIL")),
            outcome=RuleOutcome.FAILED if failed else RuleOutcome.SUCCEEDED,
            rules=tuple(names),
            reason="; ".join(failed) or "every rule succeeded",
        )
        if failed:
            return check
        last = check
    return last


def _rule_problem(rule: Mapping[str, Any], world: Any) -> str:
    provider = str((rule.get("ruleTypeId") or {}).get("provider", ""))
    config = rule.get("configuration") or {}
    if provider == "CloudWatchAlarm":
        name = str(config.get("AlarmName", ""))
        alarm = world.alarms.get(name)
        if alarm is None:
            return f"alarm {name} does not exist in the account"
        return f"alarm {name} is in ALARM" if alarm.in_alarm else ""
    if provider == "VariableCheck":
        return ""  # resolved values are compared by the engine before calling here
    return ""  # other rule types are not simulated: they succeed
