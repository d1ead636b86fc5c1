"""Checks on Lambda runs behind API Gateway: how invocations ended, which alias served a stage,
what each stage's requests wrote, and which items the tables hold afterwards. They read the typed
invocations, the account's call log and its snapshot (host side), never the function's logs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labs.checks import Evidence, Verdict, check

_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _stage_invocations(evidence: Evidence, stage: str) -> list[Any]:
    return [
        i
        for i in evidence.result.invocations
        if i.source == "apigateway" and i.source_facts.get("stage") == stage
    ]


def _tables_written(evidence: Evidence, invocation: Any) -> set[str]:
    calls = {c.seq: c for c in evidence.result.api_calls}
    names: set[str] = set()
    for seq in invocation.api_calls:
        call = calls.get(seq)
        if call is None or call.service != "dynamodb" or call.operation not in _WRITES:
            continue
        if not call.ok:
            continue
        params = call.params
        if "TableName" in params:
            names.add(str(params["TableName"]))
        for table in (params.get("RequestItems") or {}) if isinstance(params, Mapping) else {}:
            names.add(str(table))
        for item in params.get("TransactItems") or []:
            for body in item.values() if isinstance(item, Mapping) else ():
                if isinstance(body, Mapping) and "TableName" in body:
                    names.add(str(body["TableName"]))
    return names


@check("invocation_status", "function", "status")
def invocation_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every invocation of a function (optionally from one source) ended with this status."""
    function, status = str(params["function"]), str(params["status"])
    source = params.get("source")
    runs = [
        i
        for i in evidence.result.invocations
        if i.function == function and (source is None or i.source == source)
    ]
    if not runs:
        return Verdict(False, f"Function {function} was never invoked.")
    bad = [i for i in runs if i.status != status]
    if bad:
        first = bad[0]
        why = f" ({first.error_type}: {first.error_message})" if first.error_type else ""
        return Verdict(
            False,
            f"{len(bad)} of {len(runs)} invocations of {function} ended {first.status}, "
            f"not {status}{why}.",
        )
    return Verdict(True, f"All {len(runs)} invocations of {function} ended {status}.")


@check("stage_served_by", "stage", "alias")
def stage_served_by(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every request on an API stage invoked the function through this alias (or version)."""
    stage, alias = str(params["stage"]), str(params["alias"])
    runs = _stage_invocations(evidence, stage)
    if not runs:
        return Verdict(False, f"No request on stage {stage} reached a function.")
    other = sorted({f"{i.qualifier}" for i in runs if i.qualifier != alias})
    if other:
        return Verdict(
            False, f"Stage {stage} invoked the function as {', '.join(other)}, not {alias}."
        )
    unresolved = [i for i in runs if not i.version]
    if unresolved:
        return Verdict(False, f"Stage {stage} names alias {alias}, which does not exist.")
    versions = sorted({i.version for i in runs})
    return Verdict(True, f"Stage {stage} ran alias {alias} (version {', '.join(versions)}).")


@check("api_status", "stage", "status")
def api_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every request on an API stage that reached the function got this HTTP status."""
    stage, status = str(params["stage"]), int(params["status"])
    runs = _stage_invocations(evidence, stage)
    if not runs:
        return Verdict(False, f"No request on stage {stage} reached a function.")
    codes = [i.source_facts.get("status_code") for i in runs]
    bad = [c for c in codes if c != status]
    if bad:
        return Verdict(False, f"Stage {stage} answered {bad[0]} to {len(bad)} of {len(codes)}.")
    return Verdict(True, f"Stage {stage} answered {status} to all {len(codes)} requests.")


@check("stage_writes_only", "stage", "table")
def stage_writes_only(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Each request on a stage wrote to this DynamoDB table, and to no other table."""
    stage, table = str(params["stage"]), str(params["table"])
    runs = _stage_invocations(evidence, stage)
    if not runs:
        return Verdict(False, f"No request on stage {stage} reached a function.")
    for invocation in runs:
        written = _tables_written(evidence, invocation)
        if table not in written:
            return Verdict(
                False,
                f"A {stage} request wrote to {', '.join(sorted(written)) or 'no table'}, "
                f"not to {table}.",
            )
        if written - {table}:
            return Verdict(
                False,
                f"A {stage} request also wrote to {', '.join(sorted(written - {table}))}.",
            )
    return Verdict(True, f"Every {stage} request wrote to {table} only.")


@check("table_item", "table", "key")
def table_item(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """An item with this key is (or, with absent: true, is not) in the table after the run;
    `equals` optionally names attribute values it must have."""
    name, key = str(params["table"]), params["key"]
    if not isinstance(key, Mapping):
        return Verdict(False, "The check's key must be a mapping of key attributes to values.")
    after = evidence.result.after
    table = after.table(name) if after is not None else None
    if table is None:
        return Verdict(False, f"Table {name} does not exist after the run.")
    item = table.item(**{str(k): v for k, v in key.items()})
    shown = ", ".join(f"{k}={v}" for k, v in key.items())
    if params.get("absent"):
        if item is not None:
            return Verdict(False, f"Table {name} holds an item {shown} it should not hold.")
        return Verdict(True, f"Table {name} holds no item {shown}.")
    if item is None:
        return Verdict(False, f"Table {name} has no item {shown}.")
    for attribute, value in dict(params.get("equals") or {}).items():
        if item.get(attribute) != value:
            return Verdict(
                False,
                f"Item {shown} in {name} has {attribute}={item.get(attribute)!r}, not {value!r}.",
            )
    return Verdict(True, f"Table {name} holds item {shown}.")
