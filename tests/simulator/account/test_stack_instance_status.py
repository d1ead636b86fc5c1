"""StackSets instance statuses: spelled as CloudFormation's API spells them, read from strings."""

from __future__ import annotations

import pytest

from simulator import StackInstanceDetailedStatus, StackInstanceStatus
from simulator.account import StackInstance


def test_values_are_the_api_spellings():
    assert [s.value for s in StackInstanceStatus] == ["CURRENT", "OUTDATED", "INOPERABLE"]
    assert {s.value for s in StackInstanceDetailedStatus} == {
        "PENDING",
        "RUNNING",
        "SUCCEEDED",
        "FAILED",
        "CANCELLED",
        "INOPERABLE",
        "SKIPPED_SUSPENDED_ACCOUNT",
        "FAILED_IMPORT",
    }


def test_statuses_sent_as_strings_become_members():
    instance = StackInstance("base", "111122223333", "eu-west-1", "OUTDATED", "CANCELLED")
    assert instance.status is StackInstanceStatus.OUTDATED
    assert instance.detailed_status is StackInstanceDetailedStatus.CANCELLED
    assert f"{instance.status}/{instance.detailed_status}" == "OUTDATED/CANCELLED"


@pytest.mark.parametrize(
    ("status", "detailed", "expected"),
    [
        ("DONE", "SUCCEEDED", "base 111122223333/eu-west-1: Status: 'DONE' is not one of CURRENT"),
        ("CURRENT", "", "base 111122223333/eu-west-1: DetailedStatus: '' is not one of PENDING"),
    ],
)
def test_an_unknown_status_is_named_with_its_instance(status, detailed, expected):
    with pytest.raises(ValueError, match=expected):
        StackInstance("base", "111122223333", "eu-west-1", status, detailed)
