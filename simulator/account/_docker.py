"""The host's container engine: builds from the context it receives, logins, pushes to ECR.

The sandbox's `docker` client sends requests over the account socket (`/_pa/docker/...`). An
image exists only if this engine built it from a context it received; a push reaches ECR (as a
PutImage through the front) only for such an image and after a login with a password the
account issued (ECR GetAuthorizationToken).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import io
import json
import re
import shlex
import tarfile
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from simulator.account._server import AccountServer

MAX_CONTEXT_BYTES = 64 * 1024 * 1024
MAX_CONTEXT_FILES = 20000
_ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$")
_REF = re.compile(r"^[a-z0-9][a-z0-9._/:@-]{0,400}$", re.IGNORECASE)


def _reply(status: int, data: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps(data).encode()
    return status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body


def split_ref(ref: str) -> tuple[str, str, str]:
    """(registry host, repository, tag) of `host/repo:tag` ('' host for Docker Hub names)."""
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest, tag
    return "", name, tag


def registry_host(server: str) -> str:
    server = re.sub(r"^https?://", "", server.strip())
    return server.split("/", 1)[0]


def _dockerfile_steps(text: str) -> list[tuple[str, str]]:
    steps: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        steps.append((word.upper(), rest.strip()))
    if pending:
        word, _, rest = pending.strip().partition(" ")
        steps.append((word.upper(), rest.strip()))
    return steps


class DockerEngine:
    """Images built in this run, registry logins, and the docker API the client calls."""

    def __init__(self, server: AccountServer) -> None:
        self.server = server
        self.images: dict[str, str] = {}  # "repo:tag" reference -> image id (sha256:...)
        self.logins: dict[str, tuple[str, str]] = {}  # registry host -> (account, region)
        self.events: list[dict[str, Any]] = []

    def handle(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        action = environ["PATH_INFO"].rsplit("/", 1)[-1]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_CONTEXT_BYTES:
            return self._fail(
                action,
                413,
                f"the build context is larger than {MAX_CONTEXT_BYTES // (1024 * 1024)} MB",
            )
        body = environ["wsgi.input"].read(length) if length else b""
        query = {k: v for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            if action == "build":
                return self.build(query, body)
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ValueError("expected a JSON object")
            if action == "login":
                return self.login(request)
            if action == "push":
                return self.push(request)
            if action == "tag":
                return self.tag(request)
            if action == "images":
                return _reply(200, {"images": dict(self.images)})
        except (ValueError, KeyError, TypeError) as exc:
            return self._fail(action, 400, f"bad request: {exc}")
        return self._fail(action, 404, f"unknown docker operation {action!r}")

    def _fail(self, action: str, status: int, message: str) -> tuple[int, list, bytes]:
        self._log(action.capitalize(), status, "DockerError", {})
        return _reply(status, {"ok": False, "error": message})

    def _log(self, operation: str, status: int, error: str | None, params: dict[str, Any]) -> None:
        self.server.log(
            service="docker",
            operation=operation,
            account=self.server.main_account,
            region=self.server.main_region,
            params=params,
            status=status,
            error_code=error,
        )

    # -- build ------------------------------------------------------------------------------
    def build(self, query: dict[str, list[str]], body: bytes) -> tuple[int, list, bytes]:
        tags = query.get("t", [])
        dockerfile_name = (query.get("dockerfile") or ["Dockerfile"])[0]
        files: dict[str, bytes] = {}
        dirs: set[str] = set()
        try:
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:") as archive:
                for member in archive:
                    if len(files) > MAX_CONTEXT_FILES:
                        raise ValueError(f"more than {MAX_CONTEXT_FILES} files in the context")
                    name = member.name.lstrip("./").lstrip("/")
                    if ".." in name.split("/"):
                        continue
                    if member.isdir():
                        dirs.add(name.rstrip("/"))
                    elif member.isfile():
                        handle = archive.extractfile(member)
                        files[name] = handle.read() if handle else b""
        except (tarfile.TarError, ValueError) as exc:
            return self._fail("build", 400, f"the build context could not be read: {exc}")
        params = {"tags": tags, "dockerfile": dockerfile_name, "context_files": len(files)}
        dockerfile = files.get(dockerfile_name.lstrip("./"))
        if dockerfile is None:
            self._log("Build", 400, "DockerfileNotFound", params)
            return _reply(
                400,
                {
                    "ok": False,
                    "error": "failed to solve: failed to read dockerfile: open "
                    f"{dockerfile_name}: no such file or directory",
                },
            )
        steps = _dockerfile_steps(dockerfile.decode("utf-8", "replace"))
        problem = self._check_steps(steps, files, dirs)
        if problem:
            self._log("Build", 400, "BuildFailed", params)
            return _reply(400, {"ok": False, "error": problem, "steps": steps})
        digest = hashlib.sha256()
        digest.update(dockerfile)
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        image_id = "sha256:" + digest.hexdigest()
        for tag in tags:
            self.images[_normal(tag)] = image_id
        params["image_id"] = image_id
        self._log("Build", 200, None, params)
        self.events.append({"action": "build", "image_id": image_id, "tags": tags})
        return _reply(200, {"ok": True, "image_id": image_id, "steps": steps, "tags": tags})

    @staticmethod
    def _check_steps(
        steps: list[tuple[str, str]], files: dict[str, bytes], dirs: set[str]
    ) -> str | None:
        if not any(word == "FROM" for word, _ in steps):
            return "failed to solve: no build stage in current context (a Dockerfile needs FROM)"
        first = next(word for word, _ in steps if word != "ARG")
        if first != "FROM":
            return f"failed to solve: {first} must come after FROM"
        known = set(files) | dirs
        for word, rest in steps:
            if word not in ("COPY", "ADD"):
                continue
            try:
                args = shlex.split(rest)
            except ValueError:
                args = rest.split()
            if rest.lstrip().startswith("["):
                with contextlib.suppress(ValueError):
                    args = json.loads(rest)
            flags = [a for a in args if a.startswith("--")]
            paths = [a for a in args if not a.startswith("--")]
            if any(f.startswith("--from") for f in flags) or len(paths) < 2:
                continue
            for source in paths[:-1]:
                if word == "ADD" and re.match(r"^https?://", source):
                    continue
                pattern = source.lstrip("./").lstrip("/").rstrip("/") or "."
                if pattern == ".":
                    continue
                if not any(
                    fnmatch.fnmatchcase(name, pattern) or name.startswith(pattern + "/")
                    for name in known
                ):
                    return (
                        f"failed to solve: failed to compute cache key: failed to calculate "
                        f'checksum of ref: "/{pattern}": not found (COPY source {source} is '
                        "not in the build context)"
                    )
        return None

    # -- registry ---------------------------------------------------------------------------
    def login(self, request: dict[str, Any]) -> tuple[int, list, bytes]:
        host = registry_host(str(request.get("registry", "")))
        username = str(request.get("username", ""))
        password = str(request.get("password", ""))
        params = {"registry": host, "username": username, "password": "****"}
        match = _ECR_HOST.match(host)
        issued = self.server.tokens.get(password)
        if not match:
            self._log("Login", 401, "UnknownRegistry", params)
            return _reply(
                401,
                {
                    "ok": False,
                    "error": f'Error response from daemon: Get "https://{host}/v2/": the '
                    "simulated build reaches only Amazon ECR registries "
                    "(ACCOUNT.dkr.ecr.REGION.amazonaws.com)",
                },
            )
        if username != "AWS" or issued is None or issued[1] != match.group(2):
            self._log("Login", 401, "Unauthorized", params)
            return _reply(
                401,
                {
                    "ok": False,
                    "error": f"Error response from daemon: login attempt to https://{host}/v2/ "
                    "failed with status: 400 Bad Request",
                },
            )
        self.logins[host] = issued
        self._log("Login", 200, None, params)
        self.events.append({"action": "login", "registry": host})
        return _reply(200, {"ok": True, "message": "Login Succeeded"})

    def tag(self, request: dict[str, Any]) -> tuple[int, list, bytes]:
        source, target = _normal(str(request["source"])), _normal(str(request["target"]))
        image = self.images.get(source) or (source if source in self.images.values() else None)
        if image is None:
            return _reply(
                404, {"ok": False, "error": f"Error response from daemon: No such image: {source}"}
            )
        self.images[target] = image
        return _reply(200, {"ok": True})

    def push(self, request: dict[str, Any]) -> tuple[int, list, bytes]:
        ref = _normal(str(request.get("ref", "")))
        host, repo, tag = split_ref(ref)
        params = {"ref": ref}
        image = self.images.get(ref)
        if image is None:
            self._log("Push", 404, "ImageNotFound", params)
            return _reply(
                404,
                {"ok": False, "error": f"An image does not exist locally with the tag: {ref}"},
            )
        match = _ECR_HOST.match(host)
        if not match:
            self._log("Push", 401, "UnknownRegistry", params)
            return _reply(
                401,
                {
                    "ok": False,
                    "error": "denied: the simulated build pushes only to Amazon ECR registries",
                },
            )
        if host not in self.logins:
            self._log("Push", 401, "NoCredentials", params)
            return _reply(401, {"ok": False, "error": "no basic auth credentials"})
        account, region = match.group(1), match.group(2)
        from simulator.account._ops import _manifest, _manifest_digest
        from simulator.account._server import _HOST

        _HOST.origin = self.server.origin  # the PutImage is part of the learner's command
        try:
            ecr = self.server.client("ecr", account, region)
            ecr.describe_repositories(repositoryNames=[repo])
            out = ecr.put_image(
                repositoryName=repo,
                imageManifest=_manifest(image),
                imageTag=tag,
                imageDigest=_manifest_digest(image),
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "RepositoryNotFoundException":
                message = (
                    f"name unknown: The repository with name '{repo}' does not exist in the "
                    f"registry with id '{account}'"
                )
            elif code == "ImageAlreadyExistsException":
                out = None
                message = ""
            else:
                message = f"{code}: {exc.response.get('Error', {}).get('Message', '')}"
            if message:
                self._log("Push", 400, code or "PushFailed", params)
                return _reply(400, {"ok": False, "error": message})
        finally:
            _HOST.origin = ""
        digest = out["image"]["imageId"]["imageDigest"] if out else image
        self._log("Push", 200, None, {**params, "digest": digest})
        self.events.append(
            {"action": "push", "repository": repo, "tag": tag, "digest": digest, "account": account}
        )
        return _reply(200, {"ok": True, "digest": digest, "repository": repo, "tag": tag})


def _normal(ref: str) -> str:
    if ref.startswith("sha256:"):
        return ref
    host, repo, tag = split_ref(ref)
    return f"{host + '/' if host else ''}{repo}:{tag}"
