"""`python -m simulator deploy`: JSON shape graders rely on, exit codes, usage errors."""

from __future__ import annotations

import json

import pytest

from simulator._cli import main
from tests.simulator.deploy.conftest import write_revision

WORLD = """
account: "111122223333"
ec2:
  instances: {i-1: {}, i-2: {}}
codedeploy:
  applications:
    web:
      deployment_groups:
        prod: {instances: [i-1, i-2], load_balancer: true}
"""


@pytest.fixture
def files(tmp_path):
    rev = write_revision(tmp_path / "rev", hooks=("ApplicationStart",))
    world = tmp_path / "world.yml"
    world.write_text(WORLD)
    return rev, world


@pytest.mark.sandbox
def test_json_output_has_exactly_the_graded_keys(files, capsys, tmp_path):
    rev, world = files
    svg = tmp_path / "traffic.svg"
    code = main(
        [
            "deploy",
            "--appspec",
            str(rev / "appspec.yml"),
            "--revision",
            str(rev),
            "--world",
            str(world),
            "--group",
            "prod",
            "--format",
            "json",
            "--svg",
            str(svg),
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(data) == {"status", "rolled_back", "events", "traffic", "config", "deployment_id"}
    assert data["status"] == "Succeeded" and data["rolled_back"] is False
    assert set(data["events"][0]) == {"target", "event", "status", "start", "end"}
    assert set(data["traffic"][0]) == {"minute", "percent_new"}
    assert data["config"] == "CodeDeployDefault.OneAtATime"
    assert svg.read_text().startswith("<svg")


@pytest.mark.sandbox
def test_text_output_and_failed_exit_code(files, capsys):
    rev, world = files
    (rev / "scripts" / "ApplicationStart.sh").write_text("#!/bin/bash\necho nope\nexit 4\n")
    code = main(
        [
            "deploy",
            "--appspec",
            str(rev / "appspec.yml"),
            "--revision",
            str(rev),
            "--world",
            str(world),
            "--group",
            "prod",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "ApplicationStart       Failed (ScriptFailed" in out
    assert "| nope" in out


def test_usage_errors_exit_2(files, capsys, tmp_path):
    rev, world = files
    base = [
        "deploy",
        "--appspec",
        str(rev / "appspec.yml"),
        "--revision",
        str(rev),
        "--world",
        str(world),
        "--group",
        "prod",
    ]
    cases = [
        ([*base[:2], str(tmp_path / "none.yml"), *base[3:]], "no such file"),
        ([*base[:4], str(tmp_path / "nodir"), *base[5:]], "not a directory"),
        ([*base[:-1], "nope"], "known groups: web/prod"),
    ]
    bad_world = tmp_path / "bad.yml"
    bad_world.write_text("acount: 1\n")
    cases.append(
        (
            [*base[:6], str(bad_world), *base[7:]],
            "bad.yml:1:1: acount: unknown key; did you mean 'account'?",
        )
    )
    for argv, message in cases:
        assert main(argv) == 2
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["deploy", "--appspec", "x"])
    assert exc.value.code == 2
