"""Host-side boto3 clients on the run's account: requests go to the account server's AWS socket.

They act as the AWS service itself would (API Gateway writing logs, SQS polling for Lambda), so
their calls are logged by the account's front like any other, with the origin the host set.
"""

from __future__ import annotations

import http.client
import socket
from typing import Any

ENDPOINT = "http://aws.internal"


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 60.0) -> None:
        super().__init__("aws.internal", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_kwargs: Any):
        yield self.data

    def read(self, *_args: Any) -> bytes:
        return self.data


def _sender(socket_path: str):
    def send(request: Any, **_kwargs: Any) -> Any:
        from urllib.parse import urlsplit

        from botocore.awsrequest import AWSResponse

        url = urlsplit(request.url)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        conn = _UnixHTTP(socket_path)
        try:
            target = url.path + (f"?{url.query}" if url.query else "")
            conn.request(request.method, target, body or None, dict(request.headers.items()))
            answer = conn.getresponse()
            data = answer.read()
            headers = {k.lower(): v for k, v in answer.getheaders()}
            return AWSResponse(request.url, answer.status, headers, _Raw(data))
        finally:
            conn.close()

    return send


def account_client(
    socket_path: str, service: str, key: str, secret: str, region: str, token: str | None = None
) -> Any:
    """A boto3 client whose requests reach the account server at socket_path."""
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    client.meta.events.register("before-send", _sender(socket_path))
    return client
