"""`FunctionEnv`: what event sources get (invoke, host clients, world, clock, log, notes, facts)."""

from __future__ import annotations

import contextlib
import importlib
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from simulator.lambdas import _xray
from simulator.lambdas._client import account_client
from simulator.lambdas._emf import metrics_of
from simulator.lambdas._runtime import Environment, Outcome
from simulator.lambdas._spec import FunctionSpec
from simulator.scenarios._invocation import Invocation, InvocationStatus, Metric, TraceSegment
from simulator.scenarios._result import Note, NoteLevel

LATEST = "$LATEST"


class SourceError(ValueError):
    """An event source's spec is wrong (lab content): the message says where and how to fix."""


class LearnerInputError(SourceError):
    """The learner's input (e.g. their template) stops a source before any invocation."""


class FunctionEnv:
    """The run's functions and the services around them, as event sources see them."""

    def __init__(
        self,
        world: Any,
        functions: Mapping[str, FunctionSpec],
        *,
        on_log: Callable[[str], None] | None = None,
        files: Mapping[str, str] | None = None,
        root: Path | None = None,
    ) -> None:
        self.world = world
        self.files = dict(files or {})  # the learner's files (templates a source reads)
        self.root = root  # the run's private folder (lab trees under root / name)
        self.functions = dict(functions)
        self.clock = 0.0  # virtual seconds since the run started
        self.facts: dict[str, Any] = {}
        self.notes: list[Note] = []
        self.invocations: list[Invocation] = []
        self.log_lines: list[str] = []
        self.aliases: dict[tuple[str, str], str] = {}  # (function, alias) -> version, from sources
        self._on_log = on_log
        self._envs: dict[str, Environment] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._credentials: dict[str, dict[str, str]] = {}
        self._reported: set[tuple[str, str]] = set()  # (function, problem) already noted

    def __enter__(self) -> FunctionEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for env in self._envs.values():
            env.close()
        self._envs.clear()

    # -- what sources use ----------------------------------------------------------------
    def log(self, line: str) -> None:
        self.log_lines.append(line)
        if self._on_log:
            self._on_log(line)

    def note(self, level: NoteLevel | str, text: str) -> None:
        self.notes.append(Note(NoteLevel(level), text))

    def client(self, service: str, account: str | None = None, region: str | None = None) -> Any:
        """A boto3 client on the run's account, acting as the AWS service itself."""
        account = account or self.world.account_id
        region = region or self.world.region
        key = (service, account, region)
        if key not in self._clients:
            access, secret = self.world.credentials(account)
            self._clients[key] = account_client(self._socket(), service, access, secret, region)
        return self._clients[key]

    def invoke(
        self,
        function: str,
        event: Any,
        *,
        qualifier: str = LATEST,
        source: str = "direct",
        source_facts: Mapping[str, Any] | None = None,
    ) -> Invocation:
        """Run one invocation now (synchronously) and record it."""
        spec = self.functions.get(function)
        seq = len(self.invocations) + 1
        request_id = str(uuid.UUID(int=uuid.uuid5(uuid.NAMESPACE_URL, f"{function}/{seq}").int))
        facts = dict(source_facts or {})
        if spec is None:
            return self._record(
                Invocation(
                    seq,
                    function,
                    qualifier,
                    source,
                    request_id,
                    event,
                    InvocationStatus.ERROR,
                    error_type="ResourceNotFoundException",
                    error_message=f"Function not found: {function}",
                    source_facts=facts,
                )
            )
        version = self.resolve(function, qualifier)
        if version is None:
            return self._record(
                Invocation(
                    seq,
                    function,
                    qualifier,
                    source,
                    request_id,
                    event,
                    InvocationStatus.ERROR,
                    error_type="ResourceNotFoundException",
                    error_message=f"Function not found: {self.arn(function, qualifier)}",
                    source_facts=facts,
                    version="",
                )
            )
        environment = self._environment(spec)
        origin = f"lambda:{function}#{seq}"
        self.world.set_origin(origin)
        before = len(self.world.api_calls())
        context = {
            "function_name": function,
            "function_version": version,
            "invoked_function_arn": self.arn(function, None if qualifier == LATEST else qualifier),
            "memory_limit_in_mb": spec.memory,
            "aws_request_id": request_id,
            "log_group_name": f"/aws/lambda/{function}",
            "log_stream_name": f"2026/01/01/[{version}]{uuid.uuid5(uuid.NAMESPACE_URL, function).hex}",  # noqa: E501
        }
        header = _xray.trace_header(request_id, time.time(), spec.tracing == "Active")
        outcome: Outcome = environment.invoke(event, context, trace=header.value)
        self.world.set_origin("host")
        with contextlib.suppress(AttributeError):
            self.world.sync()
        calls = tuple(c.seq for c in self.world.api_calls()[before:] if c.origin.endswith(origin))
        self.clock += outcome.duration_ms / 1000
        metrics, emf_problems = metrics_of(outcome.logs, time.time() * 1000)
        segments: tuple[TraceSegment, ...] = ()
        if header.sampled:  # Lambda runs the daemon and records a segment for sampled requests
            segments = _xray.segments(
                outcome.trace,
                header,
                function=function,
                started=environment.started_at or time.time(),
                duration_ms=outcome.duration_ms,
                failed=outcome.status != "ok",
            )
        problems = [f"CloudWatch Logs: {p}" for p in emf_problems] + [
            f"X-Ray: {p}" for p in (outcome.trace.problems if header.sampled else [])
        ]
        self._observability_notes(function, seq, problems)
        invocation = Invocation(
            seq=seq,
            function=function,
            qualifier=qualifier,
            source=source,
            request_id=request_id,
            event=event,
            status=InvocationStatus(outcome.status),
            response=outcome.value if outcome.status == "ok" else None,
            error_type=outcome.error_type,
            error_message=outcome.error_message,
            duration_ms=outcome.duration_ms,
            logs=tuple(outcome.logs),
            api_calls=calls,
            metrics=metrics,
            segments=segments,
            source_facts=facts,
            version=version,
            cold_start=outcome.cold,
        )
        self.log(
            f"{source} -> {function}:{qualifier} (version {version}): {invocation.status} "
            f"in {invocation.duration_ms} ms{' (cold start)' if invocation.cold_start else ''}"
            + (f" {invocation.error_type}: {invocation.error_message}" if not invocation.ok else "")
        )
        # What CloudWatch Logs, the X-Ray console and CloudWatch metrics would show, and why
        # something is missing there.
        shown = _log_lines(outcome.logs) + _xray.outline(segments) + _metric_lines(metrics)
        for line in shown + problems[:5]:
            self.log(f"  {line}")
        return self._record(invocation)

    def amend(self, invocation: Invocation, /, **facts: Any) -> Invocation:
        """Add source facts learned after the call (e.g. the HTTP status the API answered)."""
        from dataclasses import replace

        amended = replace(invocation, source_facts={**invocation.source_facts, **facts})
        self.invocations[invocation.seq - 1] = amended
        return amended

    # -- helpers -------------------------------------------------------------------------
    def arn(self, function: str, qualifier: str | None = None) -> str:
        base = f"arn:aws:lambda:{self.world.region}:{self.world.account_id}:function:{function}"
        return f"{base}:{qualifier}" if qualifier else base

    def resolve(self, function: str, qualifier: str) -> str | None:
        """The version a qualifier names ($LATEST, a published version, an alias), or None."""
        if qualifier in ("", LATEST):
            return LATEST
        if (function, qualifier) in self.aliases:
            return self.aliases[(function, qualifier)]
        known = self.world.functions.get(function)
        if known is None:
            return None
        if qualifier.isdigit():
            return qualifier if qualifier in {str(v) for v in known.versions} else None
        alias = known.aliases.get(qualifier)
        return str(alias.version) if alias else None

    def _observability_notes(self, function: str, seq: int, problems: list[str]) -> None:
        """Note once per run and reason why a log line gave no metric or a segment was dropped
        (CloudWatch and X-Ray drop them silently; the run log says it per invocation)."""
        for problem in problems:
            if (function, problem) in self._reported or len(self._reported) >= 50:
                continue
            self._reported.add((function, problem))
            self.note(NoteLevel.INFO, f"function {function}, invocation {seq}: {problem}")

    def _record(self, invocation: Invocation) -> Invocation:
        self.invocations.append(invocation)
        return invocation

    def _socket(self) -> str:
        return str(self.world.account().sandbox_dir / "aws.sock")

    def _environment(self, spec: FunctionSpec) -> Environment:
        env = self._envs.get(spec.name)
        if env is None:
            variables = {
                **self._role_credentials(spec),
                "AWS_REGION": self.world.region,
                "AWS_DEFAULT_REGION": self.world.region,
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": LATEST,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                **spec.environment,
            }
            env = Environment(spec, env=variables, account_dir=self.world.account().sandbox_dir)
            self._envs[spec.name] = env
        return env

    def _role_credentials(self, spec: FunctionSpec) -> dict[str, str]:
        """The execution role's temporary keys (AssumeRole by the host), else the account's."""
        role = spec.role
        if role and not role.startswith("arn:"):
            role = f"arn:aws:iam::{self.world.account_id}:role/{role}"
        declared = self.world.roles.get(role) if role else None
        if declared is not None and "lambda.amazonaws.com" not in declared.trust:
            self.note(
                NoteLevel.ERROR,
                f"function {spec.name}: Lambda cannot assume {role}: its trust policy does not "
                "name lambda.amazonaws.com (AWS refuses to create such a function); it ran "
                "with the account's own credentials",
            )
        elif declared is not None:
            if role not in self._credentials:
                self.world.set_origin(f"lambda:{spec.name}:init")
                try:
                    answer = self.client("sts").assume_role(
                        RoleArn=role, RoleSessionName=spec.name
                    )["Credentials"]
                    self._credentials[role] = {
                        "AWS_ACCESS_KEY_ID": answer["AccessKeyId"],
                        "AWS_SECRET_ACCESS_KEY": answer["SecretAccessKey"],
                        "AWS_SESSION_TOKEN": answer["SessionToken"],
                    }
                except Exception as exc:
                    # The account's front accepts AssumeRole only from accounts a role's trust
                    # names (not from the Lambda service principal): say so, run as the account.
                    self.note(
                        NoteLevel.NOT_SIMULATED,
                        f"function {spec.name}: execution role {role} could not be assumed here "
                        f"({exc}); it ran with the account's own credentials",
                    )
                finally:
                    self.world.set_origin("host")
            if role in self._credentials:
                return dict(self._credentials[role])
        elif role:
            self.note(
                NoteLevel.NOT_SIMULATED,
                f"function {spec.name}: role {role} is not declared in the world's roles; "
                "it ran with the account's own credentials",
            )
        key, secret = self.world.credentials()
        return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}


def _log_lines(logs: list[str], limit: int = 20) -> list[str]:
    """The function's own log lines as CloudWatch Logs would list them (capped; the runtime's
    START and END lines left out)."""
    own = [line for line in logs if not line.startswith(("START RequestId:", "END RequestId:"))]
    lines = [f"| {line[:300]}" for line in own[:limit]]
    if len(own) > limit:
        lines.append(f"| ... and {len(own) - limit} more log lines")
    return lines


def _metric_lines(metrics: tuple[Metric, ...], limit: int = 6) -> list[str]:
    """What the CloudWatch console would list for the invocation's metrics (capped)."""
    lines = []
    for metric in metrics[:limit]:
        dims = ", ".join(f"{k}={v}" for k, v in sorted(metric.dimensions.items()))
        value = f"{metric.value:g}"
        lines.append(
            f"metric {metric.namespace} {metric.name} {value} {metric.unit}"
            + (f" ({dims})" if dims else " (no dimensions)")
        )
    if len(metrics) > limit:
        lines.append(f"metric ... and {len(metrics) - limit} more values")
    return lines


def invoke(
    env: FunctionEnv,
    function: str,
    event: Any,
    *,
    qualifier: str = LATEST,
    source: str = "direct",
    source_facts: Mapping[str, Any] | None = None,
) -> Invocation:
    """Invoke one function of the run (same as `env.invoke`)."""
    return env.invoke(
        function, event, qualifier=qualifier, source=source, source_facts=source_facts
    )


def deliver(env: FunctionEnv, spec: Mapping[str, Any]) -> None:
    """Hand one `events:` entry to its source plug-in (`simulator/lambdas/sources/<source>.py`)."""
    source = spec.get("source") if isinstance(spec, Mapping) else None
    if not isinstance(source, str) or not source.replace("_", "").isalpha() or not source.islower():
        raise SourceError(f"each event needs `source:` naming a plug-in, got {source!r}")
    try:
        module = importlib.import_module(f"simulator.lambdas.sources.{source}")
    except ModuleNotFoundError as exc:
        if exc.name != f"simulator.lambdas.sources.{source}":
            raise
        raise SourceError(
            f"unknown event source {source!r}; known: {', '.join(source_names())}"
        ) from None
    module.deliver(env, spec)


def source_names() -> tuple[str, ...]:
    """Every event source plug-in, by name."""
    import pkgutil

    package = importlib.import_module("simulator.lambdas.sources")
    return tuple(sorted(i.name for i in pkgutil.iter_modules(package.__path__)))


__all__ = ["FunctionEnv", "SourceError", "deliver", "invoke", "source_names"]
