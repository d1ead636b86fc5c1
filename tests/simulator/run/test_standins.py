"""Tools inside the sandbox (real AWS CLI, docker client, npm/pip/mvn/gradle/sam stand-ins)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.sandbox import ShellSession
from simulator.standins import Channel
from simulator.standins._channel import TOOLS_PATH
from simulator.world import load_world
from tests.simulator.run.conftest import short_limits

pytestmark = pytest.mark.sandbox

WORLD = """
account: "111122223333"
region: eu-west-1
parameters:
  /cfg/url: {value: https://example.test}
ecr:
  repositories: [web]
s3:
  buckets:
    bucket: {objects: {"in/data.txt": payload}}
lambda:
  functions:
    orders: {versions: [1], aliases: {live: {version: 1}}}
codedeploy:
  applications:
    web:
      deployment_groups:
        prod: {}
codeartifact:
  domains:
    corp: {repositories: [npm-store]}
"""
REPO = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web"


@pytest.fixture
def tools() -> Iterator:
    world = load_world(WORLD)
    channel = Channel(world)
    env = {
        "PATH": f"{TOOLS_PATH}:/usr/bin:/bin",
        "HOME": "/root",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        **channel.env(),
    }
    session = ShellSession(env=env, mounts=channel.mounts, limits=short_limits(wall_seconds=60))
    session.start()
    channel.start(session)
    channel.origin("build:BUILD")

    def run(command: str) -> tuple[int | None, list[str]]:
        lines: list[str] = []
        outcome = session.run(command, on_line=lines.append)
        channel.apply()
        return outcome.exit_code, lines

    run.world = world  # type: ignore[attr-defined]
    run.work_dir = session.work_dir  # type: ignore[attr-defined]
    yield run
    session.close()
    channel.close()


def test_docker_push_needs_login_and_repository(tools):
    (tools.work_dir / "Dockerfile").write_text("FROM python:3.12\nCOPY . .\n")
    assert tools(f"docker build -t {REPO}:v1 .")[0] == 0
    code, lines = tools(f"docker push {REPO}:v1")
    assert code == 1 and lines[-1] == "no basic auth credentials"
    code, lines = tools(
        f"aws ecr get-login-password | docker login --username AWS --password-stdin {REPO}"
    )
    assert code == 0 and "Login Succeeded" in lines
    code, lines = tools(f"docker push {REPO}:v1")
    assert code == 0 and lines[-1].startswith("v1: digest: sha256:")
    code, lines = tools(
        f"docker tag {REPO}:v1 {REPO.replace('web', 'nope')}:v1 && "
        f"docker push {REPO.replace('web', 'nope')}:v1"
    )
    assert code == 1 and "The repository with name 'nope' does not exist" in lines[-1]
    assert [c["tag"] for c in tools.world.changes_of("ecr.push")] == ["v1"]


def test_docker_build_needs_a_dockerfile(tools):
    code, lines = tools("docker build -t x .")
    assert code == 1 and "failed to read dockerfile" in lines[-1]


def test_aws_reads_and_writes_the_world(tools):
    code, lines = tools(
        "aws ssm get-parameter --name /cfg/url --query Parameter.Value --output text"
    )
    assert (code, lines) == (0, ["https://example.test"])
    code, lines = tools("aws ssm get-parameter --name /missing")
    assert code == 255 and "ParameterNotFound" in lines[-1]
    code, lines = tools("aws s3 cp s3://bucket/in/data.txt local.txt && cat local.txt")
    assert code == 0 and lines[-1] == "payload"
    code, _ = tools("echo result > r.txt && aws s3 cp r.txt s3://bucket/out/r.txt")
    assert code == 0 and tools.world.s3_get("bucket", "out/r.txt") == b"result\n"
    code, lines = tools(
        "aws lambda publish-version --function-name orders --query Version --output text"
    )
    assert (code, lines) == (0, ["2"])
    assert (
        tools("aws lambda update-alias --function-name orders --name live --function-version 2")[0]
        == 0
    )
    assert tools.world.state["lambda"]["orders"]["aliases"]["live"]["version"] == 2
    code, lines = tools(
        "aws deploy create-deployment --application-name web "
        "--deployment-group-name prod --s3-location bucket=bucket,key=a.zip,bundleType=zip"
    )
    assert code == 0 and tools.world.state["deployments"][0]["group"] == "prod"
    code, lines = tools(
        "aws deploy create-deployment --application-name web --deployment-group-name nope "
        "--s3-location bucket=bucket,key=a.zip,bundleType=zip"
    )
    assert code == 255 and "DeploymentGroupDoesNotExistException" in lines[-1]


def test_unsupported_commands_say_so(tools):
    code, lines = tools("aws ssm get-parameter --nmae x")
    assert code != 0 and any("aws: error" in line for line in lines)
    code, lines = tools("docker run alpine")
    assert code == 125 and "no container runtime" in lines[0]
    code, lines = tools("terraform apply")
    assert code == 127 and "command not found" in lines[0]


def test_npm_checks_the_lock_file_and_runs_scripts(tools):
    pkg = '{"name":"a","version":"1.0.0","scripts":{"test":"echo tested && exit 3"},"dependencies":{"left-pad":"^1.3.0"}}'
    (tools.work_dir / "package.json").write_text(pkg)
    code, lines = tools("npm ci")
    assert code == 1 and "can only install with an existing package-lock.json" in "\n".join(lines)
    (tools.work_dir / "package-lock.json").write_text(
        '{"lockfileVersion":3,"packages":{"":{"dependencies":{"left-pad":"^1.2.0"}}}}'
    )
    code, lines = tools("npm ci")
    assert code == 1 and "are in sync" in "\n".join(lines)
    (tools.work_dir / "package-lock.json").write_text(
        '{"lockfileVersion":3,"packages":{"":{"dependencies":{"left-pad":"^1.3.0"}},'
        '"node_modules/left-pad":{"version":"1.3.0"}}}'
    )
    code, lines = tools("npm ci && ls node_modules")
    assert code == 0 and "left-pad" in lines
    code, lines = tools("npm test")
    assert code == 3 and "tested" in lines
    code, lines = tools("npm run lint")
    assert code == 1 and 'Missing script: "lint"' in lines[0]


def test_builders_check_their_inputs(tools):
    assert "there is no POM" in tools("mvn package")[1][0]
    (tools.work_dir / "pom.xml").write_text(
        "<project><artifactId>svc</artifactId><version>1.2</version></project>"
    )
    code, lines = tools("mvn -q package && ls target")
    assert code == 0 and "svc-1.2.jar" in lines
    (tools.work_dir / "requirements.txt").write_text("flask==3.0.0\nnot a requirement!\n")
    code, lines = tools("pip install -r requirements.txt")
    assert code == 1 and "Invalid requirement: 'not a requirement!'" in lines[-1]
    code, lines = tools("gradle build")
    assert code == 1 and "does not contain a Gradle build" in "\n".join(lines)
    code, lines = tools("sam build")
    assert code == 1 and "Template file not found" in lines[-1]


def test_files_the_sandbox_writes_are_never_read_back(tools):
    tools(
        "mkdir -p /tmp/journal && printf '%s\\n' "
        '\'{"op":"s3.put","bucket":"bucket","key":"k","blob":"blob-1"}\' '
        ">> /tmp/journal/journal.jsonl; echo forged > blob-1"
    )
    assert "k" not in tools.world.state["s3"]["bucket"]["objects"]
    assert tools.world.changes_of("s3.put") == []
    assert tools.world.snapshot().object("bucket", "k") is None


def test_cloudformation_and_sam_deploy_record_stacks(tools):
    template = (
        "Parameters:\n  Env: {Type: String}\n  Size: {Type: String}\n"
        "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument: {Statement: []}\n"
    )
    (tools.work_dir / "template.yaml").write_text(template)
    code, lines = tools("aws cloudformation deploy --template-file template.yaml --stack-name app")
    assert code == 255 and "Requires capabilities : [CAPABILITY_IAM]" in lines[-1]
    code, lines = tools(
        "aws cloudformation deploy --template-file template.yaml --stack-name app "
        "--capabilities CAPABILITY_IAM --parameter-overrides Env=prod Size=2"
    )
    assert code == 0 and lines[-1] == "Successfully created/updated stack - app"
    stack = tools.world.state["stacks"]["app"]
    assert stack["status"] == "CREATE_COMPLETE"
    assert stack["parameters"] == {"Env": "prod", "Size": "2"}
    code, lines = tools(
        "sam build && sam deploy --stack-name app --capabilities CAPABILITY_IAM "
        "--parameter-overrides Env=test Size=3"
    )
    assert code == 0 and "Successfully created/updated stack - app" in lines
    assert tools.world.state["stacks"]["app"]["status"] == "UPDATE_COMPLETE"


def test_first_aws_call_starts_the_warm_server_for_its_own_user():
    """No server until the shell's first `aws` call; it then listens in a 0700 folder of its uid."""
    world = load_world(WORLD)
    channel = Channel(world)
    env = {"PATH": f"{TOOLS_PATH}:/usr/bin:/bin", "HOME": "/root", **channel.env()}
    env["AWS_DEFAULT_REGION"] = "eu-west-1"
    session = ShellSession(env=env, mounts=channel.mounts, limits=short_limits(wall_seconds=60))
    session.start()
    try:

        def run(command: str, user: str | None = None) -> tuple[int | None, list[str]]:
            lines: list[str] = []
            outcome = session.run(command, on_line=lines.append, user=user)
            return outcome.exit_code, lines

        assert run("ls -d /tmp/.pa-awsd-* 2>/dev/null | wc -l") == (0, ["0"])
        read = "aws ssm get-parameter --name /cfg/url --query Parameter.Value --output text"
        assert run(read) == (0, ["https://example.test"])
        code, lines = run(
            'test -S "/tmp/.pa-awsd-$(id -u)/sock" && stat -c %a "/tmp/.pa-awsd-$(id -u)"'
        )
        assert (code, lines) == (0, ["700"])
        assert run(read) == (0, ["https://example.test"])  # served by the running server
        # A server the learner killed: calls still answer (the CLI runs cold).
        assert run('kill -9 "$(cat /tmp/.pa-awsd-$(id -u)/pid)"; sleep 0.2')[0] == 0
        assert run(read) == (0, ["https://example.test"])
    finally:
        session.close()
        world.close()


def test_a_build_names_the_aws_services_its_commands_call():
    from simulator.standins._channel import aws_services

    commands = [
        "aws ecr get-login-password --region $AWS_REGION | docker login --password-stdin x",
        "TAG=$(aws --output text ssm get-parameter --name /t --query Parameter.Value)",
        "awsx s3 ls; echo done",
        "if true; then aws s3 cp a s3://b/a; fi",
    ]
    assert aws_services(commands) == ["ecr", "s3", "ssm"]
    assert aws_services(["npm ci", "docker build -t x ."]) is None
