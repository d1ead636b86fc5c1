"""Rotation function for the secret prod/app/db (single user: the app's own database user).

Secrets Manager invokes this function four times per rotation, with the same ClientRequestToken
and Step = createSecret, setSecret, testSecret, finishSecret, in that order.
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


def create_secret(arn, token):
    """Store a new password as the AWSPENDING version (unless this token has one already)."""
    current = secret_dict(arn, "AWSCURRENT")
    try:
        secret_dict(arn, "AWSPENDING", token)
        return  # a retried step: the pending version exists
    except secrets.exceptions.ResourceNotFoundException:
        pass
    password = secrets.get_random_password(PasswordLength=32, ExcludePunctuation=True)
    pending = dict(current, password=password["RandomPassword"])
    secrets.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(pending),
        VersionStages=["AWSPENDING"],
    )


def set_secret(arn, token):
    """TODO: change the database user's password to the AWSPENDING one."""


def test_secret(arn, token):
    """TODO: make sure the AWSPENDING password really logs in."""


def finish_secret(arn, token):
    """Make the new version AWSCURRENT."""
    secrets.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token
    )
