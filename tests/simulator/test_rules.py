"""Every rule has a failing and a passing example (tests/simulator/rule_cases.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator import RULES, check
from tests.simulator.rule_cases import CASES

# Codes that are families or cannot be provoked on purpose, with the reason.
NOT_TABLED = {
    "YM001": "info on every auto-detected file (asserted in test_loading)",
    "YM015": "unreadable path: only the CLI can see it (tested in test_cli)",
    "TP002": "cfn-lint crashing: not provokable with a real template",
    "CFE": "cfn-lint error family, mapped per match (test_template)",
    "CFW": "cfn-lint warning family (test_template)",
    "CFI": "cfn-lint informational family (test_template)",
}


def _text(doc: Any) -> str | bytes:
    return json.dumps(doc, indent=2) if isinstance(doc, dict) else doc


def _options(opts: dict[str, Any], tree: Path) -> dict[str, Any]:
    return {k: (str(tree) if v == "TREE" else v) for k, v in opts.items() if k != "src_namespace"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small source tree/revision: two files with the same name, one script."""
    for rel in ("a/config.json", "b/config.json", "scripts/start.sh"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    return tmp_path


def _doc(doc: Any, opts: dict[str, Any]) -> Any:
    if isinstance(doc, dict) and "src_namespace" in opts:
        doc = json.loads(json.dumps(doc))
        doc["pipeline"]["stages"][0]["actions"][0]["namespace"] = opts["src_namespace"]
    return doc


# Families registered by simulator.forms (Terraform and converted pipeline forms): their cases
# need a .tf or template tree and live in tests/simulator/forms/.
FORMS_FAMILIES = ("FM", "TF")


def test_every_rule_has_cases() -> None:
    import simulator.forms  # noqa: F401  (registers its codes: the set must not depend on order)

    untabled = set(RULES) - set(CASES) - set(NOT_TABLED)
    assert sorted(c for c in untabled if not c.startswith(FORMS_FAMILIES)) == []


@pytest.mark.parametrize("code", sorted(c for c in CASES if CASES[c][1] is not None))
def test_rule_fails_on_bad_example(code: str, tree: Path) -> None:
    kind, bad, _good, opts = CASES[code]
    report = check(_text(_doc(bad, opts)), kind, filename="bad", **_options(opts, tree))
    assert code in report.codes(), [f.to_text() for f in report.findings]


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_passes_good_example(code: str, tree: Path) -> None:
    kind, _bad, good, opts = CASES[code]
    report = check(_text(_doc(good, opts)), kind, filename="good", **_options(opts, tree))
    assert code not in report.codes(), [f.to_text() for f in report.findings]
    assert report.ok, [f.to_text() for f in report.errors]


def test_findings_carry_severity_and_lesson() -> None:
    report = check(CASES["BS010"][1], "buildspec", filename="buildspec.yml")
    finding = next(f for f in report.findings if f.code == "BS010")
    assert finding.severity == "error"
    assert finding.doc == "codebuild-buildspec/build-phases-and-failures"
    assert (finding.line, finding.column) == (4, 17)
    assert finding.path == "phases.build.on-failure"
    assert "valid values" in finding.hint


def test_did_you_mean_for_keys_and_values() -> None:
    bad_key = check(CASES["BS041"][1], "buildspec")
    assert "did you mean 'cache'?" in next(f.hint for f in bad_key.findings if f.code == "BS041")
    bad_hook = check(CASES["AS017"][1], "appspec")
    hint = next(f.hint for f in bad_hook.findings if f.code == "AS017")
    assert "did you mean 'AfterInstall'?" in hint


def test_command_mapping_reported_at_its_line() -> None:
    report = check(CASES["BS011"][1], "buildspec")
    finding = next(f for f in report.findings if f.code == "BS011")
    assert (finding.line, finding.path) == (5, "phases.build.commands[0]")


def test_cloudformation_pipeline_paths_point_into_the_template() -> None:
    template = (
        "Resources:\n  P:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n"
        "      RoleArn: !GetAtt Role.Arn\n      ArtifactStore: {Type: S3, Location: b}\n"
        "      Stages:\n        - Name: Source\n          Actions:\n            - Name: S\n"
        "              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: 1}\n"
        "              Configuration: {S3Bucket: b, S3ObjectKey: k}\n"
        "              OutputArtifacts: [{Name: src}]\n"
        "        - Name: Build\n          Actions:\n            - Name: B\n"
        "              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: 1}\n"
        "              Configuration: {ProjectName: !Ref Project}\n"
        "              InputArtifacts: [{Name: sauce}]\n"
    )
    report = check(template, filename="pipeline.yaml")
    assert report.kind == "pipeline"
    finding = next(f for f in report.findings if f.code == "PL015")
    assert finding.line == 19
    assert finding.path == "Resources.P.Properties.Stages[1].Actions[0].InputArtifacts[0].Name"


def test_task_definition_template_text_is_a_warning_a_bad_arn_an_error() -> None:
    from tests.simulator.rule_cases import ecs

    template = check(ecs(td='"[Your task definition arn]"'), "appspec")
    assert template.ok and "AS034" in template.codes()
    bad = check(ecs(td="arn:aws:ecs:us-east-1:123:task-definition/app"), "appspec")
    assert "AS034" in {f.code for f in bad.errors}


def test_codebuild_prefix_is_a_warning_not_an_error() -> None:
    from tests.simulator.rule_cases import CASES

    report = check(CASES["BS013"][1], "buildspec")
    assert report.ok and "BS013" in report.codes()
