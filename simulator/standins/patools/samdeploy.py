"""`sam package` and `sam deploy` on the run's account: upload, transform, change set, wait.

What the real CLI does, in order: zip each local CodeUri folder and upload it to the artifacts
bucket (`--s3-bucket`, or `--resolve-s3` for SAM's managed bucket) under its MD5, turn the
template into CloudFormation with aws-sam-translator, create a change set (CREATE or UPDATE),
show it, execute it and wait for the stack. Every request goes through the account socket, so
the account decides (capabilities, names, limits) and logs it.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import zipfile

from patools import samtemplate
from patools.common import fail, md5

MANAGED_STACK = "aws-sam-cli-managed-default"
# AWS managed policies a SAM `Policies:` list may name by its short name.
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for path, name in (
        ("service-role/", "AWSLambdaBasicExecutionRole"),
        ("service-role/", "AWSLambdaDynamoDBExecutionRole"),
        ("service-role/", "AWSLambdaSQSQueueExecutionRole"),
        ("service-role/", "AWSLambdaVPCAccessExecutionRole"),
        ("", "AmazonDynamoDBFullAccess"),
        ("", "AmazonDynamoDBReadOnlyAccess"),
        ("", "AmazonS3FullAccess"),
        ("", "AmazonS3ReadOnlyAccess"),
        ("", "AmazonSQSFullAccess"),
        ("", "AmazonSNSFullAccess"),
        ("", "AWSXrayWriteOnlyAccess"),
        ("", "CloudWatchLogsFullAccess"),
        ("", "SecretsManagerReadWrite"),
        ("", "AmazonSSMReadOnlyAccess"),
    )
}


def _sdk():
    """boto3 on the account socket (the SAM image's own copy, read-only)."""
    for path in ("/codebuild/pa/python", "/codebuild/pa/sam"):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        import urllib3.connection
        from patools.awsboot import _new_conn

        # Patched on purpose: every connection goes to the account socket (no network).
        urllib3.connection.HTTPConnection._new_conn = _new_conn  # type: ignore[method-assign]
        import boto3
    except ImportError:
        fail(
            "Error: this build image has no SAM CLI packages (boto3, aws-sam-translator). "
            "SAM labs run with `scenario: {kind: sam}`; in a plain build use "
            "`aws cloudformation package` and `aws cloudformation deploy`.",
            1,
        )
    os.environ.setdefault("AWS_ENDPOINT_URL", "http://aws.internal")
    return boto3


def _client(boto3, service: str, region: str):
    from botocore.config import Config

    return boto3.client(service, region_name=region, config=Config(retries={"max_attempts": 1}))


def _error(exc) -> str:
    response = getattr(exc, "response", None) or {}
    err = response.get("Error") or {}
    if err:
        return f"{err.get('Code')}: {err.get('Message')}"
    return str(exc)


def translate(template: dict, params: dict, region: str, account: str) -> dict:
    """The CloudFormation template SAM makes of `template`; SAM's own errors, exit 1."""
    boto3 = _sdk()
    import logging

    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    try:
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
    except ImportError:
        fail("Error: aws-sam-translator is not available in this build image", 1)
    session = boto3.session.Session(region_name=region)
    values = {**params, "AWS::AccountId": account, "AWS::Region": region}
    try:
        return Translator(MANAGED_POLICIES, Parser(), boto_session=session).translate(
            template, values
        )
    except InvalidDocumentException as exc:
        causes = "\n".join(getattr(c, "message", str(c)) for c in exc.causes)
        fail(f"Error: Failed to create changeset for the stack: template is invalid.\n{causes}")
    except Exception as exc:  # the translator's own checks raise other types too
        fail(f"Error: SAM could not transform the template: {type(exc).__name__}: {exc}")
    return {}


def _zip(folder: str) -> bytes:
    """A reproducible zip of a folder (sorted, fixed times), like SAM's own."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                info = zipfile.ZipInfo(os.path.relpath(full, folder), (1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                with open(full, "rb") as handle:
                    archive.writestr(info, handle.read())
    return buffer.getvalue()


def _bucket(opts: dict, s3, account: str, region: str, needed: bool) -> str | None:
    bucket = opts.get("s3-bucket")
    if isinstance(bucket, str):
        return bucket
    if not opts.get("resolve-s3"):
        if needed:
            fail(
                "Error: Unable to upload artifact referenced by CodeUri: S3 Bucket not "
                "specified, use --s3-bucket to specify a bucket name, or use --resolve-s3 to "
                "create a managed default bucket, or run sam deploy --guided"
            )
        return None
    # SAM keeps one managed bucket per account and Region (in its own stack on AWS).
    name = f"{MANAGED_STACK}-samclisourcebucket-{md5((account + region).encode()).hexdigest()[:12]}"
    try:
        s3.head_bucket(Bucket=name)
    except Exception:
        kwargs: dict[str, object] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            s3.create_bucket(**kwargs)
        except Exception as exc:
            fail(f"Error: could not create the managed S3 bucket {name}: {_error(exc)}")
        print(f"\n\tCreating the managed resources...\n\tManaged S3 bucket created: {name}")
    else:
        print(f"\n\tManaged S3 bucket: {name}")
    return name


def _upload(template: dict, base: str, bucket: str | None, prefix: str, s3, force: bool) -> dict:
    """The template with every local code folder uploaded and replaced by its S3 URI."""
    out = json.loads(json.dumps(template))
    for logical, resource in out["Resources"].items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        props = resource["Properties"]
        for key in ("CodeUri", "ContentUri"):
            value = props.get(key)
            if (
                key == "CodeUri"
                and value is None
                and resource.get("Type") == samtemplate.FUNCTION
                and "InlineCode" not in props
                and props.get("PackageType") != "Image"
            ):
                value = "."
            if not isinstance(value, str) or value.startswith("s3://"):
                continue
            folder = os.path.normpath(os.path.join(base, value))
            if not os.path.exists(folder):
                fail(
                    f"Error: Unable to upload artifact {value} referenced by {key} parameter of "
                    f"{logical} resource. Parameter {key} of resource {logical} refers to a "
                    f"file or folder that does not exist {folder}"
                )
            if os.path.isdir(folder):
                data = _zip(folder)
            else:
                with open(folder, "rb") as handle:
                    data = handle.read()
            digest = md5(data).hexdigest()
            key_name = f"{prefix}/{digest}" if prefix else digest
            exists = False
            if not force:
                try:
                    s3.head_object(Bucket=bucket, Key=key_name)
                    exists = True
                except Exception:
                    exists = False
            if exists:
                print(f"\tFile with same data already exists at {key_name}, skipping upload")
            else:
                try:
                    s3.put_object(Bucket=bucket, Key=key_name, Body=data)
                except Exception as exc:
                    fail(
                        f"Error: Unable to upload artifact {value} referenced by {key} of "
                        f"{logical}: {_error(exc)}"
                    )
                print(f"\tUploading to {key_name}  {len(data)} / {len(data)}  (100.00%)")
            props[key] = f"s3://{bucket}/{key_name}"
    return out


def _region(opts: dict) -> str:
    return str(
        opts.get("region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )


def _needs_upload(template: dict) -> bool:
    for resource in template["Resources"].values():
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(props, dict):
            continue
        if resource.get("Type") == samtemplate.FUNCTION and "InlineCode" not in props:
            value = props.get("CodeUri", ".")
            if isinstance(value, str) and not value.startswith("s3://"):
                return True
    return False


def package(opts: dict) -> int:
    path = samtemplate.find_template(opts, prefer_built=True)
    template = samtemplate.load(path)
    boto3 = _sdk()
    region = _region(opts)
    s3 = _client(boto3, "s3", region)
    account = _client(boto3, "sts", region).get_caller_identity()["Account"]
    bucket = _bucket(opts, s3, account, region, needed=True)
    base = os.path.dirname(os.path.abspath(path))
    packaged = _upload(
        template, base, bucket, str(opts.get("s3-prefix") or ""), s3, bool(opts.get("force-upload"))
    )
    text = samtemplate.dump(packaged)
    out = opts.get("output-template-file")
    if isinstance(out, str):
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"\nSuccessfully packaged artifacts and wrote output template to file {out}.")
    else:
        print(text)
    return 0


def _wait_change_set(cfn, stack: str, name: str) -> dict:
    for _ in range(120):
        found = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if found.get("Status") not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            return found
        time.sleep(0.05)
    return found


def _wait_stack(cfn, stack: str) -> dict:
    for _ in range(600):
        found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not found["StackStatus"].endswith("_IN_PROGRESS"):
            return found
        time.sleep(0.05)
    return found


def _print_changes(changes: list) -> None:
    print("\nCloudFormation stack changeset\n" + "-" * 100)
    print(f"{'Operation':<14}{'LogicalResourceId':<36}{'ResourceType':<40}Replacement")
    print("-" * 100)
    for change in changes:
        rc = change.get("ResourceChange") or {}
        op = {"Add": "+ Add", "Modify": "* Modify", "Remove": "- Delete"}.get(
            rc.get("Action", ""), rc.get("Action", "")
        )
        print(
            f"{op:<14}{rc.get('LogicalResourceId', ''):<36}{rc.get('ResourceType', ''):<40}"
            f"{rc.get('Replacement', 'N/A')}"
        )
    print("-" * 100)


def deploy(opts: dict) -> int:
    """Upload, transform and deploy the template through a change set, printing what SAM does."""
    stack = _stack_name(opts)
    path = samtemplate.find_template(opts, prefer_built=True)
    template = samtemplate.load(path)
    plain = not samtemplate.is_sam(template) and not _needs_upload(template)
    if plain and not os.path.isdir("/codebuild/pa/sam/boto3"):
        return _plain_deploy(opts, stack, path)
    boto3 = _sdk()
    region = _region(opts)
    s3 = _client(boto3, "s3", region)
    cfn = _client(boto3, "cloudformation", region)
    account = _client(boto3, "sts", region).get_caller_identity()["Account"]
    caps = _listed(opts, "capabilities")
    params = samtemplate.parameter_values(template, _listed(opts, "parameter-overrides"))
    _print_values(opts, stack, region, caps, params)
    bucket = _bucket(opts, s3, account, region, needed=_needs_upload(template))
    base = os.path.dirname(os.path.abspath(path))
    packaged = _upload(
        template, base, bucket, str(opts.get("s3-prefix") or ""), s3, bool(opts.get("force-upload"))
    )
    if samtemplate.is_sam(packaged):
        print("\tTransforming the template with aws-sam-translator (AWS::Serverless-2016-10-31)")
        body = translate(packaged, params, region, account)
    else:
        body = packaged
    print("\nInitiating deployment\n=====================")
    name = _create_change_set(cfn, opts, stack, body, params, caps)
    found = _wait_change_set(cfn, stack, name)
    if found.get("Status") == "FAILED":
        _empty_change_set(opts, stack, str(found.get("StatusReason") or ""))
        return 0
    _print_changes(found.get("Changes") or [])
    print(f"\nChangeset created successfully. {found.get('ChangeSetId', name)}\n")
    if opts.get("no-execute-changeset"):
        print("Changeset not executed (--no-execute-changeset).")
        return 0
    try:
        cfn.execute_change_set(StackName=stack, ChangeSetName=name)
    except Exception as exc:
        fail(f"Error: Failed to execute the changeset for {stack}: {_error(exc)}")
    final = _wait_stack(cfn, stack)
    status = final["StackStatus"]
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} - Waiting for stack create/update to complete")
    _print_events(cfn, stack)
    if not status.endswith("_COMPLETE") or "ROLLBACK" in status:
        fail(
            f"\nError: Failed to create/update the stack: {stack}, Waiter StackCreateComplete "
            f"failed: Waiter encountered a terminal failure state: status {status} "
            f"({final.get('StackStatusReason') or 'see the events above'})"
        )
    _print_outputs(final.get("Outputs") or [])
    print(f"\n\nSuccessfully created/updated stack - {stack} in {region}\n")
    return 0


def _stack_name(opts: dict) -> str:
    """The --stack-name (exit status 2 without it, or with --guided, which needs a terminal)."""
    if opts.get("guided") or opts.get("g"):
        fail(
            "Error: `sam deploy --guided` asks questions interactively, which a build cannot "
            "answer. Pass --stack-name, --capabilities and --resolve-s3 (or --s3-bucket).",
            2,
        )
    stack = opts.get("stack-name")
    if not isinstance(stack, str):
        fail(
            "Error: Missing option '--stack-name', 'sam deploy --guided' can be used to provide "
            "and save needed parameters for future deploys.",
            2,
        )
    # fail() exits; mypy cannot see it (patools is imported by its in-sandbox name, unresolved).
    assert isinstance(stack, str)
    return stack


def _print_values(opts: dict, stack: str, region: str, caps: list, params: dict) -> None:
    """The values the deployment runs with, as SAM lists them first."""
    where = opts.get("s3-bucket") or ("(managed)" if opts.get("resolve-s3") else None)
    print(
        f"\n\tDeploying with following values\n\t===============================\n"
        f"\tStack name                   : {stack}\n\tRegion                       : {region}\n"
        f"\tConfirm changeset            : {bool(opts.get('confirm-changeset'))}\n"
        f"\tDeployment s3 bucket         : {where}\n"
        f"\tCapabilities                 : {caps}\n\tParameter overrides          : {params}\n"
    )


def _listed(opts: dict, option: str) -> list:
    """An option given once (a string) or several times (a list), as a list."""
    values = opts.get(option)
    return [values] if isinstance(values, str) else list(values or [])


def _create_change_set(cfn, opts: dict, stack: str, body: dict, params: dict, caps: list) -> str:
    """Create the change set (CREATE for a new stack, else UPDATE); its name."""
    try:
        existing = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        kind = "CREATE" if existing["StackStatus"] == "REVIEW_IN_PROGRESS" else "UPDATE"
    except Exception:
        kind = "CREATE"
    declared = body.get("Parameters")
    declared = declared if isinstance(declared, dict) else {}
    parameters = [
        {"ParameterKey": k, "ParameterValue": v} for k, v in params.items() if k in declared
    ]
    name = f"samcli-deploy{int(time.time())}"
    tags = _listed(opts, "tags")
    request = {
        "StackName": stack,
        "ChangeSetName": name,
        "ChangeSetType": kind,
        "TemplateBody": json.dumps(body),
        "Parameters": parameters,
        "Capabilities": caps,
        "Tags": [
            {"Key": t.split("=", 1)[0], "Value": t.split("=", 1)[1]} for t in tags if "=" in t
        ],
        "Description": f"Created by SAM CLI at {time.strftime('%Y-%m-%d %H:%M:%S UTC')}",
    }
    if isinstance(opts.get("role-arn"), str):
        request["RoleARN"] = opts["role-arn"]
    try:
        cfn.create_change_set(**request)
    except Exception as exc:
        fail(f"Error: Failed to create changeset for the stack: {stack}, {_error(exc)}")
    return name


def _empty_change_set(opts: dict, stack: str, reason: str) -> None:
    """A failed change set: "no changes" unless --fail-on-empty-changeset, else an error."""
    if "didn't contain changes" in reason or "No updates" in reason:
        if opts.get("fail-on-empty-changeset"):
            fail(f"Error: No changes to deploy. Stack {stack} is up to date")
        print(f"\nNo changes to deploy. Stack {stack} is up to date")
        return
    fail(f"Error: Failed to create changeset for the stack: {stack}, {reason}")


def _print_events(cfn, stack: str) -> None:
    """The stack's last 40 events, oldest first (none when they cannot be read)."""
    print(f"\nCloudFormation events from stack operations\n{'-' * 100}")
    print(f"{'ResourceStatus':<24}{'ResourceType':<40}LogicalResourceId")
    print("-" * 100)
    try:
        events = cfn.describe_stack_events(StackName=stack).get("StackEvents") or []
    except Exception:
        events = []
    for event in reversed(events[:40]):
        print(
            f"{event.get('ResourceStatus', ''):<24}{event.get('ResourceType', ''):<40}"
            f"{event.get('LogicalResourceId', '')}"
        )
    print("-" * 100)


def _print_outputs(outputs: list) -> None:
    """The deployed stack's outputs, when it has any."""
    if not outputs:
        return
    print("\nCloudFormation outputs from deployed stack\n" + "-" * 100)
    for out in outputs:
        print(
            f"Key                 {out.get('OutputKey')}\nValue               "
            f"{out.get('OutputValue')}\n"
        )
    print("-" * 100)


def _plain_deploy(opts: dict, stack: str, path: str) -> int:
    """A plain CloudFormation template in an image without SAM's packages: what
    `aws cloudformation deploy` does is all that is needed."""
    import subprocess

    argv = ["cloudformation", "deploy", "--template-file", path, "--stack-name", stack]
    for option in ("parameter-overrides", "capabilities", "tags"):
        values = _listed(opts, option)
        if values:
            argv += [f"--{option}", *values]
    if opts.get("no-execute-changeset"):
        argv.append("--no-execute-changeset")
    if opts.get("region"):
        argv += ["--region", str(opts["region"])]
    return subprocess.call(["/codebuild/pa/tools/bin/aws", *argv])
