"""The `function` scenario kind: settings errors are precise, a run gives typed invocations."""

from __future__ import annotations

import pytest

from simulator import RunStatus, Scenario, ScenarioError, ScenarioResult, run_scenario

HANDLER = "def handler(event, context):\n    return {'echo': event['n'] * 2}\n"


def _scenario(**settings) -> Scenario:
    base = {
        "kind": "function",
        "functions": {"f": {"handler": "app.handler", "code": "app.py"}},
        "events": [{"source": "direct", "function": "f", "event": {"n": 21}}],
    }
    return Scenario(kind="function", settings={**base, **settings}, world="{}", name="t")


def test_direct_event_runs_the_learner_handler_and_round_trips():
    run = run_scenario(_scenario(), {"app.py": HANDLER})
    result = run.result
    assert result.status == RunStatus.RAN and result.kind == "function"
    assert [i.response for i in result.invocations] == [{"echo": 42}]
    again = ScenarioResult.from_json(result.to_json())
    assert again.invocations == result.invocations


def test_code_from_a_lab_tree():
    scenario = Scenario(
        kind="function",
        settings={
            "functions": {"f": {"handler": "lib.handler", "code": "lib"}},
            "events": [{"source": "direct", "function": "f", "event": {"n": 1}}],
        },
        trees={"lib": {"lib.py": HANDLER}},
        world="{}",
    )
    assert run_scenario(scenario, {}).result.invocations[0].response == {"echo": 2}


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"functions": {}}, "declare at least one function"),
        ({"functions": {"f": "app.handler"}}, "scenario.functions.f: expected a mapping"),
        ({"functions": {"f": {"handler": "app.handler", "code": "nope.py"}}}, "nope.py"),
        ({"functions": {"f": {"handler": "app.handler", "timeout": "x"}}}, "timeout"),
        ({"events": []}, "scenario.events"),
        ({"events": [{"source": "kafka"}]}, "unknown event source 'kafka'"),
        ({"events": [{"source": "direct", "function": "g"}]}, "function 'g' is not declared"),
        ({"wrong": 1}, "scenario.wrong: unknown key"),
    ],
)
def test_invalid_settings_are_scenario_errors(settings, words):
    with pytest.raises(ScenarioError, match=words):
        run_scenario(_scenario(**settings), {"app.py": HANDLER})


def test_direct_qualifiers_resolve_through_the_accounts_aliases():
    world = "lambda:\n  functions:\n    f: {runtime: python3.12, versions: [1, 2], aliases: {live: 2}}\n"
    events = [
        {"source": "direct", "function": "f", "event": {"n": 1}, "qualifier": "live"},
        {"source": "direct", "function": "f", "event": {"n": 1}, "qualifier": "7"},
        {"source": "direct", "function": "f", "event": {"n": 2}, "repeat": 2},
    ]
    scenario = Scenario(
        kind="function",
        settings={
            "functions": {"f": {"handler": "app.handler", "code": "app.py"}},
            "events": events,
        },
        world=world,
    )
    runs = run_scenario(scenario, {"app.py": HANDLER}).result.invocations
    assert [(i.qualifier, i.version, i.status) for i in runs] == [
        ("live", "2", "ok"),
        ("7", "", "error"),
        ("$LATEST", "$LATEST", "ok"),
        ("$LATEST", "$LATEST", "ok"),
    ]
    assert runs[1].error_type == "ResourceNotFoundException"
    assert [i.source_facts.get("attempt") for i in runs[2:]] == [1, 2]
