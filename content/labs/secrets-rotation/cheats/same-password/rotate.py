"""Rotation function for the secret prod/app/db (single user: the app's own database user).

Secrets Manager invokes this function four times per rotation, with the same ClientRequestToken
and Step = createSecret, setSecret, testSecret, finishSecret, in that order. Every step may be
retried, so each one first checks whether its work is already done.
"""

import json
import os

import boto3

secrets = boto3.client("secretsmanager")
users = boto3.resource("dynamodb").Table(os.environ["DB_USERS_TABLE"])  # the "database"


def handler(event, context):
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    if step == "createSecret":
        create_secret(arn, token)
    elif step == "setSecret":
        set_secret(arn, token)
    elif step == "testSecret":
        test_secret(arn, token)
    elif step == "finishSecret":
        finish_secret(arn, token)
    else:
        raise ValueError(f"unknown rotation step {step!r}")


def secret_dict(arn, stage, token=None):
    kwargs = {"SecretId": arn, "VersionStage": stage}
    if token:
        kwargs["VersionId"] = token
    return json.loads(secrets.get_secret_value(**kwargs)["SecretString"])


def logs_in(credentials):
    """A login: the database accepts the user name and password."""
    user = users.get_item(Key={"username": credentials["username"]}, ConsistentRead=True)
    return user.get("Item", {}).get("password") == credentials["password"]


def create_secret(arn, token):
    """Store a new password as the AWSPENDING version (unless this token has one already)."""
    current = secret_dict(arn, "AWSCURRENT")
    try:
        secret_dict(arn, "AWSPENDING", token)
        return  # a retried step: the pending version exists
    except secrets.exceptions.ResourceNotFoundException:
        pass
    pending = dict(current)  # "rotate" to the same password: nothing can break
    secrets.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(pending),
        VersionStages=["AWSPENDING"],
    )


def set_secret(arn, token):
    """Change the user's password in the database, signing in with the current one."""
    pending = secret_dict(arn, "AWSPENDING", token)
    if logs_in(pending):
        return  # already set by an earlier try of this step
    current = secret_dict(arn, "AWSCURRENT")
    # The database only lets the user change a password it can prove it knows.
    users.update_item(
        Key={"username": current["username"]},
        UpdateExpression="SET password = :new",
        ConditionExpression="password = :old",
        ExpressionAttributeValues={":new": pending["password"], ":old": current["password"]},
    )


def test_secret(arn, token):
    """Refuse to finish unless the new password really logs in."""
    if not logs_in(secret_dict(arn, "AWSPENDING", token)):
        raise RuntimeError("the AWSPENDING password does not log in to the database")


def finish_secret(arn, token):
    """Move AWSCURRENT to the new version (Secrets Manager then marks the old one AWSPREVIOUS)."""
    stages = secrets.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next(version for version, labels in stages.items() if "AWSCURRENT" in labels)
    if current == token:
        return  # already finished
    secrets.update_secret_version_stage(
        SecretId=arn,
        VersionStage="AWSCURRENT",
        MoveToVersionId=token,
        RemoveFromVersionId=current,
    )
