"""Terraform pipelines: read with python-hcl2, checked with findings at the learner's .tf line."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import check
from simulator.forms import read_terraform

NOTES = Path(__file__).parent / "notes"
NOTES_TF = (NOTES / "pipeline.tf").read_text()

PIPELINE = """\
variable "project" {
  default = "app-build"
}

locals {
  bucket = "artifacts-${var.project}"
}

resource "aws_codebuild_project" "build" {
  name         = var.project
  service_role = "arn:aws:iam::111122223333:role/cb"
  artifacts {
    type = "CODEPIPELINE"
  }
  environment {
    compute_type = "BUILD_GENERAL1_SMALL"
    image        = "aws/codebuild/standard:7.0"
    type         = "LINUX_CONTAINER"
  }
  source {
    type = "CODEPIPELINE"
  }
}

resource "aws_codepipeline" "p" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/cp"
  artifact_store {
    location = local.bucket
    type     = "S3"
  }
  stage {
    name = "Source"
    action {
      name             = "Src"
      category         = "Source"
      owner            = "AWS"
      provider         = "S3"
      version          = "1"
      output_artifacts = ["src"]
      configuration = {
        S3Bucket    = "in"
        S3ObjectKey = "app.zip"
      }
    }
  }
  stage {
    name = "Build"
    action {
      name            = "Build"
      category        = "Build"
      owner           = "AWS"
      provider        = "CodeBuild"
      version         = "1"
      input_artifacts = ["src"]
      configuration = {
        ProjectName = aws_codebuild_project.build.name
      }
    }
  }
}
"""


def _lines(text: str, needle: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line]


def _errors(text: str, name: str = "main.tf", **siblings: str) -> list:
    report = check(text, "pipeline", filename=name, siblings=siblings or None)
    return [f for f in report.findings if f.severity == "error"]


def test_a_correct_pipeline_has_no_error_and_evaluates_variables_and_locals() -> None:
    assert _errors(PIPELINE) == []
    (conv,) = read_terraform({"main.tf": PIPELINE})
    pipeline = conv.document["pipeline"]
    assert pipeline["artifactStore"]["location"] == "artifacts-app-build"
    build = pipeline["stages"][1]["actions"][0]
    assert build["configuration"]["ProjectName"] == "app-build"
    assert build["actionTypeId"] == {
        "category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1",
    }  # fmt: skip
    assert build["inputArtifacts"] == [{"name": "src"}]
    assert set(conv.projects) == {"app-build"}


def test_the_notes_pipeline_fails_where_terraform_would_at_its_own_lines() -> None:
    original = NOTES_TF.replace(
        "aws_codedeploy_deployment_group.production.deployment_group_name",
        "aws_codedeploy_deployment_group.prod.deployment_group_name",
    )
    (error,) = _errors(original)
    assert error.code == "TF002"
    assert error.line == _lines(original, "deployment_group.prod.")[0]
    assert "aws_codedeploy_deployment_group.production" in error.hint


def test_a_pipeline_rule_finding_points_at_the_tf_line_and_path() -> None:
    text = PIPELINE.replace('input_artifacts = ["src"]', 'input_artifacts = ["source"]')
    (error,) = _errors(text)
    assert error.code.startswith("PL")
    assert error.line == _lines(text, '["source"]')[0]
    assert error.path.startswith("aws_codepipeline.p.stage[1].action[0].input_artifacts")


def test_json_spellings_are_not_terraform_arguments() -> None:
    text = PIPELINE.replace(
        '      input_artifacts = ["src"]', '      runOrder = 1\n      input_artifacts = ["src"]'
    )
    (error,) = _errors(text)
    assert (error.code, error.line) == ("TF003", _lines(text, "runOrder")[0])
    assert "run_order" in error.hint


def test_required_arguments_and_blocks() -> None:
    text = PIPELINE.replace('  role_arn = "arn:aws:iam::111122223333:role/cp"\n', "")
    codes = [(f.code, f.message) for f in _errors(text)]
    assert any(c == "TF004" and "role_arn" in m for c, m in codes)


def test_undeclared_variable_and_variable_without_default() -> None:
    text = PIPELINE.replace("name         = var.project", "name         = var.projet")
    (error,) = _errors(text)
    assert error.code == "TF002" and "var.project" in error.hint
    text = PIPELINE.replace('  default = "app-build"\n', "")
    assert [f.code for f in _errors(text)] == ["TF007"]
    assert _errors(text)[0].line == 1


def test_syntax_error_has_a_line() -> None:
    text = PIPELINE.replace('    type     = "S3"', '    type     = "S3')
    (error,) = _errors(text)
    assert error.code == "TF001"
    assert _lines(text, 'type     = "S3')[0] <= error.line <= _lines(text, 'type     = "S3')[0] + 1


def test_configuration_values_must_be_strings() -> None:
    text = PIPELINE.replace('S3ObjectKey = "app.zip"', 'S3ObjectKey = ["app.zip"]')
    (error,) = _errors(text)  # the pipeline rule, at the .tf line
    assert error.line == _lines(text, "S3ObjectKey")[0]
    assert error.path == "aws_codepipeline.p.stage[0].action[0].configuration.S3ObjectKey"


def test_a_codebuild_project_that_is_not_declared_is_a_warning() -> None:
    text = PIPELINE.replace(
        "ProjectName = aws_codebuild_project.build.name", 'ProjectName = "other-build"'
    )
    report = check(text, "pipeline", filename="main.tf")
    (warning,) = [f for f in report.findings if f.code == "FM001"]
    assert warning.severity == "warning" and warning.line == _lines(text, "other-build")[0]


def test_siblings_are_read_as_one_module_and_findings_stay_in_their_file() -> None:
    variables = 'variable "project" {\n  default = "app-build"\n}\n'
    main_tf = PIPELINE.replace(variables, "")
    alone = _errors(main_tf)  # var.project is used twice: two findings, each at its line
    assert [f.code for f in alone] == ["TF002", "TF002"]
    assert [f.line for f in alone] == _lines(main_tf, "var.project")
    assert _errors(main_tf, "main.tf", **{"variables.tf": variables}) == []


def test_deployment_config_must_fit_the_platform() -> None:
    text = NOTES_TF.replace(
        '"CodeDeployDefault.ECSCanary10Percent5Minutes"', '"CodeDeployDefault.OneAtATime"'
    )
    (error,) = _errors(text)
    assert error.code == "FM003"
    assert error.line == _lines(text, "DeploymentGroupName")[0]


@pytest.mark.parametrize("text", ["", "\x00\x01", "resource {", "}}}}"])
def test_bad_input_is_a_finding_not_a_traceback(text: str) -> None:
    report = check(text, "auto", filename="main.tf")
    assert report.kind == "pipeline"
    assert report.errors


def test_meta_arguments_and_lifecycle_are_accepted_in_any_resource() -> None:
    text = PIPELINE.replace(
        "  name         = var.project\n",
        "  name         = var.project\n  depends_on   = []\n  lifecycle {\n"
        "    prevent_destroy = true\n  }\n",
    )
    assert _errors(text) == []


def test_a_custom_deployment_config_is_read_and_fits_the_group() -> None:
    custom = """
resource "aws_codedeploy_deployment_config" "canary25" {
  deployment_config_name = "Canary25Percent3Minutes"
  compute_platform       = "ECS"
  traffic_routing_config {
    type = "TimeBasedCanary"
    time_based_canary {
      interval   = 3
      percentage = 25
    }
  }
}
"""
    text = (
        NOTES_TF.replace(
            '"CodeDeployDefault.ECSCanary10Percent5Minutes"',
            "aws_codedeploy_deployment_config.canary25.deployment_config_name",
        )
        + custom
    )
    assert _errors(text) == []
    (conv,) = read_terraform({"main.tf": text}, run=True)
    assert conv.deployment_configs == {
        "Canary25Percent3Minutes": {
            "traffic_routing": {"type": "TimeBasedCanary", "percentage": 25, "interval": 3}
        }
    }
    group = conv.applications["app"]["deployment_groups"]["production"]
    assert group["deployment_config"] == "Canary25Percent3Minutes"
