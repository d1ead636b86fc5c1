"""In-sandbox bootstrap for the real AWS CLI: every HTTP connection goes to the account socket.

The sandbox has no network; the only way out is the Unix socket the host binds at
/codebuild/pa/account/aws.sock. botocore still signs and sends ordinary HTTP requests to
http://aws.internal; this patch only changes where the bytes go.
"""

import os
import socket

ACCOUNT_SOCKET = os.environ.get("PA_ACCOUNT_SOCKET", "/codebuild/pa/account/aws.sock")
ENDPOINT = "http://aws.internal"
PYTHON_DIR = "/codebuild/pa/python"


def _new_conn(self):  # urllib3.connection.HTTPConnection._new_conn
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if isinstance(self.timeout, int | float):
        sock.settimeout(self.timeout)
    sock.connect(ACCOUNT_SOCKET)
    return sock


def patch() -> None:
    import urllib3.connection

    # Patched on purpose: every connection goes to the account socket (no network).
    urllib3.connection.HTTPConnection._new_conn = _new_conn  # type: ignore[method-assign]
    # AWS CLI v1 fetches parameter values that start with http(s):// (v2 never does); with no
    # network that would turn `--value https://...` into an error, so values are taken as given.
    import awscli.clidriver
    import awscli.paramfile

    awscli.paramfile.REMOTE_PREFIX_MAP.clear()


def cli_environment(env: dict) -> dict:
    """The environment one `aws` call runs with: the learner's, plus where AWS is."""
    env = dict(env)
    env.setdefault("AWS_ENDPOINT_URL", ENDPOINT)
    env.setdefault("AWS_PAGER", "")
    return env
