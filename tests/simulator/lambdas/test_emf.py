"""CloudWatch Logs' embedded metric format extraction (simulator/lambdas/_emf.py), and through the
function engine: a handler's printed EMF lines become Invocation.metrics, invalid ones a note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator import Metric
from simulator.lambdas import FunctionEnv, FunctionSpec
from simulator.lambdas._emf import MAX_METRICS_PER_INVOCATION, metrics_of, parse_line
from simulator.world import load_world

NOW = 1_780_000_000_000.0  # ms; every document below is stamped at this time


def emf(directives, **members) -> str:
    return json.dumps({"_aws": {"Timestamp": NOW, "CloudWatchMetrics": directives}, **members})


def directive(metrics, dimensions=(("Service",),), namespace="Shop"):
    return {
        "Namespace": namespace,
        "Dimensions": [list(d) for d in dimensions],
        "Metrics": [{"Name": m, "Unit": "Count"} if isinstance(m, str) else m for m in metrics],
    }


def test_a_valid_document_gives_its_metric_with_unit_and_dimensions():
    line = emf([directive([{"Name": "Latency", "Unit": "Milliseconds"}])], Service="q", Latency=12)
    parsed = parse_line(line, NOW)
    assert parsed.problem == ""
    assert parsed.metrics == (Metric("Shop", "Latency", 12.0, "Milliseconds", {"Service": "q"}),)


def test_several_metrics_and_value_arrays_give_one_value_each():
    line = emf([directive(["Hits", "Misses"])], Service="q", Hits=[1, 2, 3], Misses=0)
    values = [(m.name, m.value) for m in parse_line(line, NOW).metrics]
    assert values == [("Hits", 1.0), ("Hits", 2.0), ("Hits", 3.0), ("Misses", 0.0)]


def test_each_dimension_set_is_its_own_metric_and_an_empty_set_has_no_dimensions():
    line = emf(
        [directive(["Orders"], dimensions=(("Service",), ("Service", "Channel"), ()))],
        Service="q",
        Channel="web",
        Orders=1,
    )
    dims = [dict(m.dimensions) for m in parse_line(line, NOW).metrics]
    assert dims == [{"Service": "q"}, {"Service": "q", "Channel": "web"}, {}]


def test_two_directives_in_one_document_use_their_own_namespaces():
    line = emf(
        [directive(["A"], namespace="One"), directive(["B"], namespace="Two", dimensions=((),))],
        Service="q",
        A=1,
        B=2,
    )
    assert [(m.namespace, m.name) for m in parse_line(line, NOW).metrics] == [
        ("One", "A"),
        ("Two", "B"),
    ]


def test_lambdas_log_prefix_before_the_document_is_accepted():
    line = "[INFO]\t2026-01-01T00:00:00.000Z\tabc-123\t" + emf([directive(["A"])], Service="q", A=1)
    assert [m.name for m in parse_line(line, NOW).metrics] == ["A"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (emf([directive(["A"])], A=1), "dimension Service has no member"),
        (emf([directive(["A"])], Service=7, A=1), "dimension Service must be a non-empty string"),
        (emf([directive(["A"])], Service="q"), "metric A has no member"),
        (emf([directive(["A"])], Service="q", A="7"), "must be a number or an array"),
        (emf([directive(["A"])], Service="q", A=True), "must be a number or an array"),
        (
            emf([directive([{"Name": "A", "Unit": "Apples"}])], Service="q", A=1),
            "unit Apples",
        ),
        (emf([{"Dimensions": [["Service"]], "Metrics": []}], Service="q"), "Namespace"),
        (emf([directive(["A"], dimensions=[])], A=1), "non-empty array of dimension sets"),
        (
            emf([directive(["A"], dimensions=[[f"d{i}" for i in range(31)]])], A=1),
            "at most 30",
        ),
        (emf([]), "non-empty array of metric directives"),
        (
            json.dumps({"_aws": {"CloudWatchMetrics": [directive(["A"])]}, "Service": "q", "A": 1}),
            "Timestamp is required",
        ),
        (
            json.dumps(
                {
                    "_aws": {"Timestamp": NOW / 1000, "CloudWatchMetrics": [directive(["A"])]},
                    "Service": "q",
                    "A": 1,
                }
            ),
            "seconds instead of milliseconds",
        ),
        (str({"_aws": {"Timestamp": NOW}, "A": 1}), "not one JSON object"),
        (emf([directive(["A"])], Service="q", A=1) + " trailing", "not one JSON object"),
    ],
)
def test_an_invalid_document_gives_no_metric_and_says_why(line, reason):
    parsed = parse_line(line, NOW)
    assert parsed.metrics == ()
    assert reason in parsed.problem


def test_plain_log_lines_and_json_without_aws_are_not_emf():
    assert parse_line("quote q-1 computed", NOW) == parse_line('{"level": "info"}', NOW)
    assert parse_line('{"level": "info"}', NOW).problem == ""
    assert parse_line('{"level": "info"}', NOW).metrics == ()


def test_metrics_per_invocation_are_capped_and_the_cap_is_reported_once():
    line = emf([directive(["A"])], Service="q", A=list(range(100)))
    lines = [line] * (MAX_METRICS_PER_INVOCATION // 100 + 3)
    metrics, problems = metrics_of(lines, NOW)
    assert len(metrics) == MAX_METRICS_PER_INVOCATION
    assert len(problems) == 1 and "the rest were not recorded" in problems[0]


HANDLER = """
import json, logging, time
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def handler(event, context):
    doc = {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": "Shop", "Dimensions": [["Service"]], "Metrics": [{"Name": "Orders"}]}]},
        "Service": context.function_name, "Orders": event["n"]}
    if event.get("via") == "logger":
        logger.info(json.dumps(doc))
    elif event.get("via") == "dict":
        print(doc)
    else:
        print(json.dumps(doc))
    return "ok"
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    code = tmp_path_factory.mktemp("emf")
    code.chmod(0o755)
    (code / "app.py").write_text(HANDLER)
    (code / "app.py").chmod(0o644)
    world = load_world("account: '123456789012'\n")
    spec = FunctionSpec("shop", "app.handler", Path(code))
    with FunctionEnv(world, {"shop": spec}) as function_env:
        yield function_env
    world.close()


@pytest.mark.sandbox
def test_the_engine_extracts_printed_and_logged_documents_and_notes_a_dict(env):
    printed = env.invoke("shop", {"n": 3})
    logged = env.invoke("shop", {"n": 4, "via": "logger"})
    wrong = env.invoke("shop", {"n": 5, "via": "dict"})
    assert printed.metrics == (Metric("Shop", "Orders", 3.0, "None", {"Service": "shop"}),)
    assert [m.value for m in logged.metrics] == [4.0]
    assert logged.logs[1].startswith("[INFO]\t")  # Lambda's log format, then the document
    assert wrong.ok and wrong.metrics == ()
    notes = [n.message for n in env.notes]
    assert any("invocation 3" in n and "not one JSON object" in n for n in notes)
    # The learner reads it in the run log, under that invocation.
    assert any(
        line.startswith("  CloudWatch Logs: a log line mentions _aws") for line in env.log_lines
    )


def test_metric_names_and_dimensions_kept_per_invocation_are_capped_by_size():
    names = [f"d{i}" for i in range(30)]
    wide = {name: "v" * 1000 for name in names}  # 30 KB of dimensions on each value
    line = emf([directive(["A"], dimensions=[names])], A=list(range(20)), **wide)
    metrics, problems = metrics_of([line], NOW)
    assert 0 < len(metrics) < 20
    assert len(problems) == 1 and "KB of names and dimensions" in problems[0]
