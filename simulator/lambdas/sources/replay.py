"""Replay source: deliver the same event (same id) several times, as at-least-once sources do."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from simulator.lambdas._env import SourceError
from simulator.lambdas.sources.sqs import run_setup

MAX_DELIVERIES = 100


class Order(StrEnum):
    """In which order the copies arrive."""

    SEQUENTIAL = "sequential"  # e1 e1 e1 e2 e2 e2: a client retrying one request
    INTERLEAVED = "interleaved"  # e1 e2 e1 e2: redeliveries mixed with other traffic


class SourceSpecError(SourceError):
    """The lab's replay event is wrong (lab content, not the learner's code)."""


def deliver(env: Any, spec: Mapping[str, Any]) -> None:
    """Invoke the function with each event `times` times; the copies are identical (same id).

    spec: `function`, `event` or `events` ([{event, times}]), `times` (default 2), `order`
    (sequential | interleaved), `gap_seconds`, `id_path` (default "id"), `fresh_environment`
    (true | false | last_copy), `setup`, `observe_tables`. Facts: event_id and copy on each
    invocation; `final.events` and `final.tables` on the last one.
    """
    function = str(spec.get("function") or "")
    if not function:
        raise SourceSpecError("a replay event needs `function`")
    run_setup(env, spec)
    events = _events(spec)
    order = str(spec.get("order", Order.SEQUENTIAL))
    if order not in set(Order):
        raise SourceSpecError(f"replay `order` must be one of {', '.join(Order)}, got {order!r}")
    gap = spec.get("gap_seconds", 0)
    if not isinstance(gap, int | float) or isinstance(gap, bool) or gap < 0:
        raise SourceSpecError("replay `gap_seconds` must be a number of seconds ≥ 0")
    id_path = str(spec.get("id_path", "id"))
    queue: list[tuple[int, int]] = []  # (event index, copy number)
    if order == Order.SEQUENTIAL:
        queue = [(i, n) for i, (_, times) in enumerate(events) for n in range(times)]
    else:
        rounds = max(times for _, times in events)
        queue = [(i, n) for n in range(rounds) for i, (_, times) in enumerate(events) if n < times]
    if len(queue) > MAX_DELIVERIES:
        raise SourceSpecError(f"a replay event delivers at most {MAX_DELIVERIES} copies")
    fresh = spec.get("fresh_environment", False)
    if fresh not in (True, False, "last_copy"):
        raise SourceSpecError("replay `fresh_environment` must be true, false or last_copy")
    facts = env.facts.setdefault("replay", {}).setdefault(function, {})
    deliveries: dict[str, list[dict[str, Any]]] = facts.setdefault("events", {})
    last = None
    for position, (index, copy_number) in enumerate(queue):
        event = copy.deepcopy(events[index][0])
        key = str(_lookup(event, id_path) or f"event-{index + 1}")
        if position and gap:
            _advance(env, float(gap))
        times = events[index][1]
        if fresh is True or (fresh == "last_copy" and times > 1 and copy_number + 1 == times):
            # The copy lands on a new execution environment (another poller, another
            # concurrent instance): nothing kept in the module survives between them.
            _recycle(env, function)
        invocation = env.invoke(
            function,
            event,
            source="replay",
            source_facts={"event_id": key, "copy": copy_number + 1, "of": events[index][1]},
        )
        last = invocation
        deliveries.setdefault(key, []).append(
            {
                "copy": copy_number + 1,
                "invocation": getattr(invocation, "seq", None),
                "status": str(invocation.status),
                "response": getattr(invocation, "response", None),
            }
        )

    # The run's result keeps invocations, not env.facts: the last one carries the summary.
    if last is not None and isinstance(last.source_facts, dict):
        last.source_facts["final"] = {"events": deliveries, "tables": _observe(env, spec)}


def _events(spec: Mapping[str, Any]) -> list[tuple[Any, int]]:
    default_times = spec.get("times", 2)
    raw = spec.get("events")
    if raw is None and "event" in spec:
        raw = [{"event": spec["event"]}]
    if not isinstance(raw, list) or not raw:
        raise SourceSpecError("a replay event needs `event` or a list `events` of {event, times}")
    out: list[tuple[Any, int]] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping) or "event" not in item:
            raise SourceSpecError(f"replay events #{number}: write it as {{event: ..., times: N}}")
        times = item.get("times", default_times)
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 20:
            raise SourceSpecError(f"replay events #{number}: times must be 1 to 20")
        out.append((item["event"], times))
    return out


def _lookup(event: Any, path: str) -> Any:
    node = event
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _advance(env: Any, seconds: float) -> None:
    env.clock = float(env.clock) + seconds


def _recycle(env: Any, function: str) -> None:
    """Throw the function's execution environment away so the next invocation starts cold."""
    recycle = getattr(env, "recycle", None)
    if callable(recycle):
        recycle(function)
        return
    # Until FunctionEnv offers recycle(): its environments are kept per function name.
    environments = getattr(env, "_envs", None)
    if isinstance(environments, dict) and function in environments:
        environments.pop(function).close()


def _observe(env: Any, spec: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The items of the tables the lab names in `observe_tables`, read on the host at the end
    (as the grader reads the account), as plain JSON values."""
    names = spec.get("observe_tables") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SourceSpecError("`observe_tables` must be a list of DynamoDB table names")
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer()
    out: dict[str, list[dict[str, Any]]] = {}
    if not names:
        return out
    dynamodb = env.client("dynamodb")
    for name in names:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": name, "ConsistentRead": True}
        for _ in range(100):
            page = dynamodb.scan(**kwargs)
            items.extend(
                {k: _json(plain.deserialize(v)) for k, v in item.items()} for item in page["Items"]
            )
            if not page.get("LastEvaluatedKey"):
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out[name] = items
    return out


def _json(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(_json(v) for v in value)
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value
