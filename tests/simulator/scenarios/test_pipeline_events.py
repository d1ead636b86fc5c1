"""The pipeline_events kind: git events go to a V2 pipeline's triggers, one execution each."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.scenarios._result import PipelineStatus, RunStatus
from simulator.scenarios._run import Scenario, ScenarioError, run_scenario

WORLD = """account: "111122223333"
region: eu-west-1
s3:
  buckets:
    artifacts: {versioning: true}
    site: {}
alarms:
  site-5xx: {behaviour: ok}
"""

TYPE = {"owner": "AWS", "version": "1"}
PIPELINE: dict[str, Any] = {
    "pipeline": {
        "name": "release",
        "roleArn": "arn:aws:iam::111122223333:role/release",
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "pipelineType": "V2",
        "variables": [{"name": "Folder", "defaultValue": "live"}],
        "triggers": [
            {
                "providerType": "CodeStarSourceConnection",
                "gitConfiguration": {
                    "sourceActionName": "Source",
                    "push": [{"tags": {"includes": ["v*"]}}],
                },
            }
        ],
        "stages": [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "actionTypeId": {
                            **TYPE,
                            "category": "Source",
                            "provider": "CodeStarSourceConnection",
                        },
                        "configuration": {
                            "ConnectionArn": "arn:aws:codeconnections:eu-west-1:111122223333:connection/x",
                            "FullRepositoryId": "acme/site",
                            "BranchName": "main",
                        },
                        "outputArtifacts": [{"name": "Out"}],
                    }
                ],
            },
            {
                "name": "Deploy",
                "actions": [
                    {
                        "name": "Publish",
                        "actionTypeId": {**TYPE, "category": "Deploy", "provider": "S3"},
                        "configuration": {
                            "BucketName": "site",
                            "Extract": "true",
                            "ObjectKey": "#{variables.Folder}",
                        },
                        "inputArtifacts": [{"name": "Out"}],
                    }
                ],
                "onSuccess": {
                    "conditions": [
                        {
                            "result": "ROLLBACK",
                            "rules": [
                                {
                                    "name": "SiteErrors",
                                    "ruleTypeId": {
                                        **TYPE,
                                        "category": "Rule",
                                        "provider": "CloudWatchAlarm",
                                    },
                                    "configuration": {"AlarmName": "site-5xx"},
                                }
                            ],
                        }
                    ]
                },
            },
        ],
    }
}

EVENTS = [
    {"name": "docs", "push": {"branch": "main", "files": ["docs/a.md"]}},
    {
        "name": "one",
        "push": {"tag": "v1.0.0", "files": ["index.html"]},
        "variables": {"Folder": "one"},
    },
    {
        "name": "two",
        "push": {"tag": "v2.0.0", "files": ["index.html"]},
        "write": {"index.html": "two"},
        "alarm_after_deploy": ["site-5xx"],
    },
]


def _run(files: dict[str, str] | None = None, **settings: Any) -> Any:
    scenario = Scenario(
        kind="pipeline_events",
        settings={
            "pipeline": "pipeline.json",
            "sources": {"Source": "repo"},
            "events": EVENTS,
            **settings,
        },
        trees={"repo": {"index.html": "one"}},
        world=WORLD,
        name="events",
    )
    return run_scenario(scenario, files or {"pipeline.json": json.dumps(PIPELINE)})


def test_each_event_is_decided_and_a_failed_release_rolls_back_to_the_last_good_one() -> None:
    run = _run()
    result, pipeline = run.result, run.result.pipeline
    assert result.status == RunStatus.RAN
    assert pipeline.pipeline_type == "V2"
    docs, one, two = pipeline.triggers
    assert (docs.started, docs.execution_id) == (False, None)
    assert "starts nothing" in run.log
    assert (one.status, one.variables) == (PipelineStatus.SUCCEEDED, {"Folder": "one"})
    assert (two.status, two.variables) == (PipelineStatus.FAILED, {"Folder": "live"})
    assert [(c.execution_id, c.outcome) for c in pipeline.conditions] == [
        (one.execution_id, "Succeeded"),
        (two.execution_id, "Failed"),
    ]
    (rollback,) = pipeline.rollbacks
    assert (rollback.execution_id, rollback.to_execution) == (two.execution_id, one.execution_id)
    assert (pipeline.name, pipeline.status) == ("release", PipelineStatus.FAILED)  # the last one


def test_without_an_execution_the_pipeline_is_not_started() -> None:
    pipeline = _run(events=EVENTS[:1]).result.pipeline
    assert (pipeline.name, pipeline.status) == ("release", PipelineStatus.NOT_STARTED)
    assert [t.started for t in pipeline.triggers] == [False]


def test_an_unreadable_pipeline_does_not_start() -> None:
    run = _run({"pipeline.json": "{ not json"})
    assert run.result.status == RunStatus.NOT_STARTED
    assert run.result.message.startswith("the pipeline declaration is not valid: line ")
    assert run.log.startswith("The pipeline could not be created: ")


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([], "needs scenario.events"),
        (["x"], r"scenario.events\[0\] must be a mapping"),
        ([{"push": {"branch": "main"}, "when": 1}], r"events\[0\]: unknown key\(s\) when"),
        ([{"push": {"branch": "main"}, "alarms": {"a": "RED"}}], "use OK or ALARM, not 'RED'"),
        ([{"name": "n", "push": 3}], r"scenario.events\[0\]: a git event needs"),
    ],
)
def test_lab_mistakes_in_the_events_are_named(events: list[Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        _run(events=events)
