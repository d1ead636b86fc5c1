"""The sqs, replay and rotation event sources, driven with in-process handlers on moto."""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from simulator.lambdas.sources import replay, rotation, sqs
from simulator.scenarios import Invocation, InvocationStatus

REGION = "us-east-1"
ACCOUNT = "123456789012"
LABS = Path(__file__).resolve().parents[3] / "content" / "labs"


class FakeFunction:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout


class FakeEnv:
    """The FunctionEnv contract, with handlers called in process (the runtime is not tested
    here: only what each source does with the account and the invocations)."""

    def __init__(self, handlers: dict[str, Callable], timeouts: dict[str, float] | None = None):
        self.handlers = handlers
        self.functions = {name: FakeFunction((timeouts or {}).get(name, 3)) for name in handlers}
        self.facts: dict[str, Any] = {}
        self.notes: list[tuple[str, str]] = []
        self.invocations: list[Invocation] = []
        self.clock = 0.0
        self.files: dict[str, str] = {}
        self.recycled: list[str] = []

    def client(self, service: str, account: str | None = None, region: str | None = None):
        return boto3.client(service, region_name=region or REGION)

    def note(self, level: str, text: str) -> None:
        self.notes.append((level, text))

    def recycle(self, function: str) -> None:
        self.recycled.append(function)

    def invoke(self, function, event, *, qualifier="$LATEST", source="direct", source_facts=None):
        self.clock += 0.005  # as the engine does: the invocation's duration
        handler = self.handlers[function]
        seq = len(self.invocations) + 1
        try:
            response = handler(json.loads(json.dumps(event)), None)
            status, error = InvocationStatus.OK, ("", "")
        except Exception as exc:  # the handler's error, as Lambda reports it
            response, status, error = None, InvocationStatus.ERROR, (type(exc).__name__, str(exc))
        invocation = Invocation(
            seq=seq, function=function, qualifier=qualifier, source=source,
            request_id=str(uuid.uuid4()), event=event, status=status, response=response,
            error_type=error[0], error_message=error[1], duration_ms=5,
            source_facts=dict(source_facts or {}),
        )  # fmt: skip
        self.invocations.append(invocation)
        return invocation


@pytest.fixture
def aws(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


# --- SQS -----------------------------------------------------------------------------------------


def _queues(dlq: bool = True) -> str:
    client = boto3.client("sqs", region_name=REGION)
    client.create_queue(QueueName="orders")
    if dlq:
        client.create_queue(QueueName="orders-dlq")
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq"


def _orders_handler(stored: list[str], report: bool):
    def handler(event, context):
        failures = []
        for record in event["Records"]:
            order = json.loads(record["body"])
            try:
                int(order["quantity"])
                stored.append(order["id"])
            except ValueError:
                if not report:
                    raise
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    return handler


MESSAGES = [{"id": f"o{i}", "quantity": "x" if i == 3 else i} for i in range(1, 6)]


def _spec(**mapping) -> dict[str, Any]:
    esm = {"BatchSize": 10, **mapping.pop("esm", {})}
    return {
        "function": "worker",
        "queue": "orders",
        "messages": MESSAGES,
        "mapping": {"EventSourceMapping": esm, "Queue": mapping},
    }


def _by_order(env: FakeEnv) -> dict[str, dict[str, Any]]:
    facts = env.facts["sqs"]["orders"]["messages"]
    return {json.loads(m["body"])["id"]: m for m in facts.values()}


def test_sqs_error_without_partial_response_returns_whole_batch_to_dlq(aws):
    dlq = _queues()
    stored: list[str] = []
    env = FakeEnv({"worker": _orders_handler(stored, report=False)})
    sqs.deliver(env, _spec(RedrivePolicy={"deadLetterTargetArn": dlq, "maxReceiveCount": 2}))
    fates = {k: (m["fate"], m["received"]) for k, m in _by_order(env).items()}
    # One bad message sent every message back twice, then all of them to the DLQ.
    assert fates == {f"o{i}": ("dead_lettered", 2) for i in range(1, 6)}
    assert stored == ["o1", "o2", "o1", "o2"]
    assert [b["outcome"] for b in env.facts["sqs"]["orders"]["batches"]] == ["failed", "failed"]


def test_sqs_partial_batch_response_retries_only_the_failed_message(aws):
    dlq = _queues()
    stored: list[str] = []
    env = FakeEnv({"worker": _orders_handler(stored, report=True)})
    spec = _spec(
        esm={"FunctionResponseTypes": ["ReportBatchItemFailures"]},
        RedrivePolicy={"deadLetterTargetArn": dlq, "maxReceiveCount": 3},
    )
    sqs.deliver(env, spec)
    messages = _by_order(env)
    assert {k: m["received"] for k, m in messages.items()} == {
        "o1": 1, "o2": 1, "o3": 3, "o4": 1, "o5": 1,
    }  # fmt: skip
    assert messages["o3"]["fate"] == "dead_lettered"
    assert all(messages[k]["fate"] == "deleted" for k in ("o1", "o2", "o4", "o5"))
    assert sorted(stored) == ["o1", "o2", "o4", "o5"]
    assert env.facts["sqs"]["orders"]["batches"][0]["outcome"] == "partial"
    # The virtual clock moved by the retries (visibility timeout 30 s, twice).
    assert env.clock >= 60
    # The run's result keeps invocations: the last one carries the per-message summary.
    final = env.invocations[-1].source_facts["final"]["messages"]
    assert sorted(m["fate"] for m in final.values()).count("deleted") == 4


def test_sqs_response_is_ignored_without_report_batch_item_failures(aws):
    dlq = _queues()
    env = FakeEnv({"worker": _orders_handler([], report=True)})
    sqs.deliver(env, _spec(RedrivePolicy={"deadLetterTargetArn": dlq, "maxReceiveCount": 3}))
    messages = _by_order(env)
    # Lambda deleted the bad message with the others: it is lost, not dead-lettered.
    assert messages["o3"]["fate"] == "deleted"
    assert messages["o3"]["received"] == 1


def test_sqs_unknown_item_identifier_fails_the_whole_batch(aws):
    dlq = _queues()

    def handler(event, context):
        return {"batchItemFailures": [{"itemIdentifier": "not-a-message-id"}]}

    env = FakeEnv({"worker": handler})
    spec = _spec(
        esm={"FunctionResponseTypes": ["ReportBatchItemFailures"]},
        RedrivePolicy={"deadLetterTargetArn": dlq, "maxReceiveCount": 1},
    )
    sqs.deliver(env, spec)
    assert {m["fate"] for m in _by_order(env).values()} == {"dead_lettered"}
    assert (
        "itemIdentifier that is empty or not in the batch"
        in env.facts["sqs"]["orders"]["batches"][0]["reason"]
    )


def test_sqs_mapping_refused_when_visibility_is_below_function_timeout(aws):
    _queues()
    env = FakeEnv({"worker": _orders_handler([], report=True)}, timeouts={"worker": 60})
    sqs.deliver(env, _spec(VisibilityTimeout=30))
    record = env.facts["sqs"]["orders"]
    assert (
        "visibility timeout (30 s) is shorter than the function's timeout (60 s)"
        in (record["mapping_error"])
    )
    assert env.invocations == []
    assert env.notes and env.notes[0][0] == "error"


def test_sqs_visibility_running_out_in_the_batching_window_delivers_twice(aws):
    dlq = _queues()
    stored: list[str] = []
    env = FakeEnv({"worker": _orders_handler(stored, report=True)}, timeouts={"worker": 3})
    spec = _spec(
        esm={
            "BatchSize": 50,
            "MaximumBatchingWindowInSeconds": 20,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
        VisibilityTimeout=15,
        RedrivePolicy={"deadLetterTargetArn": dlq, "maxReceiveCount": 2},
    )
    sqs.deliver(env, spec)
    messages = _by_order(env)
    # Every message was held past its visibility timeout: processed, yet delivered again and
    # finally dead-lettered although the function handled it.
    assert messages["o1"]["visibility_expired"] == 2
    assert messages["o1"]["processed"] == 2
    assert messages["o1"]["fate"] == "dead_lettered"
    assert stored.count("o1") == 2


def test_sqs_mapping_file_errors_name_the_file_and_setting(aws):
    _queues()
    env = FakeEnv({"worker": _orders_handler([], report=True)})
    env.files["mapping.yaml"] = "EventSourceMapping:\n  BatchSize: ten\n"
    spec = {"function": "worker", "queue": "orders", "mapping": "mapping.yaml"}
    with pytest.raises(sqs.SourceSpecError, match=r"mapping.yaml: EventSourceMapping.BatchSize"):
        sqs.deliver(env, spec)
    env.files["mapping.yaml"] = "Queue:\n  RedrivePolicy: {deadLetterTargetArn: orders-dlq}\n"
    with pytest.raises(sqs.SourceSpecError, match="maxReceiveCount must be a whole number"):
        sqs.deliver(env, spec)
    env.files["mapping.yaml"] = "Queue:\n  Visibility: 30\n"
    with pytest.raises(sqs.SourceSpecError, match=r"Queue\.Visibility is not a setting"):
        sqs.deliver(env, spec)
    with pytest.raises(sqs.SourceSpecError, match="no queue named 'nope'"):
        sqs.deliver(env, {"function": "worker", "queue": "nope"})


# --- replay --------------------------------------------------------------------------------------


def test_replay_delivers_identical_copies_in_the_asked_order():
    seen: list[str] = []
    env = FakeEnv({"charge": lambda event, context: seen.append(event["id"]) or {"ok": True}})
    spec = {
        "function": "charge",
        "order": "interleaved",
        "fresh_environment": True,
        "gap_seconds": 5,
        "events": [{"event": {"id": "a"}, "times": 2}, {"event": {"id": "b"}, "times": 3}],
    }
    replay.deliver(env, spec)
    assert seen == ["a", "b", "a", "b", "b"]
    facts = env.facts["replay"]["charge"]["events"]
    assert [d["copy"] for d in facts["b"]] == [1, 2, 3]
    assert env.recycled == ["charge"] * 5 and env.clock == pytest.approx(20.025)
    assert [i.source_facts["event_id"] for i in env.invocations] == seen
    # last_copy: only the last copy of a repeated event starts cold (cheaper, still defeats
    # anything kept in memory by the first copies).
    env = FakeEnv({"charge": lambda event, context: None})
    replay.deliver(env, {**spec, "fresh_environment": "last_copy"})
    assert len(env.recycled) == 2


def test_replay_spec_errors_are_specific():
    env = FakeEnv({"charge": lambda event, context: None})
    with pytest.raises(replay.SourceSpecError, match="needs `function`"):
        replay.deliver(env, {"event": {}})
    with pytest.raises(replay.SourceSpecError, match="times must be 1 to 20"):
        replay.deliver(env, {"function": "charge", "events": [{"event": {}, "times": 0}]})
    with pytest.raises(replay.SourceSpecError, match="must be true, false or last_copy"):
        replay.deliver(env, {"function": "charge", "event": {}, "fresh_environment": "yes"})
    with pytest.raises(replay.SourceSpecError, match="`order` must be one of"):
        replay.deliver(env, {"function": "charge", "event": {}, "order": "random"})


# --- rotation ------------------------------------------------------------------------------------


def _rotation_world() -> None:
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="prod/app/db", SecretString=json.dumps({"username": "app", "password": "first-pw"})
    )
    db = boto3.client("dynamodb", region_name=REGION)
    db.create_table(
        TableName="db-users",
        KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    db.put_item(
        TableName="db-users", Item={"username": {"S": "app"}, "password": {"S": "first-pw"}}
    )


def _lab_handler(lab: str, variant: str, name: str, monkeypatch) -> Callable:
    monkeypatch.setenv("DB_USERS_TABLE", "db-users")
    path = LABS / lab / variant / name
    spec = importlib.util.spec_from_file_location(f"lab_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


ROTATION = {
    "function": "rotator",
    "secret": "prod/app/db",
    "rotations": 3,
    "revert_database_in": [3],
    "login": {"table": "db-users", "key": {"username": "app"}},
}


def test_rotation_with_the_reference_function(aws, monkeypatch):
    _rotation_world()
    handler = _lab_handler("secrets-rotation", "reference", "rotate.py", monkeypatch)
    env = FakeEnv({"rotator": handler})
    rotation.deliver(env, ROTATION)
    facts = env.facts["rotation"]["prod/app/db"]
    first, second, third = facts["rotations"]
    for run in (first, second):
        assert run["status"] == "succeeded"
        assert run["current_is_new"] and run["previous_is_old"] and run["pending_cleared"]
        assert run["login_current"] and run["new_value_differs"]
    assert second["old_version"] == first["token"]
    # The database lost the change in the third rotation: testSecret stopped it in time.
    assert third["status"] == "step_failed" and third["failed_step"] == "testSecret"
    assert third["database_reverted"] is True
    assert facts["login_after"] is True
    steps = [i.event["Step"] for i in env.invocations]
    assert steps[:4] == ["createSecret", "setSecret", "testSecret", "finishSecret"]


def test_rotation_without_set_secret_locks_the_app_out(aws, monkeypatch):
    _rotation_world()
    handler = _lab_handler("secrets-rotation", "cheats/finish-only", "rotate.py", monkeypatch)
    env = FakeEnv({"rotator": handler})
    rotation.deliver(env, ROTATION)
    facts = env.facts["rotation"]["prod/app/db"]
    assert facts["rotations"][0]["current_is_new"] is True
    assert facts["rotations"][0]["login_current"] is False
    assert facts["login_after"] is False


def test_rotation_refused_while_a_previous_one_is_pending(aws, monkeypatch):
    _rotation_world()
    handler = _lab_handler("secrets-rotation", "starter", "rotate.py", monkeypatch)
    env = FakeEnv({"rotator": handler})
    rotation.deliver(env, {**ROTATION, "rotations": 2, "revert_database_in": []})
    first, second = env.facts["rotation"]["prod/app/db"]["rotations"]
    # The starter's finishSecret omits RemoveFromVersionId, which Secrets Manager refuses.
    assert first["status"] == "step_failed" and first["failed_step"] == "finishSecret"
    assert second["status"] == "refused"
    assert any("AWSPENDING is still attached" in text for _, text in env.notes)


def test_rotation_spec_errors_are_specific(aws):
    env = FakeEnv({"rotator": lambda event, context: None})
    with pytest.raises(rotation.SourceSpecError, match="needs `function` and `secret`"):
        rotation.deliver(env, {"function": "rotator"})
    with pytest.raises(rotation.SourceSpecError, match="no secret named 'missing'"):
        rotation.deliver(env, {"function": "rotator", "secret": "missing"})
    with pytest.raises(rotation.SourceSpecError, match="from 1 to 5"):
        rotation.deliver(env, {"function": "rotator", "secret": "x", "rotations": 9})


def test_replay_observes_the_tables_it_names_at_the_end(aws):
    db = boto3.client("dynamodb", region_name=REGION)
    db.create_table(
        TableName="payments",
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def charge(event, context):
        db.put_item(
            TableName="payments",
            Item={
                "orderId": {"S": event["id"]},
                "amount": {"N": "2.5"},
                "tags": {"SS": ["b", "a"]},
            },
        )

    env = FakeEnv({"charge": charge})
    replay.deliver(
        env, {"function": "charge", "event": {"id": "o-1"}, "observe_tables": ["payments"]}
    )
    final = env.invocations[-1].source_facts["final"]
    assert final["tables"] == {"payments": [{"orderId": "o-1", "amount": 2.5, "tags": ["a", "b"]}]}
    assert [d["status"] for d in final["events"]["o-1"]] == ["ok", "ok"]
