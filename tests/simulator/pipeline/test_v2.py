"""V2 behaviour in the engine: trigger filters decide, conditions gate stages, rollback redeploys.

Pages: CodePipeline user guide "Add triggers with code push or pull request event types" (filter
semantics, glob patterns), "Configure stage conditions" (beforeEntry FAIL/SKIP, onSuccess
ROLLBACK/FAIL, CloudWatchAlarm rule) and "Configure stage rollback" (the stage returns to the
last successful execution's source revision).
"""

from __future__ import annotations

from typing import Any

from simulator.codepipeline import run_pipeline
from simulator.codepipeline._v2 import GitEvent, GitEventKind, decide_trigger
from tests.simulator.pipeline.conftest import action, opts, pipeline

TRIGGERS = {
    "pipelineType": "V2",
    "triggers": [
        {
            "providerType": "CodeStarSourceConnection",
            "gitConfiguration": {
                "sourceActionName": "Src",
                "push": [
                    {"tags": {"includes": ["v*"], "excludes": ["v*-rc*"]}},
                    {
                        "branches": {"includes": ["main"]},
                        "filePaths": {"includes": ["src/**"], "excludes": ["**/*.md"]},
                    },
                ],
            },
        }
    ],
}


def _decide(**push: Any) -> bool:
    return decide_trigger(TRIGGERS, GitEvent.from_mapping({"push": push})).started


def test_tag_filter_with_excludes() -> None:
    assert _decide(tag="v1.2.0", files=["src/a.py"])
    assert not _decide(tag="v1.3.0-rc1", files=["src/a.py"])
    assert not _decide(tag="release-1", files=["src/a.py"])


def test_branch_filter_needs_a_changed_file_that_is_included_and_not_excluded() -> None:
    assert _decide(branch="main", files=["docs/x.md", "src/app/main.py"])
    assert not _decide(branch="main", files=["src/README.md"])
    assert not _decide(branch="main", files=["docs/guide.txt"])
    assert not _decide(branch="feature/x", files=["src/app.py"])


def test_single_star_stays_in_one_folder() -> None:
    pipe = {
        "triggers": [
            {
                "gitConfiguration": {
                    "push": [
                        {"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/*"]}}
                    ]
                }
            }
        ]
    }
    deep = GitEvent(GitEventKind.PUSH, branch="main", files=("src/a/b.py",))
    assert not decide_trigger(pipe, deep).started
    assert decide_trigger(
        pipe, GitEvent(GitEventKind.PUSH, branch="main", files=("src/b.py",))
    ).started


def test_without_triggers_only_the_source_branch_starts_it() -> None:
    pipe = pipeline(("Deploy", []))["pipeline"]
    assert decide_trigger(pipe, GitEvent(branch="main", files=("a",))).started
    assert not decide_trigger(pipe, GitEvent(tag="v1", files=("a",))).started


def _gated(alarm_gate: str, result: str) -> dict[str, Any]:
    deploy = action(
        "Publish",
        "Deploy",
        "S3",
        {"BucketName": "website", "Extract": "true"},
        inputs=("src",),
    )
    doc = pipeline(("Deploy", [deploy]), pipelineType="V2")
    rule = {
        "name": "Errors",
        "ruleTypeId": {
            "category": "Rule",
            "owner": "AWS",
            "provider": "CloudWatchAlarm",
            "version": "1",
        },
        "configuration": {"AlarmName": "site-5xx"},
    }
    doc["pipeline"]["stages"][1][alarm_gate] = {"conditions": [{"result": result, "rules": [rule]}]}
    return doc


def _alarm(world: Any, state: str) -> None:
    world.state.setdefault("alarms", {})["site-5xx"] = {"behaviour": "ok", "state": state}


def test_before_entry_alarm_fails_the_stage_before_it_runs(world, src) -> None:
    _alarm(world, "ALARM")
    execution = run_pipeline(_gated("beforeEntry", "FAIL"), src, world, opts())
    assert execution.status == "Failed"
    assert execution.action("Deploy", "Publish")["status"] is None
    assert execution.to_dict()["conditions"][0]["outcome"] == "Failed"


def test_before_entry_skip_skips_the_stage(world, src) -> None:
    _alarm(world, "ALARM")
    execution = run_pipeline(_gated("beforeEntry", "SKIP"), src, world, opts())
    assert execution.status == "Succeeded"
    assert execution.state["stages"][1]["status"] == "Skipped"


def test_on_success_alarm_rolls_back_to_the_previous_good_revision(world, src) -> None:
    _alarm(world, "OK")
    (src["Src"] / "index.html").write_text("v1")
    first = run_pipeline(_gated("onSuccess", "ROLLBACK"), src, world, opts())
    assert first.status == "Succeeded"
    (src["Src"] / "index.html").write_text("v2")
    _alarm(world, "ALARM")
    second = run_pipeline(
        _gated("onSuccess", "ROLLBACK"), src, world, opts(previous=first.to_state())
    )
    assert second.status == "Failed"
    (rollback,) = second.to_dict()["rollbacks"]
    assert rollback["status"] == "Succeeded"
    assert rollback["to_execution"] == first.execution_id
    assert world.s3_get("website", "index.html") == b"v1"


def test_rollback_without_an_earlier_success_says_so(world, src) -> None:
    _alarm(world, "ALARM")
    execution = run_pipeline(_gated("onSuccess", "ROLLBACK"), src, world, opts())
    (rollback,) = execution.to_dict()["rollbacks"]
    assert rollback["status"] == "Failed"
    assert "no earlier successful execution" in rollback["summary"]


def test_commands_action_runs_its_commands_and_exports_variables(world, src) -> None:
    # CodePipeline user guide, "Commands action reference": commands run on managed compute,
    # outputVariables are exported to the action's namespace.
    run = action(
        "Run",
        "Compute",
        "Commands",
        {},
        inputs=("src",),
        commands=["test -f index.html", "export SITE_KEY=site-$(wc -c < index.html)"],
        outputVariables=["SITE_KEY"],
        namespace="RunVariables",
    )
    publish = action(
        "Publish",
        "Deploy",
        "S3",
        {"BucketName": "website", "Extract": "false", "ObjectKey": "#{RunVariables.SITE_KEY}.zip"},
        inputs=("src",),
    )
    doc = pipeline(("Run", [run]), ("Deploy", [publish]), pipelineType="V2")
    execution = run_pipeline(doc, src, world, opts())
    assert execution.status == "Succeeded", execution.to_text()
    assert execution.variables["RunVariables"]["SITE_KEY"] == "site-15"
    assert "site-15.zip" in world.state["s3"]["website"]["objects"]
