"""The front reads requests as AWS does: operation names, parameters, redaction, errors."""

from __future__ import annotations

import json

from simulator.account import _protocol as proto


def test_rest_operations_are_told_apart_by_method_path_query_and_headers() -> None:
    put = proto.parse("s3", "PUT", "/bucket/a/b.txt", "", {}, b"data")
    copy = proto.parse("s3", "PUT", "/bucket/a/b.txt", "", {"x-amz-copy-source": "/x/y"}, b"")
    listing = proto.parse("s3", "GET", "/bucket", "list-type=2&prefix=a", {}, b"")
    assert put[0] == "PutObject" and put[1]["Bucket"] == "bucket" and put[1]["Key"] == "a/b.txt"
    assert copy[0] == "CopyObject"
    assert listing[0] == "ListObjectsV2"


def test_json_and_query_protocols() -> None:
    op, params = proto.parse(
        "ssm",
        "POST",
        "/",
        "",
        {"x-amz-target": "AmazonSSM.GetParametersByPath"},
        json.dumps({"Path": "/app", "Recursive": True}).encode(),
    )
    assert op == "GetParametersByPath" and params == {"Path": "/app", "Recursive": True}
    op, params = proto.parse(
        "cloudformation",
        "POST",
        "/",
        "",
        {},
        b"Action=CreateStackInstances&Version=2010-05-15&StackSetName=base"
        b"&Accounts.member.1=222233334444&Regions.member.1=eu-west-1",
    )
    assert op == "CreateStackInstances"
    assert params["Accounts.member.1"] == "222233334444" and "Version" not in params


def test_sensitive_members_are_redacted_at_any_depth() -> None:
    names = proto.sensitive_members("secretsmanager", "PutSecretValue")
    redacted = proto.redact({"SecretId": "a", "SecretString": "s3cr3t"}, names)
    assert redacted == {"SecretId": "a", "SecretString": "****"}
    ssm = proto.sensitive_members("ssm", "PutParameter")
    assert proto.redact({"Name": "/x", "Value": "v"}, ssm)["Value"] == "****"
    lam = proto.sensitive_members("lambda", "UpdateFunctionConfiguration")
    nested = proto.redact({"Environment": {"Variables": {"TOKEN": "t"}}}, lam)
    assert nested == {"Environment": {"Variables": "****"}}


def test_credentials_come_from_the_signature_scope() -> None:
    auth = (
        "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE0000/20260101/eu-west-1/ssm/aws4_request, "
        "SignedHeaders=host, Signature=abc"
    )
    assert proto.credential({"authorization": auth}, {}) == (
        "AKIAEXAMPLE0000",
        "eu-west-1",
        "ssm",
    )
    assert proto.credential({}, {}) == ("", "", "")


def test_errors_are_written_in_each_services_protocol() -> None:
    status, headers, body = proto.error_response("ssm", 400, "ThrottlingException", "slow down")
    assert status == 400 and json.loads(body)["__type"] == "ThrottlingException"
    assert proto.error_code(status, {k.lower(): v for k, v in headers}, body) == (
        "ThrottlingException"
    )
    _s, _h, xml = proto.error_response("s3", 413, "RequestEntityTooLarge", "big")
    assert proto.error_code(413, {}, xml) == "RequestEntityTooLarge"
    _s, _h, query = proto.error_response("cloudformation", 400, "ValidationError", "bad")
    assert b"<ErrorResponse>" in query and proto.error_code(400, {}, query) == "ValidationError"
