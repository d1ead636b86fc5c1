"""Each declarative check type judges an outcome correctly, both ways."""

from __future__ import annotations

import pytest

from labs.checks import CHECKS, PYTHON_CHECKS, Verdict, python_check

BUILD = {
    "status": "FAILED",
    "phases": [
        {"name": "INSTALL", "status": "SUCCEEDED", "duration_ms": 5},
        {"name": "PRE_BUILD", "status": "FAILED", "duration_ms": 9},
        {"name": "FINALIZING", "status": "SUCCEEDED", "duration_ms": 1},
    ],
    "commands": [
        {"phase": "INSTALL", "command": "npm ci"},
        {"phase": "PRE_BUILD", "command": "aws ecr get-login-password | docker login"},
    ],
    "artifact_files": {"imagedefinitions.json": '[{"name": "web", "imageUri": "1.dkr/app:abc"}]'},
    "exported_variables": {"IMAGE_TAG": "abc123"},
}
DEPLOYMENT = {
    "status": "Failed",
    "rolled_back": True,
    "config": "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "events": [
        {"target": "web", "event": "BeforeInstall", "status": "Succeeded", "start": 0, "end": 1},
        {"target": "web", "event": "Install", "status": "Succeeded", "start": 1, "end": 2},
        {"target": "web", "event": "AfterAllowTestTraffic", "status": "Succeeded", "start": 2, "end": 3},
        {"target": "web", "event": "AllowTraffic", "status": "Succeeded", "start": 3, "end": 4},
    ],
    "traffic": [{"minute": 0, "percent_new": 0}, {"minute": 1, "percent_new": 10},
                {"minute": 6, "percent_new": 100}],
}  # fmt: skip
PIPELINE_DEF = {
    "pipeline": {
        "stages": [
            {"name": "Source", "actions": [{"name": "S", "actionTypeId": {"category": "Source"}}]},
            {"name": "Staging", "actions": [{"name": "D", "actionTypeId": {"category": "Deploy"}}]},
            {
                "name": "Production",
                "actions": [
                    {"name": "Approve", "runOrder": 1, "actionTypeId": {"category": "Approval"}},
                    {"name": "Deploy", "runOrder": 2, "actionTypeId": {"category": "Deploy"}},
                ],
            },
        ]
    }
}
OUTCOME = {
    "files": {"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands: [make]\n"},
    "findings": {
        "buildspec.yml": [
            {"code": "BS012", "severity": "error", "line": 3, "column": 5, "path": "p",
             "message": "bad", "hint": ""},
            {"code": "BS040", "severity": "warning", "line": 4, "column": 1, "path": "p",
             "message": "meh", "hint": ""},
        ]
    },
    "build": BUILD,
    "deployment": DEPLOYMENT,
    "pipeline": {"status": "Succeeded", "definition": PIPELINE_DEF,
                 "stages": [{"name": "Production", "status": "Succeeded", "actions": []}]},
    "world": {"images_pushed": [{"repository": "web", "tag": "abc123"}]},
    "log": "Running command echo $DB_PASSWORD\n***\n",
    "secret_values": ["hunter2-very-secret"],
}  # fmt: skip


def judge(ctype: str, **params) -> Verdict:
    assert CHECKS[ctype].validate(params) is None
    return CHECKS[ctype].judge(OUTCOME, params)


@pytest.mark.parametrize(
    ("ctype", "passing", "failing"),
    [
        ("no_error_findings", {"file": "other.yml"}, {"file": "buildspec.yml"}),
        ("finding_absent", {"code": "BS099"}, {"code": "BS012"}),
        ("file_matches", {"file": "buildspec.yml", "pattern": "commands"},
         {"file": "buildspec.yml", "pattern": "finally"}),
        ("build_status", {"equals": "FAILED"}, {"equals": "SUCCEEDED"}),
        ("phase_status", {"phase": "PRE_BUILD", "equals": "FAILED"},
         {"phase": "PRE_BUILD", "equals": "SUCCEEDED"}),
        ("phase_status", {"phase": "BUILD", "equals": "skipped"}, {"phase": "BUILD", "equals": "ran"}),
        ("command_ran", {"phase": "PRE_BUILD", "pattern": "docker login"},
         {"phase": "BUILD", "pattern": "docker login"}),
        ("artifact_exists", {"path": "imagedefinitions.json", "json": [{"name": "web"}]},
         {"path": "imagedefinitions.json", "json": [{"name": "api"}]}),
        ("artifact_exists", {"path": "imagedefinitions.json", "pattern": "imageUri"},
         {"path": "missing.json"}),
        ("image_pushed", {"repository": "web", "tag_pattern": "[0-9a-f]{6}"},
         {"repository": "web", "tag_pattern": "latest"}),
        ("secret_not_in_log", {}, {"values": ["DB_PASSWORD"]}),
        ("exported_variable", {"name": "IMAGE_TAG", "pattern": "^abc"}, {"name": "OTHER"}),
        ("deployment_status", {"equals": "Failed"}, {"equals": "Succeeded"}),
        ("deployment_config", {"equals": "CodeDeployDefault.ECSCanary10Percent5Minutes"},
         {"equals": "CodeDeployDefault.ECSAllAtOnce"}),
        ("hooks_order", {"events": ["BeforeInstall", "AfterAllowTestTraffic", "AllowTraffic"]},
         {"events": ["AllowTraffic", "BeforeInstall"]}),
        ("traffic_reached", {"percents": [10, 100]}, {"percents": [100, 10]}),
        ("rolled_back", {"equals": True}, {"equals": False}),
        ("approval_before", {"stage": "Production"}, {"stage": "Staging"}),
        ("execution_status", {"equals": "Succeeded"}, {"equals": "Failed"}),
        ("stage_status", {"stage": "Production", "equals": "Succeeded"},
         {"stage": "Staging", "equals": "Succeeded"}),
    ],
)  # fmt: skip
def test_check_type_passes_and_fails(ctype, passing, failing):
    assert judge(ctype, **passing).passed is True
    verdict = judge(ctype, **failing)
    assert verdict.passed is False


def test_failing_checks_explain_why():
    assert "BS012" in judge("no_error_findings").detail
    assert "FAILED" in judge("build_status", equals="SUCCEEDED").detail
    assert (
        "tags pushed to web: abc123"
        in judge("image_pushed", repository="web", tag_pattern="x").detail
    )


def test_python_checks_are_registered_functions():
    @python_check("always_half")
    def half(outcome, params):
        return Verdict(len(outcome["files"]) == 1, "one file")

    try:
        assert CHECKS["python"].validate({"function": "always_half"}) is None
        assert "no registered" in CHECKS["python"].validate({"function": "nope"})
        assert CHECKS["python"].judge(OUTCOME, {"function": "always_half"}).passed
    finally:
        PYTHON_CHECKS.pop("always_half")


def test_every_check_type_has_a_summary():
    for check in CHECKS.values():
        assert check.summary, check.name
