"""Checks on the CodeDeploy deployment: status, lifecycle events, traffic, hooks, alarms."""

from __future__ import annotations

from typing import Any

from labs.checks import Evidence, Verdict, check, percent, plural, sentence, words
from simulator import LifecycleEventStatus, ScriptStatus


def _deployment(evidence: Evidence):
    return evidence.result.deployment


def _no_deployment() -> Verdict:
    return Verdict(False, "No deployment ran.", not_run=True)


@check("deployment_status", "equals")
def deployment_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The deployment ended with a status (Succeeded, Failed, Stopped)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    if dep.status == params["equals"]:
        return Verdict(True)
    why = f" {sentence(dep.message)}" if dep.message else ""
    return Verdict(False, f"The deployment ended {dep.status}.{why}")


@check("deployment_config", "equals")
def deployment_config(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The deployment used a given deployment configuration."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    ok = dep.config == params["equals"]
    return Verdict(ok, "" if ok else f"The deployment used {dep.config}.")


@check("hooks_order", "events")
def hooks_order(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Lifecycle events ran in this relative order (on `target`, or the first target)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    events = dep.events
    target = params.get("target") or (events[0].target if events else None)
    succeeded = LifecycleEventStatus.SUCCEEDED
    ran = [e.event for e in events if e.target == target and e.status == succeeded]
    position = 0
    for wanted in params["events"]:
        try:
            position = ran.index(wanted, position) + 1
        except ValueError:
            return Verdict(False, f"{wanted} did not succeed on {target} in the expected order.")
    return Verdict(True)


@check("traffic_reached", "percents")
def traffic_reached(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The new version's traffic reached each percentage, in order."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    series = [p.percent_new for p in dep.traffic]
    position = 0
    for wanted in params["percents"]:
        try:
            position = series.index(wanted, position) + 1
        except ValueError:
            seen = words(percent(p) for p in series) if series else "no traffic shift at all"
            return Verdict(
                False,
                f"Traffic never reached {percent(wanted)} in that order "
                f"(the new version had {seen}).",
            )
    return Verdict(True)


@check("rolled_back", "equals")
def rolled_back(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A rollback happened (equals: true) or did not (equals: false)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    ok = dep.rolled_back == bool(params["equals"])
    return Verdict(
        ok, "" if ok else ("It rolled back." if dep.rolled_back else "No rollback happened.")
    )


@check("script_in_event", "script", "event")
def script_in_event(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A hook script ran in lifecycle event `event` only, and exited 0 (recorded by the engine)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    ran = [s for s in dep.scripts if s.script == params["script"]]
    events = sorted({s.event for s in ran})
    if not ran:
        return Verdict(False, f"{params['script']} never ran.")
    if events != [params["event"]]:
        return Verdict(False, f"{params['script']} ran in {words(events)}.")
    failed = [s for s in ran if s.status != ScriptStatus.SUCCEEDED]
    if failed:
        code = failed[0].exit_code
        how = f"exited with status {code}" if code is not None else "timed out"
        return Verdict(False, f"{params['script']} {how} on {failed[0].instance}.")
    return Verdict(True)


@check("files_installed", "path")
def files_installed(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The Install step copied `path` to every instance (what the engine installed)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    targets = sorted({e.target for e in dep.events})
    missing = [t for t in targets if params["path"] not in dep.installed.get(t, ())]
    if not missing:
        return Verdict(True)
    return Verdict(False, f"{params['path']} was not installed on {words(missing)}.")


@check("max_targets_at_once", "max")
def max_targets_at_once(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """At most `max` instances were being deployed to at the same (virtual) time."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    spans: dict[str, list[float]] = {}
    for event in dep.events:
        if event.start is None or event.end is None:
            continue
        span = spans.setdefault(event.target, [event.start, event.end])
        span[0], span[1] = min(span[0], event.start), max(span[1], event.end)
    if not spans:
        return Verdict(False, "No instance was deployed to.")
    # Sweep over start/end points; an end at the same instant as a start frees the slot first.
    points = sorted([(s, 1) for s, _ in spans.values()] + [(e, -1) for _, e in spans.values()])
    busy = peak = 0
    for _, step in points:
        busy += step
        peak = max(peak, busy)
    limit = int(params["max"])
    ok = peak <= limit
    return Verdict(ok, "" if ok else f"{plural(peak, 'instance')} were out of service at once.")


@check("traffic_at_most", "max")
def traffic_at_most(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The new version never received more than `max` percent of production traffic."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    series = [p.percent_new for p in dep.traffic]
    if not series:
        return Verdict(False, "No traffic was shifted.")
    peak = max(series)
    ok = peak <= float(params["max"])
    return Verdict(ok, "" if ok else f"The new version received {percent(peak)} of traffic.")


@check("deployment_alarms", "alarms")
def deployment_alarms(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The deployment watched these CloudWatch alarms (the group CodeDeploy actually used)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    missing = [a for a in params["alarms"] if a not in dep.alarms]
    if not missing:
        return Verdict(True)
    watched = f" It watched {words(dep.alarms)}." if dep.alarms else " It watched no alarm."
    return Verdict(False, f"The deployment did not watch {words(missing)}.{watched}")


@check("hook_invoked", "function", "event")
def hook_invoked(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """CodeDeploy invoked a hook function in a lifecycle event (recorded by the engine)."""
    dep = _deployment(evidence)
    if dep is None:
        return _no_deployment()
    calls = [i for i in dep.invocations if i.function == params["function"]]
    if any(i.event == params["event"] for i in calls):
        return Verdict(True)
    if calls:
        return Verdict(
            False, f"{params['function']} ran in {words(sorted({i.event for i in calls}))}."
        )
    return Verdict(False, f"CodeDeploy never invoked {params['function']}.")
