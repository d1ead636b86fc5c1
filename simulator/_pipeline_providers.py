"""Provider rules: what one action type needs (CodeBuild, CloudFormation, ECS, S3, approvals)."""

from __future__ import annotations

from typing import Any

from simulator._pipeline_common import (
    APPROVALS,
    CROSS,
    PLACEHOLDER,
    ROLE_ARN,
    E,
    W,
    action_type,
    actions_of,
    config_path,
    pipeline_rule,
    pipelines_of,
)
from simulator._pipeline_model import literal
from simulator._rules import Context, did_you_mean, join_hint


@pipeline_rule("PL026", E, "configuration key or value too long")
def configuration_lengths(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        for key, value in action.configuration.items():
            if len(str(key)) > 50:
                ctx.report(
                    "PL026",
                    config_path(pipe, action, key),
                    f"configuration key {key!r} is longer than 50 characters",
                    "shorten it",
                    key=True,
                )
            if isinstance(value, str) and not 1 <= len(value) <= 1000:
                ctx.report(
                    "PL026",
                    config_path(pipe, action, key),
                    f"configuration value of {key} has {len(value)} characters (1-1000 allowed)",
                    "move long content into a file in an artifact",
                )


@pipeline_rule("PL027", E, "timeoutInMinutes outside manual approval or out of range", APPROVALS)
def timeout_minutes(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        if action.timeout is None:
            continue
        path = (*action.path, pipe.key("timeoutInMinutes"))
        if action.provider != "Manual" and action.type_known and action.provider is not None:
            ctx.report(
                "PL027",
                path,
                "timeoutInMinutes can be set only on manual approval actions",
                "remove it",
            )
        elif not isinstance(action.timeout, int) or not 5 <= action.timeout <= 86400:
            ctx.report(
                "PL027",
                path,
                f"timeoutInMinutes {action.timeout!r} must be 5-86400",
                "the default is 7 days (10080)",
            )


@pipeline_rule("PL028", E, "CodeBuild PrimarySource missing or not an input")
def primary_source(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        if action.provider != "CodeBuild" or not action.configuration_known:
            continue
        names = [n for n, _ in action.inputs]
        primary = literal(action.configuration.get("PrimarySource"))
        if len(names) > 1 and "PrimarySource" not in action.configuration:
            ctx.report(
                "PL028",
                config_path(pipe, action) if action.configuration else action.path,
                f"CodeBuild action {action.name!r} has {len(names)} inputs but no PrimarySource",
                f"set PrimarySource to one of: {', '.join(map(str, names))}",
                key=True,
            )
        elif (
            isinstance(primary, str)
            and all(isinstance(n, str) for n in names)
            and primary not in names
        ):
            ctx.report(
                "PL028",
                config_path(pipe, action, "PrimarySource"),
                f"PrimarySource {primary!r} is not an input artifact of this action",
                did_you_mean(primary, [str(n) for n in names]) or "use an input artifact name",
            )


@pipeline_rule("PL029", E, "action mode invalid or the keys of that mode missing")
def action_modes(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        kind = action_type(action)
        if kind is None or kind.mode_key is None or not action.configuration_known:
            continue
        mode = literal(action.configuration.get(kind.mode_key))
        if not isinstance(mode, str) or "#{" in mode:
            continue
        modes = tuple(kind.modes)
        if mode not in kind.modes:
            ctx.report(
                "PL029",
                config_path(pipe, action, kind.mode_key),
                f"{kind.mode_key} {mode!r} is not valid",
                join_hint(did_you_mean(mode, modes), f"modes: {', '.join(modes)}"),
            )
            continue
        missing = [k for k in kind.modes[mode] if k not in action.configuration]
        if missing:
            ctx.report(
                "PL029",
                config_path(pipe, action, kind.mode_key),
                f"{kind.mode_key} {mode} needs {', '.join(missing)}",
                f"{mode} needs: {', '.join(kind.modes[mode])}",
            )


@pipeline_rule(
    "PL021", E, "TemplatePath must start with an input artifact name and '::' (cfn-lint E3703)"
)
def template_path(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        if action.provider not in ("CloudFormation", "CloudFormationStackSet"):
            continue
        names = [n for n, _ in action.inputs]
        for key in ("TemplatePath", "TemplateConfiguration"):
            value = literal(action.configuration.get(key))
            if not isinstance(value, str) or "#{" in value:
                continue
            artifact = value.split("::", 1)[0] if "::" in value else None
            if artifact is None or (
                all(isinstance(n, str) for n in names) and artifact not in names
            ):
                ctx.report(
                    "PL021",
                    config_path(pipe, action, key),
                    f"{key} {value!r} must be <input artifact>::<path>"
                    + (f"; {artifact!r} is not an input of this action" if artifact else ""),
                    f"inputs of this action: {', '.join(map(str, names)) or 'none'}",
                )


@pipeline_rule("PL033", E, "a role ARN that is not an IAM role ARN (cfn-lint E3703)", CROSS)
def action_role_arns(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        checks = [((*action.path, pipe.key("roleArn")), action.role_arn)]
        if action.provider in ("CloudFormation", "CloudFormationStackSet"):
            checks.append(
                (
                    config_path(pipe, action, "RoleArn"),
                    literal(action.configuration.get("RoleArn")),
                )
            )
        for path, value in checks:
            if (
                isinstance(value, str)
                and not ROLE_ARN.match(value)
                and "#{" not in value
                and not PLACEHOLDER.search(value)
            ):
                ctx.report(
                    "PL033",
                    path,
                    f"{value!r} is not an IAM role ARN",
                    "format: arn:aws:iam::123456789012:role/RoleName",
                )


@pipeline_rule("PL030", E, "CodeDeployToECS template artifact is not an input")
def ecs_bluegreen_artifacts(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        if action.provider != "CodeDeployToECS":
            continue
        names = [n for n, _ in action.inputs]
        if not all(isinstance(n, str) for n in names):
            continue
        for key in ("TaskDefinitionTemplateArtifact", "AppSpecTemplateArtifact"):
            value = literal(action.configuration.get(key))
            if isinstance(value, str) and value not in names:
                ctx.report(
                    "PL030",
                    config_path(pipe, action, key),
                    f"{key} {value!r} is not an input artifact of {action.name!r}",
                    did_you_mean(value, names) or f"inputs: {', '.join(names) or 'none'}",
                )


@pipeline_rule("PL031", E, "S3 deploy with Extract false needs ObjectKey")
def s3_deploy_object_key(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        if action.category == "Deploy" and action.provider == "S3":
            extract = literal(action.configuration.get("Extract"))
            if str(extract).lower() == "false" and "ObjectKey" not in action.configuration:
                ctx.report(
                    "PL031",
                    config_path(pipe, action, "Extract"),
                    "with Extract false the artifact is uploaded as one file and needs ObjectKey",
                    "add ObjectKey (e.g. site.zip), or set Extract: true",
                )


@pipeline_rule("PL036", W, "placeholder value (a template to fill in)")
def placeholders(ctx: Context) -> None:
    def visit(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                visit(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, (*path, i))
        elif isinstance(value, str) and PLACEHOLDER.search(value):
            ctx.report(
                "PL036",
                path,
                f"{value!r} contains a placeholder: replace it before creating the pipeline",
                "fill in the real value",
            )

    for pipe in pipelines_of(ctx):
        visit(pipe.raw, pipe.path)
