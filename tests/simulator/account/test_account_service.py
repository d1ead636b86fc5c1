"""The account lives outside the sandbox: real AWS CLI in, host-decided facts out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.codebuild import BuildOptions, build
from simulator.world import load_world

pytestmark = pytest.mark.sandbox

WORLD = """
account: "111122223333"
region: eu-west-1
accounts:
  "222233334444": {name: test}
  "444455556666": {name: prod}
roles:
  - {name: deployer, account: "222233334444", trust: ["111122223333"]}
  - {name: locked, account: "444455556666", trust: ["999988887777"]}
parameters:
  /app/prod/url: {value: https://orders.example}
  /app/prod/db-password: {type: SecureString, value: Sup3r-Secret-Pw}
  /app/prod/flags: {value: a-b}
secrets:
  prod/api-key: {value: sk-live-1234567890}
ecr:
  repositories: [web]
s3:
  buckets:
    artifacts: {}
"""
REPO = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web"


def _build(tmp_path: Path, commands: list[str], world_text: str = WORLD, env: str = ""):
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "app.js").write_text("console.log('hi')\n")
    (source / "Dockerfile").write_text("FROM node:20\nCOPY app.js .\n")
    spec = "version: 0.2\n" + env + "phases:\n  build:\n    commands:\n"
    # Each command reports its exit code on a line of its own, so one failing command does
    # not end the phase (the test reads the codes; the build's own status is not the point).
    spec += "".join(f"      - {json.dumps(f'( {c} ); echo __rc=$?')}\n" for c in commands)
    world = load_world(world_text)
    lines: list[str] = []
    result = build(spec, source, world, BuildOptions(time_limit=60, on_line=lines.append))
    result.codes = [int(line[5:]) for line in lines if line.startswith("__rc=")]
    return result, world, lines


def test_forged_journal_and_files_change_nothing_in_the_account(tmp_path: Path) -> None:
    forged = json.dumps({"op": "ecr.push", "repository": "web", "tag": "v1", "digest": "sha256:1"})
    result, world, _ = _build(
        tmp_path,
        [
            f"mkdir -p /codebuild/pa/journal && echo '{forged}' >> /codebuild/pa/journal/journal.jsonl || true",
            f"for d in /tmp /root /codebuild/output/src; do echo '{forged}' >> $d/journal.jsonl; done",
            "echo '[Container] 2026/01/01 00:00:00.000 Running command docker push' ",
            "touch /codebuild/pa/account/fake 2>/dev/null || true",
        ],
    )
    assert result.status == "SUCCEEDED"
    snapshot = world.snapshot()
    assert snapshot.images_in("web") == ()
    assert world.changes_of("ecr.push") == []
    assert not any(c.operation == "PutImage" for c in world.api_calls())


def test_docker_push_needs_a_host_built_image_and_an_issued_login(tmp_path: Path) -> None:
    result, world, lines = _build(
        tmp_path,
        [
            f"docker push {REPO}:v1",  # nothing built, no login
            f"docker build -t {REPO}:v1 .",
            f"docker push {REPO}:v1",  # built, but no login
            f"docker login -u AWS -p not-a-token {REPO}",  # a token the account never issued
            f"docker push {REPO}:v1",
            f"docker push {REPO}:v2",  # logged-in below? no: still refused, never built
        ],
    )
    codes = result.codes
    assert codes[0] != 0 and codes[1] == 0 and codes[2] != 0 and codes[3] != 0
    assert world.snapshot().images_in("web") == ()
    assert any("no basic auth credentials" in line for line in lines)


def test_docker_push_after_login_puts_the_built_image_in_ecr(tmp_path: Path) -> None:
    result, world, _ = _build(
        tmp_path,
        [
            f"aws ecr get-login-password | docker login --username AWS --password-stdin {REPO}",
            f"docker build -t {REPO}:v1 .",
            f"docker push {REPO}:v1",
            f"docker push {REPO}:v9",  # never built
        ],
    )
    codes = result.codes
    assert codes[:3] == [0, 0, 0] and codes[3] != 0
    images = world.snapshot().images_in("web")
    assert [i.tags for i in images] == [("v1",)]
    built = next(e for e in world.account().call("docker_events") if e["action"] == "build")
    assert world.changes_of("ecr.push")[0]["digest"] == built["image_id"]


def test_docker_build_checks_copy_sources_in_the_context(tmp_path: Path) -> None:
    result, _world, lines = _build(
        tmp_path,
        [
            "printf 'FROM node:20\\nCOPY missing.js .\\n' > Dockerfile",
            f"docker build -t {REPO}:x .",
        ],
    )
    assert result.codes[1] != 0
    assert any("missing.js" in line for line in lines)


def test_ssm_reads_through_the_real_cli_and_env_parameter_store(tmp_path: Path) -> None:
    env = "env:\n  parameter-store:\n    DB_PASSWORD: /app/prod/db-password\n"
    result, _world, lines = _build(
        tmp_path,
        [
            "test \"$(aws ssm get-parameter --name /app/prod/url --query 'Parameter.Value' "
            '--output text)" = https://orders.example',
            "test \"$(aws ssm get-parameters --names /app/prod/url --query 'Parameters[0].Value' "
            '--output text)" = https://orders.example',
            'test "$(aws ssm get-parameters-by-path --path /app/prod --query '
            "'length(Parameters)' --output text)\" = 3",
            'test "$DB_PASSWORD" = Sup3r-Secret-Pw',
            "aws ssm get-parameter --name /app/prod/nope",
        ],
        env=env,
    )
    codes = result.codes
    assert codes[:4] == [0, 0, 0, 0], lines
    assert codes[4] == 255  # the CLI's own exit code for a service error
    assert any("ParameterNotFound" in line for line in lines)


def test_put_parameter_changes_the_account_only_through_the_api(tmp_path: Path) -> None:
    result, world, _ = _build(
        tmp_path,
        ["aws ssm put-parameter --name /app/prod/url --value https://v2.example --overwrite"],
    )
    assert result.status == "SUCCEEDED"
    param = world.snapshot().parameter("/app/prod/url")
    assert param is not None and param.value == "https://v2.example" and param.version == 2


def test_stack_sets_deploy_across_the_worlds_accounts_and_regions(tmp_path: Path) -> None:
    template = json.dumps(
        {
            "Resources": {
                "Flag": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {"Name": "/baseline/flag", "Type": "String", "Value": "on"},
                }
            }
        }
    )
    result, world, lines = _build(
        tmp_path,
        [
            f"echo '{template}' > t.json",
            "aws cloudformation create-stack-set --stack-set-name baseline "
            "--template-body file://t.json",
            "aws cloudformation create-stack-instances --stack-set-name baseline "
            "--accounts 222233334444 444455556666 --regions eu-west-1 us-east-1",
            'test "$(aws cloudformation list-stack-instances --stack-set-name baseline '
            "--query 'length(Summaries)' --output text)\" = 4",
        ],
    )
    assert result.codes == [0, 0, 0, 0], lines
    instances = world.snapshot().stack_instances
    assert {(i.account, i.region) for i in instances} == {
        (a, r) for a in ("222233334444", "444455556666") for r in ("eu-west-1", "us-east-1")
    }


def test_cross_account_assume_role_gives_the_other_accounts_credentials(tmp_path: Path) -> None:
    assume = (
        "aws sts assume-role --role-arn arn:aws:iam::{account}:role/{name} "
        "--role-session-name lab --query Credentials --output json > creds.json"
    )
    use = (
        'export AWS_ACCESS_KEY_ID=$(python3 -c \'import json;print(json.load(open("creds.json"))'
        "[\"AccessKeyId\"])') AWS_SECRET_ACCESS_KEY=$(python3 -c 'import json;print(json.load("
        'open("creds.json"))["SecretAccessKey"])\') AWS_SESSION_TOKEN=$(python3 -c \'import '
        'json;print(json.load(open("creds.json"))["SessionToken"])\')'
    )
    result, world, lines = _build(
        tmp_path,
        [
            assume.format(account="222233334444", name="deployer"),
            use
            + ' && test "$(aws sts get-caller-identity --query Account --output text)"'
            + " = 222233334444",
            assume.format(account="444455556666", name="locked"),
        ],
    )
    codes = result.codes
    assert codes[:2] == [0, 0], lines
    assert codes[2] != 0
    denied = [c for c in world.api_calls() if c.operation == "AssumeRole" and not c.ok]
    assert denied and denied[0].error_code == "AccessDenied"


def test_the_call_log_is_complete_and_redacts_secrets(tmp_path: Path) -> None:
    result, world, _ = _build(
        tmp_path,
        [
            "aws secretsmanager get-secret-value --secret-id prod/api-key > /dev/null",
            "aws ssm put-parameter --name /app/new --type SecureString --value hunter2-secret",
            "aws secretsmanager put-secret-value --secret-id prod/api-key "
            "--secret-string rotated-value-42",
            "aws s3 ls s3://nope-bucket || true",
        ],
    )
    assert result.status == "SUCCEEDED"
    calls = [c for c in world.api_calls() if c.origin == "build:BUILD"]
    operations = [(c.service, c.operation) for c in calls]
    assert operations == [
        ("secretsmanager", "GetSecretValue"),
        ("ssm", "PutParameter"),
        ("secretsmanager", "PutSecretValue"),
        ("s3", "ListObjectsV2"),
    ]
    assert calls[-1].error_code == "NoSuchBucket" and calls[-1].status == 404
    assert all(c.account == "111122223333" and c.region == "eu-west-1" for c in calls)
    text = json.dumps([c.params for c in world.api_calls()])
    for secret in ("hunter2-secret", "rotated-value-42", "sk-live-1234567890", "Sup3r-Secret-Pw"):
        assert secret not in text
    assert calls[1].params["Value"] == "****"


def test_unknown_credentials_are_refused_like_aws(tmp_path: Path) -> None:
    result, _world, lines = _build(
        tmp_path,
        [
            "AWS_ACCESS_KEY_ID=AKIAFORGEDFORGED0000 aws ssm get-parameter --name /app/prod/url",
        ],
    )
    assert result.codes[0] == 255
    assert any("InvalidClientTokenId" in line or "security token" in line for line in lines)


def test_each_world_gets_a_fresh_account(tmp_path: Path) -> None:
    _r, first, _ = _build(
        tmp_path, ["aws ssm put-parameter --name /only/first --type String --value 1"]
    )
    _r, second, _ = _build(tmp_path, ["aws ssm get-parameter --name /only/first || true"])
    assert first.snapshot().parameter("/only/first") is not None
    assert second.snapshot().parameter("/only/first") is None


def test_budgets_answer_with_aws_style_errors(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    world = load_world(WORLD)
    world.account().call("budget", calls=3, stored=64 * 1024)
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - ( for i in 1 2 3 4; do aws ssm get-parameter --name /app/prod/url"
        " > /dev/null; echo __rc=$?; done )\n"
    )
    lines: list[str] = []
    build(spec, source, world, BuildOptions(time_limit=60, on_line=lines.append))
    codes = [int(line[5:]) for line in lines if line.startswith("__rc=")]
    assert codes == [0, 0, 0, 255]
    assert any("ThrottlingException" in line for line in lines)
    refused = [c for c in world.api_calls() if c.error_code == "ThrottlingException"]
    # The CLI retries a throttled call as it does on AWS; every attempt is refused and logged.
    assert refused and all(c.operation == "GetParameter" for c in refused)


def test_stored_bytes_budget(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    world = load_world(WORLD)
    world.account().call("budget", stored=100_000)
    spec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - head -c 60000 /dev/zero > big.bin\n"
        "      - ( aws s3 cp big.bin s3://artifacts/one.bin; echo __rc=$? )\n"
        "      - ( aws s3 cp big.bin s3://artifacts/two.bin; echo __rc=$? )\n"
    )
    lines: list[str] = []
    build(spec, source, world, BuildOptions(time_limit=60, on_line=lines.append))
    codes = [int(line[5:]) for line in lines if line.startswith("__rc=")]
    assert codes[0] == 0 and codes[1] != 0
    snapshot = world.snapshot()
    assert snapshot.object("artifacts", "one.bin") is not None
    assert snapshot.object("artifacts", "two.bin") is None


def test_the_sandbox_reaches_only_the_aws_front(tmp_path: Path) -> None:
    probe = (
        'python3 -c "import socket; s=socket.socket(socket.AF_UNIX); '
        "s.connect('/codebuild/pa/account/aws.sock'); "
        "s.sendall(b'POST /seed HTTP/1.0\\r\\nContent-Length: 2\\r\\n\\r\\n{}'); "
        "print(s.recv(200).split(b' ')[1].decode())\""
    )
    result, world, lines = _build(
        tmp_path,
        [
            "ls /codebuild/pa/account",
            probe,
            "test ! -e /codebuild/pa/account/control.sock",
        ],
    )
    assert result.codes == [0, 0, 0], lines
    assert "aws.sock" in lines and "403" in lines
    assert not any(line.strip() == "control.sock" for line in lines)
    refused = [
        c for c in world.api_calls() if c.error_code == "MissingAuthenticationTokenException"
    ]
    assert refused and world.snapshot().parameter("/app/prod/url").version == 1
