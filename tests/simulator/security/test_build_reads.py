"""Everything the host reads back from a build's work tree after learner commands ran."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from simulator.codebuild import BuildOptions, build
from simulator.sandbox import MIB, Limits
from simulator.world import load_world

pytestmark = pytest.mark.sandbox

WORLD = """
account: "111122223333"
region: eu-west-1
s3:
  buckets:
    codebuild-artifacts-111122223333: {}
"""


def run_build(tmp_path: Path, commands: str, world=None, *, tail: str = "", **kw):
    """Build `commands` (from spec()) followed by `tail` (artifacts:, reports:, cache:...)."""
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "app.txt").write_text("learner file\n")
    kw.setdefault("limits", Limits(output_bytes=1 * MIB, processes=64, tmp_bytes=16 * MIB))
    kw.setdefault("time_limit", 20.0)
    return build(commands + tail, source, world or load_world(WORLD), BuildOptions(**kw))


def spec(*commands: str) -> str:
    lines = "".join(f"      - {json.dumps(c)}\n" for c in commands)
    return f"version: 0.2\nphases:\n  build:\n    commands:\n{lines}"


def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sorted(archive.namelist())


def test_fifo_named_like_an_artifact_is_skipped_without_blocking(tmp_path):
    result = run_build(
        tmp_path,
        spec("mkdir out && mkfifo out/app.zip && echo ok > out/readme"),
        tail="artifacts:\n  files: ['out/**/*']\n",
    )
    assert result.status == "SUCCEEDED"
    [artifact] = result.artifacts
    assert artifact.files == ["out/readme"]


@pytest.mark.parametrize(
    "artifacts",
    [
        "artifacts:\n  files: ['../../../../etc/passwd']\n",
        "artifacts:\n  files: ['**/*']\n  base-directory: '../../../../etc'\n",
        "artifacts:\n  files: ['/etc/passwd']\n",
        "artifacts:\n  files: ['/codebuild/output/src/../../../etc/passwd']\n",
    ],
)
def test_artifact_paths_cannot_climb_out_of_the_tree(tmp_path, artifacts):
    result = run_build(tmp_path, spec("true"), tail=artifacts)
    for artifact in result.artifacts:
        assert all("passwd" not in name for name in zip_names(artifact.data))
    assert result.phase("UPLOAD_ARTIFACTS").status == "FAILED"


def test_symlinks_out_of_the_tree_are_never_followed(tmp_path):
    result = run_build(
        tmp_path,
        spec("mkdir out && ln -s /etc/passwd out/passwd && ln -s /etc out/etc && echo x > out/x"),
        tail="artifacts:\n  files: ['out/**/*']\n  enable-symlinks: yes\n",
    )
    [artifact] = result.artifacts
    assert zip_names(artifact.data) == ["out/x"]
    assert any("points outside the source directory" in line for line in result.log_lines)


def test_report_file_that_is_a_symlink_to_etc_passwd_is_not_read(tmp_path):
    result = run_build(
        tmp_path,
        spec("mkdir -p reports && ln -s /etc/passwd reports/junit.xml"),
        tail="reports:\n  unit:\n    files: ['reports/*.xml']\n    file-format: JUNITXML\n",
    )
    [report] = result.reports
    assert report.files == [] and report.total == 0
    assert report.status == "INCOMPLETE"
    assert "root:x:0:0" not in result.log


def test_hostile_coverage_report_is_incomplete_not_a_crash(tmp_path):
    result = run_build(
        tmp_path,
        spec("mkdir -p cov && echo '<coverage line-rate=\"lots\"/>' > cov/c.xml"),
        tail="reports:\n  cov:\n    files: ['cov/c.xml']\n    file-format: COBERTURAXML\n",
    )
    [report] = result.reports
    assert report.status == "INCOMPLETE" and report.line_coverage is None
    assert result.status == "SUCCEEDED"
    assert any("not a valid COBERTURAXML report" in line for line in result.log_lines)


def test_exported_variables_with_newlines_and_equals_signs_come_back_exactly(tmp_path):
    value = "line one\nSECOND=forged\n$(touch pwned)"
    result = run_build(
        tmp_path,
        spec("export MULTI=$'line one\\nSECOND=forged\\n$(touch pwned)'", "export OTHER=plain"),
        tail="env:\n  exported-variables: [MULTI, OTHER, SECOND]\n",
    )
    assert result.exported_variables == {"MULTI": value, "OTHER": "plain", "SECOND": ""}


def test_poisoned_cache_object_does_not_break_the_next_build(tmp_path):
    world = load_world(WORLD)
    cache = "cache:\n  key: deps\n  paths: ['deps/**/*']\n"
    key = "s3://codebuild-artifacts-111122223333/lab-project/cache/deps.zip"
    (tmp_path / "one").mkdir()
    first = run_build(
        tmp_path / "one",
        spec("echo not-a-zip > junk", f"aws s3 cp junk {key}"),
        world=world,
        tail=cache,
    )
    assert first.status == "SUCCEEDED"
    (tmp_path / "two").mkdir()
    second = run_build(tmp_path / "two", spec("ls"), world=world, tail=cache)
    assert second.status == "SUCCEEDED"
    assert any("not restored: the cache zip cannot be read" in line for line in second.log_lines)
