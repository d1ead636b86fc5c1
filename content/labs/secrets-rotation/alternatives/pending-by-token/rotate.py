"""Rotation of prod/app/db: every step reads the new version by its token only."""

import json
import os

import boto3

secrets = boto3.client("secretsmanager")
users = boto3.resource("dynamodb").Table(os.environ["DB_USERS_TABLE"])


def load(arn, **selector):
    return json.loads(secrets.get_secret_value(SecretId=arn, **selector)["SecretString"])


def can_login(creds):
    item = users.get_item(Key={"username": creds["username"]}, ConsistentRead=True).get("Item")
    return bool(item) and item["password"] == creds["password"]


def handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    stages = secrets.describe_secret(SecretId=arn)["VersionIdsToStages"]
    if step == "createSecret":
        try:
            load(arn, VersionId=token)
            return  # this token's version already holds a value
        except secrets.exceptions.ResourceNotFoundException:
            pass
        creds = load(arn, VersionStage="AWSCURRENT")
        creds["password"] = secrets.get_random_password(ExcludePunctuation=True)["RandomPassword"]
        secrets.put_secret_value(
            SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(creds),
            VersionStages=["AWSPENDING"],
        )
    elif step == "setSecret":
        new = load(arn, VersionId=token)
        if not can_login(new):
            old = load(arn, VersionStage="AWSCURRENT")
            users.update_item(
                Key={"username": old["username"]},
                UpdateExpression="SET password = :p",
                ConditionExpression="password = :o",
                ExpressionAttributeValues={":p": new["password"], ":o": old["password"]},
            )
    elif step == "testSecret":
        if not can_login(load(arn, VersionId=token)):
            raise RuntimeError("new credentials rejected by the database")
    elif step == "finishSecret":
        current = [v for v, labels in stages.items() if "AWSCURRENT" in labels][0]
        if current != token:
            secrets.update_secret_version_stage(
                SecretId=arn, VersionStage="AWSCURRENT",
                MoveToVersionId=token, RemoveFromVersionId=current,
            )
    else:
        raise ValueError(step)
