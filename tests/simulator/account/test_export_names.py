"""Export, snapshot and save/restore keep S3 keys with colons (`a:b/c:d.txt`) as they are."""

from __future__ import annotations

from simulator.world import World, load_world

WORLD = """
account: "111122223333"
region: eu-west-1
s3:
  buckets:
    bucket-one: {objects: {"a:b/c:d.txt": hi}}
"""


def test_keys_with_colons_survive_export_snapshot_and_restore() -> None:
    world = load_world(WORLD)
    try:
        world.s3_put("bucket-one", "x:y:z.txt", b"z")
        exported = world.account().call("export", services=["s3"])
        assert sorted(exported["s3"]["bucket-one"]["objects"]) == ["a:b/c:d.txt", "x:y:z.txt"]
        keys = {(o.bucket, o.key): o.text for o in world.snapshot().s3_objects}
        assert keys == {("bucket-one", "a:b/c:d.txt"): "hi", ("bucket-one", "x:y:z.txt"): "z"}
        world.sync()
        saved = world.to_dict()
    finally:
        world.close()
    restored = World.from_dict(saved)
    try:
        assert restored.s3_get("bucket-one", "x:y:z.txt") == b"z"
        assert restored.s3_get("bucket-one", "a:b/c:d.txt") == b"hi"
    finally:
        restored.close()


def test_an_overwritten_object_is_read_again_and_the_others_are_kept() -> None:
    world = load_world(WORLD)
    try:
        account = world.account()
        account.call("s3_put", bucket="bucket-one", key="k", data_b64="b25l", metadata={})
        first = account.call("export", services=["s3"])["s3"]["bucket-one"]["objects"]
        assert first["k"]["text"] == "one" and first["a:b/c:d.txt"]["text"] == "hi"
        account.call("s3_put", bucket="bucket-one", key="k", data_b64="dHdv", metadata={})
        second = account.call("export", services=["s3"])["s3"]["bucket-one"]["objects"]
        assert second["k"]["text"] == "two" and second["k"]["etag"] != first["k"]["etag"]
        assert second["a:b/c:d.txt"] == first["a:b/c:d.txt"]
    finally:
        world.close()
