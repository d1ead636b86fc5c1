"""Pipeline structure rules: name, role, artifact store, stages and actions, the source stage."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from simulator._pipeline_common import (
    CROSS,
    PLACEHOLDER,
    ROLE_ARN,
    E,
    pipeline_rule,
    pipelines_of,
)
from simulator._pipeline_model import Action, Pipeline, Stage, is_intrinsic
from simulator._rules import Context

_NAME = re.compile(r"^[A-Za-z0-9.@\-_]{1,100}$")


@pipeline_rule("PL034", E, "no pipeline found")
def no_pipeline(ctx: Context) -> None:
    if not pipelines_of(ctx):
        ctx.report(
            "PL034",
            (),
            "no pipeline declaration found (no `pipeline`/`stages` key and no"
            " AWS::CodePipeline::Pipeline resource)",
            "check the file, or use --kind template for other CloudFormation templates",
        )


@pipeline_rule("PL001", E, "invalid pipeline name")
def pipeline_name(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        name = pipe.get("name")
        if name is None:
            if not pipe.cfn:  # CloudFormation generates a name when none is given
                ctx.report("PL001", pipe.path, "the pipeline has no `name`", "add a name")
        elif isinstance(name, str) and not _NAME.match(name) and not PLACEHOLDER.search(name):
            ctx.report(
                "PL001",
                pipe.field_path("name"),
                f"pipeline name {name!r} must be 1-100 characters of A-Z a-z 0-9 . @ - _",
                "remove spaces and other characters",
            )


@pipeline_rule("PL002", E, "pipeline role ARN missing or malformed", CROSS)
def pipeline_role(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        role = pipe.get("roleArn")
        if role is None:
            ctx.report(
                "PL002",
                pipe.path,
                "the pipeline has no roleArn (the service role CodePipeline assumes)",
                "add roleArn: arn:aws:iam::<account>:role/<name>",
            )
        elif isinstance(role, str) and not ROLE_ARN.match(role) and not PLACEHOLDER.search(role):
            ctx.report(
                "PL002",
                pipe.field_path("roleArn"),
                f"{role!r} is not an IAM role ARN",
                "format: arn:aws:iam::123456789012:role/MyPipelineRole",
            )


@pipeline_rule("PL003", E, "artifactStore and artifactStores: exactly one is required", CROSS)
def artifact_store(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        one, many = pipe.get("artifactStore"), pipe.get("artifactStores")
        if (one is None) == (many is None):
            ctx.report(
                "PL003",
                pipe.field_path("artifactStores") if many is not None else pipe.path,
                "give either artifactStore (one bucket) or artifactStores (one per region),"
                + (" not both" if one is not None else " — neither is set"),
                "use artifactStores only for cross-region pipelines",
            )


@pipeline_rule("PL004", E, "a pipeline needs 2 to 50 stages")
def stage_count(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        stages = pipe.get("stages")
        if is_intrinsic(stages):
            continue
        if len(pipe.stages) < 2 or len(pipe.stages) > 50:
            ctx.report(
                "PL004",
                pipe.field_path("stages") if stages is not None else pipe.path,
                f"the pipeline has {len(pipe.stages)} stage(s); it needs at least 2 (a source"
                " stage and one more) and at most 50",
                "add a build or deploy stage after the source stage",
                key=True,
            )


def _check_names(
    ctx: Context,
    pipe: Pipeline,
    items: Sequence[Stage] | Sequence[Action],
    code: str,
    what: str,
    where: str,
    fix: str,
) -> None:
    """One rule body for stage names (PL005) and action names (PL006): present, valid, unique."""
    seen: set[str] = set()
    for item in items:
        path = (*item.path, pipe.key("name"))
        if item.name is None and not is_intrinsic(item.raw.get(pipe.key("name"))):
            ctx.report(code, item.path, f"this {what} has no name", "add a name")
        elif isinstance(item.name, str):
            if not _NAME.match(item.name):
                ctx.report(
                    code,
                    path,
                    f"{what} name {item.name!r} must be 1-100 characters of A-Z a-z 0-9 . @ - _",
                    fix,
                )
            elif item.name in seen:
                scope = "stage" if what == "action" else "pipeline"
                ctx.report(
                    code,
                    path,
                    f"two {what}s{where} are named {item.name!r}",
                    f"{what} names must be unique in a {scope}",
                )
            seen.add(item.name)


@pipeline_rule("PL005", E, "stage name invalid or duplicated")
def stage_names(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        _check_names(ctx, pipe, pipe.stages, "PL005", "stage", "", "rename the stage")


@pipeline_rule("PL006", E, "action name invalid or duplicated in its stage")
def action_names(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        for stage in pipe.stages:
            where = f" in stage {stage.name!r}"
            _check_names(ctx, pipe, stage.actions, "PL006", "action", where, "rename it")


@pipeline_rule("PL035", E, "a stage needs 1 to 50 actions")
def action_count(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        for stage in pipe.stages:
            raw = stage.raw.get(pipe.key("actions"))
            if is_intrinsic(raw):
                continue
            if not stage.actions or len(stage.actions) > 50:
                ctx.report(
                    "PL035",
                    stage.path,
                    f"stage {stage.name!r} has {len(stage.actions)} actions (1-50 allowed)",
                    "every stage needs at least one action",
                )


def _category_path(pipe: Pipeline, action: Action) -> tuple[Any, ...]:
    return (*action.path, pipe.key("actionTypeId"), pipe.key("category"))


@pipeline_rule("PL007", E, "the first stage must contain only source actions (cfn-lint E3700)")
def first_stage_sources(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        if not pipe.stages:
            continue
        first = pipe.stages[0]
        for action in first.actions:
            if isinstance(action.category, str) and action.category != "Source":
                ctx.report(
                    "PL007",
                    _category_path(pipe, action),
                    f"the first stage ({first.name}) may hold only Source actions; action"
                    f" {action.name!r} is {action.category}",
                    "move this action to a later stage",
                )
        known = [a for a in first.actions if a.type_known]
        if first.actions and known and not any(a.category == "Source" for a in first.actions):
            ctx.report(
                "PL007",
                first.path,
                "the first stage has no Source action",
                "start the pipeline with a source stage (CodeCommit, S3, ECR or a connection)",
            )


@pipeline_rule("PL008", E, "a source action outside the first stage (cfn-lint E3700)")
def source_outside_first(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        for stage in pipe.stages[1:]:
            for action in stage.actions:
                if action.category == "Source":
                    ctx.report(
                        "PL008",
                        _category_path(pipe, action),
                        f"source action {action.name!r} is in stage {stage.name!r}: only the first"
                        " stage may contain source actions",
                        "move it to the first stage",
                    )
