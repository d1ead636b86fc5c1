"""Warm `aws` server inside the sandbox: awscli imported once, one fork per command.

Started by the first `aws` call of a shell session (`bin/aws`), detached, as that caller's
user: a session that never calls `aws` never pays for it. It listens as soon as the CLI's
driver exists, then loads the common service models one at a time while no call waits. The
`aws` client sends its argv, environment and working directory (marshal) and its
stdin/stdout/stderr (SCM_RIGHTS); a forked child runs the real CLI with them and sends back the
exit code. It runs as the learner, with the learner's rights: the host trusts only its own
log of what reached the account socket. One server per uid (a `run-as` user never reaches
root's server).
"""

import contextlib
import gc
import os
import select
import signal
import socket
import sys

# Inside the sandbox's private /tmp; one folder per uid, 0700.
SOCKET_DIR = "/tmp/.pa-awsd-%d" % os.getuid()  # noqa: S108, UP031
SOCKET = SOCKET_DIR + "/sock"
PID_FILE = SOCKET_DIR + "/pid"
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


# "driver": awscli's driver (untyped), "key": the environment it was built for. A bare dict:
# naming Any would import typing, which costs every call several milliseconds.
WARM: dict = {}
_CLIENT_NAME = {"s3api": "s3", "deploy": "codedeploy"}


def _warm_driver():
    """The part every call needs: awscli imported, the driver and its command table built."""
    driver = _driver()
    driver._get_command_table()
    WARM["driver"] = driver
    WARM["key"] = _fingerprint(os.environ)
    return driver.session.get_component("data_loader")


def _warm_service(name):
    """Load one service's model, client data, paginators and waiters into the warm driver."""
    driver = WARM["driver"]
    session = driver.session
    service = _CLIENT_NAME.get(name, name)
    with contextlib.suppress(Exception):  # warming is best effort
        driver._get_command_table()[name]._get_command_table()  # the service's model
        # A client per service caches what creating one needs (endpoint rules, partitions,
        # the model under the key the client asks for): a call then only builds its own.
        session.create_client(
            service,
            region_name="us-east-1",
            aws_access_key_id="warm",
            aws_secret_access_key="warm",  # noqa: S106 - not a credential
        )
    for load in (session.get_paginator_model, session.get_waiter_model):
        with contextlib.suppress(Exception):  # a service without paginators or waiters
            load(service)


def _warm():
    """Everything at once (tests and benchmarks that want a fully warm server)."""
    loader = _warm_driver()
    for name in WARM_SERVICES:
        _warm_service(name)
    return loader


def _serve_one(conn, loader):
    import marshal

    gc.freeze()  # the warm state inherited from the server is never garbage
    gc.enable()  # off while the server warms up; a long command must still collect
    header, fds, _flags, _addr = socket.recv_fds(conn, 8, 3)
    size = int.from_bytes(header[:8], "big")
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    # marshal (builtin) spares the client importing json. Only this server's own user can reach
    # the socket (its folder is 0700), and that user can run anything as itself already.
    request = marshal.loads(data)  # noqa: S302
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


def _listen():
    with contextlib.suppress(FileNotFoundError):
        os.unlink(SOCKET)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(SOCKET + ".tmp")
    os.rename(SOCKET + ".tmp", SOCKET)  # clients see the socket only once it listens
    server.listen(16)
    return server


def main():
    # The warm-up builds tens of thousands of long-lived objects (modules, models, handlers):
    # the cyclic collector would scan them again and again for nothing (5-10% of the warm-up's
    # CPU). It is off until the warm-up ends, then the warm objects are frozen out of its scans
    # and it runs as usual; a call served before that turns it back on in its own child.
    gc.disable()
    from patools import awsboot

    sys.argv[:] = ["aws"]  # argparse names the program after argv[0] in its messages
    with contextlib.suppress(FileExistsError):
        os.mkdir(SOCKET_DIR, 0o700)
    with contextlib.suppress(OSError), open(PID_FILE, "w") as out:
        out.write(str(os.getpid()))  # waiting clients use it to see a server that died
    awsboot.patch()
    # Warm up with the environment a call will have, so the warm driver matches it.
    os.environ.update(awsboot.cli_environment(dict(os.environ)))
    loader = _warm_driver()
    server = _listen()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # The host may name the services a build's commands use (PA_AWSD_WARM=ecr,s3): warm those.
    wanted = os.environ.pop("PA_AWSD_WARM", "")
    pending = [n for n in wanted.split(",") if n] if wanted else list(WARM_SERVICES)
    if not pending:
        gc.freeze()
        gc.enable()
    while True:
        # Serve a waiting call first; warm the next service only while nobody waits.
        ready, _, _ = select.select([server], [], [], 0 if pending else None)
        if not ready:
            _warm_service(pending.pop(0))
            if not pending:
                gc.freeze()  # the warm state stays out of every later scan (and shared by forks)
                gc.enable()
            continue
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
