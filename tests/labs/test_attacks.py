"""The attacks of issue 9 ("Why"), as tests that no longer change a grade."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from labs.checks import CHECKS, Evidence, command_matches, judge_one
from labs.grader import FILES_ONLY_LOG, grade
from labs.spec import LabSpec, parse_lab
from simulator import RunStatus, ScenarioResult
from simulator.account import AccountSnapshot, Image, Stack
from simulator.scenarios import BuildRun, CommandRun, CommandStatus

pytestmark = pytest.mark.sandbox
LABS_DIR = Path(settings.CONTENT_ROOT) / "labs"


@cache
def spec_of(slug: str) -> LabSpec:
    return parse_lab(LABS_DIR / slug)


def with_files(slug: str, **files: str):
    spec = spec_of(slug)
    return grade(spec, {**spec.reference, **files}, approval="approved")


def failed(result) -> set[str]:
    return {r["id"] for r in result.results if not r["passed"]}


def cheat(slug: str, name: str) -> dict[str, str]:
    return spec_of(slug).variants["cheats"][name]


def test_forged_journal_and_echoed_log_lines_earn_no_test_push_or_login():
    result = with_files("build-test-push", **cheat("build-test-push", "forged-log-and-journal"))
    assert {"tests-ran", "ecr-login", "image-pushed"} <= failed(result)
    assert result.percent < 70


def test_a_printed_running_command_line_is_not_a_command():
    # The learner's output goes to the log; the commands list comes from the build engine.
    text = (
        spec_of("build-test-push")
        .reference["buildspec.yml"]
        .replace(
            "      - npm test\n",
            "      - |\n        printf '[Container] 2026/01/01 00:00:00 Running command npm test\\n'\n",
        )
    )
    result = with_files("build-test-push", **{"buildspec.yml": text})
    assert "tests-ran" in failed(result)
    commands = [c.command for c in result.result.commands]
    assert "npm test" not in commands


def test_plaintext_password_beside_the_right_mapping_is_marked_down():
    result = with_files(
        "buildspec-secrets", **cheat("buildspec-secrets", "plaintext-beside-mapping")
    )
    assert failed(result) == {"no-plaintext-secret"}
    assert result.percent < 70


def test_pseudo_parameters_in_comments_do_not_pass_the_stackset_checks():
    name = "pseudo-parameters-in-comments"
    result = with_files("stacksets-template", **cheat("stacksets-template", name))
    assert {"no-account-ids", "no-regions", "unique-bucket", "unique-role"} <= failed(result)


def test_appspec_without_files_installs_nothing_and_loses_the_release_check():
    result = with_files("ec2-in-place-hooks", **cheat("ec2-in-place-hooks", "no-files-section"))
    assert result.result.deployment.status == "Succeeded"
    assert "every-instance" in failed(result) and result.percent < 70


def test_production_stack_in_the_tools_account_is_not_production():
    name = "prod-stack-in-tools-account"
    result = with_files("cross-account-pipeline", **cheat("cross-account-pipeline", name))
    assert result.result.pipeline.status == "Succeeded"
    [stack] = [s for s in result.result.after.stacks if s.name == "orders-queue-prod"]
    assert stack.account == "111122223333"
    assert {"prod-stack", "assumed-prod-role"} <= failed(result)
    assert result.percent < 70


def test_or_true_hides_the_exit_status_and_does_not_count():
    assert command_matches("npm test || true", "npm test") == (True, "||")
    assert command_matches("npm test; echo done", "npm test") == (True, ";")
    assert command_matches("npm test | tee out.txt", "npm test") == (True, "|")
    assert command_matches("npm ci && npm test", "npm test") == (True, "")
    assert command_matches("CI=true npm test", "npm test") == (True, "")
    assert command_matches("echo npm test", "npm test") == (False, "")
    assert command_matches("printf 'Running command npm test'", "npm test") == (False, "")


def test_a_template_only_lab_never_claims_the_checker_found_errors():
    spec = spec_of("stacksets-template")
    result = grade(spec, spec.reference)
    assert result.percent == 100 and result.log == FILES_ONLY_LOG
    assert "error" not in result.log


def test_checks_say_nothing_ran_when_the_checker_blocked_the_run():
    spec = spec_of("build-test-push")
    result = grade(spec, spec.files)
    assert result.result.status == RunStatus.BLOCKED
    not_run = [r for r in result.results if r["not_run"]]
    assert not_run and all(
        r["detail"] == "Nothing ran because the checker found errors in your files."
        and r["feedback"] == ""
        for r in not_run
    )


def test_sam_deployment_preference_disabled_says_so_instead_of_silence():
    name = "deployment-preference-disabled"
    result = with_files("lambda-canary-sam", **cheat("lambda-canary-sam", name))
    assert result.result.status == RunStatus.NOT_STARTED
    assert "Enabled is false" in result.result.message
    assert result.percent < 70


def test_sam_rules_apply_a_preference_needs_auto_publish_alias():
    result = with_files("lambda-canary-sam", **cheat("lambda-canary-sam", "no-auto-publish-alias"))
    assert "requires AutoPublishAlias" in result.result.message


def test_a_custom_deployment_config_by_ref_is_simulated_not_ignored():
    spec = spec_of("ec2-in-place-hooks")
    files = spec.variants["alternatives"]["custom-config-by-ref"]
    result = grade(spec, {**spec.reference, **files})
    assert result.result.deployment.config == "KeepTwoServing"
    assert result.percent == 100


def test_a_group_setting_the_lab_does_not_simulate_is_a_finding():
    spec = spec_of("ecs-blue-green-canary")
    text = spec.reference["deployment-group.yaml"].replace(
        "      AlarmConfiguration:\n",
        "      OutdatedInstancesStrategy: IGNORE\n      AlarmConfiguration:\n",
    )
    result = grade(spec, {**spec.reference, "deployment-group.yaml": text})
    notes = [f for f in result.findings["deployment-group.yaml"] if f["code"] == "SIM001"]
    assert notes and "not simulated in this lab" in notes[0]["message"]


# --- checks on constructed results (no sandbox needed) ------------------------------------------


def evidence(result: ScenarioResult, **documents) -> Evidence:
    return Evidence(files={}, documents=documents, findings={}, result=result)


def test_image_pushed_needs_a_new_image_and_a_successful_push_command():
    before = AccountSnapshot()
    after = AccountSnapshot(
        images=(Image("orders-api", "1", "eu-west-1", "sha256:a", ("abc1234",)),)
    )
    forged = ScenarioResult(
        kind="build",
        status=RunStatus.RAN,
        before=before,
        after=after,
        builds=(BuildRun("b", "SUCCEEDED"),),
    )
    pushed = ScenarioResult(
        kind="build",
        status=RunStatus.RAN,
        before=before,
        after=after,
        builds=(
            BuildRun(
                "b",
                "SUCCEEDED",
                commands=(
                    CommandRun(
                        "POST_BUILD", "docker push r:abc1234", 0, CommandStatus.SUCCEEDED, 5
                    ),
                ),
            ),
        ),
    )
    params = {"repository": "orders-api", "tag_pattern": "[0-9a-f]{7}", "by_command": "docker push"}
    assert not judge_one(CHECKS["image_pushed"], evidence(forged), params).passed
    assert judge_one(CHECKS["image_pushed"], evidence(pushed), params).passed
    same = ScenarioResult(kind="build", status=RunStatus.RAN, before=after, after=after)
    verdict = judge_one(CHECKS["image_pushed"], evidence(same), params)
    assert verdict.detail == "No new image reached the orders-api repository in ECR."


def test_stack_deployed_reads_the_account_the_stack_landed_in():
    after = AccountSnapshot(stacks=(Stack("prod", "111122223333", "eu-west-1", "CREATE_COMPLETE"),))
    result = ScenarioResult(kind="pipeline", status=RunStatus.RAN, after=after)
    verdict = judge_one(
        CHECKS["stack_deployed"], evidence(result), {"stack": "prod", "account": "444455556666"}
    )
    assert not verdict.passed
    assert (
        verdict.detail == "prod was created in account 111122223333, not in account 444455556666."
    )


def test_command_ran_reports_a_failure_with_its_real_exit_status():
    result = ScenarioResult(
        kind="build",
        status=RunStatus.RAN,
        builds=(
            BuildRun(
                "b",
                "FAILED",
                commands=(CommandRun("PRE_BUILD", "npm test", 1, CommandStatus.FAILED, 900),),
            ),
        ),
    )
    verdict = judge_one(
        CHECKS["command_ran"], evidence(result), {"command": "npm test", "phase": "PRE_BUILD"}
    )
    assert verdict.detail == "npm test ran in PRE_BUILD but failed (exit status 1)."


def test_not_started_run_explains_itself_in_every_run_check():
    result = ScenarioResult(
        kind="deploy",
        status=RunStatus.NOT_STARTED,
        message="alarm x does not exist in this account",
    )
    verdict = judge_one(CHECKS["deployment_status"], evidence(result), {"equals": "Succeeded"})
    assert (
        verdict.not_run and verdict.detail == "Nothing ran: alarm x does not exist in this account."
    )
