"""`sam deploy`'s refusals before it reaches the account, and its answer to an empty change set."""

from __future__ import annotations

import sys

import pytest

from simulator.standins import _channel

sys.path.insert(0, str(_channel.TOOLS_DIR))
from patools import samdeploy


@pytest.mark.parametrize(
    ("opts", "expected"),
    [
        (
            {"guided": True, "stack-name": "s"},
            "Error: `sam deploy --guided` asks questions interactively, which a build cannot "
            "answer. Pass --stack-name, --capabilities and --resolve-s3 (or --s3-bucket).",
        ),
        (
            {"resolve-s3": True},
            "Error: Missing option '--stack-name', 'sam deploy --guided' can be used to provide "
            "and save needed parameters for future deploys.",
        ),
    ],
)
def test_a_deploy_that_would_need_a_terminal_or_a_stack_name_exits_2(
    capsys: pytest.CaptureFixture[str], opts: dict, expected: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        samdeploy.deploy(opts)
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip() == expected


@pytest.mark.parametrize(
    ("reason", "opts", "code", "out", "err"),
    [
        (
            "The submitted information didn't contain changes.",
            {},
            None,
            "No changes to deploy. Stack s is up to date",
            "",
        ),
        (
            "No updates are to be performed.",
            {"fail-on-empty-changeset": True},
            1,
            "",
            "Error: No changes to deploy. Stack s is up to date",
        ),
        (
            "Template format error",
            {},
            1,
            "",
            "Error: Failed to create changeset for the stack: s, Template format error",
        ),
    ],
)
def test_a_failed_change_set_is_no_changes_or_an_error(
    capsys: pytest.CaptureFixture[str],
    reason: str,
    opts: dict,
    code: int | None,
    out: str,
    err: str,
) -> None:
    if code is None:
        samdeploy._empty_change_set(opts, "s", reason)
    else:
        with pytest.raises(SystemExit) as exited:
            samdeploy._empty_change_set(opts, "s", reason)
        assert exited.value.code == code
    printed = capsys.readouterr()
    assert (printed.out.strip(), printed.err.strip()) == (out, err)
