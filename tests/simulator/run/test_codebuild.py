"""CodeBuild: phases and transitions, shells, on-failure, env and masking, artifacts, reports."""

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

FIXTURES = Path(__file__).parent / "fixtures"
WORLD = """
account: "111122223333"
region: eu-west-1
parameters:
  /app/db/password: {type: SecureString, value: s3cr3t-db-pass}
secrets:
  prod/api-key: {value: {API_KEY: key-abc-123}}
"""


class FakeClock:
    """Starts at 2026-11-22 16:00:00 UTC and moves 1 ms per reading."""

    def __init__(self) -> None:
        self.now = 1795363200.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


def run_build(tmp_path: Path, spec: str, files: dict[str, str] | None = None, world=None, **kw):
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    for name, text in (files or {}).items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    kw.setdefault("limits", Limits(output_bytes=4 * MIB, processes=64, tmp_bytes=16 * MIB))
    return build(spec, source, world or load_world(WORLD), BuildOptions(**kw))


def statuses(result) -> list[tuple[str, str | None]]:
    return [(p.name, p.status) for p in result.phases]


def commands(*lines: str) -> str:
    return "".join(f"      - {json.dumps(line)}\n" for line in lines)


def test_node_docker_buildspec_end_to_end():
    world = load_world(FIXTURES / "node-world.yml")
    result = build(
        (FIXTURES / "node-buildspec.yml").read_text(),
        FIXTURES / "node-app",
        world,
        BuildOptions(artifact_bucket="artifact-store"),
    )
    assert result.status == "SUCCEEDED", result.log
    assert [p.name for p in result.phases] == [
        "SUBMITTED",
        "QUEUED",
        "PROVISIONING",
        "DOWNLOAD_SOURCE",
        "INSTALL",
        "PRE_BUILD",
        "BUILD",
        "POST_BUILD",
        "UPLOAD_ARTIFACTS",
        "FINALIZING",
        "COMPLETED",
    ]
    assert "Login Succeeded" in result.log_lines
    images = world.state["ecr"]["demo-app"]["images"]
    assert sorted(images[0]["tags"]) == ["0123456", "latest"]
    [artifact] = result.artifacts
    assert artifact.files == ["appspec.yaml", "imagedefinitions.json", "taskdef.json"]
    with zipfile.ZipFile(io.BytesIO(artifact.data)) as archive:
        defs = json.loads(archive.read("imagedefinitions.json"))
    uri = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/demo-app:0123456"
    assert defs == [{"name": "app", "imageUri": uri}]
    assert world.s3_get("artifact-store", artifact.key) == artifact.data
    reads = [c["action"] for c in world.changes[:2]]
    assert reads == ["ssm.read", "secrets.read"]


def test_log_format_is_codebuilds_and_streams(tmp_path):
    seen: list[str] = []
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n" + commands("echo hi", "false")
    result = run_build(tmp_path, spec, clock=FakeClock(), on_line=seen.append)
    assert seen == result.log_lines
    assert "[Container] 2026/11/22 16:00:00.0" in result.log_lines[0]
    text = result.log
    assert "Entering phase BUILD" in text
    assert "Running command echo hi\nhi\n" in text
    assert "Command did not exit successfully false exit status 1" in text
    assert "Phase complete: BUILD State: FAILED" in text
    assert (
        "Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing "
        "command: false. Reason: exit status 1"
    ) in text


def test_pre_build_failure_skips_to_finalizing(tmp_path):
    spec = (
        "version: 0.2\nphases:\n  pre_build:\n    commands:\n"
        + commands("exit 3")
        + "  build:\n    commands:\n"
        + commands("echo never")
        + "  post_build:\n    commands:\n"
        + commands("echo never")
        + "artifacts:\n  files: ['**/*']\n"
    )
    result = run_build(tmp_path, spec, {"a.txt": "x"})
    assert result.status == "FAILED"
    assert statuses(result)[3:] == [
        ("DOWNLOAD_SOURCE", "SUCCEEDED"),
        ("INSTALL", "SUCCEEDED"),
        ("PRE_BUILD", "FAILED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    assert "never" not in result.log_lines
    assert result.artifacts == []


def test_build_failure_still_runs_post_build_and_upload(tmp_path):
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        + commands("echo before; echo $CODEBUILD_BUILD_SUCCEEDING", "false", "echo skipped")
        + "    finally:\n"
        + commands("echo cleanup")
        + "  post_build:\n    commands:\n"
        + commands('echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"', "echo out > out.txt")
        + "artifacts:\n  files: [out.txt]\n"
    )
    result = run_build(tmp_path, spec)
    assert result.status == "FAILED"
    assert ("POST_BUILD", "SUCCEEDED") in statuses(result)
    assert ("UPLOAD_ARTIFACTS", "SUCCEEDED") in statuses(result)
    lines = result.log_lines
    assert "1" in lines and "succeeding=0" in lines and "cleanup" in lines
    assert "skipped" not in lines
    assert result.artifacts[0].files == ["out.txt"]


def test_on_failure_continue_abort_and_retry(tmp_path):
    spec = (
        "version: 0.2\nphases:\n  install:\n    on-failure: CONTINUE\n    commands:\n"
        + commands("false")
        + "  pre_build:\n    on-failure: RETRY-2\n    commands:\n"
        + commands("n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ $n -ge 2 ]")
        + "  build:\n    on-failure: ABORT\n    commands:\n"
        + commands("false")
        + "  post_build:\n    commands:\n"
        + commands("echo post")
    )
    result = run_build(tmp_path, spec)
    assert statuses(result)[4:] == [
        ("INSTALL", "FAILED"),
        ("PRE_BUILD", "SUCCEEDED"),
        ("BUILD", "FAILED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    assert sum("retrying" in line for line in result.log_lines) == 2
    assert "post" not in result.log_lines
    assert result.status == "FAILED"


def test_retry_with_a_regex_that_does_not_match_does_not_retry(tmp_path):
    spec = (
        "version: 0.2\nphases:\n  build:\n    on-failure: RETRY-3-timed out\n    commands:\n"
        + commands("false")
    )
    result = run_build(tmp_path, spec)
    assert not any("retrying" in line for line in result.log_lines)
    assert result.phase("BUILD").status == "FAILED"


@pytest.mark.parametrize(
    ("version", "expected"), [("0.2", ["[1] /tmp"]), ("0.1", ["[] /codebuild/output/src"])]
)
def test_one_shell_in_0_2_and_a_fresh_shell_per_command_in_0_1(tmp_path, version, expected):
    spec = f"version: {version}\nphases:\n  build:\n    commands:\n" + commands(
        "X=1; cd /tmp", 'echo "[$X] $(pwd)"'
    )
    result = run_build(tmp_path, spec)
    assert result.status == "SUCCEEDED"
    assert [
        line for line in result.log_lines if line.startswith("[") and "]" in line[:4]
    ] == expected


def test_env_sources_precedence_masking_and_exported_variables(tmp_path):
    spec = (
        "version: 0.2\nenv:\n  variables:\n    MODE: buildspec\n    KEEP: kept\n"
        "  parameter-store:\n    DB_PASSWORD: /app/db/password\n"
        "  secrets-manager:\n    API_KEY: prod/api-key:API_KEY\n"
        "  exported-variables: [IMAGE_TAG, MODE]\n"
        "phases:\n  build:\n    commands:\n"
        + commands(
            'echo "db=$DB_PASSWORD key=$API_KEY mode=$MODE keep=$KEEP"',
            "echo AKIAABCDEFGHIJKLMNOP",
            "IMAGE_TAG=v-$CODEBUILD_BUILD_NUMBER",
        )
    )
    result = run_build(tmp_path, spec, env_overrides={"MODE": "override"})
    assert "db=*** key=*** mode=override keep=kept" in result.log_lines
    assert "***" in result.log_lines and "s3cr3t" not in result.log
    assert result.exported_variables == {"IMAGE_TAG": "v-1", "MODE": "override"}


def test_missing_parameter_fails_download_source(tmp_path):
    spec = (
        "version: 0.2\nenv:\n  parameter-store:\n    X: /does/not/exist\n"
        "phases:\n  build:\n    commands:\n" + commands("echo never")
    )
    result = run_build(tmp_path, spec)
    assert statuses(result)[3:] == [
        ("DOWNLOAD_SOURCE", "FAILED"),
        ("FINALIZING", "SUCCEEDED"),
        ("COMPLETED", None),
    ]
    assert "ParameterNotFound" in result.reason


def test_bad_buildspec_is_a_yaml_file_error(tmp_path):
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo: hi\n"
    result = run_build(tmp_path, spec)
    assert result.phase("DOWNLOAD_SOURCE").status == "FAILED"
    assert "YAML_FILE_ERROR" in result.phase("DOWNLOAD_SOURCE").context
    # The checker's BS011 words, at the command's line and column.
    assert "buildspec.yml:5:9: phases.build.commands[0]:" in result.reason
    assert "put the whole command in quotes" in result.reason


def test_artifact_selection_and_secondary_artifacts(tmp_path):
    files = {
        "dist/app.js": "js",
        "dist/lib/util.js": "util",
        "dist/.env": "secret",
        "docs/readme.md": "doc",
    }
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        + commands("ln -s /etc dist/etc-link", "VERSION=7")
        + "artifacts:\n  base-directory: dist\n  files: ['**/*']\n  exclude-paths: ['**/.*']\n"
        "  name: app-$VERSION\n  enable-symlinks: yes\n"
        "  secondary-artifacts:\n    docs:\n      files: [docs/readme.md]\n      discard-paths: yes\n"
    )
    result = run_build(tmp_path, spec, files)
    assert result.status == "SUCCEEDED", result.log
    primary, docs = result.artifacts
    assert primary.name == "app-7" and primary.key == "lab-project/app-7.zip"
    assert primary.files == ["app.js", "lib/util.js"]
    assert any(
        "etc-link -> /etc: it points outside the source directory" in x for x in result.log_lines
    )
    assert docs.identifier == "docs" and docs.files == ["readme.md"]
    with zipfile.ZipFile(io.BytesIO(primary.data)) as archive:
        assert archive.read("lib/util.js") == b"util"


def test_no_matching_artifacts_fails_upload(tmp_path):
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        + commands("true")
        + "artifacts:\n  files: [missing.txt]\n"
    )
    result = run_build(tmp_path, spec)
    assert result.phase("UPLOAD_ARTIFACTS").status == "FAILED"
    assert "no matching artifact paths found" in result.reason
    assert result.status == "FAILED"


def test_junit_report_summary(tmp_path):
    xml = (
        '<testsuite name="s"><testcase classname="c" name="ok"/>'
        '<testcase classname="c" name="bad"><failure message="expected 2"/></testcase>'
        '<testcase classname="c" name="later"><skipped/></testcase></testsuite>'
    )
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        + commands("true")
        + "reports:\n  unit:\n    files: ['reports/*.xml']\n    file-format: junitxml\n"
    )
    result = run_build(tmp_path, spec, {"reports/junit.xml": xml})
    [report] = result.reports
    assert (report.total, report.passed, report.failed, report.skipped) == (3, 1, 1, 1)
    assert report.status == "FAILED" and result.status == "SUCCEEDED"
    assert report.cases[1].message == "expected 2"


def test_timeout_ends_the_build_and_the_next_build_runs(tmp_path):
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n" + commands("sleep 100000")
    result = run_build(tmp_path, spec, time_limit=1.0)
    assert result.status == "TIMED_OUT"
    assert result.phase("BUILD").status == "TIMED_OUT"
    assert result.phase("POST_BUILD") is None
    again = run_build(tmp_path, "version: 0.2\nphases:\n  build:\n    commands:\n      - echo ok\n")
    assert again.status == "SUCCEEDED"


def test_output_flood_fails_with_output_limit(tmp_path):
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n" + commands("yes flood")
    result = run_build(tmp_path, spec, limits=Limits(output_bytes=1 * MIB))
    assert result.status == "FAILED"
    assert "output limit" in result.reason


def test_cache_is_saved_and_restored(tmp_path):
    world = load_world(WORLD)
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        + commands("ls deps 2>/dev/null || echo cold", "mkdir -p deps && echo 1 > deps/a")
        + "cache:\n  paths: ['deps/**/*']\n"
    )
    (tmp_path / "one").mkdir()
    first = run_build(tmp_path / "one", spec, world=world)
    assert "cold" in first.log_lines
    (tmp_path / "two").mkdir()
    second = run_build(tmp_path / "two", spec, world=world)
    assert "cold" not in second.log_lines and "a" in second.log_lines
    assert world.changes_of("codebuild.cache_restore")


def test_cache_restore_never_writes_through_a_source_symlink(tmp_path):
    world = load_world(WORLD)
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        + commands("mkdir -p deps && echo 1 > deps/a")
        + "cache:\n  paths: ['deps/**/*']\n"
    )
    (tmp_path / "one").mkdir()
    run_build(tmp_path / "one", spec, world=world)
    target = tmp_path / "elsewhere"
    target.mkdir()
    source = tmp_path / "two" / "src"
    source.mkdir(parents=True)
    (source / "deps").symlink_to(target)
    run_build(tmp_path / "two", spec, world=world)
    assert list(target.iterdir()) == []
