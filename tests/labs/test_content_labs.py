"""Every lab in content/labs: reference = 100 %, starter < 100 %, and the starter fails as intended."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from labs.grader import GradeResult, grade
from labs.spec import LabSpec, parse_lab

pytestmark = pytest.mark.sandbox

LABS_DIR = Path(settings.CONTENT_ROOT) / "labs"
SLUGS = sorted(p.name for p in LABS_DIR.iterdir() if (p / "lab.yaml").is_file())


@cache
def spec_of(slug: str) -> LabSpec:
    return parse_lab(LABS_DIR / slug)


@cache
def graded(slug: str, which: str) -> GradeResult:
    """Grade a lab's starter or reference once per test session (runs are the slow part)."""
    spec = spec_of(slug)
    files = spec.files if which == "starter" else spec.reference
    return grade(spec, files, approval="approved")


def grade_with(slug: str, **changes: str) -> GradeResult:
    """Grade the reference files with some files replaced."""
    spec = spec_of(slug)
    return grade(spec, {**spec.reference, **changes}, approval="approved")


def failed_ids(result: GradeResult) -> set[str]:
    return {r["id"] for r in result.results if not r["passed"]}


def codes(result: GradeResult, name: str) -> set[str]:
    return {f["code"] for f in result.findings[name]}


def test_there_are_at_least_eight_labs_covering_every_scenario_kind():
    assert len(SLUGS) >= 8
    kinds = {spec_of(slug).scenario["kind"] for slug in SLUGS}
    assert kinds >= {"check", "build", "deploy", "pipeline"}  # plus kinds of simulator/…/kinds


@pytest.mark.parametrize("slug", SLUGS)
def test_reference_scores_full_marks(slug):
    result = graded(slug, "reference")
    failures = [f"{r['id']}: {r['detail']}" for r in result.results if not r["passed"]]
    assert failures == []
    assert result.earned == result.max_points == spec_of(slug).max_points


@pytest.mark.parametrize("slug", SLUGS)
def test_starter_scores_less(slug):
    result = graded(slug, "starter")
    assert result.earned < result.max_points


@pytest.mark.parametrize("slug", SLUGS)
def test_every_check_and_lab_points_at_an_existing_lesson(slug):
    spec = spec_of(slug)
    modules = Path(settings.CONTENT_ROOT) / "modules"
    for lesson in {spec.lesson, *(c.lesson for c in spec.checks)} - {""}:
        module, _, name = lesson.partition("/")
        assert (modules / module / f"{name}.md").is_file(), f"{slug}: no lesson {lesson}"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_failed_starter_check_has_feedback(slug):
    for result in graded(slug, "starter").results:
        if not result["passed"]:
            # Advice where the run showed the problem; "nothing ran" says why instead.
            said = result["detail"] if result["not_run"] else result["feedback"]
            assert said.strip(), f"{slug}: check {result['id']} says nothing"


def test_validate_lab_command_reports_a_valid_lab(capsys):
    call_command("validate_lab", *SLUGS[:1])
    assert f"ok    {SLUGS[0]}: reference 100 % (wanted = 100 %)" in capsys.readouterr().out


# --- per-lab: the starter fails for the reason the lab teaches ----------------------------------


def test_build_test_push_starter_has_runtime_versions_in_build_then_lacks_ecr_login():
    starter = graded("build-test-push", "starter")
    [finding] = [f for f in starter.findings["buildspec.yml"] if f["code"] == "BS008"]
    assert finding["line"] == 16
    assert starter.result.build is None  # nothing runs while the checker reports errors
    text = spec_of("build-test-push").files["buildspec.yml"]
    moved = text.replace("    runtime-versions:\n      nodejs: 20\n", "").replace(
        "  install:\n", "  install:\n    runtime-versions:\n      nodejs: 20\n"
    )
    result = grade_with("build-test-push", **{"buildspec.yml": moved})
    assert "no basic auth credentials" in result.log
    assert result.result.build.status == "FAILED"
    assert failed_ids(result) == {"ecr-login", "build-ok", "image-pushed", "imagedefinitions"}


def test_build_test_push_reference_pushes_the_short_commit_tag():
    result = graded("build-test-push", "reference")
    pushed = [(c.name.split("@")[0], c.detail) for c in result.result.changes
              if c.resource_type == "image"]  # fmt: skip
    assert pushed == [("orders-api", "tags 0123456")]
    assert "3 passed, 0 failed" in result.log


def test_buildspec_secrets_starter_leaks_the_password_in_plaintext():
    starter = graded("buildspec-secrets", "starter")
    assert "BS015" in codes(starter, "buildspec.yml")
    assert "Tr0ub4dor-orders-2026" in starter.log
    assert {"no-plaintext-secret", "not-leaked"} <= failed_ids(starter)


def test_buildspec_secrets_reference_reads_both_stores_and_masks_an_echo():
    reference = graded("buildspec-secrets", "reference")
    operations = {c.operation for c in reference.result.api_calls}
    assert {"GetParameter", "GetSecretValue"} <= operations
    text = spec_of("buildspec-secrets").reference["buildspec.yml"]
    echoing = text.replace('echo "Connecting to $DB_URL"', 'echo "password is $DB_PASSWORD"')
    result = grade_with("buildspec-secrets", **{"buildspec.yml": echoing})
    assert "Tr0ub4dor-orders-2026" not in result.log  # CodeBuild masks Secrets Manager values


def test_prebuild_failure_starter_skips_to_finalizing():
    starter = graded("prebuild-failure", "starter")
    phases = {p.name: p.status for p in starter.result.build.phases}
    assert phases["PRE_BUILD"] == "FAILED"
    assert phases.get("BUILD") in (None, "SKIPPED")
    assert phases.get("POST_BUILD") in (None, "SKIPPED")
    assert "FINALIZING" in phases
    assert "ParameterNotFound" in starter.log


def test_prebuild_failure_on_failure_continue_does_not_earn_full_marks():
    text = spec_of("prebuild-failure").files["buildspec.yml"]
    hidden = text.replace("  pre_build:\n", "  pre_build:\n    on-failure: CONTINUE\n")
    result = grade_with("prebuild-failure", **{"buildspec.yml": hidden})
    assert result.result.build.status == "FAILED"
    assert {"prebuild-ok", "build-ok"} <= failed_ids(result)


def test_stacksets_starter_has_a_lint_error_and_hard_coded_names():
    starter = graded("stacksets-template", "starter")
    assert "CFE1020" in codes(starter, "template.yaml")
    assert {"no-account-ids", "no-regions", "unique-bucket", "unique-role"} <= failed_ids(starter)


def test_stacksets_fixed_bucket_name_is_still_marked_down():
    text = spec_of("stacksets-template").reference["template.yaml"]
    fixed = text.replace(
        'BucketName: !Sub "acme-audit-logs-${AWS::AccountId}-${AWS::Region}"',
        "BucketName: acme-audit-logs",
    )
    assert failed_ids(grade_with("stacksets-template", **{"template.yaml": fixed})) == {
        "unique-bucket"
    }


def test_ec2_hooks_starter_uses_a_reserved_event():
    starter = graded("ec2-in-place-hooks", "starter")
    assert "AS017" in codes(starter, "appspec.yml")


def test_ec2_hooks_validation_before_start_fails_and_the_stale_file_blocks_install():
    spec = spec_of("ec2-in-place-hooks")
    valid_order = spec.files["appspec.yml"].replace("  Install:", "  BeforeInstall:")
    result = grade_with("ec2-in-place-hooks", **{"appspec.yml": valid_order})
    assert "file_exists_behavior DISALLOW" in result.log  # i-web-1 has a hand-copied file
    overwrite = valid_order.replace("hooks:", "file_exists_behavior: OVERWRITE\nhooks:")
    result = grade_with("ec2-in-place-hooks", **{"appspec.yml": overwrite})
    assert "connection refused" in result.log  # validate_service.sh ran in AfterInstall
    assert "validate-last" in failed_ids(result)


def test_ec2_hooks_all_at_once_takes_every_server_down_together():
    template = spec_of("ec2-in-place-hooks").files["deployment-group.yaml"]
    assert "CodeDeployDefault.AllAtOnce" in template
    result = grade_with("ec2-in-place-hooks", **{"deployment-group.yaml": template})
    assert result.result.deployment.status == "Succeeded"
    assert failed_ids(result) == {"one-at-a-time"}


def test_lambda_canary_without_hooks_leaves_the_bad_version_live():
    starter = graded("lambda-canary-sam", "starter")
    assert "TP001" in codes(starter, "template.yaml")
    text = spec_of("lambda-canary-sam").files["template.yaml"]
    typo_fixed = text.replace("Canary10Percent5Minute\n", "Canary10Percent5Minutes\n")
    result = grade_with("lambda-canary-sam", **{"template.yaml": typo_fixed})
    deployment = result.result.deployment
    assert deployment.status == "Succeeded" and deployment.rolled_back is False
    assert [p.percent_new for p in deployment.traffic] == [0, 10, 100]


def test_lambda_canary_reference_fails_in_after_allow_traffic_and_rolls_back():
    deployment = graded("lambda-canary-sam", "reference").result.deployment
    failed = [e.event for e in deployment.events if e.status == "Failed"]
    assert failed == ["AfterAllowTraffic"]
    assert deployment.rollback_status == "Succeeded"


def test_ecs_alarm_without_rollback_only_stops_the_deployment():
    spec = spec_of("ecs-blue-green-canary")
    template = spec.reference["deployment-group.yaml"]
    no_rollback = re.sub(r"      AutoRollbackConfiguration:\n(        .*\n)+", "", template)
    result = grade_with("ecs-blue-green-canary", **{"deployment-group.yaml": no_rollback})
    assert result.result.deployment.status == "Stopped"
    assert failed_ids(result) == {"rolled-back"}


def test_ecs_all_at_once_sends_everything_to_the_broken_release():
    spec = spec_of("ecs-blue-green-canary")
    result = grade_with(
        "ecs-blue-green-canary", **{"deployment-group.yaml": spec.files["deployment-group.yaml"]}
    )
    assert max(p.percent_new for p in result.result.deployment.traffic) == 100
    assert {"never-full", "rolled-back", "canary-config"} <= failed_ids(result)


def test_complete_pipeline_starter_has_one_checker_error_and_two_silent_faults():
    spec = spec_of("complete-pipeline")
    starter = graded("complete-pipeline", "starter")
    [finding] = [f for f in starter.findings["buildspec.yml"] if f["severity"] == "error"]
    assert (finding["code"], finding["line"]) == ("BS006", 15)
    # The pipeline file is valid: its fault shows only when the pipeline runs.
    assert [f for f in starter.findings["pipeline.json"] if f["severity"] == "error"] == []
    # Three independent fixes turn the starter into the reference, and nothing else differs.
    buildspec = spec.files["buildspec.yml"].replace("  prebuild:\n", "  pre_build:\n")
    buildspec = buildspec.replace(
        "    - imagedefinitions.json\n", "    - imagedefinitions.json\n    - imageDetail.json\n"
    )
    assert buildspec == spec.reference["buildspec.yml"]
    pipeline = spec.files["pipeline.json"].replace(
        '"imagedefinition.json"', '"imagedefinitions.json"'
    )
    assert pipeline == spec.reference["pipeline.json"]
    assert starter.percent < 50


def test_complete_pipeline_covers_the_hands_on_lab_of_the_notes():
    result = graded("complete-pipeline", "reference")
    stages = [s["name"] for s in result.outcome["pipeline"]["stages"]]  # the stored JSON form
    assert stages == ["Source", "Build", "Staging", "Approval", "Production"]
    actions = {
        (a["category"], a["provider"])
        for s in result.outcome["pipeline"]["stages"]
        for a in s["actions"]
    }
    assert {("Build", "CodeBuild"), ("Approval", "Manual"),
            ("Deploy", "CodeDeployToECS")} <= actions  # fmt: skip
    group = spec_of("complete-pipeline").world
    assert "DEPLOYMENT_STOP_ON_ALARM" in group and "ECSCanary10Percent5Minutes" in group


def test_cross_account_starter_is_denied_by_the_untrusted_role():
    starter = graded("cross-account-pipeline", "starter")
    assert "AccessDenied" in starter.log
    assert "role/orders-readonly" in starter.log
    stages = {s["name"]: s["status"] for s in starter.outcome["pipeline"]["stages"]}
    assert stages["Test"] == "Succeeded" and stages["Production"] == "Failed"


@pytest.mark.django_db
def test_every_lab_page_renders_with_its_starter_files(learner_client):
    from html import unescape

    from core.content import LoadReport
    from labs.loading import lab_upsert

    for slug in SLUGS:
        spec = spec_of(slug)
        lab_upsert(spec, LoadReport())
        response = learner_client.get(f"/labs/{slug}/")
        assert response.status_code == 200, slug
        page = unescape(response.content.decode())
        for text in spec.files.values():
            assert text.splitlines()[1] in page, f"{slug}: starter file not in the editor"


def reference_only_lines(spec: LabSpec) -> set[str]:
    """Lines of the reference files a learner must not be shown (not in starter or help)."""
    shown = "\n".join([*spec.files.values(), spec.instructions, *(h.text for h in spec.hints)])
    lines = {line.strip() for text in spec.reference.values() for line in text.splitlines()}
    return {line for line in lines if len(line) > 12 and line not in shown}


@pytest.mark.django_db
def test_reference_solutions_are_never_sent_to_learners(learner_client):
    from html import unescape

    from core.content import LoadReport
    from labs.loading import lab_upsert

    for slug in SLUGS:
        spec = spec_of(slug)
        lab_upsert(spec, LoadReport())
        secret = reference_only_lines(spec)  # empty when the fix is a one-word change
        for url in (f"/labs/{slug}/", f"/api/labs/{slug}/"):
            body = unescape(learner_client.get(url).content.decode()).replace('\\"', '"')
            leaked = [line for line in secret if line in body]
            assert leaked == [], f"{slug}: {url} shows reference lines"


def test_parameter_store_labels_starter_labels_and_reads_the_newest_version():
    result = graded("parameter-store-labels", "starter")
    details = {r["id"]: r["detail"] for r in result.results if not r["passed"]}
    # label-parameter-version without --parameter-version labels the newest version (4, the
    # load test), and an unqualified read returns it too.
    assert details["label-ends-on-candidate"] == "prod is on version 4, not 3."
    assert "holds the value of version 4" in details["config-is-production"]
    assert set(details) == {
        "label-ends-on-candidate", "reads-through-label", "config-is-production",
        "next-release-gets-candidate",
    }  # fmt: skip


def test_parameter_store_labels_pinned_version_numbers_lose_the_promotion():
    spec = spec_of("parameter-store-labels")
    pinned = spec.reference["buildspec.yml"].replace('"$PARAM:prod"', '"$PARAM:2"', 1)
    pinned = pinned.replace('"$PARAM:prod"', '"$PARAM:2"')
    result = grade_with("parameter-store-labels", **{"buildspec.yml": pinned})
    # The same pinned read after the label moved still returns version 2.
    assert failed_ids(result) == {
        "reads-through-label", "config-is-production", "next-release-gets-candidate",
    }  # fmt: skip


def test_handler_code_is_not_read_as_a_document():
    from labs.grader import check_files, file_kinds

    spec = spec_of("stage-variables")
    kinds = file_kinds(spec)
    assert kinds["app.py"] == "code"
    findings = check_files(spec, {**spec.files, "app.py": "def handler(event, context):\n  x: [\n"})
    assert findings["app.py"] == []
    # A YAML document beside it is still checked.
    yaml_name = next(n for n, k in kinds.items() if k != "code")
    assert check_files(spec, {yaml_name: "a: [\n"})[yaml_name][0]["severity"] == "error"


@pytest.mark.django_db
def test_lab_page_says_handler_code_is_checked_by_running_it(learner_client):
    from core.content import LoadReport
    from labs.loading import lab_upsert

    lab_upsert(spec_of("stage-variables"), LoadReport())
    page = learner_client.get("/labs/stage-variables/").content.decode()
    assert 'data-filename="app.py" data-kind="code"' in page
    assert "app.py is code: it is not checked as you type" in page
