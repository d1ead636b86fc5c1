"""`docker`: a client of the host's container engine (build, login, tag, push, images).

It sends the build context, the login and the push to the host over the account socket; the
host decides every outcome (image ids, whether a login is valid, what reaches ECR). This
client keeps no state of its own: forging its output changes nothing in the account.
"""

from __future__ import annotations

import io
import os
import sys

# _socket, not socket: the socket module imports enum and selectors (~10-20 ms a call), and
# jsontext, not json (json imports re): every docker command starts a fresh Python.
from _socket import AF_UNIX, SOCK_STREAM
from _socket import socket as unix_socket

from patools.common import fail, options
from patools.jsontext import dumps, loads

ACCOUNT_SOCKET = os.environ.get("PA_ACCOUNT_SOCKET", "/codebuild/pa/account/aws.sock")
MAX_CONTEXT = 64 * 1024 * 1024
_FLAGS = ("password-stdin", "no-cache", "pull", "q", "quiet", "rm", "all-tags", "a")


def _request(action: str, body: bytes, query: str = "") -> tuple[int, dict]:
    path = f"/_pa/docker/{action}" + (f"?{query}" if query else "")
    head = (
        f"POST {path} HTTP/1.0\r\nHost: aws.internal\r\nContent-Length: {len(body)}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    try:
        conn = unix_socket(AF_UNIX, SOCK_STREAM)
        conn.connect(ACCOUNT_SOCKET)
        conn.sendall(head + body)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        conn.close()
    except OSError as exc:
        fail(
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker "
            f"daemon running? ({exc})"
        )
    raw = b"".join(chunks)
    status_line, _, rest = raw.partition(b"\r\n")
    _headers, _, payload = rest.partition(b"\r\n\r\n")
    try:
        status = int(status_line.split()[1])
        answer = loads(payload or b"{}")
        return status, answer if isinstance(answer, dict) else {}
    except (IndexError, ValueError):
        return 500, {"ok": False, "error": "the container engine gave no answer"}


_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def _quote(value: str) -> str:
    """Percent-encode a query value as urllib.parse.quote_plus does (urllib.parse imports re)."""
    return "".join(
        chr(b) if b in _SAFE else "+" if b == 32 else f"%{b:02X}" for b in value.encode()
    )


def _ignored(path: str, patterns: list[str]) -> bool:
    import fnmatch

    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            ignored = not negate
    return ignored


def _context(directory: str) -> bytes:
    import tarfile

    patterns: list[str] = []
    ignore = os.path.join(directory, ".dockerignore")
    if os.path.isfile(ignore):
        with open(ignore) as handle:
            patterns = [
                line.strip() for line in handle if line.strip() and not line.startswith("#")
            ]
    buffer = io.BytesIO()
    total = 0
    with tarfile.open(fileobj=buffer, mode="w:") as archive:
        for root, dirs, files in os.walk(directory):
            rel_root = os.path.relpath(root, directory)
            dirs[:] = [
                d
                for d in dirs
                if not _ignored(os.path.normpath(os.path.join(rel_root, d)), patterns)
            ]
            for name in files:
                rel = os.path.normpath(os.path.join(rel_root, name))
                full = os.path.join(root, name)
                if _ignored(rel, patterns) or os.path.islink(full):
                    continue
                total += os.path.getsize(full)
                if total > MAX_CONTEXT:
                    fail(f"the build context is larger than {MAX_CONTEXT // (1024 * 1024)} MB")
                archive.add(full, arcname=rel, recursive=False)
    return buffer.getvalue()


def login(args: list[str]) -> int:
    opts, positional = options(args, _FLAGS)
    registry = positional[0] if positional else "docker.io"
    if opts.get("password-stdin"):
        password = sys.stdin.read().strip()
    else:
        password = str(opts.get("password") or opts.get("p") or "")
        print(
            "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
            file=sys.stderr,
        )
    username = str(opts.get("username") or opts.get("u") or "")
    body = dumps({"registry": registry, "username": username, "password": password})
    status, answer = _request("login", body.encode())
    if status != 200:
        fail(answer.get("error", "login failed"))
    print("Login Succeeded")
    return 0


def build(args: list[str]) -> int:
    tags: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        if args[i] in ("-t", "--tag") and i + 1 < len(args):
            tags.append(args[i + 1])
            i += 2
            continue
        if args[i].startswith("--tag="):
            tags.append(args[i].split("=", 1)[1])
        else:
            rest.append(args[i])
        i += 1
    opts, positional = options(rest, _FLAGS)
    if len(positional) != 1:
        fail('ERROR: "docker buildx build" requires exactly 1 argument.')
    directory = positional[0]
    if not os.path.isdir(directory):
        fail(f'ERROR: unable to prepare context: path "{directory}" not found')
    dockerfile = str(opts.get("f") or opts.get("file") or "Dockerfile")
    if os.path.isabs(dockerfile) or dockerfile.startswith(".."):
        dockerfile = os.path.relpath(dockerfile, directory)
    pairs = [*(("t", t) for t in tags), ("dockerfile", dockerfile)]
    query = "&".join(f"{name}={_quote(value)}" for name, value in pairs)
    status, answer = _request("build", _context(directory), query)
    steps = answer.get("steps") or []
    for number, (word, text) in enumerate(steps, start=1):
        print(f"#{number} [{number}/{len(steps)}] {word} {text}")
        if word == "RUN":
            print(f"#{number} (not executed: the simulated engine has no container runtime)")
    if status != 200:
        fail(f"ERROR: {answer.get('error', 'the build failed')}")
    print(f"#{len(steps) + 1} writing image {answer['image_id']} done")
    for tag in tags:
        print(f"#{len(steps) + 1} naming to {tag} done")
    return 0


def tag(args: list[str]) -> int:
    _opts, positional = options(args, _FLAGS)
    if len(positional) != 2:
        fail('"docker tag" requires exactly 2 arguments.')
    body = dumps({"source": positional[0], "target": positional[1]}).encode()
    status, answer = _request("tag", body)
    if status != 200:
        fail(answer.get("error", "tag failed"))
    return 0


def push(args: list[str]) -> int:
    _opts, positional = options(args, _FLAGS)
    if len(positional) != 1:
        fail('"docker push" requires exactly 1 argument.')
    ref = positional[0]
    name = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    print(f"The push refers to repository [{name}]")
    status, answer = _request("push", dumps({"ref": ref}).encode())
    if status != 200:
        fail(answer.get("error", "push failed"))
    print(f"{answer['tag']}: digest: {answer['digest']} size: 1574")
    return 0


def images(args: list[str]) -> int:
    _status, answer = _request("images", b"{}")
    print(f"{'REPOSITORY':<60} {'TAG':<20} {'IMAGE ID':<14} {'CREATED':<15} SIZE")
    for ref, image_id in sorted((answer.get("images") or {}).items()):
        if ref.startswith("sha256:"):
            continue
        name, version = ref.rsplit(":", 1)
        short = image_id.split(":", 1)[-1][:12]
        print(f"{name:<60} {version:<20} {short:<14} {'1 second ago':<15} 120MB")
    return 0


def pull(args: list[str]) -> int:
    _opts, positional = options(args, _FLAGS)
    if len(positional) != 1:
        fail('"docker pull" requires exactly 1 argument.')
    name = positional[0]
    fail(
        f'Error response from daemon: Get "https://{name.split("/", 1)[0]}/v2/": dial tcp: '
        "lookup: no such host (the sandbox has no network; the simulated engine builds from "
        "FROM lines without pulling)"
    )
    return 1


COMMANDS = {
    "login": login,
    "build": build,
    "tag": tag,
    "push": push,
    "images": images,
    "pull": pull,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("--help", "help"):
        print("Usage:  docker [OPTIONS] COMMAND\n\nSimulated commands: " + ", ".join(COMMANDS))
        return 0
    if argv[0] == "--version":
        print("Docker version 26.1.4, build 5650f9b (simulated)")
        return 0
    command = argv[0]
    if command == "image" and len(argv) > 1 and argv[1] in ("build", "tag", "push", "ls"):
        command = "images" if argv[1] == "ls" else argv[1]
        argv = argv[1:]
    if command not in COMMANDS:
        if command in ("run", "exec", "compose", "buildx", "start", "create"):
            fail(
                f"docker: '{command}' cannot run in the simulator: there is no container "
                f"runtime (simulated commands: {', '.join(COMMANDS)})",
                125,
            )
        fail(f"docker: '{command}' is not a docker command.\nSee 'docker --help'")
    return COMMANDS[command](argv[1:])
