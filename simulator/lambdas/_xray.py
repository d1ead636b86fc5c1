"""The X-Ray daemon's side of a traced invocation: trace headers out, segment documents in.

Lambda with active tracing gives each invocation a trace header (`_X_AMZN_TRACE_ID`:
`Root=1-<8 hex time>-<24 hex>;Parent=<16 hex>;Sampled=1`), records the function's own segment
and runs the X-Ray daemon, which takes segment documents over UDP
(`{"format":"json","version":1}` + newline + the JSON document, at most 64 KB). The sandbox's
runtime relays each datagram it receives on `AWS_XRAY_DAEMON_ADDRESS` over the host channel;
this module checks them (they come from untrusted code: size, JSON depth, counts, names,
annotation keys and values) and turns the trace into `TraceSegment`s named by their parents.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.scenarios._invocation import TraceSegment

DAEMON_ADDRESS = "127.0.0.1:2000"  # the daemon's default port, on the sandbox's loopback
DAEMON_HEADER = {"format": "json", "version": 1}
MAX_DOCUMENT_BYTES = 64 * 1024  # X-Ray's limit for one segment document
MAX_DOCUMENTS = 200  # datagrams kept per invocation
MAX_SEGMENTS = 500  # (sub)segments kept per invocation
MAX_DEPTH = 48  # JSON nesting of one document (a subsegment inside a subsegment adds 2)
MAX_NAME = 200  # X-Ray segment names
MAX_ANNOTATION_KEY = 500
MAX_ANNOTATION_VALUE = 1000
MAX_ANNOTATIONS = 50  # per trace
MAX_METADATA_BYTES = 4096  # per (sub)segment kept in the result (our limit, not X-Ray's)
MAX_METADATA_TOTAL = 64 * 1024  # per invocation
_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass(frozen=True)
class TraceHeader:
    """One invocation's trace context, as Lambda passes it to the runtime."""

    root: str  # 1-<8 hex>-<24 hex>
    parent: str  # the function segment's id (16 hex)
    sampled: bool

    @property
    def value(self) -> str:
        return f"Root={self.root};Parent={self.parent};Sampled={1 if self.sampled else 0}"


def trace_header(request_id: str, started: float, sampled: bool) -> TraceHeader:
    """A deterministic header for one invocation (ids derived from the request id)."""
    digest = hashlib.sha256(request_id.encode()).hexdigest()
    return TraceHeader(f"1-{int(started):08x}-{digest[:24]}", digest[24:40], sampled)


@dataclass
class Trace:
    """What reached the daemon for one invocation, with the reasons anything was dropped."""

    documents: list[Mapping[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dropped: int = 0

    def problem(self, text: str) -> None:
        if text not in self.problems and len(self.problems) < 20:
            self.problems.append(text)

    def add(self, datagram: str) -> None:
        """One datagram as the daemon got it; a bad one is dropped with its reason."""
        if len(self.documents) >= MAX_DOCUMENTS:
            self.dropped += 1
            self.problem(f"more than {MAX_DOCUMENTS} segment documents in one invocation")
            return
        try:
            self.documents.append(parse_datagram(datagram))
        except ValueError as exc:
            self.dropped += 1
            self.problem(str(exc))


def _too_deep(text: str) -> bool:
    """Whether the JSON text nests deeper than MAX_DEPTH (before any parser recurses)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False  # cannot nest deeper than the brackets it has (a fast C-level count)
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def parse_datagram(datagram: str) -> Mapping[str, Any]:
    """The segment document of one daemon datagram (ValueError says why it is refused)."""
    if len(datagram.encode("utf-8", "replace")) > MAX_DOCUMENT_BYTES:
        raise ValueError("a segment document larger than 64 KB was dropped")
    header, newline, body = datagram.partition("\n")
    try:
        parsed_header = json.loads(header) if newline else None
    except ValueError:
        parsed_header = None
    if parsed_header != DAEMON_HEADER:
        raise ValueError(
            'a datagram without the daemon header {"format":"json","version":1} was dropped'
        )
    if _too_deep(body):
        raise ValueError(f"a segment document nested deeper than {MAX_DEPTH} levels was dropped")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("a segment document that is not valid JSON was dropped") from None
    if not isinstance(document, dict):
        raise ValueError("a segment document that is not a JSON object was dropped")
    return document


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _annotations(raw: Any, trace: Trace, budget: list[int]) -> dict[str, Any]:
    """Valid annotations only: X-Ray indexes alphanumeric/underscore keys with scalar values."""
    out: dict[str, Any] = {}
    if not isinstance(raw, Mapping):
        return out
    for key, value in raw.items():
        if not isinstance(key, str) or not key or len(key) > MAX_ANNOTATION_KEY:
            continue
        if not set(key) <= _KEY_CHARACTERS:
            trace.problem(f"annotation key {key[:60]} has characters X-Ray does not index")
            continue
        if isinstance(value, str):
            value = value[:MAX_ANNOTATION_VALUE]
        elif not isinstance(value, bool) and _number(value) is None:
            trace.problem(f"annotation {key} is not a string, number or boolean")
            continue
        if budget[0] <= 0:
            trace.problem(f"more than {MAX_ANNOTATIONS} annotations in one trace")
            continue
        budget[0] -= 1
        out[key] = value
    return out


def _metadata(raw: Any, name: str, trace: Trace, budget: list[int]) -> dict[str, Any]:
    """Metadata as X-Ray stores it: namespace -> {key: any JSON value} (not indexed). Large
    metadata is not kept in the run's result (it is stored with the submission)."""
    if not isinstance(raw, Mapping) or not raw:
        return {}
    size = len(json.dumps(raw, default=str))
    if size > MAX_METADATA_BYTES or size > budget[0]:
        trace.problem(
            f"metadata of {name[:60]} is larger than this simulator keeps "
            f"({MAX_METADATA_BYTES} bytes a segment, {MAX_METADATA_TOTAL} an invocation)"
        )
        return {}
    budget[0] -= size
    return {str(k): v for k, v in raw.items() if isinstance(k, str)}


def _walk(
    document: Mapping[str, Any], parent_id: str | None
) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """Each (sub)segment of a document with its parent's id (nested ones under their owner)."""
    yield document, parent_id
    for child in document.get("subsegments") or []:
        if isinstance(child, Mapping):
            yield from _walk(child, str(document.get("id", "")))


def segments(
    trace: Trace,
    header: TraceHeader,
    *,
    function: str,
    started: float,
    duration_ms: float,
    failed: bool,
) -> tuple[TraceSegment, ...]:
    """The function's own segment (as Lambda records it) and every valid (sub)segment sent for
    this trace, each naming its parent; times in milliseconds from the invocation's start."""
    own = TraceSegment(function, 0.0, float(duration_ms), parent="", fault=failed)
    names: dict[str, str] = {header.parent: function}
    found: list[tuple[dict[str, Any], str | None]] = []
    budget = [MAX_ANNOTATIONS]
    metadata_budget = [MAX_METADATA_TOTAL]
    for document in trace.documents:
        if document.get("trace_id") != header.root:
            trace.problem("a segment document of another trace was dropped")
            continue
        for entity, inherited in _walk(document, None):
            if len(found) >= MAX_SEGMENTS:
                trace.problem(f"more than {MAX_SEGMENTS} subsegments in one invocation")
                break
            name, start = entity.get("name"), _number(entity.get("start_time"))
            if not isinstance(name, str) or not name or len(name) > MAX_NAME or start is None:
                trace.problem("a segment without a valid name or start_time was dropped")
                continue
            if entity.get("in_progress") is True:
                continue  # superseded by the completed document, as X-Ray does
            end = _number(entity.get("end_time"))
            if end is None or end < start:
                trace.problem(f"segment {name[:60]} has no valid end_time and was dropped")
                continue
            entity_id = str(entity.get("id", ""))
            parent_id = inherited or (str(entity["parent_id"]) if entity.get("parent_id") else None)
            if entity_id:
                names.setdefault(entity_id, name)
            found.append(
                (
                    {
                        "name": name,
                        "start_ms": round((start - started) * 1000, 3),
                        "end_ms": round((end - started) * 1000, 3),
                        "annotations": _annotations(entity.get("annotations"), trace, budget),
                        "metadata": _metadata(entity.get("metadata"), name, trace, metadata_budget),
                        "error": entity.get("error") is True,
                        "fault": entity.get("fault") is True,
                    },
                    parent_id,
                )
            )
    out = [own]
    for fields, parent_id in found:
        parent = names.get(parent_id, "") if parent_id else ""
        out.append(TraceSegment(parent=parent, **fields))
    return tuple(out)


def outline(trace: tuple[TraceSegment, ...], limit: int = 12) -> list[str]:
    """The trace as the X-Ray console's timeline would show it, one line per (sub)segment:
    indented under its parent, repeated siblings folded (dynamodb x30), annotations shown."""
    children: dict[str, list[TraceSegment]] = {}
    for segment in trace:
        children.setdefault(segment.parent, []).append(segment)
    lines: list[str] = []

    def show(parent: str, depth: int, seen: frozenset[str]) -> None:
        groups: dict[str, list[TraceSegment]] = {}
        for segment in sorted(children.get(parent, []), key=lambda s: s.start_ms):
            groups.setdefault(segment.name, []).append(segment)
        for name, group in groups.items():
            if len(lines) >= limit:
                return
            took = sum(s.end_ms - s.start_ms for s in group)
            count = f" x{len(group)}" if len(group) > 1 else ""
            notes = {k: v for s in group for k, v in s.annotations.items()}
            flags = [f for f in ("fault", "error") if any(getattr(s, f) for s in group)]
            lines.append(
                f"x-ray {'  ' * depth}{name}{count} {took:.0f} ms"
                + "".join(f" {k}={v}" for k, v in list(notes.items())[:5])
                + "".join(f" ({f})" for f in flags)
            )
            if name not in seen:  # a name nested under itself would loop
                show(name, depth + 1, seen | {name})

    show("", 0, frozenset())
    if len(trace) and len(lines) >= limit:
        lines.append("x-ray ... (more subsegments not shown)")
    return lines
