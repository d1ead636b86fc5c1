"""Checks on what the simulated accounts hold and what reached them: Parameter Store labels
(replayed from the typed call log) and StackSet instances (from the account snapshot)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from labs.checks import Evidence, Verdict, as_dict, check, plural, words
from simulator import StackInstanceDetailedStatus as Detailed
from simulator import StackInstanceStatus


def _selector(ref: str) -> tuple[str, str]:
    """(parameter name, version or label) of a GetParameter selector (name, ARN, `:qualifier`)."""
    if ref.startswith("arn:"):
        ref = "/" + ref.split(":parameter/", 1)[-1]
    name, _, qualifier = ref.partition(":")
    return name, qualifier


def _names_read(call: Any) -> list[str]:
    # `call` is a simulator ApiCall (not part of the public API, so typed loosely here).
    if call.operation == "GetParameter":
        return [str(call.params.get("Name", ""))]
    if call.operation == "GetParameters":
        names = call.params.get("Names") or []
        return [str(n) for n in names] if isinstance(names, list) else []
    return []


def _replay(evidence: Evidence, parameter: str) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Where each label of `parameter` is after the run, and (label, version) of every
    successful read through a label, in call order.

    Replays the host's call log: labels start where the before-snapshot has them; each
    successful LabelParameterVersion moves them (to the newest version when no version is
    named, as AWS does), each PutParameter adds a version. The log is the host's record, so
    this is a fact (and it does not depend on the after-snapshot being refreshed).
    """
    result = evidence.result
    before = result.before.parameter(parameter) if result.before else None
    newest = before.version if before else 0
    where: dict[str, int] = {}
    for past in before.history if before else ():
        for name in past.labels:
            where[name] = past.version
    reads: list[tuple[str, int]] = []
    for call in sorted(result.api_calls, key=lambda c: c.seq):
        # The world's own seeding (origin host:seed) is already in the before-snapshot.
        if call.service != "ssm" or not call.ok or call.origin.startswith("host:seed"):
            continue
        named = _selector(str(call.params.get("Name", "")))[0] == parameter
        if call.operation == "PutParameter" and named:
            newest += 1
        elif call.operation == "LabelParameterVersion" and named:
            version = int(call.params.get("ParameterVersion") or newest)
            for name in call.params.get("Labels") or []:
                where[str(name)] = version
        elif call.operation == "UnlabelParameterVersion" and named:
            for name in call.params.get("Labels") or []:
                where.pop(str(name), None)
        else:
            for ref in _names_read(call):
                name, qualifier = _selector(ref)
                if name == parameter and qualifier in where:
                    reads.append((qualifier, where[qualifier]))
    return where, reads


def _label_reads(evidence: Evidence, parameter: str, label: str) -> list[int]:
    """The versions that successful reads of `parameter:label` returned, in call order."""
    return [version for name, version in _replay(evidence, parameter)[1] if name == label]


@check("parameter_label", "parameter", "label", "version")
def parameter_label(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """After the run, the label is on the given version of the parameter (replayed from the
    account's call log, starting from the before-snapshot)."""
    before = evidence.result.before
    if before is None or before.parameter(params["parameter"]) is None:
        return Verdict(False, f"The parameter {params['parameter']} does not exist.")
    where, _reads = _replay(evidence, params["parameter"])
    on = where.get(str(params["label"]))
    if on == int(params["version"]):
        return Verdict(True)
    if on is None:
        return Verdict(False, f"No version of {params['parameter']} carries {params['label']}.")
    return Verdict(False, f"{params['label']} is on version {on}, not {params['version']}.")


@check("parameter_versions", "parameter", "max")
def parameter_versions(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The parameter has at most `max` versions after the run (labels moved, no value written)."""
    after = evidence.result.after
    found = after.parameter(params["parameter"]) if after else None
    if found is None:
        return Verdict(False, f"The parameter {params['parameter']} does not exist after the run.")
    limit = int(params["max"])
    if found.version <= limit:
        return Verdict(True)
    return Verdict(
        False,
        f"{params['parameter']} now has {plural(found.version, 'version')}: the run wrote new "
        f"values instead of moving a label.",
    )


@check("parameter_read_by_label", "parameter", "label")
def parameter_read_by_label(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """At least `times` (default 1) successful reads named the parameter with the label."""
    reads = _label_reads(evidence, params["parameter"], params["label"])
    wanted = int(params.get("times", 1))
    if len(reads) >= wanted:
        return Verdict(True)
    other = sorted(
        {
            _selector(ref)[1] or "no qualifier"
            for call in evidence.result.api_calls
            if call.service == "ssm" and call.ok
            for ref in _names_read(call)
            if _selector(ref)[0] == params["parameter"]
        }
    )
    how = f" Reads used {words(other)}." if other else ""
    return Verdict(
        False,
        f"{plural(len(reads), 'read')} of {params['parameter']} went through the label "
        f"{params['label']} (wanted {wanted}).{how}",
    )


@check("artifact_value_by_label", "path", "key", "parameter", "label", "version")
def artifact_value_by_label(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A JSON artifact's key holds the value of `version`, and a read through the label returned
    that version (replayed from the call log): the value came through the label."""
    build = evidence.result.build
    if build is None:
        return Verdict(False, "No build ran, so there are no artifacts.", not_run=True)
    found = build.artifact(params["path"])
    if found is None:
        return Verdict(False, f"{params['path']} is not in the build artifact.")
    try:
        data = json.loads(found.text or "")
    except ValueError:
        return Verdict(False, f"{params['path']} is not valid JSON.")
    value = data.get(params["key"]) if isinstance(data, dict) else None
    before = evidence.result.before
    param = before.parameter(params["parameter"]) if before else None
    wanted_version = int(params["version"])
    history = param.history if param else ()
    expected = next((v.value for v in history if v.version == wanted_version), None)
    if value != expected:
        which = next((v.version for v in history if v.value == value), None)
        got = f"the value of version {which}" if which else "a value that is no version of it"
        return Verdict(
            False,
            f"{params['path']} holds {got} in {params['key']}, not version {wanted_version}.",
        )
    if wanted_version not in _label_reads(evidence, params["parameter"], params["label"]):
        return Verdict(
            False,
            f"{params['path']} holds the right value, but no read through {params['label']} "
            f"returned version {wanted_version}: the value did not come through the label.",
        )
    return Verdict(True)


# --- StackSets ------------------------------------------------------------------------------------


def _placements(params: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(a), str(r)) for a in params["accounts"] for r in params["regions"]]


def _instance_errors(evidence: Evidence, stack_set: str) -> list[str]:
    """Error codes of CreateStackInstances requests for the set that the account refused."""
    return [
        str(call.error_code)
        for call in evidence.result.api_calls
        if call.service == "cloudformation"
        and call.operation == "CreateStackInstances"
        and str(call.params.get("StackSetName", "")) == stack_set
        and not call.ok
    ]


def _where(pairs: Iterable[tuple[str, str]]) -> str:
    return words(f"{a}/{r}" for a, r in pairs)


# "ResourceLogicalId:L, ResourceType:T, ResourceStatusReason:M" (CloudFormation's StatusReason of
# a stack instance whose stack failed).
_STATUS_REASON = re.compile(
    r"ResourceLogicalId:(?P<logical>[^,]*), ResourceType:(?P<type>[^,]*), "
    r"ResourceStatusReason:(?P<message>.*)$",
    re.S,
)
_NAME_KIND = {
    "AWS::S3::Bucket": "the bucket name",
    "AWS::IAM::Role": "the IAM role name",
    "AWS::IAM::User": "the IAM user name",
    "AWS::IAM::ManagedPolicy": "the IAM policy name",
    "AWS::SSM::Parameter": "the parameter name",
}


def _explain(reason: str | None) -> str:
    """A stack instance's status reason in plain words ("the bucket name x already exists")."""
    if not reason:
        return "no reason given"
    match = _STATUS_REASON.match(reason.strip())
    if match is None:
        return reason.strip().rstrip(".")
    message = match["message"].strip().rstrip(".")
    taken = re.fullmatch(r"(\S+) already exists", message)
    if taken and match["type"] in _NAME_KIND:
        return f"{_NAME_KIND[match['type']]} {taken[1]} already exists"
    return f"{match['logical']} ({match['type']}): {message}"


def _short_where(pairs: list[tuple[str, str]]) -> str:
    shown = [f"{a}/{r}" for a, r in pairs[:3]]
    if len(pairs) > 3:
        shown.append(f"{len(pairs) - 3} more")
    return words(shown)


def _failures(instances: list[Any], total: int) -> list[str]:
    """Sentences about the failed and the cancelled instances, grouped by reason."""
    parts = []
    failed = [i for i in instances if i.detailed_status == Detailed.FAILED]
    if failed:
        by_reason: dict[str, list[tuple[str, str]]] = {}
        for i in failed:
            by_reason.setdefault(_explain(i.status_reason), []).append((i.account, i.region))
        reasons = sorted(by_reason.items(), key=lambda item: -len(item[1]))
        told = "; ".join(f"{why} ({_short_where(where)})" for why, where in reasons)
        parts.append(f"{len(failed)} of {plural(total, 'stack instance')} failed: {told}.")
    cancelled = [
        (i.account, i.region) for i in instances if i.detailed_status == Detailed.CANCELLED
    ]
    if cancelled:
        parts.append(
            f"{plural(len(cancelled), 'stack instance')} "
            f"{'was' if len(cancelled) == 1 else 'were'} cancelled ({_short_where(cancelled)}): "
            "the operation stopped when more instances failed than its failure tolerance allows."
        )
    other = [i for i in instances if i.detailed_status not in (Detailed.FAILED, Detailed.CANCELLED)]
    if other:
        first = other[0]
        parts.append(
            f"{plural(len(other), 'stack instance')} did not succeed: "
            f"{_short_where([(i.account, i.region) for i in other])}; "
            f"{first.account}/{first.region} is {first.status}/{first.detailed_status}."
        )
    return parts


@check("stack_instances_succeeded", "stack_set", "accounts", "regions")
def stack_instances_succeeded(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every account × Region of the set has a stack instance that is CURRENT and SUCCEEDED (the
    account's own list of stack instances after the run, with each instance's status)."""
    after = evidence.result.after
    mine = {
        (i.account, i.region): i
        for i in (after.stack_instances if after else ())
        if i.stack_set == params["stack_set"]
    }
    wanted = _placements(params)
    missing = [p for p in wanted if p not in mine]
    failed = [
        p
        for p in wanted
        if p in mine
        and (
            mine[p].status != StackInstanceStatus.CURRENT
            or mine[p].detailed_status != Detailed.SUCCEEDED
        )
    ]
    if not missing and not failed:
        return Verdict(True)
    parts = _failures([mine[p] for p in failed], len(wanted))
    if missing:
        parts.append(
            f"{plural(len(missing), 'stack instance')} of {len(wanted)} "
            f"{'does' if len(missing) == 1 else 'do'} not exist: {_where(missing[:3])}"
            f"{' and more' if len(missing) > 3 else ''}."
        )
        errors = _instance_errors(evidence, params["stack_set"])
        if errors:
            parts.append(
                f"The account refused {plural(len(errors), 'CreateStackInstances request')} "
                f"with {words(sorted(set(errors)))}."
            )
    return Verdict(False, " ".join(parts))


@check("stack_instances_at_least", "stack_set", "count")
def stack_instances_at_least(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The set has at least `count` stack instances that succeeded, anywhere."""
    after = evidence.result.after
    mine = [
        i for i in (after.stack_instances if after else ()) if i.stack_set == params["stack_set"]
    ]
    good = [i for i in mine if i.detailed_status == Detailed.SUCCEEDED]
    if len(good) >= int(params["count"]):
        return Verdict(True)
    errors = _instance_errors(evidence, params["stack_set"])
    why = f" The account answered {words(sorted(set(errors)))}." if errors else ""
    told = _failures([i for i in mine if i.detailed_status != Detailed.SUCCEEDED], len(mine))
    return Verdict(
        False,
        f"{params['stack_set']} has {plural(len(good), 'successful stack instance')} "
        f"(wanted at least {params['count']}).{why}{' ' + ' '.join(told) if told else ''}",
    )


@check("template_declares", "file", "resource_types", needs_run=False)
def template_declares(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The parsed template declares at least one resource of each type, unconditionally (a
    resource behind a Condition may never be created)."""
    data = evidence.documents.get(params["file"])
    if not isinstance(data, dict):
        return Verdict(False, f"{params['file']} could not be read as a template.")
    resources = as_dict(data.get("Resources"))
    declared = {
        str(r.get("Type"))
        for r in resources.values()
        if isinstance(r, dict) and "Condition" not in r
    }
    missing = [t for t in params["resource_types"] if t not in declared]
    if not missing:
        return Verdict(True)
    return Verdict(False, f"{params['file']} no longer creates {words(missing)}.")
