"""The CLI contract graders depend on: arguments, text and JSON output, exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator._cli import main
from tests.simulator.corpus import REPO

DATA = Path(__file__).parent / "data"
GOOD = "version: 0.2\nphases:\n  build:\n    commands: [ls]\n"
BAD = "version: 0.2\nphases:\n  build:\n    on-failure: IGNORE\n    commands: [ls]\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"good": tmp_path / "buildspec.yml", "bad": tmp_path / "bad" / "buildspec.yml"}
    paths["bad"].parent.mkdir()
    paths["good"].write_text(GOOD)
    paths["bad"].write_text(BAD)
    return paths


def test_exit_0_when_no_error(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(files["good"])]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_exit_1_and_compiler_style_text(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(files["good"]), str(files["bad"])]) == 1
    out = capsys.readouterr().out
    assert f"{files['bad']}:4:17: error BS010 " in out


def test_json_shape(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(files["bad"]), "--format", "json", "--kind", "buildspec"]) == 1
    [report] = json.loads(capsys.readouterr().out)
    assert set(report) == {"file", "kind", "findings"}
    assert report["kind"] == "buildspec"
    assert set(report["findings"][0]) == {
        "code",
        "severity",
        "line",
        "column",
        "path",
        "message",
        "hint",
    }


def test_exit_2_for_directory_and_missing_file(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(files["bad"].parent)]) == 2
    assert "YM015" in capsys.readouterr().out
    assert main(["check", str(files["good"].parent / "nope.yml")]) == 2


def test_huge_file_is_refused_without_reading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "buildspec.yml"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    assert main(["check", str(huge)]) == 1
    out = capsys.readouterr().out
    assert "YM005" in out and "52,428,800 bytes" in out


def test_exit_2_for_usage_errors(files: dict[str, Path]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["check", str(files["good"]), "--kind", "dockerfile"])
    assert raised.value.code == 2
    assert main(["check", str(files["good"]), "--revision", str(files["good"])]) == 2


def test_options_reach_the_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "buildspec.yml"
    spec.write_text(
        GOOD.replace("phases:\n", "phases:\n  install:\n    runtime-versions:\n      nodejs: 20\n")
    )
    assert main(["check", str(spec), "--image", "aws/codebuild/standard:5.0"]) == 0
    assert "BS020" in capsys.readouterr().out
    appspec = tmp_path / "appspec.yml"
    appspec.write_text("version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: s.sh\n")
    assert main(["check", str(appspec), "--revision", str(tmp_path)]) == 1
    assert "AS021" in capsys.readouterr().out
    assert main(["check", str(DATA / "example_ecs_appspec.yaml"), "--platform", "ecs"]) == 0


def test_python_dash_m_entry_point(files: dict[str, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "check", str(files["bad"])],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "BS010" in done.stdout


def test_examples_from_the_course_notes_pass(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [
        str(DATA / n)
        for n in ("example_buildspec.yml", "example_ecs_appspec.yaml", "example_pipeline.json")
    ]
    assert main(["check", *paths]) == 0


# -- pipeline forms (Terraform and CloudFormation) -------------------------------------------
FORMS = Path(__file__).parent / "forms" / "notes"


def test_check_reads_a_terraform_module_with_its_sibling_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (FORMS / "pipeline.tf").read_text()
    main_tf = text.replace('"app-pipeline"', "var.pipeline_name", 1)
    (tmp_path / "main.tf").write_text(main_tf)
    assert main(["check", str(tmp_path / "main.tf")]) == 1
    out = capsys.readouterr().out
    line = next(n for n, t in enumerate(main_tf.splitlines(), 1) if "var.pipeline_name" in t)
    assert f"main.tf:{line}:" in out and "TF002" in out
    (tmp_path / "variables.tf").write_text('variable "pipeline_name" {\n  default = "app"\n}\n')
    assert main(["check", str(tmp_path / "main.tf"), "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["kind"] == "pipeline"


def test_pipeline_command_refuses_a_terraform_pipeline_with_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = (
        (FORMS / "pipeline.tf")
        .read_text()
        .replace("aws_codebuild_project.unit_tests.name", "aws_codebuild_project.unit.name")
    )
    (tmp_path / "pipeline.tf").write_text(broken)
    status = main(
        [
            "pipeline",
            "--pipeline", str(tmp_path / "pipeline.tf"),
            "--source", f"GitHub_Source={FORMS / 'source'}",
            "--world", str(FORMS / "world.yml"),
        ]
    )  # fmt: skip
    assert status == 2
    err = capsys.readouterr().err
    line = next(n for n, t in enumerate(broken.splitlines(), 1) if "project.unit.name" in t)
    assert f"pipeline.tf:{line}:" in err and "not declared" in err


def test_pipeline_command_runs_a_cloudformation_pipeline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(
        [
            "pipeline",
            "--pipeline", str(FORMS / "pipeline.yaml"),
            "--source", f"GitHub_Source={FORMS / 'source'}",
            "--world", str(FORMS / "world.yml"),
            "--approve", "yes",
            "--format", "json",
        ]
    )  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert status == 0 and result["status"] == "Succeeded"
    assert len(result["stages"]) == 6
