"""Templates: cfn-lint findings mapped to ours, and parity with its pipeline rules E3700-E3703."""

from __future__ import annotations

import pytest

from simulator import check

BASE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/pipeline
      ArtifactStore:
        Type: S3
        Location: !Ref Bucket
      Stages:
        - Name: Source
          Actions:
            - Name: Fetch
              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: "1"}
              Configuration: {S3Bucket: !Ref Bucket, S3ObjectKey: src.zip}
              OutputArtifacts: [{Name: SourceOut}]
        - Name: Deploy
          Actions:
            - Name: Stack
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: "1"}
              Configuration:
                ActionMode: CREATE_UPDATE
                StackName: app
                TemplatePath: SourceOut::template.yaml
                RoleArn: arn:aws:iam::123456789012:role/cfn
              InputArtifacts: [{Name: SourceOut}]
"""
# (cfn-lint rule, our code, line, the broken template)
BROKEN = [
    ("E3700", "PL007", 16, BASE.replace("Category: Source", "Category: Build")),
    (
        "E3701",
        "PL015",
        28,
        BASE.replace("InputArtifacts: [{Name: SourceOut}]", "InputArtifacts: [{Name: Nope}]"),
    ),
    (
        "E3702",
        "PL014",
        18,
        BASE.replace(
            "OutputArtifacts: [{Name: SourceOut}]",
            "OutputArtifacts: [{Name: SourceOut}, {Name: Extra}]",
        ),
    ),
    ("E3703", "PL021", 26, BASE.replace("SourceOut::template.yaml", "Other::template.yaml")),
    ("E3703", "PL033", 27, BASE.replace("role/cfn", "user/cfn")),
]


def _cfn_lint(text: str) -> set[tuple[str, int]]:
    from cfnlint.api import ManualArgs, lint

    return {(m.rule.id, m.linenumber) for m in lint(text, config=ManualArgs(regions=["us-east-1"]))}


def test_base_template_is_clean_for_both() -> None:
    assert not [m for m in _cfn_lint(BASE) if m[0].startswith("E")]
    assert check(BASE, "pipeline").ok


@pytest.mark.parametrize("rule,code,line,text", BROKEN, ids=[f"{b[0]}-{b[1]}" for b in BROKEN])
def test_we_catch_what_cfn_lint_pipeline_rules_catch(
    rule: str, code: str, line: int, text: str
) -> None:
    theirs = {(r, n) for r, n in _cfn_lint(text) if r.startswith("E37")}
    assert (rule, line) in theirs, theirs
    ours = {(f.code, f.line) for f in check(text, "pipeline").errors}
    assert (code, line) in ours, ours
    # Every pipeline error cfn-lint reports has an error of ours on the same line.
    assert {n for _, n in theirs} <= {n for _, n in ours}


def test_template_kind_maps_cfn_lint_matches_to_findings() -> None:
    text = BROKEN[1][3]
    report = check(text, "template", filename="stack.yaml")
    mapped = [f for f in report.findings if f.code == "CFE3701"]
    assert mapped and mapped[0].severity == "error"
    assert mapped[0].line == 28 and mapped[0].file == "stack.yaml"
    assert mapped[0].path.startswith("Resources.Pipeline.Properties.Stages")


def test_auto_kind_reads_a_pipeline_template_without_cfn_lint() -> None:
    report = check(BASE, filename="pipeline.yaml")
    assert report.kind == "pipeline"
    assert not [f for f in report.findings if f.code.startswith("CF")]
