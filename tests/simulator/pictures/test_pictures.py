"""Pictures: DOT of pipelines and executions, SVG rendering and fallback, traffic charts."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET

import pytest

from simulator.codedeploy import DeploymentResult, LifecycleEvent, TrafficPoint
from simulator.codepipeline import PipelineOptions, run_pipeline
from simulator.codepipeline.examples import SIX_STAGE
from simulator.pictures import (
    STATUS_COLOURS,
    _render,
    dot_available,
    execution_dot,
    pipeline_dot,
    render_svg,
    traffic_svg,
)
from tests.simulator.pipeline.conftest import WORLD, action, pipeline

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(text: str) -> ET.Element:
    """Parse SVG the simulator itself wrote (trusted: it is the code under test)."""
    return ET.fromstring(text)  # noqa: S314


def six_stage() -> dict:
    return json.loads((SIX_STAGE / "pipeline.json").read_text())


def test_pipeline_dot_has_stages_actions_and_artifact_edges():
    dot = pipeline_dot(six_stage())
    assert dot.startswith('digraph "app-pipeline" {')
    assert dot.count("subgraph cluster_") == 6
    assert 'label="Deploy_Staging"' in dot
    assert '-> a2_1 [label="source_output"]' in dot  # source artifact into SecurityScan
    assert '[label="build_output"]' in dot
    assert "UnitTests\\nTest/CodeBuild\\nrunOrder 1" in dot


def test_execution_dot_colours_actions_by_status(tmp_path):
    from simulator.world import load_world

    world = load_world(WORLD)
    (tmp_path / "index.html").write_text("hi")
    body = pipeline(
        ("Checks", [action("Flaky", "Invoke", "Lambda", {"FunctionName": "flaky"})]),
        ("Deploy", [action("Never", "Invoke", "Lambda", {"FunctionName": "smoke"})]),
    )
    execution = run_pipeline(body, {"Src": tmp_path}, world, PipelineOptions(rng=random.Random(1)))
    dot = execution_dot(execution)
    assert f'fillcolor="{STATUS_COLOURS["Failed"]}"' in dot
    assert f'fillcolor="{STATUS_COLOURS["Succeeded"]}"' in dot
    assert "Never\\nInvoke/Lambda\\nrunOrder 1\\nnot run" in dot
    assert ": Failed" in dot


@pytest.mark.skipif(not dot_available(), reason="Graphviz dot is not installed here")
def test_render_svg_with_graphviz():
    svg = render_svg(pipeline_dot(six_stage()))
    root = parse_svg(svg)
    assert root.tag == f"{SVG}svg"
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert "SecurityScan" in texts and "build_output" in texts


def test_render_svg_fallback_without_graphviz(monkeypatch):
    monkeypatch.setattr(_render.shutil, "which", lambda _name: None)
    svg = render_svg('digraph "x" { a -> b; }')
    root = parse_svg(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "not installed" in texts[0]
    assert 'digraph "x" { a -> b; }' in texts


def test_render_svg_reports_a_broken_graph():
    if not dot_available():
        pytest.skip("Graphviz dot is not installed here")
    with pytest.raises(_render.RenderError, match="dot failed"):
        render_svg("digraph { a -> ")


def test_traffic_chart_is_valid_svg_with_steps_and_events():
    result = DeploymentResult(
        "d-ABCDEFGHI",
        "Stopped",
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "Lambda",
        "app",
        "live",
        events=[
            LifecycleEvent("fn:live", "BeforeAllowTraffic", "Succeeded", 0, 10),
            LifecycleEvent("fn:live", "AllowTraffic", "Failed", 10, 190),
            LifecycleEvent("fn:live", "AfterAllowTraffic", "Skipped"),
        ],
        traffic=[TrafficPoint(0, 0), TrafficPoint(10 / 60, 10), TrafficPoint(3.3, 0)],
        rolled_back=True,
    )
    svg = traffic_svg(result)
    root = parse_svg(svg)
    path = next(root.iter(f"{SVG}path"))
    assert path.get("d").startswith("M60.0,")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert any("rolled back" in (t or "") for t in texts)
    assert "AllowTraffic" in texts and "AfterAllowTraffic" not in texts  # skipped: no mark
    assert "100%" in texts


def test_traffic_chart_escapes_names():
    svg = traffic_svg(
        {
            "status": "Succeeded",
            "deployment_id": "<d>",
            "traffic": [],
            "events": [
                {"target": "a&b", "event": "<x>", "status": "Succeeded", "start": 0, "end": 1}
            ],
        }
    )
    parse_svg(svg)  # parses: everything was escaped
    assert "&lt;x&gt;" in svg


def _label_boxes(svg: str) -> list[tuple[float, float, float]]:
    """(left, right, baseline) of each event label, from the chart's own width estimate."""
    from simulator.pictures._traffic import CHAR_WIDTH, LABEL_SIZE

    boxes = []
    for t in parse_svg(svg).iter(f"{SVG}text"):
        if t.get("fill") in {"#2e7d32", "#c62828", "#1565c0"}:
            width = len(t.text) * LABEL_SIZE * CHAR_WIDTH
            x = float(t.get("x"))
            left = x - width if t.get("text-anchor") == "end" else x
            boxes.append((left, left + width, float(t.get("y"))))
    return boxes


def test_traffic_chart_event_labels_never_overlap_and_merge_repeats():
    # Three instances run the same hooks within seconds: one label per spot, in lanes.
    events = [
        {"target": f"i-{n}", "event": name, "status": "Succeeded", "start": start, "end": start}
        for n in range(3)
        for name, start in (
            ("BeforeInstall", 0),
            ("Install", 2),
            ("AfterInstall", 4),
            ("ApplicationStart", 6),
            ("ValidateService", 8),
        )
    ]
    events.append(
        {"target": "i-9", "event": "ValidateService", "status": "Failed", "start": 240, "end": 250}
    )
    svg = traffic_svg({"status": "Failed", "deployment_id": "d-X", "traffic": [], "events": events})
    boxes = _label_boxes(svg)
    texts = [t.text for t in parse_svg(svg).iter(f"{SVG}text")]
    assert "BeforeInstall ×3" in texts and "ValidateService" in texts
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] != b[2] or a[1] <= b[0] or b[1] <= a[0], (a, b)
    assert all(left >= 0 and right <= 640 for left, right, _y in boxes)


def test_traffic_chart_text_is_at_least_twelve_units_and_config_on_its_own_line():
    svg = traffic_svg(
        {
            "status": "Succeeded",
            "deployment_id": "d-1",
            "traffic": [],
            "config": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
            "events": [],
        }
    )
    root = parse_svg(svg)
    assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) >= 12
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Deployment d-1: Succeeded" in texts
    assert "CodeDeployDefault.LambdaCanary10Percent5Minutes" in texts
