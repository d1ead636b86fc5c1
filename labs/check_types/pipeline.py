"""Checks on the CodePipeline execution, the stacks it deployed and its artifact stores."""

from __future__ import annotations

from typing import Any

from labs.checks import Evidence, Verdict, check, sentence, words
from simulator import PipelineStatus


def _pipeline(evidence: Evidence):
    return evidence.result.pipeline


@check("approval_before", "stage")
def approval_before(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The executed pipeline has a manual approval before the stage's first deploy action."""
    pipe = _pipeline(evidence)
    if pipe is None:
        return Verdict(False, "No pipeline ran.", not_run=True)
    for stage in pipe.stages:
        approvals = [a for a in stage.actions if a.category == "Approval"]
        if stage.name == params["stage"]:
            first = min(
                (a.run_order for a in stage.actions if a.category != "Approval"), default=10**6
            )
            ok = any(a.run_order < first for a in approvals)
            return Verdict(ok, "" if ok else f"Nothing asks for approval before {stage.name}.")
        if approvals:
            return Verdict(True)
    return Verdict(False, f"The pipeline has no stage named {params['stage']}.")


@check("execution_status", "equals")
def execution_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The pipeline execution ended with a status (Succeeded, Failed, ...)."""
    pipe = _pipeline(evidence)
    if pipe is None:
        return Verdict(False, "No pipeline ran.", not_run=True)
    if pipe.status == params["equals"]:
        return Verdict(True)
    failed = next(
        (
            f"{a.stage}/{a.name}"
            for s in pipe.stages
            for a in s.actions
            if a.status == PipelineStatus.FAILED
        ),
        "",
    )
    where = f" The first failed action was {failed}." if failed else ""
    return Verdict(False, f"The execution ended {pipe.status}.{where}")


@check("stage_status", "stage", "equals")
def stage_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A stage of the execution ended with a status."""
    pipe = _pipeline(evidence)
    if pipe is None:
        return Verdict(False, "No pipeline ran.", not_run=True)
    stage = pipe.stage(params["stage"])
    if stage is None or stage.status is None:
        return Verdict(False, f"The {params['stage']} stage did not run.")
    if stage.status == params["equals"]:
        return Verdict(True)
    failed = next((a for a in stage.actions if a.status == PipelineStatus.FAILED), None)
    why = f" {failed.name}: {sentence(failed.summary)}" if failed and failed.summary else ""
    return Verdict(False, f"The {stage.name} stage ended {stage.status}.{why}")


@check("stack_deployed", "stack", "account")
def stack_deployed(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """After the run the stack exists, complete, in the given account (and Region)."""
    after = evidence.result.after
    stacks = [s for s in (after.stacks if after else ()) if s.name == params["stack"]]
    if not stacks:
        return Verdict(False, f"The stack {params['stack']} does not exist after the run.")
    here = [
        s
        for s in stacks
        if s.account == str(params["account"])
        and (not params.get("region") or s.region == params["region"])
    ]
    if not here:
        where = words(sorted({f"account {s.account}" for s in stacks}))
        return Verdict(
            False, f"{params['stack']} was created in {where}, not in account {params['account']}."
        )
    if not here[0].status.endswith("_COMPLETE") or "ROLLBACK" in here[0].status:
        return Verdict(False, f"{params['stack']} ended {here[0].status}.")
    return Verdict(True)


@check("artifact_store_key", "file", "account", needs_run=False)
def artifact_store_key(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """Every artifact store of the (parsed) pipeline uses a KMS key named by its ARN, in the
    given account."""
    data = evidence.documents.get(params["file"])
    pipeline = data.get("pipeline", data) if isinstance(data, dict) else {}
    stores = []
    if isinstance(pipeline, dict):
        if isinstance(pipeline.get("artifactStore"), dict):
            stores.append(pipeline["artifactStore"])
        if isinstance(pipeline.get("artifactStores"), dict):
            stores.extend(v for v in pipeline["artifactStores"].values() if isinstance(v, dict))
    if not stores:
        return Verdict(False, "The pipeline declares no artifact store.")
    for store in stores:
        key = store.get("encryptionKey") if isinstance(store.get("encryptionKey"), dict) else {}
        ident = str(key.get("id", ""))
        if not ident:
            return Verdict(
                False,
                "An artifact store uses the AWS managed key, which other accounts cannot use.",
            )
        parts = ident.split(":")
        if len(parts) < 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
            return Verdict(
                False,
                "An artifact store names its key by alias or id, not by key "
                "ARN; another account cannot resolve it.",
            )
        if parts[4] != str(params["account"]):
            return Verdict(False, f"The artifact store's key belongs to account {parts[4]}.")
    return Verdict(True)
