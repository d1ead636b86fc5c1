"""X-Ray for traced functions (simulator/lambdas/_xray.py): the daemon's checks on what untrusted
code sends, parents by name, and through the engine the real aws-xray-sdk in the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.lambdas import (
    FunctionEnv,
    FunctionSpec,
    FunctionSpecError,
    SourceError,
    deliver,
    spec_from_settings,
)
from simulator.lambdas._xray import (
    MAX_ANNOTATIONS,
    MAX_DEPTH,
    MAX_DOCUMENTS,
    MAX_METADATA_BYTES,
    Trace,
    outline,
    parse_datagram,
    segments,
    trace_header,
)
from simulator.world import load_world

HEADER = trace_header("req-1", 1_780_000_000.0, sampled=True)
T0 = 1_780_000_000.0
DAEMON = '{"format":"json","version":1}\n'


def datagram(document: dict) -> str:
    return DAEMON + json.dumps(document)


def subsegment(name: str, sid: str, start: float, end: float, **fields) -> dict:
    return {"name": name, "id": sid, "start_time": T0 + start, "end_time": T0 + end, **fields}


def streamed(name: str, sid: str, parent: str, **fields) -> dict:
    return subsegment(
        name, sid, 0.01, 0.02, type="subsegment", trace_id=HEADER.root, parent_id=parent, **fields
    )


def traced(*documents: dict, failed: bool = False):
    trace = Trace()
    for document in documents:
        trace.add(datagram(document))
    found = segments(trace, HEADER, function="quote", started=T0, duration_ms=50, failed=failed)
    return found, trace


def test_the_header_names_root_parent_and_sampling():
    assert HEADER.value.startswith("Root=1-")
    assert ";Parent=" in HEADER.value and HEADER.value.endswith(";Sampled=1")
    assert trace_header("req-1", T0, sampled=False).value.endswith(";Sampled=0")
    assert trace_header("req-2", T0, True).root != HEADER.root


def test_nested_and_streamed_subsegments_are_named_by_their_parents():
    outer = streamed(
        "load-prices",
        "a1",
        HEADER.parent,
        annotations={"line_count": 30},
        subsegments=[subsegment("dynamodb", "b1", 0.011, 0.019, namespace="aws")],
    )
    # A child streamed on its own before its parent arrived still finds the parent's name.
    late_child = streamed("parse", "c1", "a1")
    found, trace = traced(late_child, outer)
    by_name = {s.name: s for s in found}
    assert by_name["quote"].parent == "" and by_name["quote"].end_ms == 50
    assert by_name["load-prices"].parent == "quote"
    assert by_name["load-prices"].annotations == {"line_count": 30}
    assert by_name["dynamodb"].parent == "load-prices"
    assert by_name["parse"].parent == "load-prices"
    assert by_name["load-prices"].start_ms == pytest.approx(10.0)
    assert trace.problems == []


def test_error_and_fault_flags_are_kept_and_a_failed_invocation_faults_its_segment():
    found, _ = traced(streamed("charge", "a1", HEADER.parent, fault=True, error="yes"), failed=True)
    by_name = {s.name: s for s in found}
    assert by_name["charge"].fault and not by_name["charge"].error  # only JSON true counts
    assert by_name["quote"].fault


def test_annotations_keep_only_what_x_ray_indexes():
    annotations = {"ok_key": "v", "bad-key": "v", "nested": {"a": 1}, "flag": False, "n": 2.5}
    found, trace = traced(streamed("s", "a1", HEADER.parent, annotations=annotations))
    assert found[1].annotations == {"ok_key": "v", "flag": False, "n": 2.5}
    assert any("bad-key" in p for p in trace.problems)
    many = {f"k{i}": i for i in range(MAX_ANNOTATIONS + 5)}
    found, trace = traced(streamed("s", "a1", HEADER.parent, annotations=many))
    assert len(found[1].annotations) == MAX_ANNOTATIONS
    assert any("more than 50 annotations" in p for p in trace.problems)


def test_metadata_is_kept_by_namespace_unless_it_is_large():
    found, _ = traced(streamed("s", "a1", HEADER.parent, metadata={"default": {"why": 1}}))
    assert found[1].metadata == {"default": {"why": 1}}
    large = {"default": {"blob": "x" * (MAX_METADATA_BYTES + 1)}}
    found, trace = traced(streamed("s", "a1", HEADER.parent, metadata=large, annotations={"k": 1}))
    assert found[1].metadata == {} and found[1].annotations == {"k": 1}
    assert any("larger than this simulator keeps" in p for p in trace.problems)


def test_in_progress_other_trace_and_broken_documents_are_dropped():
    in_progress = streamed("s", "a1", HEADER.parent, in_progress=True)
    other = {
        **streamed("t", "a2", HEADER.parent),
        "trace_id": "1-00000000-000000000000000000000000",
    }
    no_end = {**streamed("u", "a3", HEADER.parent), "end_time": None}
    found, trace = traced(in_progress, other, no_end)
    assert [s.name for s in found] == ["quote"]
    assert any("another trace" in p for p in trace.problems)
    assert any("no valid end_time" in p for p in trace.problems)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('{"name": "s"}', "daemon header"),
        ('{"format":"json","version":2}\n{}', "daemon header"),
        (DAEMON + "[1, 2]", "not a JSON object"),
        (DAEMON + "{not json", "not valid JSON"),
        (DAEMON + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested deeper"),
        (DAEMON + json.dumps({"name": "x" * 70_000}), "larger than 64 KB"),
    ],
)
def test_the_daemon_refuses_bad_datagrams(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_datagram(raw)


def test_the_number_of_documents_per_invocation_is_capped():
    trace = Trace()
    for number in range(MAX_DOCUMENTS + 10):
        trace.add(datagram(streamed(f"s{number}", f"id{number}", HEADER.parent)))
    assert len(trace.documents) == MAX_DOCUMENTS and trace.dropped == 10
    assert trace.problems == [f"more than {MAX_DOCUMENTS} segment documents in one invocation"]


def test_the_outline_folds_repeated_calls_and_shows_annotations():
    children = [subsegment("dynamodb", f"d{i}", 0.011, 0.012) for i in range(3)]
    document = streamed(
        "load-prices", "a1", HEADER.parent, annotations={"line_count": 3}, subsegments=children
    )
    found, _ = traced(document)
    lines = outline(found)
    assert lines[0] == "x-ray quote 50 ms"
    assert lines[1] == "x-ray   load-prices 10 ms line_count=3"
    assert lines[2] == "x-ray     dynamodb x3 3 ms"


def test_tracing_mode_is_checked_on_the_function(tmp_path):
    with pytest.raises(FunctionSpecError, match="tracing must be PassThrough or Active"):
        FunctionSpec("f", "app.handler", tmp_path, tracing="On")
    spec = spec_from_settings("f", {"handler": "app.handler", "tracing": "Active"}, tmp_path)
    assert spec.tracing == "Active"


HANDLER = """
import json, os, socket, time
from aws_xray_sdk.core import patch, xray_recorder
import boto3
patch(["boto3"])
ssm = boto3.client("ssm")

def handler(event, context):
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    if event.get("colour"):
        return ssm.get_parameter(Name="/app/colour")["Parameter"]["Value"]
    if event.get("flood"):
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for n in range(event["flood"]):
            out.sendto(b'{"format":"json","version":1}\\n{"name": "x"}', ("127.0.0.1", 2000))
        return header
    with xray_recorder.in_subsegment("work") as work:
        work.put_annotation("tier", "gold")
        work.put_metadata("why", {"n": 1})
        with xray_recorder.in_subsegment("inner"):
            ssm.get_parameter(Name="/app/colour")
    try:
        with xray_recorder.in_subsegment("boom"):
            raise ValueError("no stock")
    except ValueError:
        pass
    try:
        xray_recorder.put_annotation("top", 1)
    except Exception as exc:
        print("top-level:", type(exc).__name__)
    return header
"""


def _env(tmp_path_factory, tracing: str):
    code = tmp_path_factory.mktemp("xray")
    code.chmod(0o755)
    (code / "app.py").write_text(HANDLER)
    (code / "app.py").chmod(0o644)
    world = load_world("parameters:\n  /app/colour: blue\n")
    spec = FunctionSpec("quote", "app.handler", Path(code), tracing=tracing)
    return world, FunctionEnv(world, {"quote": spec})


@pytest.fixture(scope="module")
def active(tmp_path_factory):
    world, env = _env(tmp_path_factory, "Active")
    with env:
        yield env
    world.close()


@pytest.mark.sandbox
def test_the_sdk_in_the_sandbox_reaches_the_host_as_named_subsegments(active):
    first = active.invoke("quote", {})
    second = active.invoke("quote", {})
    assert first.ok and second.ok
    assert first.response != second.response  # a trace header per invocation
    assert first.response.endswith("Sampled=1")
    by_name = {s.name: s for s in second.segments}
    assert set(by_name) == {"quote", "work", "inner", "ssm", "boom"}
    assert by_name["work"].parent == "quote" and by_name["inner"].parent == "work"
    assert by_name["ssm"].parent == "inner"  # the patched boto3 call
    assert by_name["work"].annotations == {"tier": "gold"}
    assert by_name["work"].metadata == {"default": {"why": {"n": 1}}}
    assert by_name["boom"].fault and not by_name["work"].fault
    # The function's own segment belongs to Lambda: the SDK refuses to annotate it.
    assert "top-level: FacadeSegmentMutationException" in second.logs


@pytest.mark.sandbox
def test_a_flood_of_datagrams_is_capped_and_noted(active):
    flooded = active.invoke("quote", {"flood": MAX_DOCUMENTS + 50})
    assert flooded.ok
    assert [s.name for s in flooded.segments] == ["quote"]  # no trace id: none kept
    notes = " ".join(n.message for n in active.notes)
    assert f"more than {MAX_DOCUMENTS} segment documents" in notes


@pytest.mark.sandbox
def test_without_active_tracing_nothing_is_recorded(tmp_path_factory):
    world, env = _env(tmp_path_factory, "PassThrough")
    with env:
        invocation = env.invoke("quote", {})
    world.close()
    assert invocation.ok and invocation.response.endswith("Sampled=0")
    assert invocation.segments == ()


@pytest.mark.sandbox
def test_the_direct_source_runs_its_setup_calls_before_the_invocation(active):
    setup = [
        {
            "service": "ssm",
            "operation": "PutParameter",
            "params": {
                "Name": "/app/colour",
                "Value": "green",
                "Type": "String",
                "Overwrite": True,
            },
        }
    ]
    deliver(active, {"source": "direct", "function": "quote", "event": {"colour": 1}})
    deliver(
        active, {"source": "direct", "function": "quote", "setup": setup, "event": {"colour": 1}}
    )
    assert [i.response for i in active.invocations[-2:]] == ["blue", "green"]
    with pytest.raises(SourceError, match="setup #1"):
        deliver(active, {"source": "direct", "function": "quote", "setup": [{"service": "ssm"}]})
