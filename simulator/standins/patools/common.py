"""Shared by the stand-ins: option parsing and CLI-style errors (nothing is journalled).

Every stand-in call starts a Python process, so this module imports only builtins at load time
(json, re, pathlib and typing cost tens of milliseconds each on a small machine).
"""

from __future__ import annotations

import sys

try:  # the builtin hash modules load much faster than OpenSSL-backed hashlib
    from _md5 import md5
    from _sha256 import sha256
except ImportError:  # pragma: no cover - other Python builds
    from hashlib import md5, sha256

__all__ = ["md5", "sha256"]


def _quote(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    for char, escaped in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        out = out.replace(char, escaped)
    if any(ord(c) < 32 for c in out):
        out = "".join(f"\\u{ord(c):04x}" if ord(c) < 32 else c for c in out)
    return f'"{out}"'


def dumps(value: object, indent: int | None = None, _depth: int = 0) -> str:
    """JSON text like json.dumps (indent gives the AWS CLI layout), without importing json."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, dict):
        items = [f"{_quote(str(k))}: {dumps(v, indent, _depth + 1)}" for k, v in value.items()]
        opener, closer = "{", "}"
    elif isinstance(value, list | tuple):
        items = [dumps(v, indent, _depth + 1) for v in value]
        opener, closer = "[", "]"
    else:
        return _quote(str(value))
    if not items:
        return opener + closer
    if indent is None:
        return opener + ", ".join(items) + closer
    pad = " " * indent * (_depth + 1)
    end = " " * indent * _depth
    return opener + "\n" + ",\n".join(pad + i for i in items) + "\n" + end + closer


def fail(message: str, code: int = 1) -> None:
    """Print an error the way the real tool does and exit with its status."""
    sys.stdout.flush()  # keep stdout and stderr lines in the order they were written
    print(message, file=sys.stderr)
    raise SystemExit(code)


def aws_error(code: str, operation: str, message: str) -> None:
    """How the AWS CLI reports a service error (exit status 254)."""
    fail(f"\nAn error occurred ({code}) when calling the {operation} operation: {message}", 254)


MULTI = ("names", "parameter-overrides", "capabilities", "repository-names", "tags")


def options(args: list[str], flags: tuple[str, ...] = ()) -> tuple[dict, list[str]]:
    """Split `--name value` / `-n value` options (and bare flags) from positional arguments.

    Options named in MULTI take every following value up to the next option, like the AWS CLI.
    """
    opts: dict = {}
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
