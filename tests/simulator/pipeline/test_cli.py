"""`python -m simulator pipeline`: approvals up front, pause + resume, SVG, usage errors."""

from __future__ import annotations

import json

import pytest

from simulator._cli import main
from simulator.codepipeline.examples import SIX_STAGE

BASE = [
    "pipeline",
    "--pipeline",
    str(SIX_STAGE / "pipeline.json"),
    "--source",
    f"GitHub_Source={SIX_STAGE / 'source'}",
    "--world",
    str(SIX_STAGE / "world.yml"),
]


@pytest.mark.sandbox
def test_pause_save_and_resume_with_svg(capsys, tmp_path):
    saved, svg = tmp_path / "run.json", tmp_path / "run.svg"
    code = main([*BASE, "--format", "json", "--save-state", str(saved), "--svg", str(svg)])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["status"] == "InProgress" and data["paused"] is True
    assert data["waiting"]["action"] == "ManualApproval"
    assert set(data["stages"][0]["actions"][0]) == {
        "name",
        "category",
        "provider",
        "status",
        "summary",
    }
    assert "<svg" in svg.read_text()
    code = main(["pipeline", "--resume", str(saved), "--approve", "yes", "--format", "json"])
    done = json.loads(capsys.readouterr().out)
    assert code == 0
    assert done["status"] == "Succeeded"
    assert done["execution_id"] == data["execution_id"]


@pytest.mark.sandbox
def test_rejected_up_front(capsys):
    code = main([*BASE, "--approve", "no"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ManualApproval (Approval/Manual): Failed - Rejected by learner" in out


def test_usage_errors_exit_2(capsys, tmp_path):
    cases = [
        (
            [
                "pipeline",
                "--pipeline",
                str(SIX_STAGE / "pipeline.json"),
                "--source",
                "Nope",
                "--world",
                str(SIX_STAGE / "world.yml"),
            ],
            "write NAME=DIR",
        ),
        (
            [
                "pipeline",
                "--pipeline",
                str(SIX_STAGE / "pipeline.json"),
                "--world",
                str(SIX_STAGE / "world.yml"),
            ],
            "no source directory for source action",
        ),
        (
            ["pipeline", "--pipeline", str(tmp_path / "x.json"), "--source", "a=b", "--world", "w"],
            "no such file",
        ),
        (["pipeline", "--resume", str(tmp_path / "x.json")], "needs --approve"),
        ([*BASE[:1], "--world", "w"], "--pipeline and --world are required"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err
