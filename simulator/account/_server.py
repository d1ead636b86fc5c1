"""The account server: moto behind our front, one process per run, on the host.

Started by the zygote (`_zygote.py`, moto pre-imported) for one World. It listens on two Unix
sockets in a host directory: `aws.sock`, bind-mounted into sandboxes (AWS API, docker engine),
and `control.sock`, reached only by the host (seeding, origin, call log, snapshots, engine ops).
Everything the grader trusts is decided here; nothing is read from files the sandbox wrote.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from simulator.account import _protocol as proto
from simulator.account._types import ApiCall
from simulator.account._writes import is_write

if TYPE_CHECKING:
    from moto.backends import SERVICE_NAMES

MAX_REQUEST_BYTES = 16 * 1024 * 1024  # one request body (awscli splits bigger uploads)
MAX_CALLS = 2000  # API calls from the sandbox per run
MAX_STORED_BYTES = 256 * 1024 * 1024  # bytes of request bodies that write, per run
ENGINE_SERVICES = frozenset({"codedeploy"})

Response = tuple[int, list[tuple[str, str]], bytes]


def _json_response(status: int, data: Any) -> Response:
    body = json.dumps(data, default=str).encode()
    return status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body


class Budget:
    """Per-run limits on what the sandbox may ask of the account."""

    def __init__(self, calls: int = MAX_CALLS, stored: int = MAX_STORED_BYTES) -> None:
        self.max_calls = calls
        self.max_stored = stored
        self.calls = 0
        self.stored = 0


class AccountServer:
    """State of one run's account service (all accounts and Regions of one world)."""

    def __init__(self, moto_app: Callable[..., Any]) -> None:
        self.moto_app = moto_app
        self.lock = threading.Lock()
        self.calls: list[ApiCall] = []
        self.origin = "host"
        self.started = time.monotonic()
        self.budget = Budget()
        self.keys: dict[str, tuple[str, str]] = {}  # access key -> (account, secret key)
        self.account_keys: dict[str, str] = {}  # account -> access key
        self.main_account = "123456789012"
        self.main_region = "us-east-1"
        self.roles: dict[str, list[str]] = {}  # role ARN -> trusted principals
        self.codedeploy: dict[str, Any] = {}
        self.deployments: list[dict[str, Any]] = []
        # (admin account, Region, stack set id) -> per-instance outcomes (see _stacksets.py)
        self.stack_sets: dict[tuple[str, str, str], Any] = {}
        self.tokens: dict[str, tuple[str, str]] = {}  # ECR password -> (account, region)
        self.seen: set[tuple[str, str]] = set()  # (account, region) pairs that were used
        self.mutations = 0
        self.write_counts: dict[str, int] = {}
        self.export_cache: dict[str, tuple[Any, Any]] = {}
        # (account, bucket, key) -> the last exported entry (ETag, size, digest, text).
        self.s3_bodies: dict[tuple[str, str, str], dict[str, Any]] = {}
        from simulator.account._docker import DockerEngine

        self.docker = DockerEngine(self)
        self._clients: dict[tuple[str, str, str], Any] = {}

    # -- identity ---------------------------------------------------------------------------
    def add_account(self, account: str) -> str:
        if account not in self.account_keys:
            key = "AKIA" + secrets.token_hex(8).upper()
            self.keys[key] = (account, secrets.token_urlsafe(30))
            self.account_keys[account] = key
        return self.account_keys[account]

    def credentials(self, account: str) -> tuple[str, str]:
        key = self.add_account(account)
        return key, self.keys[key][1]

    def account_of(self, access_key: str) -> str | None:
        if access_key in self.keys:
            return self.keys[access_key][0]
        from moto.iam.models import iam_backends

        for account_id, backend in list(iam_backends.items()):
            for partition in list(backend.values()):
                if access_key in partition.access_keys:
                    return account_id
        return None

    # -- the log ----------------------------------------------------------------------------
    def log(self, **fields: Any) -> None:
        if _HOST.quiet:  # the host reading state for its own cache: not a call of the run
            return
        with self.lock:
            call = ApiCall(
                seq=len(self.calls) + 1,
                at_ms=int((time.monotonic() - self.started) * 1000),
                origin=fields.pop("origin", None) or self.origin,
                **fields,
            )
            self.calls.append(call)
            if call.ok and is_write(call.operation):
                self.mutations += 1
                # Export caches are keyed by these counters (see _export.export).
                self.write_counts[call.service] = self.write_counts.get(call.service, 0) + 1

    # -- the AWS front ----------------------------------------------------------------------
    def front(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """WSGI app the sandbox reaches: validate, budget, log, then moto or our engines."""
        status, headers, body = self.handle(environ, internal=False)
        start_response(f"{status} {_REASONS.get(status, 'Status')}", headers)
        return [body]

    def handle(self, environ: dict[str, Any], *, internal: bool, origin: str = "") -> Response:
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/_pa/docker/") and not internal:
            return self.docker.handle(environ)
        headers = _headers(environ)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        query = environ.get("QUERY_STRING", "")
        from urllib.parse import parse_qs

        key, region, signing = proto.credential(headers, parse_qs(query))
        service = proto.SIGNING_TO_SERVICE.get(signing, signing) or "unknown"
        if length > MAX_REQUEST_BYTES:
            return self._refuse(
                service,
                "",
                key,
                region,
                413,
                "RequestEntityTooLarge",
                f"the simulated account accepts request bodies up to "
                f"{MAX_REQUEST_BYTES // (1024 * 1024)} MB",
                origin,
            )
        body = environ["wsgi.input"].read(length) if length else b""
        if not length and headers.get("transfer-encoding", "").lower() == "chunked":
            body = environ["wsgi.input"].read(MAX_REQUEST_BYTES + 1)
            if len(body) > MAX_REQUEST_BYTES:
                return self._refuse(
                    service, "", key, region, 413, "RequestEntityTooLarge", "body too large", origin
                )
        if not key:
            return self._refuse(
                service,
                "",
                "",
                region,
                403,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
                origin,
            )
        account = self.account_of(key)
        operation, params = proto.parse(
            service, environ.get("REQUEST_METHOD", "GET"), path, query, headers, body
        )
        if account is None:
            return self._refuse(
                service,
                operation,
                "",
                region,
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
                origin,
                params,
            )
        if not internal:
            problem = self._over_budget(operation, body)
            if problem:
                return self._refuse(
                    service, operation, account, region, 400, problem[0], problem[1], origin, params
                )
        self.seen.add((account, region))
        if service == "sts" and operation == "AssumeRole":
            denied = self._assume_denied(account, str(params.get("RoleArn", "")))
            if denied:
                return self._refuse(
                    service, operation, account, region, 403, "AccessDenied", denied, origin, params
                )
        if service == "cloudformation" and operation in _STACK_WRITES:
            missing = _missing_capability(params)
            if missing:
                return self._refuse(
                    service,
                    operation,
                    account,
                    region,
                    400,
                    "InsufficientCapabilitiesException",
                    f"Requires capabilities : [{missing}]",
                    origin,
                    params,
                )
        answer = None
        if service == "cloudformation" and operation in _STACKSET_OPERATIONS:
            # moto refuses a whole CreateStackInstances when one instance fails; AWS runs
            # the operation instance by instance (simulator/account/_stacksets.py).
            from simulator.account import _stacksets

            answer = _stacksets.handle(self, operation, params, account, region)
        if answer is not None:
            status, out_headers, out = answer
        elif service in ENGINE_SERVICES:
            from simulator.account._engines import codedeploy

            status, out_headers, out = codedeploy(self, operation, params, account, region)
        else:
            status, out_headers, out = self._moto(environ, headers, body, account)
        if service == "ecr" and operation == "GetAuthorizationToken" and status == 200:
            out = self._issue_token(out, account, region)
            out_headers = [(k, v) for k, v in out_headers if k.lower() != "content-length"]
            out_headers.append(("Content-Length", str(len(out))))
        self.log(
            service=service,
            operation=operation or f"{environ.get('REQUEST_METHOD')} {path}",
            account=account,
            region=region,
            params=proto.redact(params, proto.sensitive_members(service, operation)),
            status=status,
            error_code=proto.error_code(status, {k.lower(): v for k, v in out_headers}, out),
            origin=origin or None,
        )
        return status, out_headers, out

    def _refuse(
        self,
        service: str,
        operation: str,
        account: str,
        region: str,
        status: int,
        code: str,
        message: str,
        origin: str,
        params: dict[str, Any] | None = None,
    ) -> Response:
        self.log(
            service=service,
            operation=operation or "unknown",
            account=account,
            region=region,
            params=proto.redact(params or {}, proto.sensitive_members(service, operation)),
            status=status,
            error_code=code,
            origin=origin or None,
        )
        return proto.error_response(service, status, code, message)

    def _over_budget(self, operation: str, body: bytes) -> tuple[str, str] | None:
        b = self.budget
        b.calls += 1
        if b.calls > b.max_calls:
            return (
                "ThrottlingException",
                f"Rate exceeded: the simulated account accepts at most {b.max_calls} API calls "
                "per run",
            )
        if is_write(operation):
            b.stored += len(body)
            if b.stored > b.max_stored:
                return (
                    "ServiceQuotaExceededException",
                    f"the simulated account stores at most {b.max_stored // (1024 * 1024)} MB "
                    "per run",
                )
        return None

    def _assume_denied(self, account: str, role_arn: str) -> str | None:
        trusted = self.roles.get(role_arn)
        caller = f"arn:aws:iam::{account}:root"
        if trusted is not None and (account in trusted or caller in trusted):
            return None
        return (
            f"User: arn:aws:sts::{account}:assumed-role/codebuild-service-role/build is not "
            f"authorized to perform: sts:AssumeRole on resource: {role_arn}"
        )

    def _issue_token(self, body: bytes, account: str, region: str) -> bytes:
        # moto's token is predictable; the registry must accept only what this account issued.
        data = json.loads(body)
        password = secrets.token_urlsafe(48)
        self.tokens[password] = (account, region)
        token = base64.b64encode(f"AWS:{password}".encode()).decode()
        for item in data.get("authorizationData", []):
            item["authorizationToken"] = token
        return json.dumps(data).encode()

    def _moto(
        self, environ: dict[str, Any], headers: dict[str, str], body: bytes, account: str
    ) -> Response:
        env = {k: v for k, v in environ.items() if not k.startswith("HTTP_X_MOTO")}
        env["HTTP_X_MOTO_ACCOUNT_ID"] = account
        # moto reads a bucket from the Host unless it looks local: send every request path
        # style (a virtual-hosted `bucket.aws.internal` becomes `/bucket/...`).
        host = str(env.get("HTTP_HOST", "")).split(":", 1)[0]
        if host.endswith(".aws.internal"):
            env["PATH_INFO"] = "/" + host[: -len(".aws.internal")] + env.get("PATH_INFO", "/")
        env["HTTP_HOST"] = "localhost"
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        env.pop("HTTP_TRANSFER_ENCODING", None)
        captured: dict[str, Any] = {}

        def start_response(status: str, hdrs: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(hdrs)

        try:
            chunks = self.moto_app(env, start_response)
            try:
                out = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close:
                    close()
        except Exception:
            captured = {"status": 500, "headers": [("Content-Type", "text/html")]}
            out = b""
        content_type = dict((k.lower(), v) for k, v in captured["headers"]).get("content-type", "")
        if captured["status"] >= 500 and "html" in content_type:
            # moto raised: answer like AWS does (the CLI prints an error, not an HTML page).
            signing = proto.credential(headers, {})[2]
            service = proto.SIGNING_TO_SERVICE.get(signing, signing)
            return proto.error_response(
                service,
                500,
                "InternalFailure",
                "the simulated account cannot serve this request (a limit of the simulation, "
                "not of your command)",
            )
        return captured["status"], captured["headers"], out

    # -- host-side clients (seeding, engines) ------------------------------------------------
    def client(self, service: str, account: str | None = None, region: str | None = None) -> Any:
        """A botocore client whose requests go through the front in-process, as "host"."""
        account = account or self.main_account
        region = region or self.main_region
        cache_key = (service, account, region)
        if cache_key not in self._clients:
            key, secret = self.credentials(account)
            client = _SESSION.create_client(
                service,
                region_name=region,
                endpoint_url="http://aws.internal",
                aws_access_key_id=key,
                aws_secret_access_key=secret,
                config=_CLIENT_CONFIG,
            )
            client.meta.events.register("before-send", self._send_in_process)
            self._clients[cache_key] = client
        return self._clients[cache_key]

    def _send_in_process(self, request: Any, **_kwargs: Any) -> Any:
        from urllib.parse import urlsplit

        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse
        from werkzeug.test import EnvironBuilder

        url = urlsplit(request.url)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        builder = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            method=request.method,
            headers={
                k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
            },
            data=body or b"",
        )
        environ = builder.get_environ()
        origin = getattr(_HOST, "origin", "") or "host"
        status, headers, out = self.handle(environ, internal=True, origin=origin)
        return AWSResponse(request.url, status, dict(headers), MockRawResponse(out))

    # -- control --------------------------------------------------------------------------
    def control(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """WSGI app of the host-only socket: JSON in, JSON out."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b"{}"
        try:
            request = json.loads(raw or b"{}")
            from simulator.account import _ops

            result = _ops.dispatch(self, environ.get("PATH_INFO", "/").strip("/"), request)
            status, headers, body = _json_response(200, {"ok": True, "result": result})
        except _ops.OpError as exc:
            status, headers, body = _json_response(
                200, {"ok": False, "error": str(exc), "code": exc.code}
            )
        except Exception as exc:
            import traceback

            status, headers, body = _json_response(
                500,
                {
                    "ok": False,
                    "error": f"{type(exc).__name__}: {exc}",
                    "trace": traceback.format_exc()[-4000:],
                },
            )
        start_response(f"{status} OK", headers)
        return [body]

    def calls_since(self, since: int) -> list[dict[str, Any]]:
        with self.lock:
            return [asdict(c) for c in self.calls[since:]]


class _HostContext(threading.local):
    origin: str = ""
    quiet: bool = False


_HOST = _HostContext()
_SESSION: Any = None
_CLIENT_CONFIG: Any = None
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


_STACKSET_OPERATIONS = frozenset(
    {
        "CreateStackInstances",
        "ListStackInstances",
        "DescribeStackInstance",
        "DescribeStackSetOperation",
        "ListStackSetOperationResults",
        "DeleteStackInstances",
    }
)
_STACK_WRITES = frozenset({"CreateStack", "UpdateStack", "CreateChangeSet", "CreateStackSet"})


# IAM resources CloudFormation asks to acknowledge, with the property that gives one a custom
# name ("Acknowledging IAM resources in CloudFormation templates", AWS CloudFormation user
# guide): any of them needs CAPABILITY_IAM; one with a custom name needs CAPABILITY_NAMED_IAM.
_IAM_NAME_PROPERTY: dict[str, str | None] = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,  # PolicyName names an inline policy, not an IAM resource
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
}


def _iam_resources(template: str) -> list[tuple[str, dict[str, Any]]] | None:
    """(type, properties) of the template's IAM resources; None when it cannot be read."""
    from simulator._loading import load_document

    data = load_document(template, filename="template").data
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict):
        return None
    found = []
    for resource in resources.values():
        if isinstance(resource, dict) and str(resource.get("Type")) in _IAM_NAME_PROPERTY:
            properties = resource.get("Properties")
            if not isinstance(properties, dict):
                properties = {}
            found.append((str(resource["Type"]), properties))
    return found


def _missing_capability(params: dict[str, Any]) -> str | None:
    """CloudFormation refuses IAM resources unless the caller acknowledges them (moto does not)."""
    template = str(params.get("TemplateBody", ""))
    given = {str(v) for k, v in params.items() if k.startswith("Capabilities")}
    if "AWS::IAM::" not in template or "CAPABILITY_NAMED_IAM" in given:
        return None
    resources = _iam_resources(template)
    if resources is None:  # unreadable: CloudFormation itself will refuse the template
        return None if "CAPABILITY_IAM" in given else "CAPABILITY_IAM"
    if any(
        (name := _IAM_NAME_PROPERTY[kind]) is not None and name in properties
        for kind, properties in resources
    ):
        return "CAPABILITY_NAMED_IAM"
    if resources and "CAPABILITY_IAM" not in given:
        return "CAPABILITY_IAM"
    return None


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


SERVICES = (
    "s3",
    "ssm",
    "secretsmanager",
    "ecr",
    "cloudformation",
    "iam",
    "sts",
    "kms",
    "lambda",
    "sns",
    "sqs",
    "dynamodb",
    "apigateway",
    "cloudwatch",
    "events",
    "codedeploy",
)


_WARM_READS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("ssm", "describe_parameters", {}),
    ("ssm", "get_parameters_by_path", {"Path": "/"}),
    ("secretsmanager", "list_secrets", {}),
    ("ecr", "describe_repositories", {}),
    ("s3", "list_buckets", {}),
    ("lambda", "list_functions", {}),
    ("cloudformation", "describe_stacks", {}),
    ("cloudformation", "list_stack_sets", {}),
    ("iam", "list_roles", {}),
    ("sts", "get_caller_identity", {}),
    ("kms", "list_keys", {}),
    ("sns", "list_topics", {}),
    ("sqs", "list_queues", {}),
    ("dynamodb", "list_tables", {}),
    ("apigateway", "get_rest_apis", {}),
    ("cloudwatch", "describe_alarms", {}),
    ("events", "list_rules", {}),
)


def warm() -> Any:
    """Import moto and botocore, once, in the zygote: what every account server needs.

    Services load on first use in the forked server; `warm_services` loads them all in the
    zygote (worth it from a host process's second run on, see `_zygote.py`).
    """
    global _SESSION, _CLIENT_CONFIG
    import botocore.config
    import botocore.session
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    _SESSION = botocore.session.get_session()
    _CLIENT_CONFIG = botocore.config.Config(
        retries={"max_attempts": 1}, s3={"addressing_style": "path"}
    )
    return app


def warm_services(app: Any) -> None:
    """Load every service's moto backend, models, clients and Flask app before forking."""
    from moto.backends import get_backend

    for service in SERVICES:
        if service != "codedeploy":
            get_backend(cast("SERVICE_NAMES", service))  # moto types the name as a Literal
        proto.service_model(service)
        proto._rest_routes(service)
    for service in SERVICES:
        _SESSION.create_client(
            service,
            region_name="us-east-1",
            endpoint_url="http://aws.internal",
            aws_access_key_id="AKIAWARM",
            aws_secret_access_key="warm",  # noqa: S106 - not a credential
            config=_CLIENT_CONFIG,
        )
    # One cheap read per service through a throwaway server: moto loads its models and
    # routes, botocore its paginators, on first use; afterwards every fork has them.
    probe = AccountServer(app)
    probe.main_account = "000000000001"  # never a world's account: its state is never read
    for service, operation, kwargs in _WARM_READS:
        with contextlib.suppress(Exception):
            client = probe.client(service)
            if client.can_paginate(operation):
                for _page in client.get_paginator(operation).paginate(**kwargs):
                    break
            else:
                getattr(client, operation)(**kwargs)
    # moto builds one Flask app per service on first use: build them before forking.
    for service in SERVICES:
        if service == "codedeploy":
            continue
        environ = {
            "HTTP_HOST": "aws.internal",
            "PATH_INFO": "/",
            "REQUEST_METHOD": "POST",
            "HTTP_AUTHORIZATION": (
                "AWS4-HMAC-SHA256 Credential=AKIAWARM/20250101/us-east-1/"
                f"{ {'cloudwatch': 'monitoring'}.get(service, service) }/aws4_request"
            ),
        }
        with contextlib.suppress(Exception):  # warming is best effort
            app.get_application(environ)


def serve(directory: Path, app: Any, ready: Callable[[], None]) -> None:
    """Serve the two sockets until told to stop (or the parent goes away)."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

        def log(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = AccountServer(app)
    stop = threading.Event()
    server.stop = stop  # type: ignore[attr-defined]
    (directory / "sandbox").mkdir(exist_ok=True)
    (directory / "sandbox").chmod(0o755)
    aws_sock = directory / "sandbox" / "aws.sock"
    aws = make_server(f"unix://{aws_sock}", 0, server.front, threaded=True, request_handler=Quiet)
    control = make_server(
        f"unix://{directory / 'control.sock'}",
        0,
        server.control,
        threaded=True,
        request_handler=Quiet,
    )
    aws_sock.chmod(0o666)  # the sandbox's uid connects to it
    (directory / "control.sock").chmod(0o600)
    for srv in (aws, control):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    ready()
    stop.wait()
    aws.shutdown()
    control.shutdown()
