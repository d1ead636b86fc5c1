"""The apigateway source: stages, stage variables, mapping templates (airspeed), aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import RunStatus, Scenario, run_scenario

LAB = Path(__file__).resolve().parents[3] / "content" / "labs" / "stage-variables"
REQUESTS = [
    {
        "stage": "dev",
        "method": "POST",
        "path": "/orders",
        "body": {"orderId": "d-1", "item": "pen"},
    },
    {
        "stage": "prod",
        "method": "POST",
        "path": "/orders",
        "body": {"orderId": "p-1", "item": "ink"},
    },
]


def _run(template: str, requests=REQUESTS, handler: str | None = None):
    scenario = Scenario(
        kind="function",
        settings={
            "functions": {"orders": {"handler": "app.handler", "code": "app.py"}},
            "events": [{"source": "apigateway", "template": "template.yaml", "requests": requests}],
        },
        world=(LAB / "world.yaml").read_text(),
        name="apigw-test",
    )
    files = {
        "template.yaml": template,
        "app.py": handler or (LAB / "reference" / "app.py").read_text(),
    }
    return run_scenario(scenario, files).result


@pytest.fixture(scope="module")
def reference():
    return _run((LAB / "reference" / "template.yaml").read_text())


def test_each_stage_runs_its_alias_and_writes_its_table(reference):
    served = {i.source_facts["stage"]: (i.qualifier, i.version) for i in reference.invocations}
    assert served == {"dev": ("dev", "2"), "prod": ("prod", "1")}
    assert reference.after.table("orders-dev").item(orderId="d-1")["stage"] == "dev"
    assert reference.after.table("orders-prod").item(orderId="p-1")["stage"] == "prod"
    assert reference.after.table("orders-dev").item(orderId="p-1") is None


def test_rendered_event_and_status_are_recorded(reference):
    facts = reference.invocations[0].source_facts
    assert facts["status_code"] == 200
    assert facts["stage_variables"] == {"alias": "dev", "tableName": "orders-dev"}
    assert facts["event"] == {
        "tableName": "orders-dev",
        "stage": "dev",
        "order": {"orderId": "d-1", "item": "pen"},
    }


def test_missing_stage_variable_is_a_500_with_a_note():
    text = (LAB / "reference" / "template.yaml").read_text().replace("alias: prod", "lambda: prod")
    result = _run(text)
    assert [i.source_facts["stage"] for i in result.invocations] == ["dev"]
    assert any("stageVariables.alias" in n.message for n in result.notes)


def test_broken_mapping_template_is_a_finding_not_a_traceback():
    text = (LAB / "reference" / "template.yaml").read_text()
    text = text.replace("\"order\": $input.json('$')", "\"order\": $input.json('$'")
    result = _run(text)
    assert result.status == RunStatus.RAN and result.invocations == ()
    # the unclosed call is on the template's 4th line: line 67 of the file
    assert any("mapping template" in n.message and "line 67" in n.message for n in result.notes)


def test_unknown_stage_and_path_get_403():
    result = _run(
        (LAB / "reference" / "template.yaml").read_text(),
        [{"stage": "test", "path": "/orders"}, {"stage": "dev", "path": "/nope"}],
    )
    assert result.invocations == ()
    assert any("stage 'test' is not deployed" in n.message for n in result.notes)


def test_unreadable_template_does_not_start():
    result = _run("Resources: [unclosed")
    assert result.status == RunStatus.NOT_STARTED and "template.yaml" in result.message


def test_table_writes_appear_in_changes(reference):
    changed = {(c.resource_type, c.name) for c in reference.changes}
    assert {("dynamodb-table", "orders-dev"), ("dynamodb-table", "orders-prod")} <= changed
