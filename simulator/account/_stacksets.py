"""StackSet operations as AWS runs them: one stack per account × Region, each with its own outcome.

moto creates every stack instance of a CreateStackInstances request in one go and refuses the
whole request when one of them fails (a fixed S3 bucket name collides in the second instance).
AWS accepts the request, returns an operation id and runs the operation instance by instance:
Region after Region (RegionOrder first), a few accounts at a time (MaxConcurrentCount), and
stops a Region once more accounts failed there than FailureToleranceCount allows; the Regions
after it are not attempted. Failed instances are OUTDATED / FAILED with a status reason, the
ones never attempted OUTDATED / CANCELLED. This module runs that operation in front of moto
(moto still creates each successful stack) and answers the reads that show per-instance
outcomes: ListStackInstances, DescribeStackInstance, DescribeStackSetOperation,
ListStackSetOperationResults. Sources: the AWS CloudFormation API reference
(CreateStackInstances, StackSetOperationPreferences, StackInstanceComprehensiveStatus,
StackSetOperationResultSummary).
"""

from __future__ import annotations

import contextlib
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from simulator.account import _protocol as proto
from simulator.account._types import StackInstanceDetailedStatus, StackInstanceStatus

if TYPE_CHECKING:
    from simulator.account._server import AccountServer

Response = tuple[int, list[tuple[str, str]], bytes]

# Operations answered here (the others go to moto unchanged).
HANDLED = frozenset(
    {
        "CreateStackInstances",
        "ListStackInstances",
        "DescribeStackInstance",
        "DescribeStackSetOperation",
        "ListStackSetOperationResults",
        "DeleteStackInstances",
    }
)
Detailed = StackInstanceDetailedStatus
CANCELLED_REASON = "Cancelled since failure tolerance has exceeded"


@dataclass
class InstanceOutcome:
    """What the last operation did in one account and Region."""

    account: str
    region: str
    status: StackInstanceStatus  # CURRENT or OUTDATED here
    detailed_status: StackInstanceDetailedStatus  # SUCCEEDED, FAILED or CANCELLED here
    reason: str | None
    operation_id: str


@dataclass
class Operation:
    operation_id: str
    action: str
    status: str  # SUCCEEDED | FAILED
    created: datetime
    ended: datetime
    results: list[InstanceOutcome] = field(default_factory=list)
    preferences: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_count(self) -> int:
        return sum(1 for r in self.results if r.detailed_status == Detailed.FAILED)


@dataclass
class StackSetRecord:
    """Our side of one stack set: outcomes per (account, Region) and the operations we ran."""

    instances: dict[tuple[str, str], InstanceOutcome] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- request parameters (query protocol, flattened) ---------------------------------------------
def _members(params: dict[str, Any], prefix: str) -> list[str]:
    """Values of a flattened query list (`Accounts.member.1`, `Accounts.member.2`, ...)."""
    found: list[tuple[int, str]] = []
    pattern = re.compile(re.escape(prefix) + r"\.member\.(\d+)$")
    for key, value in params.items():
        match = pattern.match(key)
        if match:
            found.append((int(match.group(1)), str(value)))
    return [v for _, v in sorted(found)]


def _overrides(params: dict[str, Any]) -> list[dict[str, str]]:
    by_index: dict[int, dict[str, str]] = {}
    pattern = re.compile(r"ParameterOverrides\.member\.(\d+)\.(\w+)$")
    for key, value in params.items():
        match = pattern.match(key)
        if match:
            by_index.setdefault(int(match.group(1)), {})[match.group(2)] = str(value)
    return [by_index[i] for i in sorted(by_index) if "ParameterKey" in by_index[i]]


def _int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(f"OperationPreferences.{name}")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Refused("ValidationError", f"{name} must be a whole number, not {value!r}") from None


@dataclass
class Preferences:
    region_order: list[str]
    tolerance_count: int | None
    tolerance_percentage: int | None
    max_count: int | None
    max_percentage: int | None
    parallel_regions: bool
    soft: bool

    def tolerance(self, accounts: int) -> int:
        if self.tolerance_percentage is not None:
            # "rounds down to the next whole number" (StackSetOperationPreferences)
            return math.floor(accounts * self.tolerance_percentage / 100)
        return self.tolerance_count or 0

    def concurrency(self, accounts: int, tolerance: int) -> int:
        if self.max_percentage is not None:
            # rounded down, but at least one account at a time
            wanted = max(1, math.floor(accounts * self.max_percentage / 100))
        else:
            wanted = self.max_count or 1
        # STRICT_FAILURE_TOLERANCE (the default) starts at the lower of MaxConcurrentCount and
        # FailureToleranceCount + 1.
        return wanted if self.soft else max(1, min(wanted, tolerance + 1))


def _preferences(params: dict[str, Any]) -> Preferences:
    tolerance_count = _int(params, "FailureToleranceCount")
    tolerance_percentage = _int(params, "FailureTolerancePercentage")
    max_count = _int(params, "MaxConcurrentCount")
    max_percentage = _int(params, "MaxConcurrentPercentage")
    if tolerance_count is not None and tolerance_percentage is not None:
        raise Refused(
            "ValidationError",
            "You must specify either FailureToleranceCount or FailureTolerancePercentage, "
            "but not both",
        )
    if max_count is not None and max_percentage is not None:
        raise Refused(
            "ValidationError",
            "You must specify either MaxConcurrentCount or MaxConcurrentPercentage, but not both",
        )
    for name, value, low, high in (
        ("FailureToleranceCount", tolerance_count, 0, None),
        ("FailureTolerancePercentage", tolerance_percentage, 0, 100),
        ("MaxConcurrentCount", max_count, 1, None),
        ("MaxConcurrentPercentage", max_percentage, 1, 100),
    ):
        if value is not None and (value < low or (high is not None and value > high)):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise Refused("ValidationError", f"{name} must be {bound}, not {value}")
    return Preferences(
        region_order=_members(params, "OperationPreferences.RegionOrder"),
        tolerance_count=tolerance_count,
        tolerance_percentage=tolerance_percentage,
        max_count=max_count,
        max_percentage=max_percentage,
        parallel_regions=params.get("OperationPreferences.RegionConcurrencyType") == "PARALLEL",
        soft=params.get("OperationPreferences.ConcurrencyMode") == "SOFT_FAILURE_TOLERANCE",
    )


# -- entry point ----------------------------------------------------------------------------------
def handle(
    server: AccountServer, operation: str, params: dict[str, Any], account: str, region: str
) -> Response | None:
    """Our answer to a StackSet request, or None to let moto answer it."""
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[account][region]
    name = str(params.get("StackSetName", ""))
    try:
        stack_set = backend.describe_stack_set(name)
    except Exception:
        return None  # moto answers StackSetNotFoundException in AWS's words
    if stack_set.permission_model != "SELF_MANAGED":
        return None  # service-managed sets (Organizations targets) stay moto's
    record = server.stack_sets.setdefault((account, region, stack_set.id), StackSetRecord())
    try:
        if operation == "CreateStackInstances":
            return _create_instances(stack_set, record, params)
        if operation == "ListStackInstances":
            return _list_instances(stack_set, record, params)
        if operation == "DescribeStackInstance":
            return _describe_instance(stack_set, record, params)
        if operation == "DeleteStackInstances":
            # moto deletes the stacks it created; the failed instances are ours to forget.
            accounts = set(_members(params, "Accounts"))
            regions = set(_members(params, "Regions"))
            for pair in list(record.instances):
                if pair[0] in accounts and pair[1] in regions:
                    del record.instances[pair]
            return None
        found = record.operations.get(str(params.get("OperationId", "")))
        if found is None:
            return None  # an operation moto ran (update, delete): moto describes it
        if operation == "DescribeStackSetOperation":
            return _describe_operation(stack_set, found)
        if operation == "ListStackSetOperationResults":
            return _operation_results(found)
    except Refused as exc:
        return proto.error_response("cloudformation", 400, exc.code, exc.message)
    return None


def _serialize(operation: str, result: dict[str, Any]) -> Response:
    from moto.core.serialize import QuerySerializer
    from moto.core.utils import get_service_model

    model = get_service_model("cloudformation").operation_model(operation)
    out = QuerySerializer(model).serialize(result)
    body = out["body"].encode() if isinstance(out["body"], str) else bytes(out["body"])
    headers = [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    return 200, headers, body


# -- CreateStackInstances -------------------------------------------------------------------------
def _create_instances(stack_set: Any, record: StackSetRecord, params: dict[str, Any]) -> Response:
    if any(k.startswith("DeploymentTargets.OrganizationalUnitIds") for k in params):
        raise Refused(
            "ValidationError",
            "StackSets with SELF_MANAGED permission model can only have accounts as target",
        )
    accounts = _members(params, "Accounts") or _members(params, "DeploymentTargets.Accounts")
    regions = _members(params, "Regions")
    if not accounts or not regions:
        raise Refused("ValidationError", "Accounts and Regions are required")
    bad = [a for a in accounts if not re.fullmatch(r"\d{12}", a)]
    if bad:
        raise Refused("ValidationError", f"Account {bad[0]} is not a 12-digit AWS account id")
    prefs = _preferences(params)
    unknown = [r for r in prefs.region_order if r not in regions]
    if unknown:
        raise Refused("ValidationError", f"RegionOrder names {unknown[0]}, which is not in Regions")
    order = prefs.region_order + [r for r in dict.fromkeys(regions) if r not in prefs.region_order]
    accounts = list(dict.fromkeys(accounts))
    overrides = _overrides(params) or None
    operation = Operation(
        operation_id=str(params.get("OperationId") or _uuid()),
        action="CREATE",
        status="RUNNING",
        created=datetime.now(UTC),
        ended=datetime.now(UTC),
    )
    tolerance = prefs.tolerance(len(accounts))
    stopped = False
    for region in order:
        failures = 0
        pending = list(accounts)
        region_stopped = stopped and not prefs.parallel_regions
        while pending:
            if region_stopped:
                for account in pending:
                    _record(
                        record, operation, account, region, Detailed.CANCELLED, CANCELLED_REASON
                    )
                break
            # STRICT mode lowers the concurrency so failures never pass tolerance + 1.
            size = prefs.concurrency(len(accounts), tolerance)
            if not prefs.soft:
                size = max(1, min(size, tolerance + 1 - failures))
            batch, pending = pending[:size], pending[size:]
            for account in batch:
                reason = _deploy_one(stack_set, account, region, overrides)
                if reason is None:
                    _record(record, operation, account, region, Detailed.SUCCEEDED, None)
                else:
                    failures += 1
                    _record(record, operation, account, region, Detailed.FAILED, reason)
            if failures > tolerance:
                region_stopped = True
                stopped = True
    operation.status = "FAILED" if stopped else "SUCCEEDED"
    operation.ended = datetime.now(UTC)
    operation.preferences = {
        k.split(".", 1)[1]: v for k, v in params.items() if k.startswith("OperationPreferences.")
    }
    record.operations[operation.operation_id] = operation
    # moto's own list of operations (ListStackSetOperations) shows ours too.
    stack_set.operations.append(
        {
            "OperationId": operation.operation_id,
            "Action": "CREATE",
            "Status": operation.status,
            "CreationTimestamp": operation.created,
            "EndTimestamp": operation.ended,
            "Instances": [{r.account: r.region} for r in operation.results],
        }
    )
    return _serialize("CreateStackInstances", {"OperationId": operation.operation_id})


def _uuid() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _record(
    record: StackSetRecord,
    operation: Operation,
    account: str,
    region: str,
    detailed: StackInstanceDetailedStatus,
    reason: str | None,
) -> None:
    outcome = InstanceOutcome(
        account=account,
        region=region,
        status=(
            StackInstanceStatus.CURRENT
            if detailed == Detailed.SUCCEEDED
            else StackInstanceStatus.OUTDATED
        ),
        detailed_status=detailed,
        reason=reason,
        operation_id=operation.operation_id,
    )
    operation.results.append(outcome)
    previous = record.instances.get((account, region))
    if (
        detailed == Detailed.CANCELLED
        and previous is not None
        and previous.detailed_status == Detailed.SUCCEEDED
    ):
        return  # an instance that exists is not undone by a later cancelled attempt
    record.instances[(account, region)] = outcome


def _deploy_one(
    stack_set: Any, account: str, region: str, overrides: list[dict[str, str]] | None
) -> str | None:
    """Create the stack of one instance through moto; None when it worked, else the reason."""
    from moto.cloudformation.models import cloudformation_backends

    instances = stack_set.instances
    if instances.get_instance(account, region) is not None:
        return None  # AWS: an instance that exists already is left as it is
    parameters = overrides
    if parameters is None:
        defaults = stack_set.parameters or {}
        parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in defaults.items()]
    target = cloudformation_backends[account][region]
    stack_name = f"StackSet:{stack_set.name}"
    try:
        instances.create_instances(
            [account], [region], parameters, {}, permission_model=stack_set.permission_model
        )
        return None
    except Exception as exc:
        partial = next((s for s in target.stacks.values() if s.name == stack_name), None)
        reason = _reason(exc, partial)
        if partial is not None:
            # CloudFormation rolls a failed stack back: nothing it created stays behind.
            with contextlib.suppress(Exception):
                target.delete_stack(partial.stack_id)
            target.stacks.pop(partial.stack_id, None)
        return reason


def _reason(exc: Exception, stack: Any) -> str:
    """A StatusReason in CloudFormation's shape: which resource failed and why."""
    from moto.core.exceptions import ServiceException, _RESTError

    if isinstance(exc, ServiceException | _RESTError):
        code = str(getattr(exc, "code", "") or getattr(exc, "error_type", "") or "Error")
        message = str(getattr(exc, "message", "") or getattr(exc, "description", "") or exc)
    else:
        # moto itself broke (a resource it cannot create this way): say so, never a traceback.
        code = "InternalFailure"
        message = (
            "the simulated account cannot create this resource in a StackSet (a limit of the "
            "simulation, not of your template)"
        )
    logical, kind, name = _failed_resource(stack)
    # CloudFormation names the resource and the name that is taken; other errors keep moto's
    # message and the service's error code.
    why = f"{name} already exists" if code in _ALREADY_EXISTS and name else f"{message} ({code})"
    if logical:
        return f"ResourceLogicalId:{logical}, ResourceType:{kind}, ResourceStatusReason:{why}."
    return f"{why}."


_ALREADY_EXISTS = frozenset(
    {
        "BucketAlreadyExists",
        "BucketAlreadyOwnedByYou",
        "EntityAlreadyExists",
        "AlreadyExistsException",
        "ParameterAlreadyExists",
    }
)
_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::SSM::Parameter": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::DynamoDB::Table": "TableName",
}


def _failed_resource(stack: Any) -> tuple[str, str, str]:
    """(logical id, type, name) of the first resource the failed stack did not create."""
    if stack is None:
        return "", "", ""
    resource_map = getattr(stack, "resource_map", None)
    declared = getattr(resource_map, "_resource_json_map", None) or {}
    created = getattr(resource_map, "_parsed_resources", {}) or {}
    for logical, resource in declared.items():
        if logical in created or not isinstance(resource, dict):
            continue
        kind = str(resource.get("Type", ""))
        name = ""
        prop = _NAME_PROPERTY.get(kind)
        if prop:
            with contextlib.suppress(Exception):
                from moto.cloudformation.parsing import clean_json

                value = (resource.get("Properties") or {}).get(prop)
                if value is not None and resource_map is not None:
                    name = str(clean_json(value, resource_map))
        return logical, kind, name
    return "", "", ""


# -- reads --------------------------------------------------------------------------------------
def _summaries(stack_set: Any, record: StackSetRecord) -> list[dict[str, Any]]:
    """Every stack instance of the set: moto's (deployed) ones and our failed or cancelled ones."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for instance in stack_set.instances.stack_instances:
        pair = (instance.account_id, instance.region_name)
        seen.add(pair)
        entry = instance.to_dict()
        entry.pop("ParameterOverrides", None)
        entry["DriftStatus"] = "NOT_CHECKED"
        mine = record.instances.get(pair)
        if mine is not None and mine.detailed_status == Detailed.SUCCEEDED:
            entry["LastOperationId"] = mine.operation_id
        out.append(entry)
    for pair, mine in record.instances.items():
        if pair in seen or mine.detailed_status == Detailed.SUCCEEDED:
            continue
        entry = {
            "StackSetId": stack_set.id,
            "Account": mine.account,
            "Region": mine.region,
            "Status": mine.status,
            "StatusReason": mine.reason,
            "StackInstanceStatus": {"DetailedStatus": mine.detailed_status},
            "DriftStatus": "NOT_CHECKED",
            "LastOperationId": mine.operation_id,
        }
        out.append(entry)
    return out


def _list_instances(stack_set: Any, record: StackSetRecord, params: dict[str, Any]) -> Response:
    wanted_account = params.get("StackInstanceAccount")
    wanted_region = params.get("StackInstanceRegion")
    filters: dict[str, str] = {}
    for key, value in params.items():
        match = re.match(r"Filters\.member\.(\d+)\.Name$", key)
        if match:
            filters[str(value)] = str(params.get(f"Filters.member.{match.group(1)}.Values", ""))
    found = [
        s
        for s in _summaries(stack_set, record)
        if (not wanted_account or s["Account"] == wanted_account)
        and (not wanted_region or s["Region"] == wanted_region)
        and (
            "DETAILED_STATUS" not in filters
            or s["StackInstanceStatus"]["DetailedStatus"] == filters["DETAILED_STATUS"]
        )
        and (
            "LAST_OPERATION_ID" not in filters
            or s.get("LastOperationId") == filters["LAST_OPERATION_ID"]
        )
    ]
    return _serialize("ListStackInstances", {"Summaries": found})


def _describe_instance(stack_set: Any, record: StackSetRecord, params: dict[str, Any]) -> Response:
    pair = (str(params.get("StackInstanceAccount", "")), str(params.get("StackInstanceRegion", "")))
    for summary in _summaries(stack_set, record):
        if (summary["Account"], summary["Region"]) == pair:
            instance = dict(summary)
            instance.pop("LastOperationId", None)
            instance.pop("DriftStatus", None)
            return _serialize("DescribeStackInstance", {"StackInstance": instance})
    raise Refused(
        "StackInstanceNotFoundException",
        f"Stack instance for account {pair[0]} and Region {pair[1]} of StackSet "
        f"{stack_set.name} not found",
    )


def _describe_operation(stack_set: Any, operation: Operation) -> Response:
    result: dict[str, Any] = {
        "OperationId": operation.operation_id,
        "StackSetId": stack_set.id,
        "Action": operation.action,
        "Status": operation.status,
        "AdministrationRoleARN": stack_set.administration_role_arn,
        "ExecutionRoleName": stack_set.execution_role_name,
        "CreationTimestamp": operation.created,
        "EndTimestamp": operation.ended,
        "StatusDetails": {"FailedStackInstancesCount": operation.failed_count},
    }
    prefs: dict[str, Any] = {}
    for key, value in operation.preferences.items():
        if key.startswith("RegionOrder."):
            prefs.setdefault("RegionOrder", []).append(value)
        elif key in ("RegionConcurrencyType", "ConcurrencyMode"):
            prefs[key] = value
        else:
            with contextlib.suppress(ValueError):
                prefs[key] = int(value)
    if prefs:
        result["OperationPreferences"] = prefs
    if operation.status == "FAILED":
        result["StatusReason"] = (
            f"The operation failed in {operation.failed_count} stack "
            f"instance{'s' if operation.failed_count != 1 else ''}, more than its failure "
            "tolerance allows"
        )
    return _serialize("DescribeStackSetOperation", {"StackSetOperation": result})


def _operation_results(operation: Operation) -> Response:
    summaries = []
    for outcome in operation.results:
        entry: dict[str, Any] = {
            "Account": outcome.account,
            "Region": outcome.region,
            "Status": outcome.detailed_status,
        }
        if outcome.reason:
            entry["StatusReason"] = outcome.reason
        if outcome.detailed_status != Detailed.CANCELLED:
            # Self-managed sets without an account gate Lambda function skip the gate check.
            entry["AccountGateResult"] = {
                "Status": "SKIPPED",
                "StatusReason": "Function not found: arn:aws:lambda:"
                f"{outcome.region}:{outcome.account}:function:AWSCloudFormationStackSetAccountGate",
            }
        summaries.append(entry)
    return _serialize("ListStackSetOperationResults", {"Summaries": summaries})
