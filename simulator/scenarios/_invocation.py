"""Typed facts about Lambda invocations in a run: what invoked which handler, and what happened.

Produced on the host by the function engine (`simulator/lambdas/`): the status and return value
come from the runtime's own channel to the host, the log lines are the function's stdout and
stderr as the Lambda service would ship them to CloudWatch Logs. Event sources (API Gateway,
SQS, rotation, authorizers, ...) describe what they did in `source_facts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class InvocationStatus(StrEnum):
    """How one invocation ended, in Lambda's terms."""

    OK = "ok"  # the handler returned
    ERROR = "error"  # the handler raised (Lambda: "Unhandled" function error)
    TIMEOUT = "timeout"  # the function's configured timeout elapsed (virtual or real clock)
    CRASHED = "crashed"  # the runtime itself died (import error, out of memory, exit)


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric value, e.g. extracted from an embedded-metric-format log line."""

    namespace: str
    name: str
    value: float
    unit: str = "None"
    dimensions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TraceSegment:
    """One X-Ray (sub)segment the function emitted: name, timing, annotations, error flags."""

    name: str
    start_ms: float
    end_ms: float
    parent: str = ""  # name of the enclosing segment, "" for the function's own segment
    annotations: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    error: bool = False
    fault: bool = False


@dataclass(frozen=True)
class Invocation:
    """One invocation of one function by one source."""

    seq: int  # order within the run, from 1
    function: str  # function name
    qualifier: str  # "$LATEST", a version number or an alias name
    source: str  # "direct", "apigateway", "sqs", "rotation", "authorizer", "sam-local", ...
    request_id: str
    event: Any  # the event as delivered (JSON-able)
    status: InvocationStatus
    response: Any = None  # the returned value (JSON-able) when status is OK
    error_type: str = ""  # e.g. "KeyError" when status is ERROR
    error_message: str = ""
    duration_ms: int = 0
    logs: tuple[str, ...] = ()  # the function's log lines (stdout/stderr), capped
    api_calls: tuple[int, ...] = ()  # seq numbers of the ApiCalls this invocation made
    metrics: tuple[Metric, ...] = ()
    segments: tuple[TraceSegment, ...] = ()
    source_facts: Mapping[str, Any] = field(default_factory=dict)  # e.g. stage, batch failures
    version: str = ""  # the version that ran ("$LATEST", "3"): what an alias resolved to
    cold_start: bool = False  # a fresh execution environment (module loaded for this call)

    @property
    def ok(self) -> bool:
        return self.status == InvocationStatus.OK
