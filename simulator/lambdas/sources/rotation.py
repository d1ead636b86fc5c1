"""Secrets Manager rotation source: drive a rotation function's four steps as the service does."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from simulator.lambdas._env import SourceError
from simulator.lambdas.sources.sqs import run_setup

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
CURRENT, PENDING, PREVIOUS = "AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"
MAX_ROTATIONS = 5


class RotationStatus(StrEnum):
    """How one rotation ended."""

    SUCCEEDED = "succeeded"  # the four steps returned and AWSCURRENT moved to the new version
    STEP_FAILED = "step_failed"  # a step raised or timed out: Secrets Manager stops there
    NOT_FINISHED = "not_finished"  # the steps returned but AWSCURRENT did not move
    REFUSED = "refused"  # RotateSecret refused: a previous rotation is still in progress


class SourceSpecError(SourceError):
    """The lab's rotation event is wrong (lab content, not the learner's code)."""


def deliver(env: Any, spec: Mapping[str, Any]) -> None:
    """Rotate the secret `rotations` times, invoking the function once per step, then check
    the staging labels and that the application still logs in with AWSCURRENT.

    spec: `function`, `secret`, `rotations` (1-5), `login` ({table, key, attribute,
    secret_key}: the simulated database user), `revert_database_in` (rotation numbers where
    the database drops the change after setSecret), `setup`. Facts: secret, rotation and step
    on each invocation; `final.rotations` (status, failed_step, current_is_new,
    previous_is_old, pending_cleared, new_value_differs, login_current) on the last one.
    """
    function = str(spec.get("function") or "")
    secret = str(spec.get("secret") or "")
    if not function or not secret:
        raise SourceSpecError("a rotation event needs `function` and `secret`")
    rotations = spec.get("rotations", 1)
    if not isinstance(rotations, int) or not 1 <= rotations <= MAX_ROTATIONS:
        raise SourceSpecError(
            f"rotation `rotations` must be a whole number from 1 to {MAX_ROTATIONS}"
        )
    run_setup(env, spec)
    login = _login_spec(spec.get("login"))
    sm = env.client("secretsmanager")
    try:
        described = sm.describe_secret(SecretId=secret)
    except Exception:
        raise SourceSpecError(
            f"rotation: the account has no secret named {secret!r}; declare it in the world"
        ) from None
    arn = described["ARN"]
    facts = env.facts.setdefault("rotation", {}).setdefault(secret, {})
    facts["function"] = function
    facts["login_before"] = _login(env, sm, secret, login, CURRENT)
    runs: list[dict[str, Any]] = []
    revert = spec.get("revert_database_in") or []
    if not isinstance(revert, list) or not all(isinstance(n, int) for n in revert):
        raise SourceSpecError("rotation `revert_database_in` must be a list of rotation numbers")
    if revert and login is None:
        raise SourceSpecError("rotation `revert_database_in` needs `login` (the database item)")
    for index in range(rotations):
        runs.append(_rotate(env, sm, function, secret, arn, index, login, index + 1 in revert))
    facts["rotations"] = runs
    facts["stages"] = _stages(sm, secret)
    facts["login_after"] = _login(env, sm, secret, login, CURRENT)
    facts["previous_still_logs_in"] = _login(env, sm, secret, login, PREVIOUS)
    # The run's result keeps invocations, not env.facts: the last one carries the summary.
    mine = [i for i in env.invocations if i.source == "rotation"]
    if mine and isinstance(mine[-1].source_facts, dict):
        mine[-1].source_facts["final"] = {
            "rotations": runs,
            "login_before": facts["login_before"],
            "login_after": facts["login_after"],
            "stages": facts["stages"],
        }


def _login_spec(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw.get("table") or not isinstance(raw.get("key"), dict):
        raise SourceSpecError(
            "rotation `login` needs `table` and `key` (the database user's item), and "
            "optionally `attribute` (default password) and `secret_key` (default password)"
        )
    return {
        "table": str(raw["table"]),
        "key": dict(raw["key"]),
        "attribute": str(raw.get("attribute", "password")),
        "secret_key": str(raw.get("secret_key", "password")),
    }


def _token(secret: str, index: int, env: Any) -> str:
    # Secrets Manager makes a fresh UUID per rotation; seeded here so a run repeats.
    seed = str(getattr(env, "seed", "") or getattr(getattr(env, "world", None), "account_id", ""))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pa-rotation:{seed}:{secret}:{index}"))


def _stages(sm, secret: str) -> dict[str, list[str]]:
    data = sm.describe_secret(SecretId=secret)
    return {str(k): sorted(v) for k, v in (data.get("VersionIdsToStages") or {}).items()}


def _holder(stages: Mapping[str, list[str]], label: str) -> str | None:
    return next((v for v, labels in stages.items() if label in labels), None)


def _rotate(env, sm, function, secret, arn, index, login, revert: bool) -> dict[str, Any]:
    before = _stages(sm, secret)
    old_current = _holder(before, CURRENT)
    pending = _holder(before, PENDING)
    run: dict[str, Any] = {"rotation": index + 1, "old_version": old_current, "steps": []}
    if pending and pending != old_current:
        # RotateSecret's own rule: AWSPENDING on another version means one is in progress.
        run["status"] = str(RotationStatus.REFUSED)
        run["error"] = (
            "Secrets Manager refused to start: AWSPENDING is still attached to version "
            f"{pending}, so a previous rotation looks unfinished."
        )
        env.note("error", f"Rotation {index + 1} of {secret}: {run['error']}")
        return run
    token = _token(secret, index, env)
    run["token"] = token
    saved: dict[str, Any] | None = None
    for step in STEPS:
        if revert and step == "setSecret":
            saved = _db_item(env, login)
        invocation = env.invoke(
            function,
            {"SecretId": arn, "ClientRequestToken": token, "Step": step},
            source="rotation",
            source_facts={"secret": secret, "rotation": index + 1, "step": step},
        )
        run["steps"].append(
            {
                "step": step,
                "invocation": getattr(invocation, "seq", None),
                "status": str(invocation.status),
                "error_type": getattr(invocation, "error_type", ""),
            }
        )
        if not invocation.ok:
            run["status"] = str(RotationStatus.STEP_FAILED)
            run["failed_step"] = step
            env.note(
                "error",
                f"Rotation {index + 1} of {secret} stopped at {step}: the function ended "
                f"{invocation.status}"
                + (f" ({invocation.error_type})" if getattr(invocation, "error_type", "") else "")
                + ".",
            )
            break
        if revert and step == "setSecret" and saved is not None:
            # The database silently loses the change (e.g. a failover to a lagging replica):
            # only a testSecret that really logs in notices before AWSCURRENT moves.
            env.client("dynamodb").put_item(TableName=login["table"], Item=saved)
            run["database_reverted"] = True
        if step == "setSecret" or step == "testSecret":
            run[f"login_pending_after_{step}"] = _login(env, sm, secret, login, PENDING, token)
    after = _stages(sm, secret)
    run["stages_after"] = after
    run["current_is_new"] = _holder(after, CURRENT) == token
    run["previous_is_old"] = bool(old_current) and _holder(after, PREVIOUS) == old_current
    holder = _holder(after, PENDING)
    run["pending_cleared"] = holder is None or holder == _holder(after, CURRENT)
    run["new_value_differs"] = _value(sm, secret, CURRENT) != _value_of_version(
        sm, secret, old_current
    )
    run["login_current"] = _login(env, sm, secret, login, CURRENT)
    if "status" not in run:
        run["status"] = str(
            RotationStatus.SUCCEEDED if run["current_is_new"] else RotationStatus.NOT_FINISHED
        )
    return run


def _value(sm, secret: str, stage: str, version: str | None = None) -> str | None:
    kwargs: dict[str, Any] = {"SecretId": secret, "VersionStage": stage}
    if version:
        kwargs["VersionId"] = version
    try:
        return sm.get_secret_value(**kwargs).get("SecretString")
    except Exception:  # no such stage/version (yet): the fact is "none"
        return None


def _value_of_version(sm, secret: str, version: str | None) -> str | None:
    if not version:
        return None
    try:
        return sm.get_secret_value(SecretId=secret, VersionId=version).get("SecretString")
    except Exception:
        return None


def _login(env, sm, secret, login, stage: str, version: str | None = None) -> bool | None:
    """Whether the application could sign in to the simulated database with that version.

    The "database" is an item of a DynamoDB table of the run's account that holds the user's
    current password; a login succeeds when the secret's password equals it. Read on the
    host, as the database server would check it; None when the lab has no database.
    """
    if login is None:
        return None
    text = _value(sm, secret, stage, version)
    if text is None:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    if not isinstance(data, Mapping):
        return False
    dynamodb = env.client("dynamodb")
    item = dynamodb.get_item(
        TableName=login["table"],
        Key={k: {"S": str(v)} for k, v in login["key"].items()},
        ConsistentRead=True,
    ).get("Item")
    if not item:
        return False
    stored = (item.get(login["attribute"]) or {}).get("S")
    return stored is not None and stored == data.get(login["secret_key"])


def _db_item(env, login) -> dict[str, Any] | None:
    return (
        env.client("dynamodb")
        .get_item(
            TableName=login["table"],
            Key={k: {"S": str(v)} for k, v in login["key"].items()},
            ConsistentRead=True,
        )
        .get("Item")
    )
