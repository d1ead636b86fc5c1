"""A function's configuration as a scenario declares it (`FunctionSpec`), with clear errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PYTHON_RUNTIMES = ("python3.11", "python3.12", "python3.13")
NODE_RUNTIMES = ("nodejs20.x",)
RUNTIMES = PYTHON_RUNTIMES + NODE_RUNTIMES
DEFAULT_TIMEOUT = 3
MAX_TIMEOUT = 900  # Lambda's maximum (15 minutes)
DEFAULT_MEMORY = 128
MIN_MEMORY, MAX_MEMORY = 128, 10240
TRACING_MODES = ("PassThrough", "Active")  # Lambda's TracingConfig.Mode


class FunctionSpecError(ValueError):
    """A function declaration that cannot run: says which function, which key, how to fix."""


@dataclass(frozen=True)
class FunctionSpec:
    """One function: handler, runtime, code folder, limits, environment and execution role."""

    name: str
    handler: str  # "module.function" ("app.handler"; "src/app.handler" for a subfolder)
    code: Path  # host folder mounted read-only at /var/task
    runtime: str = "python3.12"
    timeout: float = DEFAULT_TIMEOUT  # seconds
    memory: int = DEFAULT_MEMORY  # MiB
    environment: Mapping[str, str] = field(default_factory=dict)
    role: str = ""  # execution role name or ARN ("" = the main account's principal)
    reserved_concurrency: int | None = None
    tracing: str = "PassThrough"  # "Active": Lambda samples every request and runs the daemon

    def __post_init__(self) -> None:
        where = f"function {self.name!r}"
        if self.runtime not in RUNTIMES:
            raise FunctionSpecError(
                f"{where}: runtime {self.runtime!r} is not simulated; "
                f"use one of {', '.join(RUNTIMES)}"
            )
        module, _, func = self.handler.rpartition(".")
        if not module or not func or ".." in self.handler or self.handler.startswith("/"):
            raise FunctionSpecError(
                f"{where}: handler {self.handler!r} must be module.function, e.g. app.handler"
            )
        if not 0 < float(self.timeout) <= MAX_TIMEOUT:
            raise FunctionSpecError(f"{where}: timeout must be 1-{MAX_TIMEOUT} seconds")
        if not MIN_MEMORY <= int(self.memory) <= MAX_MEMORY:
            raise FunctionSpecError(f"{where}: memory must be {MIN_MEMORY}-{MAX_MEMORY} MiB")
        if self.tracing not in TRACING_MODES:
            raise FunctionSpecError(
                f"{where}: tracing must be {' or '.join(TRACING_MODES)}, got {self.tracing!r}"
            )


def spec_from_settings(name: str, raw: Any, code: Path) -> FunctionSpec:
    """A FunctionSpec from a scenario's `functions.<name>` mapping (code already resolved)."""
    where = f"scenario.functions.{name}"
    if not isinstance(raw, Mapping):
        raise FunctionSpecError(f"{where}: expected a mapping (handler, runtime, code, ...)")
    allowed = {
        "handler",
        "runtime",
        "code",
        "timeout",
        "memory",
        "environment",
        "role",
        "reserved_concurrency",
        "tracing",
    }
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise FunctionSpecError(
            f"{where}.{unknown[0]}: unknown key; allowed: {', '.join(sorted(allowed))}"
        )
    if not isinstance(raw.get("handler"), str):
        raise FunctionSpecError(f"{where}.handler: required, e.g. handler: app.handler")
    env = raw.get("environment") or {}
    if not isinstance(env, Mapping) or not all(isinstance(k, str) for k in env):
        raise FunctionSpecError(f"{where}.environment: expected NAME: value pairs")
    for number in ("timeout", "memory"):
        value = raw.get(number)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise FunctionSpecError(f"{where}.{number}: expected a number, got {value!r}")
    try:
        return FunctionSpec(
            name=name,
            handler=raw["handler"],
            code=code,
            runtime=str(raw.get("runtime", "python3.12")),
            timeout=float(raw.get("timeout", DEFAULT_TIMEOUT)),
            memory=int(raw.get("memory", DEFAULT_MEMORY)),
            environment={k: str(v) for k, v in env.items()},
            role=str(raw.get("role") or ""),
            reserved_concurrency=raw.get("reserved_concurrency"),
            tracing=str(raw.get("tracing", "PassThrough")),
        )
    except FunctionSpecError as exc:
        raise FunctionSpecError(f"{where}: {exc}") from None
