"""Warm `aws` server inside the sandbox: awscli imported once, one fork per command.

Started in the background when a build's shell starts. The `aws` client sends its argv,
environment, working directory and its stdin/stdout/stderr (SCM_RIGHTS); a forked child runs
the real CLI with them and sends back the exit code. It runs as the learner, with the
learner's rights: the host trusts only its own log of what reached the account socket.
"""

import contextlib
import os
import signal
import socket
import sys

SOCKET_DIR = "/tmp/.pa-awsd"  # noqa: S108 - inside the sandbox's private /tmp
SOCKET = SOCKET_DIR + "/sock"
# Service models loaded before the first command (shared by every forked child).
WARM_SERVICES = (
    "ssm",
    "s3",
    "s3api",
    "ecr",
    "secretsmanager",
    "sts",
    "cloudformation",
    "lambda",
    "deploy",
)


def _driver(loader=None):
    from awscli.clidriver import create_clidriver

    driver = create_clidriver()
    if loader is not None:
        driver.session.register_component("data_loader", loader)
    return driver


# Environment variables and files that decide the CLI's configuration: while they are as they
# were at warm-up, a child reuses the warm driver (saves ~35 ms a call); otherwise it builds one.
_CONFIG_VARS = (
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CA_BUNDLE",
    "AWS_DATA_PATH",
    "HOME",
)


def _fingerprint(env):
    def stat(path):
        try:
            info = os.stat(os.path.expanduser(path))
            return (info.st_mtime_ns, info.st_size, info.st_ino)
        except OSError:
            return None

    home = env.get("HOME", "/root")
    files = (
        env.get("AWS_CONFIG_FILE") or home + "/.aws/config",
        env.get("AWS_SHARED_CREDENTIALS_FILE") or home + "/.aws/credentials",
    )
    return tuple(env.get(k) for k in _CONFIG_VARS) + tuple(stat(f) for f in files)


WARM = {}


def _warm():
    driver = _driver()
    table = driver._get_command_table()
    session = driver.session
    for name in WARM_SERVICES:
        command = table.get(name)
        try:
            command._get_command_table()  # service commands load their model here
            # A client per service caches what creating one needs (endpoint rules, partitions,
            # the model under the key the client asks for): a call then only builds its own.
            session.create_client(
                {"s3api": "s3", "deploy": "codedeploy"}.get(name, name),
                region_name="us-east-1",
                aws_access_key_id="warm",
                aws_secret_access_key="warm",  # noqa: S106 - not a credential
            )
        except Exception:  # noqa: S110 - warming is best effort
            pass
        service = {"s3api": "s3", "deploy": "codedeploy"}.get(name, name)
        for load in (session.get_paginator_model, session.get_waiter_model):
            try:
                load(service)
            except Exception:  # noqa: S112 - a service without paginators or waiters
                continue
    WARM["driver"] = driver
    WARM["key"] = _fingerprint(os.environ)
    return driver.session.get_component("data_loader")


def _serve_one(conn, loader):
    import json

    header, fds, _flags, _addr = socket.recv_fds(conn, 8, 3)
    size = int.from_bytes(header[:8], "big")
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    request = json.loads(data)
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
        os.close(fd)
    from patools.awsboot import cli_environment

    data_path = os.environ.get("AWS_DATA_PATH")  # awscli adds its data dir at import
    os.environ.clear()
    os.environ.update(cli_environment(request["env"]))
    if data_path and "AWS_DATA_PATH" not in request["env"]:
        os.environ["AWS_DATA_PATH"] = data_path
    os.chdir(request["cwd"])
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the command's own stdio
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    signal.signal(signal.SIGINT, signal.default_int_handler)
    driver = WARM.get("driver")
    if driver is None or WARM.get("key") != _fingerprint(os.environ):
        driver = _driver(loader)
    try:
        code = driver.main(request["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    conn.sendall(int(code or 0).to_bytes(4, "big", signed=True))


def main():
    from patools import awsboot

    awsboot.patch()
    # Warm up with the environment a call will have, so the warm driver matches it.
    os.environ.update(awsboot.cli_environment(dict(os.environ)))
    loader = _warm()
    os.makedirs(SOCKET_DIR, mode=0o700, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(SOCKET)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(SOCKET + ".tmp")
    os.rename(SOCKET + ".tmp", SOCKET)  # clients see the socket only once it listens
    server.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            try:
                _serve_one(conn, loader)
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    main()
