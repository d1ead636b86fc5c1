"""A lab's pipeline scenario runs a Terraform file (scenario.pipeline: pipeline.tf)."""

from __future__ import annotations

from pathlib import Path

from simulator import RunStatus, Scenario, run_scenario

LAB = Path(__file__).resolve().parents[3] / "content" / "labs" / "terraform-pipeline"


def _scenario() -> Scenario:
    repo = {p.name: p.read_text() for p in (LAB / "repo").iterdir() if p.is_file()}
    return Scenario(
        kind="pipeline",
        settings={
            "pipeline": "pipeline.tf",
            "sources": {"GitHub_Source": "repo"},
            "approve": "yes",
        },
        trees={"sources/GitHub_Source": repo},
        world=(LAB / "world.yaml").read_text(),
        name="terraform-pipeline",
    )


def test_the_reference_runs_all_six_stages_and_the_canary() -> None:
    files = {"pipeline.tf": (LAB / "reference" / "pipeline.tf").read_text()}
    result = run_scenario(_scenario(), files).result
    assert result.status == RunStatus.RAN
    assert result.pipeline is not None and result.pipeline.status == "Succeeded"
    assert [s.name for s in result.pipeline.stages][-1] == "Deploy_Production"
    assert [p.percent_new for p in result.deployments[-1].traffic][-2:] == [10, 100.0]


def test_the_starter_does_not_start_and_says_where() -> None:
    files = {"pipeline.tf": (LAB / "starter" / "pipeline.tf").read_text()}
    result = run_scenario(_scenario(), files).result
    assert result.status == RunStatus.NOT_STARTED
    assert "pipeline.tf:" in result.message and "not declared" in result.message
