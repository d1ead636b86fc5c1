"""Host side of the stand-ins: world view in, validated journal entries out."""

from __future__ import annotations

import base64
import compileall
import json
import marshal
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulator.sandbox import Mount, read_file
from simulator.world import MAX_OBJECT_BYTES, World

TOOLS_DIR = Path(__file__).resolve().parent
SANDBOX_TOOLS = "/codebuild/pa/tools"
SANDBOX_STATE = "/codebuild/pa/state"
SANDBOX_JOURNAL = "/codebuild/pa/journal"
TOOLS_PATH = f"{SANDBOX_TOOLS}/bin"

_MAX_JOURNAL = 4 * 1024 * 1024
_MAX_ENTRIES = 2000
# Blobs the tools may store in the world over one build: each s3.put may name a 64 MB blob,
# and the journal holds thousands of entries, so without a total one build could fill memory.
_MAX_STORED_BYTES = 256 * 1024 * 1024
_BLOB = re.compile(r"^blob-\d{1,6}$")
_NAME = re.compile(r"^[\w./:@+=,-]{1,1024}$")


def _precompile() -> None:
    """Byte-compile the stand-ins once: inside the sandbox their directory is read-only."""
    compileall.compile_dir(TOOLS_DIR / "patools", quiet=2)


class _Bad(ValueError):
    """One journal entry that does not have the expected shape."""


def _text(entry: dict[str, Any], key: str, *, pattern: re.Pattern[str] = _NAME) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not pattern.match(value):
        raise _Bad(f"{key} must be a short name, got {value!r:.80}")
    return value


class Channel:
    """The directories the stand-ins use, for one build (or one deployment)."""

    def __init__(self, world: World, *, note: Callable[[str], None] | None = None) -> None:
        self.world = world
        self._note = note or (lambda _msg: None)
        self.root = Path(tempfile.mkdtemp(prefix="pa-chan-"))
        self.root.chmod(0o755)
        self.state_dir = self.root / "state"
        self.journal_dir = self.root / "journal"
        self.state_dir.mkdir()
        self.journal_dir.mkdir()
        self._offset = 0
        self._stored = 0  # bytes of blobs taken into the world (see _MAX_STORED_BYTES)
        _precompile()
        self.refresh()

    @property
    def mounts(self) -> list[Mount]:
        return [
            Mount(TOOLS_DIR, SANDBOX_TOOLS),
            Mount(self.state_dir, SANDBOX_STATE),
            Mount(self.journal_dir, SANDBOX_JOURNAL, writable=True),
        ]

    def refresh(self) -> None:
        """Rewrite the read-only world view the stand-ins read (atomically)."""
        view = self.world.sandbox_view()
        for bucket, spec in view["s3"].items():
            for key, obj in spec["objects"].items():
                if obj["size"] <= 1024 * 1024:
                    data = self.world.s3_get(bucket, key)
                    obj["data_b64"] = base64.b64encode(data).decode()
        # marshal: the stand-ins load it without importing json (a few ms per tool call);
        # the view holds only dicts, lists, strings, numbers, booleans and None.
        tmp = self.state_dir / "world.marshal.tmp"
        tmp.write_bytes(marshal.dumps(view))
        os.chmod(tmp, 0o644)
        tmp.replace(self.state_dir / "world.marshal")

    def apply(self) -> int:
        """Apply new journal entries to the world; return how many were applied."""
        try:
            raw = read_file(self.journal_dir, "journal.jsonl", max_bytes=_MAX_JOURNAL)
        except FileNotFoundError:
            return 0
        except (ValueError, OSError) as exc:
            self._note(f"[Simulator] ignored the tool journal: {exc}")
            return 0
        new = raw[self._offset :]
        complete, _, _partial = new.rpartition(b"\n")
        if not complete:
            return 0
        self._offset += len(complete) + 1
        applied = 0
        for line in complete.split(b"\n")[:_MAX_ENTRIES]:
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise _Bad("not an object")
                self._apply(entry)
                applied += 1
            # The sandbox writes the journal: a missing blob (OSError), a value of the wrong
            # type (TypeError, OverflowError) or absurd nesting (RecursionError) skips the entry.
            except (
                ValueError,
                KeyError,
                TypeError,
                OverflowError,
                OSError,
                RecursionError,
                _Bad,
            ) as exc:
                self._note(f"[Simulator] ignored a tool journal entry: {exc}")
        self.refresh()
        return applied

    def _blob(self, entry: dict[str, Any]) -> bytes:
        name = _text(entry, "blob", pattern=_BLOB)
        room = _MAX_STORED_BYTES - self._stored
        if room <= 0:
            raise _Bad(f"the tools already stored {_MAX_STORED_BYTES // (1024 * 1024)} MB")
        data = read_file(self.journal_dir / "blobs", name, max_bytes=min(MAX_OBJECT_BYTES, room))
        self._stored += len(data)
        return data

    def _apply(self, entry: dict[str, Any]) -> None:
        op = entry.get("op")
        w = self.world
        if op == "ssm.read":
            w.ssm_get(_text(entry, "name"))  # must exist
            w.record("ssm.read", name=entry["name"], version=int(entry.get("version", 0)), by="cli")
        elif op == "secrets.read":
            w.record("secrets.read", name=_text(entry, "name"), by="cli")
        elif op == "s3.get":
            w.record("s3.get", bucket=_text(entry, "bucket"), key=_text(entry, "key"))
        elif op == "s3.put":
            bucket = _text(entry, "bucket")
            if bucket not in w.state["s3"]:
                raise _Bad(f"bucket {bucket} does not exist")
            w.s3_put(bucket, _text(entry, "key"), self._blob(entry))
        elif op == "ecr.push":
            repo = _text(entry, "repository")
            if repo not in w.state["ecr"]:
                raise _Bad(f"repository {repo} does not exist")
            w.ecr_push(repo, _text(entry, "tag"), _text(entry, "digest"))
        elif op == "docker.login":
            w.record("docker.login", registry=_text(entry, "registry"))
        elif op == "lambda.update_code":
            w.lambda_update_code(self._function(entry), _text(entry, "sha256"))
        elif op == "lambda.publish_version":
            description = (
                entry.get("description") if isinstance(entry.get("description"), str) else ""
            )
            w.lambda_publish(self._function(entry), description[:256])
        elif op == "lambda.update_alias":
            fn = self._function(entry)
            alias = _text(entry, "alias")
            version = entry.get("version")
            weights = entry.get("weights") or {}
            if alias not in w.state["lambda"][fn]["aliases"] or not isinstance(version, int):
                raise _Bad(f"alias {alias} / version {version!r} not valid")
            if not isinstance(weights, dict) or not all(
                isinstance(v, int | float) and 0 <= v <= 1 for v in weights.values()
            ):
                raise _Bad("weights must map versions to numbers between 0 and 1")
            w.lambda_update_alias(
                fn, alias, version, {str(k): float(v) for k, v in weights.items()}
            )
        elif op == "cloudformation.deploy":
            stack = _text(entry, "stack")
            params = entry.get("parameters") or {}
            if not isinstance(params, dict):
                raise _Bad("parameters must be a mapping")
            template = self._blob(entry).decode("utf-8", "replace")
            existed = stack in w.state["stacks"]
            w.state["stacks"][stack] = {
                "status": "UPDATE_COMPLETE" if existed else "CREATE_COMPLETE",
                "parameters": {str(k)[:256]: str(v)[:4096] for k, v in params.items()},
                "template": template,
            }
            w.record(
                "cloudformation.deploy",
                stack=stack,
                parameters=w.state["stacks"][stack]["parameters"],
            )
        elif op == "deploy.create":
            request = {
                "deployment_id": _text(entry, "deployment_id"),
                "application": _text(entry, "application"),
                "group": _text(entry, "group"),
                "revision": str(entry.get("revision", ""))[:4096],
                "config": str(entry.get("config", ""))[:256],
                "status": "Created",
            }
            w.state["deployments"].append(request)
            w.record("deploy.create", **request)
        elif op == "codeartifact.login":
            w.record(
                "codeartifact.login",
                tool=_text(entry, "tool"),
                domain=_text(entry, "domain"),
                repository=_text(entry, "repository"),
            )
        else:
            raise _Bad(f"unknown operation {op!r:.40}")

    def _function(self, entry: dict[str, Any]) -> str:
        name = _text(entry, "function")
        if name not in self.world.state["lambda"]:
            raise _Bad(f"function {name} does not exist")
        return name

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
