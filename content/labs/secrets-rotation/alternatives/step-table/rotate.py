"""Single-user rotation of prod/app/db, written as a table of step functions."""

import json
import os

import boto3
from botocore.exceptions import ClientError

sm = boto3.client("secretsmanager")
db_users = boto3.client("dynamodb")
TABLE = os.environ["DB_USERS_TABLE"]


def read(arn, stage, version=None):
    args = {"SecretId": arn, "VersionStage": stage}
    if version is not None:
        args["VersionId"] = version
    return json.loads(sm.get_secret_value(**args)["SecretString"])


def password_in_db(username):
    item = db_users.get_item(
        TableName=TABLE, Key={"username": {"S": username}}, ConsistentRead=True
    ).get("Item")
    return item["password"]["S"] if item else None


def create(arn, token):
    try:
        read(arn, "AWSPENDING", token)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        new = read(arn, "AWSCURRENT")
        new["password"] = sm.get_random_password(
            PasswordLength=24, ExcludeCharacters="/@\"'\\ "
        )["RandomPassword"]
        sm.put_secret_value(
            SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(new),
            VersionStages=["AWSPENDING"],
        )


def set_(arn, token):
    new, old = read(arn, "AWSPENDING", token), read(arn, "AWSCURRENT")
    if password_in_db(new["username"]) == new["password"]:
        return
    db_users.update_item(
        TableName=TABLE,
        Key={"username": {"S": old["username"]}},
        UpdateExpression="SET password = :new",
        ConditionExpression="password = :old",
        ExpressionAttributeValues={":new": {"S": new["password"]}, ":old": {"S": old["password"]}},
    )


def test(arn, token):
    new = read(arn, "AWSPENDING", token)
    if password_in_db(new["username"]) != new["password"]:
        raise RuntimeError("login with the pending password failed")


def finish(arn, token):
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    for version, labels in stages.items():
        if "AWSCURRENT" in labels and version != token:
            sm.update_secret_version_stage(
                SecretId=arn, VersionStage="AWSCURRENT",
                MoveToVersionId=token, RemoveFromVersionId=version,
            )
            # Tidy up: the new current version does not need the pending label any more.
            sm.update_secret_version_stage(
                SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=token
            )


STEPS = {"createSecret": create, "setSecret": set_, "testSecret": test, "finishSecret": finish}


def handler(event, context):
    STEPS[event["Step"]](event["SecretId"], event["ClientRequestToken"])
