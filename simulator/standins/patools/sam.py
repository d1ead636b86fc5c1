"""The `sam` stand-in: build, validate, local invoke, package and deploy on the run's account.

`sam build` copies each function's code to `.aws-sam/build/<LogicalId>/` and writes the built
template; `sam local invoke` runs a handler in this sandbox (Python, or Node.js when `node` is
there) with boto3 reaching the simulated account, and prints what SAM prints; `sam deploy`
uploads the code to S3, turns the template into CloudFormation with aws-sam-translator (the
transform SAM uses) and creates or updates the stack through a change set, like the real CLI.
`sam local start-api` needs a listening server and a browser: here, invoke the function with an
API Gateway event instead (`sam local generate-event apigateway aws-proxy`).
"""

from __future__ import annotations

import os
import sys

from patools.common import dumps, fail, options

VERSION = "1.120.0"
SAM_DIR = "/codebuild/pa/sam"
PYTHON_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")
NODE_RUNTIMES = ("nodejs18.x", "nodejs20.x", "nodejs22.x")
OTHER_RUNTIMES = ("java11", "java17", "java21", "dotnet8", "ruby3.3", "provided.al2023")
# Options each command accepts (value-taking ones, then flags); anything else is refused.
_COMMON = ("region", "profile", "config-file", "config-env", "debug", "beta-features")
_ACCEPTED = {
    "build": (
        (
            "template-file",
            "template",
            "t",
            "build-dir",
            "b",
            "base-dir",
            "s",
            "cache-dir",
            "parameter-overrides",
            "manifest",
            "m",
            "container-env-var",
            "e",
            "build-image",
        ),
        (
            "use-container",
            "u",
            "cached",
            "no-cached",
            "parallel",
            "skip-pull-image",
            "no-use-container",
            "mount-with",
            "hook-name",
            "skip-prepare-infra",
        ),
    ),
    "validate": (("template-file", "template", "t"), ("lint",)),
    "local invoke": (
        (
            "template-file",
            "template",
            "t",
            "event",
            "e",
            "env-vars",
            "n",
            "parameter-overrides",
            "docker-network",
            "log-file",
            "l",
            "layer-cache-basedir",
            "container-host",
            "container-host-interface",
            "add-host",
            "invoke-image",
            "runtime",
        ),
        ("no-event", "skip-pull-image", "shutdown", "force-image-build", "warm-containers"),
    ),
    "local generate-event": (("method", "path", "body", "resource", "stage"), ()),
    "package": (
        (
            "template-file",
            "template",
            "t",
            "s3-bucket",
            "s3-prefix",
            "output-template-file",
            "kms-key-id",
            "image-repository",
        ),
        ("resolve-s3", "force-upload", "use-json", "no-progressbar"),
    ),
    "deploy": (
        (
            "template-file",
            "template",
            "t",
            "stack-name",
            "s3-bucket",
            "s3-prefix",
            "capabilities",
            "parameter-overrides",
            "tags",
            "role-arn",
            "kms-key-id",
            "notification-arns",
            "image-repository",
            "signing-profiles",
        ),
        (
            "resolve-s3",
            "no-confirm-changeset",
            "confirm-changeset",
            "no-execute-changeset",
            "fail-on-empty-changeset",
            "no-fail-on-empty-changeset",
            "force-upload",
            "disable-rollback",
            "no-disable-rollback",
            "guided",
            "g",
            "use-json",
            "no-progressbar",
        ),
    ),
}
_GROUPS = {"local": ("invoke", "generate-event", "start-api", "start-lambda")}


def _parse(command: str, args: list[str]) -> tuple[dict, list[str]]:
    values, flags = _ACCEPTED[command]
    opts, positional = options(args, (*flags, "debug", "beta-features"))
    allowed = set(values) | set(flags) | set(_COMMON)
    for name in opts:
        if name not in allowed:
            dash = "-" if len(name) == 1 else "--"
            fail(
                f"Usage: sam {command} [OPTIONS]\nTry 'sam {command} -h' for help.\n\n"
                f"Error: No such option: {dash}{name} (the options of `sam {command}` are: "
                + ", ".join(f"--{v}" for v in sorted(set(values) | set(flags)) if len(v) > 1)
                + ")",
                2,
            )
    for name in values:
        if opts.get(name) is True:
            fail(f"Error: Option '--{name}' requires an argument.", 2)
    return opts, positional


def _many(value) -> list[str]:
    if value is None or value is True:
        return []
    return [value] if isinstance(value, str) else list(value)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("--version", "-v"):
        print(f"SAM CLI, version {VERSION} (simulated)")
        return 0
    if argv[0] in ("-h", "--help"):
        print(
            "Usage: sam [OPTIONS] COMMAND [ARGS]...\n\nCommands in this simulator: build, "
            "validate, local invoke, local generate-event, package, deploy"
        )
        return 0
    command, rest = argv[0], argv[1:]
    if command in _GROUPS:
        if not rest or rest[0] not in _GROUPS[command]:
            fail(
                f"Usage: sam {command} [OPTIONS] COMMAND [ARGS]...\n\nError: No such command "
                f"'{rest[0] if rest else ''}'. The subcommands of `sam {command}` are: "
                + ", ".join(_GROUPS[command]),
                2,
            )
        command, rest = f"{command} {rest[0]}", rest[1:]
    if command in ("local start-api", "local start-lambda"):
        fail(
            f"Error: `sam {command}` starts a local HTTP server, which a build sandbox cannot "
            "reach (no network). Invoke the function with an API Gateway event instead:\n"
            "  sam local generate-event apigateway aws-proxy --method POST --path /orders "
            "--body '{...}' > event.json\n  sam local invoke <FunctionLogicalId> -e event.json",
            2,
        )
    if command not in _ACCEPTED:
        fail(
            f"Usage: sam [OPTIONS] COMMAND [ARGS]...\nTry 'sam -h' for help.\n\nError: No such "
            f"command '{command}'. The simulator's sam has: build, validate, local invoke, "
            "local generate-event, package, deploy",
            2,
        )
    opts, positional = _parse(command, rest)
    if command == "build":
        from patools.sambuild import build

        return build(opts, positional)
    if command == "validate":
        return _validate(opts)
    if command == "local invoke":
        from patools.saminvoke import invoke

        return invoke(opts, positional)
    if command == "local generate-event":
        return _generate_event(opts, positional)
    from patools.samdeploy import deploy, package

    if command == "package":
        return package(opts)
    return deploy(opts)


def _validate(opts: dict) -> int:
    from patools import samtemplate

    path = samtemplate.find_template(opts)
    template = samtemplate.load(path)
    if samtemplate.is_sam(template):
        from patools.samdeploy import translate

        translate(template, {}, "us-east-1", "123456789012")
    print(f"{os.path.abspath(path)} is a valid SAM Template")
    return 0


def _generate_event(opts: dict, positional: list[str]) -> int:
    if positional[:2] != ["apigateway", "aws-proxy"]:
        fail(
            "Error: the simulator generates `apigateway aws-proxy` events only "
            "(sam local generate-event apigateway aws-proxy --method POST --path /x --body '{}')",
            2,
        )
    method = str(opts.get("method") or "POST")
    path = str(opts.get("path") or "/")
    body = opts.get("body")
    event = {
        "body": body if isinstance(body, str) else None,
        "resource": str(opts.get("resource") or path),
        "path": path,
        "httpMethod": method,
        "isBase64Encoded": False,
        "queryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "headers": {"Content-Type": "application/json", "Host": "localhost:3000"},
        "requestContext": {
            "resourcePath": str(opts.get("resource") or path),
            "httpMethod": method,
            "path": f"/{opts.get('stage') or 'prod'}{path}",
            "stage": str(opts.get("stage") or "prod"),
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "Custom User Agent String"},
        },
    }
    print(dumps(event, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
