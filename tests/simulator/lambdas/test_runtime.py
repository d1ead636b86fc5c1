"""The function runtime: return, raise, timeout, logs, warm reuse, boto3 to the account, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.lambdas import FunctionEnv, FunctionSpec, FunctionSpecError
from simulator.world import load_world

HANDLER = """
import socket, time
import boto3
CALLS = 0
def handler(event, context):
    global CALLS
    CALLS += 1
    print("got", event.get("n"), context.function_name, context.memory_limit_in_mb)
    if event.get("raise"):
        raise ValueError("bad order " + str(event["n"]))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("net"):
        try:
            socket.create_connection(("1.1.1.1", 80), timeout=1)
            return {"net": "open"}
        except OSError as exc:
            return {"net": type(exc).__name__}
    value = boto3.client("ssm").get_parameter(Name="/app/colour")["Parameter"]["Value"]
    return {"calls": CALLS, "colour": value, "left": context.get_remaining_time_in_millis() > 0}
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    code = tmp_path_factory.mktemp("code")
    code.chmod(0o755)
    (code / "app.py").write_text(HANDLER)
    (code / "app.py").chmod(0o644)
    world = load_world("parameters:\n  /app/colour: blue\n")
    spec = FunctionSpec("orders", "app.handler", Path(code), timeout=2, memory=256)
    with FunctionEnv(world, {"orders": spec}) as function_env:
        yield function_env
    world.close()


def test_return_value_logs_and_warm_reuse(env):
    first = env.invoke("orders", {"n": 1})
    second = env.invoke("orders", {"n": 2})
    assert first.ok and first.response == {"calls": 1, "colour": "blue", "left": True}
    assert first.cold_start and not second.cold_start
    assert second.response["calls"] == 2  # the module stayed loaded
    assert "got 1 orders 256" in first.logs
    assert first.version == "$LATEST"


def test_boto3_reaches_the_account_and_calls_are_attributed(env):
    invocation = env.invoke("orders", {"n": 3})
    calls = {c.seq: c for c in env.world.api_calls()}
    made = [calls[s] for s in invocation.api_calls]
    assert [(c.service, c.operation) for c in made] == [("ssm", "GetParameter")]
    assert made[0].params["Name"] == "/app/colour"


def test_exception_is_an_error_with_type_and_message(env):
    invocation = env.invoke("orders", {"n": 4, "raise": True})
    assert invocation.status == "error"
    assert (invocation.error_type, invocation.error_message) == ("ValueError", "bad order 4")


def test_timeout_ends_the_environment(env):
    invocation = env.invoke("orders", {"n": 5, "sleep": 5})
    assert invocation.status == "timeout"
    assert "2.00 seconds" in invocation.error_message
    after = env.invoke("orders", {"n": 6})
    assert after.ok and after.cold_start and after.response["calls"] == 1


def test_no_network(env):
    assert env.invoke("orders", {"n": 7, "net": True}).response["net"] != "open"


def test_unknown_qualifier_is_not_found(env):
    invocation = env.invoke("orders", {}, qualifier="prod")
    assert invocation.error_type == "ResourceNotFoundException"


def test_import_error_is_a_crash(tmp_path):
    tmp_path.chmod(0o755)
    (tmp_path / "app.py").write_text("import not_a_module\n")
    (tmp_path / "app.py").chmod(0o644)
    world = load_world("{}")
    try:
        with FunctionEnv(world, {"f": FunctionSpec("f", "app.handler", tmp_path)}) as env:
            invocation = env.invoke("f", {})
        assert invocation.status == "crashed"
        assert "not_a_module" in invocation.error_message
    finally:
        world.close()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"runtime": "ruby3.3"}, "not simulated"),
        ({"handler": "nohandler"}, "module.function"),
        ({"timeout": 0}, "timeout"),
        ({"memory": 64}, "memory"),
    ],
)
def test_bad_spec_is_refused_clearly(kwargs, words, tmp_path):
    base = {"name": "f", "handler": "app.handler", "code": tmp_path}
    with pytest.raises(FunctionSpecError, match=words):
        FunctionSpec(**{**base, **kwargs})


def _code(tmp_path, name: str, text: str):
    tmp_path.chmod(0o755)
    (tmp_path / name).write_text(text)
    (tmp_path / name).chmod(0o644)
    return tmp_path


def test_memory_limit_ends_the_environment(tmp_path):
    code = _code(tmp_path, "app.py", "def handler(e, c):\n    return len(bytearray(900 << 20))\n")
    world = load_world("{}")
    try:
        spec = FunctionSpec("big", "app.handler", code, memory=128)
        with FunctionEnv(world, {"big": spec}) as env:
            invocation = env.invoke("big", {})
        assert invocation.status == "crashed"
        assert invocation.error_type == "Runtime.OutOfMemory"
    finally:
        world.close()


NODE = """let n = 0;
exports.handler = async (event, context) => {
  n += 1;
  console.log("node got", JSON.stringify(event));
  if (event.boom) throw new TypeError("bad " + event.boom);
  return { n, fn: context.functionName };
};
"""


@pytest.mark.skipif(not Path("/usr/bin/node").exists(), reason="node is not installed")
def test_node_handler_returns_raises_and_stays_warm(tmp_path):
    code = _code(tmp_path, "index.js", NODE)
    world = load_world("{}")
    try:
        spec = FunctionSpec("n", "index.handler", code, runtime="nodejs20.x")
        with FunctionEnv(world, {"n": spec}) as env:
            first, second = env.invoke("n", {"a": 1}), env.invoke("n", {})
            failed = env.invoke("n", {"boom": 2})
        assert first.response == {"n": 1, "fn": "n"} and second.response["n"] == 2
        assert 'node got {"a":1}' in first.logs
        assert (failed.status, failed.error_type, failed.error_message) == (
            "error",
            "TypeError",
            "bad 2",
        )
    finally:
        world.close()


WHOAMI = "import boto3\ndef handler(e, c):\n    return boto3.client('sts').get_caller_identity()['Arn']\n"


@pytest.mark.parametrize(
    ("trust", "expected", "note"),
    [
        ('["lambda.amazonaws.com", "123456789012"]', ":assumed-role/orders-fn/", ""),
        ('["123456789012"]', "", "does not name lambda.amazonaws.com"),
    ],
)
def test_execution_role_credentials(tmp_path, trust, expected, note):
    code = _code(tmp_path, "app.py", WHOAMI)
    world = load_world(f"roles: [{{name: orders-fn, trust: {trust}}}]\n")
    try:
        spec = FunctionSpec("who", "app.handler", code, role="orders-fn")
        with FunctionEnv(world, {"who": spec}) as env:
            arn = env.invoke("who", {}).response
            notes = [n.message for n in env.notes]
        assert expected in arn
        assert any(note in n for n in notes) if note else not notes
    finally:
        world.close()
