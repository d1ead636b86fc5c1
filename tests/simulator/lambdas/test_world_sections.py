"""World sections for functions: DynamoDB tables, SQS queues, setup calls; typed snapshots."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from simulator.account import AccountSnapshot
from simulator.world import WorldError, load_world

WORLD = """
dynamodb:
  tables:
    orders-dev:
      key: {id: S}
      indexes: {byCustomer: {key: {customer: S}}}
      items:
        - {id: "o1", customer: c1, total: 12.5, qty: 2}
sqs:
  queues:
    orders-dlq: {}
    orders:
      attributes: {VisibilityTimeout: "30"}
      dead_letter: {queue: orders-dlq, max_receives: 2}
      messages: [{"id": "o2"}, "plain text"]
setup:
  - {service: ssm, operation: PutParameter, params: {Name: /from/setup, Value: "yes", Type: String}}
"""


@pytest.fixture(scope="module")
def snapshot():
    world = load_world(WORLD)
    try:
        yield world.snapshot()
    finally:
        world.close()


def test_tables_are_seeded_and_typed(snapshot):
    table = snapshot.table("orders-dev")
    assert table is not None and table.key == ("id",) and table.indexes == ("byCustomer",)
    assert table.item(id="o1") == {"id": "o1", "customer": "c1", "total": 12.5, "qty": 2}
    assert "x-dynamodb" not in snapshot.extra


def test_queues_with_counts_bodies_and_redrive(snapshot):
    queue = snapshot.queue("orders")
    assert (queue.visible, queue.in_flight) == (2, 0)
    assert queue.bodies == ('{"id": "o2"}', "plain text")
    assert (queue.dead_letter_target, queue.max_receive_count) == ("orders-dlq", 2)
    assert queue.attributes["VisibilityTimeout"] == "30"


def test_setup_calls_run_through_the_api(snapshot):
    assert snapshot.parameter("/from/setup").value == "yes"


def test_snapshot_json_round_trip(snapshot):
    adapter = TypeAdapter(AccountSnapshot)
    again = adapter.validate_python(adapter.dump_python(snapshot, mode="json"))
    assert again.tables == snapshot.tables and again.queues == snapshot.queues


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dynamodb: {tables: {t: {items: []}}}", "dynamodb.tables.t: no key"),
        ("dynamodb: {tables: {t: {key: {id: X}}}}", "not a key type"),
        ("dynamodb: {tables: {t: {key: {id: S}, items: [{x: 1}]}}}", "key attribute id"),
        ("sqs: {queues: {q: {dead_letter: {queue: nope}}}}", "queue 'nope' is not declared"),
        ("setup: [{service: 's3; rm', operation: X}]", "plain names"),
    ],
)
def test_bad_sections_are_clear_errors(text, words):
    with pytest.raises(WorldError, match=words):
        load_world(text)


def test_unknown_setup_operation_is_a_clear_error():
    world = load_world("setup: [{service: ssm, operation: NoSuchThing}]")
    try:
        with pytest.raises(WorldError, match="no operation 'NoSuchThing'"):
            world.snapshot()
    finally:
        world.close()
