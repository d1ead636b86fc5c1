"""SQS event source: an event source mapping as Lambda runs it, on the run's queues (moto)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from simulator.lambdas._env import SourceError

# Lambda's limits for an SQS event source mapping (CreateEventSourceMapping).
MAX_BATCH_NO_WINDOW = 10
MAX_BATCH = 10_000
MAX_WINDOW = 300
# A message's visibility is held on the virtual clock; moto's own (real-time) timeout is set far
# out so that a slow real run never makes a message reappear behind the simulation's back.
REAL_HOLD_SECONDS = 43_200
DEFAULT_UNTIL = 3_600  # virtual seconds the mapping polls before the run stops
MAX_BATCHES = 200  # a poison message without a DLQ must not loop forever
REPORT = "ReportBatchItemFailures"
MAPPING_KEYS = ("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "Enabled")
QUEUE_KEYS = ("VisibilityTimeout", "RedrivePolicy")


class BatchOutcome(StrEnum):
    """What Lambda did with one batch after the invocation."""

    DELETED = "deleted"  # every message deleted (success, or a response Lambda ignored)
    PARTIAL = "partial"  # only the messages not listed in batchItemFailures deleted
    FAILED = "failed"  # nothing deleted: the batch returns after the visibility timeout


class MessageFate(StrEnum):
    """Where one message ended up when the mapping stopped polling."""

    DELETED = "deleted"
    DEAD_LETTERED = "dead_lettered"
    IN_QUEUE = "in_queue"  # still in the source queue (retrying, or the run's time ran out)


class SourceSpecError(SourceError):
    """The lab's sqs event or the learner's mapping file is wrong (the message says how)."""


@dataclass
class _Message:
    message_id: str
    body: str
    receipt: str = ""
    received: int = 0  # deliveries to the function
    failed: int = 0  # times it came back for a retry
    succeeded: int = 0  # times the function processed it without reporting it failed
    expired: int = 0  # times its visibility timeout ran out while the function held it
    received_at: float = 0.0
    visible_at: float | None = None  # virtual time it becomes visible again (None: deleted)
    fate: MessageFate = MessageFate.IN_QUEUE
    batches: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class EsmSettings:
    """The event source mapping and queue settings the run uses (learner's or the lab's)."""

    batch_size: int
    window: int
    report_failures: bool
    visibility: int
    max_receive: int | None
    dlq: str | None  # the dead-letter queue's name


def deliver(env: Any, spec: Mapping[str, Any]) -> None:
    """Send the lab's messages, then poll the queue and invoke the function as Lambda would.

    spec: `function`, `queue` (name), `messages` (bodies, or {body: ...}), `mapping` (inline, or
    a learner file beside the code: EventSourceMapping: BatchSize, MaximumBatchingWindowInSeconds,
    FunctionResponseTypes; Queue: VisibilityTimeout, RedrivePolicy), `until` (virtual seconds,
    default 3600), `function_timeout` (else the function's), `setup`, `observe_tables`.
    Facts: per batch on its invocation (outcome, deleted, returned, reason); per message on the
    last one (`final.messages`: body, received, processed, failed, visibility_expired, fate).
    """
    function = str(spec.get("function") or "")
    queue = str(spec.get("queue") or "")
    if not function or not queue:
        raise SourceSpecError("an sqs event needs `function` and `queue` (the source queue name)")
    run_setup(env, spec)
    sqs = env.client("sqs")
    url = _queue_url(sqs, queue)
    settings = _settings(env, spec, function)
    mapping = _apply_queue_settings(env, sqs, url, queue, settings)
    facts: dict[str, Any] = env.facts.setdefault("sqs", {})
    record = facts.setdefault(queue, {})
    record["mapping"] = {
        "function": function,
        "batch_size": mapping.batch_size,
        "batching_window": mapping.window,
        "function_response_types": [REPORT] if mapping.report_failures else [],
        "visibility_timeout": mapping.visibility,
        "max_receive_count": mapping.max_receive,
        "dead_letter_queue": mapping.dlq,
    }
    timeout = _function_timeout(env, function, spec)
    record["mapping"]["function_timeout"] = timeout
    problem = _mapping_problem(mapping, timeout)
    if problem:
        # Lambda refuses to create the mapping: no message is ever polled.
        record["mapping_error"] = problem
        record["messages"] = {}
        record["batches"] = []
        note(env, "error", f"Lambda refused the event source mapping on {queue}: {problem}")
        _send(sqs, url, spec)
        return
    messages = _send(sqs, url, spec)
    _poll(env, sqs, url, queue, function, mapping, messages, spec, record)


# --- settings ------------------------------------------------------------------------------------


def _settings(env: Any, spec: Mapping[str, Any], function: str) -> dict[str, Any]:
    """The mapping settings: the lab's inline `mapping:`, or the learner's file it names."""
    raw = spec.get("mapping") or {}
    if isinstance(raw, str):
        raw = learner_document(env, raw, function)
    if not isinstance(raw, Mapping):
        raise SourceSpecError("sqs `mapping` must be a mapping or the name of a YAML/JSON file")
    return dict(raw)


def _section(data: Mapping[str, Any], name: str, allowed: tuple[str, ...], where: str):
    section = data.get(name) or {}
    if not isinstance(section, Mapping):
        raise SourceSpecError(f"{where}: {name} must be a mapping of settings")
    unknown = sorted(set(section) - set(allowed))
    if unknown:
        raise SourceSpecError(
            f"{where}: {name}.{unknown[0]} is not a setting this lab simulates "
            f"(known: {', '.join(allowed)})"
        )
    return section


def _apply_queue_settings(env, sqs, url: str, queue: str, data: Mapping[str, Any]) -> EsmSettings:
    where = str(data.get("__file__", "mapping"))
    esm = _section(data, "EventSourceMapping", MAPPING_KEYS, where)
    qset = _section(data, "Queue", QUEUE_KEYS, where)
    batch_size = number(esm.get("BatchSize", 10), f"{where}: EventSourceMapping.BatchSize")
    window = number(
        esm.get("MaximumBatchingWindowInSeconds", 0),
        f"{where}: EventSourceMapping.MaximumBatchingWindowInSeconds",
    )
    types = esm.get("FunctionResponseTypes") or []
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or any(t != REPORT for t in types):
        raise SourceSpecError(
            f"{where}: EventSourceMapping.FunctionResponseTypes may only hold {REPORT}"
        )
    attributes: dict[str, str] = {}
    if "VisibilityTimeout" in qset:
        seconds = number(qset["VisibilityTimeout"], f"{where}: Queue.VisibilityTimeout")
        if not 0 <= seconds <= 43_200:
            raise SourceSpecError(
                f"{where}: Queue.VisibilityTimeout must be 0 to 43200 seconds, got {seconds}"
            )
        attributes["VisibilityTimeout"] = str(seconds)
    if "RedrivePolicy" in qset:
        attributes["RedrivePolicy"] = json.dumps(_redrive(sqs, qset["RedrivePolicy"], where))
    if attributes:
        # As CloudFormation (or the console) would: the queue's attributes really change.
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(current.get("RedrivePolicy") or "{}")
    dlq_arn = str(redrive.get("deadLetterTargetArn") or "")
    return EsmSettings(
        batch_size=batch_size,
        window=window,
        report_failures=REPORT in types,
        visibility=int(current.get("VisibilityTimeout", 30)),
        max_receive=int(redrive["maxReceiveCount"]) if redrive.get("maxReceiveCount") else None,
        dlq=dlq_arn.rsplit(":", 1)[-1] or None,
    )


def _redrive(sqs, policy: Any, where: str) -> dict[str, Any]:
    if not isinstance(policy, Mapping):
        raise SourceSpecError(
            f"{where}: Queue.RedrivePolicy must be a mapping with deadLetterTargetArn "
            "and maxReceiveCount"
        )
    target = str(policy.get("deadLetterTargetArn") or "")
    count = number(policy.get("maxReceiveCount"), f"{where}: Queue.RedrivePolicy.maxReceiveCount")
    if not 1 <= count <= 1000:
        raise SourceSpecError(
            f"{where}: Queue.RedrivePolicy.maxReceiveCount must be 1 to 1000, got {count}"
        )
    if not target.startswith("arn:aws:sqs:") or target.count(":") != 5:
        raise SourceSpecError(
            f"{where}: Queue.RedrivePolicy.deadLetterTargetArn must be the dead-letter queue's "
            f"ARN (arn:aws:sqs:<region>:<account>:<name>), got {target!r}"
        )
    _queue_url(sqs, target.rsplit(":", 1)[-1], f"{where}: Queue.RedrivePolicy.deadLetterTargetArn")
    return {"deadLetterTargetArn": target, "maxReceiveCount": count}


def _mapping_problem(mapping: EsmSettings, function_timeout: float | None) -> str:
    """Why CreateEventSourceMapping would be refused ("" when it would not)."""
    if not 1 <= mapping.batch_size <= MAX_BATCH:
        return f"BatchSize must be 1 to {MAX_BATCH}, got {mapping.batch_size}."
    if not 0 <= mapping.window <= MAX_WINDOW:
        return f"MaximumBatchingWindowInSeconds must be 0 to {MAX_WINDOW}, got {mapping.window}."
    if mapping.batch_size > MAX_BATCH_NO_WINDOW and mapping.window < 1:
        return (
            f"a BatchSize above {MAX_BATCH_NO_WINDOW} needs MaximumBatchingWindowInSeconds "
            "of at least 1 second."
        )
    if function_timeout is not None and function_timeout > mapping.visibility:
        return (
            f"the queue's visibility timeout ({mapping.visibility} s) is shorter than the "
            f"function's timeout ({function_timeout:g} s); raise VisibilityTimeout (AWS "
            "recommends at least six times the function timeout)."
        )
    return ""


def _function_timeout(env: Any, function: str, spec: Mapping[str, Any]) -> float | None:
    if spec.get("function_timeout") is not None:
        return float(number(spec["function_timeout"], "sqs function_timeout"))
    functions = getattr(env, "functions", None) or {}
    fn = functions.get(function) if isinstance(functions, Mapping) else None
    timeout = getattr(fn, "timeout", None)
    return float(timeout) if timeout is not None else None


# --- queue access --------------------------------------------------------------------------------


def _queue_url(sqs, name: str, where: str = "sqs queue") -> str:
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except Exception:  # botocore ClientError: QueueDoesNotExist
        raise SourceSpecError(
            f"{where}: the account has no queue named {name!r}; declare it in the world"
        ) from None


def _send(sqs, url: str, spec: Mapping[str, Any]) -> dict[str, _Message]:
    """Send the lab's messages (a producer's SendMessage calls), in order."""
    out: dict[str, _Message] = {}
    items = spec.get("messages") or []
    if not isinstance(items, list):
        raise SourceSpecError("sqs `messages` must be a list of message bodies")
    for index, item in enumerate(items):
        # {body: ...} or the body itself (text, or any JSON value sent as its JSON text)
        body = item["body"] if isinstance(item, Mapping) and "body" in item else item
        if not isinstance(body, str):
            body = json.dumps(body, separators=(",", ":"), sort_keys=True)
        sent = sqs.send_message(QueueUrl=url, MessageBody=body)
        out[sent["MessageId"]] = _Message(sent["MessageId"], body)
        if index >= 999:
            raise SourceSpecError("an sqs event sends at most 1000 messages")
    return out


def _receive(sqs, url: str, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while len(got) < count:
        reply = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, count - len(got)),
            VisibilityTimeout=REAL_HOLD_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        page = reply.get("Messages") or []
        if not page:
            break
        got.extend(page)
    return got


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of the event, shaped as Lambda's SQS event."""
    attributes = message.get("Attributes") or {}
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            key: str(attributes[key])
            for key in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
            )
            if key in attributes
        },
        "messageAttributes": message.get("MessageAttributes") or {},
        # SQS's own checksum of the body (MD5 is what the SQS API defines, not a security use).
        "md5OfBody": message.get("MD5OfBody")
        or hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


# --- the poller ----------------------------------------------------------------------------------


def _poll(env, sqs, url, queue, function, mapping: EsmSettings, messages, spec, record) -> None:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    queue_arn = attrs["QueueArn"]
    region = queue_arn.split(":")[3]
    start = clock_now(env)
    now = start
    last = None
    until = start + float(number(spec.get("until", DEFAULT_UNTIL), "sqs until"))
    batches: list[dict[str, Any]] = []
    while now <= until and len(batches) < MAX_BATCHES:
        now = clock_now(env)
        _release_due(sqs, url, messages, now)
        raw = _receive(sqs, url, mapping.batch_size)
        if not raw:
            waiting = [m.visible_at for m in messages.values() if m.visible_at is not None]
            if not waiting:
                break
            clock_set(env, min(waiting))  # nothing visible: the next retry is the next event
            now = clock_now(env)
            continue
        received_at = now
        if mapping.window and len(raw) < mapping.batch_size:
            # The poller holds what it received and waits out the window for a fuller batch;
            # the messages' visibility timeout is already running.
            clock_set(env, now + mapping.window)
            now = clock_now(env)
        batch_msgs = []
        for item in raw:
            msg = messages.setdefault(item["MessageId"], _Message(item["MessageId"], item["Body"]))
            msg.receipt = item["ReceiptHandle"]
            msg.received += 1
            msg.received_at = received_at
            msg.visible_at = None
            msg.batches.append(len(batches) + 1)
            batch_msgs.append(msg)
        event = {"Records": [_record(item, queue_arn, region) for item in raw]}
        invocation = env.invoke(
            function,
            event,
            source="sqs",
            source_facts={
                "queue": queue,
                "batch": len(batches) + 1,
                "message_ids": [m.message_id for m in batch_msgs],
                "function_response_types": [REPORT] if mapping.report_failures else [],
            },
        )
        last = invocation
        # The engine moved the clock by the invocation's duration; time always moves on.
        clock_set(env, max(clock_now(env), now + 0.001))
        now = clock_now(env)
        outcome, failed_ids, why = _judge(invocation, mapping, {m.message_id for m in batch_msgs})
        deleted = 0
        for msg in batch_msgs:
            if now - msg.received_at > mapping.visibility:
                # Its visibility ran out while the function still held it: another poller
                # could already have it, and a delete with the old receipt handle is not
                # trusted. It comes back: a duplicate delivery.
                msg.expired += 1
                msg.failed += 1
                msg.visible_at = now
                if msg.message_id not in failed_ids and outcome != BatchOutcome.FAILED:
                    msg.succeeded += 1
                continue
            if outcome == BatchOutcome.FAILED or msg.message_id in failed_ids:
                msg.failed += 1
                msg.visible_at = msg.received_at + mapping.visibility
                continue
            msg.succeeded += 1
            sqs.delete_message(QueueUrl=url, ReceiptHandle=msg.receipt)
            msg.visible_at = None
            msg.fate = MessageFate.DELETED
            deleted += 1
        summary = {
            "outcome": str(outcome),
            "deleted": deleted,
            "returned": len(batch_msgs) - deleted,
            "reason": why,
        }
        _attach(invocation, summary)
        batches.append(
            {
                "batch": len(batches) + 1,
                "invocation": getattr(invocation, "seq", None),
                "at": round(received_at - start, 3),
                "size": len(batch_msgs),
                "status": str(getattr(invocation, "status", "")),
                "outcome": str(outcome),
                "deleted": deleted,
                "returned": len(batch_msgs) - deleted,
                "reason": why,
            }
        )
    _release_due(sqs, url, messages, float("inf"))
    dead = _dead_letters(sqs, mapping)
    for msg in messages.values():
        if msg.message_id in dead:
            msg.fate = MessageFate.DEAD_LETTERED
    record["batches"] = batches
    record["messages"] = {
        m.message_id: {
            "body": m.body,
            "received": m.received,
            "processed": m.succeeded,
            "failed": m.failed,
            "visibility_expired": m.expired,
            "fate": str(m.fate),
            "batches": m.batches,
        }
        for m in messages.values()
    }
    record["stopped_at"] = round(now - start, 3)
    # The run's result keeps invocations, not env.facts: the last one carries the summary.
    if last is not None:
        final = {"messages": record["messages"], "mapping": record["mapping"]}
        _attach(last, {"final": {**final, "tables": _observe(env, spec)}})
    if len(batches) >= MAX_BATCHES or now > until:
        note(
            env,
            "info",
            f"The mapping on {queue} stopped polling after {len(batches)} batches "
            f"({now - start:.0f} virtual seconds); messages still retrying stay in the queue.",
        )


def _judge(invocation, mapping: EsmSettings, batch_ids: set[str]) -> tuple[BatchOutcome, set, str]:
    """What Lambda does with the batch: the documented success and failure conditions."""
    if not getattr(invocation, "ok", False):
        return BatchOutcome.FAILED, set(), f"the invocation ended {invocation.status}"
    if not mapping.report_failures:
        return BatchOutcome.DELETED, set(), "success (any response is ignored)"
    response = getattr(invocation, "response", None)
    if response is None or response == {} or response == "":
        return BatchOutcome.DELETED, set(), "success (empty response)"
    if not isinstance(response, Mapping):
        return BatchOutcome.FAILED, set(), "the response is not a batchItemFailures object"
    items = response.get("batchItemFailures")
    if items is None or items == []:
        return BatchOutcome.DELETED, set(), "success (no batch item failures)"
    if not isinstance(items, list):
        return BatchOutcome.FAILED, set(), "batchItemFailures is not a list"
    failed: set[str] = set()
    for item in items:
        ident = item.get("itemIdentifier") if isinstance(item, Mapping) else None
        if not isinstance(ident, str) or not ident or ident not in batch_ids:
            # Lambda treats a null, empty or unknown identifier as a failure of the whole batch.
            return BatchOutcome.FAILED, set(), "an itemIdentifier that is empty or not in the batch"
        failed.add(ident)
    return BatchOutcome.PARTIAL, failed, f"{len(failed)} reported failed"


def _release_due(sqs, url: str, messages: Mapping[str, _Message], now: float) -> None:
    """Messages whose (virtual) visibility timeout has passed become visible again."""
    for msg in messages.values():
        if msg.visible_at is not None and msg.visible_at <= now and msg.receipt:
            # It may be gone already: moved to the DLQ, or deleted by the function itself.
            with contextlib.suppress(Exception):
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=msg.receipt, VisibilityTimeout=0
                )
            msg.receipt = ""
            msg.visible_at = None  # visible now: the next receive (or the redrive) takes it


def _dead_letters(sqs, mapping: EsmSettings) -> set[str]:
    """Ids of the messages in the dead-letter queue (peeked, as the console's poll does)."""
    if not mapping.dlq:
        return set()
    try:
        url = sqs.get_queue_url(QueueName=mapping.dlq)["QueueUrl"]
    except Exception:
        return set()
    seen: dict[str, str] = {}
    for _ in range(100):  # hide what was read so the next page holds the rest
        page = (
            sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=REAL_HOLD_SECONDS
            ).get("Messages")
            or []
        )
        if not page:
            break
        seen.update((m["MessageId"], m["ReceiptHandle"]) for m in page)
    for receipt in seen.values():  # and show them again, as they were
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=receipt, VisibilityTimeout=0)
    return set(seen)


# --- small helpers over the function environment -------------------------------------------------


def number(value: Any, where: str) -> int:
    """A whole number setting, or a clear error naming where it was read."""
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise SourceSpecError(f"{where} must be a whole number, got {value!r}")
    return int(value)


def clock_now(env: Any) -> float:
    """The run's virtual clock (seconds); it also moves by each invocation's duration."""
    return float(env.clock)


def clock_set(env: Any, seconds: float) -> None:
    """Move the virtual clock forward to `seconds` (never back)."""
    env.clock = max(float(env.clock), seconds)


def note(env: Any, level: str, text: str) -> None:
    env.note(level, text)


def learner_document(env: Any, name: str, function: str) -> dict[str, Any]:
    """A learner's YAML/JSON file (beside the function's code), parsed; errors name the line."""
    from simulator._loading import load_document

    files = getattr(env, "files", None) or {}
    text = files.get(name)
    spec = env.functions.get(function)
    folder = getattr(spec, "code", None)
    if text is None and folder is not None:
        path = Path(folder) / name
        if Path(folder).is_dir() and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
    if text is None:
        raise SourceSpecError(f"the sqs mapping file {name} is not among the lab's files")
    loaded = load_document(text, filename=name)
    if not loaded.ok:
        first = loaded.findings[0] if loaded.findings else None
        why = f"line {first.line}: {first.message}" if first else "it is not YAML or JSON"
        raise SourceSpecError(f"{name} could not be read ({why})")
    data = loaded.data
    if not isinstance(data, dict):
        raise SourceSpecError(f"{name} must be a mapping (EventSourceMapping:, Queue:)")
    return {**data, "__file__": name}


def _attach(invocation: Any, facts: Mapping[str, Any]) -> None:
    """Add facts to an invocation already recorded (its source_facts is the source's dict)."""
    target = getattr(invocation, "source_facts", None)
    if isinstance(target, dict):
        target.update(facts)


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


def run_setup(env: Any, spec: Mapping[str, Any]) -> None:
    """The event's `setup:` list: host-side API calls ({service, operation, params}) that build
    what the world file cannot declare yet (queues, tables, items), before anything runs."""
    from botocore import xform_name

    steps = spec.get("setup") or []
    if not isinstance(steps, list):
        raise SourceSpecError("`setup` must be a list of {service, operation, params}")
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, Mapping) or not step.get("service") or not step.get("operation"):
            raise SourceSpecError(f"setup #{number}: write it as {{service, operation, params}}")
        client = env.client(str(step["service"]))
        method = getattr(client, xform_name(str(step["operation"])), None)
        if method is None:
            raise SourceSpecError(
                f"setup #{number}: {step['service']} has no operation {step['operation']}"
            )
        try:
            method(**dict(step.get("params") or {}))
        except Exception as exc:  # the account's refusal, in AWS's words
            raise SourceSpecError(f"setup #{number} ({step['operation']}) failed: {exc}") from None
