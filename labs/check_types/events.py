"""Checks on event-driven Lambda runs: SQS event source mappings, replayed (duplicate) events,
Secrets Manager rotations and the tables they left. They read the facts the `sqs`, `replay`
and `rotation` sources recorded on their invocations (host side), never the function's logs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from labs.checks import Evidence, Verdict, as_list, check, plural, words
from simulator import NoteLevel

FATES = ("deleted", "dead_lettered", "in_queue")
FATE_WORDS = {
    "deleted": "deleted from the queue",
    "dead_lettered": "moved to the dead-letter queue",
    "in_queue": "still in the queue",
}


def _invocations(evidence: Evidence, source: str, **facts: Any) -> list[Any]:
    return [
        i
        for i in evidence.result.invocations
        if i.source == source and all(i.source_facts.get(k) == v for k, v in facts.items())
    ]


def _final(evidence: Evidence, source: str, **facts: Any) -> dict[str, Any] | None:
    """The summary a source left on its last invocation ("final")."""
    for invocation in reversed(_invocations(evidence, source, **facts)):
        final = invocation.source_facts.get("final")
        if isinstance(final, Mapping):
            return dict(final)
    return None


def _subset(data: Any, wanted: Any) -> bool:
    """`wanted` is contained in `data` (mappings by key, other values by equality)."""
    if isinstance(wanted, Mapping):
        return isinstance(data, Mapping) and all(
            k in data and _subset(data[k], v) for k, v in wanted.items()
        )
    return data == wanted


# --- SQS -------------------------------------------------------------------------------------


def _no_polling(evidence: Evidence, queue: str) -> Verdict:
    errors = [n.message for n in evidence.result.notes if n.level == NoteLevel.ERROR]
    why = next((e for e in errors if queue in e), "")
    return Verdict(False, why or f"Lambda never delivered a batch from {queue}.")


@check("sqs_mapping_accepted", "queue")
def sqs_mapping_accepted(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Lambda accepted the event source mapping and delivered at least one batch from the queue."""
    if _invocations(evidence, "sqs", queue=params["queue"]):
        return Verdict(True)
    return _no_polling(evidence, params["queue"])


def _messages(evidence: Evidence, params: dict[str, Any]) -> list[dict[str, Any]] | None:
    final = _final(evidence, "sqs", queue=params["queue"])
    if final is None:
        return None
    out = []
    for message_id, fact in (final.get("messages") or {}).items():
        try:
            body = json.loads(fact.get("body", ""))
        except ValueError:
            body = fact.get("body")
        if "where" in params and not _subset(body, params["where"]):
            continue
        if "where_not" in params and _subset(body, params["where_not"]):
            continue
        out.append({**fact, "id": message_id, "parsed": body})
    return out


def _label(message: dict[str, Any]) -> str:
    body = message["parsed"]
    if isinstance(body, Mapping):
        for key in ("orderId", "id", "name"):
            if key in body:
                return f"message {body[key]}"
    return f"message {message['id'][:8]}"


@check("sqs_messages", "queue", "fate")
def sqs_messages(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The selected messages (`where` / `where_not`: a subset of the JSON body) ended with that
    fate (deleted, dead_lettered, in_queue; or a list) and, with `max_received`, were delivered
    to the function at most that many times."""
    messages = _messages(evidence, params)
    if messages is None:
        return _no_polling(evidence, params["queue"])
    if not messages:
        return Verdict(False, f"No message of {params['queue']} matches what this check looks at.")
    fates = [str(f) for f in as_list(params["fate"])]
    wrong = [m for m in messages if m["fate"] not in fates]
    if wrong:
        first = wrong[0]
        more = f" (and {plural(len(wrong) - 1, 'other')})" if len(wrong) > 1 else ""
        return Verdict(
            False,
            f"{_label(first).capitalize()} was {FATE_WORDS.get(first['fate'], first['fate'])}"
            f"{more}; expected {words([FATE_WORDS.get(f, f) for f in fates], 'or')}.",
        )
    limit = params.get("max_received")
    if limit is not None:
        often = [m for m in messages if m["received"] > int(limit)]
        if often:
            first = often[0]
            return Verdict(
                False,
                f"{_label(first).capitalize()} reached the function "
                f"{plural(first['received'], 'time')}"
                + (
                    f" ({plural(len(often), 'message')} more than {limit})"
                    if len(often) > 1
                    else ""
                )
                + ".",
            )
    return Verdict(True)


@check("sqs_partial_batch", "queue")
def sqs_partial_batch(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Lambda used a partial batch response: a batch where only the reported messages went back."""
    batches = _invocations(evidence, "sqs", queue=params["queue"])
    if not batches:
        return _no_polling(evidence, params["queue"])
    if any(b.source_facts.get("outcome") == "partial" for b in batches):
        return Verdict(True)
    enabled = any(b.source_facts.get("function_response_types") for b in batches)
    if not enabled:
        return Verdict(
            False,
            "The mapping does not have ReportBatchItemFailures, so Lambda ignores any "
            "batchItemFailures the function returns.",
        )
    failed = [b for b in batches if b.source_facts.get("outcome") == "failed"]
    if failed:
        return Verdict(
            False,
            f"{plural(len(failed), 'batch', 'batches')} went back whole: "
            f"{failed[0].source_facts.get('reason', 'the invocation failed')}.",
        )
    return Verdict(False, "No batch reported a failed message.")


@check("sqs_no_visibility_expiry", "queue")
def sqs_no_visibility_expiry(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """No message's visibility timeout ran out while Lambda still held it (no duplicate delivery
    caused by a visibility timeout shorter than batching window plus processing)."""
    final = _final(evidence, "sqs", queue=params["queue"])
    if final is None:
        return _no_polling(evidence, params["queue"])
    expired = [m for m in (final.get("messages") or {}).values() if m.get("visibility_expired")]
    if not expired:
        return Verdict(True)
    mapping = final.get("mapping") or {}
    return Verdict(
        False,
        f"{plural(len(expired), 'message')} became visible again while the function still had "
        f"them (visibility timeout {mapping.get('visibility_timeout')} s, batching window "
        f"{mapping.get('batching_window')} s), so they were delivered again.",
    )


@check("invocations_at_most", "function", "max")
def invocations_at_most(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The function was invoked at most `max` times (optionally by one `source`)."""
    runs = [
        i
        for i in evidence.result.invocations
        if i.function == params["function"] and params.get("source") in (None, i.source)
    ]
    if not runs:
        return Verdict(False, f"{params['function']} was never invoked.")
    ok = len(runs) <= int(params["max"])
    return Verdict(
        ok,
        ""
        if ok
        else f"{params['function']} was invoked {plural(len(runs), 'time')} "
        f"(at most {params['max']} expected).",
    )


# --- replayed events and the tables they left ----------------------------------------------


@check("replay_all_ok", "function")
def replay_all_ok(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every replayed copy of every event ended without an error (a duplicate is not a failure
    the sender should see)."""
    runs = _invocations(evidence, "replay")
    runs = [i for i in runs if i.function == params["function"]]
    if not runs:
        return Verdict(False, f"No event was replayed to {params['function']}.")
    bad = [i for i in runs if not i.ok]
    if not bad:
        return Verdict(True)
    first = bad[0]
    what = f"{first.error_type}: {first.error_message}".strip(": ") or str(first.status)
    return Verdict(
        False,
        f"{plural(len(bad), 'delivery', 'deliveries')} of {len(runs)} failed; copy "
        f"{first.source_facts.get('copy')} of event "
        f"{first.source_facts.get('event_id')} ended with {what}.",
    )


@check("observed_items", "source", "table")
def observed_items(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The table as the source read it at the end: the items matching `where` (a subset) number
    `count` (when given) and each holds `values` (when given)."""
    final = _final(evidence, params["source"])
    tables = (final or {}).get("tables") or {}
    if params["table"] not in tables:
        return Verdict(False, f"The run did not get as far as reading the table {params['table']}.")
    items = [i for i in tables[params["table"]] if _subset(i, params.get("where") or {})]
    label = (
        " with " + ", ".join(f"{k} {v}" for k, v in params["where"].items())
        if params.get("where")
        else ""
    )
    if "count" in params and len(items) != int(params["count"]):
        return Verdict(
            False,
            f"{params['table']} holds {plural(len(items), 'item')}{label}; "
            f"expected {params['count']}.",
        )
    wanted = params.get("values") or {}
    for item in items:
        for key, value in wanted.items():
            if item.get(key) != value:
                have = item.get(key, "nothing")
                return Verdict(
                    False,
                    f"In {params['table']}, the item{label} has {key} {have}; expected {value}.",
                )
    if not items:
        return Verdict(False, f"{params['table']} holds no item{label}.")
    return Verdict(True)


# --- Secrets Manager rotation ------------------------------------------------------------------

ROTATION_FACTS = {
    "status": "ended",
    "failed_step": "stopped at",
    "current_is_new": "AWSCURRENT on the new version",
    "previous_is_old": "AWSPREVIOUS on the version that was current before",
    "pending_cleared": "AWSPENDING removed or on the current version",
    "new_value_differs": "a new password in the new version",
    "login_current": "the application logging in with AWSCURRENT",
}


def _rotations(evidence: Evidence, secret: str) -> list[dict[str, Any]] | None:
    final = _final(evidence, "rotation", secret=secret)
    return None if final is None else list(final.get("rotations") or [])


@check("rotation_outcome", "secret", "rotations", "expect")
def rotation_outcome(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Each listed rotation (1, 2, ...) ended with the expected facts: status, failed_step,
    current_is_new, previous_is_old, pending_cleared, new_value_differs, login_current."""
    runs = _rotations(evidence, params["secret"])
    if runs is None:
        return Verdict(False, f"No rotation of {params['secret']} ran.")
    expect = params["expect"] if isinstance(params["expect"], Mapping) else {}
    for number in as_list(params["rotations"]):
        if not isinstance(number, int) or number < 1 or number > len(runs):
            return Verdict(False, f"Rotation {number} of {params['secret']} never ran.")
        run = runs[number - 1]
        if run.get("status") == "refused" and expect.get("status") != "refused":
            return Verdict(False, f"Rotation {number}: {run.get('error', 'refused')}")
        for key, wanted in expect.items():
            have = run.get(key)
            if have == wanted:
                continue
            if key == "status" and run.get("failed_step"):
                return Verdict(
                    False,
                    f"Rotation {number} stopped at {run['failed_step']} (the function failed).",
                )
            if key in ("status", "failed_step"):
                return Verdict(
                    False,
                    f"Rotation {number} {ROTATION_FACTS[key]} {have or 'nothing'}; "
                    f"expected {wanted}.",
                )
            fact = ROTATION_FACTS.get(key, key)
            state = "no" if wanted else "still"
            return Verdict(False, f"After rotation {number} there was {state} {fact}.")
    return Verdict(True)


@check("rotation_app_login", "secret")
def rotation_app_login(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """After every rotation ran, the application still logs in with the AWSCURRENT secret."""
    final = _final(evidence, "rotation", secret=params["secret"])
    if final is None:
        return Verdict(False, f"No rotation of {params['secret']} ran.")
    if final.get("login_after"):
        return Verdict(True)
    return Verdict(
        False,
        "The application can no longer log in with the AWSCURRENT secret: the database "
        "has a different password.",
    )
