"""The `function` scenario kind: run the learner's Lambda handlers, fed by event source plug-ins."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from simulator.account import (
    AccountRequestError,
    AccountSnapshot,
    AccountUnavailable,
    Change,
    ChangeKind,
)
from simulator.lambdas import (
    FunctionEnv,
    FunctionSpecError,
    LearnerInputError,
    SourceError,
    deliver,
    spec_from_settings,
)
from simulator.scenarios._result import Note, NoteLevel, RunStatus, ScenarioResult
from simulator.scenarios._run import (
    KindContext,
    ScenarioError,
    ScenarioRun,
    secret_values,
    write_tree,
)
from simulator.scenarios._snapshot import diff, snapshot_of

_KEYS = {"kind", "world", "functions", "events", "trees", "files", "require_valid", "template"}
MAX_EVENTS = 200


def _code_dir(context: KindContext, name: str, raw: Mapping[str, Any]) -> Path:
    """The function's code folder: a lab tree (if `code` names one), learner files on top."""
    code = raw.get("code")
    trees = context.scenario.trees
    target = context.root / f"_code_{name}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if code is not None and not isinstance(code, str):
        raise ScenarioError(f"scenario.functions.{name}.code: expected a file or tree name")
    if isinstance(code, str) and code in trees:
        write_tree(target, trees[code])
    elif isinstance(code, str) and code not in context.files:
        known = sorted(set(context.files) | set(trees))
        raise ScenarioError(
            f"scenario.functions.{name}.code: {code!r} is neither a learner file nor a lab tree; "
            f"known: {', '.join(known) or 'none'}"
        )
    learner = {
        k: v
        for k, v in context.files.items()
        if not PurePosixPath(k).is_absolute() and ".." not in PurePosixPath(k).parts
    }
    write_tree(target, learner)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the sandbox's uid reads the code
    return target


def run(context: KindContext) -> ScenarioRun:
    settings = context.scenario.settings
    unknown = sorted(set(settings) - _KEYS)
    if unknown:
        raise ScenarioError(
            f"scenario.{unknown[0]}: unknown key for kind function; "
            f"allowed: {', '.join(sorted(_KEYS))}"
        )
    raw_functions = settings.get("functions")
    if not isinstance(raw_functions, Mapping) or not raw_functions:
        raise ScenarioError(
            "scenario.functions: declare at least one function (name: {handler: ...})"
        )
    events = settings.get("events")
    if not isinstance(events, list) or not events or len(events) > MAX_EVENTS:
        raise ScenarioError(
            f"scenario.events: a list of 1-{MAX_EVENTS} events, each {{source: ..., ...}}"
        )
    try:
        specs = {
            str(name): spec_from_settings(str(name), raw, _code_dir(context, str(name), raw))
            for name, raw in raw_functions.items()
            if isinstance(raw, Mapping) or _bad_function(name)
        }
    except FunctionSpecError as exc:
        raise ScenarioError(str(exc)) from None
    world = context.world
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        if context.on_log:
            context.on_log(line)

    before = snapshot_of(world)
    env = FunctionEnv(world, specs, on_log=log, files=context.files, root=context.root)
    try:
        for index, event in enumerate(events):
            if not isinstance(event, Mapping):
                raise ScenarioError(f"scenario.events.{index}: expected a mapping with `source:`")
            try:
                deliver(env, event)
            except LearnerInputError as exc:
                log(f"The event could not be delivered: {exc}")
                typed = ScenarioResult(
                    kind="function",
                    status=RunStatus.NOT_STARTED,
                    message=str(exc),
                    invocations=tuple(env.invocations),
                    before=before,
                    after=before,
                    notes=tuple(env.notes),
                )
                return ScenarioRun(typed, log="\n".join(lines))
            except SourceError as exc:
                raise ScenarioError(f"scenario.events.{index}: {exc}") from None
    except (AccountUnavailable, AccountRequestError) as exc:
        raise ScenarioError(f"the simulated account failed: {exc}") from None
    finally:
        env.close()
    after = snapshot_of(world)
    notes = list(env.notes)
    for key, value in sorted(env.facts.items()):
        notes.append(Note(NoteLevel.INFO, f"{key}: {value}"))
    typed = ScenarioResult(
        kind="function",
        status=RunStatus.RAN,
        invocations=tuple(env.invocations),
        api_calls=tuple(world.api_calls()),
        before=before,
        after=after,
        changes=diff(before, after) + _data_changes(before, after),
        notes=tuple(notes),
    )
    return ScenarioRun(typed, log="\n".join(lines), secret_values=secret_values(world))


def _data_changes(before: AccountSnapshot, after: AccountSnapshot) -> tuple[Change, ...]:
    """Items written to DynamoDB tables and messages left in SQS queues (the generic diff
    covers the other services)."""
    out: list[Change] = []
    for table in after.tables:
        old = before.table(table.name)
        old_items = {json.dumps(i, sort_keys=True) for i in (old.items if old else ())}
        new_items = {json.dumps(i, sort_keys=True) for i in table.items}
        if old is None:
            out.append(Change(ChangeKind.CREATED, "dynamodb-table", table.name))
        added, removed = len(new_items - old_items), len(old_items - new_items)
        if added or removed:
            out.append(
                Change(
                    ChangeKind.UPDATED,
                    "dynamodb-table",
                    table.name,
                    f"{added} item(s) written, {removed} removed or replaced",
                )
            )
    for queue in after.queues:
        old_queue = before.queue(queue.name)
        if old_queue is None or old_queue.bodies != queue.bodies:
            out.append(
                Change(
                    ChangeKind.UPDATED if old_queue else ChangeKind.CREATED,
                    "sqs-queue",
                    queue.name,
                    f"{queue.visible} visible, {queue.in_flight} in flight",
                )
            )
    return tuple(out)


def _bad_function(name: Any) -> bool:
    raise ScenarioError(
        f"scenario.functions.{name}: expected a mapping (handler, runtime, code, ...)"
    )
