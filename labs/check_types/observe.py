"""Observability checks on what the function engine recorded per invocation: embedded-format
metrics (as CloudWatch Logs extracted them), X-Ray (sub)segments with annotations (as the daemon
received them), the calls an invocation made and what it answered (typed facts, never log text).

Every check takes `function` (one function's invocations) and `event` (only the invocations
whose event holds these values, e.g. {order_id: q-7}) to pick the invocations it judges.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from labs.checks import Evidence, Verdict, check, plural, words


def _holds(actual: Any, wanted: Any) -> bool:
    """Whether `actual` holds `wanted`: every key of a wanted mapping, recursively; else equal."""
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _holds(actual[k], v) for k, v in wanted.items()
        )
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return actual is wanted
    if isinstance(wanted, int | float) and isinstance(actual, int | float):
        return float(actual) == float(wanted)
    return bool(actual == wanted)


def _plain(value: Any) -> str:
    """A value as a learner reads it: text as is, anything else as JSON (true, null, 3)."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _invocations(evidence: Evidence, params: dict[str, Any]) -> list[Any]:
    """The run's invocations, of one function when `function` is set, whose event holds
    `event` when that is set."""
    wanted, event = params.get("function"), params.get("event")
    return [
        i
        for i in evidence.result.invocations
        if (not wanted or i.function == wanted) and (event is None or _holds(i.event, event))
    ]


def _no_invocation(params: dict[str, Any]) -> Verdict:
    which = f" of {params['function']}" if params.get("function") else ""
    if params.get("event"):
        shown = ", ".join(f"{k} {_plain(v)}" for k, v in dict(params["event"]).items())
        which += f" for the event with {shown}"
    return Verdict(False, f"No invocation{which} ran.", not_run=True)


def _untraced(invocations: list[Any]) -> Verdict | None:
    """A verdict when no selected invocation was traced at all (tracing is not active)."""
    if any(i.segments for i in invocations):
        return None
    return Verdict(
        False,
        "No invocation was traced: X-Ray records a function only when its tracing mode is Active.",
    )


@check("metric_emitted", "namespace", "name")
def metric_emitted(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """An invocation emitted the metric (namespace, name, and every given dimension), in at
    least `min_invocations` invocations (default 1)."""
    invocations = _invocations(evidence, params)
    if not invocations:
        return _no_invocation(params)
    dimensions = {str(k): str(v) for k, v in (params.get("dimensions") or {}).items()}

    def matches(metric: Any) -> bool:
        return (
            metric.namespace == params["namespace"]
            and metric.name == params["name"]
            and all(metric.dimensions.get(k) == v for k, v in dimensions.items())
        )

    emitting = [i for i in invocations if any(matches(m) for m in i.metrics)]
    wanted = int(params.get("min_invocations", 1))
    if len(emitting) >= wanted:
        return Verdict(True)
    label = f"{params['namespace']}/{params['name']}"
    same_name = [m for i in invocations for m in i.metrics if m.name == params["name"]]
    if same_name and not emitting:
        got = same_name[0]
        dims = ", ".join(f"{k}={v}" for k, v in sorted(got.dimensions.items())) or "none"
        return Verdict(
            False,
            f"{params['name']} was emitted in namespace {got.namespace} with dimensions {dims}, "
            f"not as {label}"
            + (
                f" with {', '.join(f'{k}={v}' for k, v in dimensions.items())}."
                if dimensions
                else "."
            ),
        )
    return Verdict(
        False,
        f"{label} was emitted by {plural(len(emitting), 'invocation')} of "
        f"{len(invocations)} (wanted {wanted}).",
    )


@check("subsegment_recorded", "name")
def subsegment_recorded(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Some invocation's trace has a subsegment called `name` (under `parent` when set)."""
    invocations = _invocations(evidence, params)
    if not invocations:
        return _no_invocation(params)
    untraced = _untraced(invocations)
    if untraced:
        return untraced
    segments = [s for i in invocations for s in i.segments]
    found = [s for s in segments if s.name == params["name"] and s.parent]
    parent = params.get("parent")
    if found and (not parent or any(s.parent == parent for s in found)):
        return Verdict(True)
    if found:
        return Verdict(
            False, f"{params['name']} was recorded under {found[0].parent}, not under {parent}."
        )
    names = sorted({s.name for s in segments if s.parent})
    seen = f" The traces hold {words(names)}." if names else " The traces hold no subsegment."
    return Verdict(False, f"No subsegment called {params['name']} was recorded.{seen}")


def _in_metadata(segment: Any, key: str) -> bool:
    """Whether a segment's metadata holds `key` (directly or in a namespace, as X-Ray keeps it)."""
    metadata = segment.metadata
    return key in metadata or any(
        isinstance(space, Mapping) and key in space for space in metadata.values()
    )


@check("annotation_recorded", "key")
def annotation_recorded(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A (sub)segment carries the annotation `key` (equal to `equals` when set), so traces can
    be filtered by it; metadata does not count (X-Ray does not index it). With `every: true`,
    each selected invocation's trace must carry it."""
    invocations = _invocations(evidence, params)
    if not invocations:
        return _no_invocation(params)
    untraced = _untraced(invocations)
    if untraced:
        return untraced
    key = str(params["key"])

    def values(invocation: Any) -> list[Any]:
        return [s.annotations[key] for s in invocation.segments if key in s.annotations]

    def right(value: Any) -> bool:
        if "equals" not in params:
            return True
        wanted = params["equals"]
        numbers = [v for v in (value, wanted) if isinstance(v, int | float)]
        if len(numbers) == 2 and not any(isinstance(v, bool) for v in numbers):
            return float(value) == float(wanted)
        return str(value).lower() == str(wanted).lower()  # YAML true and JSON true alike

    carrying = [i for i in invocations if any(right(v) for v in values(i))]
    if carrying and (not params.get("every") or len(carrying) == len(invocations)):
        return Verdict(True)
    found = [v for i in invocations for v in values(i)]
    wrong = [v for v in found if not right(v)]
    if wrong:
        return Verdict(
            False, f"The annotation {key} is {_plain(wrong[0])}, not {_plain(params['equals'])}."
        )
    if carrying:
        return Verdict(
            False,
            f"Only {plural(len(carrying), 'invocation')} of {len(invocations)} carried the "
            f"annotation {key}.",
        )
    segments = [s for i in invocations for s in i.segments]
    if any(_in_metadata(s, key) for s in segments):
        return Verdict(
            False, f"{key} was recorded as metadata, which X-Ray does not index: use an annotation."
        )
    return Verdict(False, f"No segment carries the annotation {key}.")


def _calls(evidence: Evidence, invocation: Any, params: dict[str, Any]) -> list[Any]:
    """The API calls this invocation made (of one `service` / `operation` when set)."""
    calls = {c.seq: c for c in evidence.result.api_calls}
    made = [calls[s] for s in invocation.api_calls if s in calls]
    return [
        c
        for c in made
        if params.get("service") in (None, c.service)
        and params.get("operation") in (None, c.operation)
    ]


@check("api_calls_per_invocation", "max")
def api_calls_per_invocation(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Each selected invocation made at least `min` (default 1) and at most `max` AWS API
    calls (of one `service` / `operation` when set), as the account recorded them."""
    invocations = _invocations(evidence, params)
    if not invocations:
        return _no_invocation(params)
    low, high = int(params.get("min", 1)), int(params["max"])
    what = " ".join(str(params[k]) for k in ("service", "operation") if params.get(k)) or "AWS"
    for invocation in invocations:
        count = len(_calls(evidence, invocation, params))
        if count > high:
            return Verdict(
                False,
                f"Invocation {invocation.seq} made {plural(count, what + ' call')}; at most "
                f"{high} expected.",
            )
        if count < low:
            return Verdict(
                False,
                f"Invocation {invocation.seq} made {plural(count, what + ' call')}; at least "
                f"{low} expected.",
            )
    return Verdict(True)


@check("invocation_response", "equals")
def invocation_response(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every selected invocation returned, and its response holds the `equals` values (a
    subset: other keys may be there too; numbers compare by value)."""
    invocations = _invocations(evidence, params)
    if not invocations:
        return _no_invocation(params)
    wanted = params["equals"]
    for invocation in invocations:
        if not invocation.ok:
            why = f"{invocation.error_type}: {invocation.error_message}".strip(": ")
            return Verdict(False, f"Invocation {invocation.seq} ended {invocation.status} ({why}).")
        if not _holds(invocation.response, wanted):
            shown = (
                ", ".join(
                    f"{k} {_plain(invocation.response.get(k, 'missing'))}"
                    for k in (wanted if isinstance(wanted, Mapping) else {})
                )
                if isinstance(invocation.response, Mapping)
                else "no object"
            )
            return Verdict(
                False, f"Invocation {invocation.seq} answered {shown or 'something else'}."
            )
    return Verdict(True)
