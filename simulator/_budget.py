"""Budgets for checks of untrusted files: caps on size, generated resources, CPU, memory, time."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Budget:
    """What one check of a learner's template may use (the web checker and the grader alike)."""

    max_bytes: int = 100_000
    """Largest template checked (lab templates are a few KB)."""
    max_resources: int = 200
    """Most resources (or outputs) after every Fn::ForEach is expanded: cfn-lint's time grows
    faster than linearly with them (500 plain resources: ~2 s; 2,500: 30-110 s)."""
    max_expanded_values: int = 50_000
    """Most values the template expands to (Fn::ForEach inside properties multiplies them too)."""
    cpu_seconds: int = 2
    """CPU time of the child process that runs cfn-lint (a lab template needs ~0.4 s)."""
    memory_bytes: int = 512 * 1024 * 1024
    """Address space the child may add on top of what it inherits."""
    wall_seconds: float = 20.0
    """Longest wait for the child. Web requests lower it (`wall_limit`) so the editor's check
    answers within 2 s; graders and the CLI, off the request path, wait longer so that a busy
    machine does not skip the lint. CPU and memory caps are the same everywhere."""


def _wall_seconds() -> float:
    try:
        return float(os.environ.get("PA_CHECK_WALL_SECONDS", "20"))
    except ValueError:
        return 20.0


TEMPLATE_BUDGET = Budget(wall_seconds=_wall_seconds())
_WALL_LIMIT: ContextVar[float | None] = ContextVar("simulator_check_wall_limit", default=None)


@contextmanager
def wall_limit(seconds: float) -> Iterator[None]:
    """Within this block (this thread or task), checks wait at most `seconds` for cfn-lint."""
    token = _WALL_LIMIT.set(seconds)
    try:
        yield
    finally:
        _WALL_LIMIT.reset(token)


def effective(budget: Budget) -> Budget:
    """The budget with the current wall limit applied (the lower of the two)."""
    limit = _WALL_LIMIT.get()
    if limit is None or limit >= budget.wall_seconds:
        return budget
    return replace(budget, wall_seconds=limit)


class Outcome(StrEnum):
    """How a budgeted child process ended."""

    OK = "ok"
    CPU = "cpu"  # over its CPU time: the work itself is too big
    MEMORY = "memory"  # over its memory
    TIMEOUT = "timeout"  # out of wall time with CPU to spare: the machine is busy
    CRASHED = "crashed"  # raised or died some other way


@dataclass(frozen=True, slots=True)
class ChildResult:
    """What came back from the child: the outcome, its JSON value and the CPU it used."""

    outcome: Outcome
    value: Any = None
    error: str = ""
    cpu_seconds: float = 0.0


# --- counting what a template generates, before cfn-lint expands it ------------------------------

FOR_EACH = "Fn::ForEach::"


@dataclass(frozen=True, slots=True)
class Expansion:
    """Sizes of a template once every Fn::ForEach is expanded."""

    resources: int
    outputs: int
    values: int
    loops: int

    @property
    def largest_section(self) -> tuple[str, int]:
        return max((("resources", self.resources), ("outputs", self.outputs)), key=lambda p: p[1])


def _collection_size(collection: Any, template: dict[str, Any], bound: int) -> int:
    """How many items a Fn::ForEach collection has; `bound` when it cannot be told statically."""
    if isinstance(collection, list):
        return len(collection)
    if isinstance(collection, dict) and len(collection) == 1:
        ((fn, arg),) = collection.items()
        if fn == "Ref" and isinstance(arg, str):
            params = template.get("Parameters")
            param = params.get(arg) if isinstance(params, dict) else None
            default = param.get("Default") if isinstance(param, dict) else None
            if isinstance(default, list):
                return len(default)
            if isinstance(default, str):
                return default.count(",") + 1
        if fn == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
            delimiter, text = arg
            if isinstance(delimiter, str) and delimiter and isinstance(text, str):
                return text.count(delimiter) + 1
        if fn == "Fn::GetAZs":
            return 6  # the most Availability Zones a Region has today
    return bound


def _largest_collection(node: Any, depth: int = 0) -> int:
    """The longest list or comma-separated string in the template: an upper bound for any
    collection that is built with functions (every item must come from the text somewhere)."""
    if depth > 100:
        return 0
    if isinstance(node, list):
        return max([len(node), *(_largest_collection(v, depth + 1) for v in node)])
    if isinstance(node, dict):
        return max([0, *(_largest_collection(v, depth + 1) for v in node.values())])
    if isinstance(node, str):
        return node.count(",") + 1
    return 1


def expansion(template: dict[str, Any]) -> Expansion:
    """Count what the template generates, multiplying nested Fn::ForEach loops."""
    bound = _largest_collection(template)
    loops = 0

    def weight(node: Any, depth: int) -> int:
        nonlocal loops
        if depth > 100:  # the loader caps depth far below this; guard anyway
            return 1
        if isinstance(node, list):
            return 1 + sum(weight(v, depth + 1) for v in node)
        if isinstance(node, dict):
            total = 1
            for key, value in node.items():
                if isinstance(key, str) and key.startswith(FOR_EACH):
                    loops += 1
                    total += _loop_count(value, depth) * _loop_body(value, depth, weight)
                else:
                    total += 1 + weight(value, depth + 1)
            return total
        return 1

    def entries(section: Any, depth: int = 0) -> int:
        """Entries of Resources/Outputs once expanded (a loop body may hold nested loops)."""
        if not isinstance(section, dict) or depth > 100:
            return 0
        count = 0
        for key, value in section.items():
            if isinstance(key, str) and key.startswith(FOR_EACH):
                count += _loop_count(value, depth) * _loop_body(value, depth, entries)
            else:
                count += 1
        return count

    def _loop_count(value: Any, depth: int) -> int:
        if isinstance(value, list) and len(value) == 3:
            return _collection_size(value[1], template, bound)
        return 0  # a malformed loop: cfn-lint reports it, and it generates nothing

    def _loop_body(value: Any, depth: int, measure: Callable[[Any, int], int]) -> int:
        if isinstance(value, list) and len(value) == 3:
            return measure(value[2], depth + 1)
        return 0

    values = weight(template, 0)
    return Expansion(
        resources=entries(template.get("Resources")),
        outputs=entries(template.get("Outputs")),
        values=values,
        loops=loops,
    )


# --- running a function in a child process under rlimits -----------------------------------------


def _address_space() -> int:
    """This process's current virtual memory size in bytes (what a forked child inherits)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _child(write_fd: int, func: Callable[[], Any], budget: Budget, base_memory: int) -> None:
    """In the forked child: cap CPU and memory, run func, write its JSON result, exit."""
    code = 0
    try:
        cpu = budget.cpu_seconds
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        if base_memory:
            limit = base_memory + budget.memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            payload = {"ok": True, "value": func()}
        except MemoryError:
            payload = {"ok": False, "memory": True, "error": "out of memory"}
        except Exception as exc:  # third-party code: report what happened, never hang
            payload = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        data = json.dumps(payload, default=str).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view[:65536]) :]
    except MemoryError:
        code = 3
    except BaseException:
        code = 2
    finally:
        os._exit(code)  # never run the parent's atexit handlers or finally blocks


def run_budgeted(func: Callable[[], Any], budget: Budget = TEMPLATE_BUDGET) -> ChildResult:
    """Run `func` (returning JSON-able data) in a forked child with CPU, memory and wall caps.

    The child is forked from this process, so what it has imported and warmed up is shared
    (no interpreter start-up per check). Whatever happens, the child is reaped before returning.
    """
    read_fd, write_fd = os.pipe()
    base_memory = _address_space()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read_fd)
        _child(write_fd, func, budget, base_memory)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + budget.wall_seconds
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            _kill(pid)
        status, cpu = _reap(pid)
    return _result(b"".join(chunks), status, cpu, timed_out, budget)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _reap(pid: int) -> tuple[int | None, float]:
    """(wait status, CPU seconds) of the child; None when someone else reaped it first."""
    try:
        _, status, usage = os.wait4(pid, 0)
    except ChildProcessError:  # a SIGCHLD handler of the host process got there first
        return None, 0.0
    return status, usage.ru_utime + usage.ru_stime


def _result(
    data: bytes, status: int | None, cpu: float, timed_out: bool, budget: Budget
) -> ChildResult:
    killed_by = os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None
    if killed_by == signal.SIGXCPU or cpu >= budget.cpu_seconds:
        return ChildResult(Outcome.CPU, cpu_seconds=cpu)
    if timed_out:
        return ChildResult(Outcome.TIMEOUT, cpu_seconds=cpu)
    if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
        return ChildResult(Outcome.MEMORY, cpu_seconds=cpu)
    try:
        payload = json.loads(data)
    except ValueError:
        why = f"signal {killed_by}" if killed_by else "no answer"
        return ChildResult(Outcome.CRASHED, error=f"the checker process ended ({why})")
    if payload.get("memory"):
        return ChildResult(Outcome.MEMORY, cpu_seconds=cpu)
    if not payload.get("ok"):
        return ChildResult(Outcome.CRASHED, error=str(payload.get("error")), cpu_seconds=cpu)
    return ChildResult(Outcome.OK, payload.get("value"), cpu_seconds=cpu)
