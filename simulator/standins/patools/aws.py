"""`aws`: the AWS CLI commands a build calls, answered from the simulated account."""

from __future__ import annotations

import binascii
import os
import sys

from patools.common import (
    aws_error,
    dumps,
    fail,
    md5,
    options,
    record,
    sha256,
    store_blob,
    world,
)

Any = object  # annotations only; importing typing would cost a stand-in call ~5 ms


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode()


def _path(text: str):  # a pathlib.Path, imported only when a command needs files
    from pathlib import Path

    return Path(text)


SUPPORTED = {
    "sts": ("get-caller-identity",),
    "ecr": ("get-login-password", "describe-repositories", "describe-images"),
    "s3": ("cp", "sync", "ls"),
    "ssm": ("get-parameter", "get-parameters"),
    "secretsmanager": ("get-secret-value",),
    "cloudformation": ("package", "deploy"),
    "lambda": ("update-function-code", "publish-version", "update-alias"),
    "deploy": ("create-deployment",),
    "codeartifact": ("login", "get-authorization-token"),
}
_GLOBAL_FLAGS = (
    "no-cli-pager",
    "debug",
    "no-verify-ssl",
    "no-paginate",
    "with-decryption",
    "recursive",
    "publish",
    "dryrun",
    "quiet",
    "no-execute-changeset",
    "no-fail-on-empty-changeset",
    "fail-on-empty-changeset",
)


def _print(data: Any, opts: dict[str, Any]) -> None:
    query = opts.get("query")
    if isinstance(query, str):
        for part in query.strip("'\"").split("."):
            data = data.get(part) if isinstance(data, dict) else None
    if opts.get("output") == "text" and not isinstance(data, dict | list):
        print("" if data is None else data)
    else:
        print(dumps(data, indent=4))


def _region(opts: dict[str, Any], w: dict[str, Any]) -> str:
    return opts.get("region") or os.environ.get("AWS_REGION") or w["region"]


def _now() -> str:
    import datetime

    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


# -- sts / ecr ---------------------------------------------------------------------------
def sts_get_caller_identity(opts: dict[str, Any], w: dict[str, Any]) -> None:
    account = w["account"]
    arn = f"arn:aws:sts::{account}:assumed-role/codebuild-service-role/AWSCodeBuild-build"
    _print({"UserId": "AROAEXAMPLEID:AWSCodeBuild", "Account": account, "Arn": arn}, opts)


def ecr_get_login_password(opts: dict[str, Any], w: dict[str, Any]) -> None:
    region = _region(opts, w)
    claims = {"account": w["account"], "region": region}
    print("PAECR." + _b64(f"{claims['account']}:{claims['region']}".encode()))


def ecr_describe_repositories(opts: dict[str, Any], w: dict[str, Any]) -> None:
    names = opts.get("repository-names")
    names = [names] if isinstance(names, str) else names
    repos = []
    for name, repo in w["ecr"].items():
        if names and name not in names:
            continue
        uri = f"{repo['account']}.dkr.ecr.{w['region']}.amazonaws.com/{name}"
        repos.append({"repositoryName": name, "repositoryUri": uri, "registryId": repo["account"]})
    for name in names or []:
        if name not in w["ecr"]:
            aws_error(
                "RepositoryNotFoundException",
                "DescribeRepositories",
                f"The repository with name '{name}' does not exist in the registry with id "
                f"'{w['account']}'",
            )
    _print({"repositories": repos}, opts)


def ecr_describe_images(opts: dict[str, Any], w: dict[str, Any]) -> None:
    name = opts.get("repository-name")
    if name not in w["ecr"]:
        aws_error(
            "RepositoryNotFoundException",
            "DescribeImages",
            f"The repository with name '{name}' does not exist in the registry with id "
            f"'{w['account']}'",
        )
    details = [
        {"repositoryName": name, "imageDigest": i["digest"], "imageTags": i["tags"]}
        for i in w["ecr"][name]["images"]
    ]
    _print({"imageDetails": details}, opts)


# -- s3 ----------------------------------------------------------------------------------
def _split_s3(uri: str) -> tuple[str, str]:
    rest = uri[len("s3://") :]
    bucket, _, key = rest.partition("/")
    return bucket, key


def _bucket(w: dict[str, Any], bucket: str, operation: str) -> dict[str, Any]:
    if bucket not in w["s3"]:
        aws_error("NoSuchBucket", operation, "The specified bucket does not exist")
    return w["s3"][bucket]


def _upload(local: Any, bucket: str, key: str) -> None:
    record("s3.put", bucket=bucket, key=key, blob=store_blob(local))
    print(f"upload: {local} to s3://{bucket}/{key}")


def s3_cp(opts: dict[str, Any], w: dict[str, Any], args: list[str]) -> None:
    if len(args) != 2:
        fail("usage: aws s3 cp <LocalPath> <S3Uri> or <S3Uri> <LocalPath>", 252)
    src, dst = args
    if dst.startswith("s3://") and not src.startswith("s3://"):
        bucket, key = _split_s3(dst)
        _bucket(w, bucket, "PutObject")
        local = _path(src)
        if opts.get("recursive"):
            if not local.is_dir():
                fail(f"The user-provided path {src} does not exist.", 255)
            for path in sorted(p for p in local.rglob("*") if p.is_file()):
                _upload(path, bucket, f"{key.rstrip('/')}/{path.relative_to(local)}".lstrip("/"))
            return
        if not local.is_file():
            fail(f"The user-provided path {src} does not exist.", 255)
        if not key or key.endswith("/"):
            key += local.name
        _upload(local, bucket, key)
    elif src.startswith("s3://") and not dst.startswith("s3://"):
        bucket, key = _split_s3(src)
        objects = _bucket(w, bucket, "HeadObject")["objects"]
        if key not in objects:
            fail(
                "fatal error: An error occurred (404) when calling the HeadObject operation: "
                'Key "' + key + '" does not exist',
                1,
            )
        body = objects[key].get("data_b64")
        if body is None:
            fail(f"download: s3://{bucket}/{key} is too large for the simulator's sandbox view", 1)
        target = _path(dst)
        if dst.endswith("/") or target.is_dir():
            target = target / os.path.basename(key)
        target.write_bytes(binascii.a2b_base64(body))
        record("s3.get", bucket=bucket, key=key)
        print(f"download: s3://{bucket}/{key} to {dst}")
    else:
        fail("aws s3 cp: copying between two S3 locations or two local paths is not simulated", 252)


def s3_sync(opts: dict[str, Any], w: dict[str, Any], args: list[str]) -> None:
    if len(args) != 2 or not args[1].startswith("s3://"):
        fail(
            "aws s3 sync: the simulator supports uploads only: aws s3 sync <LocalDir> <S3Uri>", 252
        )
    local = _path(args[0])
    bucket, prefix = _split_s3(args[1])
    existing = _bucket(w, bucket, "ListObjectsV2")["objects"]
    if not local.is_dir():
        fail(f"The user-provided path {args[0]} does not exist.", 255)
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        key = f"{prefix.rstrip('/')}/{path.relative_to(local)}".lstrip("/")
        etag = md5(path.read_bytes()).hexdigest()
        if existing.get(key, {}).get("etag") != etag:
            _upload(path, bucket, key)


def s3_ls(opts: dict[str, Any], w: dict[str, Any], args: list[str]) -> None:
    if not args:
        for name in sorted(w["s3"]):
            print(f"2026-01-01 00:00:00 {name}")
        return
    bucket, prefix = _split_s3(args[0])
    objects = _bucket(w, bucket, "ListObjectsV2")["objects"]
    shown_dirs = set()
    for key in sorted(objects):
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if "/" in rest and not opts.get("recursive"):
            directory = rest.split("/", 1)[0]
            if directory not in shown_dirs:
                shown_dirs.add(directory)
                print(f"                           PRE {directory}/")
            continue
        shown = key if opts.get("recursive") else rest
        print(f"2026-01-01 00:00:00 {objects[key]['size']:>10} {shown}")


# -- ssm / secrets -----------------------------------------------------------------------
def _parameter(w: dict[str, Any], selector: str, decrypt: bool) -> dict[str, Any] | None:
    name, _, qualifier = selector.partition(":")
    param = w["parameters"].get(name)
    if param is None:
        return None
    versions = param["versions"]
    if not qualifier:
        chosen = versions[-1]
    elif qualifier.isdigit():
        chosen = next((v for v in versions if v["version"] == int(qualifier)), None)
    else:
        chosen = next((v for v in versions if qualifier in v["labels"]), None)
    if chosen is None:
        return None
    value = chosen["value"]
    if param["type"] == "SecureString" and not decrypt:
        value = _b64(sha256(value.encode()).digest())
    record("ssm.read", name=name, version=chosen["version"])
    region = w["region"]
    arn = f"arn:aws:ssm:{region}:{w['account']}:parameter/{name.lstrip('/')}"
    return {
        "Name": name,
        "Type": param["type"],
        "Value": value,
        "Version": chosen["version"],
        "LastModifiedDate": "2026-01-01T00:00:00+00:00",
        "ARN": arn,
        "DataType": "text",
    }


def ssm_get_parameter(opts: dict[str, Any], w: dict[str, Any]) -> None:
    name = opts.get("name")
    if not isinstance(name, str):
        fail("aws: error: the following arguments are required: --name", 252)
    found = _parameter(w, name, bool(opts.get("with-decryption")))
    if found is None:
        aws_error("ParameterNotFound", "GetParameter", "")
    _print({"Parameter": found}, opts)


def ssm_get_parameters(opts: dict[str, Any], w: dict[str, Any]) -> None:
    names = opts.get("names")
    if names is None:
        fail("aws: error: the following arguments are required: --names", 252)
    names = [names] if isinstance(names, str) else names
    decrypt = bool(opts.get("with-decryption"))
    found, invalid = [], []
    for name in names:
        item = _parameter(w, name, decrypt)
        (found.append(item) if item else invalid.append(name))
    _print({"Parameters": found, "InvalidParameters": invalid}, opts)


def secretsmanager_get_secret_value(opts: dict[str, Any], w: dict[str, Any]) -> None:
    secret_id = opts.get("secret-id")
    if not isinstance(secret_id, str):
        fail("aws: error: the following arguments are required: --secret-id", 252)
    secret = w["secrets"].get(secret_id)
    stage = opts.get("version-stage") or ""
    version_id = opts.get("version-id") or ""
    chosen = None
    for version in (secret or {}).get("versions", []):
        if (version_id and version["id"] == version_id) or (
            not version_id and (stage or "AWSCURRENT") in version["stages"]
        ):
            chosen = version
            break
    if chosen is None:
        aws_error(
            "ResourceNotFoundException",
            "GetSecretValue",
            "Secrets Manager can't find the specified secret.",
        )
    record("secrets.read", name=secret_id, version_id=chosen["id"])
    arn = f"arn:aws:secretsmanager:{w['region']}:{w['account']}:secret:{secret_id}-AbCdEf"
    _print(
        {
            "ARN": arn,
            "Name": secret_id,
            "VersionId": chosen["id"],
            "SecretString": chosen["value"],
            "VersionStages": chosen["stages"],
            "CreatedDate": "2026-01-01T00:00:00+00:00",
        },
        opts,
    )


# -- cloudformation ----------------------------------------------------------------------
def cloudformation_package(opts: dict[str, Any], w: dict[str, Any]) -> None:
    template = _path(str(opts.get("template-file", "")))
    bucket = opts.get("s3-bucket")
    out = opts.get("output-template-file")
    if not template.is_file():
        fail(f"Invalid template path {template}", 255)
    if not isinstance(bucket, str):
        fail("aws: error: the following arguments are required: --s3-bucket", 252)
    _bucket(w, bucket, "PutObject")
    text = template.read_text()
    key = md5(text.encode()).hexdigest()
    record("s3.put", bucket=bucket, key=key, blob=store_blob(template))
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        for prop in ("CodeUri:", "ContentUri:", "Code:"):
            value = stripped[len(prop) :].strip()
            if stripped.startswith(prop) and value and not value.startswith(("s3://", "{")):
                indent = line[: len(line) - len(line.lstrip())]
                line = f"{indent}{prop} s3://{bucket}/{key}"
        lines.append(line)
    packaged = "\n".join(lines) + "\n"
    print(f"Uploading to {key}  {len(text)} / {len(text)}.0  (100.00%)")
    if isinstance(out, str):
        _path(out).write_text(packaged)
        print(f"\nSuccessfully packaged artifacts and wrote output template to file {out}.")
    else:
        print(packaged)


def cloudformation_deploy(opts: dict[str, Any], w: dict[str, Any]) -> None:
    template = _path(str(opts.get("template-file", "")))
    stack = opts.get("stack-name")
    if not template.is_file():
        fail(f"Invalid template path {template}", 255)
    if not isinstance(stack, str):
        fail("aws: error: the following arguments are required: --stack-name", 252)
    overrides = opts.get("parameter-overrides") or []
    overrides = [overrides] if isinstance(overrides, str) else overrides
    params = dict(p.split("=", 1) for p in overrides if "=" in p)
    caps = opts.get("capabilities") or []
    caps = [caps] if isinstance(caps, str) else caps
    text = template.read_text()
    if "AWS::IAM::" in text and not {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"} & set(caps):
        aws_error(
            "InsufficientCapabilitiesException",
            "CreateChangeSet",
            "Requires capabilities : [CAPABILITY_IAM]",
        )
    if "Transform" in text and "Serverless" in text and "CAPABILITY_AUTO_EXPAND" not in caps:
        aws_error(
            "InsufficientCapabilitiesException",
            "CreateChangeSet",
            "Requires capabilities : [CAPABILITY_AUTO_EXPAND]",
        )
    existed = stack in w.get("stacks", {})
    record(
        "cloudformation.deploy",
        stack=stack,
        blob=store_blob(template),
        parameters=params,
        capabilities=caps,
    )
    print("\nWaiting for changeset to be created..")
    print(f"Waiting for stack {'update' if existed else 'create'}/update to complete")
    print(f"Successfully created/updated stack - {stack}")


# -- lambda ------------------------------------------------------------------------------
def _function(w: dict[str, Any], name: Any, operation: str) -> dict[str, Any]:
    if not isinstance(name, str) or name not in w["lambda"]:
        aws_error(
            "ResourceNotFoundException",
            operation,
            f"Function not found: arn:aws:lambda:{w['region']}:{w['account']}:function:{name}",
        )
    return w["lambda"][name]


def lambda_update_function_code(opts: dict[str, Any], w: dict[str, Any]) -> None:
    name = opts.get("function-name")
    fn = _function(w, name, "UpdateFunctionCode")
    zip_file = opts.get("zip-file")
    if isinstance(zip_file, str):
        path = _path(zip_file.removeprefix("fileb://"))
        if not path.is_file():
            fail(f"Error parsing parameter '--zip-file': Unable to load paramfile {zip_file}", 255)
        sha = _b64(sha256(path.read_bytes()).digest())
    elif isinstance(opts.get("s3-key"), str):
        sha = _b64(sha256(str(opts["s3-key"]).encode()).digest())
    else:
        fail(
            "aws lambda update-function-code: give --zip-file fileb://FILE or --s3-bucket/--s3-key",
            252,
        )
    record("lambda.update_code", function=name, sha256=sha)
    result = {
        "FunctionName": name,
        "Runtime": fn["runtime"],
        "CodeSha256": sha,
        "Version": "$LATEST",
        "LastUpdateStatus": "InProgress",
    }
    if opts.get("publish"):
        record("lambda.publish_version", function=name, description="")
        result["Version"] = str(max([v["version"] for v in fn["versions"]] or [0]) + 1)
    _print(result, opts)


def lambda_publish_version(opts: dict[str, Any], w: dict[str, Any]) -> None:
    name = opts.get("function-name")
    fn = _function(w, name, "PublishVersion")
    description = opts.get("description") if isinstance(opts.get("description"), str) else ""
    record("lambda.publish_version", function=name, description=description)
    number = max([v["version"] for v in fn["versions"]] or [0]) + 1
    _print(
        {
            "FunctionName": name,
            "Version": str(number),
            "Description": description,
            "CodeSha256": fn["code_sha256"],
        },
        opts,
    )


def lambda_update_alias(opts: dict[str, Any], w: dict[str, Any]) -> None:
    name = opts.get("function-name")
    fn = _function(w, name, "UpdateAlias")
    alias = opts.get("name")
    version = opts.get("function-version")
    if alias not in fn["aliases"]:
        aws_error("ResourceNotFoundException", "UpdateAlias", f"Alias not found: {alias}")
    known = {str(v["version"]) for v in fn["versions"]}
    if version is not None and str(version) not in known and version != "$LATEST":
        aws_error(
            "ResourceNotFoundException", "UpdateAlias", f"Function not found: {name}:{version}"
        )
    weights: dict[str, float] = {}
    routing = opts.get("routing-config")
    if isinstance(routing, str) and "=" in routing:
        inner = routing.split("{", 1)[-1].rstrip("}")
        for pair in inner.split(","):
            key, _, value = pair.partition("=")
            weights[key.strip().strip('"')] = float(value)
    target = int(version) if version and str(version).isdigit() else fn["aliases"][alias]["version"]
    record("lambda.update_alias", function=name, alias=alias, version=target, weights=weights)
    _print(
        {
            "Name": alias,
            "FunctionVersion": str(target),
            "RoutingConfig": {"AdditionalVersionWeights": weights},
        },
        opts,
    )


# -- deploy / codeartifact -----------------------------------------------------------------
def deploy_create_deployment(opts: dict[str, Any], w: dict[str, Any]) -> None:
    app = opts.get("application-name")
    group = opts.get("deployment-group-name")
    apps = w.get("codedeploy", {}).get("applications", {}) or {}
    if app not in apps:
        aws_error(
            "ApplicationDoesNotExistException",
            "CreateDeployment",
            f"No application found for name: {app}",
        )
    if group not in (apps[app].get("deployment_groups") or {}):
        aws_error(
            "DeploymentGroupDoesNotExistException",
            "CreateDeployment",
            f"No Deployment Group found for name: {group}",
        )
    revision = {
        k: v for k, v in opts.items() if k in ("s3-location", "revision", "github-location")
    }
    digest = sha256(dumps([app, group, revision, len(sys.argv)]).encode()).hexdigest()
    deployment_id = "d-" + digest[:9].upper()
    record(
        "deploy.create",
        application=app,
        group=group,
        deployment_id=deployment_id,
        revision=dumps(revision),
        config=opts.get("deployment-config-name") or "",
    )
    _print({"deploymentId": deployment_id}, opts)


def codeartifact_login(opts: dict[str, Any], w: dict[str, Any]) -> None:
    tool = opts.get("tool")
    domain = opts.get("domain")
    repo = opts.get("repository")
    if tool not in ("npm", "pip", "twine", "dotnet", "nuget", "swift"):
        fail(
            "aws: error: argument --tool: Invalid choice, valid choices are: "
            "dotnet | npm | nuget | pip | swift | twine",
            252,
        )
    domains = w.get("codeartifact", {}).get("domains", {}) or {}
    if domain not in domains or repo not in (domains[domain].get("repositories") or []):
        aws_error(
            "ResourceNotFoundException",
            "GetRepositoryEndpoint",
            f"The repository {repo} in domain {domain} was not found",
        )
    owner = opts.get("domain-owner") or w["account"]
    url = f"https://{domain}-{owner}.d.codeartifact.{w['region']}.amazonaws.com/{tool}/{repo}/"
    home = _path(os.environ.get("HOME", "/root"))
    if tool == "npm":
        (home / ".npmrc").write_text(f"registry={url}\n")
    elif tool == "pip":
        (home / ".config" / "pip").mkdir(parents=True, exist_ok=True)
        (home / ".config" / "pip" / "pip.conf").write_text(f"[global]\nindex-url = {url}simple/\n")
    record("codeartifact.login", tool=tool, domain=domain, repository=repo)
    import datetime

    expires = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=12)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    print(f"Successfully configured {tool} to use AWS CodeArtifact repository {url} ")
    print(f"Login expires in 12 hours at {expires}+00:00")


def codeartifact_get_authorization_token(opts: dict[str, Any], w: dict[str, Any]) -> None:
    token = _b64(f"{opts.get('domain')}:{w['account']}".encode())
    _print({"authorizationToken": token, "expiration": _now()}, opts)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("help", "--help", "-h"):
        print("usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]")
        print(
            "simulated commands: " + "; ".join(f"{s} {'|'.join(c)}" for s, c in SUPPORTED.items())
        )
        return 0 if argv else 252
    if argv[0] == "--version":
        print("aws-cli/2.17.0 Python/3.11.9 Linux/6.1 exe/x86_64 (simulated)")
        return 0
    opts, positional = options(argv, _GLOBAL_FLAGS)
    if len(positional) < 2:
        fail(
            "usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
            "aws: error: the following arguments are required: operation",
            252,
        )
    service, operation, *rest = positional
    if service not in SUPPORTED or operation not in SUPPORTED[service]:
        known = ", ".join(f"{s} {c}" for s, ops in SUPPORTED.items() for c in ops)
        fail(
            f"aws: error: `aws {service} {operation}` is not available in the simulator "
            f"(simulated: {known})",
            252,
        )
    handler = globals()[f"{service}_{operation.replace('-', '_')}"]
    w = world()
    if service == "s3":
        handler(opts, w, rest)
    else:
        handler(opts, w)
    return 0
