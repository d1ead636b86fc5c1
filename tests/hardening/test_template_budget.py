"""Template bombs: checks of learner templates answer fast with a clear finding, never hang."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

import simulator
from simulator import _budget
from simulator._budget import TEMPLATE_BUDGET, Outcome, expansion, run_budgeted

ITEMS = ", ".join(f"i{n}" for n in range(20))
# Three nested loops of 20 items: 8,000 topics from ~500 bytes (minutes of cfn-lint unchecked).
FOREACH_BOMB = f"""AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::A:
    - X
    - [{ITEMS}]
    - Fn::ForEach::B:
        - Y
        - [{ITEMS}]
        - Fn::ForEach::C:
            - Z
            - [{ITEMS}]
            - "T${{X}}${{Y}}${{Z}}":
                Type: AWS::SNS::Topic
"""
# The same from a parameter's default list: 60 x 60 x 60 = 216,000 resources.
PARAM_ITEMS = ",".join(f"v{n}" for n in range(60))
PARAM_BOMB = f"""Transform: AWS::LanguageExtensions
Parameters:
  L:
    Type: CommaDelimitedList
    Default: "{PARAM_ITEMS}"
Resources:
  Fn::ForEach::A:
    - X
    - !Ref L
    - Fn::ForEach::B:
        - Y
        - !Ref L
        - Fn::ForEach::C:
            - Z
            - !Ref L
            - "T${{X}}${{Y}}${{Z}}":
                Type: AWS::SNS::Topic
"""
SMALL = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: not-a-number
"""


def plain(resources: int, *, named: bool = True) -> str:
    lines = ["Resources:"]
    for n in range(resources):
        lines += [f"  T{n}:", "    Type: AWS::SNS::Topic"]
        if named:
            lines += ["    Properties:", f"      TopicName: topic-{n}"]
    return "\n".join(lines) + "\n"


def _timed_check(text: str) -> tuple[float, simulator.Report]:
    started = time.monotonic()
    report = simulator.check(text, "template", filename="template.yaml")
    return time.monotonic() - started, report


def _budget_findings(report: simulator.Report) -> list[simulator.Finding]:
    return [f for f in report.findings if f.code == "TP003"]


def test_foreach_bomb_is_refused_before_cfn_lint_within_2_s() -> None:
    seconds, report = _timed_check(FOREACH_BOMB)
    assert seconds < 2
    (finding,) = _budget_findings(report)
    assert finding.severity == "error"
    assert "template too complex to check here: 8,000 generated resources" in finding.message
    assert f"limit {TEMPLATE_BUDGET.max_resources}" in finding.message
    assert "Fn::ForEach" in finding.message and finding.hint


def test_foreach_over_a_parameter_list_is_counted_too() -> None:
    seconds, report = _timed_check(PARAM_BOMB)
    assert seconds < 2
    assert "216,000 generated resources" in _budget_findings(report)[0].message


def test_large_plain_template_is_refused_quickly() -> None:
    seconds, report = _timed_check(plain(2_500, named=False))
    assert seconds < 2
    assert "2,500 generated resources, limit" in _budget_findings(report)[0].message


def test_oversized_template_is_refused_by_size() -> None:
    text = SMALL + "Outputs:\n" + "".join(f"  O{n}:\n    Value: {'x' * 200}\n" for n in range(600))
    seconds, report = _timed_check(text)
    assert seconds < 2
    message = _budget_findings(report)[0].message
    assert "bytes, limit 100,000" in message


def test_normal_template_is_still_linted(monkeypatch: pytest.MonkeyPatch) -> None:
    # A generous wall time: this asserts linting, not speed, on a machine that may be busy.
    roomy = replace(TEMPLATE_BUDGET, wall_seconds=60)
    monkeypatch.setattr("simulator._template.TEMPLATE_BUDGET", roomy)
    _seconds, report = _timed_check(SMALL)
    assert not _budget_findings(report)
    assert any(f.code.startswith("CFE") for f in report.findings), report.findings


def test_expansion_counts_nested_loops_and_outputs() -> None:
    counted = expansion(
        {
            "Resources": {
                "Plain": {"Type": "AWS::SNS::Topic"},
                "Fn::ForEach::A": ["X", ["a", "b", "c"], {"T${X}": {"Type": "AWS::SNS::Topic"},
                                   "Fn::ForEach::B": ["Y", ["1", "2"], {"Q${X}${Y}": {}}]}],
            },
            "Outputs": {"Fn::ForEach::O": ["X", {"Fn::Split": [",", "a,b,c,d"]}, {"O${X}": {}}]},
        }
    )  # fmt: skip
    assert counted.resources == 1 + 3 * (1 + 2)
    assert counted.outputs == 4
    assert counted.loops == 3


def test_unknown_collection_is_bounded_by_the_longest_list() -> None:
    counted = expansion(
        {
            "Mappings": {"M": {"k": {"v": [str(n) for n in range(50)]}}},
            "Resources": {
                "Fn::ForEach::A": ["X", {"Fn::FindInMap": ["M", "k", "v"]}, {"T${X}": {}}]
            },
        }
    )
    assert counted.resources == 50


def test_cpu_budget_ends_a_slow_lint_with_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    # A template under the count cap but slow to lint: the CPU cap stops cfn-lint in its child.
    tight = replace(TEMPLATE_BUDGET, max_resources=10_000, cpu_seconds=1, wall_seconds=30)
    monkeypatch.setattr("simulator._template.TEMPLATE_BUDGET", tight)
    seconds, report = _timed_check(plain(600))
    assert seconds < 5
    (finding,) = _budget_findings(report)
    assert finding.severity == "error"
    assert "cfn-lint needed more than 1 s of CPU time" in finding.message


def test_wall_budget_is_a_warning_when_the_machine_is_busy() -> None:
    result = run_budgeted(lambda: time.sleep(5), replace(TEMPLATE_BUDGET, wall_seconds=0.3))
    assert result.outcome is Outcome.TIMEOUT


def test_memory_budget_stops_a_child_that_grows() -> None:
    small = replace(TEMPLATE_BUDGET, memory_bytes=64 * 1024 * 1024, wall_seconds=10)
    result = run_budgeted(lambda: len(bytearray(512 * 1024 * 1024)), small)
    assert result.outcome is Outcome.MEMORY


def test_child_errors_come_back_as_crashed() -> None:
    result = run_budgeted(lambda: 1 / 0)
    assert result.outcome is Outcome.CRASHED and "ZeroDivisionError" in result.error


def test_child_value_comes_back() -> None:
    assert run_budgeted(lambda: {"a": [1, 2]}).value == {"a": [1, 2]}
    assert _budget.Outcome.OK == "ok"


def test_foreach_bomb_of_60_literal_items_is_refused_within_2_s() -> None:
    """The issue's 60x60x60 in about 700 bytes: literal lists, no parameter."""
    text = FOREACH_BOMB.replace(ITEMS, ",".join(f"{n}" for n in range(60)))
    assert len(text.encode()) < 1000
    seconds, report = _timed_check(text)
    assert seconds < 2
    assert "216,000 generated resources" in _budget_findings(report)[0].message
