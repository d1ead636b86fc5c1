"""Checks on API authorization (requests the `authorizer` source recorded) and on SAM builds:
what a `sam local invoke` wrote to the account before the deploy, and what `sam deploy` made
CloudFormation create (the facts the `sam` scenario kind keeps in `after.extra["sam"]`)."""

from __future__ import annotations

from typing import Any

from labs.checks import Evidence, Verdict, check, plural, words

SAM_FACTS = "sam"


# --- SAM --------------------------------------------------------------------------------------


def _sam_stack(evidence: Evidence, stack: str) -> dict[str, Any] | None:
    after = evidence.result.after
    facts = (after.extra.get(SAM_FACTS) or {}) if after else {}
    found = facts.get(stack)
    return found if isinstance(found, dict) else None


def _first_execute(evidence: Evidence, stack: str) -> int | None:
    seqs = [
        c.seq
        for c in evidence.result.api_calls
        if c.service == "cloudformation"
        and c.operation == "ExecuteChangeSet"
        and c.ok
        and str(c.params.get("StackName", "")) == stack
    ]
    return min(seqs) if seqs else None


def _table_writes(evidence: Evidence, table: str) -> list[Any]:
    # Successful DynamoDB writes from the build (not from the world's seeding or the host).
    return [
        c
        for c in sorted(evidence.result.api_calls, key=lambda c: c.seq)
        if c.service == "dynamodb"
        and c.operation in ("PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems")
        and c.ok
        and c.origin.startswith("build:")
        and table in _tables_of(c)
    ]


def _tables_of(call: Any) -> set[str]:
    if call.operation in ("PutItem", "UpdateItem"):
        return {str(call.params.get("TableName", ""))}
    if call.operation == "BatchWriteItem":
        items = call.params.get("RequestItems") or {}
        return {str(k) for k in items} if isinstance(items, dict) else set()
    names = set()
    for item in call.params.get("TransactItems") or []:
        for op in item.values() if isinstance(item, dict) else ():
            if isinstance(op, dict):
                names.add(str(op.get("TableName", "")))
    return names


@check("local_test_wrote", "table", "stack")
def local_test_wrote(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A build command wrote to the test table (as a local invoke of the handler does), and
    did so before the stack's first change set was executed (when `before_deploy` is true)."""
    table, stack = str(params["table"]), str(params["stack"])
    writes = _table_writes(evidence, table)
    if not writes:
        tried = [
            c
            for c in evidence.result.api_calls
            if c.service == "dynamodb" and c.origin.startswith("build:") and not c.ok
        ]
        why = (
            f" {plural(len(tried), 'DynamoDB request')} from the build failed "
            f"({words(sorted({str(c.error_code) for c in tried}))})."
            if tried
            else ""
        )
        return Verdict(False, f"Nothing in the build wrote to the test table {table}.{why}")
    if params.get("before_deploy"):
        executed = _first_execute(evidence, stack)
        if executed is not None and writes[0].seq > executed:
            return Verdict(
                False,
                f"The test table {table} was written only after {stack} was deployed: the "
                "local test must pass before anything reaches the account's stack.",
            )
    return Verdict(True)


@check("sam_stack_deployed", "stack")
def sam_stack_deployed(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """`sam deploy` (a change set with a SAM-transformed template) created or updated the
    stack, and CloudFormation finished it."""
    stack = str(params["stack"])
    after = evidence.result.after
    found = [s for s in (after.stacks if after else ()) if s.name == stack]
    if _sam_stack(evidence, stack) is None:
        if found:
            return Verdict(False, f"{stack} exists, but no executed SAM change set deployed it.")
        return Verdict(False, f"No change set for {stack} was executed: nothing was deployed.")
    status = found[0].status if found else "missing"
    if not status.endswith("_COMPLETE") or "ROLLBACK" in status:
        return Verdict(False, f"{stack} ended {status}.")
    return Verdict(True)


def _function(evidence: Evidence, params: dict[str, Any]) -> tuple[dict | None, str]:
    stack, logical = str(params["stack"]), str(params["function"])
    facts = _sam_stack(evidence, stack)
    if facts is None:
        return None, f"{stack} was not deployed with sam deploy."
    function = (facts.get("functions") or {}).get(logical)
    if function is None:
        return None, f"The deployed template of {stack} has no function {logical}."
    return function, ""


@check("sam_deployment_preference", "stack", "function", "one_of")
def sam_deployment_preference(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The deployed function has an alias and a CodeDeploy deployment preference of one of the
    given types (e.g. Canary10Percent5Minutes)."""
    function, why = _function(evidence, params)
    if function is None:
        return Verdict(False, why)
    if not function.get("alias"):
        return Verdict(
            False,
            f"{params['function']} has no alias: without AutoPublishAlias there is nothing for "
            "CodeDeploy to shift traffic on.",
        )
    got = function.get("deployment_preference")
    wanted = [f"CodeDeployDefault.Lambda{t}" for t in params["one_of"]]
    if got is None:
        return Verdict(
            False,
            f"{params['function']} has no DeploymentPreference: the alias moves to the new "
            "version for all traffic at once.",
        )
    if got not in wanted:
        return Verdict(
            False, f"{params['function']} deploys with {got}, not {words(wanted, 'or')}."
        )
    return Verdict(True)


@check("sam_env_ref", "stack", "function", "variable", "resource")
def sam_env_ref(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """In the deployed template, the function's environment variable is a Ref to a resource of
    the same stack (so each stack gets its own, never a hard-coded name)."""
    function, why = _function(evidence, params)
    if function is None:
        return Verdict(False, why)
    refs = function.get("environment_refs") or {}
    got = refs.get(params["variable"])
    if got == params["resource"]:
        return Verdict(True)
    if got:
        return Verdict(False, f"{params['variable']} refers to {got}, not {params['resource']}.")
    return Verdict(
        False,
        f"{params['variable']} is not a !Ref to {params['resource']}: a fixed name makes every "
        "stack (and the local tests) share one table.",
    )


@check("deployed_env_is_resource", "stack", "function", "variable", "resource")
def deployed_env_is_resource(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The function CloudFormation created has the variable set to the physical name of the
    stack's resource (CloudFormation names it <stack>-<LogicalId>-<suffix>)."""
    stack, logical = str(params["stack"]), str(params["function"])
    after = evidence.result.after
    prefix = f"{stack}-{logical}-"
    functions = [f for f in (after.functions if after else ()) if f.name.startswith(prefix)]
    if not functions:
        return Verdict(False, f"No function of {stack} named {prefix}… exists after the run.")
    value = functions[0].environment.get(str(params["variable"]))
    if value is None:
        return Verdict(False, f"The deployed {logical} has no {params['variable']} variable.")
    if not value.startswith(f"{stack}-{params['resource']}-"):
        return Verdict(
            False,
            f"The deployed {logical} uses {params['variable']}={value}, which is not the "
            f"{params['resource']} of {stack}.",
        )
    return Verdict(True)


# --- API authorization ------------------------------------------------------------------------


def _requests(evidence: Evidence) -> list[dict[str, Any]]:
    """The requests the `authorizer` source recorded (its facts, kept in the after-snapshot's
    `extra["authorizer"]` by the function scenario kind)."""
    after = evidence.result.after
    facts = (after.extra.get("authorizer") or {}) if after else {}
    requests = facts.get("requests") if isinstance(facts, dict) else None
    if requests is None:  # else: the source's facts as its last invocation carried them
        for invocation in reversed(evidence.result.invocations):
            held = invocation.source_facts.get("authorizer")
            if isinstance(held, dict) and isinstance(held.get("requests"), list):
                requests = held["requests"]
                break
    return [r for r in requests or [] if isinstance(r, dict)]


@check("api_request", "caller", "path", "status")
def api_request(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A simulated request of one caller got the expected HTTP status (and, with `handler`,
    the backend that ran: a function name, or `none`)."""
    method = str(params.get("method", "")).upper()
    matching = [
        r
        for r in _requests(evidence)
        if r.get("caller") == params["caller"]
        and r.get("path") == params["path"]
        and (not method or r.get("method") == method)
    ]
    label = f"{params['caller']}'s {method + ' ' if method else ''}{params['path']}"
    if not matching:
        return Verdict(False, f"No request {label} was sent (did the API deploy?).", not_run=True)
    wanted = params["status"] if isinstance(params["status"], list) else [params["status"]]
    for record in matching:
        status = record.get("status")
        if status not in wanted:
            why = f" ({record['reason']})" if record.get("reason") else ""
            expected = words([str(w) for w in wanted], "or")
            return Verdict(False, f"{label} got {status}{why}, not {expected}.")
        handler = params.get("handler")
        ran = record.get("handler") or "none"
        if handler is not None and ran != handler:
            return Verdict(False, f"{label} ran {ran}, not {handler}.")
    return Verdict(True)
