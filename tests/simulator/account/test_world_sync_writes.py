"""World.sync refreshes its cached resources after every write, with the account's own notion of
a write (simulator.account._writes): Unlabel..., Remove..., Untag... as well as Put and Create."""

from __future__ import annotations

from typing import Any

from simulator.lambdas._client import account_client
from simulator.world import World, load_world

WORLD = """
account: "111122223333"
region: eu-west-1
parameters:
  /app/prod/url: {value: https://orders.example}
"""
NAME = "/app/prod/url"


def _learner_client(world: World, service: str) -> Any:
    """A client that reaches the account the way the sandbox does (its socket, its keys)."""
    account = world.account()
    key, secret = account.call("credentials", account=world.state["account"])
    sock = str(account.sandbox_dir / "aws.sock")
    return account_client(sock, service, key, secret, world.state["region"])


def _labels(world: World) -> list[str]:
    versions = world.state["parameters"][NAME]["versions"]
    return [label for version in versions for label in version["labels"]]


def test_sync_sees_a_label_removed_by_unlabel_parameter_version() -> None:
    world = load_world(WORLD)
    try:
        world.sync()  # the first sync reads everything: the next ones only what calls wrote
        ssm = _learner_client(world, "ssm")
        ssm.label_parameter_version(Name=NAME, ParameterVersion=1, Labels=["live"])
        world.sync()
        assert _labels(world) == ["live"]
        ssm.unlabel_parameter_version(Name=NAME, ParameterVersion=1, Labels=["live"])
        world.sync()
        assert _labels(world) == []
    finally:
        world.close()
