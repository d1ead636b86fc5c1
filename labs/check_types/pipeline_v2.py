"""Check types for V2 pipelines: trigger decisions, pipeline variables, notifications, rollback."""

from __future__ import annotations

from typing import Any

from labs.checks import Evidence, Verdict, check, sentence
from simulator import PipelineRun, PipelineStatus, TriggerRun


def _trigger(evidence: Evidence, name: str) -> tuple[PipelineRun, TriggerRun] | Verdict:
    """The pipeline and the trigger decision for the event named `name`, or why there is none."""
    pipe = evidence.result.pipeline
    if pipe is None or not pipe.triggers:
        return Verdict(False, "No git event reached the pipeline.", not_run=True)
    found = next((t for t in pipe.triggers if t.event == name), None)
    if found is None:
        return Verdict(False, f"The scenario sent no event named {name!r}.")
    return pipe, found


@check("trigger_started", "event", "equals")
def trigger_started(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A git event started an execution (equals: true) or was filtered out (equals: false)."""
    decided = _trigger(evidence, str(params["event"]))
    if isinstance(decided, Verdict):
        return decided
    _, found = decided
    wanted = bool(params["equals"])
    if found.started == wanted:
        return Verdict(True)
    did = "started an execution" if found.started else "started nothing"
    return Verdict(False, f"The {found.description} {did}: {sentence(found.reason)}")


@check("execution_variable", "event", "name", "equals")
def execution_variable(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The execution an event started resolved a pipeline variable to a value."""
    decided = _trigger(evidence, str(params["event"]))
    if isinstance(decided, Verdict):
        return decided
    _, found = decided
    if not found.started or found.execution_id is None:
        return Verdict(False, f"The {found.description} started no execution.")
    name, wanted = str(params["name"]), str(params["equals"])
    value = found.variables.get(name)
    if value == wanted:
        return Verdict(True)
    if value is None:
        return Verdict(False, f"The execution had no pipeline variable {name}.")
    return Verdict(False, f"The execution ran with {name} = {value!r}, not {wanted!r}.")


@check("approval_notified", "topic")
def approval_notified(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A manual approval published its notification to an SNS topic that exists."""
    pipe = evidence.result.pipeline
    if pipe is None:
        return Verdict(False, "No pipeline ran.", not_run=True)
    topic = str(params["topic"])
    sent = [n for n in pipe.notifications if n.topic.rsplit(":", 1)[-1] == topic]
    if any(n.delivered for n in sent):
        return Verdict(True)
    if sent:
        return Verdict(False, f"The approval notified {sent[0].topic}, which does not exist.")
    other = sorted({n.topic for n in pipe.notifications})
    if other:
        return Verdict(False, f"The approval notified {', '.join(other)}, not {topic}.")
    return Verdict(False, "No approval sent a notification: set its NotificationArn.")


@check("stage_rolled_back", "stage", "event")
def stage_rolled_back(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """In the execution an event started, a stage rolled back to an earlier execution."""
    decided = _trigger(evidence, str(params["event"]))
    if isinstance(decided, Verdict):
        return decided
    pipe, found = decided
    if found.execution_id is None:
        return Verdict(
            False, f"The {found.description} started no execution, so nothing rolled back."
        )
    stage = str(params["stage"])
    backs = [r for r in pipe.rollbacks if r.execution_id == found.execution_id and r.stage == stage]
    if any(r.status == PipelineStatus.SUCCEEDED for r in backs):
        return Verdict(True)
    if backs:
        return Verdict(False, f"The {stage} rollback failed: {sentence(backs[0].reason)}")
    return Verdict(False, f"The {stage} stage of that execution did not roll back.")


@check("s3_object_contains", "bucket", "key", "text")
def s3_object_contains(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """After the run, an S3 object exists and its text contains a string."""
    after = evidence.result.after
    if after is None:
        return Verdict(False, "The account was not read after the run.", not_run=True)
    bucket, key, text = str(params["bucket"]), str(params["key"]), str(params["text"])
    obj = next((o for o in after.s3_objects if o.bucket == bucket and o.key == key), None)
    if obj is None:
        near = sorted(o.key for o in after.s3_objects if o.bucket == bucket)[:5]
        listed = f" It holds: {', '.join(near)}." if near else " It is empty."
        return Verdict(False, f"s3://{bucket}/{key} does not exist.{listed}")
    if obj.text is not None and text in obj.text:
        return Verdict(True)
    return Verdict(False, f"s3://{bucket}/{key} does not contain {text!r}.")
