"""In-sandbox Lambda runtime for Python handlers: load `module.function`, run invocations.

Started in the background of one sandbox session (an execution environment). It talks to the
host over the Unix socket the host binds in, one JSON message a line; fds 1 and 2 go to a pipe
whose lines are shipped as the function's logs. Stdlib only until the handler imports boto3.

The X-Ray daemon: with no network, the runtime listens on the sandbox's loopback at
AWS_XRAY_DAEMON_ADDRESS (UDP, as the daemon does) and relays every datagram to the host as it
arrives; the host checks and parses the segment documents. Each invocation gets the trace header
the host chose in _X_AMZN_TRACE_ID, as Lambda sets it.
"""

import importlib
import json
import logging
import os
import socket
import sys
import threading
import time
import traceback
import uuid

RT_SOCKET = "/codebuild/pa/lambda/rt/runtime.sock"
AWS_SOCKET = "/codebuild/pa/account/aws.sock"
SDK_DIR = "/codebuild/pa/lambda/sdk"
TASK_DIR = "/var/task"
MAX_LINE = 8192
MAX_DATAGRAM = 65536

_send_lock = threading.Lock()


def _send(sock, message):
    data = (json.dumps(message, default=str) + "\n").encode()
    with _send_lock:
        sock.sendall(data)


def _patch_sdk():
    # boto3/botocore send ordinary HTTP to http://aws.internal; the bytes go to the account
    # socket, the sandbox's only way out (as for the in-sandbox AWS CLI).
    try:
        import urllib3.connection
    except ImportError:
        return

    def _new_conn(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if isinstance(self.timeout, int | float):
            sock.settimeout(self.timeout)
        sock.connect(AWS_SOCKET)
        return sock

    urllib3.connection.HTTPConnection._new_conn = _new_conn  # type: ignore[method-assign]


class _Logs:
    """Reads the pipe behind fds 1 and 2 and ships each line; a marker line ends a batch."""

    def __init__(self, sock):
        self.sock = sock
        self.marker = "\0pa-flush-" + uuid.uuid4().hex
        self.flushed = threading.Event()
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        self.reader = os.fdopen(read_fd, "rb")
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for raw in self.reader:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line == self.marker:
                self.flushed.set()
                continue
            _send(self.sock, {"t": "log", "line": line[:MAX_LINE]})

    def flush(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.flushed.clear()
        os.write(1, (self.marker + "\n").encode())
        self.flushed.wait(2.0)


class _Daemon:
    """The X-Ray daemon's UDP port inside the sandbox: relays each datagram to the host."""

    def __init__(self, sock):
        self.sock = sock
        self.marker = ("pa-xray-flush-" + uuid.uuid4().hex).encode()
        self.flushed = threading.Event()
        host, _, port = os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000").rpartition(":")
        self.address = (host or "127.0.0.1", int(port or 2000))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self.udp.bind(self.address)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            try:
                data = self.udp.recv(MAX_DATAGRAM)
            except OSError:
                return
            if data == self.marker:
                self.flushed.set()
                continue
            _send(self.sock, {"t": "xray", "data": data.decode("utf-8", "replace")})

    def flush(self):
        # Datagrams sent before the marker are queued before it: once the marker is seen,
        # everything the invocation sent has been relayed.
        self.flushed.clear()
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            out.sendto(self.marker, self.address)
        finally:
            out.close()
        self.flushed.wait(2.0)


def _daemon(sock):
    try:
        return _Daemon(sock)
    except (OSError, ValueError):
        return None  # no loopback: traces are simply not relayed


class _RequestId(logging.Filter):
    """Adds the current request id to log records, as Lambda's Python runtime does."""

    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestId.request_id
        return True


def _lambda_logging():
    # Lambda's Python runtime gives the root logger a handler with this text format (level
    # WARNING until the function lowers it): "[INFO]\t<UTC time>\t<request id>\t<message>".
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestId())
    logging.getLogger().addHandler(handler)


class Context:
    """The Lambda context object, built from what the host sent."""

    def __init__(self, facts, deadline):
        self.function_name = facts["function_name"]
        self.function_version = facts["function_version"]
        self.invoked_function_arn = facts["invoked_function_arn"]
        self.memory_limit_in_mb = int(facts["memory_limit_in_mb"])
        self.aws_request_id = facts["aws_request_id"]
        self.log_group_name = facts["log_group_name"]
        self.log_stream_name = facts["log_stream_name"]
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc):
    return {
        "t": "result",
        "ok": False,
        "type": type(exc).__name__,
        "message": str(exc),
        "trace": traceback.format_exception(exc)[-6:],
    }


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(RT_SOCKET)
    reader = sock.makefile("rb")
    logs = _Logs(sock)
    daemon = _daemon(sock)
    _lambda_logging()
    sys.path[:0] = [TASK_DIR]
    sys.path.append(SDK_DIR)
    _patch_sdk()
    module_name, _, function_name = os.environ.get("_HANDLER", "").rpartition(".")
    try:
        if not module_name:
            raise ValueError(f"Bad handler '{os.environ.get('_HANDLER', '')}': use module.function")
        module = importlib.import_module(module_name.replace("/", "."))
        handler = getattr(module, function_name, None)
        if handler is None:
            raise AttributeError(f"Handler '{function_name}' missing on module '{module_name}'")
    except BaseException as exc:
        print(f"[ERROR] Runtime.ImportModuleError: {type(exc).__name__}: {exc}", file=sys.stderr)
        logs.flush()
        _send(sock, {"t": "init_error", "type": type(exc).__name__, "message": str(exc)})
        return
    logs.flush()
    _send(sock, {"t": "ready"})
    for raw in reader:
        message = json.loads(raw)
        deadline = time.monotonic() + float(message["timeout"])
        context = Context(message["context"], deadline)
        _RequestId.request_id = context.aws_request_id
        if message.get("trace"):
            os.environ["_X_AMZN_TRACE_ID"] = str(message["trace"])
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        print(f"START RequestId: {context.aws_request_id} Version: {context.function_version}")
        try:
            value = handler(message["event"], context)
            try:
                out = {"t": "result", "ok": True, "value": json.loads(json.dumps(value))}
            except (TypeError, ValueError) as exc:
                out = {
                    "t": "result",
                    "ok": False,
                    "type": "Runtime.MarshalError",
                    "message": f"Unable to marshal response: {exc}",
                }
        except MemoryError as exc:
            out = {**_error(exc), "crash": True, "type": "Runtime.OutOfMemory"}
        except SystemExit as exc:
            out = {**_error(exc), "crash": True, "type": "Runtime.ExitError"}
        except BaseException as exc:
            out = _error(exc)
            print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
        if daemon is not None:
            daemon.flush()
        print(f"END RequestId: {context.aws_request_id}")
        logs.flush()
        _send(sock, out)
        if out.get("crash"):
            os._exit(1)


main()
