"""CloudWatch Logs' side of the embedded metric format (EMF): metrics out of a function's log lines.

The function engine acts as CloudWatch Logs for the function's log group: every log line that is
an EMF document (a JSON object whose `_aws` member holds `Timestamp` and `CloudWatchMetrics`)
becomes `Metric` values, one per metric, dimension set and value, as CloudWatch extracts them. A
line that tries to be EMF but breaks the specification gives no metric (CloudWatch keeps the log
event and drops the metrics) and a plain-words reason the engine reports as a run note.

Rules (CloudWatch embedded metric format specification): the log event is a JSON object and
nothing else (on Lambda, a document after the runtime's tab-separated prefix counts too); `_aws`
is an object with `Timestamp` (milliseconds since the epoch) and `CloudWatchMetrics`, an array of
directives, each with `Namespace` (1-255 characters), `Dimensions` (an array of dimension sets,
each an array of at most 30 member names whose root values are strings) and `Metrics` (at most
100 definitions with `Name`, optional `Unit` from CloudWatch's units, optional
`StorageResolution` 1 or 60). A metric's root member is a number or an array of at most 100
numbers. Timestamps more than two weeks old or more than two hours ahead are refused, as
PutMetricData refuses them.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from simulator.scenarios._invocation import Metric

MAX_EVENT_BYTES = 1024 * 1024  # a CloudWatch Logs event (the format shares its size limit)
MAX_DIMENSION_KEYS = 30
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100
MAX_NAME = 255
MAX_DIMENSION_VALUE = 1024
MAX_METRICS_PER_INVOCATION = 1000  # our caps on what one invocation adds to the result
MAX_METRIC_BYTES_PER_INVOCATION = 256 * 1024  # names and dimensions, as stored
PAST_LIMIT_MS = 14 * 24 * 3600 * 1000
FUTURE_LIMIT_MS = 2 * 3600 * 1000
UNITS = frozenset(
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
        "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
        "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
        "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
        "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    }
)  # fmt: skip


class EmfError(ValueError):
    """Why a log line that looks like EMF gives no metric."""


@dataclass(frozen=True)
class EmfLine:
    """What CloudWatch Logs made of one log line: metrics, or the reason there are none."""

    metrics: tuple[Metric, ...] = ()
    problem: str = ""  # "" when the line is valid EMF or not EMF at all


def _document(line: str) -> Mapping[str, Any] | None:
    """The JSON object of a log line (whole line, or after Lambda's tab-separated prefix)."""
    text = line.strip()
    if not text.startswith("{"):
        start = text.find("\t{")
        if start < 0:
            return None
        text = text[start + 1 :]
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME:
        raise EmfError(f"{what} must be a string of 1 to {MAX_NAME} characters")
    return value


def _dimension_sets(root: Mapping[str, Any], raw: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise EmfError(f"{where}.Dimensions must be a non-empty array of dimension sets")
    sets: list[dict[str, str]] = []
    for number, keys in enumerate(raw):
        if not isinstance(keys, list) or len(keys) > MAX_DIMENSION_KEYS:
            raise EmfError(
                f"{where}.Dimensions[{number}] must be an array of at most "
                f"{MAX_DIMENSION_KEYS} dimension names"
            )
        dimensions: dict[str, str] = {}
        for key in keys:
            key = _name(key, f"a dimension name in {where}.Dimensions[{number}]")
            value = root.get(key)
            if key not in root:
                raise EmfError(f"dimension {key} has no member of that name at the top level")
            if not isinstance(value, str) or not 1 <= len(value) <= MAX_DIMENSION_VALUE:
                raise EmfError(f"the value of dimension {key} must be a non-empty string")
            dimensions[key] = value
        sets.append(dimensions)
    return sets


def _values(root: Mapping[str, Any], name: str) -> list[float]:
    if name not in root:
        raise EmfError(f"metric {name} has no member of that name at the top level")
    value = root[name]
    if _is_number(value):
        return [float(value)]
    if isinstance(value, list) and value and all(_is_number(v) for v in value):
        if len(value) > MAX_VALUES_PER_METRIC:
            raise EmfError(f"metric {name} has more than {MAX_VALUES_PER_METRIC} values")
        return [float(v) for v in value]
    raise EmfError(f"the value of metric {name} must be a number or an array of numbers")


def _timestamp(meta: Mapping[str, Any], now_ms: float) -> None:
    raw = meta.get("Timestamp")
    if not _is_number(raw):
        raise EmfError("_aws.Timestamp is required: milliseconds since 1970 as a number")
    stamp = float(raw)
    if stamp < now_ms - PAST_LIMIT_MS:
        raise EmfError(
            "_aws.Timestamp is more than two weeks in the past (seconds instead of "
            "milliseconds?), so CloudWatch does not accept the metrics"
        )
    if stamp > now_ms + FUTURE_LIMIT_MS:
        raise EmfError("_aws.Timestamp is more than two hours in the future")


def extract(root: Mapping[str, Any], now_ms: float | None = None) -> tuple[Metric, ...]:
    """The metrics of one EMF document (raises EmfError with the reason it is not valid)."""
    meta = root.get("_aws")
    if not isinstance(meta, Mapping):
        raise EmfError("_aws must be an object")
    _timestamp(meta, time.time() * 1000 if now_ms is None else now_ms)
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        raise EmfError("_aws.CloudWatchMetrics must be a non-empty array of metric directives")
    metrics: list[Metric] = []
    for number, directive in enumerate(directives):
        where = f"CloudWatchMetrics[{number}]"
        if not isinstance(directive, Mapping):
            raise EmfError(f"{where} must be an object with Namespace, Dimensions and Metrics")
        namespace = _name(directive.get("Namespace"), f"{where}.Namespace")
        sets = _dimension_sets(root, directive.get("Dimensions"), where)
        definitions = directive.get("Metrics")
        if not isinstance(definitions, list) or len(definitions) > MAX_METRICS_PER_DIRECTIVE:
            raise EmfError(
                f"{where}.Metrics must be an array of at most {MAX_METRICS_PER_DIRECTIVE} "
                "metric definitions"
            )
        for definition in definitions:
            if not isinstance(definition, Mapping):
                raise EmfError(f"each entry of {where}.Metrics must be an object with a Name")
            name = _name(definition.get("Name"), f"a metric Name in {where}")
            unit = definition.get("Unit", "None")
            if unit not in UNITS:
                raise EmfError(f"metric {name} has the unit {unit}, which CloudWatch does not know")
            resolution = definition.get("StorageResolution", 60)
            if resolution not in (1, 60) or isinstance(resolution, bool):
                raise EmfError(f"metric {name}: StorageResolution must be 1 or 60")
            for value in _values(root, name):
                for dimensions in sets:
                    metrics.append(Metric(namespace, name, value, str(unit), dimensions))
    return tuple(metrics)


def parse_line(line: str, now_ms: float | None = None) -> EmfLine:
    """One log line as CloudWatch Logs sees it: EMF metrics, a reason, or nothing (plain log)."""
    if "_aws" not in line:
        return EmfLine()  # the cheap common case: a plain log line
    if len(line.encode("utf-8", "replace")) > MAX_EVENT_BYTES:
        return EmfLine(problem="the log event is larger than CloudWatch Logs accepts")
    root = _document(line)
    if root is None:
        return EmfLine(
            problem="a log line mentions _aws but is not one JSON object (print the output of "
            "json.dumps, not a Python dictionary), so it stays a plain log line"
        )
    if "_aws" not in root:
        return EmfLine()
    try:
        return EmfLine(metrics=extract(root, now_ms))
    except EmfError as exc:
        return EmfLine(problem=f"not valid embedded metric format: {exc}")


def metrics_of(lines: list[str] | tuple[str, ...], now_ms: float | None = None) -> tuple[
    tuple[Metric, ...], list[str]
]:  # fmt: skip
    """Every metric the lines carry (capped per invocation) and the problems found, in order."""
    metrics: list[Metric] = []
    problems: list[str] = []
    capped = False
    weight = 0
    for line in lines:
        parsed = parse_line(line, now_ms)
        if parsed.problem:
            problems.append(parsed.problem)
        for metric in parsed.metrics:
            weight += _weight(metric)
            full = len(metrics) >= MAX_METRICS_PER_INVOCATION
            if full or weight > MAX_METRIC_BYTES_PER_INVOCATION:
                if not capped:
                    capped = True
                    problems.append(
                        f"more than {MAX_METRICS_PER_INVOCATION} metric values (or "
                        f"{MAX_METRIC_BYTES_PER_INVOCATION // 1024} KB of names and dimensions) "
                        "in one invocation; the rest were not recorded"
                    )
                break
            metrics.append(metric)
    return tuple(metrics), problems


def _weight(metric: Metric) -> int:
    """About what a metric takes once stored with the run's result (names and dimensions)."""
    dimensions = sum(len(k) + len(v) + 6 for k, v in metric.dimensions.items())
    return len(metric.namespace) + len(metric.name) + len(metric.unit) + dimensions + 60
