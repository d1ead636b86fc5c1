"""stacksets-deploy grades the outcome of each stack instance, as the account reports it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from labs.grader import GradeResult, grade
from labs.spec import LabSpec, parse_lab

pytestmark = pytest.mark.sandbox

SLUG = "stacksets-deploy"


@cache
def _spec() -> LabSpec:
    return parse_lab(Path(settings.CONTENT_ROOT) / "labs" / SLUG)


@cache
def _starter() -> GradeResult:
    return grade(_spec(), _spec().files, approval="approved")


def _details(result: GradeResult) -> dict[str, str]:
    return {r["id"]: r["detail"] for r in result.results if not r["passed"]}


def test_starter_deploys_one_instance_and_five_fail_on_the_bucket_name():
    result = _starter()
    details = _details(result)
    assert set(details) == {"all-six", "build-ok"}
    assert details["all-six"].startswith(
        "5 of 6 stack instances failed: the bucket name payments-audit-logs already exists ("
    )
    instances = [i for i in result.result.after.stack_instances if i.stack_set == "audit-baseline"]
    by_status = sorted((i.detailed_status, i.account, i.region) for i in instances)
    assert by_status[-1] == ("SUCCEEDED", "222233334444", "eu-west-1")
    assert [s for s, _a, _r in by_status].count("FAILED") == 5
    failed = [i for i in instances if i.detailed_status == "FAILED"]
    assert {i.status for i in failed} == {"OUTDATED"}
    assert all("AuditLogBucket" in (i.status_reason or "") for i in failed)


def test_bucket_named_per_account_only_collides_across_regions_and_the_rest_is_cancelled():
    template = (
        _spec()
        .reference["template.yaml"]
        .replace("audit-logs-${AWS::AccountId}-${AWS::Region}", "audit-logs-${AWS::AccountId}")
    )
    result = grade(_spec(), {**_spec().reference, "template.yaml": template}, approval="approved")
    details = _details(result)
    # The reference stops at the first failure (FailureToleranceCount=0, one account at a time):
    # eu-west-1 succeeds in all three accounts, the first us-east-1 instance fails, and the two
    # instances after it are never attempted.
    assert set(details) == {"all-six", "build-ok"}
    assert details["all-six"] == (
        "1 of 6 stack instances failed: the bucket name audit-logs-222233334444 already exists "
        "(222233334444/us-east-1). 2 stack instances were cancelled (444455556666/us-east-1 and "
        "777788889999/us-east-1): the operation stopped when more instances failed than its "
        "failure tolerance allows."
    )


def test_role_named_per_account_only_fails_on_the_iam_role_name():
    template = (
        _spec()
        .reference["template.yaml"]
        .replace('RoleName: !Sub "audit-readonly-${AWS::Region}"', "RoleName: audit-readonly")
    )
    result = grade(_spec(), {**_spec().reference, "template.yaml": template}, approval="approved")
    detail = _details(result)["all-six"]
    assert detail.startswith("1 of 6 stack instances failed: the IAM role name audit-readonly")
