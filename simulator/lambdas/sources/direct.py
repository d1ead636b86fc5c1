"""`direct` source: invoke a function with a given event (as `aws lambda invoke` would).

An optional `setup:` list ({service, operation, params}) runs host-side API calls first, e.g. to
change a table between two invocations of a scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.lambdas._env import FunctionEnv, SourceError
from simulator.lambdas.sources.sqs import run_setup

_KEYS = {"source", "function", "event", "qualifier", "repeat", "setup"}


def deliver(env: FunctionEnv, spec: Mapping[str, Any]) -> None:
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise SourceError(
            f"direct event: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}"
        )
    function = spec.get("function")
    if function not in env.functions:
        raise SourceError(
            f"direct event: function {function!r} is not declared; "
            f"declared: {', '.join(env.functions) or 'none'}"
        )
    repeat = spec.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 50:
        raise SourceError("direct event: repeat must be a whole number from 1 to 50")
    run_setup(env, spec)
    for attempt in range(1, repeat + 1):
        env.invoke(
            str(function),
            spec.get("event", {}),
            qualifier=str(spec.get("qualifier", "$LATEST")),
            source="direct",
            source_facts={"attempt": attempt} if repeat > 1 else None,
        )
