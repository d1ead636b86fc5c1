"""Shared by the stand-ins: the read-only world view, the journal and CLI-style errors."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, NoReturn

try:  # the builtin hash modules load much faster than OpenSSL-backed hashlib
    from _md5 import md5
    from _sha256 import sha256
except ImportError:  # pragma: no cover - other Python builds
    from hashlib import md5, sha256

__all__ = ["md5", "sha256"]

STATE_DIR = Path(os.environ.get("PA_TEST_STATE_DIR", "/codebuild/pa/state"))
JOURNAL_DIR = Path(os.environ.get("PA_TEST_JOURNAL_DIR", "/codebuild/pa/journal"))
JOURNAL = JOURNAL_DIR / "journal.jsonl"
BLOBS = JOURNAL_DIR / "blobs"
DOCKER_STATE = JOURNAL_DIR / "docker.json"


def world() -> dict[str, Any]:
    """The world as the host last wrote it (refreshed after every command)."""
    try:
        return json.loads((STATE_DIR / "world.json").read_text())
    except (OSError, ValueError):
        fail("the simulated AWS account is not available in this sandbox", 255)


def record(op: str, **fields: Any) -> None:
    """Ask the host to apply a change (or note a read); the host validates every entry."""
    JOURNAL_DIR.mkdir(parents=True, exist_ok=True)
    with JOURNAL.open("a") as handle:
        handle.write(json.dumps({"op": op, **fields}) + "\n")


def store_blob(source: Path) -> str:
    """Copy a file into the journal's blob area; return the name the journal refers to."""
    BLOBS.mkdir(parents=True, exist_ok=True)
    number = len(list(BLOBS.iterdir())) + 1
    name = f"blob-{number}"
    shutil.copyfile(source, BLOBS / name)
    return name


def fail(message: str, code: int = 1) -> NoReturn:
    sys.stdout.flush()  # keep stdout and stderr lines in the order they were written
    print(message, file=sys.stderr)
    raise SystemExit(code)


def aws_error(code: str, operation: str, message: str) -> NoReturn:
    """How the AWS CLI reports a service error (exit status 254)."""
    fail(f"\nAn error occurred ({code}) when calling the {operation} operation: {message}", 254)


MULTI = ("names", "parameter-overrides", "capabilities", "repository-names", "tags")


def options(args: list[str], flags: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str]]:
    """Split `--name value` / `-n value` options (and bare flags) from positional arguments.

    Options named in MULTI take every following value up to the next option, like the AWS CLI.
    """
    opts: dict[str, Any] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and len(arg) > 1 and arg != "-":
            name, eq, inline = arg.lstrip("-").partition("=")
            if eq:
                opts[name] = inline
            elif name in flags or i + 1 >= len(args):
                opts[name] = True
            elif name in MULTI:
                values = []
                while i + 1 < len(args) and not args[i + 1].startswith("--"):
                    values.append(args[i + 1])
                    i += 1
                opts[name] = values
            else:
                opts[name] = args[i + 1]
                i += 1
        else:
            positional.append(arg)
        i += 1
    return opts, positional


def docker_state() -> dict[str, Any]:
    try:
        return json.loads(DOCKER_STATE.read_text())
    except (OSError, ValueError):
        return {"auths": {}, "images": {}}


def save_docker_state(state: dict[str, Any]) -> None:
    JOURNAL_DIR.mkdir(parents=True, exist_ok=True)
    DOCKER_STATE.write_text(json.dumps(state))
