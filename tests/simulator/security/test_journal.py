"""The tool journal is written by the sandbox: no entry may crash the host or reach outside."""

from __future__ import annotations

import json
import os

import pytest

from simulator.standins import Channel
from simulator.world import load_world

WORLD = """
account: "111122223333"
region: eu-west-1
parameters:
  /cfg/url: {value: https://example.test}
s3:
  buckets:
    bucket: {objects: {"in/data.txt": payload}}
lambda:
  functions:
    orders: {versions: [1], aliases: {live: {version: 1}}}
"""


@pytest.fixture
def channel():
    notes: list[str] = []
    chan = Channel(load_world(WORLD), note=notes.append)
    chan.notes = notes  # type: ignore[attr-defined]
    yield chan
    chan.close()


def journal(channel: Channel, *lines: bytes | dict) -> int:
    raw = b"".join((json.dumps(x).encode() if isinstance(x, dict) else x) + b"\n" for x in lines)
    with open(channel.journal_dir / "journal.jsonl", "ab") as handle:
        handle.write(raw)
    return channel.apply()


def test_s3_put_without_a_blobs_folder_is_ignored(channel):
    entry = {"op": "s3.put", "bucket": "bucket", "key": "k", "blob": "blob-1"}
    assert journal(channel, entry) == 0
    assert "k" not in channel.world.state["s3"]["bucket"]["objects"]
    assert any("ignored a tool journal entry" in n for n in channel.notes)


def test_s3_put_with_a_missing_blob_is_ignored(channel):
    (channel.journal_dir / "blobs").mkdir()
    entry = {"op": "s3.put", "bucket": "bucket", "key": "k", "blob": "blob-7"}
    assert journal(channel, entry) == 0


def test_blob_that_is_a_symlink_to_a_host_file_is_not_read(channel):
    blobs = channel.journal_dir / "blobs"
    blobs.mkdir()
    (blobs / "blob-1").symlink_to("/etc/passwd")
    entry = {"op": "s3.put", "bucket": "bucket", "key": "k", "blob": "blob-1"}
    assert journal(channel, entry) == 0
    assert "k" not in channel.world.state["s3"]["bucket"]["objects"]


def test_blobs_folder_that_is_a_symlink_is_not_followed(channel, tmp_path):
    (tmp_path / "blob-1").write_bytes(b"host file")
    (channel.journal_dir / "blobs").symlink_to(tmp_path)
    entry = {"op": "s3.put", "bucket": "bucket", "key": "k", "blob": "blob-1"}
    assert journal(channel, entry) == 0


def test_blob_name_with_traversal_is_refused(channel):
    (channel.journal_dir / "blobs").mkdir()
    entry = {"op": "s3.put", "bucket": "bucket", "key": "k", "blob": "../../../etc/passwd"}
    assert journal(channel, entry) == 0


def test_blob_that_is_a_fifo_does_not_block(channel):
    blobs = channel.journal_dir / "blobs"
    blobs.mkdir()
    os.mkfifo(blobs / "blob-1")
    entry = {"op": "s3.put", "bucket": "bucket", "key": "k", "blob": "blob-1"}
    assert journal(channel, entry) == 0


@pytest.mark.parametrize("version", [[1], {"a": 1}, 1e400, "x"])
def test_ssm_read_with_a_version_of_the_wrong_type_is_ignored(channel, version):
    line = json.dumps({"op": "ssm.read", "name": "/cfg/url", "version": 0}).encode()
    line = line.replace(b'"version": 0', b'"version": ' + json.dumps(version).encode())
    assert journal(channel, line, {"op": "ssm.read", "name": "/cfg/url"}) == 1


def test_deeply_nested_entry_is_ignored(channel):
    deep = b"[" * 200_000 + b"]" * 200_000
    assert journal(channel, deep, {"op": "ssm.read", "name": "/cfg/url"}) == 1


def test_journal_that_is_a_symlink_is_not_read(channel):
    (channel.journal_dir / "journal.jsonl").symlink_to("/etc/passwd")
    assert channel.apply() == 0
    assert any("ignored the tool journal" in n for n in channel.notes)


@pytest.mark.parametrize(
    "entry",
    [
        {
            "op": "lambda.update_alias",
            "function": "orders",
            "alias": "live",
            "version": 1,
            "weights": [1],
        },
        {
            "op": "lambda.update_alias",
            "function": "orders",
            "alias": "live",
            "version": 1,
            "weights": {"2": 2},
        },
        {"op": "lambda.publish_version", "function": ["orders"]},
        {"op": "cloudformation.deploy", "stack": "s", "parameters": [1], "blob": "blob-1"},
        {"op": "s3.put", "bucket": "nope", "key": "k", "blob": "blob-1"},
        {"op": "deploy.create", "deployment_id": "d-1", "application": "a/../b", "group": "g "},
        {"op": "__import__('os')"},
    ],
)
def test_malformed_entries_are_ignored_one_by_one(channel, entry):
    before = json.dumps(channel.world.state, sort_keys=True, default=str)
    assert journal(channel, entry) == 0
    assert json.dumps(channel.world.state, sort_keys=True, default=str) == before
