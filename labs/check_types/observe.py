"""Observability checks on what the function engine recorded per invocation: embedded-format
metrics and X-Ray (sub)segments with annotations (typed facts, never log text)."""

from __future__ import annotations

from typing import Any

from labs.checks import Evidence, Verdict, check, plural, words


def _invocations(evidence: Evidence, params: dict[str, Any]) -> list[Any]:
    """The run's invocations, of one function when `function` is set."""
    wanted = params.get("function")
    return [i for i in evidence.result.invocations if not wanted or i.function == wanted]


def _no_invocation(params: dict[str, Any]) -> Verdict:
    which = f" of {params['function']}" if params.get("function") else ""
    return Verdict(False, f"No invocation{which} ran.", not_run=True)


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
    segments = [s for i in invocations for s in i.segments]
    found = [s for s in segments if s.name == params["name"]]
    parent = params.get("parent")
    if found and (not parent or any(s.parent == parent for s in found)):
        return Verdict(True)
    if found:
        return Verdict(
            False, f"{params['name']} was recorded under {found[0].parent or 'the function'}, "
            f"not under {parent}."
        )  # fmt: skip
    names = sorted({s.name for s in segments if s.parent})
    seen = f" The traces hold {words(names)}." if names else " The traces hold no subsegment."
    return Verdict(False, f"No subsegment called {params['name']} was recorded.{seen}")


@check("annotation_recorded", "key")
def annotation_recorded(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A (sub)segment carries the annotation `key` (equal to `equals` when set), so traces can
    be filtered by it; metadata does not count (X-Ray does not index it)."""
    invocations = _invocations(evidence, params)
    if not invocations:
        return _no_invocation(params)
    key = str(params["key"])
    segments = [s for i in invocations for s in i.segments]
    values = [s.annotations[key] for s in segments if key in s.annotations]
    if values and ("equals" not in params or any(str(v) == str(params["equals"]) for v in values)):
        return Verdict(True)
    if values:
        return Verdict(False, f"The annotation {key} is {values[0]}, not {params['equals']}.")
    if any(key in s.metadata for s in segments):
        return Verdict(
            False, f"{key} was recorded as metadata, which X-Ray does not index: use an annotation."
        )
    return Verdict(False, f"No segment carries the annotation {key}.")
