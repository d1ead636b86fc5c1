"""`python -m simulator build`: JSON shape, exit codes, artifacts written out, usage errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from simulator._cli import main

pytestmark = pytest.mark.sandbox

FIXTURES = Path(__file__).parent / "fixtures"


def test_build_json_succeeds_and_writes_artifacts(tmp_path, capsys):
    code = main(
        [
            "build",
            "--buildspec",
            str(FIXTURES / "node-buildspec.yml"),
            "--source",
            str(FIXTURES / "node-app"),
            "--world",
            str(FIXTURES / "node-world.yml"),
            "--artifacts-out",
            str(tmp_path / "out"),
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert list(data) == ["status", "phases", "artifacts", "exported_variables", "log"]
    assert data["status"] == "SUCCEEDED"
    assert all(set(p) == {"name", "status", "duration_ms"} for p in data["phases"])
    assert data["phases"][4] == {**data["phases"][4], "name": "INSTALL", "status": "SUCCEEDED"}
    assert "Entering phase POST_BUILD" in data["log"]
    [zip_path] = (tmp_path / "out").iterdir()
    with zipfile.ZipFile(zip_path) as archive:
        assert "imagedefinitions.json" in archive.namelist()


def test_build_text_streams_the_log_and_exits_1_on_failure(tmp_path, capsys):
    spec = tmp_path / "buildspec.yml"
    spec.write_text(
        "version: 0.2\nphases:\n  build:\n    commands:\n      - echo hello\n      - exit 4\n"
    )
    code = main(["build", "--buildspec", str(spec), "--source", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "\nhello\n" in out
    assert "Command did not exit successfully exit 4 exit status 4" in out
    assert out.rstrip().endswith(
        "Build FAILED: Error while executing command: exit 4. Reason: exit status 4"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--buildspec", "nope.yml", "--source", "."], "--buildspec nope.yml: no such file"),
        (["--source", "/definitely/not/here"], "--source /definitely/not/here: not a directory"),
        (["--time-limit", "-3"], "must be more than 0"),
        (["--format", "xml"], "invalid choice"),
        (["--world", "WORLD"], "--world: "),
    ],
)
def test_usage_errors_exit_2(tmp_path, capsys, args, message):
    spec = tmp_path / "buildspec.yml"
    spec.write_text("version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n")
    bad_world = tmp_path / "world.yml"
    bad_world.write_text("account: 12\n")
    base = {"--buildspec": str(spec), "--source": str(tmp_path)}
    given = [a.replace("WORLD", str(bad_world)) for a in args]
    for flag, value in base.items():
        if flag not in given:
            given += [flag, value]
    try:
        code = main(["build", *given])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_build_refuses_without_a_sandbox(tmp_path, capsys, monkeypatch):
    from simulator.sandbox import SandboxUnavailable, _probe

    def unavailable(_bwrap=None):
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed")

    monkeypatch.setattr(_probe, "probe", unavailable)
    monkeypatch.setattr("simulator.sandbox.probe", unavailable)
    marker = tmp_path / "ran"
    spec = tmp_path / "buildspec.yml"
    spec.write_text(f"version: 0.2\nphases:\n  build:\n    commands:\n      - touch {marker}\n")
    code = main(["build", "--buildspec", str(spec), "--source", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "cannot run the build: bubblewrap (bwrap) is not installed" in captured.err
    assert not marker.exists()
